#include "common/datapaths.h"
#include "runbook/runjournal.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;

namespace {

QList<Step> threeSteps()
{
    QList<Step> steps;
    for (int i = 0; i < 3; ++i) {
        Step s;
        s.id = QStringLiteral("step.%1").arg(i);
        s.title = QStringLiteral("Step number %1").arg(i);
        s.kind = i == 0 ? StepKind::Gate : StepKind::Action;
        s.critical = i != 2;
        if (i == 1)
            s.undo = [](const StepContext &, std::function<void(StepOutcome)> done) {
                done(StepOutcome::success({}));
            };
        s.run = [](const StepContext &, std::function<void(StepOutcome)> done) {
            done(StepOutcome::success({}));
        };
        steps.append(s);
    }
    return steps;
}

RunRecord aRun(
    const QString &id, qint64 pid, const QString &host, RunState state = RunState::Running)
{
    RunRecord r;
    r.id = id;
    r.kind = QStringLiteral("planned-failover");
    r.mode = QStringLiteral("planned");
    r.source = QStringLiteral("west");
    r.target = QStringLiteral("north");
    r.profileName = QStringLiteral("lab");
    r.operatorName = QStringLiteral("alice");
    r.approverName = QStringLiteral("bob");
    r.host = host;
    r.pid = pid;
    r.params = QJsonObject { { QStringLiteral("target"), QStringLiteral("north") } };
    r.state = state;
    r.started = QDateTime(QDate(2026, 11, 26), QTime(10, 15, 2, 345), Qt::UTC);
    r.data = QJsonObject { { QStringLiteral("rtoMs"), 2400 } };
    return r;
}

// A pid that certainly does not exist: a child that has exited and been reaped.
qint64 deadPid()
{
    QProcess p;
    p.start(QStringLiteral("true"), {});
    p.waitForFinished(5000);
    return p.processId() > 0 ? p.processId() : 999999;
}

} // namespace

class TestRunJournal : public QObject
{
    Q_OBJECT

private slots:
    void runIdFormat();
    void defaultPathUnderProfileDataDir();
    void openCreatesSchema();
    void refusesNewerSchemaAndGarbage();
    void callsBeforeOpenFail();
    void roundTrip();
    void logLinesInOrder();
    void interruptedRuns();
    void claimRefusesLiveHolder();
    void survivesTwoJournalsOnOneFile();

private:
    QTemporaryDir m_dir;
};

void TestRunJournal::runIdFormat()
{
    const QDateTime now(QDate(2026, 11, 26), QTime(10, 15, 2), Qt::UTC);
    const QString id = RunJournal::newRunId(QStringLiteral("planned-failover"), now);
    QVERIFY2(QRegularExpression(QStringLiteral("^20261126-101502-planned-failover-[0-9a-f]{4}$"))
                 .match(id)
                 .hasMatch(),
        qPrintable(id));
    QSet<QString> ids;
    for (int i = 0; i < 50; ++i)
        ids.insert(RunJournal::newRunId(QStringLiteral("drill"), now));
    QVERIFY(ids.size() > 40); // random suffixes: collisions within one second are rare
}

void TestRunJournal::defaultPathUnderProfileDataDir()
{
    const QString data = m_dir.filePath(QStringLiteral("data"));
    qputenv("DRCONSOLE_DATA_DIR", data.toUtf8());
    Profile profile;
    profile.name = QStringLiteral("lab one");
    const QString path = RunJournal::defaultPath(profile);
    qunsetenv("DRCONSOLE_DATA_DIR");
    QCOMPARE(path, data + QStringLiteral("/profiles/lab_one/journal.sqlite"));
    QVERIFY(QFileInfo(data + QStringLiteral("/profiles/lab_one")).isDir());
}

