// HistoryStore: samples survive a reopen, queries downsample into min/max/avg slices,
// compaction keeps the file bounded (raw for a day, minute buckets for a week, hard caps),
// and a file that cannot be used leaves the console running without history, saying why.

#include "history/historystore.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;

namespace {

constexpr qint64 kMinute = 60 * 1000;
constexpr qint64 kHour = 60 * kMinute;
constexpr qint64 kDay = 24 * kHour;

HistoryStore::Options quiet()
{
    HistoryStore::Options o;
    o.flushIntervalMs = 0;  // tests flush explicitly (queries flush too)
    o.compactIntervalMs = 0;
    return o;
}

} // namespace

class tst_HistoryStore : public QObject
{
    Q_OBJECT

private slots:
    void persistsAcrossReopen();
    void downsamplesIntoSlices();
    void compactionFoldsAndDrops();
    void hardCapHolds();
    void corruptFileIsReported();
    void unwritableFolderIsReported();
    void recordedSignalIsImmediate();
    void manyPointsInsert();

private:
    QTemporaryDir m_dir;
};

void tst_HistoryStore::persistsAcrossReopen()
{
    ManualClock clock;
    const QString path = m_dir.filePath(QStringLiteral("reopen/history.sqlite"));
    {
        HistoryStore store(&clock, quiet());
        QVERIFY(store.open(path).has_value());
        for (int i = 0; i < 10; ++i) {
            store.record(QStringLiteral("latency/west/bot-api"), clock.nowUtc(), 40 + i);
            clock.advance(15000);
        }
        // No explicit flush: closing (the destructor) must not lose what is buffered.
    }
    HistoryStore store(&clock, quiet());
    const auto opened = store.open(path);
    QVERIFY2(opened.has_value(), qPrintable(opened ? QString() : opened.error()));
    QCOMPARE(store.seriesKeys(), QStringList{QStringLiteral("latency/west/bot-api")});
    const auto points = store.query(QStringLiteral("latency/west/bot-api"), clock.nowUtc().addSecs(-3600), clock.nowUtc(), 1000);
    QVERIFY(points.has_value());
    QCOMPARE(points->size(), 10);
    QCOMPARE(points->first().avg, 40.0);
    QCOMPARE(points->last().avg, 49.0);
    QCOMPARE(points->first().count, 1);
}

void tst_HistoryStore::downsamplesIntoSlices()
{
    ManualClock clock;
    HistoryStore store(&clock, quiet());
    QVERIFY(store.open(m_dir.filePath(QStringLiteral("slices.sqlite"))).has_value());
    const QDateTime start = clock.nowUtc();
    // One sample a second for 1000 s, values 0..999.
    for (int i = 0; i < 1000; ++i)
        store.record(QStringLiteral("s"), start.addSecs(i), i);
    const auto points = store.query(QStringLiteral("s"), start, start.addMSecs(999999), 10);
    QVERIFY(points.has_value());
    QCOMPARE(points->size(), 10);
    qint64 total = 0;
    for (qsizetype k = 0; k < points->size(); ++k) {
        const HistoryPoint &p = points->at(k);
        QCOMPARE(p.count, 100);
        QCOMPARE(p.min, double(k * 100));
        QCOMPARE(p.max, double(k * 100 + 99));
        QCOMPARE(p.avg, k * 100 + 49.5);
        QCOMPARE(p.atMs, start.toMSecsSinceEpoch() + k * 100000);
        total += p.count;
    }
    QCOMPARE(total, 1000);
    // Never more points than asked for, whatever the rounding.
    for (int maxPoints : {1, 3, 7, 333, 999, 5000}) {
        const auto p = store.query(QStringLiteral("s"), start, start.addSecs(999), maxPoints);
        QVERIFY(p.has_value());
        QVERIFY(p->size() <= maxPoints);
        QVERIFY(p->size() >= std::min(maxPoints, 1000) / 2);
    }
    // Outside the range, and an unknown series: nothing, not an error.
    QCOMPARE(store.query(QStringLiteral("s"), start.addDays(-2), start.addDays(-1))->size(), 0);
    QCOMPARE(store.query(QStringLiteral("nope"), start, start.addDays(1))->size(), 0);
}

