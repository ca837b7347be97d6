#include "trafficmanager.h"

#include "azure/armclient.h"

#include <QJsonArray>
#include <QSet>
#include <QTimer>

#include <algorithm>
#include <limits>

namespace dr {

namespace {

// Traffic Manager accepts priorities 1..1000.
constexpr int kMaxPriority = 1000;

std::optional<int> optionalInt(const QJsonValue &value)
{
    if (!value.isDouble())
        return std::nullopt;
    return value.toInt();
}

QJsonObject statusProperties(bool enabled)
{
    return QJsonObject{ { QStringLiteral("endpointStatus"),
        enabled ? QStringLiteral("Enabled") : QStringLiteral("Disabled") } };
}

} // namespace

QString TrafficManagerEndpoint::describe() const
{
    QStringList parts{ endpointStatus.isEmpty() ? QStringLiteral("no endpointStatus") : endpointStatus };
    if (!endpointMonitorStatus.isEmpty())
        parts.append(endpointMonitorStatus);
    if (priority)
        parts.append(QStringLiteral("priority %1").arg(*priority));
    return parts.join(QStringLiteral(", "));
}

const TrafficManagerEndpoint *TrafficManagerProfile::endpoint(const QString &endpointName) const
{
    for (const TrafficManagerEndpoint &e : endpoints) {
        if (e.name == endpointName)
            return &e;
    }
    return nullptr;
}

TrafficManagerClient::TrafficManagerClient(ArmClient *arm, const QString &subscriptionId,
    const QString &resourceGroup, QObject *parent)
    : QObject(parent)
    , m_arm(arm)
    , m_subscriptionId(subscriptionId)
    , m_resourceGroup(resourceGroup)
{ }

QString TrafficManagerClient::profilesPath() const
{
    return QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.Network/"
                          "trafficmanagerprofiles")
        .arg(m_subscriptionId, m_resourceGroup);
}

QString TrafficManagerClient::profilePath(const QString &profileName) const
{
    return profilesPath() + u'/' + profileName;
}

QString TrafficManagerClient::endpointPath(
    const QString &profileName, const QString &endpointType, const QString &endpointName) const
{
    return profilePath(profileName) + u'/' + endpointType + u'/' + endpointName;
}

Result<TrafficManagerEndpoint> TrafficManagerClient::parseEndpoint(const QJsonObject &json)
{
    const QJsonValue props = json.value(QStringLiteral("properties"));
    if (!props.isObject())
        return fail(QStringLiteral("a Traffic Manager endpoint without properties (%1)")
                        .arg(json.value(QStringLiteral("id")).toString()));
    const QJsonObject p = props.toObject();
    TrafficManagerEndpoint e;
    e.id = json.value(QStringLiteral("id")).toString();
    e.name = json.value(QStringLiteral("name")).toString();
    e.type = json.value(QStringLiteral("type")).toString();
    if (e.name.isEmpty())
        return fail(QStringLiteral("a Traffic Manager endpoint without a name (%1)").arg(e.id));
    e.target = p.value(QStringLiteral("target")).toString();
    e.endpointStatus = p.value(QStringLiteral("endpointStatus")).toString();
    e.endpointMonitorStatus = p.value(QStringLiteral("endpointMonitorStatus")).toString();
    e.endpointLocation = p.value(QStringLiteral("endpointLocation")).toString();
    e.priority = optionalInt(p.value(QStringLiteral("priority")));
    e.weight = optionalInt(p.value(QStringLiteral("weight")));
    return e;
}

