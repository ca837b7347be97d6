// Traffic Manager through the real ArmClient and a real EntraTokenSource, against a loopback
// server that replays Microsoft's official examples (azure-rest-examples/trafficmanager/) and
// scripted answers, and records what we send.

#include "asyncwait.h"
#include "replayserver.h"

#include "azure/armclient.h"
#include "azure/entra.h"
#include "common/clock.h"
#include "probes/routingprobe.h"
#include "routing/trafficmanager.h"
#include "secrets/secretstore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QTest>

using namespace dr;
using namespace dr::test;

namespace {

const char kSecretVariable[] = "DR_TEST_TRAFFICMANAGER_CLIENT_SECRET";

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

ScriptedResponse ok(const QJsonObject &body)
{
    ScriptedResponse r;
    r.status = 200;
    r.headers = { { QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") } };
    r.body = json(body);
    return r;
}

struct Ep
{
    QString name;
    QString status;
    QString monitor;
    int priority;
};

QJsonObject endpointJson(const Ep &e)
{
    const QString id = QStringLiteral("/subscriptions/sub/resourceGroups/rg/providers/"
                                      "Microsoft.Network/trafficManagerProfiles/tm/externalEndpoints/")
        + e.name;
    return QJsonObject{ { QStringLiteral("id"), id },
        { QStringLiteral("name"), e.name },
        { QStringLiteral("type"), QStringLiteral("Microsoft.Network/trafficManagerProfiles/externalEndpoints") },
        { QStringLiteral("properties"),
            QJsonObject{ { QStringLiteral("endpointStatus"), e.status },
                { QStringLiteral("endpointMonitorStatus"), e.monitor },
                { QStringLiteral("target"), QString(e.name + QStringLiteral(".example.net")) },
                { QStringLiteral("priority"), e.priority }, { QStringLiteral("weight"), 1 } } } };
}

QJsonObject profileJson(const QString &method, const QList<Ep> &endpoints)
{
    QJsonArray list;
    for (const Ep &e : endpoints)
        list.append(endpointJson(e));
    return QJsonObject{ { QStringLiteral("name"), QStringLiteral("tm") },
        { QStringLiteral("properties"),
            QJsonObject{ { QStringLiteral("profileStatus"), QStringLiteral("Enabled") },
                { QStringLiteral("trafficRoutingMethod"), method }, { QStringLiteral("endpoints"), list } } } };
}

// The fields of an endpoint equal the example's JSON.
void compareEndpoint(const TrafficManagerEndpoint &e, const QJsonObject &j)
{
    const QJsonObject p = j.value(QStringLiteral("properties")).toObject();
    QCOMPARE(e.id, j.value(QStringLiteral("id")).toString());
    QCOMPARE(e.name, j.value(QStringLiteral("name")).toString());
    QCOMPARE(e.type, j.value(QStringLiteral("type")).toString());
    QCOMPARE(e.target, p.value(QStringLiteral("target")).toString());
    QCOMPARE(e.endpointStatus, p.value(QStringLiteral("endpointStatus")).toString());
    QCOMPARE(e.endpointMonitorStatus, p.value(QStringLiteral("endpointMonitorStatus")).toString());
    QCOMPARE(e.endpointLocation, p.value(QStringLiteral("endpointLocation")).toString());
    QVERIFY(e.priority.has_value());
    QCOMPARE(*e.priority, p.value(QStringLiteral("priority")).toInt());
    QVERIFY(e.weight.has_value());
    QCOMPARE(*e.weight, p.value(QStringLiteral("weight")).toInt());
}

void compareProfile(const TrafficManagerProfile &profile, const QJsonObject &j)
{
    const QJsonObject p = j.value(QStringLiteral("properties")).toObject();
    const QJsonObject dns = p.value(QStringLiteral("dnsConfig")).toObject();
    const QJsonObject m = p.value(QStringLiteral("monitorConfig")).toObject();
    QCOMPARE(profile.id, j.value(QStringLiteral("id")).toString());
    QCOMPARE(profile.name, j.value(QStringLiteral("name")).toString());
    QCOMPARE(profile.location, j.value(QStringLiteral("location")).toString());
    QCOMPARE(profile.profileStatus, p.value(QStringLiteral("profileStatus")).toString());
    QCOMPARE(profile.trafficRoutingMethod, p.value(QStringLiteral("trafficRoutingMethod")).toString());
    QCOMPARE(profile.relativeName, dns.value(QStringLiteral("relativeName")).toString());
    QCOMPARE(profile.fqdn, dns.value(QStringLiteral("fqdn")).toString());
    QCOMPARE(profile.ttl, dns.value(QStringLiteral("ttl")).toInt());
    QCOMPARE(profile.monitor.profileMonitorStatus, m.value(QStringLiteral("profileMonitorStatus")).toString());
    QCOMPARE(profile.monitor.protocol, m.value(QStringLiteral("protocol")).toString());
    QCOMPARE(profile.monitor.port, m.value(QStringLiteral("port")).toInt());
    QCOMPARE(profile.monitor.path, m.value(QStringLiteral("path")).toString());
    QCOMPARE(profile.monitor.intervalInSeconds, m.value(QStringLiteral("intervalInSeconds")).toInt());
    QCOMPARE(profile.monitor.toleratedNumberOfFailures, m.value(QStringLiteral("toleratedNumberOfFailures")).toInt());
    QCOMPARE(profile.monitor.timeoutInSeconds, m.value(QStringLiteral("timeoutInSeconds")).toInt());
    const QJsonArray endpoints = p.value(QStringLiteral("endpoints")).toArray();
    QVERIFY(!endpoints.isEmpty());
    QCOMPARE(profile.endpoints.size(), endpoints.size());
    for (int i = 0; i < endpoints.size(); ++i) {
        compareEndpoint(profile.endpoints.at(i), endpoints.at(i).toObject());
        if (QTest::currentTestFailed())
            return;
    }
}

QString describe(const RecordedRequest &r)
{
    return QString::fromLatin1(r.method) + u' ' + r.path + u' ' + QString::fromUtf8(r.body);
}

} // namespace

class TstTrafficManager : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void parsesTheExampleResponses_data();
    void parsesTheExampleResponses();
    void parsesTheProfileList();
    void getsAProfileAsTheExample();
    void listsProfilesAsTheExample();
    void getsAnEndpointAsTheExample();
    void patchesAnEndpointAsTheExample();

    void stateFromPriorityRouting();
    void stateFromOtherRoutingMethods();
    void prioritySwapGoesThroughAFreeValue();

    void failsOverByEndpointStatus();
    void refusesToDisableTheOnlyServingEndpoint();
    void swapsPrioritiesOnEnable();
    void givesUpAndDisablesAgainWhenNeverOnline();
    void surfacesAnArmConflict();
    void createNeedsAzureCredentialsAndTargets();
    void routingProbeReadsThroughArm();

private:
    QList<RecordedRequest> armRequests() const;
    TrafficManagerSwitch *makeSwitch(TrafficManagerSwitch::SwitchBy by);

    QNetworkAccessManager *m_network = nullptr;
    SecretStore *m_secrets = nullptr;
    ReplayServer *m_server = nullptr;
    EntraTokenSource *m_tokens = nullptr;
    ArmClient *m_arm = nullptr;
};

void TstTrafficManager::initTestCase()
{
    qputenv(kSecretVariable, "not-a-real-secret");
}

void TstTrafficManager::init()
{
    m_network = new QNetworkAccessManager(this);
    m_secrets = new SecretStore(this);
    m_server = new ReplayServer(this);
    m_server->serveTokens();
    QVERIFY(m_server->listen());
    EntraSettings settings;
    settings.authority = m_server->url(QStringLiteral("/"));
    settings.tenantId = QStringLiteral("tenant");
    settings.clientId = QStringLiteral("client");
    settings.clientSecret = SecretRef{ SecretRef::Source::Env, QString::fromLatin1(kSecretVariable) };
    m_tokens = new EntraTokenSource(m_network, m_secrets, settings, this);
    m_tokens->setKeychainCache(false);
    m_arm = new ArmClient(m_network, m_tokens, m_server->url(QStringLiteral("/")),
        QStringLiteral("https://management.azure.com/.default"), this);
    m_arm->setRetryPolicy(ArmRetryPolicy{ 1, 10, 10 });
    m_arm->setPollPolicy(ArmPollPolicy{ 20, 10000 });
}

void TstTrafficManager::cleanup()
{
    delete m_arm;
    delete m_tokens;
    delete m_server;
    delete m_secrets;
    delete m_network;
    m_arm = nullptr;
    m_tokens = nullptr;
    m_server = nullptr;
}

QList<RecordedRequest> TstTrafficManager::armRequests() const
{
    QList<RecordedRequest> out;
    for (const RecordedRequest &r : m_server->requests()) {
        if (!r.path.endsWith(QStringLiteral("/oauth2/v2.0/token")))
            out.append(r);
    }
    return out;
}

TrafficManagerSwitch *TstTrafficManager::makeSwitch(TrafficManagerSwitch::SwitchBy by)
{
    auto *sw = new TrafficManagerSwitch(m_arm, QStringLiteral("sub"), QStringLiteral("rg"), QStringLiteral("tm"),
        QStringLiteral("ExternalEndpoints"),
        { { QStringLiteral("westeurope"), QStringLiteral("ep-west") },
            { QStringLiteral("northeurope"), QStringLiteral("ep-north") } },
        by, m_server);
    sw->setPollIntervalMs(20);
    return sw;
}

void TstTrafficManager::parsesTheExampleResponses_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("status");
    QTest::newRow("GET with endpoints") << QStringLiteral("trafficmanager/Profile-GET-WithEndpoints.json") << 200;
    QTest::newRow("PUT 200") << QStringLiteral("trafficmanager/Profile-PUT-WithEndpoints.json") << 200;
    QTest::newRow("PUT 201") << QStringLiteral("trafficmanager/Profile-PUT-WithEndpoints.json") << 201;
    QTest::newRow("PATCH monitor config") << QStringLiteral("trafficmanager/Profile-PATCH-MonitorConfig.json") << 200;
}