void tst_HistoryStore::compactionFoldsAndDrops()
{
    ManualClock clock;
    HistoryStore store(&clock, quiet());
    QVERIFY(store.open(m_dir.filePath(QStringLiteral("compact.sqlite"))).has_value());
    const QDateTime start = clock.nowUtc();
    // Nine days of one sample every 15 s: 4 a minute.
    const qint64 samples = 9 * kDay / 15000;
    for (qint64 i = 0; i < samples; ++i)
        store.record(QStringLiteral("latency/x"), start.addMSecs(i * 15000), double(i % 4));
    clock.advance(9 * kDay);
    QVERIFY(store.compact().has_value());
    // Raw: the last 24 h only. Buckets: one a minute from 7 days ago up to 24 h ago.
    QCOMPARE(store.rawRowCount(), kDay / 15000);
    const qint64 buckets = store.bucketRowCount();
    QVERIFY2(buckets >= 6 * kDay / kMinute && buckets <= 6 * kDay / kMinute + 1, qPrintable(QString::number(buckets)));
    // A bucket keeps what the raw samples said: min 0, max 3, avg 1.5 over 4 samples.
    const QDateTime now = clock.nowUtc();
    const auto old = store.query(QStringLiteral("latency/x"), now.addMSecs(-3 * kDay), now.addMSecs(-3 * kDay + kMinute - 1), 10);
    QVERIFY(old.has_value());
    QCOMPARE(old->size(), 1);
    QCOMPARE(old->first().count, 4);
    QCOMPARE(old->first().min, 0.0);
    QCOMPARE(old->first().max, 3.0);
    QCOMPARE(old->first().avg, 1.5);
    // Older than 7 days: gone.
    QCOMPARE(store.query(QStringLiteral("latency/x"), start, now.addMSecs(-7 * kDay - kMinute), 10)->size(), 0);
    // Compacting again changes nothing; compacting later folds what has aged meanwhile, into
    // the same totals.
    QVERIFY(store.compact().has_value());
    QCOMPARE(store.rawRowCount(), kDay / 15000);
    const auto before = store.query(QStringLiteral("latency/x"), now.addMSecs(-2 * kDay), now, 1);
    clock.advance(kHour);
    QVERIFY(store.compact().has_value());
    QCOMPARE(store.rawRowCount(), (kDay - kHour) / 15000);
    const auto after = store.query(QStringLiteral("latency/x"), now.addMSecs(-2 * kDay), now, 1);
    QCOMPARE(after->first().count, before->first().count);
    QCOMPARE(after->first().avg, before->first().avg);
}

void tst_HistoryStore::hardCapHolds()
{
    ManualClock clock;
    HistoryStore::Options options = quiet();
    options.maxRawRows = 1000;
    options.maxBucketRows = 20;
    HistoryStore store(&clock, options);
    QVERIFY(store.open(m_dir.filePath(QStringLiteral("cap.sqlite"))).has_value());
    // 5000 samples within the last hour: young enough to stay raw, were it not for the cap.
    const QDateTime start = clock.nowUtc();
    for (int i = 0; i < 5000; ++i)
        store.record(QStringLiteral("k"), start.addMSecs(i * 600), i);
    clock.advance(kHour);
    QVERIFY(store.compact().has_value());
    QVERIFY2(store.rawRowCount() <= 1000, qPrintable(QString::number(store.rawRowCount())));
    QVERIFY(store.rawRowCount() > 0);
    QVERIFY2(store.bucketRowCount() == 20, qPrintable(QString::number(store.bucketRowCount())));
    // The newest samples are the ones kept raw.
    const auto last = store.query(QStringLiteral("k"), clock.nowUtc().addSecs(-3600), clock.nowUtc(), 100000);
    QCOMPARE(last->last().max, 4999.0);
}

