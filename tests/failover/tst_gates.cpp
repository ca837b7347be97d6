// The readiness gates, judged from status snapshots shaped like drctl status --json: each gate
// passes, fails with its reason, is skipped for the flows it does not apply to, and yields to
// break-glass only where it may.

#include "failover/gates.h"

#include <QJsonArray>
#include <QTest>

using namespace dr;

namespace {

Profile labProfile(Environment environment = Environment::Lab)
{
    Profile p;
    p.name = QStringLiteral("gates");
    p.filePath = QStringLiteral("/tmp/gates.json");
    p.environment = environment;
    p.objectives.rpoSeconds = 60;
    p.objectives.certificateWarningDays = 30;
    p.objectives.indexLagDocuments = 0;
    p.objectives.indexLagSeconds = 60;
    Region west;
    west.id = QStringLiteral("west");
    west.role = RegionRole::Primary;
    Region north;
    north.id = QStringLiteral("north");
    north.role = RegionRole::Secondary;
    p.regions = {west, north};
    p.indexSync = IndexSyncSettings{};
    p.storageReplication = StorageReplicationSettings{};
    p.runbook.cooldownMs = 300 * 1000;
    return p;
}

QJsonObject component(const QString &id, const QString &state)
{
    return {{QStringLiteral("id"), id}, {QStringLiteral("state"), state}, {QStringLiteral("detail"), QStringLiteral("HTTP 200")}};
}

QJsonObject certificate(const QString &id, const QJsonValue &region, int daysLeft, const QString &state = QStringLiteral("ok"))
{
    return {{QStringLiteral("id"), id}, {QStringLiteral("region"), region}, {QStringLiteral("daysLeft"), daysLeft},
            {QStringLiteral("state"), state}, {QStringLiteral("detail"), QStringLiteral("valid")}};
}

// Both regions healthy, west serving, replication live, index in sync.
QJsonObject healthySnapshot()
{
    const QJsonArray components{component(QStringLiteral("bot-api"), QStringLiteral("ok")), component(QStringLiteral("search-index"), QStringLiteral("ok"))};
    return {
        {QStringLiteral("activeRegion"), QStringLiteral("west")},
        {QStringLiteral("routing"), QJsonObject{{QStringLiteral("state"), QStringLiteral("ok")}, {QStringLiteral("detail"), QStringLiteral("west serves")}}},
        {QStringLiteral("regions"), QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("west")}, {QStringLiteral("components"), components}},
                                               QJsonObject{{QStringLiteral("id"), QStringLiteral("north")}, {QStringLiteral("components"), components}}}},
        {QStringLiteral("certificates"), QJsonArray{certificate(QStringLiteral("global"), QJsonValue::Null, 90),
                                                    certificate(QStringLiteral("west"), QStringLiteral("west"), 90),
                                                    certificate(QStringLiteral("north"), QStringLiteral("north"), 90)}},
        {QStringLiteral("storageReplication"), QJsonObject{{QStringLiteral("state"), QStringLiteral("ok")}, {QStringLiteral("lagSeconds"), 2},
                                                           {QStringLiteral("lastSyncTime"), QStringLiteral("2026-01-01T00:00:00Z")},
                                                           {QStringLiteral("detail"), QStringLiteral("live, last sync 2 s ago")}}},
        {QStringLiteral("indexSync"), QJsonObject{{QStringLiteral("state"), QStringLiteral("ok")}, {QStringLiteral("lagDocuments"), 0},
                                                  {QStringLiteral("lagSeconds"), 0}, {QStringLiteral("detail"), QStringLiteral("in sync")}}},
    };
}

SignedInOperator who(const QString &name, Role role)
{
    return {name, role, QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC)};
}

GateResult find(const QList<GateResult> &gates, const QString &id)
{
    for (const GateResult &g : gates) {
        if (g.id == id)
            return g;
    }
    return {};
}

} // namespace

