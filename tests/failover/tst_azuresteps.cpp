// The optional Azure steps of the failover runbooks (profile runbook.storageAccountFailover and
// runbook.cosmosFailover): where they sit in each flow, and what they send to ARM, on a
// loopback ReplayServer answering with Microsoft's examples (storage/StorageAccountGetProperties.json,
// storage/StorageAccountFailover.json, storage/StorageAccountFailoverPlanned.json,
// cosmosdb/CosmosDBDatabaseAccountGet.json, cosmosdb/CosmosDBDatabaseAccountFailoverPriorityChange.json,
// cosmosdb/CosmosDBDatabaseAccountOfflineRegion.json), edited where the profile's regions must
// appear, through the real EntraTokenSource and ArmClient that FailoverController makes.
//
// The seam: FailoverController::plan() gives the runbook, and each Azure step's work is run
// directly (no lock, routing or gates: those have their own tests on the lab).

#include "failover/failovercontroller.h"

#include "asyncwait.h"
#include "replayserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::test;

namespace {

const QString kStorageId = QStringLiteral("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/contosobot");
const QString kCosmosId = QStringLiteral("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.DocumentDB/databaseAccounts/contosobot");

ScriptedResponse json(int status, const QJsonObject &o)
{
    ScriptedResponse r;
    r.status = status;
    r.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
    r.body = QJsonDocument(o).toJson(QJsonDocument::Compact);
    return r;
}

QJsonObject withProperties(QJsonObject body, const QJsonObject &changes)
{
    QJsonObject p = body.value(QStringLiteral("properties")).toObject();
    for (auto it = changes.begin(); it != changes.end(); ++it)
        p.insert(it.key(), it.value());
    body.insert(QStringLiteral("properties"), p);
    return body;
}

// The example account, its primary in `primary` and secondary in `secondary`.
QJsonObject storageAccount(const QString &primary, const QString &secondary, bool canPlanned, const QString &sku = QStringLiteral("Standard_GRS"))
{
    QJsonObject b = AzureExample::load(QStringLiteral("storage/StorageAccountGetProperties.json")).responseBody(200).toObject();
    QJsonObject geo = b.value(QStringLiteral("properties")).toObject().value(QStringLiteral("geoReplicationStats")).toObject();
    geo.insert(QStringLiteral("canPlannedFailover"), canPlanned);
    b = withProperties(b, {{QStringLiteral("primaryLocation"), primary}, {QStringLiteral("secondaryLocation"), secondary},
                           {QStringLiteral("geoReplicationStats"), geo}});
    b.insert(QStringLiteral("sku"), QJsonObject{{QStringLiteral("name"), sku}});
    return b;
}

// The example account, with East US and West US in the given order of priority.
QJsonObject cosmosAccount(const QString &first, const QString &second)
{
    const QJsonObject b = AzureExample::load(QStringLiteral("cosmosdb/CosmosDBDatabaseAccountGet.json")).responseBody(200).toObject();
    const auto loc = [](const QString &name, int priority) {
        return QJsonObject{{QStringLiteral("id"), QString(QStringLiteral("ddb1-") + QString(name).toLower().remove(QLatin1Char(' ')))},
                           {QStringLiteral("locationName"), name}, {QStringLiteral("provisioningState"), QStringLiteral("Succeeded")},
                           {QStringLiteral("failoverPriority"), priority}};
    };
    const QJsonArray both{loc(first, 0), loc(second, 1)};
    return withProperties(b, {{QStringLiteral("writeLocations"), QJsonArray{loc(first, 0)}},
                              {QStringLiteral("readLocations"), both},
                              {QStringLiteral("locations"), both},
                              {QStringLiteral("failoverPolicies"), QJsonArray{QJsonObject{{QStringLiteral("locationName"), first}, {QStringLiteral("failoverPriority"), 0}},
                                                                              QJsonObject{{QStringLiteral("locationName"), second}, {QStringLiteral("failoverPriority"), 1}}}}});
}

QStringList ids(const Runbook &rb)
{
    QStringList list;
    for (const Step &s : rb.steps)
        list.append(s.id);
    return list;
}

} // namespace

