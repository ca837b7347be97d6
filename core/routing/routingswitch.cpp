#include "routingswitch.h"

#include "haproxyswitch.h"

namespace dr {

const RoutingRegionState *RoutingState::region(const QString &regionId) const
{
    for (const RoutingRegionState &r : regions) {
        if (r.regionId == regionId)
            return &r;
    }
    return nullptr;
}

Result<std::unique_ptr<RoutingSwitch>> RoutingSwitch::create(
    const Profile &profile, QNetworkAccessManager *network, SecretStore *secrets, QObject *parent)
{
    // The Azure switches will need both; HAProxy's runtime API needs neither.
    Q_UNUSED(network);
    Q_UNUSED(secrets);
    const Routing &routing = profile.routing;
    if (routing.kind != u"haproxy") {
        if (routing.kind.isEmpty())
            return fail(
                QStringLiteral("the profile has no routing section: there is nothing to switch"));
        return fail(QStringLiteral("routing kind %1: switching comes with the Azure providers")
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