class tst_Gates : public QObject
{
    Q_OBJECT

private:
    Profile m_profile = labProfile();

    GateInputs inputs(Flow flow = Flow::PlannedFailover)
    {
        GateInputs in;
        in.profile = &m_profile;
        in.flow = flow;
        in.source = flow == Flow::Failback ? QStringLiteral("north") : QStringLiteral("west");
        in.target = flow == Flow::Failback ? QStringLiteral("west") : QStringLiteral("north");
        in.snapshot = healthySnapshot();
        if (flow == Flow::Failback)
            in.snapshot.insert(QStringLiteral("activeRegion"), QStringLiteral("north"));
        in.now = QDateTime(QDate(2026, 1, 1), QTime(0, 1), Qt::UTC);
        in.operatorSignedIn = who(QStringLiteral("ops"), Role::Operator);
        return in;
    }

private slots:
    void healthyLabPassesEveryGate()
    {
        const QList<GateResult> gates = evaluateGates(inputs());
        QCOMPARE(gates.size(), 8);
        for (const GateResult &g : gates)
            QVERIFY2(g.outcome == GateOutcome::Pass, qPrintable(g.id + u": " + g.reason));
        QVERIFY(gatesAllow(gates));
    }

    void targetComponentDownFails()
    {
        GateInputs in = inputs();
        QJsonArray regions = in.snapshot.value(QStringLiteral("regions")).toArray();
        QJsonObject north = regions.at(1).toObject();
        north.insert(QStringLiteral("components"), QJsonArray{component(QStringLiteral("bot-api"), QStringLiteral("down"))});
        regions.replace(1, north);
        in.snapshot.insert(QStringLiteral("regions"), regions);
        const GateResult g = find(evaluateGates(in), QStringLiteral("gate.target-components"));
        QCOMPARE(g.outcome, GateOutcome::Fail);
        QVERIFY2(g.reason.contains(QStringLiteral("north: bot-api down")), qPrintable(g.reason));
        QVERIFY(g.overridable);
        // The source's health is not the target gate's business.
        in = inputs();
        regions = in.snapshot.value(QStringLiteral("regions")).toArray();
        QJsonObject west = regions.at(0).toObject();
        west.insert(QStringLiteral("components"), QJsonArray{component(QStringLiteral("bot-api"), QStringLiteral("down"))});
        regions.replace(0, west);
        in.snapshot.insert(QStringLiteral("regions"), regions);
        QCOMPARE(find(evaluateGates(in), QStringLiteral("gate.target-components")).outcome, GateOutcome::Pass);
    }

    void certificateNearExpiryFails()
    {
        GateInputs in = inputs();
        in.snapshot.insert(QStringLiteral("certificates"), QJsonArray{certificate(QStringLiteral("north"), QStringLiteral("north"), 5, QStringLiteral("degraded")),
                                                                      certificate(QStringLiteral("west"), QStringLiteral("west"), -1, QStringLiteral("down"))});
        const GateResult g = find(evaluateGates(in), QStringLiteral("gate.target-certificates"));
        QCOMPARE(g.outcome, GateOutcome::Fail);
        QVERIFY2(g.reason.contains(QStringLiteral("north expires in 5 days")), qPrintable(g.reason));
        QVERIFY2(!g.reason.contains(QStringLiteral("west")), qPrintable(g.reason)); // not the target's
    }

    void replicationLagOverRpoFails()
    {
        GateInputs in = inputs();
        QJsonObject s = in.snapshot.value(QStringLiteral("storageReplication")).toObject();
        s.insert(QStringLiteral("lagSeconds"), 120);
        s.insert(QStringLiteral("state"), QStringLiteral("degraded"));
        in.snapshot.insert(QStringLiteral("storageReplication"), s);
        const GateResult g = find(evaluateGates(in), QStringLiteral("gate.storage-replication"));
        QCOMPARE(g.outcome, GateOutcome::Fail);
        QVERIFY2(g.reason.contains(QStringLiteral("RPO 60 s")), qPrintable(g.reason));
    }

