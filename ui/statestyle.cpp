#include "statestyle.h"

namespace dr::ui {

StateStyle::Severity StateStyle::severityOf(const QString &state)
{
    if (state == u"ok" || state == u"live")
        return Severity::Good;
    if (state == u"degraded" || state == u"warning" || state == u"lagging" || state == u"delayed"
        || state == u"bootstrap")
        return Severity::Warning;
    if (state == u"down" || state == u"critical" || state == u"expired" || state == u"invalid"
        || state == u"unavailable")
        return Severity::Critical;
    return Severity::Unknown;
}

QString StateStyle::label(const QString &state)
{
    if (state.isEmpty())
        return QStringLiteral("NOT CHECKED YET");
    return state.toUpper();
}

QString StateStyle::symbol(Severity severity)
{
    // Distinct shapes, not only distinct colours.
    switch (severity) {
    case Severity::Good:
        return QStringLiteral("\u2714"); // check mark
    case Severity::Warning:
        return QStringLiteral("\u26A0"); // warning sign
    case Severity::Critical:
        return QStringLiteral("\u2716"); // heavy X
    case Severity::Unknown:
        break;
    }
    return QStringLiteral("?");
}

QColor StateStyle::background(Severity severity, bool highContrast)
{
    switch (severity) {
    case Severity::Good:
        return highContrast ? QColor(0x00, 0x60, 0x20) : QColor(0xd4, 0xf4, 0xdc);
    case Severity::Warning:
        return highContrast ? QColor(0x80, 0x60, 0x00) : QColor(0xff, 0xef, 0xc2);
    case Severity::Critical:
        return highContrast ? QColor(0x90, 0x00, 0x00) : QColor(0xff, 0xd2, 0xd2);
    case Severity::Unknown:
        break;
    }
    return highContrast ? QColor(0x30, 0x30, 0x30) : QColor(0xe6, 0xe6, 0xe6);
}

QColor StateStyle::foreground(Severity, bool highContrast)
{
    return highContrast ? QColor(Qt::white) : QColor(Qt::black);
}

} // namespace dr::ui
