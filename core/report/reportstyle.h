#pragma once
// Shared by the HTML and PDF renderers (internal to drreport): the text formats of times,
// durations and figures, and the report body as HTML. The PDF is laid out by QTextDocument
// from the same body, so both forms say the same thing; only the image references and the
// style sheet differ (QTextDocument understands a subset of CSS).
#include "report/render.h"
#include <QImage>
#include <QString>
#include <functional>
#include <optional>

namespace dr::report::detail {

QString esc(const QString &text);                     // HTML-escaped
QString timeText(const QDateTime &at);                // "2026-11-26 10:15:02 UTC", "-" when invalid
QString timeTextMs(qint64 msSinceEpoch);              // same for a chart time
QString durationText(qint64 ms);                      // "850 ms", "2.4 s", "3 min 05 s", "-"
QString numberText(double value);                     // "1,234.5" (at most 2 decimals)
QString figureText(const std::optional<double> &value, const QString &unit); // "2.4 s", "not measured"

enum class Target { Browser, TextDocument };

// The src of chart `index` (its image already rendered): a data: URI for the browser, a
// resource name for QTextDocument.
using ImageSource = std::function<QString(int index, const QImage &image)>;

// The chart images at the options' size, rendered once for a document.
QList<QImage> renderCharts(const QList<Chart> &charts, const RenderOptions &options);

// The whole document (<!DOCTYPE html> ... </html>).
QString runReportHtml(const RunReport &report, const QList<QImage> &charts, Target target,
                      const ImageSource &source);
QString readinessReportHtml(const ReadinessReport &report, const QList<QImage> &charts, Target target,
                            const ImageSource &source);

} // namespace dr::report::detail
