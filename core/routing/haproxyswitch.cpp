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

} // namespace

HaproxySwitch::HaproxySwitch(const QString &runtimeApi, const QString &backend,
    const QList<std::pair<QString, QString>> &regionServers, QObject *parent)
    : RoutingSwitch(parent)
    , m_runtime(new HaproxyRuntime(runtimeApi, this))
    , m_backend(backend)
    , m_regionServers(regionServers)
{ }

QString HaproxySwitch::serverOf(const QString &regionId) const
{
    return targetOf(m_regionServers, regionId);
}

Result<RoutingState> HaproxySwitch::stateFrom(const QList<HaproxyServerState> &servers,
    const QString &backend, const QList<std::pair<QString, QString>> &regionServers)
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
            return fail(QStringLiteral(
                "HAProxy backend %1 has no server %2 (the routing target of region %3)")
                            .arg(backend, server, region));
        RoutingRegionState r;
        r.regionId = region;
        // Draining takes no new users either: it is out of rotation as far as a switch goes.
        r.enabled = !found->isMaintenance() && !found->status.startsWith(QStringLiteral("DRAIN"));
        // Draining servers are still checked: healthy is the check's verdict either way.
        r.healthy = found->isUp() || found->status.startsWith(QStringLiteral("DRAIN"));
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

void HaproxySwitch::command(const QString &line, Done done)
{
    m_runtime->command(line, [done](Result<QString> text) {
        if (!text)
            return done(std::unexpected(text.error()));
        // Success is silence; anything HAProxy says is why it refused.
        const QString said = text->trimmed();
        if (said.isEmpty())
            return done({});
        done(fail(QStringLiteral("HAProxy refused: %1").arg(said)));
    });
}

void HaproxySwitch::enable(const QString &regionId, int timeoutMs, Done done)
{
    const QString server = serverOf(regionId);
    if (server.isEmpty())
        return failLater(done,
            QStringLiteral("enabling %1: the routing has no server for that region").arg(regionId));
    auto wait = std::make_shared<Wait>();
    wait->regionId = regionId;
    wait->server = server;
    wait->timeoutMs = timeoutMs;
    wait->done = std::move(done);
    wait->elapsed.start();
    state([this, wait](Result<RoutingState> st) {
        if (!st)
            return wait->done(
                fail(QStringLiteral("enabling %1: %2").arg(wait->regionId, st.error())));
        const RoutingRegionState *r = st->region(wait->regionId);
        if (r->enabled && r->healthy)
            return wait->done({});
        if (r->enabled) {
            // In rotation but down: its checks run, so the UP to wait for will be a fresh one.
            wait->phase = Wait::Phase::Up;
            return poll(wait);
        }
        // Out of rotation, HAProxy's verdict is stale: in maintenance no check runs, and leaving
        // it restores the last verdict from before, UP for a region that was fine then. So go
        // through drain (checks run, no new traffic), force the health down, wait for a check to
        // bring it back, and only then put it in rotation.
        wait->restoreState = r->detail.startsWith(QStringLiteral("MAINT"))
            ? QStringLiteral("maint")
            : QStringLiteral("drain");
        wait->phase = Wait::Phase::Drained;
        const QString target = m_backend + u'/' + wait->server;
        command(QStringLiteral("set server %1 state drain").arg(target),
            [this, wait, target](Result<void> drained) {
                if (!drained)
                    return wait->done(fail(
                        QStringLiteral("enabling %1: %2").arg(wait->regionId, drained.error())));
                command(QStringLiteral("set server %1 health down").arg(target),
                    [this, wait](Result<void> down) {
                        if (!down)
                            return giveUp(wait, down.error());
                        poll(wait);
                    });
            });
    });
}

void HaproxySwitch::poll(std::shared_ptr<Wait> wait)
{
    state([this, wait](Result<RoutingState> st) {
        QString last;
        if (!st) {
            last = st.error();
        } else {
            const RoutingRegionState *r = st->region(wait->regionId);
            last = QStringLiteral("HAProxy still reports %1").arg(r->detail);
            if (wait->phase == Wait::Phase::Up && r->enabled && r->healthy)
                return wait->done({});
            if (wait->phase == Wait::Phase::Drained && r->healthy) {
                wait->phase = Wait::Phase::Up;
                m_runtime->setServerState(m_backend, wait->server, QStringLiteral("ready"),
                    [this, wait](Result<void> ready) {
                        if (!ready)
                            return giveUp(wait, ready.error());
                        poll(wait);
                    });
                return;
            }
        }
        if (wait->elapsed.elapsed() >= wait->timeoutMs)
            return giveUp(
                wait, QStringLiteral("not healthy after %1 ms: %2").arg(wait->timeoutMs).arg(last));
        QTimer::singleShot(kPollIntervalMs, this, [this, wait] { poll(wait); });
    });
}

void HaproxySwitch::giveUp(std::shared_ptr<Wait> wait, const QString &why)
{
    const QString message = QStringLiteral("enabling %1: %2").arg(wait->regionId, why);
    if (wait->restoreState.isEmpty())
        return wait->done(fail(message));
    // Left ready, a region that is not healthy yet would take the traffic back by itself the
    // moment a check passes: a flap to a half-recovered region. It goes back out of rotation.
    m_runtime->setServerState(
        m_backend, wait->server, wait->restoreState, [wait, message](Result<void> restored) {
            if (!restored)
                return wait->done(
                    fail(QStringLiteral("%1; and putting it back out of rotation failed: %2")
                             .arg(message, restored.error())));
            wait->done(fail(QStringLiteral("%1; left in %2")
                                .arg(message,
                                    wait->restoreState == u"maint" ? QStringLiteral("maintenance")
                                                                   : QStringLiteral("drain"))));
        });
}

void HaproxySwitch::disable(const QString &regionId, Done done)
{
    const QString server = serverOf(regionId);
    if (server.isEmpty())
        return failLater(done,
            QStringLiteral("disabling %1: the routing has no server for that region")
                .arg(regionId));
    state([this, regionId, server, done](Result<RoutingState> before) {
        if (!before)
            return done(fail(QStringLiteral("disabling %1: %2").arg(regionId, before.error())));
        if (const auto verdict = judgeDisable(*before, regionId))
            return done(*verdict);
        m_runtime->setServerState(
            m_backend, server, QStringLiteral("maint"), [this, regionId, done](Result<void> set) {
                if (!set)
                    return done(
                        fail(QStringLiteral("disabling %1: %2").arg(regionId, set.error())));
                // Confirmed by what HAProxy reports, not by the absence of a complaint.
                state([regionId, done](Result<RoutingState> after) {
                    if (!after)
                        return done(fail(QStringLiteral("disabling %1: could not confirm: %2")
                                             .arg(regionId, after.error())));
                    const RoutingRegionState *r = after->region(regionId);
                    if (r && r->enabled)
                        return done(fail(QStringLiteral("disabling %1: HAProxy still reports %2")
                                             .arg(regionId, r->detail)));
                    done({});
                });
            });
    });
}

} // namespace dr