class tst_AzureSteps : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void stepsInTheFlows_data();
    void stepsInTheFlows();
    void noStepsByDefault();
    void storagePlanned();
    void storageUnplanned();
    void storageRefusedWithoutPlannedFailover();
    void storageAlreadyThere();
    void cosmosPlanned();
    void cosmosUnplanned();
    void withoutCredentials();

private:
    Profile profile(const QString &storage, bool cosmos, bool credentials = true) const;
    StepOutcome runStep(FailoverController &controller, Flow flow, const QString &stepId);
    QList<RecordedRequest> armRequests() const;

    QTemporaryDir m_dir;
    ReplayServer m_server;
};

void tst_AzureSteps::initTestCase()
{
    QVERIFY(m_dir.isValid());
    qputenv("DRCONSOLE_DATA_DIR", m_dir.path().toUtf8());
    qputenv("DR_TEST_AZURE_SECRET", "s3cret");
    for (const QString &f : {QStringLiteral("storage/StorageAccountGetProperties.json"), QStringLiteral("storage/StorageAccountFailover.json"),
                             QStringLiteral("storage/StorageAccountFailoverPlanned.json"), QStringLiteral("cosmosdb/CosmosDBDatabaseAccountGet.json"),
                             QStringLiteral("cosmosdb/CosmosDBDatabaseAccountFailoverPriorityChange.json"),
                             QStringLiteral("cosmosdb/CosmosDBDatabaseAccountOfflineRegion.json")})
        QVERIFY2(AzureExample::load(f).ok(), qPrintable(f));
    QVERIFY(m_server.listen());
    m_server.serveTokens();
}

void tst_AzureSteps::init()
{
    m_server.clear();
}

Profile tst_AzureSteps::profile(const QString &storage, bool cosmos, bool credentials) const
{
    Profile p;
    p.name = QStringLiteral("azuresteps-%1-%2").arg(storage).arg(cosmos);
    p.filePath = m_dir.filePath(QStringLiteral("profile.json"));
    p.operatorsFile = m_dir.filePath(QStringLiteral("operators.json"));
    p.routing.kind = QStringLiteral("haproxy");
    // Built in place: copying a Component trips a GCC 12 false -Wmaybe-uninitialized.
    p.regions.resize(2);
    const QStringList ids{QStringLiteral("east"), QStringLiteral("west")};
    const QStringList locations{QStringLiteral("eastus"), QStringLiteral("westus")};
    for (int i = 0; i < 2; ++i) {
        Region &r = p.regions[i];
        r.id = ids[i];
        r.role = i == 0 ? RegionRole::Primary : RegionRole::Secondary;
        r.location = locations[i];
        r.components.resize(2);
        Component &s = r.components[0];
        s.id = QStringLiteral("storage");
        s.kind = QStringLiteral("storage");
        s.probe.kind = QStringLiteral("storage-account");
        Component &c = r.components[1];
        c.id = QStringLiteral("cosmosdb");
        c.kind = QStringLiteral("cosmosdb");
        c.probe.kind = QStringLiteral("cosmos-db");
        if (i == 0) {
            s.azure = AzureResource{kStorageId, QString()};
            c.azure = AzureResource{kCosmosId, QString()};
        }
    }
    p.runbook.storageAccountFailover = storage;
    p.runbook.cosmosFailover = cosmos;
    AzureSettings azure;
    azure.authority = m_server.url(QStringLiteral("/"));
    azure.tenantId = QStringLiteral("tenant");
    azure.clientId = QStringLiteral("client");
    if (credentials)
        azure.clientSecret = SecretRef{SecretRef::Source::Env, QStringLiteral("DR_TEST_AZURE_SECRET")};
    QUrl arm = m_server.url(QStringLiteral("/"));
    arm.setPath(QString());
    azure.armEndpoint = arm;
    p.azure = azure;
    return p;
}

QList<RecordedRequest> tst_AzureSteps::armRequests() const
{
    QList<RecordedRequest> list;
    for (const RecordedRequest &r : m_server.requests()) {
        if (r.path.startsWith(QStringLiteral("/subscriptions/")))
            list.append(r);
    }
    return list;
}

