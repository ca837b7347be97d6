// HealthTracker: the hysteresis between probe results and the state an operator sees.

#include "probes/healthtracker.h"
#include "probetestutil.h"

#include <QTest>

using namespace dr;

class tst_HealthTracker : public QObject
{
    Q_OBJECT

private slots:
    void sequences_data();
    void sequences();
    void reasons();
};

// A result sequence as letters: s = success (fast), l = success but slow, d = degraded,
// f = failure. Expected states as letters: u = unknown, o = ok, g = degraded, x = down.
void tst_HealthTracker::sequences_data()
{
    QTest::addColumn<int>("failuresBeforeDown");
    QTest::addColumn<int>("successesBeforeUp");
    QTest::addColumn<QString>("results");
    QTest::addColumn<QString>("states");

    QTest::newRow("healthy") << 3 << 2 << QStringLiteral("sss") << QStringLiteral("ooo");
    QTest::newRow("one blip stays short of down") << 3 << 2 << QStringLiteral("sfs") << QStringLiteral("ogo");
    QTest::newRow("down after three") << 3 << 2 << QStringLiteral("sfff") << QStringLiteral("oggx");
    QTest::newRow("down needs two good answers to recover") << 3 << 2 << QStringLiteral("fffss") << QStringLiteral("ggxxo");
    QTest::newRow("a failure during recovery restarts it") << 3 << 2 << QStringLiteral("fffsfss") << QStringLiteral("ggxxxxo");
    QTest::newRow("threshold one is immediate") << 1 << 1 << QStringLiteral("fsf") << QStringLiteral("xox");
    QTest::newRow("slow is degraded") << 3 << 2 << QStringLiteral("sls") << QStringLiteral("ogo");
    QTest::newRow("degraded result") << 3 << 2 << QStringLiteral("dds") << QStringLiteral("ggo");
    QTest::newRow("first result decides unknown") << 2 << 2 << QStringLiteral("f") << QStringLiteral("g");
}

void tst_HealthTracker::sequences()
{
    QFETCH(int, failuresBeforeDown);
    QFETCH(int, successesBeforeUp);
    QFETCH(QString, results);
    QFETCH(QString, states);

    HealthTracker tracker(failuresBeforeDown, successesBeforeUp, 1000);
    QCOMPARE(tracker.state(), HealthState::Unknown);
    QString seen;
    for (const QChar c : results) {
        ProbeResult r;
        r.latencyMs = c == u'l' ? 1500 : 20;
        r.outcome = c == u'f'   ? ProbeResult::Outcome::Failure
                    : c == u'd' ? ProbeResult::Outcome::Degraded
                                : ProbeResult::Outcome::Success;
        r.detail = QStringLiteral("r");
        const HealthState before = tracker.state();
        const bool changed = tracker.record(r);
        QCOMPARE(changed, tracker.state() != before);
        switch (tracker.state()) {
        case HealthState::Unknown: seen += u'u'; break;
        case HealthState::Ok: seen += u'o'; break;
        case HealthState::Degraded: seen += u'g'; break;
        case HealthState::Down: seen += u'x'; break;
        }
    }
    QCOMPARE(seen, states);
}

void tst_HealthTracker::reasons()
{
    HealthTracker tracker(3, 2, 1000);
    QCOMPARE(tracker.reason(), QStringLiteral("not probed yet"));
    tracker.record(ProbeResult::failure(QStringLiteral("connection refused")));
    QCOMPARE(tracker.reason(), QStringLiteral("connection refused (failure 1 of 3 before down)"));
    tracker.record(ProbeResult::failure(QStringLiteral("connection refused")));
    tracker.record(ProbeResult::failure(QStringLiteral("timed out after 5000 ms")));
    QCOMPARE(tracker.reason(), QStringLiteral("timed out after 5000 ms"));
    QCOMPARE(tracker.consecutiveFailures(), 3);
    ProbeResult good;
    good.outcome = ProbeResult::Outcome::Success;
    good.detail = QStringLiteral("HTTP 200");
    good.latencyMs = 10;
    tracker.record(good);
    QCOMPARE(tracker.reason(), QStringLiteral("recovering: 1 of 2 good answers (HTTP 200)"));
    good.latencyMs = 4000;
    tracker.record(good);
    QCOMPARE(tracker.state(), HealthState::Degraded);
    QCOMPARE(tracker.reason(), QStringLiteral("HTTP 200, slow: 4000 ms (degraded above 1000 ms)"));
}

QTEST_APPLESS_MAIN(tst_HealthTracker)
#include "tst_healthtracker.moc"
