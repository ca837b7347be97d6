// Failover, failback, drills and resume on the live lab, driven through the real drctl and
// drlab binaries the way a script or a drill would: refusals with their reasons, a planned
// failover under traffic with no failed request, failback carrying the changes made while
// failed over, an unplanned failover with the primary down, kill -9 at each step followed by
// resume, two concurrent failovers, and an intact audit trail at the end.

#include "labsession.h"
#include "toolrun.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using dr::test::runTool;
using dr::test::ToolRun;

class tst_Failover : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void refusals_data();
    void refusals();
    void plannedFailoverUnderTrafficThenFailback();
    void unplannedFailoverWithThePrimaryDown();
    void drillKeepsAScorecard();
    void killAtEachStepThenResume_data();
    void killAtEachStepThenResume();
    void killThenRollBack();
    void twoConcurrentFailoversOneProceeds();
    void auditTrailIsIntact();

private:
    bool waitHealthy(QJsonObject *last);
    // Fails over west -> north (planned), or back, and checks the outcome.
    void failover(const QString &to);
    void failback();
    // After a switch the lab's cooldown (runbook.cooldownSeconds 5) must pass.
    static void cooldown() { QTest::qWait(5500); }
    static QString activeRegion(const QJsonObject &status) { return status.value(QStringLiteral("activeRegion")).toString(); }
    static int enabledServers(const QJsonObject &status);
    static bool allOk(const QJsonObject &status);

    dr::test::LabSession m_lab{QStringLiteral(DRLAB_PATH), QStringLiteral(DRCTL_PATH)};
};

void tst_Failover::initTestCase()
{
    const QString up = m_lab.up();
    QVERIFY2(up.isEmpty(), qPrintable(up));
    QJsonObject last;
    QVERIFY2(waitHealthy(&last), QJsonDocument(last).toJson().constData());
}

void tst_Failover::cleanupTestCase()
{
    m_lab.down();
}

bool tst_Failover::waitHealthy(QJsonObject *last)
{
    return m_lab.waitFor([](const QJsonObject &s) {
        return allOk(s) && s.value(QStringLiteral("indexSync")).toObject().value(QStringLiteral("lagDocuments")).toInt(-1) == 0;
    }, last, 60000);
}

bool tst_Failover::allOk(const QJsonObject &s)
{
    if (!dr::test::LabSession::allComponentsOk(s))
        return false;
    for (const QJsonValue &c : s.value(QStringLiteral("certificates")).toArray()) {
        if (c.toObject().value(QStringLiteral("state")).toString() != u"ok")
            return false;
    }
    return s.value(QStringLiteral("storageReplication")).toObject().value(QStringLiteral("state")).toString() == u"ok";
}

int tst_Failover::enabledServers(const QJsonObject &status)
{
    int n = 0;
    for (const QJsonValue &v : status.value(QStringLiteral("routing")).toObject().value(QStringLiteral("servers")).toArray()) {
        if (!v.toObject().value(QStringLiteral("status")).toString().startsWith(QStringLiteral("MAINT")))
            ++n;
    }
    return n;
}

void tst_Failover::failover(const QString &to)
{
    const ToolRun run = m_lab.drctl(QStringList{QStringLiteral("failover"), QStringLiteral("--mode"), QStringLiteral("planned"), QStringLiteral("--to"), to,
                                          QStringLiteral("--yes"), QStringLiteral("--json")} + m_lab.as(QStringLiteral("lab-operator")));
    if (run.exitCode != 0)
        qWarning().noquote() << run.err; // whole: a failure message is cut at 1,000 characters
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const QJsonObject doc = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(doc.value(QStringLiteral("state")).toString(), QStringLiteral("succeeded"));
    QCOMPARE(activeRegion(m_lab.status()), to);
}

void tst_Failover::failback()
{
    const ToolRun run = m_lab.drctl(QStringList{QStringLiteral("failback"), QStringLiteral("--yes"), QStringLiteral("--json")} + m_lab.as(QStringLiteral("lab-operator")));
    if (run.exitCode != 0)
        qWarning().noquote() << run.err; // whole: a failure message is cut at 1,000 characters
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const QJsonObject s = m_lab.status();
    QCOMPARE(activeRegion(s), QStringLiteral("west"));
    QCOMPARE(enabledServers(s), 2); // north is the standby again
}

