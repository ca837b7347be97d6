// The Azure resources behind components, on Microsoft's official examples
// (../shared/azure-rest-examples/): storage/StorageAccountGetProperties.json,
// storage/StorageAccountFailover.json, storage/StorageAccountFailoverPlanned.json,
// cosmosdb/CosmosDBDatabaseAccountGet.json, cosmosdb/CosmosDBDatabaseAccountFailoverPriorityChange.json,
// cosmosdb/CosmosDBDatabaseAccountOfflineRegion.json, appservice/GetWebApp.json and
// keyvault/getVault.json. A loopback ReplayServer answers as ARM (and as the Entra ID token
// endpoint) to the real ArmClient and EntraTokenSource: parsed values must equal the example's,
// and our requests its method, path (from its parameters), query and body.
// Then the probe kinds storage-account, cosmos-db, app-service and key-vault, and the storage
// replication probe's ARM mode, on the examples and on edited copies of them.

#include "azure/armclient.h"
#include "azure/armresources.h"
#include "azure/entra.h"
#include "probes/armresourceprobe.h"
#include "probes/proberegistry.h"
#include "probes/storagereplicationprobe.h"
#include "secrets/secretstore.h"

#include "asyncwait.h"
#include "replayserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>

Q_DECLARE_METATYPE(dr::ProbeResult)

using namespace dr;
using namespace dr::test;

namespace {

const QString kStorageGet = QStringLiteral("storage/StorageAccountGetProperties.json");
const QString kStorageFailover = QStringLiteral("storage/StorageAccountFailover.json");
const QString kStorageFailoverPlanned = QStringLiteral("storage/StorageAccountFailoverPlanned.json");
const QString kCosmosGet = QStringLiteral("cosmosdb/CosmosDBDatabaseAccountGet.json");
const QString kCosmosPriority = QStringLiteral("cosmosdb/CosmosDBDatabaseAccountFailoverPriorityChange.json");
const QString kCosmosOffline = QStringLiteral("cosmosdb/CosmosDBDatabaseAccountOfflineRegion.json");
const QString kWebApp = QStringLiteral("appservice/GetWebApp.json");
const QString kVault = QStringLiteral("keyvault/getVault.json");

// The resource id an example's parameters name.
QString resourceIdOf(const AzureExample &ex, const QString &providerType, const QString &nameParameter)
{
    return QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/%3/%4")
        .arg(ex.parameter(QStringLiteral("subscriptionId")), ex.parameter(QStringLiteral("resourceGroupName")), providerType,
             ex.parameter(nameParameter));
}

QJsonObject body(const AzureExample &ex, int status = 200)
{
    return ex.responseBody(status).toObject();
}

QJsonObject props(const QJsonObject &b)
{
    return b.value(QStringLiteral("properties")).toObject();
}

// A copy of an example body with one property (dotted path under "properties") replaced.
QJsonObject edited(QJsonObject b, const QStringList &path, const QJsonValue &value)
{
    std::function<QJsonObject(QJsonObject, int)> set = [&](QJsonObject o, int i) {
        if (i == path.size() - 1) {
            o.insert(path.at(i), value);
            return o;
        }
        o.insert(path.at(i), set(o.value(path.at(i)).toObject(), i + 1));
        return o;
    };
    return set(b, 0);
}

ScriptedResponse json(int status, const QJsonObject &o)
{
    ScriptedResponse r;
    r.status = status;
    r.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
    r.body = QJsonDocument(o).toJson(QJsonDocument::Compact);
    return r;
}

} // namespace

class tst_ArmResources : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();

    void resourceIds();
    void storageGetProperties();
    void storageFailover_data();
    void storageFailover();
    void cosmosGet();
    void cosmosPriorities();
    void cosmosPriorityChange_data();
    void cosmosPriorityChange();
    void cosmosOfflineRegion_data();
    void cosmosOfflineRegion();
    void webApp();
    void webAppNotFound();
    void vault();
    void operationFailed();

    void probeKinds_data();
    void probeKinds();
    void judgeEdited_data();
    void judgeEdited();
    void probeWithoutCredentials();
    void replicationArmMode();

private:
    Result<ArmResponse> send(const azure::ArmRequest &request);
    Result<ArmResponse> follow(const azure::ArmRequest &request);
    QList<RecordedRequest> armRequests() const;
    ProbeResult runProbe(const QString &kind, const QString &resourceId, ArmClient *arm, const QJsonObject &options = {});

    QNetworkAccessManager m_network;
    SecretStore m_secrets;
    ReplayServer m_server;
    EntraTokenSource *m_tokens = nullptr;
    ArmClient *m_arm = nullptr;
};