StepOutcome tst_AzureSteps::runStep(FailoverController &controller, Flow flow, const QString &stepId)
{
    FlowRequest req;
    req.flow = flow;
    req.source = flow == Flow::Failback ? QStringLiteral("west") : QStringLiteral("east");
    req.target = flow == Flow::Failback ? QStringLiteral("east") : QStringLiteral("west");
    const auto rb = controller.plan(req);
    if (!rb)
        return StepOutcome::failure(QStringLiteral("no plan: ") + rb.error());
    const auto it = std::find_if(rb->steps.cbegin(), rb->steps.cend(), [&](const Step &s) { return s.id == stepId; });
    if (it == rb->steps.cend())
        return StepOutcome::failure(QStringLiteral("no step ") + stepId);
    std::optional<StepOutcome> outcome;
    StepContext ctx;
    ctx.runId = QStringLiteral("test-run");
    it->run(ctx, [&outcome](StepOutcome o) { outcome = o; });
    if (!QTest::qWaitFor([&] { return outcome.has_value(); }, 60000))
        return StepOutcome::failure(QStringLiteral("the step never answered"));
    return *outcome;
}

void tst_AzureSteps::stepsInTheFlows_data()
{
    QTest::addColumn<int>("flow");
    QTest::addColumn<QStringList>("expected"); // the steps from the verification on
    QTest::newRow("planned failover") << int(Flow::PlannedFailover)
                                      << QStringList{QStringLiteral("verify.synthetic-chat"), QStringLiteral("azure.storage-failover"),
                                                     QStringLiteral("azure.cosmos-failover"), QStringLiteral("record.objectives"), QStringLiteral("lock.release")};
    QTest::newRow("unplanned failover") << int(Flow::UnplannedFailover)
                                        << QStringList{QStringLiteral("verify.synthetic-chat"), QStringLiteral("azure.storage-failover"),
                                                       QStringLiteral("azure.cosmos-failover"), QStringLiteral("record.objectives"), QStringLiteral("lock.release")};
    QTest::newRow("failback") << int(Flow::Failback)
                              << QStringList{QStringLiteral("verify.synthetic-chat"), QStringLiteral("azure.storage-failover"), QStringLiteral("azure.cosmos-failover"),
                                             QStringLiteral("record.objectives"), QStringLiteral("switch.restore-standby"), QStringLiteral("lock.release")};
    QTest::newRow("drill") << int(Flow::Drill)
                           << QStringList{QStringLiteral("back.verify.synthetic-chat"), QStringLiteral("back.azure.storage-failover"),
                                          QStringLiteral("back.azure.cosmos-failover"), QStringLiteral("back.record.objectives"),
                                          QStringLiteral("switch.restore-standby"), QStringLiteral("drill.scorecard"), QStringLiteral("lock.release")};
}

void tst_AzureSteps::stepsInTheFlows()
{
    QFETCH(int, flow);
    QFETCH(QStringList, expected);
    FailoverController controller(profile(QStringLiteral("planned"), true));
    FlowRequest req;
    req.flow = Flow(flow);
    req.source = req.flow == Flow::Failback ? QStringLiteral("west") : QStringLiteral("east");
    req.target = req.flow == Flow::Failback ? QStringLiteral("east") : QStringLiteral("west");
    const auto rb = controller.plan(req);
    DR_VERIFY_OK(rb);
    const QStringList all = ids(*rb);
    const qsizetype at = all.indexOf(expected.first());
    QVERIFY2(at >= 0, qPrintable(all.join(u' ')));
    QCOMPARE(all.mid(at), expected);
    // The switch comes before: the Azure steps follow the routing, never lead it.
    QVERIFY(all.indexOf(QStringLiteral("switch.disable-source")) < all.indexOf(QStringLiteral("azure.storage-failover")));
    for (const Step &s : rb->steps) {
        if (!s.id.contains(QStringLiteral("azure.")))
            continue;
        QCOMPARE(s.kind, StepKind::Action);
        QVERIFY(!s.critical);      // a failure halts (by the step), never undoes the switch
        QVERIFY(!s.undo);          // an account failover cannot be taken back by undo
        QVERIFY(s.timeoutMs >= 120000);
    }
    if (req.flow == Flow::Drill)
        QCOMPARE(all.count(QStringLiteral("azure.storage-failover")), 1);
}

