// IndexSyncProbe's judgement of two indexes: counts and watermarks against the thresholds.
// (The probe against real search services is driven end to end by tests/lab.)

#include "probes/indexsyncprobe.h"

#include <QTest>

using namespace dr;

class tst_IndexSyncProbe : public QObject
{
    Q_OBJECT

private slots:
    void judge_data();
    void judge();
};

void tst_IndexSyncProbe::judge_data()
{
    QTest::addColumn<qint64>("sourceCount");
    QTest::addColumn<qint64>("targetCount");
    QTest::addColumn<int>("sourceNewestAgo"); // seconds before a fixed "now"; -1: none
    QTest::addColumn<int>("targetNewestAgo");
    QTest::addColumn<QString>("state");
    QTest::addColumn<int>("lagDocuments");
    QTest::addColumn<int>("lagSeconds"); // -1: null
    QTest::addColumn<int>("outcome");

    const int ok = int(ProbeResult::Outcome::Success);
    const int degraded = int(ProbeResult::Outcome::Degraded);
    QTest::newRow("in sync") << qint64(2400) << qint64(2400) << 10 << 10 << QStringLiteral("ok") << 0 << 0 << ok;
    QTest::newRow("within thresholds") << qint64(2400) << qint64(2395) << 10 << 40 << QStringLiteral("ok") << 5 << 30 << ok;
    QTest::newRow("too many documents behind") << qint64(2400) << qint64(2300) << 10 << 10 << QStringLiteral("lagging") << 100 << 0 << degraded;
    QTest::newRow("standby has extra documents (drift)") << qint64(2400) << qint64(2450) << 10 << 10 << QStringLiteral("lagging") << 50 << 0 << degraded;
    QTest::newRow("watermark too old") << qint64(2400) << qint64(2400) << 10 << 400 << QStringLiteral("lagging") << 0 << 390 << degraded;
    QTest::newRow("standby newer than primary") << qint64(2400) << qint64(2400) << 100 << 10 << QStringLiteral("ok") << 0 << 0 << ok;
    QTest::newRow("standby empty") << qint64(2400) << qint64(0) << 10 << -1 << QStringLiteral("lagging") << 2400 << -1 << degraded;
    QTest::newRow("both empty") << qint64(0) << qint64(0) << -1 << -1 << QStringLiteral("ok") << 0 << 0 << ok;
}

void tst_IndexSyncProbe::judge()
{
    QFETCH(qint64, sourceCount);
    QFETCH(qint64, targetCount);
    QFETCH(int, sourceNewestAgo);
    QFETCH(int, targetNewestAgo);
    QFETCH(QString, state);
    QFETCH(int, lagDocuments);
    QFETCH(int, lagSeconds);
    QFETCH(int, outcome);

    const QDateTime now(QDate(2026, 11, 26), QTime(8, 0), Qt::UTC);
    IndexSyncProbe::Side source{sourceCount, sourceNewestAgo >= 0 ? now.addSecs(-sourceNewestAgo) : QDateTime(), {}};
    IndexSyncProbe::Side target{targetCount, targetNewestAgo >= 0 ? now.addSecs(-targetNewestAgo) : QDateTime(), {}};
    const ProbeResult r = IndexSyncProbe::judge(source, target, 10, 60);
    QCOMPARE(r.data.value(QStringLiteral("state")).toString(), state);
    QCOMPARE(r.data.value(QStringLiteral("lagDocuments")).toInt(), lagDocuments);
    if (lagSeconds < 0)
        QVERIFY(r.data.value(QStringLiteral("lagSeconds")).isNull());
    else
        QCOMPARE(r.data.value(QStringLiteral("lagSeconds")).toInt(), lagSeconds);
    QCOMPARE(int(r.outcome), outcome);
    QCOMPARE(r.data.value(QStringLiteral("sourceCount")).toInteger(), sourceCount);
    QCOMPARE(r.data.value(QStringLiteral("targetCount")).toInteger(), targetCount);
}

QTEST_APPLESS_MAIN(tst_IndexSyncProbe)
#include "tst_indexsyncprobe.moc"
