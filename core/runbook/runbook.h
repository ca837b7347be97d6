#pragma once

// A runbook is data: ordered steps of five kinds, each with a timeout, retries, whether it is
// critical, and for actions an undo. The flows (failover, failback, drill, readiness) are built
// from the profile by runbook/flows.h; RunbookEngine runs them and RunJournal records them.
//
// Steps must be idempotent: after a crash the step that was running is run again on resume.

#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace dr {

enum class StepKind { Gate, Action, Verify, Acknowledge, Approval };
enum class StepState { Pending, Running, Succeeded, Failed, Skipped, Undone, UndoFailed };
enum class RunState {
    Running,     // in progress (or interrupted, when no process runs it: see RunJournal)
    Succeeded,
    Failed,      // a critical step failed and every completed reversible step was undone
    Halted,      // stopped with the exact state kept: resume or roll back
    RolledBack,  // an operator asked for the roll back (or cancelled) and it completed
};

QString stepKindName(StepKind kind);   // "gate", "action", "verify", "acknowledge", "approval"
QString stepStateName(StepState state); // "pending", "running", "succeeded", ...
QString runStateName(RunState state);   // "running", "succeeded", "failed", "halted", "rolled-back"
std::optional<StepKind> stepKindFromName(const QString &name);
std::optional<StepState> stepStateFromName(const QString &name);
std::optional<RunState> runStateFromName(const QString &name);

// What a step answers. `skipped` with ok=true: not applicable (the reason in `detail`).
struct StepOutcome
{
    bool ok = false;
    bool skipped = false;
    QString detail;     // one line for people: the gate's reason, what the action did
    QJsonObject data;   // recorded in the journal; merged into the run's data (see below)

    static StepOutcome success(const QString &detail, const QJsonObject &data = {}) { return {true, false, detail, data}; }
    static StepOutcome failure(const QString &detail, const QJsonObject &data = {}) { return {false, false, detail, data}; }
    static StepOutcome skip(const QString &reason) { return {true, true, reason, {}}; }
};

struct StepContext
{
    QString runId;
    int index = 0;
    int attempt = 1;          // 1-based
    bool resumed = false;     // this step was running when the run was interrupted
    QJsonObject runData;      // everything earlier steps put in their outcome's data, merged
    std::function<void(const QString &)> log; // a line in the run's log (journal + signal)
};

using StepWork = std::function<void(const StepContext &context, std::function<void(StepOutcome)> done)>;

struct Step
{
    QString id;               // stable within the runbook: "gate.target-components", "switch.enable-target"
    StepKind kind = StepKind::Action;
    QString title;            // "Enable north in the global routing"
    QString description;      // what it does and why, for the plan review
    int timeoutMs = 120000;
    int retries = 0;          // further attempts after a failure (not after a timeout of an action)
    int retryDelayMs = 1000;
    bool critical = true;     // a failed optional step is recorded and the run goes on
    bool rerunOnResume = false; // run again on resume even when it succeeded (e.g. the lock)
    QString prompt;           // Acknowledge: what the operator confirms
    StepWork run;             // Acknowledge steps may leave it empty
    StepWork undo;            // empty: not reversible
};

struct Runbook
{
    QString kind;             // planned-failover, unplanned-failover, failback, drill, readiness
    QString mode;             // planned, unplanned
    QString source, target;   // region ids
    QJsonObject params;       // everything needed to build it again on resume
    QList<Step> steps;
};

} // namespace dr
