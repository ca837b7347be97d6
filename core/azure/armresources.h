#pragma once

// The Azure resources behind a region's components, read and acted on through ARM
// (core/azure/armclient.h): storage accounts (Microsoft.Storage 2023-05-01), Cosmos DB accounts
// (Microsoft.DocumentDB 2024-11-15), App Service sites (Microsoft.Web 2023-12-01) and key vaults
// (Microsoft.KeyVault 2023-07-01).
//
// Request builders are pure (method, path, api-version, query, body as Microsoft's examples
// show them) and parsers turn a response body into plain facts, so both are tested on the
// official examples. The asynchronous operations below them send through an ArmClient and
// answer exactly once, never inside the call (unless the ArmClient is destroyed first).
//
// Long-running operations are followed here rather than by ArmClient::sendLongRunning: the
// storage failover needs a query (failoverType=Planned) that sendLongRunning does not take,
// and the Cosmos DB actions are POSTs whose result is the operation's own status, not a GET of
// the action's path.

#include "azure/armclient.h"
#include "common/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace dr::azure {

// The api-version DR Console pins for a provider ("Microsoft.Storage" -> "2023-05-01"); empty for
// a provider it does not know.
QString pinnedApiVersion(const QString &provider);

// /subscriptions/SUB/resourceGroups/RG/providers/PROVIDER/TYPE/NAME, taken apart.
struct ArmResourceId
{
    QString subscriptionId;
    QString resourceGroup;
    QString provider; // "Microsoft.Storage"
    QString type;     // "storageAccounts"
    QString name;

    // An error naming what is missing for anything else (a nested resource is refused too:
    // none of ours is one).
    static Result<ArmResourceId> parse(const QString &resourceId);
    QString path() const;
    QString fullType() const { return provider + QLatin1Char('/') + type; }
};

// One request as it goes to ArmClient::send.
struct ArmRequest
{
    QByteArray method;
    QString path;       // "/subscriptions/..."
    QString apiVersion;
    QString extraQuery; // besides api-version, e.g. "$expand=geoReplicationStats"
    QJsonObject body;   // empty: no body
};

// Azure region names as ARM writes them in different places ("East US", "eastus") compare
// equal once normalised: lower case, no spaces.
QString normalisedLocation(const QString &location);

// ---- Microsoft.Storage/storageAccounts ------------------------------------------------------

struct GeoReplicationInfo
{
    QString status;              // Live | Bootstrap | Unavailable
    QDateTime lastSyncTime;      // invalid when absent
    std::optional<bool> canFailover;
    std::optional<bool> canPlannedFailover;
};

struct StorageAccountInfo
{
    QString name;
    QString kind;
    QString sku;        // sku.name, e.g. Standard_GRS
    QString provisioningState;
    QString primaryLocation;
    QString secondaryLocation;
    QString statusOfPrimary;   // available | unavailable
    QString statusOfSecondary;
    std::optional<GeoReplicationInfo> geo; // present with $expand=geoReplicationStats on a geo account
    std::optional<bool> failoverInProgress;

    // Keys: name, kind, sku, provisioningState, primaryLocation, secondaryLocation,
    // statusOfPrimary, statusOfSecondary, geoStatus, lastSyncTime, canFailover,
    // canPlannedFailover, failoverInProgress (absent facts are left out).
    QJsonObject toJson() const;
};

ArmRequest storageAccountGet(const QString &resourceId, const QString &apiVersion = QString());
// Planned: failoverType=Planned (no data loss, keeps geo-redundancy); unplanned: the
// customer-initiated failover, which leaves the account locally redundant (LRS).
ArmRequest storageAccountFailover(const QString &resourceId, bool planned, const QString &apiVersion = QString());
Result<StorageAccountInfo> parseStorageAccount(const QJsonObject &body);

// ---- Microsoft.DocumentDB/databaseAccounts --------------------------------------------------

struct CosmosLocation
{
    QString id;
    QString locationName;
    int failoverPriority = -1;
    std::optional<bool> isZoneRedundant;
    QString provisioningState;
};

struct CosmosFailoverPolicy
{
    QString locationName;
    int failoverPriority = 0;
    bool operator==(const CosmosFailoverPolicy &) const = default;
};

struct CosmosAccountInfo
{
    QString name;
    QString provisioningState;
    QList<CosmosLocation> writeLocations;
    QList<CosmosLocation> readLocations;
    QList<CosmosLocation> locations;
    QList<CosmosFailoverPolicy> failoverPolicies;
    bool enableAutomaticFailover = false;
    bool enableMultipleWriteLocations = false;

    QString writeRegion() const; // the first write location's name; empty when none
    const CosmosLocation *location(const QString &name) const; // by normalised name
    // "East US 0, West US 1", by priority.
    QString describePriorities() const;
    QJsonObject toJson() const;
};

ArmRequest cosmosAccountGet(const QString &resourceId, const QString &apiVersion = QString());
ArmRequest cosmosFailoverPriorityChange(const QString &resourceId, const QList<CosmosFailoverPolicy> &policies,
                                        const QString &apiVersion = QString());
ArmRequest cosmosOfflineRegion(const QString &resourceId, const QString &region, const QString &apiVersion = QString());
Result<CosmosAccountInfo> parseCosmosAccount(const QJsonObject &body);
// The account's failover policies with `target` at priority 0 and the others after it in their
// present order (`last`, when given, goes to the end: the region being lost). An error when the
// account has no such location.
Result<QList<CosmosFailoverPolicy>> cosmosPrioritiesFor(const CosmosAccountInfo &account, const QString &target,
                                                        const QString &last = QString());

// ---- Microsoft.Web/sites --------------------------------------------------------------------

struct WebAppInfo
{
    QString name;
    QString location;
    QString state;             // Running | Stopped
    QString availabilityState; // Normal | Limited | DisasterRecoveryMode
    bool enabled = false;
    QString defaultHostName;
    QStringList hostNames;
    QJsonObject toJson() const;
};

ArmRequest webAppGet(const QString &resourceId, const QString &apiVersion = QString());
Result<WebAppInfo> parseWebApp(const QJsonObject &body);

// ---- Microsoft.KeyVault/vaults --------------------------------------------------------------

struct VaultInfo
{
    QString name;
    QString location;
    QString vaultUri;
    QString provisioningState; // Succeeded | RegisteringDns
    QString sku;               // standard | premium
    std::optional<bool> enableSoftDelete;
    std::optional<bool> enablePurgeProtection;
    QString publicNetworkAccess;
    QJsonObject toJson() const;
};

ArmRequest vaultGet(const QString &resourceId, const QString &apiVersion = QString());
Result<VaultInfo> parseVault(const QJsonObject &body);

// ---- operations through an ArmClient --------------------------------------------------------

// One request; no long-running operation.
void sendRequest(ArmClient *arm, const ArmRequest &request, ArmClient::Callback done);

// One request, then, for 201/202, its long-running operation: Azure-AsyncOperation (its
// "status" until Succeeded; Failed or Canceled is an error with the operation's error) or
// else Location (202 until 200/204), each poll sent through the ArmClient (same endpoint,
// bearer, retries) after Retry-After or `pollIntervalMs`, until `timeoutMs` has passed.
// Answers the last response: the first for 200/204, else the final poll's.
void sendAndFollow(ArmClient *arm, const ArmRequest &request, int pollIntervalMs, int timeoutMs,
                   ArmClient::Callback done);

} // namespace dr::azure