void tst_AzureSteps::noStepsByDefault()
{
    FailoverController controller(profile(QStringLiteral("none"), false));
    for (Flow flow : {Flow::PlannedFailover, Flow::UnplannedFailover, Flow::Failback, Flow::Drill, Flow::Readiness}) {
        FlowRequest req;
        req.flow = flow;
        req.source = flow == Flow::Failback ? QStringLiteral("west") : QStringLiteral("east");
        req.target = flow == Flow::Failback ? QStringLiteral("east") : QStringLiteral("west");
        const auto rb = controller.plan(req);
        DR_VERIFY_OK(rb);
        QVERIFY2(!ids(*rb).join(u' ').contains(QStringLiteral("azure.")), qPrintable(ids(*rb).join(u' ')));
    }
}

void tst_AzureSteps::storagePlanned()
{
    const AzureExample ex = AzureExample::load(QStringLiteral("storage/StorageAccountFailoverPlanned.json"));
    m_server.enqueue(json(200, storageAccount(QStringLiteral("eastus"), QStringLiteral("westus"), true)));
    m_server.enqueueExample(ex, 202);
    m_server.enqueue(ScriptedResponse{200, {}, {}, 0, false});
    m_server.enqueue(json(200, storageAccount(QStringLiteral("westus"), QStringLiteral("eastus"), true)));
    FailoverController controller(profile(QStringLiteral("planned"), false));
    const StepOutcome o = runStep(controller, Flow::PlannedFailover, QStringLiteral("azure.storage-failover"));
    QVERIFY2(o.ok && !o.skipped, qPrintable(o.detail));
    QVERIFY2(o.detail.contains(QStringLiteral("failed over (planned): primary now in west (westus), still geo-redundant")), qPrintable(o.detail));
    QVERIFY(!o.detail.contains(QStringLiteral("LRS")));
    const QJsonObject data = o.data.value(QStringLiteral("storageFailover")).toObject();
    QCOMPARE(data.value(QStringLiteral("type")).toString(), QStringLiteral("planned"));
    QCOMPARE(data.value(QStringLiteral("after")).toObject().value(QStringLiteral("primaryLocation")).toString(), QStringLiteral("westus"));

    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 4);
    QCOMPARE(sent[0].method, QByteArrayLiteral("GET"));
    QCOMPARE(sent[0].query.queryItemValue(QStringLiteral("$expand")), QStringLiteral("geoReplicationStats"));
    QCOMPARE(sent[1].method, QByteArrayLiteral("POST"));
    QCOMPARE(sent[1].path, kStorageId + QStringLiteral("/failover"));
    QCOMPARE(sent[1].query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
    QCOMPARE(sent[1].query.queryItemValue(QStringLiteral("failoverType")), ex.parameter(QStringLiteral("failoverType")));
    QCOMPARE(sent[2].method, QByteArrayLiteral("GET")); // the Location
    QVERIFY2(sent[2].path.contains(QStringLiteral("/asyncoperations/")), qPrintable(sent[2].path));
    QCOMPARE(sent[3].method, QByteArrayLiteral("GET"));
    QCOMPARE(sent[3].path, kStorageId);
}

