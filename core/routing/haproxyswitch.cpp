#include "haproxyswitch.h"

#include <QPointer>
#include <QTimer>

namespace dr {

namespace {

QString describeServer(const HaproxyServerState &s)
{
    // The check's verdict says why a server is down; in maintenance there is none worth giving.
    if (s.checkStatus.isEmpty() || s.isMaintenance() || s.isUp())
        return s.status;
    return QStringLiteral("%1 (%2)").arg(s.status, s.checkStatus);
}

QString describeRegions(const QList<RoutingRegionState> &regions)
{
    QStringList parts;
    for (const RoutingRegionState &r : regions)
        parts.append(QStringLiteral("%1 is %2").arg(r.regionId, r.detail));
    return parts.join(QStringLiteral(", "));
}

} // namespace

HaproxySwitch::HaproxySwitch(const QString &runtimeApi, const QString &backend,
                             const QList<std::pair<QString, QString>> &regionServers, QObject *parent)
    : RoutingSwitch(parent)
    , m_runtime(new HaproxyRuntime(runtimeApi, this))
    , m_backend(backend)
    , m_regionServers(regionServers)
{}

QString HaproxySwitch::serverOf(const QString &regionId) const
{
    for (const auto &[region, server] : m_regionServers) {
        if (region == regionId)
            return server;
    }
    return {};
}

void HaproxySwitch::later(Done done, const QString &error)
{
    QTimer::singleShot(0, this, [done, error] { done(fail(error)); });
}

Result<RoutingState> HaproxySwitch::stateFrom(const QList<HaproxyServerState> &servers, const QString &backend,
                                              const QList<std::pair<QString, QString>> &regionServers)
{
    RoutingState state;
    const QString serving = HaproxyRuntime::servingServer(servers);
    for (const auto &[region, server] : regionServers) {
        const HaproxyServerState *found = nullptr;
        for (const HaproxyServerState &s : servers) {
            if (s.server == server) {
                found = &s;
                break;
            }
        }
        if (!found)
            return fail(QStringLiteral("HAProxy backend %1 has no server %2 (the routing target of region %3)")
                            .arg(backend, server, region));
        RoutingRegionState r;
        r.regionId = region;
        // Draining takes no new users either: it is out of rotation as far as a switch goes.
        r.enabled = !found->isMaintenance() && !found->status.startsWith(QStringLiteral("DRAIN"));
        r.healthy = found->isUp();
        r.detail = describeServer(*found);
        state.regions.append(r);
        if (!serving.isEmpty() && serving == server)
            state.servingRegion = region;
    }
    return state;
}

void HaproxySwitch::state(StateCallback done)
{
    m_runtime->serverStates(m_backend, [this, done](Result<QList<HaproxyServerState>> servers) {
        if (!servers)
            return done(std::unexpected(servers.error()));
        done(stateFrom(*servers, m_backend, m_regionServers));
    });
}

void HaproxySwitch::enable(const QString &regionId, int timeoutMs, Done done)
{
    const QString server = serverOf(regionId);
    if (server.isEmpty())
        return later(done, QStringLiteral("enabling %1: the routing has no server for that region").arg(regionId));
    auto elapsed = std::make_shared<QElapsedTimer>();
    elapsed->start();
    m_runtime->setServerState(m_backend, server, QStringLiteral("ready"),
                              [this, regionId, timeoutMs, elapsed, done](Result<void> set) {
                                  if (!set)
                                      return done(fail(QStringLiteral("enabling %1: %2").arg(regionId, set.error())));
                                  waitUntilUp(regionId, timeoutMs, elapsed, done);
                              });
}

void HaproxySwitch::waitUntilUp(const QString &regionId, int timeoutMs, std::shared_ptr<QElapsedTimer> elapsed, Done done)
{
    state([this, regionId, timeoutMs, elapsed, done](Result<RoutingState> st) {
        QString last;
        if (!st) {
            last = st.error();
        } else if (const RoutingRegionState *r = st->region(regionId)) {
            if (r->enabled && r->healthy)
                return done({});
            last = QStringLiteral("HAProxy still reports %1").arg(r->detail);
        }
        if (elapsed->elapsed() >= timeoutMs)
            return done(fail(QStringLiteral("enabling %1: not healthy after %2 ms: %3").arg(regionId).arg(timeoutMs).arg(last)));
        QTimer::singleShot(kPollIntervalMs, this,
                           [this, regionId, timeoutMs, elapsed, done] { waitUntilUp(regionId, timeoutMs, elapsed, done); });
    });
}

void HaproxySwitch::disable(const QString &regionId, Done done)
{
    const QString server = serverOf(regionId);
    if (server.isEmpty())
        return later(done, QStringLiteral("disabling %1: the routing has no server for that region").arg(regionId));
    state([this, regionId, server, done](Result<RoutingState> before) {
        if (!before)
            return done(fail(QStringLiteral("disabling %1: %2").arg(regionId, before.error())));
        const RoutingRegionState *target = before->region(regionId);
        if (target && !target->enabled)
            return done({}); // already out of rotation: nothing changes, nothing to refuse
        QList<RoutingRegionState> others;
        bool anotherServes = false;
        for (const RoutingRegionState &r : before->regions) {
            if (r.regionId == regionId)
                continue;
            others.append(r);
            anotherServes = anotherServes || (r.enabled && r.healthy);
        }
        if (!anotherServes)
            return done(fail(QStringLiteral("refused: disabling %1 would leave no serving region (%2)")
                                 .arg(regionId, others.isEmpty() ? QStringLiteral("it is the only one") : describeRegions(others))));
        m_runtime->setServerState(m_backend, server, QStringLiteral("maint"), [this, regionId, done](Result<void> set) {
            if (!set)
                return done(fail(QStringLiteral("disabling %1: %2").arg(regionId, set.error())));
            // Confirmed by what HAProxy reports, not by the absence of a complaint.
            state([regionId, done](Result<RoutingState> after) {
                if (!after)
                    return done(fail(QStringLiteral("disabling %1: could not confirm: %2").arg(regionId, after.error())));
                const RoutingRegionState *r = after->region(regionId);
                if (r && r->enabled)
                    return done(fail(QStringLiteral("disabling %1: HAProxy still reports %2").arg(regionId, r->detail)));
                done({});
            });
        });
    });
}

} // namespace dr
