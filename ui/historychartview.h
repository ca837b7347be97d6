#pragma once

// A history chart: the chosen series of a HistoryStore over a chosen range (15 min, 1 h,
// 24 h, 7 days), on a time axis. Switching range or series re-queries the store (each series
// downsampled to at most kMaxPoints); new samples are appended as the store records them, and
// points that slide out of the range are dropped from the front, so a live chart costs an
// append per sample, not a rebuild. When the store has no history (a corrupt or unwritable
// file), the view says so instead of drawing an empty chart.
//
// The store (and its clock, for "now") must outlive the view.

#include <QHash>
#include <QList>
#include <QString>
#include <QWidget>

class QChart;
class QChartView;
class QComboBox;
class QDateTimeAxis;
class QLabel;
class QLineSeries;
class QValueAxis;

namespace dr {
class HistoryStore;
}

namespace dr::ui {

class HistoryChartView : public QWidget
{
    Q_OBJECT

public:
    enum class Range { Minutes15, Hour1, Hours24, Days7 };
    Q_ENUM(Range)

    struct SeriesSpec
    {
        QString key;   // the store's series key, e.g. HistoryRecorder::latencyKey(id)
        QString label; // the legend's words, e.g. "Bot API (Lab West) latency, ms"
    };

    static constexpr int kMaxPoints = 600;

    explicit HistoryChartView(dr::HistoryStore *store, QWidget *parent = nullptr);

    void setSeries(const QList<SeriesSpec> &series);
    QList<SeriesSpec> series() const { return m_specs; }
    void setRange(Range range);
    Range range() const { return m_range; }
    void setTitle(const QString &title);

    static qint64 rangeMs(Range range);
    static QString rangeName(Range range); // "15 min", "1 h", "24 h", "7 days"

    // Re-queries every series (after a range or series change; also on demand).
    void reload();

    // For tests and diagnostics: points currently drawn for a series (-1: not shown), and how
    // often the view was rebuilt from the store.
    int pointCount(const QString &key) const;
    int reloadCount() const { return m_reloads; }
    QChart *chart() const { return m_chart; }

signals:
    void rangeChanged(dr::ui::HistoryChartView::Range range);

private:
    void onRecorded(const QString &key, const QDateTime &at, double value);
    void updateAxes();
    void showUnavailable();

    dr::HistoryStore *m_store;
    QList<SeriesSpec> m_specs;
    QHash<QString, QLineSeries *> m_lines;
    Range m_range = Range::Hour1;
    QComboBox *m_rangeBox;
    QLabel *m_notice;
    QChart *m_chart;
    QChartView *m_view;
    QDateTimeAxis *m_timeAxis;
    QValueAxis *m_valueAxis;
    double m_maxValue = 0;
    int m_reloads = 0;
};

} // namespace dr::ui
