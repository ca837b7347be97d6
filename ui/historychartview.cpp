#include "historychartview.h"

#include "history/historystore.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>

namespace dr::ui {

namespace {

constexpr HistoryChartView::Range kRanges[] = {HistoryChartView::Range::Minutes15, HistoryChartView::Range::Hour1,
                                               HistoryChartView::Range::Hours24, HistoryChartView::Range::Days7};

} // namespace

HistoryChartView::HistoryChartView(dr::HistoryStore *store, QWidget *parent)
    : QWidget(parent)
    , m_store(store)
    , m_rangeBox(new QComboBox(this))
    , m_notice(new QLabel(this))
    , m_chart(new QChart)
    , m_view(new QChartView(m_chart, this))
    , m_timeAxis(new QDateTimeAxis)
    , m_valueAxis(new QValueAxis)
{
    setAccessibleName(tr("History"));
    for (const Range r : kRanges)
        m_rangeBox->addItem(rangeName(r), QVariant::fromValue(r));
    m_rangeBox->setCurrentIndex(int(m_range));
    m_rangeBox->setAccessibleName(tr("History range"));
    m_rangeBox->setToolTip(tr("How far back the chart goes"));
    connect(m_rangeBox, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index >= 0)
            setRange(kRanges[index]);
    });
    auto *rangeLabel = new QLabel(tr("&Range:"), this);
    rangeLabel->setBuddy(m_rangeBox);

    m_notice->setWordWrap(true);
    m_notice->setAccessibleName(tr("History status"));
    m_notice->hide();

    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_valueAxis, Qt::AlignLeft);
    m_timeAxis->setTickCount(5);
    m_valueAxis->setLabelFormat(QStringLiteral("%g"));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setAccessibleName(tr("History chart"));
    m_view->setMinimumHeight(160);

    auto *top = new QHBoxLayout;
    top->addWidget(rangeLabel);
    top->addWidget(m_rangeBox);
    top->addStretch();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_notice);
    layout->addWidget(m_view, 1);

    if (m_store)
        connect(m_store, &dr::HistoryStore::recorded, this, &HistoryChartView::onRecorded);
    reload();
}

qint64 HistoryChartView::rangeMs(Range range)
{
    switch (range) {
    case Range::Minutes15:
        return 15LL * 60 * 1000;
    case Range::Hour1:
        return 3600LL * 1000;
    case Range::Hours24:
        return 24LL * 3600 * 1000;
    case Range::Days7:
        return 7LL * 24 * 3600 * 1000;
    }
    return 3600LL * 1000;
}

QString HistoryChartView::rangeName(Range range)
{
    switch (range) {
    case Range::Minutes15:
        return tr("15 min");
    case Range::Hour1:
        return tr("1 h");
    case Range::Hours24:
        return tr("24 h");
    case Range::Days7:
        return tr("7 days");
    }
    return QString();
}

void HistoryChartView::setTitle(const QString &title)
{
    m_chart->setTitle(title);
    m_view->setAccessibleName(tr("History chart: %1").arg(title));
}

void HistoryChartView::setSeries(const QList<SeriesSpec> &series)
{
    m_specs = series;
    m_chart->removeAllSeries(); // deletes them
    m_lines.clear();
    for (const SeriesSpec &spec : std::as_const(m_specs)) {
        auto *line = new QLineSeries;
        line->setName(spec.label);
        m_chart->addSeries(line);
        line->attachAxis(m_timeAxis);
        line->attachAxis(m_valueAxis);
        m_lines.insert(spec.key, line);
    }
    QStringList labels;
    for (const SeriesSpec &spec : std::as_const(m_specs))
        labels.append(spec.label);
    m_view->setAccessibleDescription(labels.join(QStringLiteral(", ")));
    reload();
}

void HistoryChartView::setRange(Range range)
{
    if (range == m_range)
        return;
    m_range = range;
    {
        const QSignalBlocker block(m_rangeBox);
        m_rangeBox->setCurrentIndex(int(range));
    }
    reload();
    emit rangeChanged(range);
}

void HistoryChartView::showUnavailable()
{
    m_notice->setText(tr("No history: %1").arg(m_store ? m_store->error() : tr("no history store")));
    m_notice->show();
    m_view->setEnabled(false);
}

void HistoryChartView::reload()
{
    ++m_reloads;
    if (!m_store || !m_store->isOpen()) {
        showUnavailable();
        for (QLineSeries *line : std::as_const(m_lines))
            line->clear();
        return;
    }
    m_notice->hide();
    m_view->setEnabled(true);
    const QDateTime now = m_store->clock()->nowUtc();
    const QDateTime from = now.addMSecs(-rangeMs(m_range));
    m_maxValue = 0;
    for (const SeriesSpec &spec : std::as_const(m_specs)) {
        QLineSeries *line = m_lines.value(spec.key);
        const auto points = m_store->query(spec.key, from, now, kMaxPoints);
        if (!points) {
            showUnavailable();
            line->clear();
            continue;
        }
        QList<QPointF> xy;
        xy.reserve(points->size());
        for (const HistoryPoint &p : *points) {
            xy.append(QPointF(double(p.atMs), p.avg));
            m_maxValue = std::max(m_maxValue, p.max);
        }
        line->replace(xy); // one repaint, not one per point
    }
    updateAxes();
}

void HistoryChartView::updateAxes()
{
    const QDateTime now = m_store && m_store->isOpen() ? m_store->clock()->nowUtc() : QDateTime::currentDateTimeUtc();
    m_timeAxis->setRange(now.addMSecs(-rangeMs(m_range)).toLocalTime(), now.toLocalTime());
    m_timeAxis->setFormat(m_range == Range::Days7 ? QStringLiteral("ddd HH:mm") : QStringLiteral("HH:mm"));
    m_valueAxis->setRange(0, m_maxValue > 0 ? m_maxValue * 1.1 : 1.0);
}

void HistoryChartView::onRecorded(const QString &key, const QDateTime &at, double value)
{
    QLineSeries *line = m_lines.value(key);
    if (!line)
        return;
    const QDateTime now = m_store->clock()->nowUtc();
    const qint64 fromMs = now.addMSecs(-rangeMs(m_range)).toMSecsSinceEpoch();
    if (at.toMSecsSinceEpoch() < fromMs)
        return;
    line->append(double(at.toMSecsSinceEpoch()), value);
    // Slide the window: drop what fell out of the range, from the front (points are in time order).
    int stale = 0;
    while (stale < line->count() && line->at(stale).x() < double(fromMs))
        ++stale;
    if (stale > 0)
        line->removePoints(0, stale);
    if (line->count() > 2 * kMaxPoints) {
        reload(); // live points are not downsampled: re-query now and then to stay bounded
        return;
    }
    m_maxValue = std::max(m_maxValue, value);
    updateAxes();
}

int HistoryChartView::pointCount(const QString &key) const
{
    const QLineSeries *line = m_lines.value(key);
    return line ? int(line->count()) : -1;
}

} // namespace dr::ui
