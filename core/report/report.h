#pragma once
// The report model: what auditors and DR managers receive, computed once from the
// workstation's own record (run journal, audit trail, history, profile) and rendered many
// ways (render.h: PDF, HTML, CSV, JSON). Nothing here talks to the network: a report is
// evidence of what was recorded, and says plainly what was not (no history around the run,
// no traffic measured, no audit key to verify the chain).
//
// Contract:
// - buildRunReport() and buildReadinessReport() read only; they never change the journal,
//   the trail or the history.
// - Every figure that is judged carries its objective, the value achieved (or "not
//   measured") and a verdict; a figure that was not measured is never a PASS.
// - contentSha256 is the SHA-256 (hex) of the report's canonical JSON with that field
//   empty (reportContentHash()), so a reader can recompute it from the JSON rendering.
#include "audit/audittrail.h"
#include "common/result.h"
#include "profile/profile.h"
#include "runbook/runjournal.h"
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>

namespace dr {
class HistoryStore;
}

namespace dr::report {

inline constexpr auto kRunReportSchema = "drconsole.run-report/1";
inline constexpr auto kReadinessReportSchema = "drconsole.readiness-report/1";

enum class Verdict { Pass, Fail, NotMeasured };
QString verdictName(Verdict verdict); // "PASS", "FAIL", "NOT MEASURED"

// One judged figure: "Measured RTO 2.4 s against an objective of 3600 s: PASS".
struct Measure
{
    QString id;          // rto, rpo-exposure, index-lag, downtime, switch-to-verified
    QString title;       // "Recovery time (RTO)"
    QString unit;        // "s", "documents"
    std::optional<double> objective; // none: informational only
    std::optional<double> achieved;  // none: not measured
    Verdict verdict = Verdict::NotMeasured;
    QString note;        // how it was measured, or why it was not
};

struct GateRow
{
    QString id;          // "gate.target-certificates" (the step id) or the gate's id
    QString title;
    QString outcome;     // passed, failed, skipped, overridden
    QString reason;
    QDateTime at;
};

struct StepRow
{
    int index = 0;       // 1-based, in runbook order
    QString id, title, kind; // kind: stepKindName()
    QString state;       // stepStateName()
    bool critical = true;
    int attempts = 0;
    QDateTime started, ended;  // invalid when the step never ran
    qint64 durationMs = -1;    // -1 when it never ran or has not ended
    QString detail;
};

struct OverrideRow
{
    QDateTime at;
    QString actor, gate, reason;
};

struct NoteRow
{
    QDateTime at;
    QString author, text;
};

// The operator's verdict on a drill (or any run), recorded at its end.
struct RunVerdict
{
    bool recorded = false;
    bool pass = false;
    QString author;
    QDateTime at;
    QString note;
};

struct ChartPoint
{
    qint64 atMs = 0; // ms since the epoch, UTC
    double value = 0;
};

struct ChartSeries
{
    QString key;         // history series key ("replication/lagSeconds", "latency/west/bot-api")
    QString title;       // legend text
    QList<ChartPoint> points;
};

struct ChartMarker
{
    qint64 atMs = 0;
    QString label;       // "switch", "verified", "run start", "run end"
};

struct Chart
{
    QString id;          // "lag", "latency"
    QString title;       // "Replication and index lag around the run"
    QString unit;        // y axis: "s", "ms", "documents"
    qint64 fromMs = 0, toMs = 0;
    QList<ChartSeries> series;
    QList<ChartMarker> markers;
    QString emptyReason; // set when there is nothing to draw, e.g. "no history was recorded
                         // around this run (the console was not running)"
};

struct CertificateRow
{
    QString id, region, host, subject;
    QDateTime notAfter;  // invalid when unknown
    int daysLeft = 0;
    QString state;       // ok, warning, critical, expired, unknown
};

struct AuditSection
{
    QList<AuditEntry> entries;        // the run's entries, in seq order
    bool verified = false;            // false: the chain could not be checked (see problem)
    AuditVerification verification;   // of the whole trail, when verified
    QString summary;                  // one line: "intact: 1,234 entries" / "BROKEN at entry 12: ..."
                                      // / "not verified: no audit key (...)"
};

// A run (failover, failback, drill) as evidence.
struct RunReport
{
    QString schema = QString::fromLatin1(kRunReportSchema);
    QDateTime generatedAt;
    QString generator;                // "DR Console 0.6.0 on HOST"
    QString profileName, environment; // environment: toString(Environment)
    RunRecord run;                    // id, kind, mode, source, target, operator, approver,
                                      // host, state, outcome, started, ended, data
    QList<Measure> measures;          // rto, rpo-exposure, index-lag, downtime, switch-to-verified
    Verdict overall = Verdict::NotMeasured; // FAIL if any judged measure fails or the run did
                                            // not succeed; PASS if all judged ones pass
    QList<GateRow> gates;
    QList<StepRow> steps;
    QList<OverrideRow> overrides;
    QList<NoteRow> notes;
    RunVerdict verdict;
    QList<Chart> charts;              // always "lag" and "latency" (possibly with emptyReason)
    QList<CertificateRow> certificates; // inventory at the run's gates (snapshot), else now
    QString certificatesNote;         // where the inventory comes from
    QJsonObject traffic;              // the attached `drlab traffic --json` summary, if any
    QJsonObject scorecard;            // drills: data.scorecard
    AuditSection audit;
    QString contentSha256;            // see the contract above
};

struct ComponentUptime
{
    QString region, component, title;
    double uptimePercent = -1;        // -1: not measured in the period
    qint64 samples = 0;
    QString stateNow;                 // ok, degraded, down, unknown
};

struct DrillSummary
{
    QString runId;
    QDateTime started, ended;
    QString state;                    // runStateName()
    std::optional<double> rtoSeconds, rpoExposureSeconds, downtimeSeconds;
    RunVerdict verdict;
    Verdict overall = Verdict::NotMeasured;
};

struct DrillSchedule
{
    int intervalDays = 0;             // 0: no schedule in the profile
    QString scheduleText;             // "quarterly", "every 30 days", "none"
    std::optional<DrillSummary> lastDrill; // the last drill that ran to its end (any outcome)
    QDateTime dueAt;                  // invalid without a schedule
    bool overdue = false;
    qint64 overdueDays = 0;
    QString summary;                  // "drill overdue by 12 days (quarterly; last 2026-07-01)"
};

// The posture now and over a period.
struct ReadinessReport
{
    QString schema = QString::fromLatin1(kReadinessReportSchema);
    QDateTime generatedAt;
    QString generator;
    QString profileName, environment;
    QDateTime from, to;               // the period
    QString activeRegion;             // now
    QString overallNow;               // ok / degraded / down (status snapshot)
    QList<ComponentUptime> components;
    std::optional<double> worstReplicationLagSeconds, worstIndexLagDocuments, worstIndexLagSeconds;
    QList<Measure> measures;          // worst lags against the objectives
    QList<CertificateRow> certificates; // by expiry, soonest first
    DrillSchedule drills;
    QList<DrillSummary> recentDrills; // newest first (the scorecard comparing the last drills)
    QList<Chart> charts;              // lag over the period
    AuditSection audit;               // verification of the whole trail (entries empty)
    QString contentSha256;
};

// Where a report's facts come from. Pointers may be null: the report then says what is
// missing (e.g. no audit key: "not verified"); journal is required.
struct ReportSources
{
    const Profile *profile = nullptr;
    RunJournal *journal = nullptr;
    AuditTrail *audit = nullptr;      // opened; null or keyless: entries read, chain not verified
    QString auditPath;                // read entries from here when audit is null
    HistoryStore *history = nullptr;  // opened; null: charts say no history
    QJsonObject statusSnapshot;       // StatusMonitor::snapshot(), for "now" (readiness; run
                                      // reports fall back to it for certificates)
    QJsonObject traffic;              // a `drlab traffic --json` summary to attach
    QString generator;
    const Clock *clock = Clock::system();
};

// Margins around a run for its charts.
inline constexpr qint64 kChartMarginMs = 10 * 60 * 1000;

Result<RunReport> buildRunReport(const ReportSources &sources, const QString &runId);
Result<ReadinessReport> buildReadinessReport(const ReportSources &sources, const QDateTime &from,
                                             const QDateTime &to);

// The drill schedule and the last drills from the journal (drctl status, the console).
Result<DrillSchedule> drillSchedule(const Profile &profile, RunJournal &journal, const QDateTime &now);
// The same from runs already read (any order): "last drill" is the latest-started drill that
// ended (any state but running or halted). Without a schedule nothing is overdue; with one
// and no drill yet, the drill is overdue ("no drill recorded"). Named schedules fall due in
// calendar months after the last drill's end, intervalDays in days.
DrillSchedule drillScheduleFrom(const Profile &profile, const QList<RunRecord> &runs, const QDateTime &now);
Result<QList<DrillSummary>> recentDrills(RunJournal &journal, int limit);
// The same, each drill judged against `objectives` (the profile's; null: not judged). limit 0:
// every drill in the journal.
Result<QList<DrillSummary>> recentDrills(RunJournal &journal, int limit, const Objectives *objectives);

// Canonical JSON (render.h: toJson) hashed with contentSha256 empty.
QString reportContentHash(const RunReport &report);
QString reportContentHash(const ReadinessReport &report);

} // namespace dr::report
