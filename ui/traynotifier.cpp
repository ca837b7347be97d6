#include "traynotifier.h"

#include "statestyle.h"
#include "status/statusmonitor.h"

#include <QJsonArray>
#include <QList>
#include <QPainter>
#include <QPixmap>
#include <QSystemTrayIcon>

#include <algorithm>

namespace dr::ui {

namespace {

constexpr int kMaxToolTipLines = 6; // tray tooltips are short on every platform

StateStyle::Severity severityOf(TrayNotifier::Worst worst)
{
    switch (worst) {
    case TrayNotifier::Worst::Ok:
        return StateStyle::Severity::Good;
    case TrayNotifier::Worst::Degraded:
        return StateStyle::Severity::Warning;
    case TrayNotifier::Worst::Down:
        return StateStyle::Severity::Critical;
    case TrayNotifier::Worst::Unknown:
        break;
    }
    return StateStyle::Severity::Unknown;
}

// A disc in the state's colour with the state's symbol on it: readable without colour.
QIcon iconFor(TrayNotifier::Worst worst)
{
    const StateStyle::Severity severity = severityOf(worst);
    QIcon icon;
    for (const int size : {16, 22, 32, 64}) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter p(&pixmap);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(Qt::NoPen);
        p.setBrush(StateStyle::background(severity, true));
        p.drawEllipse(QRectF(0.5, 0.5, size - 1.0, size - 1.0));
        QFont font = p.font();
        font.setPixelSize(std::max(8, size * 2 / 3));
        font.setBold(true);
        p.setFont(font);
        p.setPen(StateStyle::foreground(severity, true));
        p.drawText(QRect(0, 0, size, size), Qt::AlignCenter, StateStyle::symbol(severity));
        p.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

} // namespace

TrayNotifier::TrayNotifier(QObject *parent)
    : TrayNotifier(QSystemTrayIcon::isSystemTrayAvailable(), parent)
{}

TrayNotifier::TrayNotifier(bool available, QObject *parent)
    : QObject(parent)
{
    if (available) {
        m_tray = new QSystemTrayIcon(this);
        connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
            if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
                emit activated();
        });
    }
    apply();
    if (m_tray)
        m_tray->show();
}

void TrayNotifier::setContextMenu(QMenu *menu)
{
    if (m_tray)
        m_tray->setContextMenu(menu);
}

QString TrayNotifier::worstName(Worst worst)
{
    switch (worst) {
    case Worst::Ok:
        return tr("OK");
    case Worst::Degraded:
        return tr("DEGRADED");
    case Worst::Down:
        return tr("DOWN");
    case Worst::Unknown:
        break;
    }
    return tr("UNKNOWN");
}

namespace {

// Every state in a snapshot that is not good: its line for the tooltip and its severity.
void collectProblems(const QJsonObject &snapshot, QStringList *lines, QList<StateStyle::Severity> *severities)
{
    const auto add = [lines, severities](const QString &what, const QString &state, const QString &detail) {
        const StateStyle::Severity severity = StateStyle::severityOf(state);
        if (severity == StateStyle::Severity::Good)
            return;
        QString line = QStringLiteral("%1: %2").arg(what, StateStyle::label(state));
        if (!detail.isEmpty())
            line += QStringLiteral(" - ") + detail;
        lines->append(line);
        severities->append(severity);
    };
    const auto str = [](const QJsonObject &o, const char *key) { return o.value(QLatin1String(key)).toString(); };
    for (const QJsonValue &region : snapshot.value(QStringLiteral("regions")).toArray()) {
        const QJsonObject r = region.toObject();
        const QString regionName = str(r, "displayName").isEmpty() ? str(r, "id") : str(r, "displayName");
        for (const QJsonValue &component : r.value(QStringLiteral("components")).toArray()) {
            const QJsonObject c = component.toObject();
            const QString name = str(c, "displayName").isEmpty() ? str(c, "id") : str(c, "displayName");
            add(QStringLiteral("%1 (%2)").arg(name, regionName), str(c, "state"), str(c, "detail"));
        }
    }
    // The profile-wide checks; a section the profile does not ask for is null.
    const auto section = [&](const char *key, const QString &what) {
        const QJsonValue v = snapshot.value(QLatin1String(key));
        if (v.isObject() && v.toObject().contains(QStringLiteral("state")))
            add(what, str(v.toObject(), "state"), str(v.toObject(), "detail"));
    };
    section("routing", TrayNotifier::tr("Routing"));
    section("syntheticChat", TrayNotifier::tr("Synthetic chat"));
    section("indexSync", TrayNotifier::tr("Index sync"));
    section("storageReplication", TrayNotifier::tr("Storage replication"));
    for (const QJsonValue &cert : snapshot.value(QStringLiteral("certificates")).toArray()) {
        const QJsonObject c = cert.toObject();
        add(TrayNotifier::tr("Certificate %1").arg(str(c, "endpoint")), str(c, "state"), str(c, "detail"));
    }
}

} // namespace

QStringList TrayNotifier::problemsOf(const QJsonObject &snapshot)
{
    QStringList lines;
    QList<StateStyle::Severity> severities;
    collectProblems(snapshot, &lines, &severities);
    return lines;
}

void TrayNotifier::updateFromSnapshot(const QJsonObject &snapshot)
{
    switch (dr::StatusMonitor::exitFor(snapshot)) {
    case dr::StatusExit::Ok:
        m_worst = Worst::Ok;
        break;
    case dr::StatusExit::Down:
        m_worst = Worst::Down;
        break;
    default:
        m_worst = Worst::Degraded;
        break;
    }
    QStringList problems;
    QList<StateStyle::Severity> severities;
    collectProblems(snapshot, &problems, &severities);
    // Nothing known yet (every problem an unknown) is not "degraded" to an operator: say so.
    const bool nothingKnown = !severities.isEmpty()
        && std::all_of(severities.cbegin(), severities.cend(),
                       [](StateStyle::Severity s) { return s == StateStyle::Severity::Unknown; });
    if (m_worst == Worst::Degraded && nothingKnown)
        m_worst = Worst::Unknown;
    QString tip = tr("DR Console");
    const QString profile = snapshot.value(QStringLiteral("profile")).toString();
    if (!profile.isEmpty())
        tip += QStringLiteral(" - ") + profile;
    tip += QStringLiteral(": ") + worstName(m_worst);
    if (problems.size() > kMaxToolTipLines) {
        const qsizetype more = problems.size() - (kMaxToolTipLines - 1);
        problems = problems.mid(0, kMaxToolTipLines - 1);
        problems.append(tr("and %1 more").arg(more));
    }
    if (!problems.isEmpty())
        tip += u'\n' + problems.join(u'\n');
    m_toolTip = tip;
    apply();
}

void TrayNotifier::apply()
{
    if (m_toolTip.isEmpty())
        m_toolTip = tr("DR Console: %1").arg(worstName(m_worst));
    m_icon = iconFor(m_worst);
    if (m_tray) {
        m_tray->setIcon(m_icon);
        m_tray->setToolTip(m_toolTip);
    }
}

void TrayNotifier::showNotification(const dr::Notification &notification)
{
    if (!m_tray || !m_desktop || !QSystemTrayIcon::supportsMessages()) {
        emit unshown(notification.title, notification.message);
        return;
    }
    const auto icon = notification.severity == dr::Notification::Severity::Critical ? QSystemTrayIcon::Critical
                                                                                    : QSystemTrayIcon::Warning;
    m_tray->showMessage(notification.title, notification.message, icon, 15000);
}

} // namespace dr::ui