void TestRunJournal::openCreatesSchema()
{
    const QString path = m_dir.filePath(QStringLiteral("deep/er/journal.sqlite"));
    {
        RunJournal journal(path);
        QVERIFY(journal.open().has_value());
        QVERIFY(journal.runs().has_value());
        QVERIFY(journal.runs()->isEmpty());
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("check"));
    db.setDatabaseName(path);
    QVERIFY(db.open());
    {
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("PRAGMA user_version")) && q.next());
        QCOMPARE(q.value(0).toInt(), RunJournal::kSchemaVersion);
        QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("wal"));
        QVERIFY(q.exec(
            QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")));
        QStringList tables;
        while (q.next())
            tables.append(q.value(0).toString());
        QCOMPARE(tables,
            (QStringList {
                QStringLiteral("log"), QStringLiteral("runs"), QStringLiteral("steps") }));
    }
    db.close();
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(QStringLiteral("check"));
    // Reopening an existing journal keeps it.
    RunJournal again(path);
    QVERIFY(again.open().has_value());
}

void TestRunJournal::refusesNewerSchemaAndGarbage()
{
    const QString newer = m_dir.filePath(QStringLiteral("newer.sqlite"));
    {
        QSqlDatabase db
            = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("newer"));
        db.setDatabaseName(newer);
        QVERIFY(db.open());
        QSqlQuery(db).exec(QStringLiteral("PRAGMA user_version=7"));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("newer"));
    RunJournal journal(newer);
    const auto opened = journal.open();
    QVERIFY(!opened);
    QVERIFY2(
        opened.error().contains(QStringLiteral("newer DR Console")), qPrintable(opened.error()));
    QVERIFY(!journal.runs()); // every call says why it cannot answer
    QVERIFY(journal.runs().error().contains(QStringLiteral("newer DR Console")));

    const QString garbage = m_dir.filePath(QStringLiteral("garbage.sqlite"));
    QFile f(garbage);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(4096, 'x'));
    f.close();
    RunJournal broken(garbage);
    const auto b = broken.open();
    QVERIFY(!b);
    QVERIFY2(b.error().contains(garbage), qPrintable(b.error()));
}

void TestRunJournal::callsBeforeOpenFail()
{
    RunJournal journal(m_dir.filePath(QStringLiteral("unopened.sqlite")));
    QVERIFY(!journal.createRun(aRun(QStringLiteral("r"), 0, QString()), {}));
    QVERIFY(!journal.appendLog(QStringLiteral("r"), QStringLiteral("x")));
    QVERIFY(!journal.interruptedRuns());
    QVERIFY(journal.claim(QStringLiteral("r"), 1).error().contains(QStringLiteral("not open")));
}

