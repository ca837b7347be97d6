#pragma once

// Decides which state changes deserve a notification (pure logic; delivery is the tray's
// and the webhook's job):
//   - a component (any target but a certificate) goes down;
//   - storage replication is "lagging" or "unavailable": the RPO is breached or at risk;
//   - a certificate is "warning", "critical", "expired" or "invalid".
// De-duplication: once notified, a condition stays quiet until it recovers (the component
// back to ok, replication back to ok, the certificate back to ok), so a flapping probe or a
// probe that reports the same breach every 30 s does not page anybody twice. A certificate
// that gets worse (warning -> critical -> expired) is notified at each new level.
//
// onStateChanged()/onResult() return the decision and emit notify(); attach() connects them
// to a ProbeEngine. Time comes from the results, or from the Clock for state changes.

#include "notification.h"

#include "common/clock.h"
#include "probes/healthtracker.h"

#include <QHash>
#include <QObject>
#include <QSet>

#include <optional>

namespace dr {

class ProbeEngine;
struct Profile;

class Notifier : public QObject
{
    Q_OBJECT

public:
    explicit Notifier(Clock *clock, QObject *parent = nullptr);

    void attach(ProbeEngine *engine);
    // Names for messages: target id -> what an operator calls it ("Bot API (Lab West)").
    void setDisplayNames(const QHash<QString, QString> &names) { m_names = names; }
    static QHash<QString, QString> displayNamesFrom(const Profile &profile);

    std::optional<Notification> onStateChanged(const QString &targetId, HealthState from, HealthState to,
                                               const QString &reason);
    std::optional<Notification> onResult(const QString &targetId, const ProbeResult &result);

signals:
    void notify(const dr::Notification &notification);

private:
    QString nameOf(const QString &targetId) const;
    std::optional<Notification> emitted(Notification n);

    Clock *m_clock;
    QHash<QString, QString> m_names;
    QSet<QString> m_down;                // targets notified down, until ok
    bool m_rpoBreached = false;          // replication notified, until ok
    QHash<QString, int> m_certificateLevel; // certificate target -> level notified
};

} // namespace dr
