#include "report/report.h"

#include "history/historyrecorder.h"
#include "history/historystore.h"
#include "report/render.h"
#include "status/statusmonitor.h"

#include <QCryptographicHash>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QSysInfo>

#include <algorithm>
#include <memory>
#include <tuple>

namespace dr::report {

namespace {

QDateTime parseTime(const QJsonValue &value)
{
    QDateTime t = QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
    return t.isValid() ? t.toUTC() : QDateTime();
}

std::optional<double> number(const QJsonObject &o, const QString &key)
{
    const QJsonValue v = o.value(key);
    return v.isDouble() ? std::optional<double>(v.toDouble()) : std::nullopt;
}

// The worse of a run's two legs (a drill's way out and way back): both are held to one
// objective, so the one that came closer to missing it is the one to judge.
std::optional<double> worstOfLegs(const QJsonObject &data, const QString &key, double scale = 1)
{
    std::optional<double> worst;
    for (const QString &k : {key, QString(QStringLiteral("back.") + key)}) {
        if (const auto v = number(data, k))
            worst = std::max(worst.value_or(*v / scale), *v / scale);
    }
    return worst;
}

QString figure(double value)
{
    return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

QString thousands(qint64 n)
{
    return QLocale(QLocale::English).toString(n);
}

Measure judged(const QString &id, const QString &title, const QString &unit, std::optional<double> objective,
               std::optional<double> achieved, const QString &how, const QString &whyNot)
{
    Measure m;
    m.id = id;
    m.title = title;
    m.unit = unit;
    m.objective = objective;
    m.achieved = achieved;
    if (!achieved) {
        m.verdict = Verdict::NotMeasured;
        m.note = whyNot;
    } else if (!objective) {
        m.verdict = Verdict::NotMeasured; // informational: nothing to judge it against
        m.note = how.isEmpty() ? QStringLiteral("informational: no objective") : QString(how + QStringLiteral("; informational: no objective"));
    } else {
        m.verdict = *achieved <= *objective ? Verdict::Pass : Verdict::Fail;
        m.note = how;
    }
    return m;
}

// The measures of one run from what the run recorded (see failovercontroller.h) and the
// traffic measured during it. `objectives` null: the profile is unknown, nothing is judged.
QList<Measure> runMeasures(const RunRecord &run, const Objectives *objectives, const QJsonObject &traffic)
{
    const auto objective = [objectives](auto member) -> std::optional<double> {
        return objectives ? std::optional<double>(double(objectives->*member)) : std::nullopt;
    };
    const QJsonObject &d = run.data;
    const bool twoLegs = d.contains(QStringLiteral("back.rtoMs")) || d.contains(QStringLiteral("back.verifiedAt"));
    const QString legs = twoLegs ? QStringLiteral(" (the worse of the failover and the failback)") : QString();
    QList<Measure> out;

    QString rtoHow = QStringLiteral("from the start of the run to verified service from the target") + legs;
    if (twoLegs) {
        QStringList parts;
        if (const auto v = number(d, QStringLiteral("rtoMs")))
            parts.append(QStringLiteral("failover %1 s").arg(figure(*v / 1000)));
        if (const auto v = number(d, QStringLiteral("back.rtoMs")))
            parts.append(QStringLiteral("failback %1 s").arg(figure(*v / 1000)));
        rtoHow += QStringLiteral(": ") + parts.join(QStringLiteral(", "));
    }
    out.append(judged(QStringLiteral("rto"), QStringLiteral("Recovery time (RTO)"), QStringLiteral("s"),
                      objective(&Objectives::rtoSeconds), worstOfLegs(d, QStringLiteral("rtoMs"), 1000), rtoHow,
                      QStringLiteral("not measured: the run recorded no verified service from the target")));
    out.append(judged(QStringLiteral("rpo-exposure"), QStringLiteral("RPO exposure (storage not replicated at the switch)"),
                      QStringLiteral("s"), objective(&Objectives::rpoSeconds), worstOfLegs(d, QStringLiteral("rpoExposureSeconds")),
                      QStringLiteral("the switch time minus the storage's Last Sync Time") + legs,
                      QStringLiteral("not measured: no storage Last Sync Time was recorded before the switch")));
    out.append(judged(QStringLiteral("index-lag"), QStringLiteral("Index lag at the switch"), QStringLiteral("documents"),
                      objective(&Objectives::indexLagDocuments), worstOfLegs(d, QStringLiteral("indexLagDocuments")),
                      QStringLiteral("0 after a verified final index sync; else the lag seen at the gate") + legs,
                      QStringLiteral("not measured: no verified index sync and no lag at the gate were recorded")));
    std::optional<double> downtime;
    QString downtimeHow;
    if (const auto ms = number(traffic, QStringLiteral("longestOutageMs"))) {
        downtime = *ms / 1000;
        downtimeHow = QStringLiteral("the longest stretch without a successful answer among %1 chat requests through the global "
                                     "endpoint (%2 failed); judged against the RTO objective")
                          .arg(traffic.value(QStringLiteral("sent")).toInt())
                          .arg(traffic.value(QStringLiteral("failed")).toInt());
    }
    out.append(judged(QStringLiteral("downtime"), QStringLiteral("User-visible downtime"), QStringLiteral("s"),
                      objective(&Objectives::rtoSeconds), downtime, downtimeHow,
                      QStringLiteral("not measured: no traffic was measured during the run (drlab traffic, or drctl record --traffic)")));
    const auto s2v = worstOfLegs(d, QStringLiteral("switchToVerifiedMs"), 1000);
    out.append(judged(QStringLiteral("switch-to-verified"), QStringLiteral("Switch to verified service"), QStringLiteral("s"),
                      std::nullopt, s2v, QStringLiteral("from the routing switch to verified service") + legs,
                      QStringLiteral("not measured: no switch and verification times were recorded")));
    if (!objectives) {
        for (Measure &m : out) {
            if (m.achieved)
                m.note += QStringLiteral("; not judged: the profile (and its objectives) was not available");
        }
    }
    return out;
}

Verdict overallOf(const QList<Measure> &measures, RunState state)
{
    if (state != RunState::Succeeded && state != RunState::Running)
        return Verdict::Fail;
    bool anyPass = false;
    for (const Measure &m : measures) {
        if (m.verdict == Verdict::Fail)
            return Verdict::Fail;
        anyPass = anyPass || m.verdict == Verdict::Pass;
    }
    // A run still in progress has not shown it recovers: never a PASS.
    return anyPass && state == RunState::Succeeded ? Verdict::Pass : Verdict::NotMeasured;
}

RunVerdict verdictOf(const QJsonObject &data)
{
    RunVerdict v;
    const QJsonObject o = data.value(QStringLiteral("verdict")).toObject();
    if (o.isEmpty())
        return v;
    v.recorded = true;
    v.pass = o.value(QStringLiteral("pass")).toBool();
    v.author = o.value(QStringLiteral("author")).toString();
    v.at = parseTime(o.value(QStringLiteral("at")));
    v.note = o.value(QStringLiteral("note")).toString();
    return v;
}

DrillSummary summaryOf(const RunRecord &run, const Objectives *objectives)
{
    DrillSummary s;
    s.runId = run.id;
    s.started = run.started;
    s.ended = run.ended;
    s.state = runStateName(run.state);
    const QJsonObject traffic = run.data.value(QStringLiteral("traffic")).toObject();
    const QList<Measure> measures = runMeasures(run, objectives, traffic);
    for (const Measure &m : measures) {
        if (m.id == u"rto")
            s.rtoSeconds = m.achieved;
        else if (m.id == u"rpo-exposure")
            s.rpoExposureSeconds = m.achieved;
        else if (m.id == u"downtime")
            s.downtimeSeconds = m.achieved;
    }
    s.verdict = verdictOf(run.data);
    s.overall = overallOf(measures, run.state);
    return s;
}

bool drillEnded(const RunRecord &run)
{
    return run.kind == u"drill" && run.state != RunState::Running && run.state != RunState::Halted;
}

CertificateRow certificateFrom(const QJsonObject &c)
{
    CertificateRow row;
    row.id = c.value(QStringLiteral("id")).toString();
    row.region = c.value(QStringLiteral("region")).toString();
    row.host = c.value(QStringLiteral("endpoint")).toString();
    row.subject = c.value(QStringLiteral("subject")).toString();
    if (row.subject.isEmpty())
        row.subject = c.value(QStringLiteral("issuer")).toString().isEmpty()
            ? QString() : QString(QStringLiteral("issued by ") + c.value(QStringLiteral("issuer")).toString());
    row.notAfter = parseTime(c.value(QStringLiteral("notAfter")));
    if (!row.notAfter.isValid())
        row.notAfter = QDateTime::fromString(c.value(QStringLiteral("notAfter")).toString(), Qt::ISODate).toUTC();
    row.daysLeft = c.value(QStringLiteral("daysLeft")).toInt();
    row.state = c.value(QStringLiteral("state")).toString(QStringLiteral("unknown"));
    return row;
}

QList<CertificateRow> certificatesFrom(const QJsonArray &array)
{
    QList<CertificateRow> rows;
    for (const QJsonValue &v : array)
        rows.append(certificateFrom(v.toObject()));
    return rows;
}

// The trail's entries (of one run, or none) and the chain's verification. The trail given
// in `sources` is used as is; else the file at auditPath is read without a key (entries
// only: a keyless trail cannot be verified).
AuditSection auditSection(const ReportSources &sources, const QString &runId, bool withEntries)
{
    AuditSection section;
    std::unique_ptr<AuditTrail> own;
    AuditTrail *trail = sources.audit;
    if (!trail && !sources.auditPath.isEmpty()) {
        if (!QFileInfo::exists(sources.auditPath)) {
            section.summary = QStringLiteral("not verified: no audit trail at %1").arg(sources.auditPath);
            return section;
        }
        own = std::make_unique<AuditTrail>(sources.auditPath, QByteArray());
        if (const auto ok = own->open(); !ok) {
            section.summary = QStringLiteral("not verified: the audit trail cannot be opened: %1").arg(ok.error());
            return section;
        }
        trail = own.get();
    }
    if (!trail) {
        section.summary = QStringLiteral("not verified: no audit trail was given");
        return section;
    }
    QString entriesProblem;
    if (withEntries) {
        AuditFilter filter;
        filter.runId = runId;
        if (const auto entries = trail->entries(filter); entries)
            section.entries = *entries;
        else
            entriesProblem = QStringLiteral(" (the run's entries cannot be read: %1)").arg(entries.error());
    }
    if (own) {
        section.summary = QStringLiteral("not verified: no audit key (the trail was read without it)") + entriesProblem;
        return section;
    }
    const auto verification = trail->verify();
    if (!verification) {
        section.summary = QStringLiteral("not verified: %1").arg(verification.error()) + entriesProblem;
        return section;
    }
    section.verified = true;
    section.verification = *verification;
    section.summary = verification->intact
        ? QStringLiteral("intact: %1 entries").arg(thousands(verification->entries))
        : QStringLiteral("BROKEN at entry %1: %2").arg(verification->firstBadSeq).arg(verification->problem);
    section.summary += entriesProblem;
    return section;
}

QString generatorText(const ReportSources &sources)
{
    if (!sources.generator.isEmpty())
        return sources.generator;
    return QStringLiteral("DR Console %1 on %2").arg(QStringLiteral(DR_VERSION), QSysInfo::machineHostName());
}

ChartSeries seriesOf(HistoryStore *history, const QString &key, const QString &title, const QDateTime &from, const QDateTime &to,
                     QString *problem)
{
    ChartSeries series;
    series.key = key;
    series.title = title;
    const auto points = history->query(key, from, to, 500);
    if (!points) {
        *problem = points.error();
        return series;
    }
    for (const HistoryPoint &p : *points)
        series.points.append({p.atMs, p.avg});
    return series;
}

// The worst value of a series in [from, to]: the max of every point's max.
std::optional<double> worstOf(HistoryStore *history, const QString &key, const QDateTime &from, const QDateTime &to)
{
    if (!history || !history->isOpen())
        return std::nullopt;
    const auto points = history->query(key, from, to, 500);
    if (!points || points->isEmpty())
        return std::nullopt;
    double worst = points->first().max;
    for (const HistoryPoint &p : *points)
        worst = std::max(worst, p.max);
    return worst;
}

Chart lagChart(HistoryStore *history, const QDateTime &from, const QDateTime &to, const QString &title, const QString &noHistory)
{
    Chart chart;
    chart.id = QStringLiteral("lag");
    chart.title = title;
    chart.unit = QStringLiteral("s, documents");
    chart.fromMs = from.toMSecsSinceEpoch();
    chart.toMs = to.toMSecsSinceEpoch();
    if (!history || !history->isOpen()) {
        chart.emptyReason = noHistory;
        return chart;
    }
    QString problem;
    for (const auto &[key, text] : {std::pair{HistoryRecorder::replicationLagSecondsKey(), QStringLiteral("Storage replication lag (s)")},
                                    std::pair{HistoryRecorder::indexLagDocumentsKey(), QStringLiteral("Index lag (documents)")}}) {
        ChartSeries s = seriesOf(history, key, text, from, to, &problem);
        if (!s.points.isEmpty())
            chart.series.append(s);
    }
    if (chart.series.isEmpty())
        chart.emptyReason = problem.isEmpty() ? QStringLiteral("no replication or index lag was recorded in this period (the console was not running)")
                                              : QStringLiteral("the history cannot be read: %1").arg(problem);
    return chart;
}

Chart latencyChart(HistoryStore *history, const Profile *profile, const QDateTime &from, const QDateTime &to, const QString &noHistory)
{
    Chart chart;
    chart.id = QStringLiteral("latency");
    chart.title = QStringLiteral("Bot endpoint latency around the run");
    chart.unit = QStringLiteral("ms");
    chart.fromMs = from.toMSecsSinceEpoch();
    chart.toMs = to.toMSecsSinceEpoch();
    if (!history || !history->isOpen()) {
        chart.emptyReason = noHistory;
        return chart;
    }
    const QStringList known = history->seriesKeys();
    QList<std::pair<QString, QString>> wanted;
    if (profile) {
        for (const Region &r : profile->regions) {
            for (const Component &c : r.components) {
                if (c.kind == u"bot-api")
                    wanted.append({HistoryRecorder::latencyKey(StatusMonitor::componentTargetId(r.id, c.id)),
                                   QStringLiteral("%1 %2 (ms)").arg(r.id, c.displayName.isEmpty() ? c.id : c.displayName)});
            }
        }
    } else {
        // Without the profile the region bots cannot be told apart: every latency series.
        for (const QString &k : known) {
            if (k.startsWith(QStringLiteral("latency/")))
                wanted.append({k, QString(k.mid(8) + QStringLiteral(" (ms)"))});
        }
    }
    QString problem;
    for (const auto &[key, text] : wanted) {
        if (!known.contains(key))
            continue;
        ChartSeries s = seriesOf(history, key, text, from, to, &problem);
        if (!s.points.isEmpty())
            chart.series.append(s);
    }
    if (chart.series.isEmpty())
        chart.emptyReason = problem.isEmpty() ? QStringLiteral("no bot latency was recorded around this run (the console was not running)")
                                              : QStringLiteral("the history cannot be read: %1").arg(problem);
    return chart;
}

QString hashOf(const QJsonObject &json)
{
    return QString::fromLatin1(QCryptographicHash::hash(QJsonDocument(json).toJson(QJsonDocument::Compact),
                                                        QCryptographicHash::Sha256).toHex());
}

} // namespace

QString verdictName(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Pass:
        return QStringLiteral("PASS");
    case Verdict::Fail:
        return QStringLiteral("FAIL");
    case Verdict::NotMeasured:
        break;
    }
    return QStringLiteral("NOT MEASURED");
}

Result<RunReport> buildRunReport(const ReportSources &sources, const QString &runId)
{
    if (!sources.journal)
        return fail(QStringLiteral("cannot build the report of run %1: no run journal").arg(runId));
    const auto found = sources.journal->run(runId);
    if (!found)
        return fail(found.error());
    if (!*found)
        return fail(QStringLiteral("no run %1 in the journal %2").arg(runId, sources.journal->path()));
    const auto steps = sources.journal->steps(runId);
    if (!steps)
        return fail(steps.error());

    RunReport report;
    report.generatedAt = sources.clock->nowUtc();
    report.generator = generatorText(sources);
    report.run = **found;
    report.profileName = sources.profile ? sources.profile->name : report.run.profileName;
    report.environment = sources.profile ? toString(sources.profile->environment) : QString();
    const QJsonObject &data = report.run.data;

    report.traffic = !sources.traffic.isEmpty() ? sources.traffic : data.value(QStringLiteral("traffic")).toObject();
    report.scorecard = data.value(QStringLiteral("scorecard")).toObject();
    report.measures = runMeasures(report.run, sources.profile ? &sources.profile->objectives : nullptr, report.traffic);
    report.overall = overallOf(report.measures, report.run.state);
    report.verdict = verdictOf(data);

    for (const StepRecord &s : *steps) {
        StepRow row;
        row.index = s.index + 1;
        row.id = s.id;
        row.title = s.title;
        row.kind = stepKindName(s.kind);
        row.state = stepStateName(s.state);
        row.critical = s.critical;
        row.attempts = s.attempts;
        row.started = s.started;
        row.ended = s.ended;
        row.durationMs = s.started.isValid() && s.ended.isValid() ? s.started.msecsTo(s.ended) : -1;
        row.detail = s.detail;
        report.steps.append(row);

        if (!(s.kind == StepKind::Gate || s.id.startsWith(QStringLiteral("gate.")) || s.id.contains(QStringLiteral(".gate."))))
            continue;
        GateRow gate;
        gate.id = s.id;
        gate.title = s.title;
        switch (s.state) {
        case StepState::Succeeded:
            gate.outcome = s.data.value(QStringLiteral("overridden")).toBool() ? QStringLiteral("overridden") : QStringLiteral("passed");
            break;
        case StepState::Failed:
            gate.outcome = QStringLiteral("failed");
            break;
        case StepState::Skipped:
            gate.outcome = QStringLiteral("skipped");
            break;
        case StepState::Pending:
            gate.outcome = QStringLiteral("not judged");
            break;
        default:
            gate.outcome = stepStateName(s.state);
            break;
        }
        gate.reason = s.detail;
        gate.at = s.ended.isValid() ? s.ended : s.started;
        report.gates.append(gate);
    }

    report.audit = auditSection(sources, runId, true);
    const QString breakGlass = report.run.params.value(QStringLiteral("breakGlassReason")).toString();
    for (const AuditEntry &e : std::as_const(report.audit.entries)) {
        if (e.kind == u"override") {
            OverrideRow row;
            row.at = e.at;
            row.actor = e.actor;
            const QJsonObject gate = e.data.value(QStringLiteral("gate")).toObject();
            row.gate = gate.value(QStringLiteral("id")).toString();
            // The entry's summary says what was overridden and why; the break-glass reason is
            // the operator's own words, so it is what the reason column shows when known.
            row.reason = breakGlass.isEmpty() ? e.summary
                                              : (row.gate.isEmpty() ? breakGlass
                                                                    : QString(breakGlass + QStringLiteral(" (the gate said: ")
                                                                              + gate.value(QStringLiteral("reason")).toString() + u')'));
            report.overrides.append(row);
        } else if (e.kind == u"note") {
            report.notes.append({e.at, e.actor, e.summary});
        }
    }

    // Charts: the run and a margin either side.
    const QDateTime end = report.run.ended.isValid() ? report.run.ended : report.generatedAt;
    const QDateTime from = report.run.started.addMSecs(-kChartMarginMs);
    const QDateTime to = end.addMSecs(kChartMarginMs);
    const QString noHistory = sources.history && !sources.history->error().isEmpty()
        ? QStringLiteral("no history: %1").arg(sources.history->error())
        : QStringLiteral("no history was available for this report (the console's history file was not found)");
    Chart lag = lagChart(sources.history, from, to, QStringLiteral("Replication and index lag around the run"), noHistory);
    Chart latency = latencyChart(sources.history, sources.profile, from, to, noHistory);
    QList<ChartMarker> markers{{report.run.started.toMSecsSinceEpoch(), QStringLiteral("run start")}};
    for (const auto &[key, label] : {std::pair{QStringLiteral("switchAt"), QStringLiteral("switch")},
                                     std::pair{QStringLiteral("verifiedAt"), QStringLiteral("verified")},
                                     std::pair{QStringLiteral("backSwitchAt"), QStringLiteral("switch back")},
                                     std::pair{QStringLiteral("back.verifiedAt"), QStringLiteral("verified back")}}) {
        const QDateTime at = parseTime(data.value(key));
        if (at.isValid())
            markers.append({at.toMSecsSinceEpoch(), label});
    }
    if (report.run.ended.isValid())
        markers.append({report.run.ended.toMSecsSinceEpoch(), QStringLiteral("run end")});
    lag.markers = markers;
    latency.markers = markers;
    report.charts = {lag, latency};

    // Certificates: as the gates saw them, else as they are now.
    const QJsonObject gateSnapshot = data.value(QStringLiteral("gateSnapshot")).toObject();
    if (gateSnapshot.value(QStringLiteral("certificates")).isArray()) {
        report.certificates = certificatesFrom(gateSnapshot.value(QStringLiteral("certificates")).toArray());
        report.certificatesNote = QStringLiteral("as checked by the run's gates at %1").arg(gateSnapshot.value(QStringLiteral("at")).toString());
    } else if (sources.statusSnapshot.value(QStringLiteral("certificates")).isArray()) {
        report.certificates = certificatesFrom(sources.statusSnapshot.value(QStringLiteral("certificates")).toArray());
        report.certificatesNote = QStringLiteral("as checked when the report was generated (%1): the run kept no snapshot of them")
                                      .arg(sources.statusSnapshot.value(QStringLiteral("takenAt")).toString());
    } else {
        report.certificatesNote = QStringLiteral("not known: the run kept no snapshot of the certificates and no status was taken");
    }

    report.contentSha256 = reportContentHash(report);
    return report;
}

Result<DrillSchedule> drillSchedule(const Profile &profile, RunJournal &journal, const QDateTime &now)
{
    const auto runs = journal.runs();
    if (!runs)
        return fail(runs.error());
    return drillScheduleFrom(profile, *runs, now);
}

DrillSchedule drillScheduleFrom(const Profile &profile, const QList<RunRecord> &runs, const QDateTime &now)
{
    DrillSchedule s;
    const DrillSettings &d = profile.drills;
    s.intervalDays = d.enabled() ? d.intervalDays : 0;
    s.scheduleText = !d.enabled() ? QStringLiteral("none")
        : !d.schedule.isEmpty()    ? d.schedule
                                   : QStringLiteral("every %1 day%2").arg(d.intervalDays).arg(d.intervalDays == 1 ? QString() : QStringLiteral("s"));
    const RunRecord *newest = nullptr;
    for (const RunRecord &r : runs) {
        if (drillEnded(r) && (!newest || r.started > newest->started))
            newest = &r;
    }
    if (newest)
        s.lastDrill = summaryOf(*newest, &profile.objectives);
    const QString day = QStringLiteral("yyyy-MM-dd");
    if (!d.enabled()) {
        s.summary = s.lastDrill ? QStringLiteral("no drill schedule in the profile; last drill %1 (%2)")
                                      .arg(s.lastDrill->ended.toUTC().toString(day), s.lastDrill->state)
                                : QStringLiteral("no drill schedule in the profile; no drill recorded");
        return s;
    }
    if (!s.lastDrill) {
        s.overdue = true;
        s.summary = QStringLiteral("drill overdue: no drill recorded (%1)").arg(s.scheduleText);
        return s;
    }
    const QDateTime last = s.lastDrill->ended.isValid() ? s.lastDrill->ended : s.lastDrill->started;
    s.dueAt = d.intervalMonths > 0 ? last.addMonths(d.intervalMonths) : last.addDays(d.intervalDays);
    s.dueAt = s.dueAt.toUTC();
    if (now > s.dueAt) {
        s.overdue = true;
        s.overdueDays = std::max<qint64>(1, s.dueAt.daysTo(now));
        s.summary = QStringLiteral("drill overdue by %1 day%2 (%3; last %4)")
                        .arg(s.overdueDays)
                        .arg(s.overdueDays == 1 ? QString() : QStringLiteral("s"))
                        .arg(s.scheduleText, last.toUTC().toString(day));
    } else {
        const qint64 days = now.daysTo(s.dueAt);
        s.summary = QStringLiteral("next drill due %1, in %2 day%3 (%4; last %5)")
                        .arg(s.dueAt.toString(day))
                        .arg(days)
                        .arg(days == 1 ? QString() : QStringLiteral("s"))
                        .arg(s.scheduleText, last.toUTC().toString(day));
    }
    return s;
}

Result<QList<DrillSummary>> recentDrills(RunJournal &journal, int limit)
{
    return recentDrills(journal, limit, nullptr);
}

Result<QList<DrillSummary>> recentDrills(RunJournal &journal, int limit, const Objectives *objectives)
{
    const auto runs = journal.runs();
    if (!runs)
        return fail(runs.error());
    QList<DrillSummary> out;
    for (const RunRecord &r : *runs) {
        if (limit > 0 && out.size() >= limit)
            break;
        if (drillEnded(r))
            out.append(summaryOf(r, objectives));
    }
    return out;
}

Result<ReadinessReport> buildReadinessReport(const ReportSources &sources, const QDateTime &from, const QDateTime &to)
{
    if (!sources.journal)
        return fail(QStringLiteral("cannot build the readiness report: no run journal"));
    if (!from.isValid() || !to.isValid() || from > to)
        return fail(QStringLiteral("cannot build the readiness report: the period %1 to %2 is not a period")
                        .arg(from.toString(Qt::ISODate), to.toString(Qt::ISODate)));
    ReadinessReport report;
    report.generatedAt = sources.clock->nowUtc();
    report.generator = generatorText(sources);
    report.profileName = sources.profile ? sources.profile->name : sources.statusSnapshot.value(QStringLiteral("profile")).toString();
    report.environment = sources.profile ? toString(sources.profile->environment)
                                         : sources.statusSnapshot.value(QStringLiteral("environment")).toString();
    report.from = from.toUTC();
    report.to = to.toUTC();

    const QJsonObject &snap = sources.statusSnapshot;
    report.activeRegion = snap.value(QStringLiteral("activeRegion")).toString();
    if (snap.isEmpty()) {
        report.overallNow = QStringLiteral("unknown");
    } else {
        switch (StatusMonitor::exitFor(snap)) {
        case StatusExit::Ok:
            report.overallNow = QStringLiteral("ok");
            break;
        case StatusExit::Down:
            report.overallNow = QStringLiteral("down");
            break;
        default:
            report.overallNow = QStringLiteral("degraded");
            break;
        }
    }

    // Components: the profile's, with their state now from the snapshot and their uptime
    // over the period from the history's up/REGION/COMPONENT series (1 ok, 0 not).
    QHash<QString, QString> stateNow;
    QList<std::tuple<QString, QString, QString>> components;
    for (const QJsonValue &rv : snap.value(QStringLiteral("regions")).toArray()) {
        const QJsonObject r = rv.toObject();
        for (const QJsonValue &cv : r.value(QStringLiteral("components")).toArray()) {
            const QJsonObject c = cv.toObject();
            const QString region = r.value(QStringLiteral("id")).toString();
            const QString id = c.value(QStringLiteral("id")).toString();
            stateNow.insert(region + u'/' + id, c.value(QStringLiteral("state")).toString());
            if (!sources.profile)
                components.append({region, id, c.value(QStringLiteral("displayName")).toString()});
        }
    }
    if (sources.profile) {
        for (const Region &r : sources.profile->regions) {
            for (const Component &c : r.components)
                components.append({r.id, c.id, c.displayName});
        }
    }
    const bool history = sources.history && sources.history->isOpen();
    for (const auto &[region, id, title] : components) {
        ComponentUptime u;
        u.region = region;
        u.component = id;
        u.title = title.isEmpty() ? id : title;
        u.stateNow = stateNow.value(StatusMonitor::componentTargetId(region, id), QStringLiteral("unknown"));
        if (history) {
            const auto points = sources.history->query(HistoryRecorder::upKey(StatusMonitor::componentTargetId(region, id)), report.from, report.to, 500);
            if (points && !points->isEmpty()) {
                double upSamples = 0;
                for (const HistoryPoint &p : *points) {
                    upSamples += p.avg * double(p.count);
                    u.samples += p.count;
                }
                if (u.samples > 0)
                    u.uptimePercent = 100.0 * upSamples / double(u.samples);
            }
        }
        report.components.append(u);
    }

    report.worstReplicationLagSeconds = worstOf(sources.history, HistoryRecorder::replicationLagSecondsKey(), report.from, report.to);
    report.worstIndexLagDocuments = worstOf(sources.history, HistoryRecorder::indexLagDocumentsKey(), report.from, report.to);
    report.worstIndexLagSeconds = worstOf(sources.history, HistoryRecorder::indexLagSecondsKey(), report.from, report.to);
    const Objectives *objectives = sources.profile ? &sources.profile->objectives : nullptr;
    const auto objective = [objectives](auto member) -> std::optional<double> {
        return objectives ? std::optional<double>(double(objectives->*member)) : std::nullopt;
    };
    const QString noHistory = history ? QStringLiteral("not measured: nothing was recorded in the period (the console was not running)")
                                      : QStringLiteral("not measured: no history was available for this report");
    report.measures.append(judged(QStringLiteral("worst-replication-lag"), QStringLiteral("Worst storage replication lag"), QStringLiteral("s"),
                                  objective(&Objectives::rpoSeconds), report.worstReplicationLagSeconds,
                                  QStringLiteral("the largest lag sampled in the period, against the RPO objective"), noHistory));
    report.measures.append(judged(QStringLiteral("worst-index-lag"), QStringLiteral("Worst index lag"), QStringLiteral("documents"),
                                  objective(&Objectives::indexLagDocuments), report.worstIndexLagDocuments,
                                  QStringLiteral("the largest lag sampled in the period"), noHistory));
    report.measures.append(judged(QStringLiteral("worst-index-lag-seconds"), QStringLiteral("Worst index lag (time)"), QStringLiteral("s"),
                                  objective(&Objectives::indexLagSeconds), report.worstIndexLagSeconds,
                                  QStringLiteral("the largest lag sampled in the period"), noHistory));

    report.certificates = certificatesFrom(snap.value(QStringLiteral("certificates")).toArray());
    std::stable_sort(report.certificates.begin(), report.certificates.end(), [](const CertificateRow &a, const CertificateRow &b) {
        // Unknown expiry last: it cannot be ranked, and must not look safest either.
        if (a.notAfter.isValid() != b.notAfter.isValid())
            return a.notAfter.isValid();
        return a.notAfter < b.notAfter;
    });

    if (sources.profile) {
        auto schedule = drillSchedule(*sources.profile, *sources.journal, report.generatedAt);
        if (!schedule)
            return fail(schedule.error());
        report.drills = *schedule;
    } else {
        report.drills.scheduleText = QStringLiteral("unknown");
        report.drills.summary = QStringLiteral("the drill schedule is not known: the profile was not available");
    }
    auto recent = recentDrills(*sources.journal, 8, objectives);
    if (!recent)
        return fail(recent.error());
    report.recentDrills = *recent;

    report.charts.append(lagChart(sources.history, report.from, report.to, QStringLiteral("Replication and index lag over the period"),
                                  sources.history && !sources.history->error().isEmpty()
                                      ? QStringLiteral("no history: %1").arg(sources.history->error())
                                      : QStringLiteral("no history was available for this report (the console's history file was not found)")));
    report.audit = auditSection(sources, QString(), false);
    report.contentSha256 = reportContentHash(report);
    return report;
}

QString reportContentHash(const RunReport &report)
{
    QJsonObject json = toJson(report);
    json.insert(QStringLiteral("contentSha256"), QString());
    return hashOf(json);
}

QString reportContentHash(const ReadinessReport &report)
{
    QJsonObject json = toJson(report);
    json.insert(QStringLiteral("contentSha256"), QString());
    return hashOf(json);
}

} // namespace dr::report
