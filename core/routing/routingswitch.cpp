#include "routingswitch.h"

#include "azure/armclient.h"
#include "azure/entra.h"
#include "frontdoor.h"
#include "haproxyswitch.h"
#include "probes/tlsprobe.h"
#include "secrets/secretstore.h"
#include "trafficmanager.h"

#include <QTimer>

namespace dr {

const RoutingRegionState *RoutingState::region(const QString &regionId) const
{
    for (const RoutingRegionState &r : regions) {
        if (r.regionId == regionId)
            return &r;
    }
    return nullptr;
}

namespace {

// Traffic Manager and Front Door: the ARM settings, the region -> endpoint/origin map, and the
// app's token source and ARM client, owned by the switch that `make` builds.
template<typename Make>
Result<std::unique_ptr<RoutingSwitch>> createAzure(const Profile &profile,
    QNetworkAccessManager *network, SecretStore *secrets, QObject *parent, const QString &groupKey,
    Make make)
{
    const Routing &routing = profile.routing;
    if (!profile.azure || !profile.azure->clientSecret)
        return fail(QStringLiteral("%1 routing is switched through Azure Resource Manager: the profile "
                                   "needs an \"azure\" section with a clientSecret")
                        .arg(routing.kind));
    if (!network)
        return fail(QStringLiteral("%1 routing needs a network access manager").arg(routing.kind));
    QStringList missing;
    for (const QString &key :
        { QStringLiteral("subscriptionId"), QStringLiteral("resourceGroup"), QStringLiteral("profileName"), groupKey }) {
        if (routing.settings.value(key).isEmpty())
            missing.append(QStringLiteral("routing.settings.") + key);
    }
    if (!missing.isEmpty())
        return fail(QStringLiteral("%1 routing needs %2").arg(routing.kind, missing.join(QStringLiteral(", "))));
    QList<std::pair<QString, QString>> targets;
    for (const Region &region : profile.regions) {
        const QString target = routing.regionTargets.value(region.id);
        if (target.isEmpty())
            return fail(QStringLiteral("routing.regionTargets names no %1 for region %2")
                            .arg(routing.kind == u"front-door" ? QStringLiteral("Front Door origin")
                                                              : QStringLiteral("Traffic Manager endpoint"),
                                region.id));
        targets.append({ region.id, target });
    }
    QList<QSslCertificate> cas;
    for (const QString &path : profile.caCertificates)
        cas += TlsProbe::loadCaFile(path);
    const AzureSettings &azure = *profile.azure;
    auto made = make(targets, routing.settings.value(QStringLiteral("switchBy")));
    if (!made)
        return std::unexpected(made.error());
    RoutingSwitch *sw = made->get();
    sw->setParent(parent);
    if (!secrets)
        secrets = new SecretStore(sw);
    auto *tokens = new EntraTokenSource(network, secrets, entraSettings(azure, cas), sw);
    auto *arm = new ArmClient(network, tokens, azure.armEndpoint, azure.armScope, sw);
    arm->setCaCertificates(cas);
    if (auto *tm = qobject_cast<TrafficManagerSwitch *>(sw))
        tm->setArm(arm);
    else if (auto *fd = qobject_cast<FrontDoorSwitch *>(sw))
        fd->setArm(arm);
    return made;
}

} // namespace

std::optional<Result<void>> RoutingSwitch::judgeDisable(const RoutingState &before, const QString &regionId)
{
    const RoutingRegionState *target = before.region(regionId);
    if (target && !target->enabled)
        return Result<void>(); // already out of rotation: nothing changes, nothing to refuse
    QStringList others;
    bool anotherServes = false;
    for (const RoutingRegionState &r : before.regions) {
        if (r.regionId == regionId)
            continue;
        others.append(QStringLiteral("%1 is %2").arg(r.regionId, r.detail));
        anotherServes = anotherServes || (r.enabled && r.healthy);
    }
    if (anotherServes)
        return std::nullopt;
    return Result<void>(fail(QStringLiteral("refused: disabling %1 would leave no serving region (%2)")
                                 .arg(regionId, others.isEmpty() ? QStringLiteral("it is the only one")
                                                                 : others.join(QStringLiteral(", ")))));
}

QString RoutingSwitch::targetOf(const QList<std::pair<QString, QString>> &targets, const QString &regionId)
{
    for (const auto &[region, target] : targets) {
        if (region == regionId)
            return target;
    }
    return {};
}

void RoutingSwitch::failLater(Done done, const QString &error)
{
    QTimer::singleShot(0, this, [done, error] { done(fail(error)); });
}

Result<std::unique_ptr<RoutingSwitch>> RoutingSwitch::create(
    const Profile &profile, QNetworkAccessManager *network, SecretStore *secrets, QObject *parent)
{
    const Routing &routing = profile.routing;
    const QMap<QString, QString> &settings = routing.settings;
    if (routing.kind == u"traffic-manager") {
        return createAzure(profile, network, secrets, parent, QStringLiteral("endpointType"),
            [&settings](const QList<std::pair<QString, QString>> &targets,
                const QString &switchBy) -> Result<std::unique_ptr<RoutingSwitch>> {
                auto by = TrafficManagerSwitch::parseSwitchBy(switchBy);
                if (!by)
                    return std::unexpected(by.error());
                return std::unique_ptr<RoutingSwitch>(new TrafficManagerSwitch(nullptr,
                    settings.value(QStringLiteral("subscriptionId")), settings.value(QStringLiteral("resourceGroup")),
                    settings.value(QStringLiteral("profileName")), settings.value(QStringLiteral("endpointType")),
                    targets, *by));
            });
    }
    if (routing.kind == u"front-door") {
        return createAzure(profile, network, secrets, parent, QStringLiteral("originGroup"),
            [&settings](const QList<std::pair<QString, QString>> &targets,
                const QString &switchBy) -> Result<std::unique_ptr<RoutingSwitch>> {
                auto by = FrontDoorSwitch::parseSwitchBy(switchBy);
                if (!by)
                    return std::unexpected(by.error());
                return std::unique_ptr<RoutingSwitch>(new FrontDoorSwitch(nullptr,
                    settings.value(QStringLiteral("subscriptionId")), settings.value(QStringLiteral("resourceGroup")),
                    settings.value(QStringLiteral("profileName")), settings.value(QStringLiteral("originGroup")),
                    targets, *by));
            });
    }
    if (routing.kind != u"haproxy") {
        if (routing.kind.isEmpty())
            return fail(
                QStringLiteral("the profile has no routing section: there is nothing to switch"));
        return fail(QStringLiteral("routing kind %1 is not one DR Console can switch (haproxy, "
                                   "traffic-manager, front-door)")
                        .arg(routing.kind));
    }
    const QString api = routing.settings.value(QStringLiteral("runtimeApi"));
    const QString backend = routing.settings.value(QStringLiteral("backend"));
    if (api.isEmpty() || backend.isEmpty())
        return fail(QStringLiteral(
            "haproxy routing needs routing.settings.runtimeApi and routing.settings.backend"));
    QList<std::pair<QString, QString>> servers;
    for (const Region &region : profile.regions) {
        const QString server = routing.regionTargets.value(region.id);
        if (server.isEmpty())
            return fail(
                QStringLiteral("routing.regionTargets names no HAProxy server for region %1")
                    .arg(region.id));
        servers.append({ region.id, server });
    }
    return std::unique_ptr<RoutingSwitch>(new HaproxySwitch(api, backend, servers, parent));
}

} // namespace dr
