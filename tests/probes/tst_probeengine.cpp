// ProbeEngine: scheduling by the clock, bounded concurrency, backoff, bounded history, the
// watchdog, and a cycle against real servers that ends whatever the servers do.

#include "probes/probeengine.h"
#include "probes/proberegistry.h"
#include "probetestutil.h"
#include "testhttpserver.h"

#include <QSignalSpy>
#include <QTest>

using namespace dr;
using namespace dr::test;

namespace {

// A probe whose result the test decides: the engine's own behaviour is under test here, so
// the thing probed is the test itself (the Probe interface is the boundary).
class ScriptedProbe final : public Probe
{
    Q_OBJECT
public:
    ScriptedProbe(const ProbeTarget &t, const ProbeContext &c, QObject *parent)
        : Probe(t, c, parent)
    {
        live().append(this);
    }
    ~ScriptedProbe() override { live().removeAll(this); }
    void start() override { ++started()[m_target.id]; }
    void abort() override { m_aborted = true; }
    void complete(ProbeResult::Outcome outcome, const QString &detail = QStringLiteral("scripted"))
    {
        ProbeResult r;
        r.outcome = outcome;
        r.detail = detail;
        r.latencyMs = 5;
        emit finished(r);
    }
    static QList<ScriptedProbe *> &live()
    {
        static QList<ScriptedProbe *> list;
        return list;
    }
    static QHash<QString, int> &started()
    {
        static QHash<QString, int> counts;
        return counts;
    }
    bool m_aborted = false;
};

ProbeTarget scripted(const QString &id, int intervalMs = 1000, int failuresBeforeDown = 2)
{
    ProbeTarget t;
    t.id = id;
    t.settings.kind = QStringLiteral("scripted");
    t.settings.intervalMs = intervalMs;
    t.settings.timeoutMs = 500;
    t.settings.failuresBeforeDown = failuresBeforeDown;
    t.settings.successesBeforeUp = 1;
    return t;
}

void completeAll(ProbeResult::Outcome outcome)
{
    const auto probes = ScriptedProbe::live();
    for (ScriptedProbe *p : probes) {
        if (!p->m_aborted)
            p->complete(outcome);
    }
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
}

} // namespace

class tst_ProbeEngine : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void rejectsDuplicatesAndUnknownKinds();
    void unknownBeforeFirstResult();
    void schedulesByTheClock();
    void boundedConcurrency();
    void backoffWhileDown();
    void historyIsBounded();
    void stateChangesAreSignalled();
    void watchdogCutsOffAStuckProbe();
    void watchdogRunsOnTheEngineClock();
    void firstRoundSpreadOverTheInterval();
    void fewTargetsReportWithinASecond();
    void synchronousResultsDoNotRecurse();
    void cycleAgainstRealServers();

private:
    ProbeEngine::Options quietOptions() const
    {
        ProbeEngine::Options o;
        o.jitter = 0; // exact schedules for exact assertions
        return o;
    }
};

void tst_ProbeEngine::initTestCase()
{
    qRegisterMetaType<ProbeResult>();
    qRegisterMetaType<HealthState>();
    ProbeRegistry::instance().add<ScriptedProbe>(QStringLiteral("scripted"));
}

void tst_ProbeEngine::init()
{
    ScriptedProbe::started().clear();
}

void tst_ProbeEngine::rejectsDuplicatesAndUnknownKinds()
{
    ManualClock clock;
    ProbeEngine engine(&clock);
    QString error;
    QVERIFY(engine.addTarget(scripted(QStringLiteral("a")), &error));
    QVERIFY(!engine.addTarget(scripted(QStringLiteral("a")), &error));
    QCOMPARE(error, QStringLiteral("duplicate probe target id \"a\""));
    ProbeTarget t = scripted(QStringLiteral("b"));
    t.settings.kind = QStringLiteral("carrier-pigeon");
    QVERIFY(!engine.addTarget(t, &error));
    QCOMPARE(error, QStringLiteral("unknown probe kind \"carrier-pigeon\" for b"));
    QCOMPARE(engine.targetIds(), QStringList{QStringLiteral("a")});
}

void tst_ProbeEngine::unknownBeforeFirstResult()
{
    ManualClock clock;
    ProbeEngine engine(&clock);
    QVERIFY(engine.addTarget(scripted(QStringLiteral("a"))));
    QCOMPARE(engine.status(QStringLiteral("a"))->state, HealthState::Unknown);
    QVERIFY(!engine.status(QStringLiteral("a"))->last);
    QCOMPARE(engine.status(QStringLiteral("nope")), nullptr);
}