void tst_ArmResources::initTestCase()
{
    for (const QString &file : {kStorageGet, kStorageFailover, kStorageFailoverPlanned, kCosmosGet, kCosmosPriority, kCosmosOffline, kWebApp, kVault})
        QVERIFY2(AzureExample::load(file).ok(), qPrintable(AzureExample::load(file).error));
    QVERIFY(m_server.listen());
    m_server.serveTokens();
    qputenv("DR_TEST_ARM_CLIENT_SECRET", "s3cret");
    EntraSettings settings;
    settings.authority = m_server.url(QStringLiteral("/"));
    settings.tenantId = QStringLiteral("tenant");
    settings.clientId = QStringLiteral("client");
    settings.clientSecret = SecretRef{SecretRef::Source::Env, QStringLiteral("DR_TEST_ARM_CLIENT_SECRET")};
    m_tokens = new EntraTokenSource(&m_network, &m_secrets, settings, this);
    m_tokens->setKeychainCache(false);
    QUrl endpoint = m_server.url(QStringLiteral("/"));
    endpoint.setPath(QString());
    m_arm = new ArmClient(&m_network, m_tokens, endpoint, QStringLiteral("https://management.azure.com/.default"), this);
    m_arm->setRetryPolicy({2, 10, 50});
}

void tst_ArmResources::init()
{
    m_server.clear();
}

Result<ArmResponse> tst_ArmResources::send(const azure::ArmRequest &request)
{
    const auto r = awaitResult<ArmResponse>([&](auto done) { azure::sendRequest(m_arm, request, done); });
    return r ? *r : Result<ArmResponse>(fail(QStringLiteral("no answer within 10 s")));
}

Result<ArmResponse> tst_ArmResources::follow(const azure::ArmRequest &request)
{
    const auto r = awaitResult<ArmResponse>([&](auto done) { azure::sendAndFollow(m_arm, request, 20, 5000, done); });
    return r ? *r : Result<ArmResponse>(fail(QStringLiteral("no answer within 10 s")));
}

QList<RecordedRequest> tst_ArmResources::armRequests() const
{
    QList<RecordedRequest> list;
    for (const RecordedRequest &r : m_server.requests()) {
        if (r.path.startsWith(QStringLiteral("/subscriptions/")))
            list.append(r);
    }
    return list;
}

void tst_ArmResources::resourceIds()
{
    const auto id = azure::ArmResourceId::parse(QStringLiteral("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct/"));
    DR_VERIFY_OK(id);
    QCOMPARE(id->provider, QStringLiteral("Microsoft.Storage"));
    QCOMPARE(id->fullType(), QStringLiteral("Microsoft.Storage/storageAccounts"));
    QCOMPARE(id->name, QStringLiteral("acct"));
    QCOMPARE(id->path(), QStringLiteral("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct"));
    for (const QString &bad : {QString(), QStringLiteral("acct"), QStringLiteral("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts"),
                               QStringLiteral("/subscriptions/s/resourceGroups//providers/Microsoft.Storage/storageAccounts/a"),
                               QStringLiteral("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/blobServices/default")}) {
        const auto r = azure::ArmResourceId::parse(bad);
        QVERIFY2(!r, qPrintable(bad));
        QVERIFY(r.error().contains(QStringLiteral("is not an Azure resource id")));
    }
    QCOMPARE(azure::pinnedApiVersion(QStringLiteral("microsoft.storage")), QStringLiteral("2023-05-01"));
    QCOMPARE(azure::normalisedLocation(QStringLiteral("East US")), azure::normalisedLocation(QStringLiteral("eastus")));
}

void tst_ArmResources::storageGetProperties()
{
    const AzureExample ex = AzureExample::load(kStorageGet);
    const QString id = resourceIdOf(ex, QStringLiteral("Microsoft.Storage/storageAccounts"), QStringLiteral("accountName"));
    m_server.enqueueExample(ex, 200);
    const auto r = send(azure::storageAccountGet(id));
    DR_VERIFY_OK(r);
    const auto info = azure::parseStorageAccount(r->body);
    DR_VERIFY_OK(info);

    const QJsonObject b = body(ex);
    const QJsonObject p = props(b);
    const QJsonObject geo = p.value(QStringLiteral("geoReplicationStats")).toObject();
    QCOMPARE(info->name, b.value(QStringLiteral("name")).toString());
    QCOMPARE(info->kind, b.value(QStringLiteral("kind")).toString());
    QCOMPARE(info->sku, b.value(QStringLiteral("sku")).toObject().value(QStringLiteral("name")).toString());
    QCOMPARE(info->provisioningState, p.value(QStringLiteral("provisioningState")).toString());
    QCOMPARE(info->primaryLocation, p.value(QStringLiteral("primaryLocation")).toString());
    QCOMPARE(info->secondaryLocation, p.value(QStringLiteral("secondaryLocation")).toString());
    QCOMPARE(info->statusOfPrimary, p.value(QStringLiteral("statusOfPrimary")).toString());
    QCOMPARE(info->statusOfSecondary, p.value(QStringLiteral("statusOfSecondary")).toString());
    QVERIFY(info->geo);
    QCOMPARE(info->geo->status, geo.value(QStringLiteral("status")).toString());
    QCOMPARE(info->geo->lastSyncTime, QDateTime::fromString(geo.value(QStringLiteral("lastSyncTime")).toString(), Qt::ISODate));
    QCOMPARE(info->geo->canFailover, std::optional<bool>(geo.value(QStringLiteral("canFailover")).toBool()));
    QCOMPARE(info->geo->canPlannedFailover.has_value(), geo.contains(QStringLiteral("canPlannedFailover")));
    QCOMPARE(info->failoverInProgress.has_value(), p.contains(QStringLiteral("failoverInProgress")));
    QCOMPARE(info->toJson().value(QStringLiteral("lastSyncTime")).toString(), geo.value(QStringLiteral("lastSyncTime")).toString());

    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent[0].method, QByteArrayLiteral("GET"));
    QCOMPARE(sent[0].path, id);
    QCOMPARE(sent[0].query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
    QCOMPARE(sent[0].query.queryItemValue(QStringLiteral("$expand")), QStringLiteral("geoReplicationStats"));
    QCOMPARE(sent[0].header(QByteArrayLiteral("Authorization")), QByteArrayLiteral("Bearer t"));
}

