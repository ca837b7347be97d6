// The JSON form of the reports (docs/REPORTS.md is its reference, field by field), the format
// names, and writeReport()'s dispatch to the four renderers.

#include "report/render.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace dr::report {

namespace {

// Times are UTC ISO 8601 with milliseconds, or null when unknown: a reader must be able to
// tell "never" from a date.
QJsonValue isoTime(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(t.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue();
}

QDateTime timeFrom(const QJsonValue &v)
{
    const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    return t.isValid() ? t.toUTC() : QDateTime();
}

QJsonValue optional(const std::optional<double> &v)
{
    return v ? QJsonValue(*v) : QJsonValue();
}

std::optional<double> optionalFrom(const QJsonValue &v)
{
    return v.isDouble() ? std::optional<double>(v.toDouble()) : std::nullopt;
}

Verdict verdictFrom(const QString &name)
{
    if (name == u"PASS")
        return Verdict::Pass;
    if (name == u"FAIL")
        return Verdict::Fail;
    return Verdict::NotMeasured;
}

QJsonObject measureJson(const Measure &m)
{
    return {{QStringLiteral("id"), m.id},         {QStringLiteral("title"), m.title},
            {QStringLiteral("unit"), m.unit},     {QStringLiteral("objective"), optional(m.objective)},
            {QStringLiteral("achieved"), optional(m.achieved)},
            {QStringLiteral("verdict"), verdictName(m.verdict)},
            {QStringLiteral("note"), m.note}};
}

Measure measureFrom(const QJsonObject &o)
{
    Measure m;
    m.id = o.value(QStringLiteral("id")).toString();
    m.title = o.value(QStringLiteral("title")).toString();
    m.unit = o.value(QStringLiteral("unit")).toString();
    m.objective = optionalFrom(o.value(QStringLiteral("objective")));
    m.achieved = optionalFrom(o.value(QStringLiteral("achieved")));
    m.verdict = verdictFrom(o.value(QStringLiteral("verdict")).toString());
    m.note = o.value(QStringLiteral("note")).toString();
    return m;
}

QJsonArray measuresJson(const QList<Measure> &measures)
{
    QJsonArray a;
    for (const Measure &m : measures)
        a.append(measureJson(m));
    return a;
}

QJsonObject verdictJson(const RunVerdict &v)
{
    return {{QStringLiteral("recorded"), v.recorded}, {QStringLiteral("pass"), v.pass},
            {QStringLiteral("author"), v.author},     {QStringLiteral("at"), isoTime(v.at)},
            {QStringLiteral("note"), v.note}};
}

RunVerdict runVerdictFrom(const QJsonObject &o)
{
    RunVerdict v;
    v.recorded = o.value(QStringLiteral("recorded")).toBool();
    v.pass = o.value(QStringLiteral("pass")).toBool();
    v.author = o.value(QStringLiteral("author")).toString();
    v.at = timeFrom(o.value(QStringLiteral("at")));
    v.note = o.value(QStringLiteral("note")).toString();
    return v;
}

QJsonObject chartJson(const Chart &c)
{
    QJsonArray series;
    for (const ChartSeries &s : c.series) {
        QJsonArray points;
        for (const ChartPoint &p : s.points)
            points.append(QJsonArray{double(p.atMs), p.value});
        series.append(QJsonObject{{QStringLiteral("key"), s.key}, {QStringLiteral("title"), s.title}, {QStringLiteral("points"), points}});
    }
    QJsonArray markers;
    for (const ChartMarker &m : c.markers)
        markers.append(QJsonObject{{QStringLiteral("atMs"), double(m.atMs)}, {QStringLiteral("label"), m.label}});
    return {{QStringLiteral("id"), c.id},         {QStringLiteral("title"), c.title},       {QStringLiteral("unit"), c.unit},
            {QStringLiteral("fromMs"), double(c.fromMs)}, {QStringLiteral("toMs"), double(c.toMs)},
            {QStringLiteral("series"), series}, {QStringLiteral("markers"), markers},
            {QStringLiteral("emptyReason"), c.emptyReason}};
}

Chart chartFrom(const QJsonObject &o)
{
    Chart c;
    c.id = o.value(QStringLiteral("id")).toString();
    c.title = o.value(QStringLiteral("title")).toString();
    c.unit = o.value(QStringLiteral("unit")).toString();
    c.fromMs = o.value(QStringLiteral("fromMs")).toInteger();
    c.toMs = o.value(QStringLiteral("toMs")).toInteger();
    for (const QJsonValue &sv : o.value(QStringLiteral("series")).toArray()) {
        const QJsonObject so = sv.toObject();
        ChartSeries s;
        s.key = so.value(QStringLiteral("key")).toString();
        s.title = so.value(QStringLiteral("title")).toString();
        for (const QJsonValue &pv : so.value(QStringLiteral("points")).toArray()) {
            const QJsonArray p = pv.toArray();
            s.points.append({p.at(0).toInteger(), p.at(1).toDouble()});
        }
        c.series.append(s);
    }
    for (const QJsonValue &mv : o.value(QStringLiteral("markers")).toArray()) {
        const QJsonObject mo = mv.toObject();
        c.markers.append({mo.value(QStringLiteral("atMs")).toInteger(), mo.value(QStringLiteral("label")).toString()});
    }
    c.emptyReason = o.value(QStringLiteral("emptyReason")).toString();
    return c;
}

QJsonArray chartsJson(const QList<Chart> &charts)
{
    QJsonArray a;
    for (const Chart &c : charts)
        a.append(chartJson(c));
    return a;
}

QJsonArray certificatesJson(const QList<CertificateRow> &rows)
{
    QJsonArray a;
    for (const CertificateRow &c : rows) {
        a.append(QJsonObject{{QStringLiteral("id"), c.id},          {QStringLiteral("region"), c.region},
                             {QStringLiteral("host"), c.host},      {QStringLiteral("subject"), c.subject},
                             {QStringLiteral("notAfter"), isoTime(c.notAfter)},
                             {QStringLiteral("daysLeft"), c.notAfter.isValid() ? QJsonValue(c.daysLeft) : QJsonValue()},
                             {QStringLiteral("state"), c.state}});
    }
    return a;
}

QList<CertificateRow> certificatesFrom(const QJsonArray &array)
{
    QList<CertificateRow> rows;
    for (const QJsonValue &v : array) {
        const QJsonObject o = v.toObject();
        CertificateRow c;
        c.id = o.value(QStringLiteral("id")).toString();
        c.region = o.value(QStringLiteral("region")).toString();
        c.host = o.value(QStringLiteral("host")).toString();
        c.subject = o.value(QStringLiteral("subject")).toString();
        c.notAfter = timeFrom(o.value(QStringLiteral("notAfter")));
        c.daysLeft = o.value(QStringLiteral("daysLeft")).toInt();
        c.state = o.value(QStringLiteral("state")).toString();
        rows.append(c);
    }
    return rows;
}

QJsonObject auditJson(const AuditSection &a)
{
    QJsonArray entries;
    for (const AuditEntry &e : a.entries)
        entries.append(auditEntryToJson(e));
    return {{QStringLiteral("summary"), a.summary},
            {QStringLiteral("verified"), a.verified},
            {QStringLiteral("intact"), a.verified ? QJsonValue(a.verification.intact) : QJsonValue()},
            {QStringLiteral("trailEntries"), a.verified ? QJsonValue(double(a.verification.entries)) : QJsonValue()},
            {QStringLiteral("firstBadSeq"), a.verified && !a.verification.intact ? QJsonValue(double(a.verification.firstBadSeq)) : QJsonValue()},
            {QStringLiteral("problem"), a.verification.problem},
            {QStringLiteral("entries"), entries}};
}

AuditSection auditFrom(const QJsonObject &o)
{
    AuditSection a;
    a.summary = o.value(QStringLiteral("summary")).toString();
    a.verified = o.value(QStringLiteral("verified")).toBool();
    a.verification.intact = o.value(QStringLiteral("intact")).toBool(true);
    a.verification.entries = o.value(QStringLiteral("trailEntries")).toInteger();
    a.verification.firstBadSeq = o.value(QStringLiteral("firstBadSeq")).toInteger();
    a.verification.problem = o.value(QStringLiteral("problem")).toString();
    for (const QJsonValue &v : o.value(QStringLiteral("entries")).toArray()) {
        const QJsonObject e = v.toObject();
        AuditEntry entry;
        entry.seq = e.value(QStringLiteral("seq")).toInteger();
        entry.at = timeFrom(e.value(QStringLiteral("at")));
        entry.kind = e.value(QStringLiteral("kind")).toString();
        entry.actor = e.value(QStringLiteral("actor")).toString();
        entry.runId = e.value(QStringLiteral("runId")).toString();
        entry.summary = e.value(QStringLiteral("summary")).toString();
        entry.data = e.value(QStringLiteral("data")).toObject();
        entry.prevHash = e.value(QStringLiteral("prevHash")).toString().toLatin1();
        entry.hash = e.value(QStringLiteral("hash")).toString().toLatin1();
        a.entries.append(entry);
    }
    return a;
}

QJsonObject drillJson(const DrillSummary &d)
{
    return {{QStringLiteral("runId"), d.runId},
            {QStringLiteral("started"), isoTime(d.started)},
            {QStringLiteral("ended"), isoTime(d.ended)},
            {QStringLiteral("state"), d.state},
            {QStringLiteral("rtoSeconds"), optional(d.rtoSeconds)},
            {QStringLiteral("rpoExposureSeconds"), optional(d.rpoExposureSeconds)},
            {QStringLiteral("downtimeSeconds"), optional(d.downtimeSeconds)},
            {QStringLiteral("verdict"), verdictJson(d.verdict)},
            {QStringLiteral("overall"), verdictName(d.overall)}};
}

Result<void> save(const QString &path, const QByteArray &bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(QStringLiteral("cannot write the report to %1: %2").arg(path, file.errorString()));
    if (file.write(bytes) != bytes.size() || !file.commit())
        return fail(QStringLiteral("cannot write the report to %1: %2").arg(path, file.errorString()));
    return {};
}

template<typename Report>
Result<void> writeAs(const Report &report, Format format, const QString &path, const RenderOptions &options)
{
    switch (format) {
    case Format::Json:
        return save(path, QJsonDocument(toJson(report)).toJson(QJsonDocument::Indented));
    case Format::Csv:
        return save(path, toCsv(report));
    case Format::Html:
        return save(path, toHtml(report, options));
    case Format::Pdf:
        return writePdf(report, path, options);
    }
    return fail(QStringLiteral("cannot write the report to %1: unknown format").arg(path));
}

} // namespace

Result<Format> formatFromName(const QString &name)
{
    const QString n = name.trimmed().toLower();
    if (n == u"pdf")
        return Format::Pdf;
    if (n == u"html")
        return Format::Html;
    if (n == u"csv")
        return Format::Csv;
    if (n == u"json")
        return Format::Json;
    return fail(QStringLiteral("unknown report format \"%1\" (expected pdf, html, csv or json)").arg(name));
}

QString formatName(Format format)
{
    switch (format) {
    case Format::Pdf:
        return QStringLiteral("pdf");
    case Format::Html:
        return QStringLiteral("html");
    case Format::Csv:
        return QStringLiteral("csv");
    case Format::Json:
        break;
    }
    return QStringLiteral("json");
}

QString formatSuffix(Format format)
{
    return QStringLiteral(".") + formatName(format);
}

QJsonObject toJson(const RunReport &r)
{
    const RunRecord &run = r.run;
    QJsonObject runJson{{QStringLiteral("id"), run.id},
                        {QStringLiteral("kind"), run.kind},
                        {QStringLiteral("mode"), run.mode},
                        {QStringLiteral("source"), run.source},
                        {QStringLiteral("target"), run.target},
                        {QStringLiteral("profile"), run.profileName},
                        {QStringLiteral("operator"), run.operatorName},
                        {QStringLiteral("approver"), run.approverName},
                        {QStringLiteral("host"), run.host},
                        {QStringLiteral("state"), runStateName(run.state)},
                        {QStringLiteral("outcome"), run.outcome},
                        {QStringLiteral("started"), isoTime(run.started)},
                        {QStringLiteral("ended"), isoTime(run.ended)},
                        {QStringLiteral("durationMs"), run.started.isValid() && run.ended.isValid()
                                                           ? QJsonValue(double(run.started.msecsTo(run.ended))) : QJsonValue()},
                        {QStringLiteral("params"), run.params},
                        {QStringLiteral("data"), run.data}};
    QJsonArray gates;
    for (const GateRow &g : r.gates) {
        gates.append(QJsonObject{{QStringLiteral("id"), g.id}, {QStringLiteral("title"), g.title}, {QStringLiteral("outcome"), g.outcome},
                                 {QStringLiteral("reason"), g.reason}, {QStringLiteral("at"), isoTime(g.at)}});
    }
    QJsonArray steps;
    for (const StepRow &s : r.steps) {
        steps.append(QJsonObject{{QStringLiteral("index"), s.index},       {QStringLiteral("id"), s.id},
                                 {QStringLiteral("title"), s.title},       {QStringLiteral("kind"), s.kind},
                                 {QStringLiteral("state"), s.state},       {QStringLiteral("critical"), s.critical},
                                 {QStringLiteral("attempts"), s.attempts}, {QStringLiteral("started"), isoTime(s.started)},
                                 {QStringLiteral("ended"), isoTime(s.ended)},
                                 {QStringLiteral("durationMs"), s.durationMs >= 0 ? QJsonValue(double(s.durationMs)) : QJsonValue()},
                                 {QStringLiteral("detail"), s.detail}});
    }
    QJsonArray overrides;
    for (const OverrideRow &o : r.overrides) {
        overrides.append(QJsonObject{{QStringLiteral("at"), isoTime(o.at)}, {QStringLiteral("actor"), o.actor},
                                     {QStringLiteral("gate"), o.gate}, {QStringLiteral("reason"), o.reason}});
    }
    QJsonArray notes;
    for (const NoteRow &n : r.notes)
        notes.append(QJsonObject{{QStringLiteral("at"), isoTime(n.at)}, {QStringLiteral("author"), n.author}, {QStringLiteral("text"), n.text}});

    return {{QStringLiteral("schema"), r.schema},
            {QStringLiteral("generatedAt"), isoTime(r.generatedAt)},
            {QStringLiteral("generator"), r.generator},
            {QStringLiteral("profile"), QJsonObject{{QStringLiteral("name"), r.profileName}, {QStringLiteral("environment"), r.environment}}},
            {QStringLiteral("run"), runJson},
            {QStringLiteral("measures"), measuresJson(r.measures)},
            {QStringLiteral("overall"), verdictName(r.overall)},
            {QStringLiteral("gates"), gates},
            {QStringLiteral("steps"), steps},
            {QStringLiteral("overrides"), overrides},
            {QStringLiteral("notes"), notes},
            {QStringLiteral("verdict"), verdictJson(r.verdict)},
            {QStringLiteral("charts"), chartsJson(r.charts)},
            {QStringLiteral("certificates"), certificatesJson(r.certificates)},
            {QStringLiteral("certificatesNote"), r.certificatesNote},
            {QStringLiteral("traffic"), r.traffic.isEmpty() ? QJsonValue() : QJsonValue(r.traffic)},
            {QStringLiteral("scorecard"), r.scorecard.isEmpty() ? QJsonValue() : QJsonValue(r.scorecard)},
            {QStringLiteral("audit"), auditJson(r.audit)},
            {QStringLiteral("contentSha256"), r.contentSha256}};
}

Result<RunReport> runReportFromJson(const QJsonObject &json)
{
    const QString schema = json.value(QStringLiteral("schema")).toString();
    if (schema != QLatin1String(kRunReportSchema))
        return fail(QStringLiteral("not a run report: schema \"%1\" (expected \"%2\")").arg(schema, QString::fromLatin1(kRunReportSchema)));
    const QJsonObject run = json.value(QStringLiteral("run")).toObject();
    if (run.value(QStringLiteral("id")).toString().isEmpty())
        return fail(QStringLiteral("not a run report: run.id is missing"));
    const auto state = runStateFromName(run.value(QStringLiteral("state")).toString());
    if (!state)
        return fail(QStringLiteral("run report: run.state \"%1\" is not a run state").arg(run.value(QStringLiteral("state")).toString()));

    RunReport r;
    r.schema = schema;
    r.generatedAt = timeFrom(json.value(QStringLiteral("generatedAt")));
    r.generator = json.value(QStringLiteral("generator")).toString();
    const QJsonObject profile = json.value(QStringLiteral("profile")).toObject();
    r.profileName = profile.value(QStringLiteral("name")).toString();
    r.environment = profile.value(QStringLiteral("environment")).toString();
    r.run.id = run.value(QStringLiteral("id")).toString();
    r.run.kind = run.value(QStringLiteral("kind")).toString();
    r.run.mode = run.value(QStringLiteral("mode")).toString();
    r.run.source = run.value(QStringLiteral("source")).toString();
    r.run.target = run.value(QStringLiteral("target")).toString();
    r.run.profileName = run.value(QStringLiteral("profile")).toString();
    r.run.operatorName = run.value(QStringLiteral("operator")).toString();
    r.run.approverName = run.value(QStringLiteral("approver")).toString();
    r.run.host = run.value(QStringLiteral("host")).toString();
    r.run.state = *state;
    r.run.outcome = run.value(QStringLiteral("outcome")).toString();
    r.run.started = timeFrom(run.value(QStringLiteral("started")));
    r.run.ended = timeFrom(run.value(QStringLiteral("ended")));
    r.run.params = run.value(QStringLiteral("params")).toObject();
    r.run.data = run.value(QStringLiteral("data")).toObject();
    for (const QJsonValue &v : json.value(QStringLiteral("measures")).toArray())
        r.measures.append(measureFrom(v.toObject()));
    r.overall = verdictFrom(json.value(QStringLiteral("overall")).toString());
    for (const QJsonValue &v : json.value(QStringLiteral("gates")).toArray()) {
        const QJsonObject o = v.toObject();
        r.gates.append({o.value(QStringLiteral("id")).toString(), o.value(QStringLiteral("title")).toString(),
                        o.value(QStringLiteral("outcome")).toString(), o.value(QStringLiteral("reason")).toString(),
                        timeFrom(o.value(QStringLiteral("at")))});
    }
    for (const QJsonValue &v : json.value(QStringLiteral("steps")).toArray()) {
        const QJsonObject o = v.toObject();
        StepRow s;
        s.index = o.value(QStringLiteral("index")).toInt();
        s.id = o.value(QStringLiteral("id")).toString();
        s.title = o.value(QStringLiteral("title")).toString();
        s.kind = o.value(QStringLiteral("kind")).toString();
        s.state = o.value(QStringLiteral("state")).toString();
        s.critical = o.value(QStringLiteral("critical")).toBool(true);
        s.attempts = o.value(QStringLiteral("attempts")).toInt();
        s.started = timeFrom(o.value(QStringLiteral("started")));
        s.ended = timeFrom(o.value(QStringLiteral("ended")));
        s.durationMs = o.value(QStringLiteral("durationMs")).toInteger(-1);
        s.detail = o.value(QStringLiteral("detail")).toString();
        r.steps.append(s);
    }
    for (const QJsonValue &v : json.value(QStringLiteral("overrides")).toArray()) {
        const QJsonObject o = v.toObject();
        r.overrides.append({timeFrom(o.value(QStringLiteral("at"))), o.value(QStringLiteral("actor")).toString(),
                            o.value(QStringLiteral("gate")).toString(), o.value(QStringLiteral("reason")).toString()});
    }
    for (const QJsonValue &v : json.value(QStringLiteral("notes")).toArray()) {
        const QJsonObject o = v.toObject();
        r.notes.append({timeFrom(o.value(QStringLiteral("at"))), o.value(QStringLiteral("author")).toString(),
                        o.value(QStringLiteral("text")).toString()});
    }
    r.verdict = runVerdictFrom(json.value(QStringLiteral("verdict")).toObject());
    for (const QJsonValue &v : json.value(QStringLiteral("charts")).toArray())
        r.charts.append(chartFrom(v.toObject()));
    r.certificates = certificatesFrom(json.value(QStringLiteral("certificates")).toArray());
    r.certificatesNote = json.value(QStringLiteral("certificatesNote")).toString();
    r.traffic = json.value(QStringLiteral("traffic")).toObject();
    r.scorecard = json.value(QStringLiteral("scorecard")).toObject();
    r.audit = auditFrom(json.value(QStringLiteral("audit")).toObject());
    r.contentSha256 = json.value(QStringLiteral("contentSha256")).toString();
    return r;
}

QJsonObject toJson(const ReadinessReport &r)
{
    QJsonArray components;
    for (const ComponentUptime &c : r.components) {
        components.append(QJsonObject{{QStringLiteral("region"), c.region},
                                      {QStringLiteral("component"), c.component},
                                      {QStringLiteral("title"), c.title},
                                      {QStringLiteral("uptimePercent"), c.uptimePercent >= 0 ? QJsonValue(c.uptimePercent) : QJsonValue()},
                                      {QStringLiteral("samples"), double(c.samples)},
                                      {QStringLiteral("stateNow"), c.stateNow}});
    }
    const DrillSchedule &d = r.drills;
    QJsonObject drills{{QStringLiteral("schedule"), d.scheduleText},
                       {QStringLiteral("intervalDays"), d.intervalDays > 0 ? QJsonValue(d.intervalDays) : QJsonValue()},
                       {QStringLiteral("lastDrill"), d.lastDrill ? QJsonValue(drillJson(*d.lastDrill)) : QJsonValue()},
                       {QStringLiteral("dueAt"), isoTime(d.dueAt)},
                       {QStringLiteral("overdue"), d.overdue},
                       {QStringLiteral("overdueDays"), double(d.overdueDays)},
                       {QStringLiteral("summary"), d.summary}};
    QJsonArray recent;
    for (const DrillSummary &s : r.recentDrills)
        recent.append(drillJson(s));
    return {{QStringLiteral("schema"), r.schema},
            {QStringLiteral("generatedAt"), isoTime(r.generatedAt)},
            {QStringLiteral("generator"), r.generator},
            {QStringLiteral("profile"), QJsonObject{{QStringLiteral("name"), r.profileName}, {QStringLiteral("environment"), r.environment}}},
            {QStringLiteral("period"), QJsonObject{{QStringLiteral("from"), isoTime(r.from)}, {QStringLiteral("to"), isoTime(r.to)}}},
            {QStringLiteral("now"), QJsonObject{{QStringLiteral("activeRegion"), r.activeRegion.isEmpty() ? QJsonValue() : QJsonValue(r.activeRegion)},
                                                {QStringLiteral("overall"), r.overallNow}}},
            {QStringLiteral("components"), components},
            {QStringLiteral("worstReplicationLagSeconds"), optional(r.worstReplicationLagSeconds)},
            {QStringLiteral("worstIndexLagDocuments"), optional(r.worstIndexLagDocuments)},
            {QStringLiteral("worstIndexLagSeconds"), optional(r.worstIndexLagSeconds)},
            {QStringLiteral("measures"), measuresJson(r.measures)},
            {QStringLiteral("certificates"), certificatesJson(r.certificates)},
            {QStringLiteral("drills"), drills},
            {QStringLiteral("recentDrills"), recent},
            {QStringLiteral("charts"), chartsJson(r.charts)},
            {QStringLiteral("audit"), auditJson(r.audit)},
            {QStringLiteral("contentSha256"), r.contentSha256}};
}

Result<void> writeReport(const RunReport &report, Format format, const QString &path, const RenderOptions &options)
{
    return writeAs(report, format, path, options);
}

Result<void> writeReport(const ReadinessReport &report, Format format, const QString &path, const RenderOptions &options)
{
    return writeAs(report, format, path, options);
}

} // namespace dr::report
