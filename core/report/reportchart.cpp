// Charts of the report drawn with QPainter alone (no Qt Charts, no Widgets), so drctl can
// render them on the offscreen platform. Huge series are reduced to the min and max of each
// pixel column before drawing: the picture is the same and 10^5 points cost one pass.
#include "report/render.h"
#include "report/reportstyle.h"

#include <QDateTime>
#include <QFontMetrics>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace dr::report {

namespace {

// Okabe-Ito: told apart by people with the common colour-vision deficiencies; the dash
// styles tell the series apart again on a grey-scale print.
constexpr std::array<QRgb, 6> kPalette = {0xff0072b2, 0xffd55e00, 0xff009e73, 0xffcc79a7, 0xffe69f00, 0xff000000};
constexpr std::array<Qt::PenStyle, 5> kDashes = {Qt::SolidLine, Qt::DashLine, Qt::DashDotLine, Qt::DotLine,
                                                 Qt::DashDotDotLine};

QPen seriesPen(int index, qreal width)
{
    QPen pen{QColor::fromRgb(kPalette[size_t(index) % kPalette.size()]), width};
    pen.setStyle(kDashes[size_t(index) % kDashes.size()]);
    pen.setCapStyle(Qt::FlatCap);
    pen.setJoinStyle(Qt::RoundJoin);
    return pen;
}

// 1, 2, 2.5, 5 x 10^n: the step of about `targetTicks` ticks over `span`.
double niceStep(double span, int targetTicks)
{
    if (!(span > 0) || !std::isfinite(span))
        return 1;
    const double raw = span / std::max(1, targetTicks);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double factor : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        if (raw <= factor * magnitude)
            return factor * magnitude;
    }
    return 10 * magnitude;
}

// Time ticks on round clock values.
qint64 timeStep(qint64 spanMs, int targetTicks)
{
    static constexpr std::array<qint64, 22> steps = {
        1000, 2000, 5000, 10'000, 15'000, 30'000, 60'000, 120'000, 300'000, 600'000, 900'000, 1'800'000,
        3'600'000, 7'200'000, 10'800'000, 21'600'000, 43'200'000, 86'400'000, 172'800'000, 604'800'000,
        1'209'600'000, 2'592'000'000};
    const qint64 raw = spanMs / std::max(1, targetTicks);
    for (const qint64 step : steps) {
        if (raw <= step)
            return step;
    }
    return steps.back() * ((raw / steps.back()) + 1);
}

QString valueLabel(double value, double step)
{
    const int decimals = step >= 1 ? 0 : std::min(6, int(std::ceil(-std::log10(step))));
    if (std::abs(value) < step / 1e6)
        value = 0; // "-0" and 1e-17 from the tick arithmetic
    return QLocale::c().toString(value, 'f', decimals);
}

struct Range
{
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    bool valid() const { return lo <= hi; }
};

void drawCentredText(QPainter &painter, const QRectF &rect, const QString &text)
{
    painter.drawText(rect, Qt::AlignCenter | Qt::TextWordWrap, text);
}

} // namespace