void tst_ArmResources::storageFailover_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("status");
    for (const QString &file : {kStorageFailover, kStorageFailoverPlanned}) {
        QTest::newRow(qPrintable(file + QStringLiteral(" 200"))) << file << 200;
        QTest::newRow(qPrintable(file + QStringLiteral(" 202"))) << file << 202;
    }
}

void tst_ArmResources::storageFailover()
{
    QFETCH(QString, file);
    QFETCH(int, status);
    const AzureExample ex = AzureExample::load(file);
    QVERIFY(ex.hasResponse(status));
    const QString id = resourceIdOf(ex, QStringLiteral("Microsoft.Storage/storageAccounts"), QStringLiteral("accountName"));
    const bool planned = ex.parameter(QStringLiteral("failoverType")) == u"Planned";
    m_server.enqueueExample(ex, status);
    if (status == 202) {
        ScriptedResponse still; // the operation is still running once, then done
        still.status = 202;
        still.headers = {{QByteArrayLiteral("Retry-After"), QByteArrayLiteral("0")}};
        m_server.enqueue(still);
        m_server.enqueue(ScriptedResponse{200, {}, {}, 0, false});
    }
    const auto r = follow(azure::storageAccountFailover(id, planned));
    DR_VERIFY_OK(r);
    QCOMPARE(r->status, 200);

    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), status == 202 ? 3 : 1);
    QCOMPARE(sent[0].method, QByteArrayLiteral("POST"));
    QCOMPARE(sent[0].path, id + QStringLiteral("/failover"));
    QCOMPARE(sent[0].query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
    QCOMPARE(sent[0].query.hasQueryItem(QStringLiteral("failoverType")), ex.parameters.contains(QStringLiteral("failoverType")));
    QCOMPARE(sent[0].query.queryItemValue(QStringLiteral("failoverType")), ex.parameter(QStringLiteral("failoverType")));
    QVERIFY(sent[0].json().isUndefined() || sent[0].json().toObject().isEmpty()); // the example has no body parameter
    if (status == 202) {
        // The Location as the example gives it: its path and query, polled until done.
        const QString location = ex.responseHeaders(202).value(QStringLiteral("Location")).toString();
        const QString tail = location.mid(location.indexOf(QStringLiteral("/subscriptions/")));
        const QUrl expected(QStringLiteral("https://arm.invalid") + tail);
        for (int i : {1, 2}) {
            QCOMPARE(sent[i].method, QByteArrayLiteral("GET"));
            QCOMPARE(sent[i].path, expected.path());
            QCOMPARE(sent[i].query.queryItemValue(QStringLiteral("api-version")), QUrlQuery(expected).queryItemValue(QStringLiteral("api-version")));
            QCOMPARE(sent[i].query.queryItemValue(QStringLiteral("monitor")), QStringLiteral("true"));
        }
    }
}