void TestRunJournal::roundTrip()
{
    RunJournal journal(m_dir.filePath(QStringLiteral("roundtrip.sqlite")));
    QVERIFY(journal.open().has_value());
    RunRecord run
        = aRun(QStringLiteral("20261126-101502-planned-failover-3f2a"), 42, QStringLiteral("ws1"));
    QVERIFY(journal.createRun(run, threeSteps()).has_value());
    QVERIFY(!journal.createRun(run, threeSteps())); // the id is unique

    auto read = journal.run(run.id);
    QVERIFY(read && read->has_value());
    const RunRecord &r = **read;
    QCOMPARE(r.toJson(), run.toJson());
    QCOMPARE(r.started, run.started);
    QVERIFY(!r.ended.isValid());

    auto steps = journal.steps(run.id);
    QVERIFY(steps.has_value());
    QCOMPARE(steps->size(), 3);
    QCOMPARE(steps->at(0).kind, StepKind::Gate);
    QCOMPARE(steps->at(1).reversible, true);
    QCOMPARE(steps->at(0).reversible, false);
    QCOMPARE(steps->at(2).critical, false);
    for (const StepRecord &s : *steps) {
        QCOMPARE(s.state, StepState::Pending);
        QCOMPARE(s.attempts, 0);
        QVERIFY(!s.started.isValid());
    }

    StepRecord s = steps->at(1);
    s.state = StepState::UndoFailed;
    s.attempts = 3;
    s.started = QDateTime(QDate(2026, 11, 26), QTime(10, 16, 0, 1), Qt::UTC);
    s.ended = s.started.addMSecs(1500);
    s.detail = QStringLiteral("HAProxy refused: no such server");
    s.data = QJsonObject { { QStringLiteral("switchAt"),
        QStringLiteral("2026-11-26T10:16:00.001Z") } };
    QVERIFY(journal.updateStep(run.id, s).has_value());
    steps = journal.steps(run.id);
    QCOMPARE(steps->at(1).toJson(), s.toJson());
    QCOMPARE(steps->at(1).ended, s.ended);
    QCOMPARE(steps->at(0).state, StepState::Pending);

    StepRecord missing = s;
    missing.index = 7;
    const auto refused = journal.updateStep(run.id, missing);
    QVERIFY(!refused);
    QVERIFY2(refused.error().contains(QStringLiteral("no step 8")), qPrintable(refused.error()));

    run.state = RunState::Halted;
    run.outcome = QStringLiteral("halted at step 2");
    run.ended = run.started.addSecs(60);
    run.pid = 0;
    run.data.insert(QStringLiteral("rpoExposure"), QStringLiteral("12 s"));
    QVERIFY(journal.updateRun(run).has_value());
    read = journal.run(run.id);
    QCOMPARE((*read)->toJson(), run.toJson());

    RunRecord ghost = run;
    ghost.id = QStringLiteral("ghost");
    QVERIFY(!journal.updateRun(ghost));
    QVERIFY(journal.run(QStringLiteral("ghost"))->has_value() == false);

    // Newest first.
    RunRecord later = aRun(QStringLiteral("20261127-000000-drill-0000"), 0, QStringLiteral("ws1"));
    later.started = run.started.addDays(1);
    QVERIFY(journal.createRun(later, {}).has_value());
    const auto all = journal.runs();
    QCOMPARE(all->size(), 2);
    QCOMPARE(all->at(0).id, later.id);
    QCOMPARE(journal.runs(1)->size(), 1);
}

void TestRunJournal::logLinesInOrder()
{
    ManualClock clock;
    RunJournal journal(m_dir.filePath(QStringLiteral("log.sqlite")), &clock);
    QVERIFY(journal.open().has_value());
    QVERIFY(journal.createRun(aRun(QStringLiteral("a"), 0, QString()), {}).has_value());
    QVERIFY(journal.createRun(aRun(QStringLiteral("b"), 0, QString()), {}).has_value());
    for (int i = 0; i < 5; ++i) {
        QVERIFY(journal.appendLog(QStringLiteral("a"), QStringLiteral("a%1").arg(i)).has_value());
        QVERIFY(journal.appendLog(QStringLiteral("b"), QStringLiteral("b%1").arg(i)).has_value());
        clock.advance(1000);
    }
    QCOMPARE(*journal.log(QStringLiteral("a")),
        (QStringList { QStringLiteral("a0"), QStringLiteral("a1"), QStringLiteral("a2"),
            QStringLiteral("a3"), QStringLiteral("a4") }));
    QCOMPARE(journal.log(QStringLiteral("b"))->size(), 5);
    QVERIFY(journal.log(QStringLiteral("none"))->isEmpty());
}

