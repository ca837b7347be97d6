// The HTML form of the reports, and the body the PDF is laid out from (reportstyle.h).
// Every piece of recorded text goes through esc(): notes, reasons and summaries come from
// operators and from remote services, and must stay text in the document. Nothing remote:
// the style sheet is inline and the charts are data: URIs, so the file reads the same on an
// auditor's machine without network and leaks nothing when opened.
#include "report/render.h"
#include "report/reportstyle.h"

#include <QBuffer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>
#include <QLocale>

#include <cmath>

namespace dr::report {
namespace detail {

QString esc(const QString &text)
{
    return text.toHtmlEscaped();
}

QString timeText(const QDateTime &at)
{
    if (!at.isValid())
        return QStringLiteral("-");
    return at.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) + QStringLiteral(" UTC");
}

QString timeTextMs(qint64 msSinceEpoch)
{
    return timeText(QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC));
}

QString numberText(double value)
{
    if (!std::isfinite(value))
        return QStringLiteral("-");
    const QLocale english(QLocale::English, QLocale::UnitedStates);
    const double rounded = std::round(value * 100) / 100;
    QString text = english.toString(rounded, 'f', 2);
    // 2.40 -> 2.4, 3.00 -> 3
    if (text.contains(QLatin1Char('.'))) {
        while (text.endsWith(QLatin1Char('0')))
            text.chop(1);
        if (text.endsWith(QLatin1Char('.')))
            text.chop(1);
    }
    if (text == QStringLiteral("-0"))
        text = QStringLiteral("0");
    return text;
}

