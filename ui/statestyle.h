#pragma once

// How a state word from the status document ("ok", "degraded", "down", "unknown", and the
// certificate and sync states) looks: a label, a symbol and a colour. The label and symbol
// always accompany the colour, so nothing is told by colour alone (colour-blind operators,
// monochrome wall displays).

#include <QColor>
#include <QString>

namespace dr::ui {

class StateStyle
{
public:
    enum class Severity { Good, Unknown, Warning, Critical };

    // "ok" -> Good; "degraded", "warning", "lagging", "delayed", "bootstrap" -> Warning;
    // "down", "critical", "expired", "invalid", "unavailable" -> Critical; anything else
    // (including "unknown" and "") -> Unknown.
    static Severity severityOf(const QString &state);
    static QString label(const QString &state); // "OK", "DEGRADED", ..., "NOT CHECKED YET" for ""
    static QString symbol(Severity severity); // a text glyph that differs per severity
    static QColor background(Severity severity, bool highContrast);
    static QColor foreground(Severity severity, bool highContrast);
};

} // namespace dr::ui