void tst_ArmResources::cosmosGet()
{
    const AzureExample ex = AzureExample::load(kCosmosGet);
    const QString id = resourceIdOf(ex, QStringLiteral("Microsoft.DocumentDB/databaseAccounts"), QStringLiteral("accountName"));
    m_server.enqueueExample(ex, 200);
    const auto r = send(azure::cosmosAccountGet(id));
    DR_VERIFY_OK(r);
    const auto info = azure::parseCosmosAccount(r->body);
    DR_VERIFY_OK(info);
    const QJsonObject p = props(body(ex));
    QCOMPARE(info->name, body(ex).value(QStringLiteral("name")).toString());
    QCOMPARE(info->provisioningState, p.value(QStringLiteral("provisioningState")).toString());
    const auto compareLocations = [&](const QList<azure::CosmosLocation> &parsed, const QString &key) {
        const QJsonArray expected = p.value(key).toArray();
        QCOMPARE(parsed.size(), expected.size());
        for (int i = 0; i < parsed.size(); ++i) {
            const QJsonObject e = expected.at(i).toObject();
            QCOMPARE(parsed[i].id, e.value(QStringLiteral("id")).toString());
            QCOMPARE(parsed[i].locationName, e.value(QStringLiteral("locationName")).toString());
            QCOMPARE(parsed[i].failoverPriority, e.value(QStringLiteral("failoverPriority")).toInt());
            QCOMPARE(parsed[i].provisioningState, e.value(QStringLiteral("provisioningState")).toString());
            QCOMPARE(parsed[i].isZoneRedundant.has_value(), e.contains(QStringLiteral("isZoneRedundant")));
        }
    };
    compareLocations(info->writeLocations, QStringLiteral("writeLocations"));
    compareLocations(info->readLocations, QStringLiteral("readLocations"));
    compareLocations(info->locations, QStringLiteral("locations"));
    const QJsonArray policies = p.value(QStringLiteral("failoverPolicies")).toArray();
    QCOMPARE(info->failoverPolicies.size(), policies.size());
    for (int i = 0; i < policies.size(); ++i) {
        QCOMPARE(info->failoverPolicies[i].locationName, policies[i].toObject().value(QStringLiteral("locationName")).toString());
        QCOMPARE(info->failoverPolicies[i].failoverPriority, policies[i].toObject().value(QStringLiteral("failoverPriority")).toInt());
    }
    QCOMPARE(info->enableAutomaticFailover, p.value(QStringLiteral("enableAutomaticFailover")).toBool(false));
    QCOMPARE(info->enableMultipleWriteLocations, p.value(QStringLiteral("enableMultipleWriteLocations")).toBool(false));
    QCOMPARE(info->writeRegion(), p.value(QStringLiteral("writeLocations")).toArray().first().toObject().value(QStringLiteral("locationName")).toString());

    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent[0].method, QByteArrayLiteral("GET"));
    QCOMPARE(sent[0].path, id);
    QCOMPARE(sent[0].query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
}

void tst_ArmResources::cosmosPriorities()
{
    azure::CosmosAccountInfo a;
    a.name = QStringLiteral("ddb1");
    a.locations = {{QStringLiteral("a"), QStringLiteral("East US"), 0, {}, QStringLiteral("Succeeded")},
                   {QStringLiteral("b"), QStringLiteral("West US"), 1, {}, QStringLiteral("Succeeded")},
                   {QStringLiteral("c"), QStringLiteral("North Europe"), 2, {}, QStringLiteral("Succeeded")}};
    a.failoverPolicies = {{QStringLiteral("West US"), 1}, {QStringLiteral("East US"), 0}, {QStringLiteral("North Europe"), 2}};
    using P = QList<azure::CosmosFailoverPolicy>;
    auto r = azure::cosmosPrioritiesFor(a, QStringLiteral("westus"));
    QVERIFY(r);
    QCOMPARE(*r, (P{{QStringLiteral("West US"), 0}, {QStringLiteral("East US"), 1}, {QStringLiteral("North Europe"), 2}}));
    r = azure::cosmosPrioritiesFor(a, QStringLiteral("North Europe"), QStringLiteral("eastus"));
    QVERIFY(r);
    QCOMPARE(*r, (P{{QStringLiteral("North Europe"), 0}, {QStringLiteral("West US"), 1}, {QStringLiteral("East US"), 2}}));
    r = azure::cosmosPrioritiesFor(a, QStringLiteral("Japan East"));
    QVERIFY(!r);
    QVERIFY2(r.error().contains(QStringLiteral("has no region Japan East")), qPrintable(r.error()));
}

void tst_ArmResources::cosmosPriorityChange_data()
{
    QTest::addColumn<int>("status");
    QTest::newRow("202 + Azure-AsyncOperation") << 202;
    QTest::newRow("204") << 204;
}

void tst_ArmResources::cosmosPriorityChange()
{
    QFETCH(int, status);
    const AzureExample ex = AzureExample::load(kCosmosPriority);
    const QString id = resourceIdOf(ex, QStringLiteral("Microsoft.DocumentDB/databaseAccounts"), QStringLiteral("accountName"));
    QList<azure::CosmosFailoverPolicy> policies;
    for (const QJsonValue &v : ex.requestBody(QStringLiteral("failoverParameters")).toObject().value(QStringLiteral("failoverPolicies")).toArray())
        policies.append({v.toObject().value(QStringLiteral("locationName")).toString(), v.toObject().value(QStringLiteral("failoverPriority")).toInt()});
    QVERIFY(!policies.isEmpty());
    m_server.enqueueExample(ex, status);
    if (status == 202) {
        m_server.enqueue(json(200, {{QStringLiteral("status"), QStringLiteral("InProgress")}}));
        m_server.enqueue(json(200, {{QStringLiteral("status"), QStringLiteral("Succeeded")}}));
    }
    const auto r = follow(azure::cosmosFailoverPriorityChange(id, policies));
    DR_VERIFY_OK(r);

    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), status == 202 ? 3 : 1);
    QCOMPARE(sent[0].method, QByteArrayLiteral("POST"));
    QCOMPARE(sent[0].path, id + QStringLiteral("/failoverPriorityChange"));
    QCOMPARE(sent[0].query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
    QCOMPARE(sent[0].json(), ex.requestBody(QStringLiteral("failoverParameters")));
    if (status == 202) {
        // Azure-AsyncOperation wins over Location, as ARM's guidelines say.
        const QUrl async(ex.responseHeaders(202).value(QStringLiteral("Azure-AsyncOperation")).toString());
        QCOMPARE(sent[1].path, async.path());
        QCOMPARE(sent[2].path, async.path());
        QCOMPARE(sent[1].query.queryItemValue(QStringLiteral("api-version")), QUrlQuery(async).queryItemValue(QStringLiteral("api-version")));
        QCOMPARE(r->body.value(QStringLiteral("status")).toString(), QStringLiteral("Succeeded"));
    } else {
        QCOMPARE(r->status, 204);
    }
}