void tst_Failover::refusals_data()
{
    QTest::addColumn<QStringList>("fault");
    QTest::addColumn<QString>("who");
    QTest::addColumn<QString>("reason");
    QTest::newRow("viewer") << QStringList{} << QStringLiteral("lab-viewer") << QStringLiteral("viewer");
    QTest::newRow("target down") << QStringList{QStringLiteral("component-down"), QStringLiteral("north"), QStringLiteral("knowledge-base")}
                                 << QStringLiteral("lab-operator") << QStringLiteral("north: knowledge-base down");
    QTest::newRow("certificate near expiry") << QStringList{QStringLiteral("cert-expiry"), QStringLiteral("north"), QStringLiteral("10")}
                                             << QStringLiteral("lab-operator") << QStringLiteral("north expires in 10 days");
    QTest::newRow("certificate expired") << QStringList{QStringLiteral("cert-expiry"), QStringLiteral("north"), QStringLiteral("--"), QStringLiteral("-1")}
                                         << QStringLiteral("lab-operator") << QStringLiteral("expired");
    QTest::newRow("replication lag over RPO") << QStringList{QStringLiteral("replication-lag"), QStringLiteral("120")}
                                              << QStringLiteral("lab-operator") << QStringLiteral("RPO 60 s");
}

void tst_Failover::refusals()
{
    QFETCH(QStringList, fault);
    QFETCH(QString, who);
    QFETCH(QString, reason);
    if (!fault.isEmpty()) {
        const ToolRun f = m_lab.drlab(QStringList{QStringLiteral("fault")} + fault);
        QVERIFY2(f.exitCode == 0, f.err.constData());
        // Let the fault show in a status sample before trying.
        QJsonObject last;
        QVERIFY2(m_lab.waitFor([](const QJsonObject &s) { return !allOk(s); }, &last), QJsonDocument(last).toJson().constData());
    }
    const ToolRun run = m_lab.drctl(QStringList{QStringLiteral("failover"), QStringLiteral("--mode"), QStringLiteral("planned"), QStringLiteral("--to"),
                                          QStringLiteral("north"), QStringLiteral("--yes")} + m_lab.as(who));
    if (!fault.isEmpty()) {
        m_lab.drlab({QStringLiteral("fault"), QStringLiteral("heal")});
    }
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(reason.toUtf8()), run.err.constData());
    // Nothing moved.
    QJsonObject last;
    QVERIFY2(waitHealthy(&last), QJsonDocument(last).toJson().constData());
    QCOMPARE(activeRegion(last), QStringLiteral("west"));
    QCOMPARE(enabledServers(last), 2);
}

