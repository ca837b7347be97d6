// The PDF form: the HTML body laid out by QTextDocument on the PDF writer itself (so the
// fonts are measured at the PDF's resolution), the charts added as document resources, and
// the pages drawn one by one so that each gets the header line and the "Page N of M" footer
// that QTextDocument::print() cannot add. Text is drawn as text, so pdftotext (and an
// auditor's search) finds every figure.
#include "report/render.h"
#include "report/reportstyle.h"

#include <QAbstractTextDocumentLayout>
#include <QDir>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QTextDocument>
#include <QUrl>

namespace dr::report {

namespace {

constexpr int kResolutionDpi = 300; // plenty for print; text stays vector either way

struct PageText
{
    QString title;        // PDF metadata
    QString headerLeft;   // "profile  ·  run id"
    QString headerRight;  // "generated 2026-11-26 10:15:02 UTC"
    QString creator;
};

// Any letter spacing turns ligatures off in Qt's shaping: with "fi" drawn as one glyph,
// pdftotext (and a reader's search) would not find "certificates". Qt 6.4 has no font
// feature switch, and 0.05 px (the smallest step Qt keeps is 1/64) does not move a letter.
QFont pdfFont(qreal pointSize)
{
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPointSizeF(pointSize);
    font.setLetterSpacing(QFont::AbsoluteSpacing, 0.05);
    return font;
}

using BodyBuilder = std::function<QString(const detail::ImageSource &)>;

Result<void> writeDocument(const BodyBuilder &body, const QList<QImage> &charts, const PageText &text,
                           const QString &path, const RenderOptions &options)
{
    const QString where = QDir::toNativeSeparators(QFileInfo(path).absoluteFilePath());
    if (path.isEmpty())
        return fail(QStringLiteral("no file name given for the PDF report"));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(QStringLiteral("cannot write the PDF report %1: %2").arg(where, file.errorString()));

    QPdfWriter writer(&file);
    writer.setResolution(kResolutionDpi);
    writer.setTitle(text.title);
    writer.setCreator(text.creator.isEmpty() ? QStringLiteral("DR Console") : text.creator);
    const QPageSize size(options.pageSize == PageSize::Letter ? QPageSize::Letter : QPageSize::A4);
    writer.setPageLayout(QPageLayout(size, QPageLayout::Portrait, QMarginsF(15, 14, 15, 14), QPageLayout::Millimeter));

    QTextDocument document;
    document.documentLayout()->setPaintDevice(&writer);
    document.setDocumentMargin(0);
    document.setDefaultFont(pdfFont(9.5));
    for (qsizetype i = 0; i < charts.size(); ++i)
        document.addResource(QTextDocument::ImageResource, QUrl(QStringLiteral("chart-%1.png").arg(i)), charts.at(i));
    document.setHtml(body([](int index, const QImage &) { return QStringLiteral("chart-%1.png").arg(index); }));

    const QFont small = pdfFont(7.5);
    const QFontMetricsF fm(small, &writer);
    const QRectF paper = writer.pageLayout().paintRectPixels(kResolutionDpi);
    const qreal bandH = fm.height() * 2.2; // header and footer bands
    const QRectF content(0, bandH, paper.width(), paper.height() - 2 * bandH);
    if (content.height() < fm.height() * 10)
        return fail(QStringLiteral("the page is too small for the report (%1)").arg(where));
    document.setPageSize(content.size());
    const int pages = std::max(1, document.pageCount());

    QPainter painter;
    if (!painter.begin(&writer))
        return fail(QStringLiteral("cannot start the PDF report %1 (PDF writer)").arg(where));
    const QPen rule(QColor(0x88, 0x88, 0x88), kResolutionDpi / 150.0);
    for (int page = 0; page < pages; ++page) {
        if (page > 0 && !writer.newPage()) {
            painter.end();
            file.cancelWriting();
            return fail(QStringLiteral("cannot add page %1 to the PDF report %2").arg(page + 1).arg(where));
        }
        painter.setFont(small);
        painter.setPen(QColor(0x33, 0x33, 0x33));
        const QRectF header(0, 0, content.width(), fm.height() * 1.3);
        painter.drawText(header, Qt::AlignLeft | Qt::AlignVCenter, fm.elidedText(text.headerLeft, Qt::ElideRight, content.width() * 0.62));
        painter.drawText(header, Qt::AlignRight | Qt::AlignVCenter, text.headerRight);
        painter.setPen(rule);
        painter.drawLine(QPointF(0, header.bottom() + 2), QPointF(content.width(), header.bottom() + 2));

        painter.save();
        painter.translate(content.left(), content.top() - page * content.height());
        QAbstractTextDocumentLayout::PaintContext context;
        context.clip = QRectF(0, page * content.height(), content.width(), content.height());
        painter.setClipRect(context.clip);
        document.documentLayout()->draw(&painter, context);
        painter.restore();

        const QRectF footer(0, paper.height() - fm.height() * 1.3, content.width(), fm.height() * 1.3);
        painter.setPen(rule);
        painter.drawLine(QPointF(0, footer.top() - 2), QPointF(content.width(), footer.top() - 2));
        painter.setPen(QColor(0x33, 0x33, 0x33));
        painter.drawText(footer, Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("Page %1 of %2").arg(page + 1).arg(pages));
        painter.drawText(footer, Qt::AlignLeft | Qt::AlignVCenter, fm.elidedText(text.title, Qt::ElideRight, content.width() * 0.6));

        if (options.progress && !options.progress(page + 1, pages)) {
            painter.end();
            file.cancelWriting();
            return fail(QStringLiteral("the PDF report %1 was cancelled at page %2 of %3; no file was written")
                            .arg(where).arg(page + 1).arg(pages));
        }
    }
    if (!painter.end())
        return fail(QStringLiteral("cannot finish the PDF report %1 (PDF writer)").arg(where));
    if (!file.commit())
        return fail(QStringLiteral("cannot write the PDF report %1: %2").arg(where, file.errorString()));
    return {};
}

} // namespace

Result<void> writePdf(const RunReport &report, const QString &path, const RenderOptions &options)
{
    const QList<QImage> charts = detail::renderCharts(report.charts, options);
    PageText text;
    text.title = QStringLiteral("DR Console report %1").arg(report.run.id);
    text.headerLeft = report.profileName + QStringLiteral("  \u00b7  run ") + report.run.id;
    text.headerRight = QStringLiteral("generated ") + detail::timeText(report.generatedAt);
    text.creator = report.generator;
    return writeDocument(
        [&](const detail::ImageSource &source) {
            return detail::runReportHtml(report, charts, detail::Target::TextDocument, source);
        },
        charts, text, path, options);
}

Result<void> writePdf(const ReadinessReport &report, const QString &path, const RenderOptions &options)
{
    const QList<QImage> charts = detail::renderCharts(report.charts, options);
    PageText text;
    text.title = QStringLiteral("DR Console readiness report %1").arg(report.profileName);
    text.headerLeft = report.profileName + QStringLiteral("  \u00b7  Readiness ") + detail::timeText(report.from)
                      + QStringLiteral(" to ") + detail::timeText(report.to);
    text.headerRight = QStringLiteral("generated ") + detail::timeText(report.generatedAt);
    text.creator = report.generator;
    return writeDocument(
        [&](const detail::ImageSource &source) {
            return detail::readinessReportHtml(report, charts, detail::Target::TextDocument, source);
        },
        charts, text, path, options);
}

} // namespace dr::report
