// HistoryRecorder: which facts of which results become which series.

#include "history/historyrecorder.h"
#include "history/historystore.h"
#include "probes/probe.h"

#include <QTemporaryDir>
#include <QTest>

using namespace dr;

class tst_HistoryRecorder : public QObject
{
    Q_OBJECT

private slots:
    void recordsLatencyAndLags();
};

void tst_HistoryRecorder::recordsLatencyAndLags()
{
    QTemporaryDir dir;
    ManualClock clock;
    HistoryStore::Options options;
    options.flushIntervalMs = 0;
    options.compactIntervalMs = 0;
    HistoryStore store(&clock, options);
    QVERIFY(store.open(dir.filePath(QStringLiteral("h.sqlite"))).has_value());
    HistoryRecorder recorder(nullptr, &store);

    ProbeResult ok;
    ok.outcome = ProbeResult::Outcome::Success;
    ok.latencyMs = 42;
    ok.finishedAt = clock.nowUtc();
    recorder.record(QStringLiteral("west/bot-api"), ok);

    ProbeResult cert = ok; // a handshake time is not a service latency
    recorder.record(QStringLiteral("cert/global"), cert);

    ProbeResult sync = ok;
    sync.data = QJsonObject{{QStringLiteral("lagDocuments"), 12}, {QStringLiteral("lagSeconds"), 30.5}};
    recorder.record(QStringLiteral("sync/index"), sync);

    ProbeResult replication = ok;
    replication.data = QJsonObject{{QStringLiteral("lagSeconds"), 4}};
    recorder.record(QStringLiteral("replication/storage"), replication);

    ProbeResult failed = ProbeResult::failure(QStringLiteral("connection refused"));
    failed.finishedAt = clock.nowUtc();
    failed.data = QJsonObject{{QStringLiteral("lagSeconds"), QJsonValue()}}; // not measured
    recorder.record(QStringLiteral("replication/storage"), failed);

    QCOMPARE(store.seriesKeys(), (QStringList{QStringLiteral("indexSync/lagDocuments"), QStringLiteral("indexSync/lagSeconds"),
                                              QStringLiteral("latency/replication/storage"), QStringLiteral("latency/sync/index"),
                                              QStringLiteral("latency/west/bot-api"), QStringLiteral("replication/lagSeconds"),
                                              QStringLiteral("up/replication/storage"), QStringLiteral("up/sync/index"),
                                              QStringLiteral("up/west/bot-api")}));
    const auto at = [&](const QString &key) {
        const auto points = store.query(key, clock.nowUtc().addSecs(-1), clock.nowUtc());
        return points && points->size() == 1 ? points->first().avg : -1.0;
    };
    QCOMPARE(at(HistoryRecorder::latencyKey(QStringLiteral("west/bot-api"))), 42.0);
    QCOMPARE(at(HistoryRecorder::indexLagDocumentsKey()), 12.0);
    QCOMPARE(at(HistoryRecorder::indexLagSecondsKey()), 30.5);
    QCOMPARE(at(HistoryRecorder::replicationLagSecondsKey()), 4.0);
    // Up/down for uptime: the bot answered; replication answered once and failed once.
    QCOMPARE(at(HistoryRecorder::upKey(QStringLiteral("west/bot-api"))), 1.0);
    QCOMPARE(at(HistoryRecorder::upKey(QStringLiteral("replication/storage"))), 0.5);
}

QTEST_GUILESS_MAIN(tst_HistoryRecorder)
#include "tst_historyrecorder.moc"