Result<TrafficManagerProfile> TrafficManagerClient::parseProfile(const QJsonObject &json)
{
    const QJsonValue props = json.value(QStringLiteral("properties"));
    TrafficManagerProfile profile;
    profile.id = json.value(QStringLiteral("id")).toString();
    profile.name = json.value(QStringLiteral("name")).toString();
    profile.location = json.value(QStringLiteral("location")).toString();
    if (!props.isObject() || profile.name.isEmpty())
        return fail(QStringLiteral("not a Traffic Manager profile (no name or properties): %1")
                        .arg(profile.id.isEmpty() ? QStringLiteral("no id") : profile.id));
    const QJsonObject p = props.toObject();
    profile.profileStatus = p.value(QStringLiteral("profileStatus")).toString();
    profile.trafficRoutingMethod = p.value(QStringLiteral("trafficRoutingMethod")).toString();
    const QJsonObject dns = p.value(QStringLiteral("dnsConfig")).toObject();
    profile.relativeName = dns.value(QStringLiteral("relativeName")).toString();
    profile.fqdn = dns.value(QStringLiteral("fqdn")).toString();
    profile.ttl = dns.value(QStringLiteral("ttl")).toInt();
    const QJsonObject m = p.value(QStringLiteral("monitorConfig")).toObject();
    profile.monitor.profileMonitorStatus = m.value(QStringLiteral("profileMonitorStatus")).toString();
    profile.monitor.protocol = m.value(QStringLiteral("protocol")).toString();
    profile.monitor.port = m.value(QStringLiteral("port")).toInt();
    profile.monitor.path = m.value(QStringLiteral("path")).toString();
    profile.monitor.intervalInSeconds = m.value(QStringLiteral("intervalInSeconds")).toInt();
    profile.monitor.toleratedNumberOfFailures = m.value(QStringLiteral("toleratedNumberOfFailures")).toInt();
    profile.monitor.timeoutInSeconds = m.value(QStringLiteral("timeoutInSeconds")).toInt();
    const QJsonValue endpoints = p.value(QStringLiteral("endpoints"));
    if (!endpoints.isUndefined() && !endpoints.isNull() && !endpoints.isArray())
        return fail(QStringLiteral("Traffic Manager profile %1: endpoints is not a list").arg(profile.name));
    for (const QJsonValue &v : endpoints.toArray()) {
        auto e = parseEndpoint(v.toObject());
        if (!e)
            return fail(QStringLiteral("Traffic Manager profile %1: %2").arg(profile.name, e.error()));
        profile.endpoints.append(*e);
    }
    return profile;
}

Result<QList<TrafficManagerProfile>> TrafficManagerClient::parseProfiles(const QJsonObject &json)
{
    const QJsonValue value = json.value(QStringLiteral("value"));
    if (!value.isArray())
        return fail(QStringLiteral("not a list of Traffic Manager profiles (no \"value\")"));
    QList<TrafficManagerProfile> profiles;
    for (const QJsonValue &v : value.toArray()) {
        auto p = parseProfile(v.toObject());
        if (!p)
            return std::unexpected(p.error());
        profiles.append(*p);
    }
    return profiles;
}

void TrafficManagerClient::profile(const QString &profileName, ProfileCallback done)
{
    if (!m_arm)
        return QTimer::singleShot(0, this, [done] { done(fail(QStringLiteral("no ARM client"))); });
    m_arm->get(profilePath(profileName), apiVersion(), [done](Result<ArmResponse> r) {
        if (!r)
            return done(std::unexpected(r.error()));
        done(parseProfile(r->body));
    });
}

void TrafficManagerClient::profiles(ProfilesCallback done)
{
    // One page: a resource group holds few profiles, and nextLink is not part of this subset.
    if (!m_arm)
        return QTimer::singleShot(0, this, [done] { done(fail(QStringLiteral("no ARM client"))); });
    m_arm->get(profilesPath(), apiVersion(), [done](Result<ArmResponse> r) {
        if (!r)
            return done(std::unexpected(r.error()));
        done(parseProfiles(r->body));
    });
}

void TrafficManagerClient::endpoint(const QString &profileName, const QString &endpointType,
    const QString &endpointName, EndpointCallback done)
{
    if (!m_arm)
        return QTimer::singleShot(0, this, [done] { done(fail(QStringLiteral("no ARM client"))); });
    m_arm->get(endpointPath(profileName, endpointType, endpointName), apiVersion(),
        [done](Result<ArmResponse> r) {
            if (!r)
                return done(std::unexpected(r.error()));
            done(parseEndpoint(r->body));
        });
}

void TrafficManagerClient::updateEndpoint(const QString &profileName, const QString &endpointType,
    const QString &endpointName, const QJsonObject &properties, EndpointCallback done)
{
    if (!m_arm)
        return QTimer::singleShot(0, this, [done] { done(fail(QStringLiteral("no ARM client"))); });
    // Endpoints_Update is synchronous (200 with the endpoint): no long-running operation.
    m_arm->send(QByteArrayLiteral("PATCH"), endpointPath(profileName, endpointType, endpointName),
        apiVersion(), QJsonObject{ { QStringLiteral("properties"), properties } },
        [done](Result<ArmResponse> r) {
            if (!r)
                return done(std::unexpected(r.error()));
            done(parseEndpoint(r->body));
        });
}

// ---------------------------------------------------------------------------------------------

