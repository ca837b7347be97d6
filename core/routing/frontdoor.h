#pragma once

// Azure Front Door (Standard/Premium) through ARM (Microsoft.Cdn, api-version 2025-04-15
// pinned): origins of one origin group, the group's health-probe settings and the endpoint for
// display, and the routing switch over them. Each region is one origin of the group
// (routing.regionTargets); a region is in rotation when its origin's enabledState is Enabled.
// ARM does not expose Front Door's health-probe verdicts, so "healthy" here means an enabled
// origin whose provisioning succeeded; the detail says so.
//
// Origin updates may be long-running (202 + Azure-AsyncOperation): ArmClient::sendLongRunning
// polls them to the end. switchBy "priority" also gives the enabled region's origin priority 1
// and moves the others behind it.
// Once destroyed, a switch answers no more calls.

#include "azure/armclient.h"
#include "routingswitch.h"

#include <QJsonObject>
#include <QList>
#include <QPointer>
#include <QString>

#include <optional>

namespace dr {

struct FrontDoorOrigin
{
    QString id;
    QString name;
    QString hostName;
    int httpPort = 0;
    int httpsPort = 0;
    QString originHostHeader;
    std::optional<int> priority; // null: Front Door's default (1)
    std::optional<int> weight;
    QString enabledState;        // Enabled | Disabled
    QString provisioningState;   // Succeeded | Updating | Failed | ...
    QString deploymentStatus;    // NotStarted | InProgress | Succeeded | Failed
    QString originGroupName;
    bool enforceCertificateNameCheck = false;

    bool enabled() const { return enabledState == u"Enabled"; }
    int effectivePriority() const { return priority.value_or(1); }
    // "Enabled, provisioning Succeeded, priority 1"
    QString describe() const;
};

struct FrontDoorOriginGroup
{
    QString id;
    QString name;
    int sampleSize = 0;
    int successfulSamplesRequired = 0;
    int additionalLatencyInMilliseconds = 0;
    QString probePath;
    QString probeRequestType;
    QString probeProtocol;
    int probeIntervalInSeconds = 0;
    int trafficRestorationTimeToHealedOrNewEndpointsInMinutes = 0;
    QString provisioningState;
    QString deploymentStatus;
};

struct FrontDoorEndpoint
{
    QString id;
    QString name;
    QString location;
    QString hostName;
    QString enabledState;
    QString provisioningState;
    QString deploymentStatus;
};

class FrontDoorClient : public QObject
{
    Q_OBJECT

public:
    static QString apiVersion() { return QStringLiteral("2025-04-15"); }

    FrontDoorClient(ArmClient *arm, const QString &subscriptionId, const QString &resourceGroup,
        const QString &profileName, QObject *parent = nullptr);

    void setArm(ArmClient *arm) { m_arm = arm; }

    using OriginsCallback = std::function<void(Result<QList<FrontDoorOrigin>>)>;
    using OriginCallback = std::function<void(Result<FrontDoorOrigin>)>;
    using OriginGroupCallback = std::function<void(Result<FrontDoorOriginGroup>)>;
    using EndpointCallback = std::function<void(Result<FrontDoorEndpoint>)>;

    void origins(const QString &originGroup, OriginsCallback done);
    void origin(const QString &originGroup, const QString &originName, OriginCallback done);
    void originGroup(const QString &originGroup, OriginGroupCallback done);
    void endpoint(const QString &endpointName, EndpointCallback done);
    // PATCH {"properties": properties}, to the end of the long-running operation.
    void updateOrigin(const QString &originGroup, const QString &originName,
        const QJsonObject &properties, OriginCallback done);

    // Pure, public for tests.
    QString originGroupPath(const QString &originGroup) const;
    QString originsPath(const QString &originGroup) const;
    QString originPath(const QString &originGroup, const QString &originName) const;
    QString endpointPath(const QString &endpointName) const;
    static Result<FrontDoorOrigin> parseOrigin(const QJsonObject &json);
    static Result<QList<FrontDoorOrigin>> parseOrigins(const QJsonObject &json);
    static Result<FrontDoorOriginGroup> parseOriginGroup(const QJsonObject &json);
    static Result<FrontDoorEndpoint> parseEndpoint(const QJsonObject &json);

private:
    QPointer<ArmClient> m_arm;
    QString m_profilePath;
};

class FrontDoorSwitch : public RoutingSwitch
{
    Q_OBJECT

public:
    enum class SwitchBy { EnabledState, Priority };

    // regionOrigins: region id -> origin name. `arm` is not owned.
    FrontDoorSwitch(ArmClient *arm, const QString &subscriptionId, const QString &resourceGroup,
        const QString &profileName, const QString &originGroup,
        const QList<std::pair<QString, QString>> &regionOrigins, SwitchBy switchBy,
        QObject *parent = nullptr);

    void setPollIntervalMs(int ms) { m_pollIntervalMs = ms; }
    void setArm(ArmClient *arm) { m_client->setArm(arm); }

    void state(StateCallback done) override;
    void enable(const QString &regionId, int timeoutMs, Done done) override;
    void disable(const QString &regionId, Done done) override;

    FrontDoorClient *client() const { return m_client; }

    // Pure: the routing state from the group's origins. Public for tests and the probe.
    static Result<RoutingState> stateFrom(const QList<FrontDoorOrigin> &origins,
        const QString &originGroup, const QList<std::pair<QString, QString>> &regionOrigins);
    static Result<SwitchBy> parseSwitchBy(const QString &text);

private:
    struct Wait;

    QString originOf(const QString &regionId) const;
    void poll(std::shared_ptr<Wait> wait);
    void promote(std::shared_ptr<Wait> wait);
    void patchAll(std::shared_ptr<Wait> wait, QList<std::pair<QString, QJsonObject>> patches, Done then);

    FrontDoorClient *m_client;
    QString m_originGroup;
    QList<std::pair<QString, QString>> m_regionOrigins;
    SwitchBy m_switchBy;
    int m_pollIntervalMs = 5000;
};

} // namespace dr
