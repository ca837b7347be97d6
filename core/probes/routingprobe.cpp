#include "routingprobe.h"

#include "routing/frontdoor.h"
#include "routing/haproxyruntime.h"
#include "routing/trafficmanager.h"

#include <QJsonArray>
#include <QTimer>

namespace dr {

RoutingProbe::RoutingProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent)
    : Probe(target, context, parent)
{}

void RoutingProbe::start()
{
    const QString kind = m_target.options.value(QStringLiteral("kind")).toString();
    if (kind == u"traffic-manager" || kind == u"front-door")
        return startAzure(kind);
    const qint64 started = m_context.clock->elapsedMs();
    m_runtime = new HaproxyRuntime(m_target.options.value(QStringLiteral("runtimeApi")).toString(), this);
    m_runtime->setTimeoutMs(m_target.settings.timeoutMs);
    const QString backend = m_target.options.value(QStringLiteral("backend")).toString();
    const QJsonObject targets = m_target.options.value(QStringLiteral("targets")).toObject();
    m_runtime->serverStates(backend, [this, started, targets](Result<QList<HaproxyServerState>> states) {
        if (m_done)
            return;
        m_done = true;
        ProbeResult r;
        r.latencyMs = m_context.clock->elapsedMs() - started;
        r.finishedAt = m_context.clock->nowUtc();
        if (!states) {
            r.outcome = ProbeResult::Outcome::Failure;
            r.detail = states.error();
            r.data.insert(QStringLiteral("servingRegion"), QJsonValue());
            emit finished(r);
            return;
        }
        const auto regionOf = [&targets](const QString &server) {
            for (auto it = targets.begin(); it != targets.end(); ++it) {
                if (it.value().toString() == server)
                    return it.key();
            }
            return QString();
        };
        QJsonArray servers;
        QStringList summary;
        for (const HaproxyServerState &s : *states) {
            const QString region = regionOf(s.server);
            servers.append(QJsonObject{{QStringLiteral("region"), region.isEmpty() ? QJsonValue() : QJsonValue(region)},
                                       {QStringLiteral("server"), s.server},
                                       {QStringLiteral("status"), s.status},
                                       {QStringLiteral("backup"), s.backup},
                                       {QStringLiteral("check"), s.checkStatus},
                                       {QStringLiteral("lastChangeSeconds"), s.lastChangeSeconds}});
            summary.append(QStringLiteral("%1 %2").arg(region.isEmpty() ? s.server : region, s.status));
        }
        const QString serving = regionOf(HaproxyRuntime::servingServer(*states));
        r.data.insert(QStringLiteral("servers"), servers);
        r.data.insert(QStringLiteral("servingRegion"), serving.isEmpty() ? QJsonValue() : QJsonValue(serving));
        if (serving.isEmpty()) {
            r.outcome = ProbeResult::Outcome::Failure;
            r.detail = QStringLiteral("no region serves (%1)").arg(summary.join(QStringLiteral(", ")));
        } else {
            r.outcome = ProbeResult::Outcome::Success;
            r.detail = QStringLiteral("%1 serves (%2)").arg(serving, summary.join(QStringLiteral(", ")));
        }
        emit finished(r);
    });
}

void RoutingProbe::startAzure(const QString &kind)
{
    const qint64 started = m_context.clock->elapsedMs();
    const QJsonObject targets = m_target.options.value(QStringLiteral("targets")).toObject();
    QList<std::pair<QString, QString>> regionTargets;
    for (auto it = targets.begin(); it != targets.end(); ++it)
        regionTargets.append({ it.key(), it.value().toString() });
    const auto option = [this](const char *key) {
        return m_target.options.value(QString::fromLatin1(key)).toString();
    };
    const auto finish = [this, started, targets](Result<RoutingState> state) {
        if (m_done)
            return;
        m_done = true;
        ProbeResult r;
        r.latencyMs = m_context.clock->elapsedMs() - started;
        r.finishedAt = m_context.clock->nowUtc();
        if (!state) {
            r.outcome = ProbeResult::Outcome::Failure;
            r.detail = state.error();
            r.data.insert(QStringLiteral("servingRegion"), QJsonValue());
            emit finished(r);
            return;
        }
        // The HAProxy path's shape, so the snapshot, the console and drctl status read it as is;
        // status carries the router's words ("Enabled, Online, priority 1").
        QJsonArray servers;
        QStringList summary;
        for (const RoutingRegionState &s : state->regions) {
            servers.append(QJsonObject{{QStringLiteral("region"), s.regionId},
                                       {QStringLiteral("server"), targets.value(s.regionId).toString()},
                                       {QStringLiteral("status"), s.detail},
                                       {QStringLiteral("backup"), false},
                                       {QStringLiteral("check"), s.healthy ? QStringLiteral("healthy") : QStringLiteral("not healthy")},
                                       {QStringLiteral("lastChangeSeconds"), -1},
                                       {QStringLiteral("enabled"), s.enabled},
                                       {QStringLiteral("healthy"), s.healthy}});
            summary.append(QStringLiteral("%1 %2").arg(s.regionId, s.detail));
        }
        r.data.insert(QStringLiteral("servers"), servers);
        r.data.insert(QStringLiteral("servingRegion"),
                      state->servingRegion.isEmpty() ? QJsonValue() : QJsonValue(state->servingRegion));
        if (state->servingRegion.isEmpty()) {
            r.outcome = ProbeResult::Outcome::Failure;
            r.detail = QStringLiteral("no region serves (%1)").arg(summary.join(QStringLiteral(", ")));
        } else {
            r.outcome = ProbeResult::Outcome::Success;
            r.detail = QStringLiteral("%1 serves (%2)").arg(state->servingRegion, summary.join(QStringLiteral(", ")));
        }
        emit finished(r);
    };
    if (!m_context.arm) {
        QTimer::singleShot(0, this, [finish, kind] {
            finish(fail(QStringLiteral("%1 routing: no Azure credentials (the profile's \"azure\" section with a "
                                       "clientSecret)").arg(kind)));
        });
        return;
    }
    if (kind == u"traffic-manager") {
        auto by = TrafficManagerSwitch::parseSwitchBy(option("switchBy"));
        m_switch = new TrafficManagerSwitch(m_context.arm, option("subscriptionId"), option("resourceGroup"),
            option("profileName"), option("endpointType"), regionTargets,
            by.value_or(TrafficManagerSwitch::SwitchBy::EndpointStatus), this);
    } else {
        auto by = FrontDoorSwitch::parseSwitchBy(option("switchBy"));
        m_switch = new FrontDoorSwitch(m_context.arm, option("subscriptionId"), option("resourceGroup"),
            option("profileName"), option("originGroup"), regionTargets,
            by.value_or(FrontDoorSwitch::SwitchBy::EnabledState), this);
    }
    m_switch->state(finish);
}

void RoutingProbe::abort()
{
    m_done = true;
    delete m_runtime;
    m_runtime = nullptr;
    // A destroyed switch answers nothing more, whatever ARM still has in flight.
    delete m_switch;
    m_switch = nullptr;
}

} // namespace dr