void tst_Failover::plannedFailoverUnderTrafficThenFailback()
{
    // Users keep chatting through the global endpoint while the service moves.
    QProcess traffic;
    traffic.start(QStringLiteral(DRLAB_PATH), {QStringLiteral("traffic"), QStringLiteral("--dir"), m_lab.dir(), QStringLiteral("--seconds"),
                                               QStringLiteral("15"), QStringLiteral("--rate"), QStringLiteral("20"), QStringLiteral("--json")});
    QVERIFY(traffic.waitForStarted());
    QTest::qWait(1500);
    const ToolRun run = m_lab.drctl(QStringList{QStringLiteral("failover"), QStringLiteral("--mode"), QStringLiteral("planned"), QStringLiteral("--to"),
                                          QStringLiteral("north"), QStringLiteral("--yes"), QStringLiteral("--json")} + m_lab.as(QStringLiteral("lab-operator")));
    if (run.exitCode != 0)
        qWarning().noquote() << run.err; // whole: a failure message is cut at 1,000 characters
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY(traffic.waitForFinished(60000));
    const QJsonObject seen = QJsonDocument::fromJson(traffic.readAllStandardOutput()).object();
    QVERIFY2(seen.value(QStringLiteral("sent")).toInt() > 100, QJsonDocument(seen).toJson().constData());
    QCOMPARE(seen.value(QStringLiteral("failed")).toInt(), 0);
    QVERIFY2(seen.value(QStringLiteral("byRegion")).toObject().value(QStringLiteral("north")).toInt() > 0, QJsonDocument(seen).toJson().constData());

    // The record: every step succeeded (or was skipped), RTO and RPO exposure measured.
    const QJsonObject doc = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(doc.value(QStringLiteral("state")).toString(), QStringLiteral("succeeded"));
    const QJsonObject data = doc.value(QStringLiteral("data")).toObject();
    QVERIFY2(data.value(QStringLiteral("rtoMs")).toInteger() > 0, QJsonDocument(data).toJson().constData());
    QVERIFY(data.contains(QStringLiteral("rpoExposureSeconds")));
    QCOMPARE(data.value(QStringLiteral("indexLagDocuments")).toInt(-1), 0);
    QStringList ids;
    for (const QJsonValue &v : doc.value(QStringLiteral("steps")).toArray()) {
        const QJsonObject step = v.toObject();
        ids << step.value(QStringLiteral("id")).toString();
        QVERIFY2(step.value(QStringLiteral("state")).toString() == u"succeeded" || step.value(QStringLiteral("state")).toString() == u"skipped",
                 QJsonDocument(step).toJson().constData());
    }
    for (const char *id : {"lock.acquire", "gate.target-components", "ack.kb-freeze", "sync.index", "switch.enable-target",
                           "switch.disable-source", "verify.synthetic-chat", "record.objectives", "lock.release"})
        QVERIFY2(ids.contains(QLatin1String(id)), qPrintable(ids.join(u' ')));
    QJsonObject s = m_lab.status();
    QCOMPARE(activeRegion(s), QStringLiteral("north"));
    QCOMPARE(enabledServers(s), 1); // west stays in maintenance: no flapping back

    // Knowledge-base changes made while failed over go back with the failback.
    const ToolRun drift = m_lab.drlab({QStringLiteral("fault"), QStringLiteral("index-drift"), QStringLiteral("north"), QStringLiteral("25")});
    QVERIFY2(drift.exitCode == 0, drift.err.constData());
    cooldown();
    failback();
    QJsonObject last;
    QVERIFY2(m_lab.waitFor([](const QJsonObject &s) {
                 const QJsonObject sync = s.value(QStringLiteral("indexSync")).toObject();
                 return sync.value(QStringLiteral("lagDocuments")).toInt(-1) == 0 && sync.value(QStringLiteral("sourceCount")).toInt() == 2425;
             }, &last), QJsonDocument(last.value(QStringLiteral("indexSync")).toObject()).toJson().constData());
    cooldown();
}

void tst_Failover::unplannedFailoverWithThePrimaryDown()
{
    QVERIFY(m_lab.drlab({QStringLiteral("fault"), QStringLiteral("region-down"), QStringLiteral("west")}).exitCode == 0);
    QJsonObject last;
    QVERIFY(m_lab.waitFor([](const QJsonObject &s) { return !allOk(s); }, &last));
    // A planned failover needs the source: refused.
    ToolRun run = m_lab.drctl(QStringList{QStringLiteral("failover"), QStringLiteral("--mode"), QStringLiteral("planned"), QStringLiteral("--to"),
                                    QStringLiteral("north"), QStringLiteral("--yes")} + m_lab.as(QStringLiteral("lab-operator")));
    QCOMPARE(run.exitCode, 1);
    run = m_lab.drctl(QStringList{QStringLiteral("failover"), QStringLiteral("--mode"), QStringLiteral("unplanned"), QStringLiteral("--to"),
                            QStringLiteral("north"), QStringLiteral("--yes"), QStringLiteral("--json")} + m_lab.as(QStringLiteral("lab-operator")));
    if (run.exitCode != 0)
        qWarning().noquote() << run.err; // whole: a failure message is cut at 1,000 characters
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const QJsonObject doc = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(doc.value(QStringLiteral("mode")).toString(), QStringLiteral("unplanned"));
    QVERIFY(doc.value(QStringLiteral("data")).toObject().contains(QStringLiteral("rpoExposureSeconds")));
    bool skippedSync = false;
    for (const QJsonValue &v : doc.value(QStringLiteral("steps")).toArray()) {
        if (v.toObject().value(QStringLiteral("id")).toString() == u"sync.index")
            skippedSync = v.toObject().value(QStringLiteral("state")).toString() == u"skipped";
    }
    QVERIFY(skippedSync);
    QCOMPARE(activeRegion(m_lab.status()), QStringLiteral("north"));

    // West recovers: it stays out of rotation until the failback.
    QVERIFY(m_lab.drlab({QStringLiteral("fault"), QStringLiteral("region-up"), QStringLiteral("west")}).exitCode == 0);
    QVERIFY2(waitHealthy(&last), QJsonDocument(last).toJson().constData());
    QCOMPARE(activeRegion(last), QStringLiteral("north"));
    cooldown();
    failback();
    cooldown();
}

