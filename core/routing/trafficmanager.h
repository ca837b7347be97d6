#pragma once

// Azure Traffic Manager through ARM (Microsoft.Network, api-version 2022-04-01 pinned): the
// profile model and its client, and the routing switch over it. Each region is one endpoint of
// one profile (routing.regionTargets); a region is in rotation when its endpoint's
// endpointStatus is Enabled and healthy when Traffic Manager's own monitor says Online.
//
// The switch only GETs the profile, GETs one endpoint and PATCHes one endpoint, so the lab's
// stand-in for the ARM subset drives it the same way as Azure.
//
// switchBy (routing.settings.switchBy):
//   "endpointStatus" (default): enable/disable flip endpointStatus; with Priority routing the
//     enabled, Online endpoint of lowest priority serves.
//   "priority": enable() also gives the region's endpoint the lowest priority once it is
//     Online, by a swap through a free value (priorities are unique within a profile).
// Once destroyed, a switch answers no more calls.

#include "azure/armclient.h"
#include "routingswitch.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QPointer>
#include <QString>

#include <optional>

namespace dr {

struct TrafficManagerEndpoint
{
    QString id;
    QString name;
    QString type; // "Microsoft.Network/trafficManagerProfiles/externalEndpoints"
    QString target;
    QString endpointStatus;        // Enabled | Disabled
    QString endpointMonitorStatus; // CheckingEndpoint | Online | Degraded | Disabled | Inactive | Stopped
    QString endpointLocation;
    std::optional<int> priority;
    std::optional<int> weight;

    bool enabled() const { return endpointStatus == u"Enabled"; }
    bool online() const { return endpointMonitorStatus == u"Online"; }
    // "Enabled, Online, priority 1"
    QString describe() const;
};

struct TrafficManagerMonitorConfig
{
    QString profileMonitorStatus;
    QString protocol;
    int port = 0;
    QString path;
    int intervalInSeconds = 0;
    int toleratedNumberOfFailures = 0;
    int timeoutInSeconds = 0;
};

struct TrafficManagerProfile
{
    QString id;
    QString name;
    QString location;
    QString profileStatus;        // Enabled | Disabled
    QString trafficRoutingMethod; // Priority | Weighted | Performance | Geographic | MultiValue | Subnet
    QString relativeName;
    QString fqdn;
    int ttl = 0;
    TrafficManagerMonitorConfig monitor;
    QList<TrafficManagerEndpoint> endpoints;

    const TrafficManagerEndpoint *endpoint(const QString &name) const;
};

// The ARM calls of one resource group's Traffic Manager profiles.
class TrafficManagerClient : public QObject
{
    Q_OBJECT

public:
    static QString apiVersion() { return QStringLiteral("2022-04-01"); }

    TrafficManagerClient(ArmClient *arm, const QString &subscriptionId,
        const QString &resourceGroup, QObject *parent = nullptr);

    void setArm(ArmClient *arm) { m_arm = arm; }

    using ProfileCallback = std::function<void(Result<TrafficManagerProfile>)>;
    using ProfilesCallback = std::function<void(Result<QList<TrafficManagerProfile>>)>;
    using EndpointCallback = std::function<void(Result<TrafficManagerEndpoint>)>;

    void profile(const QString &profileName, ProfileCallback done);
    void profiles(ProfilesCallback done);
    // endpointType: AzureEndpoints | ExternalEndpoints | NestedEndpoints
    void endpoint(const QString &profileName, const QString &endpointType,
        const QString &endpointName, EndpointCallback done);
    // PATCH {"properties": properties}; answers the endpoint as ARM returns it.
    void updateEndpoint(const QString &profileName, const QString &endpointType,
        const QString &endpointName, const QJsonObject &properties, EndpointCallback done);

    // Pure, public for tests.
    QString profilesPath() const;
    QString profilePath(const QString &profileName) const;
    QString endpointPath(const QString &profileName, const QString &endpointType,
        const QString &endpointName) const;
    static Result<TrafficManagerProfile> parseProfile(const QJsonObject &json);
    static Result<QList<TrafficManagerProfile>> parseProfiles(const QJsonObject &json);
    static Result<TrafficManagerEndpoint> parseEndpoint(const QJsonObject &json);

private:
    QPointer<ArmClient> m_arm;
    QString m_subscriptionId;
    QString m_resourceGroup;
};

class TrafficManagerSwitch : public RoutingSwitch
{
    Q_OBJECT

public:
    enum class SwitchBy { EndpointStatus, Priority };

    // regionEndpoints: region id -> endpoint name, in the profile's region order. `arm` is not
    // owned (RoutingSwitch::create() makes it a child of the switch).
    TrafficManagerSwitch(ArmClient *arm, const QString &subscriptionId, const QString &resourceGroup,
        const QString &profileName, const QString &endpointType,
        const QList<std::pair<QString, QString>> &regionEndpoints, SwitchBy switchBy,
        QObject *parent = nullptr);

    // Between reads while waiting for Online (Traffic Manager probes every 10 or 30 s).
    void setPollIntervalMs(int ms) { m_pollIntervalMs = ms; }
    void setArm(ArmClient *arm) { m_client->setArm(arm); }

    void state(StateCallback done) override;
    void enable(const QString &regionId, int timeoutMs, Done done) override;
    void disable(const QString &regionId, Done done) override;

    // Pure: the routing state from a profile. Public for tests and the routing probe.
    static Result<RoutingState> stateFrom(const TrafficManagerProfile &profile,
        const QList<std::pair<QString, QString>> &regionEndpoints);
    // The PATCHes (endpoint name, new priority), in order, that give `target` the lowest
    // priority of the profile by a swap through a free value; empty when it already has it.
    static Result<QList<std::pair<QString, int>>> prioritySwap(
        const TrafficManagerProfile &profile, const QString &target);

    static Result<SwitchBy> parseSwitchBy(const QString &text);

private:
    struct Wait;
    using Patches = QList<std::pair<QString, int>>;

    QString endpointOf(const QString &regionId) const;
    void poll(std::shared_ptr<Wait> wait);
    void giveUp(std::shared_ptr<Wait> wait, const QString &why);
    void promote(std::shared_ptr<Wait> wait);
    void patchPriorities(std::shared_ptr<Wait> wait, Patches patches);

    TrafficManagerClient *m_client;
    QString m_profileName;
    QString m_endpointType;
    QList<std::pair<QString, QString>> m_regionEndpoints;
    SwitchBy m_switchBy;
    int m_pollIntervalMs = 5000;
};

} // namespace dr