    void indexLagFailsWithTheSyncRemedy()
    {
        GateInputs in = inputs();
        QJsonObject s = in.snapshot.value(QStringLiteral("indexSync")).toObject();
        s.insert(QStringLiteral("lagDocuments"), 12);
        in.snapshot.insert(QStringLiteral("indexSync"), s);
        const GateResult g = find(evaluateGates(in), QStringLiteral("gate.index-lag"));
        QCOMPARE(g.outcome, GateOutcome::Fail);
        QVERIFY2(g.reason.startsWith(QStringLiteral("12 documents")), qPrintable(g.reason));
        QVERIFY2(g.remedy.contains(QStringLiteral("drctl sync-index --profile /tmp/gates.json --from west --to north")), qPrintable(g.remedy));
    }

    void viewerIsRefusedAndCannotBeOverridden()
    {
        GateInputs in = inputs();
        in.operatorSignedIn = who(QStringLiteral("watcher"), Role::Viewer);
        in.breakGlassReason = QStringLiteral("primary on fire");
        const QList<GateResult> gates = evaluateGates(in);
        const GateResult g = find(gates, QStringLiteral("gate.operator-role"));
        QCOMPARE(g.outcome, GateOutcome::Fail);
        QVERIFY(!g.overridable);
        QVERIFY(!gatesAllow(gates));
        // Before anyone signs in (the wizard's readiness page), the role is judged later.
        in.operatorSignedIn.reset();
        QCOMPARE(find(evaluateGates(in), QStringLiteral("gate.operator-role")).outcome, GateOutcome::Skipped);
    }

    void productionNeedsADifferentApprover()
    {
        m_profile = labProfile(Environment::Production);
        GateInputs in = inputs();
        QCOMPARE(find(evaluateGates(in), QStringLiteral("gate.approval")).outcome, GateOutcome::Fail);
        in.approver = who(QStringLiteral("ops"), Role::Approver); // the same person
        QCOMPARE(find(evaluateGates(in), QStringLiteral("gate.approval")).outcome, GateOutcome::Fail);
        in.approver = who(QStringLiteral("boss"), Role::Approver);
        QCOMPARE(find(evaluateGates(in), QStringLiteral("gate.approval")).outcome, GateOutcome::Pass);
        m_profile = labProfile();
    }

    void routingMustServeFromTheSource()
    {
        GateInputs in = inputs();
        in.snapshot.insert(QStringLiteral("activeRegion"), QStringLiteral("north"));
        const GateResult g = find(evaluateGates(in), QStringLiteral("gate.routing"));
        QCOMPARE(g.outcome, GateOutcome::Fail);
        QVERIFY2(g.reason.contains(QStringLiteral("north already serves")), qPrintable(g.reason));
        // Unplanned: whoever serves, the switch pins the target.
        in.flow = Flow::UnplannedFailover;
        QCOMPARE(find(evaluateGates(in), QStringLiteral("gate.routing")).outcome, GateOutcome::Pass);
    }

    void cooldownYieldsOnlyToBreakGlass()
    {
        GateInputs in = inputs();
        in.lastSwitchAt = in.now.addSecs(-60);
        GateResult g = find(evaluateGates(in), QStringLiteral("gate.cooldown"));
        QCOMPARE(g.outcome, GateOutcome::Fail);
        QVERIFY2(g.reason.contains(QStringLiteral("lasts until 2026-01-01T00:05:00Z")), qPrintable(g.reason));
        in.breakGlassReason = QStringLiteral("second incident");
        g = find(evaluateGates(in), QStringLiteral("gate.cooldown"));
        QCOMPARE(g.outcome, GateOutcome::Overridden);
        QVERIFY(g.reason.contains(QStringLiteral("second incident")));
        in.breakGlassReason.clear();
        in.lastSwitchAt = in.now.addSecs(-301);
        QCOMPARE(find(evaluateGates(in), QStringLiteral("gate.cooldown")).outcome, GateOutcome::Pass);
        in.lastSwitchAt = in.now.addSecs(-1);
        in.sameRunSwitched = true;
        QCOMPARE(find(evaluateGates(in), QStringLiteral("gate.cooldown")).outcome, GateOutcome::Skipped);
    }