struct TrafficManagerSwitch::Wait
{
    QString regionId;
    QString endpoint;
    int timeoutMs = 0;
    Done done;
    QElapsedTimer elapsed;
    bool enabledByUs = false; // put back to Disabled when it never comes Online
};

TrafficManagerSwitch::TrafficManagerSwitch(ArmClient *arm, const QString &subscriptionId,
    const QString &resourceGroup, const QString &profileName, const QString &endpointType,
    const QList<std::pair<QString, QString>> &regionEndpoints, SwitchBy switchBy, QObject *parent)
    : RoutingSwitch(parent)
    , m_client(new TrafficManagerClient(arm, subscriptionId, resourceGroup, this))
    , m_profileName(profileName)
    , m_endpointType(endpointType)
    , m_regionEndpoints(regionEndpoints)
    , m_switchBy(switchBy)
{ }

Result<TrafficManagerSwitch::SwitchBy> TrafficManagerSwitch::parseSwitchBy(const QString &text)
{
    if (text.isEmpty() || text == u"endpointStatus")
        return SwitchBy::EndpointStatus;
    if (text == u"priority")
        return SwitchBy::Priority;
    return fail(QStringLiteral("routing.settings.switchBy is \"%1\": use \"endpointStatus\" or \"priority\"")
                    .arg(text));
}

QString TrafficManagerSwitch::endpointOf(const QString &regionId) const
{
    return targetOf(m_regionEndpoints, regionId);
}

Result<RoutingState> TrafficManagerSwitch::stateFrom(
    const TrafficManagerProfile &profile, const QList<std::pair<QString, QString>> &regionEndpoints)
{
    RoutingState state;
    QList<const TrafficManagerEndpoint *> candidates;
    for (const auto &[region, name] : regionEndpoints) {
        const TrafficManagerEndpoint *e = profile.endpoint(name);
        if (!e)
            return fail(QStringLiteral(
                "Traffic Manager profile %1 has no endpoint %2 (the routing target of region %3)")
                            .arg(profile.name, name, region));
        RoutingRegionState r;
        r.regionId = region;
        r.enabled = e->enabled();
        // CheckingEndpoint, Degraded, Stopped, Inactive, Disabled: Traffic Manager does not
        // send users there (or not yet).
        r.healthy = e->online();
        r.detail = e->describe();
        state.regions.append(r);
        if (r.enabled && r.healthy)
            candidates.append(e);
    }
    const auto regionOf = [&regionEndpoints](const QString &endpoint) {
        for (const auto &[region, name] : regionEndpoints) {
            if (name == endpoint)
                return region;
        }
        return QString();
    };
    if (!profile.profileStatus.isEmpty() && profile.profileStatus != u"Enabled") {
        // A disabled profile answers no DNS query at all.
        for (RoutingRegionState &r : state.regions)
            r.detail += QStringLiteral("; profile %1").arg(profile.profileStatus);
        return state;
    }
    if (profile.trafficRoutingMethod == u"Priority") {
        const TrafficManagerEndpoint *best = nullptr;
        for (const TrafficManagerEndpoint *e : candidates) {
            const int p = e->priority.value_or(std::numeric_limits<int>::max());
            if (!best || p < best->priority.value_or(std::numeric_limits<int>::max()))
                best = e;
        }
        if (best)
            state.servingRegion = regionOf(best->name);
        return state;
    }
    if (candidates.size() == 1) {
        state.servingRegion = regionOf(candidates.first()->name);
    } else if (candidates.size() > 1) {
        // Weighted, Performance...: Traffic Manager spreads users over every Online endpoint,
        // so no single region serves.
        for (RoutingRegionState &r : state.regions) {
            if (r.enabled && r.healthy)
                r.detail += QStringLiteral("; %1 routing spreads users over every Online endpoint")
                                .arg(profile.trafficRoutingMethod);
        }
    }
    return state;
}

