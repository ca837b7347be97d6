// HistoryChartView on a real HistoryStore, offscreen: each range shows what the store holds
// for it (downsampled to at most kMaxPoints), a new sample is appended without a rebuild and
// the window slides, and a store without history makes the view say so.

#include "historychartview.h"

#include "history/historystore.h"

#include <QComboBox>
#include <QLabel>
#include <QTemporaryDir>
#include <QTest>
#include <QtCharts/QChart>

using namespace dr;
using dr::ui::HistoryChartView;

namespace {

constexpr qint64 kMinute = 60 * 1000;

HistoryStore::Options quiet()
{
    HistoryStore::Options o;
    o.flushIntervalMs = 0;
    o.compactIntervalMs = 0;
    return o;
}

} // namespace

class tst_HistoryChartView : public QObject
{
    Q_OBJECT

private slots:
    void pointsPerRange_data();
    void pointsPerRange();
    void appendsLive();
    void rangeSelectorIsAccessible();
    void saysWhenThereIsNoHistory();

private:
    QTemporaryDir m_dir;
};

void tst_HistoryChartView::pointsPerRange_data()
{
    QTest::addColumn<HistoryChartView::Range>("range");
    QTest::addColumn<int>("low");  // inclusive bounds of the expected point count
    QTest::addColumn<int>("high");

    // One sample a minute for 8 days, the last one now: a range of N minutes holds N + 1
    // samples (both ends included) until it needs more than kMaxPoints.
    QTest::newRow("15 min") << HistoryChartView::Range::Minutes15 << 16 << 16;
    QTest::newRow("1 h") << HistoryChartView::Range::Hour1 << 61 << 61;
    QTest::newRow("24 h") << HistoryChartView::Range::Hours24 << HistoryChartView::kMaxPoints / 2 << HistoryChartView::kMaxPoints;
    QTest::newRow("7 days") << HistoryChartView::Range::Days7 << HistoryChartView::kMaxPoints / 2 << HistoryChartView::kMaxPoints;
}

void tst_HistoryChartView::pointsPerRange()
{
    QFETCH(HistoryChartView::Range, range);
    QFETCH(int, low);
    QFETCH(int, high);

    ManualClock clock;
    HistoryStore store(&clock, quiet());
    QVERIFY(store.open(m_dir.filePath(QStringLiteral("ranges-%1.sqlite").arg(int(range)))).has_value());
    const int samples = 8 * 24 * 60;
    for (int i = 0; i <= samples; ++i)
        store.record(QStringLiteral("latency/west/bot-api"), clock.nowUtc().addMSecs(i * kMinute), 40 + i % 10);
    clock.advance(samples * kMinute);
    HistoryChartView view(&store);
    view.setSeries({{QStringLiteral("latency/west/bot-api"), QStringLiteral("Bot API latency, ms")},
                    {QStringLiteral("replication/lagSeconds"), QStringLiteral("Replication lag, s")}});
    view.setRange(range);
    view.show();
    const int shown = view.pointCount(QStringLiteral("latency/west/bot-api"));
    QVERIFY2(shown >= low && shown <= high, qPrintable(QString::number(shown)));
    // What the store says for the same range, downsampled the same way.
    const auto expected = store.query(QStringLiteral("latency/west/bot-api"), clock.nowUtc().addMSecs(-HistoryChartView::rangeMs(range)),
                                      clock.nowUtc(), HistoryChartView::kMaxPoints);
    QCOMPARE(shown, int(expected->size()));
    // A series with no samples is drawn empty; one not chosen is not drawn at all.
    QCOMPARE(view.pointCount(QStringLiteral("replication/lagSeconds")), 0);
    QCOMPARE(view.pointCount(QStringLiteral("latency/north/bot-api")), -1);
}

void tst_HistoryChartView::appendsLive()
{
    ManualClock clock;
    HistoryStore store(&clock, quiet());
    QVERIFY(store.open(m_dir.filePath(QStringLiteral("live.sqlite"))).has_value());
    for (int i = 0; i <= 60; ++i)
        store.record(QStringLiteral("k"), clock.nowUtc().addMSecs(i * kMinute), i);
    clock.advance(60 * kMinute);
    HistoryChartView view(&store);
    view.setSeries({{QStringLiteral("k"), QStringLiteral("k")}});
    view.setRange(HistoryChartView::Range::Minutes15);
    QCOMPARE(view.pointCount(QStringLiteral("k")), 16);
    const int reloads = view.reloadCount();
    // A minute later a new sample: appended, and the oldest point slides out of the window.
    clock.advance(kMinute);
    store.record(QStringLiteral("k"), clock.nowUtc(), 61);
    QCOMPARE(view.pointCount(QStringLiteral("k")), 16);
    QCOMPARE(view.reloadCount(), reloads);
    // A sample of another series changes nothing here.
    store.record(QStringLiteral("other"), clock.nowUtc(), 1);
    QCOMPARE(view.pointCount(QStringLiteral("k")), 16);
    QCOMPARE(view.reloadCount(), reloads);
    // Switching range re-queries, and sees the appended sample in the store.
    view.setRange(HistoryChartView::Range::Hour1);
    QCOMPARE(view.reloadCount(), reloads + 1);
    QCOMPARE(view.pointCount(QStringLiteral("k")), 61);
}

void tst_HistoryChartView::rangeSelectorIsAccessible()
{
    ManualClock clock;
    HistoryStore store(&clock, quiet());
    QVERIFY(store.open(m_dir.filePath(QStringLiteral("a11y.sqlite"))).has_value());
    HistoryChartView view(&store);
    auto *box = view.findChild<QComboBox *>();
    QVERIFY(box);
    QCOMPARE(box->accessibleName(), QStringLiteral("History range"));
    QCOMPARE(box->count(), 4);
    QCOMPARE(box->itemText(0), QStringLiteral("15 min"));
    QCOMPARE(box->itemText(3), QStringLiteral("7 days"));
    // Choosing in the box is choosing the range.
    box->setCurrentIndex(2);
    QCOMPARE(view.range(), HistoryChartView::Range::Hours24);
    view.setRange(HistoryChartView::Range::Days7);
    QCOMPARE(box->currentIndex(), 3);
}

void tst_HistoryChartView::saysWhenThereIsNoHistory()
{
    const QString path = m_dir.filePath(QStringLiteral("broken.sqlite"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(4096, 'z'));
    file.close();
    ManualClock clock;
    HistoryStore store(&clock, quiet());
    QVERIFY(!store.open(path).has_value());
    HistoryChartView view(&store);
    view.setSeries({{QStringLiteral("k"), QStringLiteral("k")}});
    view.show();
    bool said = false;
    for (const QLabel *label : view.findChildren<QLabel *>())
        said = said || (label->isVisible() && label->text().startsWith(QStringLiteral("No history: history is not available")));
    QVERIFY(said);
    QCOMPARE(view.pointCount(QStringLiteral("k")), 0);
}

QTEST_MAIN(tst_HistoryChartView)
#include "tst_historychartview.moc"