    void unplannedSkipsWhatNeedsTheSource()
    {
        GateInputs in = inputs(Flow::UnplannedFailover);
        QJsonObject s = in.snapshot.value(QStringLiteral("storageReplication")).toObject();
        s.insert(QStringLiteral("state"), QStringLiteral("down"));
        in.snapshot.insert(QStringLiteral("storageReplication"), s);
        const QList<GateResult> gates = evaluateGates(in);
        const GateResult storage = find(gates, QStringLiteral("gate.storage-replication"));
        QCOMPARE(storage.outcome, GateOutcome::Skipped);
        QVERIFY2(storage.reason.contains(QStringLiteral("2026-01-01T00:00:00Z")), qPrintable(storage.reason));
        QCOMPARE(find(gates, QStringLiteral("gate.index-lag")).outcome, GateOutcome::Skipped);
        QVERIFY(gatesAllow(gates));
    }

    void breakGlassOverridesOnlyOverridableGates()
    {
        GateInputs in = inputs(Flow::UnplannedFailover);
        QJsonArray regions = in.snapshot.value(QStringLiteral("regions")).toArray();
        QJsonObject north = regions.at(1).toObject();
        north.insert(QStringLiteral("components"), QJsonArray{component(QStringLiteral("search-index"), QStringLiteral("degraded"))});
        regions.replace(1, north);
        in.snapshot.insert(QStringLiteral("regions"), regions);
        QVERIFY(!gatesAllow(evaluateGates(in)));
        in.breakGlassReason = QStringLiteral("west region lost, search degraded is acceptable");
        const QList<GateResult> gates = evaluateGates(in);
        QCOMPARE(find(gates, QStringLiteral("gate.target-components")).outcome, GateOutcome::Overridden);
        QVERIFY(gatesAllow(gates));
    }

    void failbackLeavesTheIndexToTheReverseSync()
    {
        GateInputs in = inputs(Flow::Failback);
        QJsonObject s = in.snapshot.value(QStringLiteral("indexSync")).toObject();
        s.insert(QStringLiteral("lagDocuments"), 40);
        in.snapshot.insert(QStringLiteral("indexSync"), s);
        const QList<GateResult> gates = evaluateGates(in);
        QCOMPARE(find(gates, QStringLiteral("gate.index-lag")).outcome, GateOutcome::Skipped);
        QCOMPARE(find(gates, QStringLiteral("gate.routing")).outcome, GateOutcome::Pass);
        QVERIFY(gatesAllow(gates));
    }

    void readinessNeedsNoApprovalAndAnyRole()
    {
        m_profile = labProfile(Environment::Production);
        GateInputs in = inputs(Flow::Readiness);
        in.operatorSignedIn = who(QStringLiteral("watcher"), Role::Viewer);
        const QList<GateResult> gates = evaluateGates(in);
        QCOMPARE(find(gates, QStringLiteral("gate.operator-role")).outcome, GateOutcome::Pass);
        QCOMPARE(find(gates, QStringLiteral("gate.approval")).outcome, GateOutcome::Skipped);
        QVERIFY(gatesAllow(gates));
        m_profile = labProfile();
    }

    void flowNamesRoundTrip()
    {
        for (Flow f : {Flow::PlannedFailover, Flow::UnplannedFailover, Flow::Failback, Flow::Drill, Flow::Readiness})
            QCOMPARE(flowFromName(flowName(f)), std::optional<Flow>(f));
        QCOMPARE(flowFromName(QStringLiteral("teleport")), std::optional<Flow>());
    }
};

QTEST_GUILESS_MAIN(tst_Gates)
#include "tst_gates.moc"
