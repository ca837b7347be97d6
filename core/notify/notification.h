#pragma once

// One thing an operator should hear about now: what the Notifier decided, what the tray and
// the webhook deliver. Plain data.

#include <QDateTime>
#include <QString>

namespace dr {

struct Notification
{
    enum class Kind { ComponentDown, RpoBreach, Certificate };
    enum class Severity { Warning, Critical };

    Kind kind = Kind::ComponentDown;
    Severity severity = Severity::Critical;
    QString targetId; // the engine target it is about
    QString title;    // short: a tray balloon's title
    QString message;  // one or two sentences an operator can act on
    QDateTime at;

    // "title: message", the text of a webhook post.
    QString text() const { return title + QStringLiteral(": ") + message; }
};

} // namespace dr
