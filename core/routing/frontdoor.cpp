#include "frontdoor.h"

#include "azure/armclient.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QTimer>

namespace dr {

namespace {

std::optional<int> optionalInt(const QJsonValue &value)
{
    if (!value.isDouble())
        return std::nullopt;
    return value.toInt();
}

QJsonObject enabledProperties(bool enabled)
{
    return QJsonObject{ { QStringLiteral("enabledState"),
        enabled ? QStringLiteral("Enabled") : QStringLiteral("Disabled") } };
}

// What ARM can tell: the origin is in the group and its configuration is deployed. Front Door's
// own health probes are not exposed by ARM.
bool deployed(const FrontDoorOrigin &o)
{
    return o.enabled() && o.provisioningState == u"Succeeded" && o.deploymentStatus != u"Failed";
}

} // namespace

QString FrontDoorOrigin::describe() const
{
    QStringList parts{ enabledState.isEmpty() ? QStringLiteral("no enabledState") : enabledState };
    if (!provisioningState.isEmpty())
        parts.append(QStringLiteral("provisioning %1").arg(provisioningState));
    if (deploymentStatus == u"Failed" || deploymentStatus == u"InProgress")
        parts.append(QStringLiteral("deployment %1").arg(deploymentStatus));
    parts.append(QStringLiteral("priority %1").arg(effectivePriority()));
    return parts.join(QStringLiteral(", "));
}

FrontDoorClient::FrontDoorClient(ArmClient *arm, const QString &subscriptionId,
    const QString &resourceGroup, const QString &profileName, QObject *parent)
    : QObject(parent)
    , m_arm(arm)
    , m_profilePath(QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.Cdn/profiles/%3")
                        .arg(subscriptionId, resourceGroup, profileName))
{ }

QString FrontDoorClient::originGroupPath(const QString &originGroup) const
{
    return m_profilePath + QStringLiteral("/originGroups/") + originGroup;
}

QString FrontDoorClient::originsPath(const QString &originGroup) const
{
    return originGroupPath(originGroup) + QStringLiteral("/origins");
}

QString FrontDoorClient::originPath(const QString &originGroup, const QString &originName) const
{
    return originsPath(originGroup) + u'/' + originName;
}

QString FrontDoorClient::endpointPath(const QString &endpointName) const
{
    return m_profilePath + QStringLiteral("/afdEndpoints/") + endpointName;
}

Result<FrontDoorOrigin> FrontDoorClient::parseOrigin(const QJsonObject &json)
{
    const QJsonValue props = json.value(QStringLiteral("properties"));
    FrontDoorOrigin o;
    o.id = json.value(QStringLiteral("id")).toString();
    o.name = json.value(QStringLiteral("name")).toString();
    if (!props.isObject() || o.name.isEmpty())
        return fail(QStringLiteral("not a Front Door origin (no name or properties): %1")
                        .arg(o.id.isEmpty() ? QStringLiteral("no id") : o.id));
    const QJsonObject p = props.toObject();
    o.hostName = p.value(QStringLiteral("hostName")).toString();
    o.httpPort = p.value(QStringLiteral("httpPort")).toInt();
    o.httpsPort = p.value(QStringLiteral("httpsPort")).toInt();
    o.originHostHeader = p.value(QStringLiteral("originHostHeader")).toString();
    o.priority = optionalInt(p.value(QStringLiteral("priority")));
    o.weight = optionalInt(p.value(QStringLiteral("weight")));
    o.enabledState = p.value(QStringLiteral("enabledState")).toString();
    o.provisioningState = p.value(QStringLiteral("provisioningState")).toString();
    o.deploymentStatus = p.value(QStringLiteral("deploymentStatus")).toString();
    o.originGroupName = p.value(QStringLiteral("originGroupName")).toString();
    o.enforceCertificateNameCheck = p.value(QStringLiteral("enforceCertificateNameCheck")).toBool();
    return o;
}

Result<QList<FrontDoorOrigin>> FrontDoorClient::parseOrigins(const QJsonObject &json)
{
    const QJsonValue value = json.value(QStringLiteral("value"));
    if (!value.isArray())
        return fail(QStringLiteral("not a list of Front Door origins (no \"value\")"));
    QList<FrontDoorOrigin> origins;
    for (const QJsonValue &v : value.toArray()) {
        auto o = parseOrigin(v.toObject());
        if (!o)
            return std::unexpected(o.error());
        origins.append(*o);
    }
    return origins;
}

Result<FrontDoorOriginGroup> FrontDoorClient::parseOriginGroup(const QJsonObject &json)
{
    const QJsonValue props = json.value(QStringLiteral("properties"));
    FrontDoorOriginGroup g;
    g.id = json.value(QStringLiteral("id")).toString();
    g.name = json.value(QStringLiteral("name")).toString();
    if (!props.isObject() || g.name.isEmpty())
        return fail(QStringLiteral("not a Front Door origin group (no name or properties): %1")
                        .arg(g.id.isEmpty() ? QStringLiteral("no id") : g.id));
    const QJsonObject p = props.toObject();
    const QJsonObject lb = p.value(QStringLiteral("loadBalancingSettings")).toObject();
    g.sampleSize = lb.value(QStringLiteral("sampleSize")).toInt();
    g.successfulSamplesRequired = lb.value(QStringLiteral("successfulSamplesRequired")).toInt();
    g.additionalLatencyInMilliseconds = lb.value(QStringLiteral("additionalLatencyInMilliseconds")).toInt();
    const QJsonObject hp = p.value(QStringLiteral("healthProbeSettings")).toObject();
    g.probePath = hp.value(QStringLiteral("probePath")).toString();
    g.probeRequestType = hp.value(QStringLiteral("probeRequestType")).toString();
    g.probeProtocol = hp.value(QStringLiteral("probeProtocol")).toString();
    g.probeIntervalInSeconds = hp.value(QStringLiteral("probeIntervalInSeconds")).toInt();
    g.trafficRestorationTimeToHealedOrNewEndpointsInMinutes =
        p.value(QStringLiteral("trafficRestorationTimeToHealedOrNewEndpointsInMinutes")).toInt();
    g.provisioningState = p.value(QStringLiteral("provisioningState")).toString();
    g.deploymentStatus = p.value(QStringLiteral("deploymentStatus")).toString();
    return g;
}

Result<FrontDoorEndpoint> FrontDoorClient::parseEndpoint(const QJsonObject &json)
{
    const QJsonValue props = json.value(QStringLiteral("properties"));
    FrontDoorEndpoint e;
    e.id = json.value(QStringLiteral("id")).toString();
    e.name = json.value(QStringLiteral("name")).toString();
    e.location = json.value(QStringLiteral("location")).toString();
    if (!props.isObject() || e.name.isEmpty())
        return fail(QStringLiteral("not a Front Door endpoint (no name or properties): %1")
                        .arg(e.id.isEmpty() ? QStringLiteral("no id") : e.id));
    const QJsonObject p = props.toObject();
    e.hostName = p.value(QStringLiteral("hostName")).toString();
    e.enabledState = p.value(QStringLiteral("enabledState")).toString();
    e.provisioningState = p.value(QStringLiteral("provisioningState")).toString();
    e.deploymentStatus = p.value(QStringLiteral("deploymentStatus")).toString();
    return e;
}

namespace {

template<typename T, typename Parse>
void getParsed(QPointer<ArmClient> arm, QObject *context, const QString &path, Parse parse,
    std::function<void(Result<T>)> done)
{
    if (!arm)
        return QTimer::singleShot(0, context, [done] { done(fail(QStringLiteral("no ARM client"))); });
    arm->get(path, FrontDoorClient::apiVersion(), [parse, done](Result<ArmResponse> r) {
        if (!r)
            return done(std::unexpected(r.error()));
        done(parse(r->body));
    });
}

} // namespace

void FrontDoorClient::origins(const QString &originGroup, OriginsCallback done)
{
    getParsed<QList<FrontDoorOrigin>>(m_arm, this, originsPath(originGroup), &parseOrigins, done);
}

void FrontDoorClient::origin(const QString &originGroup, const QString &originName, OriginCallback done)
{
    getParsed<FrontDoorOrigin>(m_arm, this, originPath(originGroup, originName), &parseOrigin, done);
}

void FrontDoorClient::originGroup(const QString &originGroup, OriginGroupCallback done)
{
    getParsed<FrontDoorOriginGroup>(m_arm, this, originGroupPath(originGroup), &parseOriginGroup, done);
}

void FrontDoorClient::endpoint(const QString &endpointName, EndpointCallback done)
{
    getParsed<FrontDoorEndpoint>(m_arm, this, endpointPath(endpointName), &parseEndpoint, done);
}

void FrontDoorClient::updateOrigin(const QString &originGroup, const QString &originName,
    const QJsonObject &properties, OriginCallback done)
{
    if (!m_arm)
        return QTimer::singleShot(0, this, [done] { done(fail(QStringLiteral("no ARM client"))); });
    m_arm->sendLongRunning(QByteArrayLiteral("PATCH"), originPath(originGroup, originName), apiVersion(),
        QJsonObject{ { QStringLiteral("properties"), properties } }, [done](Result<ArmResponse> r) {
            if (!r)
                return done(std::unexpected(r.error()));
            done(parseOrigin(r->body));
        });
}

// ---------------------------------------------------------------------------------------------

struct FrontDoorSwitch::Wait
{
    QString regionId;
    QString origin;
    int timeoutMs = 0;
    Done done;
    QElapsedTimer elapsed;
};

FrontDoorSwitch::FrontDoorSwitch(ArmClient *arm, const QString &subscriptionId,
    const QString &resourceGroup, const QString &profileName, const QString &originGroup,
    const QList<std::pair<QString, QString>> &regionOrigins, SwitchBy switchBy, QObject *parent)
    : RoutingSwitch(parent)
    , m_client(new FrontDoorClient(arm, subscriptionId, resourceGroup, profileName, this))
    , m_originGroup(originGroup)
    , m_regionOrigins(regionOrigins)
    , m_switchBy(switchBy)
{ }

Result<FrontDoorSwitch::SwitchBy> FrontDoorSwitch::parseSwitchBy(const QString &text)
{
    if (text.isEmpty() || text == u"enabledState")
        return SwitchBy::EnabledState;
    if (text == u"priority")
        return SwitchBy::Priority;
    return fail(QStringLiteral("routing.settings.switchBy is \"%1\": use \"enabledState\" or \"priority\"")
                    .arg(text));
}

QString FrontDoorSwitch::originOf(const QString &regionId) const
{
    return targetOf(m_regionOrigins, regionId);
}

Result<RoutingState> FrontDoorSwitch::stateFrom(const QList<FrontDoorOrigin> &origins,
    const QString &originGroup, const QList<std::pair<QString, QString>> &regionOrigins)
{
    RoutingState state;
    QList<std::pair<QString, int>> candidates; // region, priority
    for (const auto &[region, name] : regionOrigins) {
        const FrontDoorOrigin *found = nullptr;
        for (const FrontDoorOrigin &o : origins) {
            if (o.name == name) {
                found = &o;
                break;
            }
        }
        if (!found)
            return fail(QStringLiteral(
                "Front Door origin group %1 has no origin %2 (the routing target of region %3)")
                            .arg(originGroup, name, region));
        RoutingRegionState r;
        r.regionId = region;
        r.enabled = found->enabled();
        r.healthy = deployed(*found);
        r.detail = found->describe() + QStringLiteral(" (ARM reports no origin health)");
        state.regions.append(r);
        if (r.healthy)
            candidates.append({ region, found->effectivePriority() });
    }
    int lowest = 0;
    int atLowest = 0;
    for (const auto &[region, priority] : candidates) {
        if (atLowest == 0 || priority < lowest) {
            lowest = priority;
            atLowest = 1;
            state.servingRegion = region;
        } else if (priority == lowest) {
            ++atLowest;
        }
    }
    if (atLowest > 1) {
        // Same priority: Front Door balances between them by latency and weight.
        state.servingRegion.clear();
        for (RoutingRegionState &r : state.regions) {
            for (const auto &[region, priority] : candidates) {
                if (region == r.regionId && priority == lowest)
                    r.detail += QStringLiteral("; shares priority %1: Front Door balances between them").arg(lowest);
            }
        }
    }
    return state;
}

void FrontDoorSwitch::state(StateCallback done)
{
    QPointer<FrontDoorSwitch> self(this);
    m_client->origins(m_originGroup, [self, done](Result<QList<FrontDoorOrigin>> origins) {
        if (!self)
            return;
        if (!origins)
            return done(std::unexpected(origins.error()));
        done(stateFrom(*origins, self->m_originGroup, self->m_regionOrigins));
    });
}

void FrontDoorSwitch::enable(const QString &regionId, int timeoutMs, Done done)
{
    const QString origin = originOf(regionId);
    if (origin.isEmpty())
        return failLater(done,
            QStringLiteral("enabling %1: the routing has no Front Door origin for that region").arg(regionId));
    auto wait = std::make_shared<Wait>();
    wait->regionId = regionId;
    wait->origin = origin;
    wait->timeoutMs = timeoutMs;
    wait->done = std::move(done);
    wait->elapsed.start();
    QPointer<FrontDoorSwitch> self(this);
    m_client->origin(m_originGroup, origin, [self, wait](Result<FrontDoorOrigin> o) {
        if (!self)
            return;
        if (!o)
            return wait->done(fail(QStringLiteral("enabling %1: %2").arg(wait->regionId, o.error())));
        if (o->enabled())
            return deployed(*o) ? self->promote(wait) : self->poll(wait);
        self->m_client->updateOrigin(self->m_originGroup, wait->origin, enabledProperties(true),
            [self, wait](Result<FrontDoorOrigin> updated) {
                if (!self)
                    return;
                if (!updated)
                    return wait->done(
                        fail(QStringLiteral("enabling %1: %2").arg(wait->regionId, updated.error())));
                if (updated->enabled() && deployed(*updated))
                    return self->promote(wait);
                self->poll(wait);
            });
    });
}

void FrontDoorSwitch::poll(std::shared_ptr<Wait> wait)
{
    QPointer<FrontDoorSwitch> self(this);
    m_client->origin(m_originGroup, wait->origin, [self, wait](Result<FrontDoorOrigin> o) {
        if (!self)
            return;
        QString last;
        if (!o) {
            last = o.error();
        } else {
            if (deployed(*o))
                return self->promote(wait);
            last = QStringLiteral("Front Door still reports %1").arg(o->describe());
        }
        const qint64 left = wait->timeoutMs - wait->elapsed.elapsed();
        if (left <= 0)
            return wait->done(fail(QStringLiteral("enabling %1: not deployed after %2 ms: %3")
                                       .arg(wait->regionId)
                                       .arg(wait->timeoutMs)
                                       .arg(last)));
        QTimer::singleShot(int(std::min<qint64>(self->m_pollIntervalMs, left)), self,
            [self, wait] { self->poll(wait); });
    });
}

void FrontDoorSwitch::promote(std::shared_ptr<Wait> wait)
{
    if (m_switchBy != SwitchBy::Priority)
        return wait->done({});
    QPointer<FrontDoorSwitch> self(this);
    m_client->origins(m_originGroup, [self, wait](Result<QList<FrontDoorOrigin>> origins) {
        if (!self)
            return;
        if (!origins)
            return wait->done(fail(QStringLiteral("enabling %1: %2").arg(wait->regionId, origins.error())));
        // Priorities need not be unique in Front Door: the target first joins priority 1, then
        // the other regions step behind it, so some origin serves at every moment.
        QList<std::pair<QString, QJsonObject>> patches;
        for (const FrontDoorOrigin &o : *origins) {
            if (o.name == wait->origin && o.effectivePriority() != 1)
                patches.prepend({ o.name, QJsonObject{ { QStringLiteral("priority"), 1 } } });
        }
        for (const auto &[region, name] : self->m_regionOrigins) {
            if (name == wait->origin)
                continue;
            for (const FrontDoorOrigin &o : *origins) {
                if (o.name == name && o.effectivePriority() <= 1)
                    patches.append({ o.name, QJsonObject{ { QStringLiteral("priority"), 2 } } });
            }
        }
        self->patchAll(wait, patches, wait->done);
    });
}

void FrontDoorSwitch::patchAll(
    std::shared_ptr<Wait> wait, QList<std::pair<QString, QJsonObject>> patches, Done then)
{
    if (patches.isEmpty())
        return then({});
    const auto [name, properties] = patches.takeFirst();
    QPointer<FrontDoorSwitch> self(this);
    m_client->updateOrigin(m_originGroup, name, properties,
        [self, wait, patches, name, then](Result<FrontDoorOrigin> updated) {
            if (!self)
                return;
            if (!updated)
                return then(fail(QStringLiteral("enabling %1: updating origin %2: %3")
                                     .arg(wait->regionId, name, updated.error())));
            self->patchAll(wait, patches, then);
        });
}

void FrontDoorSwitch::disable(const QString &regionId, Done done)
{
    const QString origin = originOf(regionId);
    if (origin.isEmpty())
        return failLater(done,
            QStringLiteral("disabling %1: the routing has no Front Door origin for that region").arg(regionId));
    QPointer<FrontDoorSwitch> self(this);
    state([self, regionId, origin, done](Result<RoutingState> before) {
        if (!self)
            return;
        if (!before)
            return done(fail(QStringLiteral("disabling %1: %2").arg(regionId, before.error())));
        if (const auto verdict = judgeDisable(*before, regionId))
            return done(*verdict);
        self->m_client->updateOrigin(self->m_originGroup, origin, enabledProperties(false),
            [self, regionId, origin, done](Result<FrontDoorOrigin> set) {
                if (!self)
                    return;
                if (!set)
                    return done(fail(QStringLiteral("disabling %1: %2").arg(regionId, set.error())));
                self->m_client->origin(self->m_originGroup, origin,
                    [self, regionId, done](Result<FrontDoorOrigin> after) {
                        if (!self)
                            return;
                        if (!after)
                            return done(fail(QStringLiteral("disabling %1: could not confirm: %2")
                                                 .arg(regionId, after.error())));
                        if (after->enabled())
                            return done(fail(QStringLiteral("disabling %1: Front Door still reports %2")
                                                 .arg(regionId, after->describe())));
                        done({});
                    });
            });
    });
}

} // namespace dr