void tst_ArmResources::cosmosOfflineRegion_data()
{
    QTest::addColumn<int>("status");
    QTest::newRow("200") << 200;
    QTest::newRow("202 + Azure-AsyncOperation") << 202;
}

void tst_ArmResources::cosmosOfflineRegion()
{
    QFETCH(int, status);
    const AzureExample ex = AzureExample::load(kCosmosOffline);
    const QString id = resourceIdOf(ex, QStringLiteral("Microsoft.DocumentDB/databaseAccounts"), QStringLiteral("accountName"));
    m_server.enqueueExample(ex, status);
    if (status == 202)
        m_server.enqueue(json(200, {{QStringLiteral("status"), QStringLiteral("Succeeded")}}));
    const QString region = ex.requestBody(QStringLiteral("regionParameterForOffline")).toObject().value(QStringLiteral("region")).toString();
    QCOMPARE(region, ex.parameter(QStringLiteral("region")));
    const auto r = follow(azure::cosmosOfflineRegion(id, region));
    DR_VERIFY_OK(r);
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), status == 202 ? 2 : 1);
    QCOMPARE(sent[0].method, QByteArrayLiteral("POST"));
    QCOMPARE(sent[0].path, id + QStringLiteral("/offlineRegion"));
    QCOMPARE(sent[0].query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
    QCOMPARE(sent[0].json(), ex.requestBody(QStringLiteral("regionParameterForOffline")));
}

void tst_ArmResources::webApp()
{
    const AzureExample ex = AzureExample::load(kWebApp);
    const QString id = resourceIdOf(ex, QStringLiteral("Microsoft.Web/sites"), QStringLiteral("name"));
    m_server.enqueueExample(ex, 200);
    const auto r = send(azure::webAppGet(id));
    DR_VERIFY_OK(r);
    const auto info = azure::parseWebApp(r->body);
    DR_VERIFY_OK(info);
    const QJsonObject p = props(body(ex));
    QCOMPARE(info->name, body(ex).value(QStringLiteral("name")).toString());
    QCOMPARE(info->state, p.value(QStringLiteral("state")).toString());
    QCOMPARE(info->availabilityState, p.value(QStringLiteral("availabilityState")).toString());
    QCOMPARE(info->enabled, p.value(QStringLiteral("enabled")).toBool());
    QCOMPARE(info->defaultHostName, p.value(QStringLiteral("defaultHostName")).toString());
    QCOMPARE(QJsonArray::fromStringList(info->hostNames), p.value(QStringLiteral("hostNames")).toArray());
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent[0].method, QByteArrayLiteral("GET"));
    QCOMPARE(sent[0].path, id);
    QCOMPARE(sent[0].query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
}

void tst_ArmResources::webAppNotFound()
{
    const AzureExample ex = AzureExample::load(kWebApp);
    QVERIFY(ex.hasResponse(404));
    m_server.enqueueExample(ex, 404);
    const auto r = send(azure::webAppGet(resourceIdOf(ex, QStringLiteral("Microsoft.Web/sites"), QStringLiteral("name"))));
    QVERIFY(!r);
    QVERIFY2(r.error().contains(QStringLiteral("404")), qPrintable(r.error()));
}

void tst_ArmResources::vault()
{
    const AzureExample ex = AzureExample::load(kVault);
    const QString id = resourceIdOf(ex, QStringLiteral("Microsoft.KeyVault/vaults"), QStringLiteral("vaultName"));
    m_server.enqueueExample(ex, 200);
    const auto r = send(azure::vaultGet(id));
    DR_VERIFY_OK(r);
    const auto info = azure::parseVault(r->body);
    DR_VERIFY_OK(info);
    const QJsonObject p = props(body(ex));
    QCOMPARE(info->name, body(ex).value(QStringLiteral("name")).toString());
    QCOMPARE(info->vaultUri, p.value(QStringLiteral("vaultUri")).toString());
    QCOMPARE(info->provisioningState, p.value(QStringLiteral("provisioningState")).toString());
    QCOMPARE(info->sku, p.value(QStringLiteral("sku")).toObject().value(QStringLiteral("name")).toString());
    QCOMPARE(info->publicNetworkAccess, p.value(QStringLiteral("publicNetworkAccess")).toString());
    QCOMPARE(info->enableSoftDelete.has_value(), p.contains(QStringLiteral("enableSoftDelete")));
    QCOMPARE(info->enablePurgeProtection.has_value(), p.contains(QStringLiteral("enablePurgeProtection")));
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent[0].path, id);
    QCOMPARE(sent[0].query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
}

