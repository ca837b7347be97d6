#pragma once

// The routing switch over HAProxy's runtime API: each region is one server of one backend
// (routing.regionTargets), the primary a normal server and the standby a "backup" one, so
// HAProxy itself sends traffic to the first healthy server in rotation. Enabling a region puts
// its server in rotation only once a health check made after the call has passed (HAProxy
// restores a stale UP when a server leaves maintenance), and back out of rotation when none
// passes in time; disabling puts it in maintenance, which HAProxy honours even when the server
// looks healthy again. Once destroyed, a switch answers no more calls.

#include "haproxyruntime.h"
#include "routingswitch.h"

#include <QElapsedTimer>
#include <QMap>
#include <QStringList>

namespace dr {

class HaproxySwitch : public RoutingSwitch
{
    Q_OBJECT

public:
    static constexpr int kPollIntervalMs = 200;

    // regionServers: region id -> server name, in the profile's region order.
    HaproxySwitch(const QString &runtimeApi, const QString &backend,
        const QList<std::pair<QString, QString>> &regionServers, QObject *parent = nullptr);

    void setCommandTimeoutMs(int ms) { m_runtime->setTimeoutMs(ms); }

    void state(StateCallback done) override;
    void enable(const QString &regionId, int timeoutMs, Done done) override;
    void disable(const QString &regionId, Done done) override;

    // Pure: the routing state from HAProxy's servers. Public for tests.
    static Result<RoutingState> stateFrom(const QList<HaproxyServerState> &servers,
        const QString &backend, const QList<std::pair<QString, QString>> &regionServers);

private:
    // One enable() in progress.
    struct Wait
    {
        enum class Phase { Drained, Up };
        QString regionId;
        QString server;
        int timeoutMs = 0;
        Done done;
        QElapsedTimer elapsed;
        Phase phase = Phase::Up;
        QString restoreState; // where to put it back on failure ("maint", "drain"); empty: leave it
    };

    QString serverOf(const QString &regionId) const;
    void command(const QString &line, Done done);
    void poll(std::shared_ptr<Wait> wait);
    void giveUp(std::shared_ptr<Wait> wait, const QString &why);

    HaproxyRuntime *m_runtime;
    QString m_backend;
    QList<std::pair<QString, QString>> m_regionServers;
};

} // namespace dr
