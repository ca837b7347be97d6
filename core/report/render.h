#pragma once
// Renderers of the report model (report.h). One model, four forms:
// - JSON: the documented schema (docs/REPORTS.md), the canonical form that contentSha256
//   is computed over; parses back with runReportFromJson().
// - CSV: gates and steps (and for readiness reports components and certificates), one row
//   each, RFC 4180 quoting, a "section" first column.
// - HTML: one self-contained file: inline CSS, charts as data: URI PNG images, nothing
//   remote (no http(s): reference of any kind).
// - PDF: QPdfWriter + QTextDocument, A4 or Letter, a header with the profile and run id on
//   every page, "Page N of M" footers, charts embedded as images.
//
// HTML and PDF need a QGuiApplication (fonts); drctl creates one on the offscreen platform
// for `drctl report`. Charts are drawn with QPainter (no Qt Charts, no Widgets).
#include "common/result.h"
#include "report/report.h"
#include <QByteArray>
#include <QImage>
#include <QJsonObject>
#include <QString>
#include <functional>

namespace dr::report {

enum class Format { Pdf, Html, Csv, Json };
Result<Format> formatFromName(const QString &name); // pdf, html, csv, json
QString formatName(Format format);
QString formatSuffix(Format format); // ".pdf", ...

enum class PageSize { A4, Letter };

struct RenderOptions
{
    PageSize pageSize = PageSize::A4;
    int chartWidthPx = 1000;
    int chartHeightPx = 360;
    // Called now and then during long renders (PDF pages, charts): done out of total. The
    // console's export dialog shows it; returning false cancels (the render answers an error).
    std::function<bool(int done, int total)> progress;
};

QJsonObject toJson(const RunReport &report);
QJsonObject toJson(const ReadinessReport &report);
Result<RunReport> runReportFromJson(const QJsonObject &json); // for tests and tools

QByteArray toCsv(const RunReport &report);
QByteArray toCsv(const ReadinessReport &report);

QByteArray toHtml(const RunReport &report, const RenderOptions &options = {});
QByteArray toHtml(const ReadinessReport &report, const RenderOptions &options = {});

// Writes the PDF to `path` (atomically: a temporary file renamed at the end).
Result<void> writePdf(const RunReport &report, const QString &path, const RenderOptions &options = {});
Result<void> writePdf(const ReadinessReport &report, const QString &path, const RenderOptions &options = {});

// One chart as an image (PNG in HTML, embedded in PDF); an empty chart draws its emptyReason.
QImage renderChart(const Chart &chart, int widthPx, int heightPx);

// Renders in the given format and writes `path` atomically (QSaveFile).
Result<void> writeReport(const RunReport &report, Format format, const QString &path,
                         const RenderOptions &options = {});
Result<void> writeReport(const ReadinessReport &report, Format format, const QString &path,
                         const RenderOptions &options = {});

} // namespace dr::report
