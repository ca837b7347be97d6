#include "notifier.h"

#include "probes/probeengine.h"
#include "profile/profile.h"
#include "status/statusmonitor.h"

namespace dr {

namespace {

bool isCertificate(const QString &targetId)
{
    return targetId.startsWith(StatusMonitor::certificateTargetId(QString()));
}

// 0: fine (or unknown: an unreachable endpoint is the down rule's business, not this one's).
int certificateLevel(const QString &state)
{
    if (state == u"warning")
        return 1;
    if (state == u"critical")
        return 2;
    if (state == u"expired" || state == u"invalid")
        return 3;
    return 0;
}

} // namespace

Notifier::Notifier(Clock *clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
{}

void Notifier::attach(ProbeEngine *engine)
{
    connect(engine, &ProbeEngine::stateChanged, this,
            [this](const QString &id, HealthState from, HealthState to, const QString &reason) {
                onStateChanged(id, from, to, reason);
            });
    connect(engine, &ProbeEngine::resultRecorded, this,
            [this](const QString &id, const ProbeResult &result) { onResult(id, result); });
}

QHash<QString, QString> Notifier::displayNamesFrom(const Profile &profile)
{
    QHash<QString, QString> names;
    for (const Region &region : profile.regions) {
        const QString regionName = region.displayName.isEmpty() ? region.id : region.displayName;
        for (const Component &c : region.components) {
            names.insert(StatusMonitor::componentTargetId(region.id, c.id),
                         QStringLiteral("%1 (%2)").arg(c.displayName.isEmpty() ? c.id : c.displayName, regionName));
        }
    }
    for (const CertificateEndpoint &cert : profile.certificates) {
        names.insert(StatusMonitor::certificateTargetId(cert.id),
                     QStringLiteral("%1:%2").arg(cert.host).arg(cert.port));
    }
    names.insert(QString::fromLatin1(StatusMonitor::kRoutingTarget), QStringLiteral("Global routing"));
    names.insert(QString::fromLatin1(StatusMonitor::kIndexSyncTarget), QStringLiteral("Index sync"));
    names.insert(QString::fromLatin1(StatusMonitor::kReplicationTarget), QStringLiteral("Storage replication"));
    names.insert(QString::fromLatin1(StatusMonitor::kChatTarget), QStringLiteral("Synthetic chat"));
    return names;
}

QString Notifier::nameOf(const QString &targetId) const
{
    return m_names.value(targetId, targetId);
}

std::optional<Notification> Notifier::emitted(Notification n)
{
    emit notify(n);
    return n;
}

std::optional<Notification> Notifier::onStateChanged(const QString &targetId, HealthState, HealthState to,
                                                     const QString &reason)
{
    if (isCertificate(targetId))
        return std::nullopt; // judged by its certificate state, in onResult()
    if (to == HealthState::Ok) {
        m_down.remove(targetId);
        return std::nullopt;
    }
    if (to != HealthState::Down || m_down.contains(targetId))
        return std::nullopt;
    m_down.insert(targetId);
    Notification n;
    n.kind = Notification::Kind::ComponentDown;
    n.severity = Notification::Severity::Critical;
    n.targetId = targetId;
    n.title = QStringLiteral("%1 is down").arg(nameOf(targetId));
    n.message = reason.isEmpty() ? QStringLiteral("no reason given") : reason;
    n.at = m_clock->nowUtc();
    return emitted(n);
}

std::optional<Notification> Notifier::onResult(const QString &targetId, const ProbeResult &result)
{
    const QString state = result.data.value(QStringLiteral("state")).toString();
    const QDateTime at = result.finishedAt.isValid() ? result.finishedAt : m_clock->nowUtc();
    if (targetId == QLatin1String(StatusMonitor::kReplicationTarget)) {
        if (state == u"ok") {
            m_rpoBreached = false;
            return std::nullopt;
        }
        if (m_rpoBreached || (state != u"lagging" && state != u"unavailable"))
            return std::nullopt;
        m_rpoBreached = true;
        Notification n;
        n.kind = Notification::Kind::RpoBreach;
        n.severity = Notification::Severity::Critical;
        n.targetId = targetId;
        n.title = state == u"lagging" ? QStringLiteral("RPO breached") : QStringLiteral("Storage replication unavailable");
        const QJsonValue lag = result.data.value(QStringLiteral("lagSeconds"));
        n.message = lag.isDouble()
            ? QStringLiteral("%1 (replication lag %2 s)").arg(result.detail).arg(lag.toDouble())
            : result.detail;
        n.at = at;
        return emitted(n);
    }
    if (isCertificate(targetId)) {
        const int level = certificateLevel(state);
        if (level == 0) {
            // Only "ok" is a recovery; "unknown" (unreachable) says nothing about the certificate.
            if (state == u"ok")
                m_certificateLevel.remove(targetId);
            return std::nullopt;
        }
        if (level <= m_certificateLevel.value(targetId, 0))
            return std::nullopt;
        m_certificateLevel.insert(targetId, level);
        Notification n;
        n.kind = Notification::Kind::Certificate;
        n.severity = level >= 2 ? Notification::Severity::Critical : Notification::Severity::Warning;
        n.targetId = targetId;
        n.title = QStringLiteral("Certificate %1: %2").arg(nameOf(targetId), state);
        n.message = result.detail;
        n.at = at;
        return emitted(n);
    }
    return std::nullopt;
}

} // namespace dr