void tst_HistoryStore::corruptFileIsReported()
{
    const QString path = m_dir.filePath(QStringLiteral("corrupt.sqlite"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(8192, 'x'));
    file.close();
    ManualClock clock;
    HistoryStore store(&clock, quiet());
    const auto opened = store.open(path);
    QVERIFY(!opened.has_value());
    QVERIFY(!store.isOpen());
    QVERIFY2(opened.error().contains(QStringLiteral("history is not available")), qPrintable(opened.error()));
    QVERIFY2(opened.error().contains(QStringLiteral("corrupt.sqlite")), qPrintable(opened.error()));
    QCOMPARE(store.error(), opened.error());
    // Everything else is a harmless no-op.
    QSignalSpy recorded(&store, &HistoryStore::recorded);
    store.record(QStringLiteral("k"), clock.nowUtc(), 1);
    QCOMPARE(recorded.size(), 0);
    QVERIFY(!store.query(QStringLiteral("k"), clock.nowUtc().addSecs(-1), clock.nowUtc()).has_value());
    QVERIFY(!store.compact().has_value());
    QCOMPARE(store.seriesKeys(), QStringList());
}

void tst_HistoryStore::unwritableFolderIsReported()
{
    // A regular file where the folder should be: mkpath fails, whoever runs the test (root
    // ignores permissions, so a read-only folder would not do).
    const QString blocker = m_dir.filePath(QStringLiteral("blocker"));
    QFile file(blocker);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    ManualClock clock;
    HistoryStore store(&clock, quiet());
    const auto opened = store.open(blocker + QStringLiteral("/sub/history.sqlite"));
    QVERIFY(!opened.has_value());
    QVERIFY2(opened.error().contains(QStringLiteral("cannot create the folder")), qPrintable(opened.error()));
}

void tst_HistoryStore::recordedSignalIsImmediate()
{
    ManualClock clock;
    HistoryStore store(&clock, quiet());
    QVERIFY(store.open(m_dir.filePath(QStringLiteral("signal.sqlite"))).has_value());
    QSignalSpy recorded(&store, &HistoryStore::recorded);
    store.record(QStringLiteral("k"), clock.nowUtc(), 7.5);
    QCOMPARE(recorded.size(), 1);
    QCOMPARE(recorded.first().at(0).toString(), QStringLiteral("k"));
    QCOMPARE(recorded.first().at(2).toDouble(), 7.5);
    // Not a number: nothing to chart, nothing stored.
    store.record(QStringLiteral("k"), clock.nowUtc(), std::numeric_limits<double>::quiet_NaN());
    QCOMPARE(recorded.size(), 1);
    QCOMPARE(store.rawRowCount(), 1);
}

void tst_HistoryStore::manyPointsInsert()
{
    // 100k samples in one go (a day of a few dozen targets): batched, so it stays quick.
    // No timing assertion (shared CI machines); the time is printed for whoever looks.
    ManualClock clock;
    HistoryStore::Options options = quiet();
    HistoryStore store(&clock, options);
    QVERIFY(store.open(m_dir.filePath(QStringLiteral("bulk.sqlite"))).has_value());
    QElapsedTimer timer;
    timer.start();
    const QDateTime start = clock.nowUtc();
    for (int i = 0; i < 100000; ++i)
        store.record(QStringLiteral("latency/t%1").arg(i % 40), start.addMSecs(i * 10), i % 500);
    QVERIFY(store.flush().has_value());
    qInfo("100k samples recorded and flushed in %lld ms", timer.elapsed());
    QCOMPARE(store.rawRowCount(), 100000);
    timer.restart();
    const auto points = store.query(QStringLiteral("latency/t0"), start, start.addSecs(1000), 500);
    qInfo("one series queried in %lld ms", timer.elapsed());
    QVERIFY(points.has_value());
    QCOMPARE(points->size(), 500);
}

QTEST_GUILESS_MAIN(tst_HistoryStore)
#include "tst_historystore.moc"