void tst_ProbeEngine::schedulesByTheClock()
{
    ManualClock clock;
    ProbeEngine engine(&clock);
    engine.setOptions(quietOptions());
    QVERIFY(engine.addTarget(scripted(QStringLiteral("a"), 1000)));
    QSignalSpy started(&engine, &ProbeEngine::probeStarted);
    engine.start();
    QCOMPARE(ScriptedProbe::started().value(QStringLiteral("a")), 1);
    completeAll(ProbeResult::Outcome::Success);
    QCOMPARE(engine.status(QStringLiteral("a"))->state, HealthState::Ok);

    clock.advance(999);
    engine.tick();
    QCOMPARE(ScriptedProbe::started().value(QStringLiteral("a")), 1);
    clock.advance(1);
    engine.tick();
    QCOMPARE(ScriptedProbe::started().value(QStringLiteral("a")), 2);

    // Launched late: the delay is reported.
    completeAll(ProbeResult::Outcome::Success);
    clock.advance(1250);
    engine.tick();
    QCOMPARE(started.count(), 3);
    QCOMPARE(started.last().at(1).toLongLong(), 250);
}

void tst_ProbeEngine::boundedConcurrency()
{
    ManualClock clock;
    ProbeEngine engine(&clock);
    ProbeEngine::Options o = quietOptions();
    o.maxConcurrent = 3;
    engine.setOptions(o);
    for (int i = 0; i < 10; ++i)
        QVERIFY(engine.addTarget(scripted(QStringLiteral("t%1").arg(i))));
    engine.start();
    QCOMPARE(engine.inFlight(), 3);
    QCOMPARE(engine.queued(), 7);
    QCOMPARE(ScriptedProbe::live().size(), 3);

    ScriptedProbe::live().first()->complete(ProbeResult::Outcome::Success);
    QCOMPARE(engine.inFlight(), 3);
    QCOMPARE(engine.queued(), 6);

    int rounds = 0;
    while (engine.queued() > 0 || engine.inFlight() > 0) {
        QVERIFY(engine.inFlight() <= 3);
        completeAll(ProbeResult::Outcome::Success);
        QVERIFY(++rounds < 10);
    }
    for (int i = 0; i < 10; ++i)
        QCOMPARE(ScriptedProbe::started().value(QStringLiteral("t%1").arg(i)), 1);
}

void tst_ProbeEngine::backoffWhileDown()
{
    ManualClock clock;
    ProbeEngine engine(&clock);
    ProbeEngine::Options o = quietOptions();
    o.maxBackoffFactor = 4;
    engine.setOptions(o);
    QVERIFY(engine.addTarget(scripted(QStringLiteral("a"), 1000, 2)));
    engine.start();

    // Waits between probes after each failure: 1 s, 1 s (now down), then 2 s, 4 s, 4 s (capped).
    const QList<qint64> expectedWaits = {1000, 1000, 2000, 4000, 4000};
    for (qint64 wait : expectedWaits) {
        completeAll(ProbeResult::Outcome::Failure);
        const int before = ScriptedProbe::started().value(QStringLiteral("a"));
        clock.advance(wait - 1);
        engine.tick();
        QCOMPARE(ScriptedProbe::started().value(QStringLiteral("a")), before);
        clock.advance(1);
        engine.tick();
        QCOMPARE(ScriptedProbe::started().value(QStringLiteral("a")), before + 1);
    }
    QCOMPARE(engine.status(QStringLiteral("a"))->state, HealthState::Down);

    // Recovery returns to the normal interval.
    completeAll(ProbeResult::Outcome::Success);
    QCOMPARE(engine.status(QStringLiteral("a"))->state, HealthState::Ok);
    const int before = ScriptedProbe::started().value(QStringLiteral("a"));
    clock.advance(1000);
    engine.tick();
    QCOMPARE(ScriptedProbe::started().value(QStringLiteral("a")), before + 1);
}

void tst_ProbeEngine::historyIsBounded()
{
    ManualClock clock;
    ProbeEngine engine(&clock);
    ProbeEngine::Options o = quietOptions();
    o.historySize = 5;
    engine.setOptions(o);
    QVERIFY(engine.addTarget(scripted(QStringLiteral("a"), 1000, 100)));
    engine.start();
    for (int i = 0; i < 8; ++i) {
        completeAll(i % 2 ? ProbeResult::Outcome::Failure : ProbeResult::Outcome::Success);
        clock.advance(1000);
        engine.tick();
    }
    const auto &history = engine.status(QStringLiteral("a"))->history;
    QCOMPARE(history.size(), size_t(5));
    // Oldest first, and the oldest three are gone: results 3..7.
    QCOMPARE(history.front().outcome, ProbeResult::Outcome::Failure);
    QCOMPARE(history.back().outcome, ProbeResult::Outcome::Failure);
    QCOMPARE(history.front().at, QDateTime(QDate(2026, 1, 1), QTime(0, 0, 3), Qt::UTC));
}