void tst_Failover::drillKeepsAScorecard()
{
    const ToolRun run = m_lab.drctl(QStringList{QStringLiteral("drill"), QStringLiteral("--yes"), QStringLiteral("--json")} + m_lab.as(QStringLiteral("lab-operator")));
    if (run.exitCode != 0)
        qWarning().noquote() << run.err; // whole: a failure message is cut at 1,000 characters
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const QJsonObject data = QJsonDocument::fromJson(run.out).object().value(QStringLiteral("data")).toObject();
    const QJsonObject card = data.value(QStringLiteral("scorecard")).toObject();
    QVERIFY2(!card.value(QStringLiteral("items")).toArray().isEmpty(), QJsonDocument(data).toJson().constData());
    QCOMPARE(card.value(QStringLiteral("verdict")).toString(), QStringLiteral("PASS"));
    QVERIFY(data.value(QStringLiteral("back.rtoMs")).toInteger() > 0);
    const QJsonObject s = m_lab.status();
    QCOMPARE(activeRegion(s), QStringLiteral("west"));
    QCOMPARE(enabledServers(s), 2);
    cooldown();
}

void tst_Failover::killAtEachStepThenResume_data()
{
    QTest::addColumn<QString>("step");
    for (const char *step : {"lock.acquire", "sync.index", "switch.disable-source", "verify.synthetic-chat"})
        QTest::newRow(step) << QString::fromLatin1(step);
}

void tst_Failover::killAtEachStepThenResume()
{
    QFETCH(QString, step);
    // drctl prints "[i/N] TITLE" when a step starts; the step's title is found from the plan.
    QProcess p;
    p.start(QStringLiteral(DRCTL_PATH), QStringList{QStringLiteral("failover"), QStringLiteral("--profile"), m_lab.profilePath(), QStringLiteral("--mode"),
                                                    QStringLiteral("planned"), QStringLiteral("--to"), QStringLiteral("north"), QStringLiteral("--yes"),
                                                    QStringLiteral("--verbose")} + m_lab.as(QStringLiteral("lab-operator")));
    QVERIFY(p.waitForStarted());
    QByteArray out;
    QString runId;
    QElapsedTimer t;
    t.start();
    bool killed = false;
    while (t.elapsed() < 60000 && !killed) {
        p.waitForReadyRead(100);
        out += p.readAllStandardOutput();
        for (const QByteArray &line : out.split('\n')) {
            if (line.startsWith("run "))
                runId = QString::fromUtf8(line.mid(4)).trimmed();
            if (line.startsWith("[") && line.contains(QByteArray("] " + step.toUtf8() + ":"))) {
                ::kill(pid_t(p.processId()), SIGKILL);
                killed = true;
                break;
            }
        }
        if (p.state() == QProcess::NotRunning)
            break;
    }
    p.waitForFinished(5000);
    QVERIFY2(killed, out.constData());
    QVERIFY(!runId.isEmpty());

    // The journal knows it was interrupted.
    ToolRun runs = m_lab.drctl({QStringLiteral("runs"), QStringLiteral("--json")});
    QVERIFY2(runs.exitCode == 0, runs.err.constData());
    bool interrupted = false;
    for (const QJsonValue &v : QJsonDocument::fromJson(runs.out).object().value(QStringLiteral("runs")).toArray()) {
        if (v.toObject().value(QStringLiteral("id")).toString() == runId)
            interrupted = v.toObject().value(QStringLiteral("interrupted")).toBool();
    }
    QVERIFY2(interrupted, runs.out.constData());

    // Exactly one region serves, whatever the moment of the kill.
    QJsonObject s = m_lab.status();
    QVERIFY2(!activeRegion(s).isEmpty(), QJsonDocument(s.value(QStringLiteral("routing")).toObject()).toJson().constData());
    QVERIFY(enabledServers(s) >= 1);

    const ToolRun resumed = m_lab.drctl(QStringList{QStringLiteral("resume"), QStringLiteral("--run"), runId, QStringLiteral("--yes")} + m_lab.as(QStringLiteral("lab-operator")));
    QVERIFY2(resumed.exitCode == 0, QByteArray(resumed.out + resumed.err).constData());
    s = m_lab.status();
    QCOMPARE(activeRegion(s), QStringLiteral("north"));
    QCOMPARE(enabledServers(s), 1);
    cooldown();
    failback();
    cooldown();
}