Result<QList<std::pair<QString, int>>> TrafficManagerSwitch::prioritySwap(
    const TrafficManagerProfile &profile, const QString &target)
{
    const TrafficManagerEndpoint *t = profile.endpoint(target);
    if (!t)
        return fail(QStringLiteral("Traffic Manager profile %1 has no endpoint %2").arg(profile.name, target));
    if (!t->priority)
        return fail(QStringLiteral("Traffic Manager endpoint %1 has no priority").arg(target));
    const TrafficManagerEndpoint *holder = nullptr;
    QSet<int> used;
    int highest = 0;
    for (const TrafficManagerEndpoint &e : profile.endpoints) {
        if (!e.priority)
            continue;
        used.insert(*e.priority);
        highest = std::max(highest, *e.priority);
        if (e.name != target && (!holder || *e.priority < *holder->priority))
            holder = &e;
    }
    QList<std::pair<QString, int>> patches;
    if (!holder || *t->priority < *holder->priority)
        return patches;
    // Priorities are unique within a profile: the holder steps aside to a free value first.
    int free = highest + 1;
    if (free > kMaxPriority) {
        free = 0;
        for (int p = 1; p <= kMaxPriority && free == 0; ++p) {
            if (!used.contains(p))
                free = p;
        }
        if (free == 0)
            return fail(QStringLiteral("Traffic Manager profile %1 has no free priority left for a swap")
                            .arg(profile.name));
    }
    patches.append({ holder->name, free });
    patches.append({ target, *holder->priority });
    patches.append({ holder->name, *t->priority });
    return patches;
}

void TrafficManagerSwitch::state(StateCallback done)
{
    QPointer<TrafficManagerSwitch> self(this);
    m_client->profile(m_profileName, [self, done](Result<TrafficManagerProfile> profile) {
        if (!self)
            return;
        if (!profile)
            return done(std::unexpected(profile.error()));
        done(stateFrom(*profile, self->m_regionEndpoints));
    });
}

void TrafficManagerSwitch::enable(const QString &regionId, int timeoutMs, Done done)
{
    const QString endpoint = endpointOf(regionId);
    if (endpoint.isEmpty())
        return failLater(done,
            QStringLiteral("enabling %1: the routing has no Traffic Manager endpoint for that region")
                .arg(regionId));
    auto wait = std::make_shared<Wait>();
    wait->regionId = regionId;
    wait->endpoint = endpoint;
    wait->timeoutMs = timeoutMs;
    wait->done = std::move(done);
    wait->elapsed.start();
    QPointer<TrafficManagerSwitch> self(this);
    m_client->profile(m_profileName, [self, wait](Result<TrafficManagerProfile> profile) {
        if (!self)
            return;
        if (!profile)
            return wait->done(fail(QStringLiteral("enabling %1: %2").arg(wait->regionId, profile.error())));
        const TrafficManagerEndpoint *e = profile->endpoint(wait->endpoint);
        if (!e)
            return wait->done(fail(QStringLiteral("enabling %1: Traffic Manager profile %2 has no endpoint %3")
                                       .arg(wait->regionId, profile->name, wait->endpoint)));
        if (e->enabled())
            return e->online() ? self->promote(wait) : self->poll(wait);
        self->m_client->updateEndpoint(self->m_profileName, self->m_endpointType, wait->endpoint,
            statusProperties(true), [self, wait](Result<TrafficManagerEndpoint> updated) {
                if (!self)
                    return;
                if (!updated)
                    return wait->done(
                        fail(QStringLiteral("enabling %1: %2").arg(wait->regionId, updated.error())));
                wait->enabledByUs = true;
                self->poll(wait);
            });
    });
}

void TrafficManagerSwitch::poll(std::shared_ptr<Wait> wait)
{
    QPointer<TrafficManagerSwitch> self(this);
    m_client->endpoint(m_profileName, m_endpointType, wait->endpoint,
        [self, wait](Result<TrafficManagerEndpoint> e) {
            if (!self)
                return;
            QString last;
            if (!e) {
                last = e.error();
            } else {
                if (e->enabled() && e->online())
                    return self->promote(wait);
                last = QStringLiteral("Traffic Manager still reports %1").arg(e->describe());
            }
            const qint64 left = wait->timeoutMs - wait->elapsed.elapsed();
            if (left <= 0)
                return self->giveUp(wait,
                    QStringLiteral("not Online after %1 ms: %2").arg(wait->timeoutMs).arg(last));
            QTimer::singleShot(int(std::min<qint64>(self->m_pollIntervalMs, left)), self,
                [self, wait] { self->poll(wait); });
        });
}

void TrafficManagerSwitch::giveUp(std::shared_ptr<Wait> wait, const QString &why)
{
    const QString message = QStringLiteral("enabling %1: %2").arg(wait->regionId, why);
    if (!wait->enabledByUs)
        return wait->done(fail(message));
    // Left Enabled, an endpoint that is not Online yet would take users by itself the moment
    // Traffic Manager's probe passes: a flap to a half-recovered region. It goes back out.
    QPointer<TrafficManagerSwitch> self(this);
    m_client->updateEndpoint(m_profileName, m_endpointType, wait->endpoint, statusProperties(false),
        [self, wait, message](Result<TrafficManagerEndpoint> restored) {
            if (!self)
                return;
            if (!restored)
                return wait->done(fail(QStringLiteral("%1; and disabling it again failed: %2")
                                           .arg(message, restored.error())));
            wait->done(fail(QStringLiteral("%1; left Disabled").arg(message)));
        });
}