void tst_ProbeEngine::stateChangesAreSignalled()
{
    ManualClock clock;
    ProbeEngine engine(&clock);
    engine.setOptions(quietOptions());
    QVERIFY(engine.addTarget(scripted(QStringLiteral("a"), 1000, 1)));
    QSignalSpy changes(&engine, &ProbeEngine::stateChanged);
    engine.start();
    completeAll(ProbeResult::Outcome::Success);
    clock.advance(1000);
    engine.tick();
    completeAll(ProbeResult::Outcome::Failure);
    QCOMPARE(changes.count(), 2);
    QCOMPARE(changes.at(0).at(1).value<HealthState>(), HealthState::Unknown);
    QCOMPARE(changes.at(0).at(2).value<HealthState>(), HealthState::Ok);
    QCOMPARE(changes.at(1).at(1).value<HealthState>(), HealthState::Ok);
    QCOMPARE(changes.at(1).at(2).value<HealthState>(), HealthState::Down);
    QCOMPARE(changes.at(1).at(3).toString(), QStringLiteral("scripted"));
}

void tst_ProbeEngine::watchdogCutsOffAStuckProbe()
{
    ProbeEngine engine(Clock::system());
    ProbeEngine::Options o = quietOptions();
    o.watchdogGraceMs = 100;
    engine.setOptions(o);
    ProbeTarget t = scripted(QStringLiteral("stuck"), 60000, 1);
    t.settings.timeoutMs = 200;
    QVERIFY(engine.addTarget(t));
    QSignalSpy cycle(&engine, &ProbeEngine::cycleFinished);
    engine.probeAllNow();
    QVERIFY(cycle.wait(2000));
    const TargetStatus *st = engine.status(QStringLiteral("stuck"));
    QCOMPARE(st->state, HealthState::Down);
    QCOMPARE(st->reason, QStringLiteral("no result within 300 ms"));
    QCOMPARE(engine.inFlight(), 0);
}

void tst_ProbeEngine::watchdogRunsOnTheEngineClock()
{
    // The watchdog is a deadline in the engine's schedule, so it follows the engine's clock.
    ManualClock clock;
    ProbeEngine engine(&clock);
    ProbeEngine::Options o = quietOptions(); // watchdogGraceMs: 2000
    engine.setOptions(o);
    ProbeTarget t = scripted(QStringLiteral("a"), 1000, 1);
    t.settings.timeoutMs = 500;
    QVERIFY(engine.addTarget(t));
    engine.start();
    QCOMPARE(engine.inFlight(), 1);
    ScriptedProbe *stuck = ScriptedProbe::live().first();

    clock.advance(2499);
    engine.tick();
    QCOMPARE(engine.inFlight(), 1);
    QCOMPARE(engine.status(QStringLiteral("a"))->state, HealthState::Unknown);
    clock.advance(1);
    engine.tick();
    QCOMPARE(engine.inFlight(), 0);
    QVERIFY(stuck->m_aborted);
    QCOMPARE(engine.status(QStringLiteral("a"))->state, HealthState::Down);
    QCOMPARE(engine.status(QStringLiteral("a"))->reason, QStringLiteral("no result within 2500 ms"));
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);

    // Rescheduled as after any result; probes that report in time are never cut off, however
    // long after their deadline the clock moves.
    for (int i = 0; i < 3; ++i) {
        clock.advance(1000);
        engine.tick();
        QCOMPARE(engine.inFlight(), 1);
        completeAll(ProbeResult::Outcome::Success);
    }
    clock.advance(600); // past the first of those probes' watchdog deadlines
    engine.tick();
    const TargetStatus *st = engine.status(QStringLiteral("a"));
    QCOMPARE(st->history.size(), size_t(4));
    QCOMPARE(st->state, HealthState::Ok);
    QCOMPARE(ScriptedProbe::started().value(QStringLiteral("a")), 4);
}