void tst_Failover::killThenRollBack()
{
    QProcess p;
    p.start(QStringLiteral(DRCTL_PATH), QStringList{QStringLiteral("failover"), QStringLiteral("--profile"), m_lab.profilePath(), QStringLiteral("--mode"),
                                                    QStringLiteral("planned"), QStringLiteral("--to"), QStringLiteral("north"), QStringLiteral("--yes")}
                                            + m_lab.as(QStringLiteral("lab-operator")));
    QVERIFY(p.waitForStarted());
    QByteArray out;
    QString runId;
    QElapsedTimer t;
    t.start();
    bool killed = false;
    while (t.elapsed() < 60000 && !killed && p.state() != QProcess::NotRunning) {
        p.waitForReadyRead(100);
        out += p.readAllStandardOutput();
        for (const QByteArray &line : out.split('\n')) {
            if (line.startsWith("run "))
                runId = QString::fromUtf8(line.mid(4)).trimmed();
            if (line.startsWith("[") && line.contains("] verify.synthetic-chat:")) {
                ::kill(pid_t(p.processId()), SIGKILL);
                killed = true;
                break;
            }
        }
    }
    p.waitForFinished(5000);
    QVERIFY2(killed, out.constData());
    const ToolRun rolled = m_lab.drctl(QStringList{QStringLiteral("resume"), QStringLiteral("--run"), runId, QStringLiteral("--rollback"), QStringLiteral("--yes"),
                                             QStringLiteral("--json")} + m_lab.as(QStringLiteral("lab-operator")));
    QVERIFY2(rolled.exitCode != 0 || QJsonDocument::fromJson(rolled.out).object().value(QStringLiteral("state")).toString() == u"rolled-back",
             QByteArray(rolled.out + rolled.err).constData());
    QCOMPARE(QJsonDocument::fromJson(rolled.out).object().value(QStringLiteral("state")).toString(), QStringLiteral("rolled-back"));
    const QJsonObject s = m_lab.status();
    QCOMPARE(activeRegion(s), QStringLiteral("west"));
    QCOMPARE(enabledServers(s), 2);
    cooldown();
}

void tst_Failover::twoConcurrentFailoversOneProceeds()
{
    const QStringList args = QStringList{QStringLiteral("failover"), QStringLiteral("--profile"), m_lab.profilePath(), QStringLiteral("--mode"), QStringLiteral("planned"),
                                         QStringLiteral("--to"), QStringLiteral("north"), QStringLiteral("--yes")} + m_lab.as(QStringLiteral("lab-operator"));
    QProcess a, b;
    a.start(QStringLiteral(DRCTL_PATH), args);
    b.start(QStringLiteral(DRCTL_PATH), args);
    QVERIFY(a.waitForFinished(120000) && b.waitForFinished(120000));
    const QByteArray errA = a.readAllStandardError(), errB = b.readAllStandardError();
    QVERIFY2((a.exitCode() == 0) != (b.exitCode() == 0), QByteArray(errA + "\n---\n" + errB).constData());
    const QByteArray loser = a.exitCode() == 0 ? errB : errA;
    QVERIFY2(loser.contains("held by") || loser.contains("already serves"), loser.constData());
    QCOMPARE(activeRegion(m_lab.status()), QStringLiteral("north"));
    cooldown();
    failback();
}

void tst_Failover::auditTrailIsIntact()
{
    const ToolRun verify = m_lab.drctl({QStringLiteral("audit"), QStringLiteral("verify")});
    QVERIFY2(verify.exitCode == 0, QByteArray(verify.out + verify.err).constData());
    // Every run, sign-in and gate is on the record.
    const ToolRun list = m_lab.drctl({QStringLiteral("audit"), QStringLiteral("list"), QStringLiteral("--json")});
    QVERIFY2(list.exitCode == 0, list.err.constData());
    QSet<QString> kinds;
    const QJsonDocument entries = QJsonDocument::fromJson(list.out);
    const QJsonArray array = entries.isArray() ? entries.array() : entries.object().value(QStringLiteral("entries")).toArray();
    for (const QJsonValue &v : array)
        kinds.insert(v.toObject().value(QStringLiteral("kind")).toString());
    for (const char *kind : {"sign-in", "run-state", "gate", "step"})
        QVERIFY2(kinds.contains(QLatin1String(kind)), qPrintable(QStringList(kinds.begin(), kinds.end()).join(u' ')));
}

QTEST_GUILESS_MAIN(tst_Failover)
#include "tst_failover.moc"