void TrafficManagerSwitch::promote(std::shared_ptr<Wait> wait)
{
    if (m_switchBy != SwitchBy::Priority)
        return wait->done({});
    QPointer<TrafficManagerSwitch> self(this);
    m_client->profile(m_profileName, [self, wait](Result<TrafficManagerProfile> profile) {
        if (!self)
            return;
        if (!profile)
            return wait->done(fail(QStringLiteral("enabling %1: %2").arg(wait->regionId, profile.error())));
        auto patches = prioritySwap(*profile, wait->endpoint);
        if (!patches)
            return wait->done(fail(QStringLiteral("enabling %1: %2").arg(wait->regionId, patches.error())));
        self->patchPriorities(wait, *patches);
    });
}

void TrafficManagerSwitch::patchPriorities(std::shared_ptr<Wait> wait, Patches patches)
{
    QPointer<TrafficManagerSwitch> self(this);
    if (patches.isEmpty()) {
        // Confirmed by what Traffic Manager reports, not by the absence of a complaint.
        m_client->profile(m_profileName, [self, wait](Result<TrafficManagerProfile> profile) {
            if (!self)
                return;
            if (!profile)
                return wait->done(fail(QStringLiteral("enabling %1: could not confirm the priorities: %2")
                                           .arg(wait->regionId, profile.error())));
            auto again = prioritySwap(*profile, wait->endpoint);
            if (!again)
                return wait->done(fail(QStringLiteral("enabling %1: %2").arg(wait->regionId, again.error())));
            if (!again->isEmpty()) {
                QStringList seen;
                for (const TrafficManagerEndpoint &e : profile->endpoints)
                    seen.append(QStringLiteral("%1 %2").arg(e.name, e.describe()));
                return wait->done(fail(QStringLiteral("enabling %1: %2 does not have the lowest priority "
                                                      "after the swap (%3)")
                                           .arg(wait->regionId, wait->endpoint, seen.join(QStringLiteral("; ")))));
            }
            wait->done({});
        });
        return;
    }
    const auto [name, priority] = patches.takeFirst();
    m_client->updateEndpoint(m_profileName, m_endpointType, name,
        QJsonObject{ { QStringLiteral("priority"), priority } },
        [self, wait, patches, name, priority](Result<TrafficManagerEndpoint> updated) {
            if (!self)
                return;
            if (!updated)
                return wait->done(fail(QStringLiteral("enabling %1: setting the priority of %2 to %3: %4")
                                           .arg(wait->regionId, name)
                                           .arg(priority)
                                           .arg(updated.error())));
            self->patchPriorities(wait, patches);
        });
}

void TrafficManagerSwitch::disable(const QString &regionId, Done done)
{
    const QString endpoint = endpointOf(regionId);
    if (endpoint.isEmpty())
        return failLater(done,
            QStringLiteral("disabling %1: the routing has no Traffic Manager endpoint for that region")
                .arg(regionId));
    QPointer<TrafficManagerSwitch> self(this);
    state([self, regionId, endpoint, done](Result<RoutingState> before) {
        if (!self)
            return;
        if (!before)
            return done(fail(QStringLiteral("disabling %1: %2").arg(regionId, before.error())));
        if (const auto verdict = judgeDisable(*before, regionId))
            return done(*verdict);
        self->m_client->updateEndpoint(self->m_profileName, self->m_endpointType, endpoint,
            statusProperties(false), [self, regionId, endpoint, done](Result<TrafficManagerEndpoint> set) {
                if (!self)
                    return;
                if (!set)
                    return done(fail(QStringLiteral("disabling %1: %2").arg(regionId, set.error())));
                self->m_client->endpoint(self->m_profileName, self->m_endpointType, endpoint,
                    [self, regionId, done](Result<TrafficManagerEndpoint> after) {
                        if (!self)
                            return;
                        if (!after)
                            return done(fail(QStringLiteral("disabling %1: could not confirm: %2")
                                                 .arg(regionId, after.error())));
                        if (after->enabled())
                            return done(fail(QStringLiteral("disabling %1: Traffic Manager still reports %2")
                                                 .arg(regionId, after->describe())));
                        done({});
                    });
            });
    });
}

} // namespace dr