void tst_ProbeEngine::firstRoundSpreadOverTheInterval()
{
    // 1,000 targets at 1 s: the first round spreads over the whole second (the steady rate),
    // not into a burst.
    ManualClock clock;
    ProbeEngine engine(&clock);
    ProbeEngine::Options o; // default jitter
    o.maxConcurrent = 2000;
    engine.setOptions(o);
    for (int i = 0; i < 1000; ++i)
        QVERIFY(engine.addTarget(scripted(QStringLiteral("t%1").arg(i), 1000)));
    QSignalSpy started(&engine, &ProbeEngine::probeStarted);
    engine.start();
    QVERIFY2(started.count() <= 5, qPrintable(QString::number(started.count())));
    int maxPerMs = 0;
    int previous = int(started.count());
    for (int ms = 1; ms <= 1000; ++ms) {
        clock.advance(1);
        engine.tick();
        maxPerMs = qMax(maxPerMs, int(started.count()) - previous);
        previous = int(started.count());
        if (ms == 250)
            QVERIFY2(started.count() >= 200 && started.count() <= 300, qPrintable(QString::number(started.count())));
    }
    QCOMPARE(started.count(), 1000);
    QVERIFY2(maxPerMs <= 3, qPrintable(QString::number(maxPerMs)));
}

void tst_ProbeEngine::fewTargetsReportWithinASecond()
{
    // A console with a handful of targets at the default 15 s sees every first result within
    // about a second, not within the 1.5 s jitter window.
    ManualClock clock;
    ProbeEngine engine(&clock);
    for (int i = 0; i < 10; ++i)
        QVERIFY(engine.addTarget(scripted(QStringLiteral("t%1").arg(i), 15000)));
    QSignalSpy started(&engine, &ProbeEngine::probeStarted);
    engine.start();
    clock.advance(999);
    engine.tick();
    QCOMPARE(started.count(), 10);
}

void tst_ProbeEngine::synchronousResultsDoNotRecurse()
{
    // Targets that fail at launch (a setup error) report inside tick(); tens of thousands of
    // them must not nest a tick() per target on the stack.
    ManualClock clock;
    ProbeEngine engine(&clock);
    engine.setOptions(quietOptions());
    const int count = 30000;
    for (int i = 0; i < count; ++i) {
        ProbeTarget t = scripted(QStringLiteral("t%1").arg(i));
        t.setupError = QStringLiteral("secret \"k\" could not be read");
        QVERIFY(engine.addTarget(t));
    }
    QSignalSpy results(&engine, &ProbeEngine::resultRecorded);
    engine.start();
    QCOMPARE(results.count(), count);
    QCOMPARE(engine.inFlight(), 0);
    QCOMPARE(engine.status(QStringLiteral("t0"))->last->detail, QStringLiteral("secret \"k\" could not be read"));
    clock.advance(1000);
    engine.tick();
    QCOMPARE(results.count(), 2 * count);
}

void tst_ProbeEngine::cycleAgainstRealServers()
{
    TestHttpServer healthy;
    QVERIFY(healthy.listen());
    TestHttpServer silent;
    silent.setBehaviour(TestHttpServer::Behaviour::NeverAnswer);
    QVERIFY(silent.listen());
    TestHttpServer endless;
    endless.setBehaviour(TestHttpServer::Behaviour::EndlessBody);
    QVERIFY(endless.listen());

    ProbeEngine engine(Clock::system());
    const auto add = [&](const QString &id, const QString &url) {
        ProbeTarget t = httpTarget(url, 800);
        t.id = id;
        t.settings.failuresBeforeDown = 1;
        t.settings.maxResponseBytes = 16 * 1024;
        QVERIFY(engine.addTarget(t));
    };
    add(QStringLiteral("healthy"), healthy.url());
    add(QStringLiteral("dead"), QStringLiteral("http://127.0.0.1:%1/").arg(dr::test::deadPort()));
    add(QStringLiteral("silent"), silent.url());
    add(QStringLiteral("endless"), endless.url());

    QSignalSpy cycle(&engine, &ProbeEngine::cycleFinished);
    QElapsedTimer timer;
    timer.start();
    engine.probeAllNow();
    QVERIFY(cycle.wait(5000));
    QVERIFY2(timer.elapsed() < 2000, "the cycle must end within the probes' timeout");
    QCOMPARE(engine.status(QStringLiteral("healthy"))->state, HealthState::Ok);
    QCOMPARE(engine.status(QStringLiteral("dead"))->state, HealthState::Down);
    QCOMPARE(engine.status(QStringLiteral("dead"))->reason, QStringLiteral("connection refused"));
    QCOMPARE(engine.status(QStringLiteral("silent"))->state, HealthState::Down);
    QCOMPARE(engine.status(QStringLiteral("silent"))->reason, QStringLiteral("timed out after 800 ms"));
    QCOMPARE(engine.status(QStringLiteral("endless"))->state, HealthState::Down);
    QCOMPARE(engine.status(QStringLiteral("endless"))->reason, QStringLiteral("response larger than 16384 bytes"));
}

QTEST_GUILESS_MAIN(tst_ProbeEngine)
#include "tst_probeengine.moc"