QImage renderChart(const Chart &chart, int widthPx, int heightPx)
{
    const int w = std::clamp(widthPx, 120, 8000);
    const int h = std::clamp(heightPx, 80, 8000);
    QImage image(w, h, QImage::Format_ARGB32);
    image.fill(Qt::white);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);

    // Pixel sizes: the image's own scale, whatever the screen (offscreen has none).
    const int basePx = std::clamp(h / 26, 10, 28);
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPixelSize(basePx);
    QFont titleFont = font;
    titleFont.setPixelSize(basePx + 3);
    titleFont.setBold(true);
    const QFontMetrics fm(font);
    const QFontMetrics titleFm(titleFont);
    const QColor ink(0x22, 0x22, 0x22);
    const QColor grid(0xdd, 0xdd, 0xdd);

    painter.setFont(titleFont);
    painter.setPen(ink);
    const QRectF titleRect(8, 4, w - 16, titleFm.height() + 4);
    painter.drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter, titleFm.elidedText(chart.title, Qt::ElideRight, w - 16));
    painter.setFont(font);

    // The points worth drawing: finite ones, inside the chart's window when it has one.
    qint64 fromMs = chart.fromMs, toMs = chart.toMs;
    const bool window = toMs > fromMs;
    Range values;
    qint64 dataFrom = std::numeric_limits<qint64>::max(), dataTo = std::numeric_limits<qint64>::min();
    qsizetype drawable = 0;
    for (const ChartSeries &series : chart.series) {
        for (const ChartPoint &point : series.points) {
            if (!std::isfinite(point.value) || (window && (point.atMs < fromMs || point.atMs > toMs)))
                continue;
            ++drawable;
            values.lo = std::min(values.lo, point.value);
            values.hi = std::max(values.hi, point.value);
            dataFrom = std::min(dataFrom, point.atMs);
            dataTo = std::max(dataTo, point.atMs);
        }
    }

    const qreal legendRowH = fm.height() + 6;
    const qreal top = titleRect.bottom() + 6 + fm.height(); // room for the unit and marker labels
    const qreal xLabelsH = 2 * fm.height() + 6;

    if (drawable == 0) {
        painter.setPen(QColor(0x66, 0x66, 0x66));
        const QString reason = chart.emptyReason.isEmpty() ? QStringLiteral("no data points in this period")
                                                           : chart.emptyReason;
        QRectF box(w * 0.08, top, w * 0.84, h - top - 8);
        painter.setPen(QPen(grid, 1, Qt::DashLine));
        painter.drawRect(box.adjusted(-4, -4, 4, 4));
        painter.setPen(QColor(0x55, 0x55, 0x55));
        drawCentredText(painter, box, reason);
        painter.end();
        return image;
    }

    if (!window) {
        fromMs = dataFrom;
        toMs = dataTo;
    }
    if (toMs <= fromMs) { // one instant: a minute around it
        fromMs -= 30'000;
        toMs += 30'000;
    }

    // The y range: from 0 for the usual non-negative figures (lags, latencies), padded.
    double yLo = values.lo, yHi = values.hi;
    if (yLo >= 0 && yLo <= yHi * 0.5)
        yLo = 0;
    if (yHi - yLo <= std::abs(yHi) * 1e-9) { // all equal
        const double pad = yHi == 0 ? 1 : std::abs(yHi) * 0.1;
        yLo = (yLo >= 0 && yLo - pad < 0) ? 0 : yLo - pad;
        yHi += pad;
    }
    const double yStep = niceStep(yHi - yLo, std::max(2, int((h - top) / (fm.height() * 3))));
    yLo = std::floor(yLo / yStep) * yStep;
    yHi = std::ceil(yHi / yStep) * yStep;
    if (yHi <= yLo)
        yHi = yLo + yStep;

    // The legend: as many rows as the titles need.
    QList<QRectF> legendItems;
    {
        qreal x = 8, rowTop = 0;
        const qreal sample = basePx * 2.5;
        for (const ChartSeries &series : chart.series) {
            const qreal itemW = sample + 6 + fm.horizontalAdvance(series.title.isEmpty() ? series.key : series.title) + 18;
            if (x + itemW > w - 8 && x > 8) {
                x = 8;
                rowTop += legendRowH;
            }
            legendItems.append(QRectF(x, rowTop, itemW, legendRowH));
            x += itemW;
        }
    }
    const qreal legendH = legendItems.isEmpty() ? 0 : legendItems.back().bottom() + 4;

    qreal yLabelW = 0;
    for (double v = yLo; v <= yHi + yStep / 2; v += yStep)
        yLabelW = std::max<qreal>(yLabelW, fm.horizontalAdvance(valueLabel(v, yStep)));
    const QRectF plot(8 + yLabelW + 8, top, w - (8 + yLabelW + 8) - 16, h - top - xLabelsH - legendH - 6);
    if (plot.width() < 20 || plot.height() < 20) {
        drawCentredText(painter, QRectF(0, top, w, h - top), QStringLiteral("chart too small to draw"));
        painter.end();
        return image;
    }
    const double spanMs = double(toMs - fromMs);
    auto xOf = [&](qint64 atMs) { return plot.left() + (double(atMs - fromMs) / spanMs) * plot.width(); };
    auto yOf = [&](double v) { return plot.bottom() - ((v - yLo) / (yHi - yLo)) * plot.height(); };

    // Grid, y ticks and the unit.
    painter.setPen(QPen(grid, 1));
    for (double v = yLo; v <= yHi + yStep / 2; v += yStep) {
        const qreal y = yOf(v);
        painter.setPen(QPen(grid, 1));
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        painter.setPen(ink);
        painter.drawText(QRectF(4, y - fm.height() / 2.0, yLabelW + 4, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
                         valueLabel(v, yStep));
    }
    if (!chart.unit.isEmpty()) {
        painter.setPen(ink);
        painter.drawText(QRectF(4, titleRect.bottom() + 2, w / 2.0, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                         chart.unit);
    }

    // Time ticks: HH:mm:ss in UTC, the date below the first tick of each day when the
    // window spans more than one.
    const qint64 tStep = timeStep(toMs - fromMs, std::max(2, int(plot.width() / (fm.horizontalAdvance(QStringLiteral("00:00:00")) * 1.8))));
    const bool spansDays = QDateTime::fromMSecsSinceEpoch(fromMs, Qt::UTC).date()
                           != QDateTime::fromMSecsSinceEpoch(toMs, Qt::UTC).date();
    QDate lastDate;
    for (qint64 t = ((fromMs + tStep - 1) / tStep) * tStep; t <= toMs; t += tStep) {
        const qreal x = xOf(t);
        painter.setPen(QPen(grid, 1));
        painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        painter.setPen(ink);
        painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4));
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(t, Qt::UTC);
        const QString label = at.toString(QStringLiteral("HH:mm:ss"));
        const qreal lw = fm.horizontalAdvance(label) + 4;
        painter.drawText(QRectF(x - lw / 2, plot.bottom() + 5, lw, fm.height()), Qt::AlignCenter, label);
        if (spansDays && at.date() != lastDate) {
            const QString date = at.toString(QStringLiteral("yyyy-MM-dd"));
            const qreal dw = fm.horizontalAdvance(date) + 4;
            painter.drawText(QRectF(x - dw / 2, plot.bottom() + 5 + fm.height(), dw, fm.height()), Qt::AlignCenter, date);
            lastDate = at.date();
        }
    }
    if (!spansDays) {
        const QString note = QDateTime::fromMSecsSinceEpoch(fromMs, Qt::UTC).toString(QStringLiteral("yyyy-MM-dd")) + QStringLiteral(" (UTC)");
        painter.drawText(QRectF(plot.left(), plot.bottom() + 5 + fm.height(), plot.width(), fm.height()),
                         Qt::AlignRight | Qt::AlignVCenter, note);
    }

    // Axes.
    painter.setPen(QPen(ink, 1));
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    painter.drawLine(plot.bottomLeft(), plot.topLeft());

    // Series, min/max per pixel column: at most ~2 points per column whatever the length.
    painter.save();
    painter.setClipRect(plot.adjusted(-1, -2, 1, 2));
    const int columns = std::max(1, int(plot.width()));
    for (qsizetype s = 0; s < chart.series.size(); ++s) {
        const ChartSeries &series = chart.series.at(s);
        QPolygonF line;
        line.reserve(std::min<qsizetype>(series.points.size(), qsizetype(columns) * 2 + 2));
        int column = -1;
        ChartPoint lo{}, hi{};
        auto flush = [&] {
            if (column < 0)
                return;
            const ChartPoint &a = lo.atMs <= hi.atMs ? lo : hi;
            const ChartPoint &b = lo.atMs <= hi.atMs ? hi : lo;
            line.append(QPointF(xOf(a.atMs), yOf(a.value)));
            if (a.atMs != b.atMs || a.value != b.value)
                line.append(QPointF(xOf(b.atMs), yOf(b.value)));
        };
        for (const ChartPoint &point : series.points) {
            if (!std::isfinite(point.value) || point.atMs < fromMs || point.atMs > toMs)
                continue;
            const int c = std::clamp(int((double(point.atMs - fromMs) / spanMs) * columns), 0, columns - 1);
            if (c != column) {
                flush();
                column = c;
                lo = hi = point;
            } else {
                if (point.value < lo.value)
                    lo = point;
                if (point.value > hi.value)
                    hi = point;
            }
        }
        flush();
        const qreal penW = std::max<qreal>(1.5, basePx / 6.0);
        painter.setPen(seriesPen(int(s), penW));
        if (line.size() == 1) { // a single point: a dot that can be seen
            painter.setBrush(QColor::fromRgb(kPalette[size_t(s) % kPalette.size()]));
            painter.drawEllipse(line.front(), penW * 2, penW * 2);
            painter.setBrush(Qt::NoBrush);
        } else {
            painter.drawPolyline(line);
        }
    }
    painter.restore();

    // Markers: a vertical line each, labels staggered so neighbours do not overwrite.
    {
        QList<qreal> labelEnds;
        int row = 0;
        for (const ChartMarker &marker : chart.markers) {
            if (marker.atMs < fromMs || marker.atMs > toMs)
                continue;
            const qreal x = xOf(marker.atMs);
            painter.setPen(QPen(QColor(0x55, 0x55, 0x55), 1, Qt::DashLine));
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
            const qreal lw = fm.horizontalAdvance(marker.label) + 6;
            row = 0;
            while (row < labelEnds.size() && labelEnds.at(row) > x - 2)
                ++row;
            if (row == labelEnds.size())
                labelEnds.append(0);
            labelEnds[row] = x + lw;
            const qreal y = plot.top() - fm.height() + row * (fm.height() + 1);
            const qreal lx = std::min<qreal>(x + 2, w - lw - 2);
            QRectF box(lx, y, lw, fm.height());
            painter.fillRect(box, QColor(255, 255, 255, 220));
            painter.setPen(ink);
            painter.drawText(box, Qt::AlignLeft | Qt::AlignVCenter, marker.label);
        }
    }

    // Legend.
    const qreal legendTop = plot.bottom() + xLabelsH + 4;
    for (qsizetype s = 0; s < chart.series.size(); ++s) {
        const QRectF item = legendItems.at(s).translated(0, legendTop);
        const qreal sample = basePx * 2.5;
        const qreal cy = item.center().y();
        painter.setPen(seriesPen(int(s), std::max<qreal>(2, basePx / 5.0)));
        painter.drawLine(QPointF(item.left(), cy), QPointF(item.left() + sample, cy));
        painter.setPen(ink);
        const ChartSeries &series = chart.series.at(s);
        painter.drawText(QRectF(item.left() + sample + 6, item.top(), item.width() - sample - 6, item.height()),
                         Qt::AlignLeft | Qt::AlignVCenter, series.title.isEmpty() ? series.key : series.title);
    }

    painter.end();
    return image;
}

} // namespace dr::report
