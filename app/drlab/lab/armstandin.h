#pragma once

// The lab's stand-in for the subset of Microsoft Entra ID and Azure Resource Manager that DR
// Console's Traffic Manager provider uses (`drlab up --routing trafficmanager`; see
// docs/LAB-TRAFFICMANAGER.md), over HTTPS with the lab's "arm" certificate, on one port:
//   POST  /TENANT/oauth2/v2.0/token            client credentials for the lab's app
//   GET   /subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/
//           trafficManagerProfiles/P?api-version=2022-04-01        the profile, its endpoints
//   GET   .../trafficManagerProfiles/P/ExternalEndpoints/E?api-version=...   one endpoint
//   PATCH .../trafficManagerProfiles/P/ExternalEndpoints/E?api-version=...   endpointStatus,
//           priority
// in the shapes of api-version 2022-04-01 and with ARM's and Entra ID's error bodies. It
// drives the lab's HAProxy underneath: an endpoint is Disabled exactly when its HAProxy
// server is in maintenance, and its monitor status is HAProxy's health check. HAProxy has no
// priorities, so they are kept in DIR/trafficmanager.json and only reported.
//
// Tokens are HMAC-signed JWTs (the lab's signing key in DIR/secrets/), so a restarted
// stand-in still accepts the tokens a console cached, as Azure does.

#include "labstate.h"

#include "routing/haproxyruntime.h"
#include "search/httpresponse.h"

#include <QAbstractHttpServer>
#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMap>

#include <functional>

class QTcpSocket;

namespace drlab {

// The lab's Traffic Manager profile: fixed names, so the profile and the stand-in agree.
inline constexpr auto kTmSubscriptionId = "6f3c1b7e-4d2a-4c8e-9b1f-2a7d5e0c9f31";
inline constexpr auto kTmResourceGroup = "drlab";
inline constexpr auto kTmProfileName = "drlab-tm";
inline constexpr auto kTmEndpointType = "ExternalEndpoints";
inline constexpr auto kTmApiVersion = "2022-04-01";
inline constexpr auto kArmScope = "https://management.azure.com/.default";

struct StandInEndpoint
{
    QString name;      // the endpoint's name, also the HAProxy server's
    QString target;    // what Traffic Manager would probe: the region service's address
    QString location;  // endpointLocation
    int defaultPriority = 1;
};

struct ArmStandInConfig
{
    QString certificatePath;
    QString privateKeyPath;
    quint16 port = 0;
    QString tenantId;
    QString clientId;
    QByteArray clientSecret;
    QByteArray signingKey;
    QString runtimeApi;   // HAProxy's runtime API, HOST:PORT
    QString backend;
    QString statePath;    // the priorities, JSON {"priorities": {NAME: N}}
    QList<StandInEndpoint> endpoints;

    // The lab's stand-in as `drlab up` lays it out (secrets read from DIR/secrets/).
    static dr::Result<ArmStandInConfig> forLab(const LabState &state);
};

class ArmStandIn : public QAbstractHttpServer
{
    Q_OBJECT

public:
    explicit ArmStandIn(const ArmStandInConfig &config, QObject *parent = nullptr);
    ~ArmStandIn() override;

    dr::Result<quint16> start();

    static constexpr qint64 kMaxBodyBytes = 64 * 1024;

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    using Reply = std::function<void(const HttpResponse &)>;

    void route(const QHttpServerRequest &request, Reply reply);
    HttpResponse token(const QHttpServerRequest &request);
    // Empty when the request carries a valid bearer token, else the 401 to answer.
    std::optional<HttpResponse> checkBearer(const QHttpServerRequest &request) const;
    void getProfile(Reply reply);
    void getEndpoint(const QString &name, Reply reply);
    void patchEndpoint(const QString &name, const QByteArray &body, Reply reply);

    QJsonObject endpointJson(const StandInEndpoint &endpoint, const QList<dr::HaproxyServerState> &servers) const;
    QJsonObject profileJson(const QList<dr::HaproxyServerState> &servers) const;
    const StandInEndpoint *findEndpoint(const QString &name) const;
    QString profileId() const;
    int priority(const QString &endpoint) const;
    dr::Result<void> savePriorities();

    ArmStandInConfig m_config;
    dr::HaproxyRuntime m_runtime;
    QMap<QString, int> m_priorities;
    QHash<QString, QDateTime> m_enabledAt; // last Disabled -> Enabled, for CheckingEndpoint
};

} // namespace drlab