void TstTrafficManager::parsesTheExampleResponses()
{
    QFETCH(QString, file);
    QFETCH(int, status);
    const AzureExample ex = AzureExample::load(file);
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    QCOMPARE(ex.apiVersion(), TrafficManagerClient::apiVersion());
    const QJsonObject body = ex.responseBody(status).toObject();
    const auto profile = TrafficManagerClient::parseProfile(body);
    QVERIFY2(profile.has_value(), qPrintable(errorOf(profile)));
    compareProfile(*profile, body);
}

void TstTrafficManager::parsesTheProfileList()
{
    const AzureExample ex = AzureExample::load(QStringLiteral("trafficmanager/Profile-GET-ByResourceGroup.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    const QJsonObject body = ex.responseBody(200).toObject();
    const auto profiles = TrafficManagerClient::parseProfiles(body);
    QVERIFY2(profiles.has_value(), qPrintable(errorOf(profiles)));
    const QJsonArray value = body.value(QStringLiteral("value")).toArray();
    QCOMPARE(profiles->size(), value.size());
    for (int i = 0; i < value.size(); ++i) {
        compareProfile(profiles->at(i), value.at(i).toObject());
        if (QTest::currentTestFailed())
            return;
    }
    // Not a list, not a profile: errors, not crashes.
    QVERIFY(!TrafficManagerClient::parseProfiles(QJsonObject{}).has_value());
    QVERIFY(!TrafficManagerClient::parseProfile(QJsonObject{ { QStringLiteral("name"), 1 } }).has_value());
}

void TstTrafficManager::getsAProfileAsTheExample()
{
    const AzureExample ex = AzureExample::load(QStringLiteral("trafficmanager/Profile-GET-WithEndpoints.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    m_server->enqueueExample(ex, 200);
    TrafficManagerClient client(m_arm, ex.parameter(QStringLiteral("subscriptionId")),
        ex.parameter(QStringLiteral("resourceGroupName")));
    const auto profile = awaitResult<TrafficManagerProfile>(
        [&](auto done) { client.profile(ex.parameter(QStringLiteral("profileName")), done); });
    QVERIFY(profile.has_value());
    QVERIFY2(profile->has_value(), qPrintable(errorOf(profile)));
    compareProfile(**profile, ex.responseBody(200).toObject());
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.at(0).method, QByteArrayLiteral("GET"));
    QCOMPARE(sent.at(0).path,
        QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.Network/trafficmanagerprofiles/%3")
            .arg(ex.parameter(QStringLiteral("subscriptionId")), ex.parameter(QStringLiteral("resourceGroupName")),
                ex.parameter(QStringLiteral("profileName"))));
    QCOMPARE(sent.at(0).query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
    QCOMPARE(sent.at(0).header("Authorization"), QByteArrayLiteral("Bearer t"));
}

void TstTrafficManager::listsProfilesAsTheExample()
{
    const AzureExample ex = AzureExample::load(QStringLiteral("trafficmanager/Profile-GET-ByResourceGroup.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    m_server->enqueueExample(ex, 200);
    TrafficManagerClient client(m_arm, ex.parameter(QStringLiteral("subscriptionId")),
        ex.parameter(QStringLiteral("resourceGroupName")));
    const auto profiles = awaitResult<QList<TrafficManagerProfile>>([&](auto done) { client.profiles(done); });
    QVERIFY(profiles.has_value());
    QVERIFY2(profiles->has_value(), qPrintable(errorOf(profiles)));
    const QJsonArray value = ex.responseBody(200).toObject().value(QStringLiteral("value")).toArray();
    QCOMPARE((*profiles)->size(), value.size());
    compareProfile((*profiles)->at(1), value.at(1).toObject());
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.at(0).method, QByteArrayLiteral("GET"));
    QCOMPARE(sent.at(0).path,
        QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.Network/trafficmanagerprofiles")
            .arg(ex.parameter(QStringLiteral("subscriptionId")), ex.parameter(QStringLiteral("resourceGroupName"))));
    QCOMPARE(sent.at(0).query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
}

void TstTrafficManager::getsAnEndpointAsTheExample()
{
    const AzureExample ex = AzureExample::load(QStringLiteral("trafficmanager/Endpoint-GET-External-WithLocation.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    m_server->enqueueExample(ex, 200);
    TrafficManagerClient client(m_arm, ex.parameter(QStringLiteral("subscriptionId")),
        ex.parameter(QStringLiteral("resourceGroupName")));
    const auto endpoint = awaitResult<TrafficManagerEndpoint>([&](auto done) {
        client.endpoint(ex.parameter(QStringLiteral("profileName")), ex.parameter(QStringLiteral("endpointType")),
            ex.parameter(QStringLiteral("endpointName")), done);
    });
    QVERIFY(endpoint.has_value());
    QVERIFY2(endpoint->has_value(), qPrintable(errorOf(endpoint)));
    compareEndpoint(**endpoint, ex.responseBody(200).toObject());
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.at(0).method, QByteArrayLiteral("GET"));
    QCOMPARE(sent.at(0).path,
        QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.Network/trafficmanagerprofiles/%3/%4/%5")
            .arg(ex.parameter(QStringLiteral("subscriptionId")), ex.parameter(QStringLiteral("resourceGroupName")),
                ex.parameter(QStringLiteral("profileName")), ex.parameter(QStringLiteral("endpointType")),
                ex.parameter(QStringLiteral("endpointName"))));
    QCOMPARE(sent.at(0).query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
}

void TstTrafficManager::patchesAnEndpointAsTheExample()
{
    const AzureExample ex = AzureExample::load(QStringLiteral("trafficmanager/Endpoint-PATCH-External-Target.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    m_server->enqueueExample(ex, 200);
    TrafficManagerClient client(m_arm, ex.parameter(QStringLiteral("subscriptionId")),
        ex.parameter(QStringLiteral("resourceGroupName")));
    const QJsonObject properties =
        ex.requestBody(QStringLiteral("parameters")).toObject().value(QStringLiteral("properties")).toObject();
    QVERIFY(!properties.isEmpty());
    const auto endpoint = awaitResult<TrafficManagerEndpoint>([&](auto done) {
        client.updateEndpoint(ex.parameter(QStringLiteral("profileName")), ex.parameter(QStringLiteral("endpointType")),
            ex.parameter(QStringLiteral("endpointName")), properties, done);
    });
    QVERIFY(endpoint.has_value());
    QVERIFY2(endpoint->has_value(), qPrintable(errorOf(endpoint)));
    compareEndpoint(**endpoint, ex.responseBody(200).toObject());
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.at(0).method, QByteArrayLiteral("PATCH"));
    QCOMPARE(sent.at(0).path,
        QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.Network/trafficmanagerprofiles/%3/%4/%5")
            .arg(ex.parameter(QStringLiteral("subscriptionId")), ex.parameter(QStringLiteral("resourceGroupName")),
                ex.parameter(QStringLiteral("profileName")), ex.parameter(QStringLiteral("endpointType")),
                ex.parameter(QStringLiteral("endpointName"))));
    QCOMPARE(sent.at(0).query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
    // The example's body shape: {"properties": {...}}, only the properties that change.
    QCOMPARE(sent.at(0).json().toObject(), (QJsonObject{ { QStringLiteral("properties"), properties } }));
    QVERIFY(sent.at(0).header("Content-Type").startsWith("application/json"));
}

void TstTrafficManager::stateFromPriorityRouting()
{
    const QList<std::pair<QString, QString>> regions{ { QStringLiteral("westeurope"), QStringLiteral("ep-west") },
        { QStringLiteral("northeurope"), QStringLiteral("ep-north") } };
    auto profile = TrafficManagerClient::parseProfile(profileJson(QStringLiteral("Priority"),
        { { QStringLiteral("ep-west"), QStringLiteral("Enabled"), QStringLiteral("Degraded"), 1 },
            { QStringLiteral("ep-north"), QStringLiteral("Enabled"), QStringLiteral("Online"), 2 } }));
    QVERIFY(profile.has_value());
    auto state = TrafficManagerSwitch::stateFrom(*profile, regions);
    QVERIFY2(state.has_value(), qPrintable(errorOf(state)));
    QCOMPARE(state->servingRegion, QStringLiteral("northeurope"));
    QCOMPARE(state->region(QStringLiteral("westeurope"))->detail, QStringLiteral("Enabled, Degraded, priority 1"));
    QVERIFY(state->region(QStringLiteral("westeurope"))->enabled);
    QVERIFY(!state->region(QStringLiteral("westeurope"))->healthy);
    QVERIFY(state->region(QStringLiteral("northeurope"))->healthy);

    profile->endpoints[0].endpointMonitorStatus = QStringLiteral("Online");
    state = TrafficManagerSwitch::stateFrom(*profile, regions);
    QCOMPARE(state->servingRegion, QStringLiteral("westeurope"));

    profile->profileStatus = QStringLiteral("Disabled");
    state = TrafficManagerSwitch::stateFrom(*profile, regions);
    QVERIFY(state->servingRegion.isEmpty());

    const auto missing = TrafficManagerSwitch::stateFrom(
        *profile, { { QStringLiteral("westeurope"), QStringLiteral("ep-elsewhere") } });
    QVERIFY(!missing.has_value());
    QVERIFY2(missing.error().contains(QStringLiteral("ep-elsewhere")), qPrintable(missing.error()));
}

void TstTrafficManager::stateFromOtherRoutingMethods()
{
    const QList<std::pair<QString, QString>> regions{ { QStringLiteral("westeurope"), QStringLiteral("ep-west") },
        { QStringLiteral("northeurope"), QStringLiteral("ep-north") } };
    auto profile = TrafficManagerClient::parseProfile(profileJson(QStringLiteral("Performance"),
        { { QStringLiteral("ep-west"), QStringLiteral("Enabled"), QStringLiteral("Online"), 1 },
            { QStringLiteral("ep-north"), QStringLiteral("Enabled"), QStringLiteral("Online"), 2 } }));
    auto state = TrafficManagerSwitch::stateFrom(*profile, regions);
    QVERIFY(state->servingRegion.isEmpty());
    QVERIFY2(state->regions.at(0).detail.contains(QStringLiteral("Performance routing")),
        qPrintable(state->regions.at(0).detail));
    profile->endpoints[0].endpointStatus = QStringLiteral("Disabled");
    state = TrafficManagerSwitch::stateFrom(*profile, regions);
    QCOMPARE(state->servingRegion, QStringLiteral("northeurope"));
}

void TstTrafficManager::prioritySwapGoesThroughAFreeValue()
{
    auto profile = TrafficManagerClient::parseProfile(profileJson(QStringLiteral("Priority"),
        { { QStringLiteral("a"), QStringLiteral("Enabled"), QStringLiteral("Online"), 1 },
            { QStringLiteral("b"), QStringLiteral("Enabled"), QStringLiteral("Online"), 2 } }));
    auto swap = TrafficManagerSwitch::prioritySwap(*profile, QStringLiteral("b"));
    QVERIFY(swap.has_value());
    const QList<std::pair<QString, int>> expected{ { QStringLiteral("a"), 3 }, { QStringLiteral("b"), 1 },
        { QStringLiteral("a"), 2 } };
    QCOMPARE(*swap, expected);
    QVERIFY(TrafficManagerSwitch::prioritySwap(*profile, QStringLiteral("a"))->isEmpty());
    // At the top of the range the free value is the first unused one.
    profile->endpoints[0].priority = 999;
    profile->endpoints[1].priority = 1000;
    swap = TrafficManagerSwitch::prioritySwap(*profile, QStringLiteral("b"));
    QCOMPARE(swap->at(0), (std::pair<QString, int>{ QStringLiteral("a"), 1 }));
}

void TstTrafficManager::failsOverByEndpointStatus()
{
    TrafficManagerSwitch *sw = makeSwitch(TrafficManagerSwitch::SwitchBy::EndpointStatus);
    m_server->enqueue(ok(profileJson(QStringLiteral("Priority"),
        { { QStringLiteral("ep-west"), QStringLiteral("Enabled"), QStringLiteral("Online"), 1 },
            { QStringLiteral("ep-north"), QStringLiteral("Disabled"), QStringLiteral("Disabled"), 2 } })));
    m_server->enqueue(ok(endpointJson({ QStringLiteral("ep-north"), QStringLiteral("Enabled"), QStringLiteral("CheckingEndpoint"), 2 })));
    m_server->enqueue(ok(endpointJson({ QStringLiteral("ep-north"), QStringLiteral("Enabled"), QStringLiteral("CheckingEndpoint"), 2 })));
    m_server->enqueue(ok(endpointJson({ QStringLiteral("ep-north"), QStringLiteral("Enabled"), QStringLiteral("Online"), 2 })));
    const auto enabled = awaitResult<void>([&](auto done) { sw->enable(QStringLiteral("northeurope"), 5000, done); });
    QVERIFY(enabled.has_value());
    QVERIFY2(enabled->has_value(), qPrintable(errorOf(enabled)));

    m_server->enqueue(ok(profileJson(QStringLiteral("Priority"),
        { { QStringLiteral("ep-west"), QStringLiteral("Enabled"), QStringLiteral("Online"), 1 },
            { QStringLiteral("ep-north"), QStringLiteral("Enabled"), QStringLiteral("Online"), 2 } })));
    m_server->enqueue(ok(endpointJson({ QStringLiteral("ep-west"), QStringLiteral("Disabled"), QStringLiteral("Disabled"), 1 })));
    m_server->enqueue(ok(endpointJson({ QStringLiteral("ep-west"), QStringLiteral("Disabled"), QStringLiteral("Disabled"), 1 })));
    const auto disabled = awaitResult<void>([&](auto done) { sw->disable(QStringLiteral("westeurope"), done); });
    QVERIFY(disabled.has_value());
    QVERIFY2(disabled->has_value(), qPrintable(errorOf(disabled)));

    const QString base = QStringLiteral("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/trafficmanagerprofiles/tm");
    const QStringList expected{
        QStringLiteral("GET ") + base + u' ',
        QStringLiteral("PATCH ") + base + QStringLiteral("/ExternalEndpoints/ep-north {\"properties\":{\"endpointStatus\":\"Enabled\"}}"),
        QStringLiteral("GET ") + base + QStringLiteral("/ExternalEndpoints/ep-north "),
        QStringLiteral("GET ") + base + QStringLiteral("/ExternalEndpoints/ep-north "),
        QStringLiteral("GET ") + base + u' ',
        QStringLiteral("PATCH ") + base + QStringLiteral("/ExternalEndpoints/ep-west {\"properties\":{\"endpointStatus\":\"Disabled\"}}"),
        QStringLiteral("GET ") + base + QStringLiteral("/ExternalEndpoints/ep-west "),
    };
    QStringList sent;
    for (const RecordedRequest &r : armRequests()) {
        sent.append(describe(r));
        QCOMPARE(r.query.queryItemValue(QStringLiteral("api-version")), QStringLiteral("2022-04-01"));
    }
    QCOMPARE(sent, expected);
    QCOMPARE(m_server->pending(), 0);
}

void TstTrafficManager::refusesToDisableTheOnlyServingEndpoint()
{
    TrafficManagerSwitch *sw = makeSwitch(TrafficManagerSwitch::SwitchBy::EndpointStatus);
    m_server->enqueue(ok(profileJson(QStringLiteral("Priority"),
        { { QStringLiteral("ep-west"), QStringLiteral("Enabled"), QStringLiteral("Online"), 1 },
            { QStringLiteral("ep-north"), QStringLiteral("Enabled"), QStringLiteral("Degraded"), 2 } })));
    const auto disabled = awaitResult<void>([&](auto done) { sw->disable(QStringLiteral("westeurope"), done); });
    QVERIFY(disabled.has_value());
    QVERIFY(!disabled->has_value());
    QVERIFY2(disabled->error().startsWith(QStringLiteral("refused: disabling westeurope would leave no serving region")),
        qPrintable(disabled->error()));
    QVERIFY2(disabled->error().contains(QStringLiteral("northeurope is Enabled, Degraded, priority 2")),
        qPrintable(disabled->error()));
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.at(0).method, QByteArrayLiteral("GET"));
}

void TstTrafficManager::swapsPrioritiesOnEnable()
{
    TrafficManagerSwitch *sw = makeSwitch(TrafficManagerSwitch::SwitchBy::Priority);
    const auto profile = [](int west, int north) {
        return ok(profileJson(QStringLiteral("Priority"),
            { { QStringLiteral("ep-west"), QStringLiteral("Enabled"), QStringLiteral("Online"), west },
                { QStringLiteral("ep-north"), QStringLiteral("Enabled"), QStringLiteral("Online"), north } }));
    };
    m_server->enqueue(profile(1, 2));
    m_server->enqueue(profile(1, 2));
    m_server->enqueue(ok(endpointJson({ QStringLiteral("ep-west"), QStringLiteral("Enabled"), QStringLiteral("Online"), 3 })));
    m_server->enqueue(ok(endpointJson({ QStringLiteral("ep-north"), QStringLiteral("Enabled"), QStringLiteral("Online"), 1 })));
    m_server->enqueue(ok(endpointJson({ QStringLiteral("ep-west"), QStringLiteral("Enabled"), QStringLiteral("Online"), 2 })));
    m_server->enqueue(profile(2, 1));
    const auto enabled = awaitResult<void>([&](auto done) { sw->enable(QStringLiteral("northeurope"), 5000, done); });
    QVERIFY(enabled.has_value());
    QVERIFY2(enabled->has_value(), qPrintable(errorOf(enabled)));
    QStringList patches;
    for (const RecordedRequest &r : armRequests()) {
        if (r.method == "PATCH")
            patches.append(r.path.section(u'/', -1) + u' ' + QString::fromUtf8(r.body));
    }
    const QStringList expected{ QStringLiteral("ep-west {\"properties\":{\"priority\":3}}"),
        QStringLiteral("ep-north {\"properties\":{\"priority\":1}}"),
        QStringLiteral("ep-west {\"properties\":{\"priority\":2}}") };
    QCOMPARE(patches, expected);
    QCOMPARE(armRequests().size(), 6);
    QCOMPARE(m_server->pending(), 0);
}

void TstTrafficManager::givesUpAndDisablesAgainWhenNeverOnline()
{
    TrafficManagerSwitch *sw = makeSwitch(TrafficManagerSwitch::SwitchBy::EndpointStatus);
    m_server->enqueue(ok(profileJson(QStringLiteral("Priority"),
        { { QStringLiteral("ep-west"), QStringLiteral("Enabled"), QStringLiteral("Online"), 1 },
            { QStringLiteral("ep-north"), QStringLiteral("Disabled"), QStringLiteral("Disabled"), 2 } })));
    m_server->enqueue(ok(endpointJson({ QStringLiteral("ep-north"), QStringLiteral("Enabled"), QStringLiteral("CheckingEndpoint"), 2 })));
    // Every read until the deadline says CheckingEndpoint; then the PATCH back to Disabled.
    m_server->setHandler([](const RecordedRequest &r) -> std::optional<ScriptedResponse> {
        ScriptedResponse s;
        s.headers = { { QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") } };
        if (r.method == "POST") {
            s.body = QByteArrayLiteral(R"({"access_token":"t","expires_in":3600,"token_type":"Bearer"})");
            return s;
        }
        if (r.method == "GET" && r.path.endsWith(QStringLiteral("/ep-north"))) {
            s.body = json(endpointJson({ QStringLiteral("ep-north"), QStringLiteral("Enabled"), QStringLiteral("CheckingEndpoint"), 2 }));
            return s;
        }
        if (r.method == "PATCH" && r.body.contains("Disabled")) {
            s.body = json(endpointJson({ QStringLiteral("ep-north"), QStringLiteral("Disabled"), QStringLiteral("Disabled"), 2 }));
            return s;
        }
        return std::nullopt;
    });
    const auto enabled = awaitResult<void>([&](auto done) { sw->enable(QStringLiteral("northeurope"), 300, done); });
    QVERIFY(enabled.has_value());
    QVERIFY(!enabled->has_value());
    QVERIFY2(enabled->error().contains(QStringLiteral("not Online after 300 ms")), qPrintable(enabled->error()));
    QVERIFY2(enabled->error().contains(QStringLiteral("CheckingEndpoint")), qPrintable(enabled->error()));
    QVERIFY2(enabled->error().endsWith(QStringLiteral("left Disabled")), qPrintable(enabled->error()));
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.last().method, QByteArrayLiteral("PATCH"));
    QCOMPARE(sent.last().json().toObject(),
        (QJsonObject{ { QStringLiteral("properties"), QJsonObject{ { QStringLiteral("endpointStatus"), QStringLiteral("Disabled") } } } }));
}

void TstTrafficManager::surfacesAnArmConflict()
{
    TrafficManagerSwitch *sw = makeSwitch(TrafficManagerSwitch::SwitchBy::EndpointStatus);
    m_server->enqueue(ok(profileJson(QStringLiteral("Priority"),
        { { QStringLiteral("ep-west"), QStringLiteral("Enabled"), QStringLiteral("Online"), 1 },
            { QStringLiteral("ep-north"), QStringLiteral("Disabled"), QStringLiteral("Disabled"), 2 } })));
    ScriptedResponse conflict;
    conflict.status = 409;
    conflict.headers = { { QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") } };
    conflict.body = QByteArrayLiteral(
        R"({"error":{"code":"Conflict","message":"Another operation on this profile is in progress."}})");
    m_server->enqueue(conflict);
    const auto enabled = awaitResult<void>([&](auto done) { sw->enable(QStringLiteral("northeurope"), 5000, done); });
    QVERIFY(enabled.has_value());
    QVERIFY(!enabled->has_value());
    QVERIFY2(enabled->error().startsWith(QStringLiteral("enabling northeurope: ")), qPrintable(enabled->error()));
    QVERIFY2(enabled->error().contains(QStringLiteral("HTTP 409")), qPrintable(enabled->error()));
    QVERIFY2(enabled->error().contains(QStringLiteral("Conflict: Another operation on this profile is in progress.")),
        qPrintable(enabled->error()));
    QCOMPARE(armRequests().size(), 2);
}

void TstTrafficManager::createNeedsAzureCredentialsAndTargets()
{
    Profile profile;
    profile.regions = { Region{}, Region{} };
    profile.regions[0].id = QStringLiteral("westeurope");
    profile.regions[1].id = QStringLiteral("northeurope");
    profile.routing.kind = QStringLiteral("traffic-manager");
    profile.routing.settings = { { QStringLiteral("subscriptionId"), QStringLiteral("sub") },
        { QStringLiteral("resourceGroup"), QStringLiteral("rg") }, { QStringLiteral("profileName"), QStringLiteral("tm") },
        { QStringLiteral("endpointType"), QStringLiteral("ExternalEndpoints") } };
    profile.routing.regionTargets = { { QStringLiteral("westeurope"), QStringLiteral("ep-west") } };

    auto made = RoutingSwitch::create(profile, m_network, m_secrets);
    QVERIFY(!made.has_value());
    QVERIFY2(made.error().contains(QStringLiteral("\"azure\" section with a clientSecret")), qPrintable(made.error()));

    profile.azure = AzureSettings{};
    made = RoutingSwitch::create(profile, m_network, m_secrets);
    QVERIFY(!made.has_value());
    QVERIFY2(made.error().contains(QStringLiteral("clientSecret")), qPrintable(made.error()));

    profile.azure->clientSecret = SecretRef{ SecretRef::Source::Env, QString::fromLatin1(kSecretVariable) };
    profile.azure->authority = m_server->url(QStringLiteral("/"));
    profile.azure->armEndpoint = m_server->url(QStringLiteral("/"));
    profile.azure->tenantId = QStringLiteral("tenant");
    profile.azure->clientId = QStringLiteral("client");
    made = RoutingSwitch::create(profile, m_network, m_secrets);
    QVERIFY(!made.has_value());
    QVERIFY2(made.error().contains(QStringLiteral("no Traffic Manager endpoint for region northeurope")),
        qPrintable(made.error()));

    profile.routing.regionTargets.insert(QStringLiteral("northeurope"), QStringLiteral("ep-north"));
    profile.routing.settings.insert(QStringLiteral("switchBy"), QStringLiteral("weight"));
    made = RoutingSwitch::create(profile, m_network, m_secrets);
    QVERIFY(!made.has_value());
    QVERIFY2(made.error().contains(QStringLiteral("switchBy")), qPrintable(made.error()));

    profile.routing.settings.remove(QStringLiteral("endpointType"));
    profile.routing.settings.insert(QStringLiteral("switchBy"), QStringLiteral("priority"));
    made = RoutingSwitch::create(profile, m_network, m_secrets);
    QVERIFY(!made.has_value());
    QVERIFY2(made.error().contains(QStringLiteral("routing.settings.endpointType")), qPrintable(made.error()));

    profile.routing.settings.insert(QStringLiteral("endpointType"), QStringLiteral("ExternalEndpoints"));
    made = RoutingSwitch::create(profile, m_network, m_secrets);
    QVERIFY2(made.has_value(), qPrintable(errorOf(made)));
    QVERIFY(qobject_cast<TrafficManagerSwitch *>(made->get()));

    // The switch built by create() reads through its own token source and ARM client.
    m_server->enqueue(ok(profileJson(QStringLiteral("Priority"),
        { { QStringLiteral("ep-west"), QStringLiteral("Enabled"), QStringLiteral("Online"), 1 },
            { QStringLiteral("ep-north"), QStringLiteral("Enabled"), QStringLiteral("Online"), 2 } })));
    RoutingSwitch *sw = made->get();
    const auto state = awaitResult<RoutingState>([&](auto done) { sw->state(done); });
    QVERIFY(state.has_value());
    QVERIFY2(state->has_value(), qPrintable(errorOf(state)));
    QCOMPARE((*state)->servingRegion, QStringLiteral("westeurope"));
    QCOMPARE(armRequests().last().header("Authorization"), QByteArrayLiteral("Bearer t"));
}

void TstTrafficManager::routingProbeReadsThroughArm()
{
    ProbeTarget target;
    target.id = QStringLiteral("routing");
    target.settings.kind = QStringLiteral("routing");
    target.settings.timeoutMs = 5000;
    target.options = QJsonObject{ { QStringLiteral("kind"), QStringLiteral("traffic-manager") },
        { QStringLiteral("subscriptionId"), QStringLiteral("sub") }, { QStringLiteral("resourceGroup"), QStringLiteral("rg") },
        { QStringLiteral("profileName"), QStringLiteral("tm") }, { QStringLiteral("endpointType"), QStringLiteral("ExternalEndpoints") },
        { QStringLiteral("targets"),
            QJsonObject{ { QStringLiteral("westeurope"), QStringLiteral("ep-west") },
                { QStringLiteral("northeurope"), QStringLiteral("ep-north") } } } };
    ProbeContext context;
    context.network = m_network;
    context.clock = Clock::system();

    {
        RoutingProbe probe(target, context);
        std::optional<ProbeResult> result;
        connect(&probe, &Probe::finished, this, [&result](const ProbeResult &r) { result = r; });
        probe.start();
        QVERIFY(QTest::qWaitFor([&] { return result.has_value(); }, 5000));
        const ProbeResult r = *result;
        QCOMPARE(r.outcome, ProbeResult::Outcome::Failure);
        QVERIFY2(r.detail.contains(QStringLiteral("no Azure credentials")), qPrintable(r.detail));
        QVERIFY(r.data.value(QStringLiteral("servingRegion")).isNull());
    }

    context.arm = m_arm;
    m_server->enqueue(ok(profileJson(QStringLiteral("Priority"),
        { { QStringLiteral("ep-west"), QStringLiteral("Disabled"), QStringLiteral("Disabled"), 1 },
            { QStringLiteral("ep-north"), QStringLiteral("Enabled"), QStringLiteral("Online"), 2 } })));
    RoutingProbe probe(target, context);
    std::optional<ProbeResult> result;
    connect(&probe, &Probe::finished, this, [&result](const ProbeResult &r) { result = r; });
    probe.start();
    QVERIFY(QTest::qWaitFor([&] { return result.has_value(); }, 5000));
    const ProbeResult r = *result;
    QCOMPARE(r.outcome, ProbeResult::Outcome::Success);
    QCOMPARE(r.data.value(QStringLiteral("servingRegion")).toString(), QStringLiteral("northeurope"));
    const QJsonArray servers = r.data.value(QStringLiteral("servers")).toArray();
    QCOMPARE(servers.size(), 2);
    QJsonObject north;
    for (const QJsonValue &v : servers) {
        if (v.toObject().value(QStringLiteral("region")).toString() == u"northeurope")
            north = v.toObject();
    }
    QCOMPARE(north.value(QStringLiteral("server")).toString(), QStringLiteral("ep-north"));
    QCOMPARE(north.value(QStringLiteral("status")).toString(), QStringLiteral("Enabled, Online, priority 2"));
    QVERIFY2(r.detail.startsWith(QStringLiteral("northeurope serves")), qPrintable(r.detail));
}

QTEST_GUILESS_MAIN(TstTrafficManager)
#include "tst_trafficmanager.moc"