QString durationText(qint64 ms)
{
    if (ms < 0)
        return QStringLiteral("-");
    if (ms < 1000)
        return QString::number(ms) + QStringLiteral(" ms");
    if (ms < 60'000)
        return numberText(std::round(double(ms) / 100) / 10) + QStringLiteral(" s");
    const qint64 s = (ms + 500) / 1000;
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
}

QString figureText(const std::optional<double> &value, const QString &unit)
{
    if (!value)
        return QStringLiteral("not measured");
    return unit.isEmpty() ? numberText(*value) : numberText(*value) + QLatin1Char(' ') + unit;
}

QList<QImage> renderCharts(const QList<Chart> &charts, const RenderOptions &options)
{
    QList<QImage> images;
    images.reserve(charts.size());
    for (const Chart &chart : charts)
        images.append(renderChart(chart, options.chartWidthPx, options.chartHeightPx));
    return images;
}

namespace {

QString cls(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Pass:
        return QStringLiteral("pass");
    case Verdict::Fail:
        return QStringLiteral("fail");
    case Verdict::NotMeasured:
        break;
    }
    return QStringLiteral("nm");
}

QString badge(Verdict verdict)
{
    return QStringLiteral("<span class=\"badge %1\">&nbsp;%2&nbsp;</span>").arg(cls(verdict), verdictName(verdict));
}

// The two style sheets: a browser gets the full one; QTextDocument reads a subset (no
// max-width, no border-radius, no media queries) and takes table borders and padding from
// the table attributes, so the markup carries those too.
QString styleSheet(Target target)
{
    QString css = QStringLiteral(
        "body { font-family: 'DejaVu Sans', Arial, Helvetica, sans-serif; font-size: 9.5pt; color: #1a1a1a; }\n"
        "h1 { font-size: 16pt; margin-top: 0; margin-bottom: 4px; }\n"
        "h2 { font-size: 12.5pt; margin-top: 16px; margin-bottom: 6px; color: #0b3d6b; }\n"
        "h3 { font-size: 10.5pt; margin-top: 10px; margin-bottom: 4px; }\n"
        "th { background-color: #e9eef3; text-align: left; font-weight: bold; }\n"
        "td.num, th.num { text-align: right; }\n"
        ".badge { font-weight: bold; }\n"
        ".pass { color: #ffffff; background-color: #1b6e37; }\n"
        ".fail { color: #ffffff; background-color: #b00020; }\n"
        ".nm { color: #ffffff; background-color: #5a5a5a; }\n"
        ".verdict { font-size: 13pt; }\n"
        ".broken { color: #b00020; font-weight: bold; }\n"
        ".intact { color: #1b6e37; font-weight: bold; }\n"
        ".auditsummary { font-size: 11pt; }\n"
        ".overdue { color: #b00020; font-weight: bold; font-size: 11pt; }\n"
        ".muted { color: #555555; }\n"
        ".small { font-size: 8pt; }\n"
        ".worse { color: #b00020; }\n"
        ".better { color: #1b6e37; }\n"
        ".footer { color: #444444; font-size: 8pt; }\n"
        ".nowrap { white-space: nowrap; }\n"
        "table.audit { font-size: 8pt; }\n");
    if (target == Target::Browser) {
        css += QStringLiteral(
            "body { max-width: 62em; margin: 1.5em auto; padding: 0 1em; line-height: 1.35; }\n"
            "table { border-collapse: collapse; width: 100%; margin: 4px 0 10px 0; }\n"
            "th, td { border: 1px solid #8a8a8a; padding: 3px 6px; vertical-align: top; }\n"
            "table.facts th { width: 11em; }\n"
            ".badge { padding: 2px 6px; border-radius: 3px; }\n"
            "img.chart { max-width: 100%; height: auto; border: 1px solid #cccccc; }\n"
            "code { font-family: 'DejaVu Sans Mono', monospace; font-size: 8.5pt; }\n"
            "@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; }"
            " tr, img { page-break-inside: avoid; } }\n");
    } else {
        css += QStringLiteral("table { }\n"
                              "code { font-family: 'DejaVu Sans Mono'; font-size: 8pt; }\n");
    }
    return css;
}

// A table with borders in both a browser and QTextDocument.
QString tableOpen(const QString &cssClass = {})
{
    return QStringLiteral("<table class=\"%1\" border=\"1\" cellspacing=\"0\" cellpadding=\"3\" width=\"100%\">\n")
        .arg(cssClass.isEmpty() ? QStringLiteral("grid") : cssClass);
}

QString headerRow(const QStringList &titles, const QList<int> &numeric = {})
{
    QString row = QStringLiteral("<thead><tr>");
    for (int i = 0; i < titles.size(); ++i)
        row += (numeric.contains(i) ? QStringLiteral("<th class=\"num\">") : QStringLiteral("<th>")) + esc(titles.at(i))
               + QStringLiteral("</th>");
    return row + QStringLiteral("</tr></thead>\n");
}

// Cells are already HTML (callers escape); numeric cells align right.
QString row(const QStringList &cells, const QList<int> &numeric = {})
{
    QString html = QStringLiteral("<tr>");
    for (int i = 0; i < cells.size(); ++i)
        html += (numeric.contains(i) ? QStringLiteral("<td class=\"num\">") : QStringLiteral("<td>")) + cells.at(i)
                + QStringLiteral("</td>");
    return html + QStringLiteral("</tr>\n");
}

QString fact(const QString &name, const QString &valueHtml)
{
    return QStringLiteral("<tr><th>") + esc(name) + QStringLiteral("</th><td>") + valueHtml
           + QStringLiteral("</td></tr>\n");
}

// A step's time: the time of day when it is on the run's start date (the usual case), so the
// step titles keep the width they need; the full time otherwise.
QString clockText(const QDateTime &at, const QDate &runDate)
{
    if (!at.isValid())
        return QStringLiteral("-");
    const QDateTime utc = at.toUTC();
    return utc.date() == runDate ? utc.toString(QStringLiteral("HH:mm:ss")) : timeText(utc);
}

QString orDash(const QString &text)
{
    return text.isEmpty() ? QStringLiteral("-") : esc(text);
}

QString paragraph(const QString &textHtml, const QString &cssClass = {})
{
    return cssClass.isEmpty() ? QStringLiteral("<p>") + textHtml + QStringLiteral("</p>\n")
                              : QStringLiteral("<p class=\"%1\">").arg(cssClass) + textHtml + QStringLiteral("</p>\n");
}

QString objectiveText(const Measure &measure)
{
    return measure.objective ? QStringLiteral("&le; ") + esc(figureText(measure.objective, measure.unit))
                             : QStringLiteral("informational");
}

QString measuresTable(const QList<Measure> &measures)
{
    if (measures.isEmpty())
        return paragraph(QStringLiteral("No figures were judged."), QStringLiteral("muted"));
    QString html = tableOpen() + headerRow({QStringLiteral("Measure"), QStringLiteral("Objective"),
                                            QStringLiteral("Achieved"), QStringLiteral("Verdict"), QStringLiteral("Note")},
                                           {1, 2});
    for (const Measure &m : measures) {
        html += row({esc(m.title.isEmpty() ? m.id : m.title), objectiveText(m), esc(figureText(m.achieved, m.unit)),
                     badge(m.verdict), orDash(m.note)},
                    {1, 2});
    }
    return html + QStringLiteral("</table>\n");
}

QString certificatesTable(const QList<CertificateRow> &certificates, const QString &note)
{
    QString html;
    if (!note.isEmpty())
        html += paragraph(esc(note), QStringLiteral("muted"));
    if (certificates.isEmpty())
        return html + paragraph(QStringLiteral("No certificates in the inventory."), QStringLiteral("muted"));
    html += tableOpen() + headerRow({QStringLiteral("Certificate"), QStringLiteral("Region"), QStringLiteral("Host"),
                                     QStringLiteral("Subject"), QStringLiteral("Expires"), QStringLiteral("Days left"),
                                     QStringLiteral("State")},
                                    {5});
    for (const CertificateRow &c : certificates) {
        const bool bad = c.state == QStringLiteral("expired") || c.state == QStringLiteral("critical");
        const QString state = bad ? QStringLiteral("<span class=\"broken\">") + esc(c.state) + QStringLiteral("</span>")
                                  : orDash(c.state);
        html += row({orDash(c.id), orDash(c.region), orDash(c.host), orDash(c.subject), esc(timeText(c.notAfter)),
                     c.notAfter.isValid() ? QString::number(c.daysLeft) : QStringLiteral("-"), state},
                    {5});
    }
    return html + QStringLiteral("</table>\n");
}

bool auditBroken(const AuditSection &audit)
{
    return (audit.verified && !audit.verification.intact) || audit.summary.startsWith(QStringLiteral("BROKEN"));
}

QString auditSummary(const AuditSection &audit)
{
    const bool broken = auditBroken(audit);
    QString summary = audit.summary;
    if (summary.isEmpty()) {
        summary = !audit.verified ? QStringLiteral("not verified")
                  : broken        ? QStringLiteral("BROKEN: ") + audit.verification.problem
                                  : QStringLiteral("intact: %1 entries").arg(audit.verification.entries);
    }
    const QString cssClass = broken ? QStringLiteral("broken") : audit.verified ? QStringLiteral("intact") : QStringLiteral("muted");
    QString html = QStringLiteral("<p class=\"auditsummary\"><b>Audit trail:</b> <span class=\"%1\">").arg(cssClass)
                   + esc(summary) + QStringLiteral("</span></p>\n");
    if (broken && !audit.verification.problem.isEmpty() && !summary.contains(audit.verification.problem))
        html += paragraph(esc(audit.verification.problem), QStringLiteral("broken"));
    return html;
}

// An entry's time to the millisecond; the date only when it is not the run's.
QString entryTime(const QDateTime &at, const QDate &runDate)
{
    if (!at.isValid())
        return QStringLiteral("-");
    const QDateTime utc = at.toUTC();
    return utc.toString(utc.date() == runDate ? QStringLiteral("HH:mm:ss.zzz") : QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

// One row per entry in plain tables of kAuditRowsPerTable rows: QTextDocument lays out and
// draws a table's cells as frames, and one table of a thousand rows cost it seconds to
// paginate and draw (each page walked the whole table); tables of a page's length keep the
// PDF of a 1,000-entry run well within its 2 s. The column widths are fixed so that the
// pieces read as one table.
QString auditEntries(const QList<AuditEntry> &entries, const QDate &runDate, Target target)
{
    if (entries.isEmpty())
        return paragraph(QStringLiteral("No audit entries for this run."), QStringLiteral("muted"));
    constexpr qsizetype kAuditRowsPerTable = 40;
    const QString head = QStringLiteral("<thead><tr><th class=\"num\" width=\"7%\">Seq</th><th width=\"14%\">Time (UTC)</th>"
                                        "<th width=\"11%\">Kind</th><th width=\"9%\">Actor</th><th>Summary</th>"
                                        "<th width=\"14%\">Hash</th></tr></thead>\n");
    QString html;
    html.reserve(entries.size() * 300);
    html += tableOpen(QStringLiteral("grid audit")) + head;
    for (qsizetype i = 0; i < entries.size(); ++i) {
        // One table in a browser (it does not care); pieces for QTextDocument.
        if (target == Target::TextDocument && i > 0 && i % kAuditRowsPerTable == 0)
            html += QStringLiteral("</table>\n") + tableOpen(QStringLiteral("grid audit"));
        const AuditEntry &e = entries.at(i);
        html += QStringLiteral("<tr><td class=\"num\" width=\"7%\">") + QString::number(e.seq)
                + QStringLiteral("</td><td width=\"14%\">") + esc(entryTime(e.at, runDate))
                + QStringLiteral("</td><td width=\"11%\">") + esc(e.kind) + QStringLiteral("</td><td width=\"9%\">")
                + esc(e.actor) + QStringLiteral("</td><td>") + esc(e.summary)
                + QStringLiteral("</td><td width=\"14%\"><code>") + esc(QString::fromLatin1(e.hash.left(12)))
                + QStringLiteral("</code></td></tr>\n");
    }
    return html + QStringLiteral("</table>\n");
}

QString jsonValueText(const QJsonValue &value)
{
    if (value.isString())
        return value.toString();
    if (value.isDouble())
        return numberText(value.toDouble());
    if (value.isBool())
        return value.toBool() ? QStringLiteral("yes") : QStringLiteral("no");
    if (value.isNull() || value.isUndefined())
        return QStringLiteral("-");
    if (value.isObject()) {
        QStringList parts;
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it)
            parts.append(it.key() + QStringLiteral(": ") + jsonValueText(it.value()));
        return parts.isEmpty() ? QStringLiteral("-") : parts.join(QStringLiteral(", "));
    }
    QStringList parts;
    for (const QJsonValue &item : value.toArray())
        parts.append(jsonValueText(item));
    return parts.join(QStringLiteral(", "));
}

// Attached JSON (traffic summary, drill scorecard) as a two-column table: its shape belongs
// to other tools, so it is shown as recorded rather than interpreted.
QString jsonTable(const QJsonObject &object)
{
    QString html = tableOpen(QStringLiteral("facts"));
    for (auto it = object.begin(); it != object.end(); ++it)
        html += fact(it.key(), esc(jsonValueText(it.value())));
    return html + QStringLiteral("</table>\n");
}

QString chartAlt(const Chart &chart)
{
    qsizetype points = 0;
    QStringList names;
    for (const ChartSeries &s : chart.series) {
        points += s.points.size();
        names.append(s.title.isEmpty() ? s.key : s.title);
    }
    QString alt = chart.title;
    if (points == 0)
        return alt + QStringLiteral(": ") + (chart.emptyReason.isEmpty() ? QStringLiteral("no data") : chart.emptyReason);
    alt += QStringLiteral(" (%1), %2 to %3: %4").arg(chart.unit, timeTextMs(chart.fromMs), timeTextMs(chart.toMs),
                                                    names.join(QStringLiteral(", ")));
    QStringList markers;
    for (const ChartMarker &m : chart.markers)
        markers.append(m.label + QStringLiteral(" at ") + timeTextMs(m.atMs));
    if (!markers.isEmpty())
        alt += QStringLiteral("; markers: ") + markers.join(QStringLiteral(", "));
    return alt;
}

QString chartsSection(const QList<Chart> &charts, const QList<QImage> &images, Target target, const ImageSource &source)
{
    QString html;
    for (qsizetype i = 0; i < charts.size() && i < images.size(); ++i) {
        const Chart &chart = charts.at(i);
        const QImage &image = images.at(i);
        // QTextDocument sizes images in 1/96 in units: 640 fills the A4 and Letter text width.
        const int width = target == Target::Browser ? image.width() : 640;
        const int height = image.width() > 0 ? width * image.height() / image.width() : 0;
        html += QStringLiteral("<h3>") + esc(chart.title) + QStringLiteral("</h3>\n<p><img class=\"chart\" src=\"")
                + esc(source(int(i), image)) + QStringLiteral("\" alt=\"") + esc(chartAlt(chart))
                + QStringLiteral("\" width=\"%1\" height=\"%2\"></p>\n").arg(width).arg(height);
        if (!chart.emptyReason.isEmpty())
            html += paragraph(esc(chart.emptyReason), QStringLiteral("muted small"));
    }
    if (html.isEmpty())
        html = paragraph(QStringLiteral("No charts."), QStringLiteral("muted"));
    return html;
}

QString documentOpen(const QString &title, Target target)
{
    return QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
           + esc(title) + QStringLiteral("</title>\n<style>\n") + styleSheet(target)
           + QStringLiteral("</style>\n</head>\n<body>\n");
}

QString footer(const QString &generator, const QDateTime &generatedAt, const QString &sha)
{
    return QStringLiteral("<hr>\n<p class=\"footer\">Generated by ") + orDash(generator) + QStringLiteral(" at ")
           + esc(timeText(generatedAt)) + QStringLiteral(".<br>Content SHA-256: <code>")
           + (sha.isEmpty() ? QStringLiteral("-") : esc(sha))
           + QStringLiteral("</code> (over the canonical JSON rendering with this field empty).</p>\n");
}

QString runTitle(const RunRecord &run)
{
    const QString kind = run.kind.isEmpty() ? QStringLiteral("Run") : run.kind;
    return kind.left(1).toUpper() + kind.mid(1) + QStringLiteral(" report");
}

} // namespace

QString runReportHtml(const RunReport &r, const QList<QImage> &charts, Target target, const ImageSource &source)
{
    const RunRecord &run = r.run;
    QString html;
    html.reserve(64 * 1024 + r.audit.entries.size() * 300);
    html += documentOpen(runTitle(run) + QStringLiteral(" ") + run.id, target);

    html += QStringLiteral("<h1>") + esc(runTitle(run)) + QStringLiteral("</h1>\n");
    html += paragraph(QStringLiteral("Run <b>") + esc(run.id) + QStringLiteral("</b>, profile <b>") + esc(r.profileName)
                      + QStringLiteral("</b> (") + esc(r.environment) + QStringLiteral(")"));

    html += tableOpen(QStringLiteral("facts"));
    html += fact(QStringLiteral("Profile"), orDash(r.profileName));
    html += fact(QStringLiteral("Environment"), orDash(r.environment));
    html += fact(QStringLiteral("Run id"), orDash(run.id));
    html += fact(QStringLiteral("Kind / mode"), orDash(run.kind) + QStringLiteral(" / ") + orDash(run.mode));
    html += fact(QStringLiteral("Source -> target"), orDash(run.source) + QStringLiteral(" &rarr; ") + orDash(run.target));
    html += fact(QStringLiteral("Operator"), orDash(run.operatorName));
    html += fact(QStringLiteral("Approver"), orDash(run.approverName));
    html += fact(QStringLiteral("Workstation"), orDash(run.host));
    html += fact(QStringLiteral("Started"), esc(timeText(run.started)));
    html += fact(QStringLiteral("Ended"), esc(timeText(run.ended)));
    html += fact(QStringLiteral("State"), esc(runStateName(run.state)));
    html += fact(QStringLiteral("Outcome"), orDash(run.outcome));
    html += QStringLiteral("</table>\n");

    html += QStringLiteral("<p class=\"verdict\"><b>Overall verdict:</b> ") + badge(r.overall) + QStringLiteral("</p>\n");

    html += QStringLiteral("<h2>Objectives and achieved figures</h2>\n") + measuresTable(r.measures);

    html += QStringLiteral("<h2>Gates</h2>\n");
    if (r.gates.isEmpty()) {
        html += paragraph(QStringLiteral("No gates were judged."), QStringLiteral("muted"));
    } else {
        html += tableOpen() + headerRow({QStringLiteral("Gate"), QStringLiteral("Outcome"), QStringLiteral("Reason"),
                                         QStringLiteral("At")});
        for (const GateRow &g : r.gates) {
            const bool bad = g.outcome == QStringLiteral("failed") || g.outcome == QStringLiteral("overridden");
            html += row({esc(g.title.isEmpty() ? g.id : g.title),
                         bad ? QStringLiteral("<span class=\"broken\">") + esc(g.outcome) + QStringLiteral("</span>")
                             : orDash(g.outcome),
                         orDash(g.reason), esc(timeText(g.at))});
        }
        html += QStringLiteral("</table>\n");
    }

    html += QStringLiteral("<h2>Steps</h2>\n");
    if (r.steps.isEmpty()) {
        html += paragraph(QStringLiteral("No steps were recorded."), QStringLiteral("muted"));
    } else {
        const QDate runDate = run.started.isValid() ? run.started.toUTC().date() : QDate();
        if (runDate.isValid())
            html += paragraph(QStringLiteral("Times in UTC on ") + esc(runDate.toString(Qt::ISODate))
                                  + QStringLiteral(" unless a date is given."),
                              QStringLiteral("muted small"));
        html += tableOpen() + QStringLiteral("<thead><tr><th class=\"num\">#</th><th width=\"44%\">Step</th>"
                                             "<th>Start</th><th>End</th><th class=\"num\">Duration</th>"
                                             "<th>Outcome</th><th class=\"num\">Attempts</th></tr></thead>\n");
        for (const StepRow &s : r.steps) {
            QString title = esc(s.title.isEmpty() ? s.id : s.title) + QStringLiteral(" <span class=\"muted small\">(")
                            + esc(s.kind) + (s.critical ? QString() : QStringLiteral(", not critical"))
                            + QStringLiteral(")</span>");
            if (!s.detail.isEmpty())
                title += QStringLiteral("<br><span class=\"small\">") + esc(s.detail) + QStringLiteral("</span>");
            const bool bad = s.state == QStringLiteral("failed") || s.state == QStringLiteral("undo-failed");
            html += row({QString::number(s.index), title, esc(clockText(s.started, runDate)), esc(clockText(s.ended, runDate)),
                         esc(durationText(s.durationMs)),
                         bad ? QStringLiteral("<span class=\"broken\">") + esc(s.state) + QStringLiteral("</span>")
                             : orDash(s.state),
                         QString::number(s.attempts)},
                        {0, 4, 6});
        }
        html += QStringLiteral("</table>\n");
    }

    html += QStringLiteral("<h2>Overrides</h2>\n");
    if (r.overrides.isEmpty()) {
        html += paragraph(QStringLiteral("No gate was overridden."), QStringLiteral("muted"));
    } else {
        html += tableOpen() + headerRow({QStringLiteral("At"), QStringLiteral("By"), QStringLiteral("Gate"),
                                         QStringLiteral("Reason")});
        for (const OverrideRow &o : r.overrides)
            html += row({esc(timeText(o.at)), orDash(o.actor), orDash(o.gate), orDash(o.reason)});
        html += QStringLiteral("</table>\n");
    }

    html += QStringLiteral("<h2>Notes and verdict</h2>\n");
    if (r.notes.isEmpty()) {
        html += paragraph(QStringLiteral("No notes were recorded."), QStringLiteral("muted"));
    } else {
        html += tableOpen() + headerRow({QStringLiteral("At"), QStringLiteral("Author"), QStringLiteral("Note")});
        for (const NoteRow &n : r.notes)
            html += row({esc(timeText(n.at)), orDash(n.author), esc(n.text)});
        html += QStringLiteral("</table>\n");
    }
    if (r.verdict.recorded) {
        html += QStringLiteral("<p class=\"verdict\"><b>Operator's verdict:</b> ")
                + badge(r.verdict.pass ? Verdict::Pass : Verdict::Fail) + QStringLiteral(" by ") + orDash(r.verdict.author)
                + QStringLiteral(" at ") + esc(timeText(r.verdict.at)) + QStringLiteral("</p>\n");
        if (!r.verdict.note.isEmpty())
            html += paragraph(esc(r.verdict.note));
    } else {
        html += paragraph(QStringLiteral("No verdict was recorded for this run."), QStringLiteral("muted"));
    }

    if (!r.scorecard.isEmpty())
        html += QStringLiteral("<h2>Drill scorecard</h2>\n") + jsonTable(r.scorecard);

    html += QStringLiteral("<h2>Charts</h2>\n") + chartsSection(r.charts, charts, target, source);

    html += QStringLiteral("<h2>Certificate inventory</h2>\n") + certificatesTable(r.certificates, r.certificatesNote);

    html += QStringLiteral("<h2>Traffic</h2>\n");
    if (r.traffic.isEmpty())
        html += paragraph(QStringLiteral("No traffic was measured during this run."), QStringLiteral("muted"));
    else
        html += jsonTable(r.traffic);

    html += QStringLiteral("<h2>Audit trail</h2>\n") + auditSummary(r.audit);
    html += QStringLiteral("<h3>Entries of this run (%1)</h3>\n").arg(r.audit.entries.size());
    if (!r.audit.entries.isEmpty() && run.started.isValid())
        html += paragraph(QStringLiteral("Times in UTC on ") + esc(run.started.toUTC().date().toString(Qt::ISODate))
                              + QStringLiteral(" unless a date is given; the hash is the entry's first 12 hex digits."),
                          QStringLiteral("muted small"));
    html += auditEntries(r.audit.entries, run.started.isValid() ? run.started.toUTC().date() : QDate(), target);

    html += footer(r.generator, r.generatedAt, r.contentSha256);
    html += QStringLiteral("</body>\n</html>\n");
    return html;
}

namespace {

// "2.4 s ▼ 0.3" against the previous (older) drill: lower is better for all three figures.
QString trendCell(const std::optional<double> &value, const std::optional<double> &previous, const QString &unit)
{
    QString html = esc(figureText(value, unit));
    if (!value || !previous)
        return html;
    const double delta = *value - *previous;
    if (std::abs(delta) < 0.005)
        return html + QStringLiteral(" <span class=\"muted\">= same</span>");
    const bool worse = delta > 0;
    return html + QStringLiteral(" <span class=\"%1\">%2 %3 %4</span>")
                      .arg(worse ? QStringLiteral("worse") : QStringLiteral("better"),
                           worse ? QStringLiteral("&#9650;") : QStringLiteral("&#9660;"),
                           esc((worse ? QStringLiteral("+") : QString()) + numberText(delta)),
                           worse ? QStringLiteral("worse") : QStringLiteral("better"));
}

} // namespace

QString readinessReportHtml(const ReadinessReport &r, const QList<QImage> &charts, Target target,
                            const ImageSource &source)
{
    QString html;
    html.reserve(64 * 1024);
    html += documentOpen(QStringLiteral("Readiness report ") + r.profileName, target);
    html += QStringLiteral("<h1>Readiness report</h1>\n");
    html += paragraph(QStringLiteral("Profile <b>") + esc(r.profileName) + QStringLiteral("</b> (") + esc(r.environment)
                      + QStringLiteral("), period ") + esc(timeText(r.from)) + QStringLiteral(" to ")
                      + esc(timeText(r.to)));

    html += QStringLiteral("<h2>Posture now</h2>\n") + tableOpen(QStringLiteral("facts"));
    html += fact(QStringLiteral("Profile"), orDash(r.profileName));
    html += fact(QStringLiteral("Environment"), orDash(r.environment));
    html += fact(QStringLiteral("Active region"), orDash(r.activeRegion));
    const bool down = r.overallNow == QStringLiteral("down");
    html += fact(QStringLiteral("Overall now"), down ? QStringLiteral("<span class=\"broken\">") + esc(r.overallNow)
                                                           + QStringLiteral("</span>")
                                                     : orDash(r.overallNow));
    html += fact(QStringLiteral("Period"), esc(timeText(r.from)) + QStringLiteral(" to ") + esc(timeText(r.to)));
    html += fact(QStringLiteral("Generated"), esc(timeText(r.generatedAt)));
    html += QStringLiteral("</table>\n");

    html += QStringLiteral("<h2>Drill schedule</h2>\n");
    const QString scheduleSummary = r.drills.summary.isEmpty() ? r.drills.scheduleText : r.drills.summary;
    if (r.drills.overdue) {
        html += QStringLiteral("<p class=\"overdue\">DRILL OVERDUE: ") + esc(scheduleSummary) + QStringLiteral("</p>\n");
    } else {
        html += paragraph(orDash(scheduleSummary));
    }
    html += tableOpen(QStringLiteral("facts"));
    html += fact(QStringLiteral("Schedule"), orDash(r.drills.scheduleText));
    html += fact(QStringLiteral("Last drill"), r.drills.lastDrill ? esc(r.drills.lastDrill->runId) + QStringLiteral(", ")
                                                                        + esc(timeText(r.drills.lastDrill->started))
                                                                  : QStringLiteral("none recorded"));
    html += fact(QStringLiteral("Next due"), esc(timeText(r.drills.dueAt)));
    if (r.drills.overdue)
        html += fact(QStringLiteral("Overdue by"),
                     QStringLiteral("<span class=\"broken\">%1 days</span>").arg(r.drills.overdueDays));
    html += QStringLiteral("</table>\n");

    html += QStringLiteral("<h2>Components</h2>\n");
    if (r.components.isEmpty()) {
        html += paragraph(QStringLiteral("No components in the profile."), QStringLiteral("muted"));
    } else {
        html += tableOpen() + headerRow({QStringLiteral("Region"), QStringLiteral("Component"), QStringLiteral("Uptime"),
                                         QStringLiteral("Samples"), QStringLiteral("Now")},
                                        {2, 3});
        for (const ComponentUptime &c : r.components) {
            const QString uptime = c.uptimePercent < 0 ? QStringLiteral("not measured")
                                                       : numberText(c.uptimePercent) + QStringLiteral(" %");
            const bool bad = c.stateNow == QStringLiteral("down");
            html += row({orDash(c.region), esc(c.title.isEmpty() ? c.component : c.title), esc(uptime),
                         QString::number(c.samples),
                         bad ? QStringLiteral("<span class=\"broken\">") + esc(c.stateNow) + QStringLiteral("</span>")
                             : orDash(c.stateNow)},
                        {2, 3});
        }
        html += QStringLiteral("</table>\n");
    }

    html += QStringLiteral("<h2>Worst lags against the objectives</h2>\n") + measuresTable(r.measures);
    html += tableOpen(QStringLiteral("facts"));
    html += fact(QStringLiteral("Worst replication lag"), esc(figureText(r.worstReplicationLagSeconds, QStringLiteral("s"))));
    html += fact(QStringLiteral("Worst index lag"), esc(figureText(r.worstIndexLagDocuments, QStringLiteral("documents"))));
    html += fact(QStringLiteral("Worst index lag (time)"), esc(figureText(r.worstIndexLagSeconds, QStringLiteral("s"))));
    html += QStringLiteral("</table>\n");

    html += QStringLiteral("<h2>Certificates by expiry</h2>\n") + certificatesTable(r.certificates, {});

    html += QStringLiteral("<h2>Recent drills</h2>\n");
    if (r.recentDrills.isEmpty()) {
        html += paragraph(QStringLiteral("No drill has been recorded."), QStringLiteral("muted"));
    } else {
        html += tableOpen() + headerRow({QStringLiteral("Drill"), QStringLiteral("RTO"), QStringLiteral("RPO exposure"),
                                         QStringLiteral("Downtime"), QStringLiteral("Verdict"),
                                         QStringLiteral("Operator")});
        for (qsizetype i = 0; i < r.recentDrills.size(); ++i) {
            const DrillSummary &d = r.recentDrills.at(i);
            const DrillSummary *previous = i + 1 < r.recentDrills.size() ? &r.recentDrills.at(i + 1) : nullptr;
            const auto prev = [&](std::optional<double> DrillSummary::*field) {
                return previous ? previous->*field : std::optional<double>();
            };
            const QString operatorVerdict = d.verdict.recorded
                                                ? (d.verdict.pass ? QStringLiteral("pass") : QStringLiteral("fail"))
                                                      + QStringLiteral(" (") + esc(d.verdict.author) + QStringLiteral(")")
                                                : QStringLiteral("-");
            // The run id on one line: it is what a reader searches for.
            const QString drill = QStringLiteral("<span class=\"nowrap\">") + esc(d.runId)
                                  + QStringLiteral("</span><br><span class=\"small muted\">") + esc(timeText(d.started))
                                  + QStringLiteral(", ") + esc(d.state) + QStringLiteral("</span>");
            html += row({drill, trendCell(d.rtoSeconds, prev(&DrillSummary::rtoSeconds), QStringLiteral("s")),
                         trendCell(d.rpoExposureSeconds, prev(&DrillSummary::rpoExposureSeconds), QStringLiteral("s")),
                         trendCell(d.downtimeSeconds, prev(&DrillSummary::downtimeSeconds), QStringLiteral("s")),
                         badge(d.overall), operatorVerdict});
        }
        html += QStringLiteral("</table>\n");
        html += paragraph(QStringLiteral("Newest first; arrows compare each drill with the one before it (lower is better)."),
                          QStringLiteral("muted small"));
    }

    html += QStringLiteral("<h2>Charts</h2>\n") + chartsSection(r.charts, charts, target, source);

    html += QStringLiteral("<h2>Audit trail verification</h2>\n") + auditSummary(r.audit);

    html += footer(r.generator, r.generatedAt, r.contentSha256);
    html += QStringLiteral("</body>\n</html>\n");
    return html;
}

} // namespace detail

namespace {

QString dataUri(const QImage &image)
{
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return QStringLiteral("data:image/png;base64,") + QString::fromLatin1(png.toBase64());
}

} // namespace

QByteArray toHtml(const RunReport &report, const RenderOptions &options)
{
    const QList<QImage> charts = detail::renderCharts(report.charts, options);
    return detail::runReportHtml(report, charts, detail::Target::Browser,
                                 [](int, const QImage &image) { return dataUri(image); })
        .toUtf8();
}

QByteArray toHtml(const ReadinessReport &report, const RenderOptions &options)
{
    const QList<QImage> charts = detail::renderCharts(report.charts, options);
    return detail::readinessReportHtml(report, charts, detail::Target::Browser,
                                       [](int, const QImage &image) { return dataUri(image); })
        .toUtf8();
}

} // namespace dr::report