void tst_AzureSteps::storageUnplanned()
{
    const AzureExample ex = AzureExample::load(QStringLiteral("storage/StorageAccountFailover.json"));
    m_server.enqueue(json(200, storageAccount(QStringLiteral("eastus"), QStringLiteral("westus"), false)));
    m_server.enqueueExample(ex, 200);
    m_server.enqueue(json(200, storageAccount(QStringLiteral("westus"), QString(), false, QStringLiteral("Standard_LRS"))));
    FailoverController controller(profile(QStringLiteral("unplanned"), false));
    const StepOutcome o = runStep(controller, Flow::UnplannedFailover, QStringLiteral("azure.storage-failover"));
    QVERIFY2(o.ok, qPrintable(o.detail));
    QVERIFY2(o.detail.contains(QStringLiteral("failed over (unplanned)")), qPrintable(o.detail));
    QVERIFY2(o.detail.contains(QStringLiteral("WARNING: the account is now locally redundant (LRS) until geo-redundancy is configured again")), qPrintable(o.detail));
    QVERIFY2(o.detail.contains(QStringLiteral("Last Sync Time 2018-10-30T00:25:34Z")), qPrintable(o.detail));
    QCOMPARE(o.data.value(QStringLiteral("storageFailover")).toObject().value(QStringLiteral("locallyRedundant")).toBool(), true);
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 3);
    QCOMPARE(sent[1].method, QByteArrayLiteral("POST"));
    QCOMPARE(sent[1].path, kStorageId + QStringLiteral("/failover"));
    QVERIFY(!sent[1].query.hasQueryItem(QStringLiteral("failoverType")));
    QCOMPARE(sent[1].query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
    // The plan says it too, before anyone runs it.
    FlowRequest req{Flow::UnplannedFailover, QStringLiteral("east"), QStringLiteral("west"), {}, {}, {}};
    const auto rb = controller.plan(req);
    DR_VERIFY_OK(rb);
    const auto step = std::find_if(rb->steps.cbegin(), rb->steps.cend(), [](const Step &s) { return s.id == u"azure.storage-failover"; });
    QVERIFY(step != rb->steps.cend());
    QVERIFY2(step->description.contains(QStringLiteral("WARNING: the account is left locally redundant (LRS)")), qPrintable(step->description));
}

void tst_AzureSteps::storageRefusedWithoutPlannedFailover()
{
    // The example as published says canFailover but not canPlannedFailover: no planned failover.
    m_server.enqueueExample(AzureExample::load(QStringLiteral("storage/StorageAccountGetProperties.json")), 200);
    Profile p = profile(QStringLiteral("planned"), false);
    p.regions[1].location = QStringLiteral("northcentralus(stage)");
    FailoverController controller(p);
    const StepOutcome o = runStep(controller, Flow::PlannedFailover, QStringLiteral("azure.storage-failover"));
    QVERIFY(!o.ok);
    QVERIFY2(o.detail.contains(QStringLiteral("cannot fail over planned now: canPlannedFailover is not reported")), qPrintable(o.detail));
    QVERIFY2(o.detail.contains(QStringLiteral("resume to try again, or roll back")), qPrintable(o.detail));
    QCOMPARE(armRequests().size(), 1); // nothing was asked of the account
}

void tst_AzureSteps::storageAlreadyThere()
{
    // Resumed after the failover went through: the step sees it and asks nothing more.
    m_server.enqueue(json(200, storageAccount(QStringLiteral("westus"), QStringLiteral("eastus"), true)));
    FailoverController controller(profile(QStringLiteral("planned"), false));
    const StepOutcome o = runStep(controller, Flow::PlannedFailover, QStringLiteral("azure.storage-failover"));
    QVERIFY2(o.ok, qPrintable(o.detail));
    QVERIFY2(o.detail.contains(QStringLiteral("already has its primary in west")), qPrintable(o.detail));
    QCOMPARE(armRequests().size(), 1);
}

