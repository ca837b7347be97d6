#pragma once

// Runs a Runbook asynchronously, one step at a time, writing each step's intent to the
// journal before it runs and its result after. Timeouts and retries per step; a failed
// optional step is recorded and the run goes on; a failed critical step undoes the completed
// reversible steps in reverse order (RunState::Failed), or, when an undo fails, halts with the
// exact state kept (RunState::Halted) for resume or roll back.
//
// Acknowledge steps pause the run (acknowledgementNeeded) until acknowledge() or decline();
// setAutoAcknowledge(by) answers them at once (drctl --yes).
//
// Every state change is also handed to the audit sink (kind, summary, data), which the caller
// wires to the audit trail with the acting operator.
//
// Details of the contract:
// - A step's `done` is called on the engine's thread, once; a second call, a call after the
//   step's timeout or after the engine is destroyed is ignored. `done` may be called from
//   inside `run` (it is handled on the next event loop turn).
// - Retries follow a failure, never the timeout of an Action (it may still be under way).
//   Undo work gets the step's timeout and retries too.
// - An acknowledgement waits for a person without a timeout; timeoutMs applies to the step's
//   `run`, if it has one, which runs after the acknowledgement. The step's data records
//   "acknowledgedBy". halt()/cancel() while waiting take effect at once (the step goes back
//   to pending and is asked again on resume).
// - A step whose outcome data holds "runOutcome" (a string) gives the run's outcome line on
//   success ("north serves; RTO 2.4 s"); else it is "all N steps done".
// - Undo covers steps with an undo that succeeded, whose undo failed before, or (after an
//   interruption) that were running; irreversible and skipped steps are left as they are.
// - rollback() first runs again the succeeded steps flagged rerunOnResume (the lock), then
//   undoes newest first, so their own undo (the release) comes last.
// - Audit kinds: "run-state" (data.event: started, resumed, rollback-started,
//   halt-requested, cancel-requested, succeeded, failed, halted, rolled-back), "gate",
//   "approval", "acknowledgement" and "step" (actions, verifications, undoes: data.undo).
//   data always holds runId.
// - The journal must outlive the engine. Destroying the engine mid-run leaves the run
//   interrupted in the journal (RunJournal::interruptedRuns lists it), ready for resume.

#include "common/clock.h"
#include "common/result.h"
#include "runbook.h"
#include "runjournal.h"

#include <QObject>
#include <QTimer>

#include <functional>

namespace dr {

class RunbookEngine : public QObject
{
    Q_OBJECT

public:
    using AuditSink = std::function<void(const QString &kind, const QString &summary, const QJsonObject &data)>;

    RunbookEngine(RunJournal *journal, const Clock *clock = Clock::system(), QObject *parent = nullptr);
    ~RunbookEngine() override;

    void setAuditSink(AuditSink sink);
    void setAutoAcknowledge(const QString &by); // empty: ask

    // Records a new run (steps pending) and starts it on the next event loop turn.
    Result<QString> start(RunRecord run, Runbook runbook);
    // Takes over an interrupted or halted run: steps that succeeded are kept (except those
    // flagged rerunOnResume), the step that was running or failed runs again. `runbook` must
    // be the same runbook built again from the run's params (same step ids, same order; else
    // an error).
    Result<void> resume(const QString &runId, Runbook runbook);
    // Undoes the completed reversible steps of an interrupted or halted run, newest first.
    Result<void> rollback(const QString &runId, Runbook runbook);

    bool isRunning() const;
    QString runId() const;
    const Runbook &runbook() const;

    // Stops after the step in progress and keeps the state (RunState::Halted).
    void halt(const QString &by);
    // Stops after the step in progress and undoes the completed reversible steps (RolledBack).
    void cancel(const QString &by);
    void acknowledge(int index, const QString &by);
    void decline(int index, const QString &by, const QString &reason);

Q_SIGNALS:
    void runStarted(const QString &runId);
    void stepStarted(int index, int attempt);
    void stepFinished(int index, dr::StepState state, const QString &detail);
    void acknowledgementNeeded(int index, const QString &prompt);
    void logLine(const QString &line);
    void runFinished(dr::RunState state, const QString &outcome);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace dr