void tst_ArmResources::operationFailed()
{
    // The Cosmos DB operation ends Failed: its error reaches the caller, with what was asked.
    const AzureExample ex = AzureExample::load(kCosmosPriority);
    m_server.enqueueExample(ex, 202);
    m_server.enqueue(json(200, {{QStringLiteral("status"), QStringLiteral("Failed")},
                                {QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), QStringLiteral("BadRequest")},
                                                                      {QStringLiteral("message"), QStringLiteral("Failover priority change not allowed")}}}}));
    const auto r = follow(azure::cosmosFailoverPriorityChange(resourceIdOf(ex, QStringLiteral("Microsoft.DocumentDB/databaseAccounts"), QStringLiteral("accountName")),
                                                              {{QStringLiteral("eastus"), 0}}));
    QVERIFY(!r);
    QVERIFY2(r.error().contains(QStringLiteral("ended Failed: BadRequest: Failover priority change not allowed")), qPrintable(r.error()));
    QVERIFY2(r.error().contains(QStringLiteral("/failoverPriorityChange")), qPrintable(r.error()));
}

ProbeResult tst_ArmResources::runProbe(const QString &kind, const QString &resourceId, ArmClient *arm, const QJsonObject &options)
{
    ProbeTarget t;
    t.id = QStringLiteral("east/") + kind;
    t.regionId = QStringLiteral("east");
    t.componentId = kind;
    t.settings.kind = kind;
    t.settings.timeoutMs = 8000;
    t.options = options;
    t.options.insert(QStringLiteral("resourceId"), resourceId);
    ProbeContext ctx;
    ctx.network = &m_network;
    ctx.clock = Clock::system();
    ctx.arm = arm;
    std::unique_ptr<Probe> probe(ProbeRegistry::instance().create(t, ctx, nullptr));
    if (!probe)
        return ProbeResult::failure(QStringLiteral("no probe kind ") + kind);
    QSignalSpy spy(probe.get(), &Probe::finished);
    probe->start();
    if (!spy.wait(10000))
        return ProbeResult::failure(QStringLiteral("the probe never answered"));
    QTest::qWait(50);
    if (spy.size() != 1)
        return ProbeResult::failure(QStringLiteral("the probe answered %1 times").arg(spy.size()));
    return spy.at(0).at(0).value<ProbeResult>();
}

void tst_ArmResources::probeKinds_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("providerType");
    QTest::addColumn<QString>("nameParameter");
    QTest::addColumn<QString>("detail");
    QTest::addColumn<QString>("dataKey"); // a property copied into the result data
    QTest::newRow("storage-account") << QStringLiteral("storage-account") << kStorageGet << QStringLiteral("Microsoft.Storage/storageAccounts")
                                     << QStringLiteral("accountName") << QStringLiteral("geo-replication live to") << QStringLiteral("secondaryLocation");
    QTest::newRow("cosmos-db") << QStringLiteral("cosmos-db") << kCosmosGet << QStringLiteral("Microsoft.DocumentDB/databaseAccounts")
                               << QStringLiteral("accountName") << QStringLiteral("write region East US; failover priorities East US 0") << QStringLiteral("provisioningState");
    QTest::newRow("app-service") << QStringLiteral("app-service") << kWebApp << QStringLiteral("Microsoft.Web/sites") << QStringLiteral("name")
                                 << QStringLiteral("is Running, availability Normal") << QStringLiteral("defaultHostName");
    QTest::newRow("key-vault") << QStringLiteral("key-vault") << kVault << QStringLiteral("Microsoft.KeyVault/vaults") << QStringLiteral("vaultName")
                               << QStringLiteral("fails over by itself") << QStringLiteral("vaultUri");
}

void tst_ArmResources::probeKinds()
{
    QFETCH(QString, kind);
    QFETCH(QString, file);
    QFETCH(QString, providerType);
    QFETCH(QString, nameParameter);
    QFETCH(QString, detail);
    QFETCH(QString, dataKey);
    QVERIFY(ProbeRegistry::instance().componentKinds().contains(kind));
    const AzureExample ex = AzureExample::load(file);
    const QString id = resourceIdOf(ex, providerType, nameParameter);
    m_server.enqueueExample(ex, 200);
    const ProbeResult r = runProbe(kind, id, m_arm);
    QVERIFY2(r.outcome == ProbeResult::Outcome::Success, qPrintable(r.detail));
    QVERIFY2(r.detail.contains(detail), qPrintable(r.detail));
    QCOMPARE(r.data.value(dataKey).toString(), props(body(ex)).value(dataKey).toString());
    QVERIFY(r.latencyMs >= 0);
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent[0].path, id);
    QCOMPARE(sent[0].query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
}

