#pragma once

// The routing switch over HAProxy's runtime API: each region is one server of one backend
// (routing.regionTargets), the primary a normal server and the standby a "backup" one, so
// HAProxy itself sends traffic to the first healthy server in rotation. Enabling a region sets
// its server "ready" and waits for HAProxy's own health check to see it UP; disabling puts it
// in maintenance, which HAProxy honours even when the server looks healthy again.

#include "routingswitch.h"

#include "haproxyruntime.h"

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
    static Result<RoutingState> stateFrom(const QList<HaproxyServerState> &servers, const QString &backend,
                                          const QList<std::pair<QString, QString>> &regionServers);

private:
    QString serverOf(const QString &regionId) const;
    void waitUntilUp(const QString &regionId, int timeoutMs, std::shared_ptr<QElapsedTimer> elapsed, Done done);
    void later(Done done, const QString &error);

    HaproxyRuntime *m_runtime;
    QString m_backend;
    QList<std::pair<QString, QString>> m_regionServers;
};

} // namespace dr
