// StorageReplicationProbe's judgement of Get Blob Service Stats against the RPO.
// (The probe against a real secondary endpoint and its canary run in tests/lab.)

#include "probes/storagereplicationprobe.h"

#include <QTest>

using namespace dr;

class tst_StorageReplicationProbe : public QObject
{
    Q_OBJECT

private slots:
    void judge_data();
    void judge();
};

void tst_StorageReplicationProbe::judge_data()
{
    QTest::addColumn<QString>("status");
    QTest::addColumn<int>("syncedAgo"); // seconds; -1: no Last Sync Time
    QTest::addColumn<QString>("state");
    QTest::addColumn<int>("outcome");
    QTest::addColumn<QString>("detail");

    const int ok = int(ProbeResult::Outcome::Success);
    const int degraded = int(ProbeResult::Outcome::Degraded);
    const int failure = int(ProbeResult::Outcome::Failure);
    QTest::newRow("live, fresh") << QStringLiteral("live") << 5 << QStringLiteral("ok") << ok << QStringLiteral("live, last sync 5 s ago (RPO 900 s)");
    QTest::newRow("live, at the RPO") << QStringLiteral("live") << 900 << QStringLiteral("ok") << ok << QStringLiteral("last sync 900 s ago");
    QTest::newRow("live, beyond the RPO") << QStringLiteral("live") << 901 << QStringLiteral("lagging") << degraded << QStringLiteral("beyond the RPO of 900 s");
    QTest::newRow("bootstrap") << QStringLiteral("bootstrap") << -1 << QStringLiteral("bootstrap") << degraded << QStringLiteral("bootstrapping");
    QTest::newRow("live without a time") << QStringLiteral("live") << -1 << QStringLiteral("bootstrap") << degraded << QStringLiteral("no Last Sync Time");
    QTest::newRow("unavailable, last known") << QStringLiteral("unavailable") << 120 << QStringLiteral("unavailable") << failure << QStringLiteral("unavailable: last sync 120 s ago");
    QTest::newRow("unavailable, never synced") << QStringLiteral("unavailable") << -1 << QStringLiteral("unavailable") << failure << QStringLiteral("geo-replication unavailable");
}

void tst_StorageReplicationProbe::judge()
{
    QFETCH(QString, status);
    QFETCH(int, syncedAgo);
    QFETCH(QString, state);
    QFETCH(int, outcome);
    QFETCH(QString, detail);

    const QDateTime now(QDate(2026, 11, 26), QTime(8, 0), Qt::UTC);
    const QDateTime lastSync = syncedAgo >= 0 ? now.addSecs(-syncedAgo) : QDateTime();
    const ProbeResult r = StorageReplicationProbe::judge(status, lastSync, now, 900);
    QCOMPARE(r.data.value(QStringLiteral("state")).toString(), state);
    QCOMPARE(int(r.outcome), outcome);
    QVERIFY2(r.detail.contains(detail), qPrintable(r.detail));
    QCOMPARE(r.data.value(QStringLiteral("status")).toString(), status);
    QCOMPARE(r.data.value(QStringLiteral("rpoSeconds")).toInt(), 900);
    if (syncedAgo >= 0) {
        QCOMPARE(r.data.value(QStringLiteral("lagSeconds")).toInt(), syncedAgo);
        QCOMPARE(r.data.value(QStringLiteral("lastSyncTime")).toString(), lastSync.toString(Qt::ISODate));
    } else {
        QVERIFY(r.data.value(QStringLiteral("lagSeconds")).isNull());
        QVERIFY(r.data.value(QStringLiteral("lastSyncTime")).isNull());
    }
}

QTEST_APPLESS_MAIN(tst_StorageReplicationProbe)
#include "tst_storagereplicationprobe.moc"
