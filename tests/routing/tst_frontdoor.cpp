// Front Door through the real ArmClient and a real EntraTokenSource, against a loopback server
// that replays Microsoft's official examples (azure-rest-examples/frontdoor/) and scripted
// answers, and records what we send.

#include "asyncwait.h"
#include "replayserver.h"

#include "azure/armclient.h"
#include "azure/entra.h"
#include "routing/frontdoor.h"
#include "secrets/secretstore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QTest>

using namespace dr;
using namespace dr::test;

namespace {

const char kSecretVariable[] = "DR_TEST_FRONTDOOR_CLIENT_SECRET";

ScriptedResponse ok(const QJsonObject &body, int status = 200)
{
    ScriptedResponse r;
    r.status = status;
    r.headers = { { QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") } };
    r.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    return r;
}

QJsonObject originJson(const QString &name, const QString &enabledState, int priority,
    const QString &provisioning = QStringLiteral("Succeeded"))
{
    return QJsonObject{ { QStringLiteral("name"), name },
        { QStringLiteral("properties"),
            QJsonObject{ { QStringLiteral("hostName"), QString(name + QStringLiteral(".example.net")) },
                { QStringLiteral("enabledState"), enabledState }, { QStringLiteral("priority"), priority },
                { QStringLiteral("weight"), 1000 }, { QStringLiteral("provisioningState"), provisioning },
                { QStringLiteral("deploymentStatus"), QStringLiteral("NotStarted") } } } };
}

QJsonObject originsJson(const QList<QJsonObject> &origins)
{
    QJsonArray value;
    for (const QJsonObject &o : origins)
        value.append(o);
    return QJsonObject{ { QStringLiteral("value"), value } };
}

void compareOrigin(const FrontDoorOrigin &o, const QJsonObject &j)
{
    const QJsonObject p = j.value(QStringLiteral("properties")).toObject();
    QCOMPARE(o.id, j.value(QStringLiteral("id")).toString());
    QCOMPARE(o.name, j.value(QStringLiteral("name")).toString());
    QCOMPARE(o.hostName, p.value(QStringLiteral("hostName")).toString());
    QCOMPARE(o.httpPort, p.value(QStringLiteral("httpPort")).toInt());
    QCOMPARE(o.httpsPort, p.value(QStringLiteral("httpsPort")).toInt());
    QCOMPARE(o.originHostHeader, p.value(QStringLiteral("originHostHeader")).toString());
    QCOMPARE(o.priority.has_value(), p.value(QStringLiteral("priority")).isDouble());
    QCOMPARE(o.weight.has_value(), p.value(QStringLiteral("weight")).isDouble());
    QCOMPARE(o.enabledState, p.value(QStringLiteral("enabledState")).toString());
    QCOMPARE(o.provisioningState, p.value(QStringLiteral("provisioningState")).toString());
    QCOMPARE(o.deploymentStatus, p.value(QStringLiteral("deploymentStatus")).toString());
    QCOMPARE(o.originGroupName, p.value(QStringLiteral("originGroupName")).toString());
    QCOMPARE(o.enforceCertificateNameCheck, p.value(QStringLiteral("enforceCertificateNameCheck")).toBool());
}

QString originPathOf(const AzureExample &ex)
{
    return QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.Cdn/profiles/%3/originGroups/%4/origins")
        .arg(ex.parameter(QStringLiteral("subscriptionId")), ex.parameter(QStringLiteral("resourceGroupName")),
            ex.parameter(QStringLiteral("profileName")), ex.parameter(QStringLiteral("originGroupName")));
}

} // namespace

class TstFrontDoor : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void listsOriginsAsTheExample();
    void getsAnOriginAsTheExample();
    void getsTheOriginGroupAsTheExample();
    void getsTheEndpointAsTheExample();
    void updatesAnOriginThroughTheLongRunningOperation();

    void stateFromOrigins();
    void failsOverByEnabledState();
    void refusesToDisableTheOnlyServingOrigin();
    void promotesByPriority();
    void surfacesAnArmConflict();
    void createBuildsAFrontDoorSwitch();

private:
    QList<RecordedRequest> armRequests() const;
    FrontDoorSwitch *makeSwitch(FrontDoorSwitch::SwitchBy by);
    FrontDoorClient *clientFor(const AzureExample &ex);

    QNetworkAccessManager *m_network = nullptr;
    SecretStore *m_secrets = nullptr;
    ReplayServer *m_server = nullptr;
    EntraTokenSource *m_tokens = nullptr;
    ArmClient *m_arm = nullptr;
};

void TstFrontDoor::initTestCase()
{
    qputenv(kSecretVariable, "not-a-real-secret");
}

void TstFrontDoor::init()
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

void TstFrontDoor::cleanup()
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

QList<RecordedRequest> TstFrontDoor::armRequests() const
{
    QList<RecordedRequest> out;
    for (const RecordedRequest &r : m_server->requests()) {
        if (!r.path.endsWith(QStringLiteral("/oauth2/v2.0/token")))
            out.append(r);
    }
    return out;
}

FrontDoorSwitch *TstFrontDoor::makeSwitch(FrontDoorSwitch::SwitchBy by)
{
    auto *sw = new FrontDoorSwitch(m_arm, QStringLiteral("sub"), QStringLiteral("rg"), QStringLiteral("fd"),
        QStringLiteral("og"),
        { { QStringLiteral("westeurope"), QStringLiteral("west") },
            { QStringLiteral("northeurope"), QStringLiteral("north") } },
        by, m_server);
    sw->setPollIntervalMs(20);
    return sw;
}

FrontDoorClient *TstFrontDoor::clientFor(const AzureExample &ex)
{
    return new FrontDoorClient(m_arm, ex.parameter(QStringLiteral("subscriptionId")),
        ex.parameter(QStringLiteral("resourceGroupName")), ex.parameter(QStringLiteral("profileName")), m_server);
}

void TstFrontDoor::listsOriginsAsTheExample()
{
    const AzureExample ex = AzureExample::load(QStringLiteral("frontdoor/AFDOrigins_ListByOriginGroup.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    QCOMPARE(ex.apiVersion(), FrontDoorClient::apiVersion());
    m_server->enqueueExample(ex, 200);
    FrontDoorClient *client = clientFor(ex);
    const auto origins = awaitResult<QList<FrontDoorOrigin>>(
        [&](auto done) { client->origins(ex.parameter(QStringLiteral("originGroupName")), done); });
    QVERIFY(origins.has_value());
    QVERIFY2(origins->has_value(), qPrintable(errorOf(origins)));
    const QJsonArray value = ex.responseBody(200).toObject().value(QStringLiteral("value")).toArray();
    QCOMPARE((*origins)->size(), value.size());
    for (int i = 0; i < value.size(); ++i)
        compareOrigin((*origins)->at(i), value.at(i).toObject());
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.at(0).method, QByteArrayLiteral("GET"));
    QCOMPARE(sent.at(0).path, originPathOf(ex));
    QCOMPARE(sent.at(0).query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
    QCOMPARE(sent.at(0).header("Authorization"), QByteArrayLiteral("Bearer t"));
}

void TstFrontDoor::getsAnOriginAsTheExample()
{
    const AzureExample ex = AzureExample::load(QStringLiteral("frontdoor/AFDOrigins_Get.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    m_server->enqueueExample(ex, 200);
    FrontDoorClient *client = clientFor(ex);
    const auto origin = awaitResult<FrontDoorOrigin>([&](auto done) {
        client->origin(ex.parameter(QStringLiteral("originGroupName")), ex.parameter(QStringLiteral("originName")), done);
    });
    QVERIFY(origin.has_value());
    QVERIFY2(origin->has_value(), qPrintable(errorOf(origin)));
    compareOrigin(**origin, ex.responseBody(200).toObject());
    // Null priority is Front Door's default.
    QCOMPARE((*origin)->effectivePriority(), 1);
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.at(0).method, QByteArrayLiteral("GET"));
    QCOMPARE(sent.at(0).path, originPathOf(ex) + u'/' + ex.parameter(QStringLiteral("originName")));
    QCOMPARE(sent.at(0).query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
}

void TstFrontDoor::getsTheOriginGroupAsTheExample()
{
    const AzureExample ex = AzureExample::load(QStringLiteral("frontdoor/AFDOriginGroups_Get.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    m_server->enqueueExample(ex, 200);
    FrontDoorClient *client = clientFor(ex);
    const auto group = awaitResult<FrontDoorOriginGroup>(
        [&](auto done) { client->originGroup(ex.parameter(QStringLiteral("originGroupName")), done); });
    QVERIFY(group.has_value());
    QVERIFY2(group->has_value(), qPrintable(errorOf(group)));
    const QJsonObject body = ex.responseBody(200).toObject();
    const QJsonObject p = body.value(QStringLiteral("properties")).toObject();
    const QJsonObject lb = p.value(QStringLiteral("loadBalancingSettings")).toObject();
    const QJsonObject hp = p.value(QStringLiteral("healthProbeSettings")).toObject();
    const FrontDoorOriginGroup &g = **group;
    QCOMPARE(g.id, body.value(QStringLiteral("id")).toString());
    QCOMPARE(g.name, body.value(QStringLiteral("name")).toString());
    QCOMPARE(g.sampleSize, lb.value(QStringLiteral("sampleSize")).toInt());
    QCOMPARE(g.successfulSamplesRequired, lb.value(QStringLiteral("successfulSamplesRequired")).toInt());
    QCOMPARE(g.additionalLatencyInMilliseconds, lb.value(QStringLiteral("additionalLatencyInMilliseconds")).toInt());
    QCOMPARE(g.probePath, hp.value(QStringLiteral("probePath")).toString());
    QCOMPARE(g.probeRequestType, hp.value(QStringLiteral("probeRequestType")).toString());
    QCOMPARE(g.probeProtocol, hp.value(QStringLiteral("probeProtocol")).toString());
    QCOMPARE(g.probeIntervalInSeconds, hp.value(QStringLiteral("probeIntervalInSeconds")).toInt());
    QCOMPARE(g.trafficRestorationTimeToHealedOrNewEndpointsInMinutes,
        p.value(QStringLiteral("trafficRestorationTimeToHealedOrNewEndpointsInMinutes")).toInt());
    QCOMPARE(g.provisioningState, p.value(QStringLiteral("provisioningState")).toString());
    QCOMPARE(g.deploymentStatus, p.value(QStringLiteral("deploymentStatus")).toString());
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.at(0).path, originPathOf(ex).chopped(QStringLiteral("/origins").size()));
    QCOMPARE(sent.at(0).query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
}

void TstFrontDoor::getsTheEndpointAsTheExample()
{
    const AzureExample ex = AzureExample::load(QStringLiteral("frontdoor/AFDEndpoints_Get.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    m_server->enqueueExample(ex, 200);
    FrontDoorClient *client = clientFor(ex);
    const auto endpoint = awaitResult<FrontDoorEndpoint>(
        [&](auto done) { client->endpoint(ex.parameter(QStringLiteral("endpointName")), done); });
    QVERIFY(endpoint.has_value());
    QVERIFY2(endpoint->has_value(), qPrintable(errorOf(endpoint)));
    const QJsonObject body = ex.responseBody(200).toObject();
    const QJsonObject p = body.value(QStringLiteral("properties")).toObject();
    const FrontDoorEndpoint &e = **endpoint;
    QCOMPARE(e.id, body.value(QStringLiteral("id")).toString());
    QCOMPARE(e.name, body.value(QStringLiteral("name")).toString());
    QCOMPARE(e.location, body.value(QStringLiteral("location")).toString());
    QCOMPARE(e.hostName, p.value(QStringLiteral("hostName")).toString());
    QCOMPARE(e.enabledState, p.value(QStringLiteral("enabledState")).toString());
    QCOMPARE(e.provisioningState, p.value(QStringLiteral("provisioningState")).toString());
    QCOMPARE(e.deploymentStatus, p.value(QStringLiteral("deploymentStatus")).toString());
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 1);
    QCOMPARE(sent.at(0).method, QByteArrayLiteral("GET"));
    QCOMPARE(sent.at(0).path,
        QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.Cdn/profiles/%3/afdEndpoints/%4")
            .arg(ex.parameter(QStringLiteral("subscriptionId")), ex.parameter(QStringLiteral("resourceGroupName")),
                ex.parameter(QStringLiteral("profileName")), ex.parameter(QStringLiteral("endpointName"))));
    QCOMPARE(sent.at(0).query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
}

void TstFrontDoor::updatesAnOriginThroughTheLongRunningOperation()
{
    const AzureExample ex = AzureExample::load(QStringLiteral("frontdoor/AFDOrigins_Update.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    QVERIFY(ex.hasResponse(202));
    m_server->enqueueExample(ex, 202);
    m_server->enqueue(ok(QJsonObject{ { QStringLiteral("status"), QStringLiteral("InProgress") } }));
    m_server->enqueue(ok(QJsonObject{ { QStringLiteral("status"), QStringLiteral("Succeeded") } }));
    m_server->enqueueExample(ex, 200); // the final GET of the origin
    FrontDoorClient *client = clientFor(ex);
    const QJsonObject update = ex.requestBody(QStringLiteral("originUpdateProperties")).toObject();
    const auto origin = awaitResult<FrontDoorOrigin>([&](auto done) {
        client->updateOrigin(ex.parameter(QStringLiteral("originGroupName")), ex.parameter(QStringLiteral("originName")),
            update.value(QStringLiteral("properties")).toObject(), done);
    });
    QVERIFY(origin.has_value());
    QVERIFY2(origin->has_value(), qPrintable(errorOf(origin)));
    compareOrigin(**origin, ex.responseBody(200).toObject());
    QCOMPARE((*origin)->provisioningState, QStringLiteral("Succeeded"));

    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 4);
    const QString originPath = originPathOf(ex) + u'/' + ex.parameter(QStringLiteral("originName"));
    QCOMPARE(sent.at(0).method, QByteArrayLiteral("PATCH"));
    QCOMPARE(sent.at(0).path, originPath);
    QCOMPARE(sent.at(0).query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
    QCOMPARE(sent.at(0).json().toObject(), update); // {"properties": {..., "enabledState"}}
    const QUrl async(ex.responseHeaders(202).value(QStringLiteral("azure-asyncoperation")).toString());
    for (int i : { 1, 2 }) {
        QCOMPARE(sent.at(i).method, QByteArrayLiteral("GET"));
        QCOMPARE(sent.at(i).path, async.path());
    }
    QCOMPARE(sent.at(3).method, QByteArrayLiteral("GET"));
    QCOMPARE(sent.at(3).path, originPath);
}

void TstFrontDoor::stateFromOrigins()
{
    const QList<std::pair<QString, QString>> regions{ { QStringLiteral("westeurope"), QStringLiteral("west") },
        { QStringLiteral("northeurope"), QStringLiteral("north") } };
    auto origins = FrontDoorClient::parseOrigins(originsJson({ originJson(QStringLiteral("west"), QStringLiteral("Enabled"), 1),
        originJson(QStringLiteral("north"), QStringLiteral("Enabled"), 2) }));
    QVERIFY(origins.has_value());
    auto state = FrontDoorSwitch::stateFrom(*origins, QStringLiteral("og"), regions);
    QVERIFY2(state.has_value(), qPrintable(errorOf(state)));
    QCOMPARE(state->servingRegion, QStringLiteral("westeurope"));
    QVERIFY2(state->regions.at(0).detail.contains(QStringLiteral("ARM reports no origin health")),
        qPrintable(state->regions.at(0).detail));
    (*origins)[0].enabledState = QStringLiteral("Disabled");
    state = FrontDoorSwitch::stateFrom(*origins, QStringLiteral("og"), regions);
    QCOMPARE(state->servingRegion, QStringLiteral("northeurope"));
    QVERIFY(!state->regions.at(0).enabled);
    (*origins)[0].enabledState = QStringLiteral("Enabled");
    (*origins)[0].priority = 2;
    state = FrontDoorSwitch::stateFrom(*origins, QStringLiteral("og"), regions);
    QVERIFY(state->servingRegion.isEmpty()); // same priority: balanced, no single region
    (*origins)[1].provisioningState = QStringLiteral("Failed");
    state = FrontDoorSwitch::stateFrom(*origins, QStringLiteral("og"), regions);
    QCOMPARE(state->servingRegion, QStringLiteral("westeurope"));
    QVERIFY(!state->regions.at(1).healthy);
    QVERIFY(!FrontDoorSwitch::stateFrom(*origins, QStringLiteral("og"), { { QStringLiteral("x"), QStringLiteral("nope") } })
                 .has_value());
}

void TstFrontDoor::failsOverByEnabledState()
{
    FrontDoorSwitch *sw = makeSwitch(FrontDoorSwitch::SwitchBy::EnabledState);
    const QString base = QStringLiteral("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Cdn/profiles/fd/originGroups/og/origins");
    // enable(north): GET origin, PATCH (202 + Azure-AsyncOperation), poll, final GET.
    m_server->enqueue(ok(originJson(QStringLiteral("north"), QStringLiteral("Disabled"), 2)));
    ScriptedResponse accepted = ok(originJson(QStringLiteral("north"), QStringLiteral("Enabled"), 2, QStringLiteral("Updating")), 202);
    accepted.headers.append({ QByteArrayLiteral("Azure-AsyncOperation"),
        m_server->url(QStringLiteral("/subscriptions/sub/providers/Microsoft.Cdn/operationresults/op1")).toEncoded()
            + "?api-version=2025-04-15" });
    m_server->enqueue(accepted);
    m_server->enqueue(ok(QJsonObject{ { QStringLiteral("status"), QStringLiteral("Succeeded") } }));
    m_server->enqueue(ok(originJson(QStringLiteral("north"), QStringLiteral("Enabled"), 2)));
    const auto enabled = awaitResult<void>([&](auto done) { sw->enable(QStringLiteral("northeurope"), 5000, done); });
    QVERIFY(enabled.has_value());
    QVERIFY2(enabled->has_value(), qPrintable(errorOf(enabled)));

    // disable(west): list, PATCH (200), GET to confirm.
    m_server->enqueue(ok(originsJson({ originJson(QStringLiteral("west"), QStringLiteral("Enabled"), 1),
        originJson(QStringLiteral("north"), QStringLiteral("Enabled"), 2) })));
    m_server->enqueue(ok(originJson(QStringLiteral("west"), QStringLiteral("Disabled"), 1)));
    m_server->enqueue(ok(originJson(QStringLiteral("west"), QStringLiteral("Disabled"), 1)));
    const auto disabled = awaitResult<void>([&](auto done) { sw->disable(QStringLiteral("westeurope"), done); });
    QVERIFY(disabled.has_value());
    QVERIFY2(disabled->has_value(), qPrintable(errorOf(disabled)));

    QStringList sent;
    for (const RecordedRequest &r : armRequests())
        sent.append(QString::fromLatin1(r.method) + u' ' + r.path + u' ' + QString::fromUtf8(r.body));
    const QStringList expected{
        QStringLiteral("GET ") + base + QStringLiteral("/north "),
        QStringLiteral("PATCH ") + base + QStringLiteral("/north {\"properties\":{\"enabledState\":\"Enabled\"}}"),
        QStringLiteral("GET /subscriptions/sub/providers/Microsoft.Cdn/operationresults/op1 "),
        QStringLiteral("GET ") + base + QStringLiteral("/north "),
        QStringLiteral("GET ") + base + u' ',
        QStringLiteral("PATCH ") + base + QStringLiteral("/west {\"properties\":{\"enabledState\":\"Disabled\"}}"),
        QStringLiteral("GET ") + base + QStringLiteral("/west "),
    };
    QCOMPARE(sent, expected);
    QCOMPARE(m_server->pending(), 0);
}

void TstFrontDoor::refusesToDisableTheOnlyServingOrigin()
{
    FrontDoorSwitch *sw = makeSwitch(FrontDoorSwitch::SwitchBy::EnabledState);
    m_server->enqueue(ok(originsJson({ originJson(QStringLiteral("west"), QStringLiteral("Enabled"), 1),
        originJson(QStringLiteral("north"), QStringLiteral("Disabled"), 2) })));
    const auto disabled = awaitResult<void>([&](auto done) { sw->disable(QStringLiteral("westeurope"), done); });
    QVERIFY(disabled.has_value());
    QVERIFY(!disabled->has_value());
    QVERIFY2(disabled->error().startsWith(QStringLiteral("refused: disabling westeurope would leave no serving region")),
        qPrintable(disabled->error()));
    QCOMPARE(armRequests().size(), 1);
}

void TstFrontDoor::promotesByPriority()
{
    FrontDoorSwitch *sw = makeSwitch(FrontDoorSwitch::SwitchBy::Priority);
    m_server->enqueue(ok(originJson(QStringLiteral("north"), QStringLiteral("Enabled"), 2)));
    m_server->enqueue(ok(originsJson({ originJson(QStringLiteral("west"), QStringLiteral("Enabled"), 1),
        originJson(QStringLiteral("north"), QStringLiteral("Enabled"), 2) })));
    m_server->enqueue(ok(originJson(QStringLiteral("north"), QStringLiteral("Enabled"), 1)));
    m_server->enqueue(ok(originJson(QStringLiteral("west"), QStringLiteral("Enabled"), 2)));
    const auto enabled = awaitResult<void>([&](auto done) { sw->enable(QStringLiteral("northeurope"), 5000, done); });
    QVERIFY(enabled.has_value());
    QVERIFY2(enabled->has_value(), qPrintable(errorOf(enabled)));
    QStringList patches;
    for (const RecordedRequest &r : armRequests()) {
        if (r.method == "PATCH")
            patches.append(r.path.section(u'/', -1) + u' ' + QString::fromUtf8(r.body));
    }
    const QStringList expected{ QStringLiteral("north {\"properties\":{\"priority\":1}}"),
        QStringLiteral("west {\"properties\":{\"priority\":2}}") };
    QCOMPARE(patches, expected);
    QCOMPARE(m_server->pending(), 0);
}

void TstFrontDoor::surfacesAnArmConflict()
{
    FrontDoorSwitch *sw = makeSwitch(FrontDoorSwitch::SwitchBy::EnabledState);
    m_server->enqueue(ok(originsJson({ originJson(QStringLiteral("west"), QStringLiteral("Enabled"), 1),
        originJson(QStringLiteral("north"), QStringLiteral("Enabled"), 2) })));
    ScriptedResponse conflict;
    conflict.status = 409;
    conflict.headers = { { QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") } };
    conflict.body = QByteArrayLiteral(R"({"error":{"code":"Conflict","message":"The origin is being updated."}})");
    m_server->enqueue(conflict);
    const auto disabled = awaitResult<void>([&](auto done) { sw->disable(QStringLiteral("westeurope"), done); });
    QVERIFY(disabled.has_value());
    QVERIFY(!disabled->has_value());
    QVERIFY2(disabled->error().startsWith(QStringLiteral("disabling westeurope: ")), qPrintable(disabled->error()));
    QVERIFY2(disabled->error().contains(QStringLiteral("HTTP 409")), qPrintable(disabled->error()));
    QVERIFY2(disabled->error().contains(QStringLiteral("Conflict: The origin is being updated.")),
        qPrintable(disabled->error()));
}

void TstFrontDoor::createBuildsAFrontDoorSwitch()
{
    Profile profile;
    profile.regions = { Region{}, Region{} };
    profile.regions[0].id = QStringLiteral("westeurope");
    profile.regions[1].id = QStringLiteral("northeurope");
    profile.routing.kind = QStringLiteral("front-door");
    profile.routing.settings = { { QStringLiteral("subscriptionId"), QStringLiteral("sub") },
        { QStringLiteral("resourceGroup"), QStringLiteral("rg") }, { QStringLiteral("profileName"), QStringLiteral("fd") } };
    profile.routing.regionTargets = { { QStringLiteral("westeurope"), QStringLiteral("west") },
        { QStringLiteral("northeurope"), QStringLiteral("north") } };
    profile.azure = AzureSettings{};
    profile.azure->clientSecret = SecretRef{ SecretRef::Source::Env, QString::fromLatin1(kSecretVariable) };
    profile.azure->authority = m_server->url(QStringLiteral("/"));
    profile.azure->armEndpoint = m_server->url(QStringLiteral("/"));
    profile.azure->tenantId = QStringLiteral("tenant");
    profile.azure->clientId = QStringLiteral("client");
    auto made = RoutingSwitch::create(profile, m_network, m_secrets);
    QVERIFY(!made.has_value());
    QVERIFY2(made.error().contains(QStringLiteral("routing.settings.originGroup")), qPrintable(made.error()));

    profile.routing.settings.insert(QStringLiteral("originGroup"), QStringLiteral("og"));
    made = RoutingSwitch::create(profile, m_network, m_secrets);
    QVERIFY2(made.has_value(), qPrintable(errorOf(made)));
    QVERIFY(qobject_cast<FrontDoorSwitch *>(made->get()));
    m_server->enqueue(ok(originsJson({ originJson(QStringLiteral("west"), QStringLiteral("Disabled"), 1),
        originJson(QStringLiteral("north"), QStringLiteral("Enabled"), 2) })));
    RoutingSwitch *sw = made->get();
    const auto state = awaitResult<RoutingState>([&](auto done) { sw->state(done); });
    QVERIFY(state.has_value());
    QVERIFY2(state->has_value(), qPrintable(errorOf(state)));
    QCOMPARE((*state)->servingRegion, QStringLiteral("northeurope"));
    QCOMPARE(armRequests().last().header("Authorization"), QByteArrayLiteral("Bearer t"));
}

QTEST_GUILESS_MAIN(TstFrontDoor)
#include "tst_frontdoor.moc"
