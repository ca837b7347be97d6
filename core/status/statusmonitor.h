#pragma once

// Watches one profile: builds the probe targets for every component and certificate
// endpoint, runs them on a ProbeEngine, and renders what is known as the status document of
// the command-line contract (drctl status --json). One-shot mode takes a single sample per
// target and judges it without hysteresis (one failure is down); continuous mode applies
// the profile's hysteresis and keeps history.

#include "probes/probeengine.h"
#include "profile/profile.h"
#include "secrets/secretstore.h"

#include <QJsonObject>
#include <QObject>

#include <functional>

namespace dr {

enum class StatusExit {
    Ok = 0,           // every component ok, every certificate ok
    Error = 1,        // usage or runtime error
    ProfileInvalid = 2,
    Degraded = 3,     // something degraded, unknown, or a certificate near expiry
    Down = 4,         // something down, or a certificate expired or invalid
};

class StatusMonitor : public QObject
{
    Q_OBJECT

public:
    enum class Mode { OneShot, Continuous };

    StatusMonitor(const Profile &profile, Clock *clock, Mode mode, QObject *parent = nullptr);

    ProbeEngine *engine() const { return m_engine; }
    const Profile &profile() const { return m_profile; }

    static QString componentTargetId(const QString &regionId, const QString &componentId);
    static QString certificateTargetId(const QString &certificateId);

    // Both wait for the profile's secret references to be resolved first (SecretStore); a
    // secret that cannot be read fails its target with the reason, it does not stop the rest.
    void start();      // continuous probing
    void sampleOnce(); // every target once; sampled() follows

    QJsonObject snapshot() const;
    static StatusExit exitFor(const QJsonObject &snapshot);

signals:
    void sampled();
    void changed();

public:
    // Engine target ids of the profile-wide probes.
    static constexpr const char *kRoutingTarget = "routing";
    static constexpr const char *kIndexSyncTarget = "sync/index";
    static constexpr const char *kReplicationTarget = "replication/storage";
    static constexpr const char *kChatTarget = "chat/synthetic";

private:
    QList<ProbeTarget> buildTargets() const;
    QList<ProbeTarget> globalTargets() const;
    void resolveSecrets(std::function<void()> then);

    Profile m_profile;
    Clock *m_clock;
    Mode m_mode;
    ProbeEngine *m_engine;
    SecretStore *m_secrets;
    bool m_ready = false;
    QList<std::function<void()>> m_whenReady;
};

} // namespace dr