void tst_ArmResources::judgeEdited_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("path");
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("location");
    QTest::addColumn<int>("outcome");
    QTest::addColumn<QString>("detail");
    const int ok = int(ProbeResult::Outcome::Success);
    const int degraded = int(ProbeResult::Outcome::Degraded);
    const int failure = int(ProbeResult::Outcome::Failure);
    const QStringList geoStatus{QStringLiteral("properties"), QStringLiteral("geoReplicationStats"), QStringLiteral("status")};
    QTest::newRow("storage as published") << QStringLiteral("storage-account") << kStorageGet << QStringList{QStringLiteral("name")}
                                          << QJsonValue(QStringLiteral("sto8596")) << QString() << ok << QStringLiteral("last sync 2018-10-30T00:25:34Z");
    QTest::newRow("storage primary unavailable") << QStringLiteral("storage-account") << kStorageGet
                                                 << QStringList{QStringLiteral("properties"), QStringLiteral("statusOfPrimary")}
                                                 << QJsonValue(QStringLiteral("unavailable")) << QString() << failure << QStringLiteral("is unavailable");
    QTest::newRow("storage geo bootstrap") << QStringLiteral("storage-account") << kStorageGet << geoStatus << QJsonValue(QStringLiteral("Bootstrap"))
                                           << QString() << degraded << QStringLiteral("geo-replication Bootstrap");
    QTest::newRow("storage geo unavailable") << QStringLiteral("storage-account") << kStorageGet << geoStatus << QJsonValue(QStringLiteral("Unavailable"))
                                             << QString() << degraded << QStringLiteral("geo-replication Unavailable");
    QTest::newRow("storage cannot fail over") << QStringLiteral("storage-account") << kStorageGet
                                              << QStringList{QStringLiteral("properties"), QStringLiteral("geoReplicationStats"), QStringLiteral("canFailover")}
                                              << QJsonValue(false) << QString() << degraded << QStringLiteral("cannot fail over now");
    QTest::newRow("cosmos region asked") << QStringLiteral("cosmos-db") << kCosmosGet << QStringList{QStringLiteral("name")} << QJsonValue(QStringLiteral("ddb1"))
                                         << QStringLiteral("eastus") << ok << QStringLiteral("write region East US");
    QTest::newRow("cosmos region absent") << QStringLiteral("cosmos-db") << kCosmosGet << QStringList{QStringLiteral("name")} << QJsonValue(QStringLiteral("ddb1"))
                                          << QStringLiteral("northeurope") << failure << QStringLiteral("has no location northeurope");
    QJsonArray failedLocations{QJsonObject{{QStringLiteral("locationName"), QStringLiteral("East US")}, {QStringLiteral("failoverPriority"), 0},
                                           {QStringLiteral("provisioningState"), QStringLiteral("Failed")}}};
    QTest::newRow("cosmos location failed") << QStringLiteral("cosmos-db") << kCosmosGet << QStringList{QStringLiteral("properties"), QStringLiteral("locations")}
                                            << QJsonValue(failedLocations) << QStringLiteral("East US") << failure << QStringLiteral("location East US is Failed");
    QTest::newRow("site stopped") << QStringLiteral("app-service") << kWebApp << QStringList{QStringLiteral("properties"), QStringLiteral("state")}
                                  << QJsonValue(QStringLiteral("Stopped")) << QString() << failure << QStringLiteral("is Stopped");
    QTest::newRow("site limited") << QStringLiteral("app-service") << kWebApp << QStringList{QStringLiteral("properties"), QStringLiteral("availabilityState")}
                                  << QJsonValue(QStringLiteral("Limited")) << QString() << degraded << QStringLiteral("availability Limited");
    QTest::newRow("site in DR mode") << QStringLiteral("app-service") << kWebApp << QStringList{QStringLiteral("properties"), QStringLiteral("availabilityState")}
                                     << QJsonValue(QStringLiteral("DisasterRecoveryMode")) << QString() << failure << QStringLiteral("DisasterRecoveryMode");
    QTest::newRow("site disabled") << QStringLiteral("app-service") << kWebApp << QStringList{QStringLiteral("properties"), QStringLiteral("enabled")}
                                   << QJsonValue(false) << QString() << failure << QStringLiteral("is disabled");
    QTest::newRow("vault registering") << QStringLiteral("key-vault") << kVault << QStringList{QStringLiteral("properties"), QStringLiteral("provisioningState")}
                                       << QJsonValue(QStringLiteral("RegisteringDns")) << QString() << degraded << QStringLiteral("is RegisteringDns");
    QTest::newRow("vault without properties") << QStringLiteral("key-vault") << kVault << QStringList{QStringLiteral("properties")}
                                              << QJsonValue(QStringLiteral("none")) << QString() << failure << QStringLiteral("no \"properties\" object");
}

void tst_ArmResources::judgeEdited()
{
    QFETCH(QString, kind);
    QFETCH(QString, file);
    QFETCH(QStringList, path);
    QFETCH(QJsonValue, value);
    QFETCH(QString, location);
    QFETCH(int, outcome);
    QFETCH(QString, detail);
    const ProbeResult r = ArmResourceProbe::judge(kind, edited(body(AzureExample::load(file)), path, value), location);
    QVERIFY2(r.detail.contains(detail), qPrintable(r.detail));
    QCOMPARE(int(r.outcome), outcome);
}