void TestRunJournal::interruptedRuns()
{
    RunJournal journal(m_dir.filePath(QStringLiteral("interrupted.sqlite")));
    QVERIFY(journal.open().has_value());
    const QString here = QSysInfo::machineHostName();
    const qint64 self = QCoreApplication::applicationPid();
    const qint64 dead = deadPid();
    QVERIFY(journal.createRun(aRun(QStringLiteral("no-pid"), 0, here), {}).has_value());
    QVERIFY(journal.createRun(aRun(QStringLiteral("dead-pid"), dead, here), {}).has_value());
    QVERIFY(
        journal
            .createRun(
                aRun(QStringLiteral("other-host"), self, here + QStringLiteral("-elsewhere")), {})
            .has_value());
    // pid 1 is alive (kill answers EPERM for another user's process): driven, not interrupted.
    QVERIFY(journal.createRun(aRun(QStringLiteral("live-pid"), 1, here), {}).has_value());
    QVERIFY(journal.createRun(aRun(QStringLiteral("self-driven"), self, here), {}).has_value());
    QVERIFY(journal.createRun(aRun(QStringLiteral("self-abandoned"), self, here), {}).has_value());
    QVERIFY(journal.createRun(aRun(QStringLiteral("halted"), 0, here, RunState::Halted), {})
                .has_value());
    QVERIFY(journal.createRun(aRun(QStringLiteral("done"), 0, here, RunState::Succeeded), {})
                .has_value());
    QVERIFY(journal.createRun(aRun(QStringLiteral("failed"), dead, here, RunState::Failed), {})
                .has_value());
    RunJournal::setDrivenInThisProcess(QStringLiteral("self-driven"), true);

    const auto runs = journal.interruptedRuns();
    QVERIFY(runs.has_value());
    QStringList ids;
    for (const RunRecord &r : *runs)
        ids.append(r.id);
    ids.sort();
    QCOMPARE(ids,
        (QStringList { QStringLiteral("dead-pid"), QStringLiteral("halted"),
            QStringLiteral("no-pid"), QStringLiteral("other-host"),
            QStringLiteral("self-abandoned") }));
    RunJournal::setDrivenInThisProcess(QStringLiteral("self-driven"), false);
    QCOMPARE(journal.interruptedRuns()->size(), 6);
}

void TestRunJournal::claimRefusesLiveHolder()
{
    RunJournal journal(m_dir.filePath(QStringLiteral("claim.sqlite")));
    QVERIFY(journal.open().has_value());
    const QString here = QSysInfo::machineHostName();
    const qint64 self = QCoreApplication::applicationPid();
    QVERIFY(journal.createRun(aRun(QStringLiteral("live"), 1, here), {}).has_value());
    const auto refused = journal.claim(QStringLiteral("live"), self);
    QVERIFY(!refused);
    QVERIFY2(refused.error().contains(QStringLiteral("driven by process 1")),
        qPrintable(refused.error()));

    QVERIFY(journal.createRun(aRun(QStringLiteral("dead"), deadPid(), here), {}).has_value());
    QVERIFY(journal.claim(QStringLiteral("dead"), self).has_value());
    QCOMPARE((*journal.run(QStringLiteral("dead")))->pid, self);
    QCOMPARE((*journal.run(QStringLiteral("dead")))->host, here);

    // Another engine of this process drives it: refused too.
    RunJournal::setDrivenInThisProcess(QStringLiteral("dead"), true);
    QVERIFY(!journal.claim(QStringLiteral("dead"), self));
    RunJournal::setDrivenInThisProcess(QStringLiteral("dead"), false);
    QVERIFY(journal.claim(QStringLiteral("dead"), self).has_value());

    QVERIFY(journal.claim(QStringLiteral("nowhere"), self)
                .error()
                .contains(QStringLiteral("no run nowhere")));
}

void TestRunJournal::survivesTwoJournalsOnOneFile()
{
    const QString path = m_dir.filePath(QStringLiteral("shared.sqlite"));
    RunJournal a(path);
    RunJournal b(path);
    QVERIFY(a.open().has_value());
    QVERIFY(b.open().has_value());
    QVERIFY(a.createRun(aRun(QStringLiteral("ra"), 0, QString()), threeSteps()).has_value());
    QVERIFY(b.createRun(aRun(QStringLiteral("rb"), 0, QString()), threeSteps()).has_value());
    for (int i = 0; i < 20; ++i) {
        QVERIFY(a.appendLog(QStringLiteral("ra"), QString::number(i)).has_value());
        QVERIFY(b.appendLog(QStringLiteral("ra"), QString::number(i)).has_value());
    }
    QCOMPARE(a.log(QStringLiteral("ra"))->size(), 40);
    QCOMPARE(b.runs()->size(), 2);
    QCOMPARE(a.steps(QStringLiteral("rb"))->size(), 3);
}

QTEST_GUILESS_MAIN(TestRunJournal)
#include "tst_runjournal.moc"