void tst_AzureSteps::cosmosPlanned()
{
    const AzureExample ex = AzureExample::load(QStringLiteral("cosmosdb/CosmosDBDatabaseAccountFailoverPriorityChange.json"));
    m_server.enqueue(json(200, cosmosAccount(QStringLiteral("East US"), QStringLiteral("West US"))));
    m_server.enqueueExample(ex, 202);
    m_server.enqueue(json(200, {{QStringLiteral("status"), QStringLiteral("Succeeded")}}));
    m_server.enqueue(json(200, cosmosAccount(QStringLiteral("West US"), QStringLiteral("East US"))));
    FailoverController controller(profile(QStringLiteral("none"), true));
    const StepOutcome o = runStep(controller, Flow::PlannedFailover, QStringLiteral("azure.cosmos-failover"));
    QVERIFY2(o.ok, qPrintable(o.detail));
    QCOMPARE(o.detail, QStringLiteral("Cosmos DB account ddb1 writes in West US; failover priorities West US 0, East US 1"));
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 4);
    QCOMPARE(sent[0].path, kCosmosId);
    QCOMPARE(sent[1].method, QByteArrayLiteral("POST"));
    QCOMPARE(sent[1].path, kCosmosId + QStringLiteral("/failoverPriorityChange"));
    QCOMPARE(sent[1].query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
    // The example's body shape, with the target first.
    const QJsonObject shape = ex.requestBody(QStringLiteral("failoverParameters")).toObject();
    const QJsonObject asked = sent[1].json().toObject();
    QCOMPARE(asked.keys(), shape.keys());
    const QJsonArray policies = asked.value(QStringLiteral("failoverPolicies")).toArray();
    QCOMPARE(policies.size(), 2);
    QCOMPARE(policies[0].toObject().keys(), shape.value(QStringLiteral("failoverPolicies")).toArray().first().toObject().keys());
    QCOMPARE(policies[0].toObject().value(QStringLiteral("locationName")).toString(), QStringLiteral("West US"));
    QCOMPARE(policies[0].toObject().value(QStringLiteral("failoverPriority")).toInt(), 0);
    QCOMPARE(policies[1].toObject().value(QStringLiteral("locationName")).toString(), QStringLiteral("East US"));
    QCOMPARE(policies[1].toObject().value(QStringLiteral("failoverPriority")).toInt(), 1);
    QVERIFY(sent[2].path.contains(QStringLiteral("/operationsStatus/")));
    QCOMPARE(sent[3].path, kCosmosId);
}

void tst_AzureSteps::cosmosUnplanned()
{
    const AzureExample offline = AzureExample::load(QStringLiteral("cosmosdb/CosmosDBDatabaseAccountOfflineRegion.json"));
    const AzureExample priority = AzureExample::load(QStringLiteral("cosmosdb/CosmosDBDatabaseAccountFailoverPriorityChange.json"));
    m_server.enqueue(json(200, cosmosAccount(QStringLiteral("East US"), QStringLiteral("West US"))));
    m_server.enqueueExample(offline, 200);
    m_server.enqueueExample(priority, 204);
    m_server.enqueue(json(200, cosmosAccount(QStringLiteral("West US"), QStringLiteral("East US"))));
    FailoverController controller(profile(QStringLiteral("none"), true));
    const StepOutcome o = runStep(controller, Flow::UnplannedFailover, QStringLiteral("azure.cosmos-failover"));
    QVERIFY2(o.ok, qPrintable(o.detail));
    QVERIFY2(o.detail.contains(QStringLiteral("writes in West US")), qPrintable(o.detail));
    const QList<RecordedRequest> sent = armRequests();
    QCOMPARE(sent.size(), 4);
    QCOMPARE(sent[1].method, QByteArrayLiteral("POST"));
    QCOMPARE(sent[1].path, kCosmosId + QStringLiteral("/offlineRegion"));
    QCOMPARE(sent[1].json().toObject().keys(), offline.requestBody(QStringLiteral("regionParameterForOffline")).toObject().keys());
    QCOMPARE(sent[1].json().toObject().value(QStringLiteral("region")).toString(), QStringLiteral("East US"));
    QCOMPARE(sent[2].path, kCosmosId + QStringLiteral("/failoverPriorityChange"));
    const QJsonArray policies = sent[2].json().toObject().value(QStringLiteral("failoverPolicies")).toArray();
    QCOMPARE(policies.size(), 2);
    QCOMPARE(policies.last().toObject().value(QStringLiteral("locationName")).toString(), QStringLiteral("East US")); // the lost region last
    QCOMPARE(o.data.value(QStringLiteral("cosmosFailover")).toObject().value(QStringLiteral("offlineRegion")).toString(), QStringLiteral("East US"));
}

void tst_AzureSteps::withoutCredentials()
{
    FailoverController controller(profile(QStringLiteral("planned"), true, false));
    for (const QString &id : {QStringLiteral("azure.storage-failover"), QStringLiteral("azure.cosmos-failover")}) {
        const StepOutcome o = runStep(controller, Flow::PlannedFailover, id);
        QVERIFY(!o.ok);
        QVERIFY2(o.detail.contains(QStringLiteral("no Azure credentials")), qPrintable(o.detail));
    }
    QVERIFY(armRequests().isEmpty());
}

QTEST_GUILESS_MAIN(tst_AzureSteps)
#include "tst_azuresteps.moc"