void tst_ArmResources::probeWithoutCredentials()
{
    const ProbeResult r = runProbe(QStringLiteral("key-vault"), QStringLiteral("/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v"), nullptr);
    QCOMPARE(int(r.outcome), int(ProbeResult::Outcome::Failure));
    QCOMPARE(r.detail, QStringLiteral("no Azure credentials: the profile needs azure.clientSecret"));
    const ProbeResult bad = runProbe(QStringLiteral("app-service"), QStringLiteral("sitef6141"), m_arm);
    QVERIFY2(bad.detail.contains(QStringLiteral("is not an Azure resource id")), qPrintable(bad.detail));
    QVERIFY(armRequests().isEmpty());
}

void tst_ArmResources::replicationArmMode()
{
    const AzureExample ex = AzureExample::load(kStorageGet);
    const QString id = resourceIdOf(ex, QStringLiteral("Microsoft.Storage/storageAccounts"), QStringLiteral("accountName"));
    const QJsonObject geo = props(body(ex)).value(QStringLiteral("geoReplicationStats")).toObject();

    // As published: live, but the Last Sync Time is years old, far beyond the RPO.
    m_server.enqueueExample(ex, 200);
    const QJsonObject options{{QStringLiteral("rpoSeconds"), 900}, {QStringLiteral("canary"), true}, {QStringLiteral("resourceApiVersion"), QString()}};
    ProbeResult r = runProbe(QStringLiteral("storage-replication"), id, m_arm, options);
    QCOMPARE(int(r.outcome), int(ProbeResult::Outcome::Degraded));
    QCOMPARE(r.data.value(QStringLiteral("state")).toString(), QStringLiteral("lagging"));
    QCOMPARE(r.data.value(QStringLiteral("status")).toString(), geo.value(QStringLiteral("status")).toString().toLower());
    QCOMPARE(r.data.value(QStringLiteral("lastSyncTime")).toString(), geo.value(QStringLiteral("lastSyncTime")).toString());
    QCOMPARE(r.data.value(QStringLiteral("canFailover")).toBool(), geo.value(QStringLiteral("canFailover")).toBool());
    QCOMPARE(r.data.value(QStringLiteral("source")).toString(), QStringLiteral("arm"));
    QVERIFY(r.data.value(QStringLiteral("lagSeconds")).toInteger() > 900);
    QVERIFY(!r.data.contains(QStringLiteral("canaryDetail"))); // no account key: no canary
    QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent[0].path, id);
    QCOMPARE(sent[0].query.queryItemValue(QStringLiteral("$expand")), QStringLiteral("geoReplicationStats"));

    // Synced a minute ago, with canPlannedFailover: within the RPO.
    m_server.clear();
    QJsonObject fresh = edited(body(ex), {QStringLiteral("properties"), QStringLiteral("geoReplicationStats"), QStringLiteral("lastSyncTime")},
                               Clock::system()->nowUtc().addSecs(-60).toString(Qt::ISODate));
    fresh = edited(fresh, {QStringLiteral("properties"), QStringLiteral("geoReplicationStats"), QStringLiteral("canPlannedFailover")}, true);
    m_server.enqueue(json(200, fresh));
    r = runProbe(QStringLiteral("storage-replication"), id, m_arm, options);
    QVERIFY2(r.outcome == ProbeResult::Outcome::Success, qPrintable(r.detail));
    QCOMPARE(r.data.value(QStringLiteral("state")).toString(), QStringLiteral("ok"));
    QVERIFY(r.data.value(QStringLiteral("lagSeconds")).toInteger() >= 59);
    QCOMPARE(r.data.value(QStringLiteral("canPlannedFailover")).toBool(false), true);

    // Geo-replication unavailable: a failure, as from Get Blob Service Stats.
    m_server.clear();
    m_server.enqueue(json(200, edited(body(ex), {QStringLiteral("properties"), QStringLiteral("geoReplicationStats"), QStringLiteral("status")},
                                      QStringLiteral("Unavailable"))));
    r = runProbe(QStringLiteral("storage-replication"), id, m_arm, options);
    QCOMPARE(int(r.outcome), int(ProbeResult::Outcome::Failure));
    QCOMPARE(r.data.value(QStringLiteral("state")).toString(), QStringLiteral("unavailable"));

    // ARM refuses: the reason, and status unknown.
    m_server.clear();
    m_server.enqueue(json(403, {{QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), QStringLiteral("AuthorizationFailed")},
                                                                      {QStringLiteral("message"), QStringLiteral("no read permission")}}}}));
    r = runProbe(QStringLiteral("storage-replication"), id, m_arm, options);
    QCOMPARE(int(r.outcome), int(ProbeResult::Outcome::Failure));
    QCOMPARE(r.data.value(QStringLiteral("status")).toString(), QStringLiteral("unknown"));
    QVERIFY2(r.detail.contains(QStringLiteral("AuthorizationFailed")), qPrintable(r.detail));
}

QTEST_GUILESS_MAIN(tst_ArmResources)
#include "tst_armresources.moc"
