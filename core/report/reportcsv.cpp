// The CSV form of the reports: one table, one row per fact, a "section" first column saying
// what kind of row it is, so a spreadsheet can filter on it (docs/REPORTS.md lists the
// columns). RFC 4180: CRLF line ends, fields with a comma, quote or line break quoted, quotes
// doubled. Figures are written as the JSON form writes them, so the two agree to the digit.

#include "report/render.h"

#include <QLocale>

#include <array>

namespace dr::report {

namespace {

enum Column { Section, Index, Id, Title, Kind, State, Started, Ended, DurationMs, Objective, Achieved, Unit, VerdictColumn, Detail, ColumnCount };

const char *const kHeader[ColumnCount] = {"section", "index", "id", "title", "kind", "state", "started", "ended",
                                          "durationMs", "objective", "achieved", "unit", "verdict", "detail"};

using Row = std::array<QString, ColumnCount>;

QString field(const QString &value)
{
    if (!value.contains(u',') && !value.contains(u'"') && !value.contains(u'\n') && !value.contains(u'\r'))
        return value;
    QString quoted = value;
    quoted.replace(QStringLiteral("\""), QStringLiteral("\"\""));
    return u'"' + quoted + u'"';
}

QString when(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QString number(const std::optional<double> &v)
{
    return v ? QString::number(*v, 'g', QLocale::FloatingPointShortest) : QString();
}

class Table
{
public:
    Table()
    {
        Row header;
        for (int c = 0; c < ColumnCount; ++c)
            header[c] = QString::fromLatin1(kHeader[c]);
        add(header);
    }
    void add(const Row &row)
    {
        QStringList fields;
        for (const QString &f : row)
            fields.append(field(f));
        m_text += fields.join(u',') + QStringLiteral("\r\n");
    }
    QByteArray bytes() const { return m_text.toUtf8(); }

private:
    QString m_text;
};

void addMeasures(Table &table, const QList<Measure> &measures)
{
    for (const Measure &m : measures) {
        Row r;
        r[Section] = QStringLiteral("measure");
        r[Id] = m.id;
        r[Title] = m.title;
        r[Objective] = number(m.objective);
        r[Achieved] = number(m.achieved);
        r[Unit] = m.unit;
        r[VerdictColumn] = verdictName(m.verdict);
        r[Detail] = m.note;
        table.add(r);
    }
}

void addCertificates(Table &table, const QList<CertificateRow> &certificates)
{
    for (const CertificateRow &c : certificates) {
        Row r;
        r[Section] = QStringLiteral("certificate");
        r[Id] = c.id;
        r[Title] = c.host;
        r[Kind] = c.region;
        r[State] = c.state;
        r[Ended] = when(c.notAfter);
        r[Achieved] = c.notAfter.isValid() ? QString::number(c.daysLeft) : QString();
        r[Unit] = QStringLiteral("days left");
        r[Detail] = c.subject;
        table.add(r);
    }
}

void addAudit(Table &table, const AuditSection &audit)
{
    Row r;
    r[Section] = QStringLiteral("audit");
    r[Id] = QStringLiteral("chain");
    r[Title] = QStringLiteral("Audit trail verification");
    r[State] = !audit.verified ? QStringLiteral("not verified") : audit.verification.intact ? QStringLiteral("intact") : QStringLiteral("broken");
    r[Achieved] = audit.verified ? QString::number(audit.verification.entries) : QString();
    r[Unit] = QStringLiteral("entries");
    r[Detail] = audit.summary;
    table.add(r);
}

void addDrill(Table &table, const DrillSummary &d, const QString &id)
{
    Row r;
    r[Section] = QStringLiteral("drill");
    r[Id] = d.runId;
    r[Title] = id;
    r[State] = d.state;
    r[Started] = when(d.started);
    r[Ended] = when(d.ended);
    r[DurationMs] = d.started.isValid() && d.ended.isValid() ? QString::number(d.started.msecsTo(d.ended)) : QString();
    r[Achieved] = number(d.rtoSeconds);
    r[Unit] = QStringLiteral("s (RTO)");
    r[VerdictColumn] = verdictName(d.overall);
    r[Detail] = d.verdict.recorded ? QStringLiteral("operator verdict %1 by %2%3")
                                         .arg(d.verdict.pass ? QStringLiteral("PASS") : QStringLiteral("FAIL"), d.verdict.author,
                                              d.verdict.note.isEmpty() ? QString() : QString(QStringLiteral(": ") + d.verdict.note))
                                   : QString();
    table.add(r);
}

} // namespace

QByteArray toCsv(const RunReport &report)
{
    Table table;
    {
        Row r;
        r[Section] = QStringLiteral("run");
        r[Id] = report.run.id;
        r[Title] = QStringLiteral("%1 %2 -> %3 (%4)").arg(report.run.kind, report.run.source, report.run.target, report.profileName);
        r[Kind] = report.run.kind;
        r[State] = runStateName(report.run.state);
        r[Started] = when(report.run.started);
        r[Ended] = when(report.run.ended);
        r[DurationMs] = report.run.started.isValid() && report.run.ended.isValid() ? QString::number(report.run.started.msecsTo(report.run.ended)) : QString();
        r[VerdictColumn] = verdictName(report.overall);
        r[Detail] = report.run.outcome;
        table.add(r);
    }
    addMeasures(table, report.measures);
    for (const GateRow &g : report.gates) {
        Row r;
        r[Section] = QStringLiteral("gate");
        r[Id] = g.id;
        r[Title] = g.title;
        r[Kind] = QStringLiteral("gate");
        r[State] = g.outcome;
        r[Ended] = when(g.at);
        r[Detail] = g.reason;
        table.add(r);
    }
    for (const StepRow &s : report.steps) {
        Row r;
        r[Section] = QStringLiteral("step");
        r[Index] = QString::number(s.index);
        r[Id] = s.id;
        r[Title] = s.title;
        r[Kind] = s.kind;
        r[State] = s.state;
        r[Started] = when(s.started);
        r[Ended] = when(s.ended);
        r[DurationMs] = s.durationMs >= 0 ? QString::number(s.durationMs) : QString();
        r[Detail] = s.detail;
        table.add(r);
    }
    for (const OverrideRow &o : report.overrides) {
        Row r;
        r[Section] = QStringLiteral("override");
        r[Id] = o.gate;
        r[Title] = o.actor;
        r[Ended] = when(o.at);
        r[Detail] = o.reason;
        table.add(r);
    }
    for (const NoteRow &n : report.notes) {
        Row r;
        r[Section] = QStringLiteral("note");
        r[Title] = n.author;
        r[Ended] = when(n.at);
        r[Detail] = n.text;
        table.add(r);
    }
    if (report.verdict.recorded) {
        Row r;
        r[Section] = QStringLiteral("verdict");
        r[Title] = report.verdict.author;
        r[Ended] = when(report.verdict.at);
        r[VerdictColumn] = report.verdict.pass ? QStringLiteral("PASS") : QStringLiteral("FAIL");
        r[Detail] = report.verdict.note;
        table.add(r);
    }
    addCertificates(table, report.certificates);
    addAudit(table, report.audit);
    {
        Row r;
        r[Section] = QStringLiteral("hash");
        r[Id] = QStringLiteral("contentSha256");
        r[Detail] = report.contentSha256;
        table.add(r);
    }
    return table.bytes();
}

QByteArray toCsv(const ReadinessReport &report)
{
    Table table;
    {
        Row r;
        r[Section] = QStringLiteral("readiness");
        r[Id] = report.profileName;
        r[Title] = QStringLiteral("Readiness of %1").arg(report.profileName);
        r[Kind] = report.activeRegion;
        r[State] = report.overallNow;
        r[Started] = when(report.from);
        r[Ended] = when(report.to);
        r[Detail] = report.drills.summary;
        table.add(r);
    }
    addMeasures(table, report.measures);
    for (const ComponentUptime &c : report.components) {
        Row r;
        r[Section] = QStringLiteral("component");
        r[Id] = c.region + u'/' + c.component;
        r[Title] = c.title;
        r[Kind] = c.region;
        r[State] = c.stateNow;
        r[Achieved] = c.uptimePercent >= 0 ? QString::number(c.uptimePercent, 'g', QLocale::FloatingPointShortest) : QString();
        r[Unit] = QStringLiteral("% uptime");
        r[Detail] = c.uptimePercent >= 0 ? QStringLiteral("%1 samples").arg(c.samples) : QStringLiteral("not measured in the period");
        table.add(r);
    }
    addCertificates(table, report.certificates);
    if (report.drills.lastDrill)
        addDrill(table, *report.drills.lastDrill, QStringLiteral("last drill"));
    for (const DrillSummary &d : report.recentDrills)
        addDrill(table, d, QStringLiteral("recent drill"));
    addAudit(table, report.audit);
    {
        Row r;
        r[Section] = QStringLiteral("hash");
        r[Id] = QStringLiteral("contentSha256");
        r[Detail] = report.contentSha256;
        table.add(r);
    }
    return table.bytes();
}

} // namespace dr::report
