#include "runbookengine.h"

#include "logging/logging.h"

#include <QCoreApplication>
#include <QHash>
#include <QSet>
#include <QSysInfo>

#include <algorithm>
#include <memory>
#include <utility>

namespace dr {

namespace {

QString noun(StepKind kind)
{
    switch (kind) {
    case StepKind::Gate:
        return QStringLiteral("Gate");
    case StepKind::Verify:
        return QStringLiteral("Verification");
    case StepKind::Acknowledge:
        return QStringLiteral("Acknowledgement");
    case StepKind::Approval:
        return QStringLiteral("Approval");
    case StepKind::Action:
        break;
    }
    return QStringLiteral("Step");
}

QString auditKind(StepKind kind)
{
    switch (kind) {
    case StepKind::Gate:
        return QStringLiteral("gate");
    case StepKind::Approval:
        return QStringLiteral("approval");
    case StepKind::Acknowledge:
        return QStringLiteral("acknowledgement");
    case StepKind::Action:
    case StepKind::Verify:
        break;
    }
    return QStringLiteral("step");
}

// "detail." without doubling a full stop the detail already has.
QString sentence(const QString &text)
{
    const QString t = text.trimmed();
    if (t.isEmpty())
        return QString();
    return t.endsWith(u'.') || t.endsWith(u'!') || t.endsWith(u'?') ? t : t + u'.';
}

QString seconds(int ms)
{
    return QString::number(ms / 1000.0, 'g', 3) + QStringLiteral(" s");
}

void merge(QJsonObject &into, const QJsonObject &from)
{
    for (auto it = from.begin(); it != from.end(); ++it)
        into.insert(it.key(), it.value());
}

} // namespace

struct RunbookEngine::Private
{
    enum class Phase { Idle, Forward, Rerun, Undo };
    enum class Stop { None, Halt, Cancel };
    using Answer = std::function<void(StepOutcome, bool timedOut)>;

    RunbookEngine *q;
    RunJournal *journal;
    const Clock *clock;
    AuditSink audit;
    QString autoAckBy;

    Runbook runbook;
    RunRecord run;
    QList<StepRecord> steps;
    bool active = false;
    Phase phase = Phase::Idle;
    int current = -1;
    int resumedIndex = -1; // the step that was running when the run was interrupted
    QList<int> queue; // Rerun and Undo: the steps still to do, in order
    RunState undoEnd = RunState::Failed;
    QString undoReason;
    int undone = 0;
    Stop stop = Stop::None;
    QString stopBy;
    int awaitingAck = -1;
    QHash<int, QString> acknowledgedBy;

    // Every answer a step can give carries the generation it was asked in; anything else
    // (a second answer, a late answer after the timeout, an answer to a run that ended) is
    // ignored. The token dies with the engine, so an answer after destruction is harmless.
    quint64 generation = 0;
    QTimer timeout;
    std::function<void()> onTimeout;
    std::shared_ptr<int> token = std::make_shared<int>(0);

    Private(RunbookEngine *engine, RunJournal *j, const Clock *c)
        : q(engine)
        , journal(j)
        , clock(c ? c : Clock::system())
    {
        timeout.setSingleShot(true);
        QObject::connect(&timeout, &QTimer::timeout, q, [this] {
            if (auto f = std::exchange(onTimeout, {}))
                f();
        });
    }

    QString label(int i) const
    {
        return QStringLiteral("step %1 (%2)").arg(i + 1).arg(runbook.steps.at(i).title);
    }

    void logLine(const QString &line)
    {
        if (!run.id.isEmpty()) {
            if (auto ok = journal->appendLog(run.id, line); !ok)
                log::get("runbook")->warn("{}", ok.error().toStdString());
        }
        Q_EMIT q->logLine(line);
    }

    void emitAudit(const QString &kind, const QString &summary, QJsonObject data)
    {
        data.insert(QStringLiteral("runId"), run.id);
        if (audit)
            audit(kind, summary, data);
    }

    void emitRunState(const QString &event, const QString &summary, const QJsonObject &extra = {})
    {
        QJsonObject data = extra;
        data.insert(QStringLiteral("event"), event);
        data.insert(QStringLiteral("runKind"), run.kind);
        emitAudit(QStringLiteral("run-state"), summary, data);
    }

    // The acknowledgement being waited for, taken back (the step is pending again): its index,
    // or -1 when none was pending or the journal could not record it.
    int withdrawQuestion(const QString &why)
    {
        if (awaitingAck < 0)
            return -1;
        const int i = awaitingAck;
        awaitingAck = -1;
        ++generation;
        steps[i].state = StepState::Pending;
        steps[i].detail = QStringLiteral("not acknowledged: ") + why;
        if (!persistStep(i))
            return -1;
        Q_EMIT q->stepFinished(i, StepState::Pending, steps.at(i).detail);
        return i;
    }

    bool persistStep(int i)
    {
        if (auto ok = journal->updateStep(run.id, steps.at(i)); !ok) {
            journalFailed(ok.error());
            return false;
        }
        return true;
    }

    bool persistRun()
    {
        if (auto ok = journal->updateRun(run); !ok) {
            journalFailed(ok.error());
            return false;
        }
        return true;
    }

    // Without the journal nothing may run: a step whose intent is not recorded would be
    // invisible after a crash.
    void journalFailed(const QString &why)
    {
        log::get("runbook")->error("{}", why.toStdString());
        finish(RunState::Halted,
            QStringLiteral(
                "halted: the journal could not be written (%1); resume to retry, or roll back")
                .arg(why));
    }

    StepContext contextFor(int i, int attempt)
    {
        StepContext ctx;
        ctx.runId = run.id;
        ctx.index = i;
        ctx.attempt = attempt;
        ctx.resumed = i == resumedIndex && phase == Phase::Forward;
        ctx.runData = run.data;
        const std::weak_ptr<int> alive = token;
        const QString prefix = QStringLiteral("step %1: ").arg(i + 1);
        const QString id = run.id;
        ctx.log = [this, alive, prefix, id](const QString &line) {
            if (alive.expired() || run.id != id)
                return;
            logLine(prefix + line);
        };
        return ctx;
    }

    void invoke(const StepWork &work, const StepContext &ctx, int timeoutMs, Answer then)
    {
        const quint64 g = ++generation;
        timeout.stop();
        onTimeout = {};
        if (timeoutMs > 0) {
            onTimeout = [this, g, then, timeoutMs] {
                if (g != generation)
                    return;
                ++generation;
                then(StepOutcome::failure(
                         QStringLiteral("timed out after %1").arg(seconds(timeoutMs))),
                    true);
            };
            timeout.start(timeoutMs);
        }
        const std::weak_ptr<int> alive = token;
        auto done = [this, alive, g, then](StepOutcome outcome) {
            if (alive.expired() || g != generation)
                return;
            // Handled on the next turn, so that a step answering from inside run() does not
            // re-enter the engine while it is still starting that step.
            QTimer::singleShot(0, q, [this, alive, g, then, outcome] {
                if (alive.expired() || g != generation)
                    return;
                ++generation;
                timeout.stop();
                onTimeout = {};
                then(outcome, false);
            });
        };
        work(ctx, done);
    }

    // Steps that succeeded (or were skipped) earlier in this run are not run again, except
    // those flagged rerunOnResume (the lock).
    bool kept(int i) const
    {
        const StepState s = steps.at(i).state;
        return (s == StepState::Succeeded || s == StepState::Skipped)
            && !runbook.steps.at(i).rerunOnResume;
    }

    void advance(int next)
    {
        if (!active)
            return;
        if (stop == Stop::Halt) {
            const QString where = current >= 0 ? QStringLiteral("after ") + label(current)
                                               : QStringLiteral("before the first step");
            finish(RunState::Halted,
                QStringLiteral("halted by %1 %2; resume to continue, or roll back")
                    .arg(stopBy, where));
            return;
        }
        if (stop == Stop::Cancel) {
            beginUndo(RunState::RolledBack, QStringLiteral("cancelled by %1").arg(stopBy));
            return;
        }
        int i = next;
        while (i < steps.size() && kept(i))
            ++i;
        if (i >= steps.size()) {
            succeed();
            return;
        }
        startStep(i, 1);
    }

    void startStep(int i, int attempt)
    {
        current = i;
        const Step &s = runbook.steps.at(i);
        StepRecord &r = steps[i];
        r.state = StepState::Running;
        if (attempt == 1) {
            r.started = clock->nowUtc();
            r.detail.clear();
        }
        r.ended = QDateTime();
        r.attempts += 1;
        if (!persistStep(i))
            return;
        Q_EMIT q->stepStarted(i, attempt);
        QString line
            = QStringLiteral("Step %1/%2 (%3) started").arg(i + 1).arg(steps.size()).arg(s.title);
        if (attempt > 1)
            line += QStringLiteral(", attempt %1").arg(attempt);
        if (i == resumedIndex && phase == Phase::Forward)
            line += QStringLiteral(", again after the interruption");
        logLine(line);
        if (s.kind == StepKind::Acknowledge && attempt == 1) {
            askAcknowledgement(i);
            return;
        }
        execute(i, attempt);
    }

    void execute(int i, int attempt)
    {
        const Step &s = runbook.steps.at(i);
        if (!s.run) { // only Acknowledge steps may have no work (validated at start)
            stepAnswered(i, attempt,
                StepOutcome::success(
                    QStringLiteral("acknowledged by %1").arg(acknowledgedBy.value(i))),
                false, true);
            return;
        }
        invoke(s.run, contextFor(i, attempt), s.timeoutMs,
            [this, i, attempt](StepOutcome o, bool timedOut) {
                stepAnswered(i, attempt, std::move(o), timedOut, false);
            });
    }

    void askAcknowledgement(int i)
    {
        const Step &s = runbook.steps.at(i);
        awaitingAck = i;
        ++generation; // nothing else may answer for this step while a person decides
        timeout.stop();
        onTimeout = {};
        if (!autoAckBy.isEmpty()) {
            const QString by = autoAckBy;
            answerAcknowledgement(i, by, true, QString());
            return;
        }
        logLine(QStringLiteral("Waiting for an acknowledgement: %1").arg(s.prompt));
        Q_EMIT q->acknowledgementNeeded(i, s.prompt);
    }

    void answerAcknowledgement(int i, const QString &by, bool yes, const QString &reason)
    {
        awaitingAck = -1;
        // On the next turn: the answer may come from inside acknowledgementNeeded's handler.
        laterAsNewGeneration([this, i, by, yes, reason] {
            acknowledgedBy.insert(i, by);
            if (yes) {
                logLine(QStringLiteral("%1 acknowledged %2").arg(by, label(i)));
                execute(i, 1);
            } else {
                logLine(QStringLiteral("%1 declined %2: %3").arg(by, label(i), reason));
                stepAnswered(i, 1,
                    StepOutcome::failure(QStringLiteral("declined by %1: %2").arg(by, reason)),
                    false, true);
            }
        });
    }

    void stepAnswered(int i, int attempt, StepOutcome o, bool timedOut, bool final)
    {
        if (!active)
            return;
        const Step &s = runbook.steps.at(i);
        StepRecord &r = steps[i];
        // An action that timed out may still be under way: trying it again at once could
        // overlap with it, so the run fails (and undoes) instead.
        const bool retry
            = !o.ok && !final && attempt <= s.retries && !(timedOut && s.kind == StepKind::Action);
        if (retry) {
            r.detail = o.detail;
            if (!persistStep(i))
                return;
            logLine(QStringLiteral("Step %1 (%2), attempt %3 failed: %4; trying again in %5")
                        .arg(i + 1)
                        .arg(s.title)
                        .arg(attempt)
                        .arg(o.detail, seconds(s.retryDelayMs)));
            laterAsNewGeneration([this, i, attempt] { startStep(i, attempt + 1); }, s.retryDelayMs);
            return;
        }
        r.state
            = !o.ok ? StepState::Failed : (o.skipped ? StepState::Skipped : StepState::Succeeded);
        r.ended = clock->nowUtc();
        r.detail = o.detail;
        r.data = o.data;
        if (acknowledgedBy.contains(i))
            r.data.insert(QStringLiteral("acknowledgedBy"), acknowledgedBy.value(i));
        if (!persistStep(i))
            return;
        if (!o.data.isEmpty()) {
            merge(run.data, o.data);
            if (!persistRun())
                return;
        }
        if (i == resumedIndex)
            resumedIndex = -1;
        Q_EMIT q->stepFinished(i, r.state, r.detail);
        logLine(QStringLiteral("Step %1/%2 (%3) %4: %5")
                    .arg(i + 1)
                    .arg(steps.size())
                    .arg(s.title, stepStateName(r.state), r.detail));
        auditStep(i);

        if (phase == Phase::Rerun) {
            if (r.state == StepState::Failed) {
                finish(RunState::Halted,
                    QStringLiteral("halted: the roll back could not begin because %1 failed: %2; "
                                   "resume to retry, or roll back")
                        .arg(label(i), o.detail));
                return;
            }
            nextRerun();
            return;
        }
        if (r.state == StepState::Failed && s.critical) {
            beginUndo(RunState::Failed, QStringLiteral("%1 failed: %2").arg(label(i), o.detail));
            return;
        }
        advance(i + 1);
    }

    void auditStep(int i)
    {
        const Step &s = runbook.steps.at(i);
        const StepRecord &r = steps.at(i);
        QString summary;
        if (s.kind == StepKind::Acknowledge && acknowledgedBy.contains(i)) {
            summary
                = r.state == StepState::Failed && r.detail.startsWith(QStringLiteral("declined"))
                ? QStringLiteral("%1 declined step %2 (%3): %4")
                      .arg(acknowledgedBy.value(i))
                      .arg(i + 1)
                      .arg(s.title, sentence(r.detail))
                : QStringLiteral("%1 acknowledged step %2 (%3): %4")
                      .arg(acknowledgedBy.value(i))
                      .arg(i + 1)
                      .arg(s.title, sentence(s.prompt));
            if (r.state == StepState::Failed && !r.detail.startsWith(QStringLiteral("declined")))
                summary += QStringLiteral(" The step then failed: %1").arg(sentence(r.detail));
        } else {
            QString verb;
            switch (r.state) {
            case StepState::Succeeded:
                verb = s.kind == StepKind::Gate ? QStringLiteral("passed")
                                                : QStringLiteral("succeeded");
                break;
            case StepState::Skipped:
                verb = QStringLiteral("was skipped");
                break;
            default:
                verb = s.critical ? QStringLiteral("failed")
                                  : QStringLiteral("failed (optional, the run goes on)");
                break;
            }
            summary
                = QStringLiteral("%1 %2 (%3) %4").arg(noun(s.kind)).arg(i + 1).arg(s.title, verb);
            summary += r.detail.trimmed().isEmpty()
                ? QStringLiteral(".")
                : QString(QStringLiteral(": ") + sentence(r.detail));
        }
        QJsonObject data {
            { QStringLiteral("step"), s.id },
            { QStringLiteral("index"), i },
            { QStringLiteral("state"), stepStateName(r.state) },
            { QStringLiteral("attempts"), r.attempts },
            { QStringLiteral("detail"), r.detail },
            { QStringLiteral("critical"), s.critical },
        };
        if (!r.data.isEmpty())
            data.insert(QStringLiteral("data"), r.data);
        if (acknowledgedBy.contains(i))
            data.insert(QStringLiteral("by"), acknowledgedBy.value(i));
        emitAudit(auditKind(s.kind), summary, data);
    }

    // Rollback of an interrupted or halted run: steps flagged rerunOnResume (the lock) are
    // taken again first, so that undoing the others happens under them; their own undo (the
    // release) then comes last, as they come first.
    void nextRerun()
    {
        if (stop == Stop::Halt) {
            finish(RunState::Halted,
                QStringLiteral(
                    "halted by %1 before the roll back began; resume to continue, or roll back")
                    .arg(stopBy));
            return;
        }
        if (queue.isEmpty()) {
            beginUndo(RunState::RolledBack, undoReason);
            return;
        }
        startStep(queue.takeFirst(), 1);
    }

    void beginUndo(RunState end, const QString &reason)
    {
        phase = Phase::Undo;
        undoEnd = end;
        undoReason = reason;
        undone = 0;
        queue.clear();
        for (int i = steps.size() - 1; i >= 0; --i) {
            const StepState st = steps.at(i).state;
            // A step interrupted while running may have done its work: undoes are idempotent,
            // so it is undone too.
            if (runbook.steps.at(i).undo
                && (st == StepState::Succeeded || st == StepState::UndoFailed
                    || st == StepState::Running))
                queue.append(i);
        }
        run.outcome = QStringLiteral("rolling back: %1").arg(reason);
        if (!persistRun())
            return;
        logLine(queue.isEmpty()
                ? QStringLiteral("Nothing to undo (%1)").arg(reason)
                : QStringLiteral("Undoing %1 completed step(s): %2").arg(queue.size()).arg(reason));
        nextUndo();
    }

    void nextUndo()
    {
        if (!active)
            return;
        if (stop == Stop::Halt) {
            finish(RunState::Halted,
                QStringLiteral("halted by %1 during the roll back (%2) with %3 step(s) still to "
                               "undo; resume to retry, or roll back")
                    .arg(stopBy, undoReason)
                    .arg(queue.size()));
            return;
        }
        if (queue.isEmpty()) {
            QString outcome = undoReason;
            if (undone > 0)
                outcome += QStringLiteral("; undid %1 step(s)").arg(undone);
            finish(undoEnd, outcome);
            return;
        }
        startUndo(queue.takeFirst(), 1);
    }

    void startUndo(int i, int attempt)
    {
        current = i;
        const Step &s = runbook.steps.at(i);
        if (attempt == 1)
            logLine(QStringLiteral("Undoing %1").arg(label(i))); // the intent, in the journal
        invoke(s.undo, contextFor(i, attempt), s.timeoutMs,
            [this, i, attempt](StepOutcome o, bool timedOut) {
                undoAnswered(i, attempt, std::move(o), timedOut);
            });
    }

    void undoAnswered(int i, int attempt, StepOutcome o, bool timedOut)
    {
        if (!active)
            return;
        const Step &s = runbook.steps.at(i);
        StepRecord &r = steps[i];
        if (!o.ok && attempt <= s.retries && !(timedOut && s.kind == StepKind::Action)) {
            logLine(QStringLiteral("Undo of %1, attempt %2 failed: %3; trying again in %4")
                        .arg(label(i))
                        .arg(attempt)
                        .arg(o.detail, seconds(s.retryDelayMs)));
            laterAsNewGeneration([this, i, attempt] { startUndo(i, attempt + 1); }, s.retryDelayMs);
            return;
        }
        r.state = o.ok ? StepState::Undone : StepState::UndoFailed;
        r.ended = clock->nowUtc();
        r.detail = o.ok ? o.detail : QStringLiteral("undo failed: %1").arg(o.detail);
        merge(r.data, o.data);
        if (!persistStep(i))
            return;
        Q_EMIT q->stepFinished(i, r.state, r.detail);
        logLine(QStringLiteral("Step %1/%2 (%3) %4: %5")
                    .arg(i + 1)
                    .arg(steps.size())
                    .arg(s.title, stepStateName(r.state), r.detail));
        const QString summary = o.ok
            ? QStringLiteral("Undid step %1 (%2): %3")
                  .arg(i + 1)
                  .arg(s.title, sentence(o.detail.isEmpty() ? QStringLiteral("done") : o.detail))
            : QStringLiteral("The undo of step %1 (%2) failed: %3")
                  .arg(i + 1)
                  .arg(s.title, sentence(o.detail));
        emitAudit(QStringLiteral("step"), summary,
            QJsonObject { { QStringLiteral("step"), s.id }, { QStringLiteral("index"), i },
                { QStringLiteral("state"), stepStateName(r.state) },
                { QStringLiteral("detail"), o.detail }, { QStringLiteral("undo"), true } });
        if (!o.ok) {
            finish(RunState::Halted,
                QStringLiteral("halted: the undo of %1 failed: %2 (while rolling back: %3); resume "
                               "to retry, or roll back")
                    .arg(label(i), o.detail, undoReason));
            return;
        }
        ++undone;
        nextUndo();
    }

    void succeed()
    {
        QString outcome = run.data.value(QStringLiteral("runOutcome")).toString();
        if (outcome.isEmpty())
            outcome = QStringLiteral("all %1 steps done").arg(steps.size());
        QStringList optional;
        for (int i = 0; i < steps.size(); ++i) {
            if (steps.at(i).state == StepState::Failed)
                optional.append(label(i));
        }
        if (!optional.isEmpty())
            outcome
                += QStringLiteral("; optional %1 failed").arg(optional.join(QStringLiteral(", ")));
        finish(RunState::Succeeded, outcome);
    }

    void finish(RunState state, const QString &line)
    {
        if (!active)
            return;
        // One line, whatever a step's detail held: it is shown in lists and in the audit.
        const QString outcome = line.simplified();
        ++generation;
        timeout.stop();
        onTimeout = {};
        awaitingAck = -1;
        phase = Phase::Idle;
        queue.clear();
        run.state = state;
        run.outcome = outcome;
        run.ended = clock->nowUtc();
        run.pid = 0; // nobody drives it any more: a halted run is offered for resume
        if (auto ok = journal->updateRun(run); !ok)
            log::get("runbook")->error("{}", ok.error().toStdString());
        logLine(QStringLiteral("Run %1 %2: %3").arg(run.id, runStateName(state), outcome));
        active = false;
        RunJournal::setDrivenInThisProcess(run.id, false);
        QString summary;
        switch (state) {
        case RunState::Succeeded:
            summary = QStringLiteral("Run %1 succeeded: %2").arg(run.id, sentence(outcome));
            break;
        case RunState::Failed:
            summary = QStringLiteral("Run %1 failed: %2").arg(run.id, sentence(outcome));
            break;
        case RunState::Halted:
            summary = QStringLiteral("Run %1 halted: %2").arg(run.id, sentence(outcome));
            break;
        case RunState::RolledBack:
            summary = QStringLiteral("Run %1 was rolled back: %2").arg(run.id, sentence(outcome));
            break;
        case RunState::Running:
            break;
        }
        emitRunState(
            runStateName(state), summary, QJsonObject { { QStringLiteral("outcome"), outcome } });
        Q_EMIT q->runFinished(state, outcome);
    }

    Result<void> validate(const Runbook &rb) const
    {
        if (rb.steps.isEmpty())
            return dr::fail(QStringLiteral("the %1 runbook has no steps").arg(rb.kind));
        QSet<QString> ids;
        for (int i = 0; i < rb.steps.size(); ++i) {
            const Step &s = rb.steps.at(i);
            if (s.id.isEmpty())
                return dr::fail(QStringLiteral("step %1 (%2) of the %3 runbook has no id")
                                    .arg(i + 1)
                                    .arg(s.title, rb.kind));
            if (ids.contains(s.id))
                return dr::fail(QStringLiteral("the %1 runbook has two steps with the id %2")
                                    .arg(rb.kind, s.id));
            ids.insert(s.id);
            if (!s.run && s.kind != StepKind::Acknowledge)
                return dr::fail(QStringLiteral("step %1 (%2) of the %3 runbook has nothing to run")
                                    .arg(i + 1)
                                    .arg(s.title, rb.kind));
        }
        return {};
    }

    // Loads a run for resume or roll back and checks that `rb` is the same runbook.
    Result<void> takeOver(const QString &runId, Runbook rb, const QString &what)
    {
        if (active)
            return dr::fail(QStringLiteral("this console is already driving run %1").arg(run.id));
        if (auto ok = validate(rb); !ok)
            return ok;
        const auto found = journal->run(runId);
        if (!found)
            return dr::fail(found.error());
        if (!found->has_value())
            return dr::fail(
                QStringLiteral("there is no run %1 in the journal %2").arg(runId, journal->path()));
        RunRecord record = **found;
        if (record.state != RunState::Running && record.state != RunState::Halted)
            return dr::fail(QStringLiteral("run %1 cannot be %2: it has already ended (%3: %4)")
                                .arg(runId, what, runStateName(record.state), record.outcome));
        auto recorded = journal->steps(runId);
        if (!recorded)
            return dr::fail(recorded.error());
        if (recorded->size() != rb.steps.size())
            return dr::fail(QStringLiteral(
                "run %1 cannot be %2: the journal has %3 steps but the %4 runbook built "
                "again has %5 (the profile changed?)")
                                .arg(runId, what)
                                .arg(recorded->size())
                                .arg(rb.kind)
                                .arg(rb.steps.size()));
        for (int i = 0; i < recorded->size(); ++i) {
            if (recorded->at(i).id != rb.steps.at(i).id)
                return dr::fail(QStringLiteral(
                    "run %1 cannot be %2: step %3 is %4 in the journal but %5 in the "
                    "runbook built again (the profile changed?)")
                                    .arg(runId, what)
                                    .arg(i + 1)
                                    .arg(recorded->at(i).id, rb.steps.at(i).id));
        }
        const qint64 pid = QCoreApplication::applicationPid();
        if (auto ok = journal->claim(runId, pid); !ok)
            return ok;
        runbook = std::move(rb);
        steps = *recorded;
        run = record;
        run.pid = pid;
        run.host = QSysInfo::machineHostName();
        run.state = RunState::Running;
        run.ended = QDateTime();
        run.outcome.clear(); // the halt's outcome no longer describes it
        // The run's data is rebuilt from the steps too: a kill between a step's row and the
        // run's row must not lose what that step measured.
        for (const StepRecord &s : std::as_const(steps)) {
            if (s.state == StepState::Succeeded || s.state == StepState::Skipped
                || s.state == StepState::Failed)
                merge(run.data, s.data);
        }
        resumedIndex = -1;
        for (int i = 0; i < steps.size(); ++i) {
            if (steps.at(i).state == StepState::Running) {
                resumedIndex = i;
                break;
            }
        }
        stop = Stop::None;
        stopBy.clear();
        current = -1;
        acknowledgedBy.clear();
        queue.clear();
        if (auto ok = journal->updateRun(run); !ok)
            return ok;
        active = true;
        RunJournal::setDrivenInThisProcess(run.id, true);
        return {};
    }

    // Runs f on a later turn (after ms), unless the run has moved on meanwhile (another
    // generation: a step answered, a halt) or the engine is gone.
    void later(std::function<void()> f, int ms = 0)
    {
        const std::weak_ptr<int> alive = token;
        const quint64 g = generation;
        QTimer::singleShot(std::max(0, ms), q, [this, alive, g, f] {
            if (alive.expired() || g != generation || !active)
                return;
            f();
        });
    }

    // The same on a new generation: whatever was pending before is void from now on.
    void laterAsNewGeneration(std::function<void()> f, int ms = 0)
    {
        ++generation;
        later(std::move(f), ms);
    }
};

RunbookEngine::RunbookEngine(RunJournal *journal, const Clock *clock, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>(this, journal, clock))
{ }

RunbookEngine::~RunbookEngine()
{
    // The journal may already be gone (it is often a sibling member): do not touch it. The
    // run stays "running" with this pid and, no engine driving it, counts as interrupted.
    d->token.reset();
    if (d->active)
        RunJournal::setDrivenInThisProcess(d->run.id, false);
}

void RunbookEngine::setAuditSink(AuditSink sink)
{
    d->audit = std::move(sink);
}

void RunbookEngine::setAutoAcknowledge(const QString &by)
{
    d->autoAckBy = by;
}

Result<QString> RunbookEngine::start(RunRecord run, Runbook runbook)
{
    if (d->active)
        return dr::fail(QStringLiteral("this console is already driving run %1").arg(d->run.id));
    if (auto ok = d->validate(runbook); !ok)
        return dr::fail(ok.error());
    const QDateTime now = d->clock->nowUtc();
    if (run.kind.isEmpty())
        run.kind = runbook.kind;
    if (run.mode.isEmpty())
        run.mode = runbook.mode;
    if (run.source.isEmpty())
        run.source = runbook.source;
    if (run.target.isEmpty())
        run.target = runbook.target;
    if (run.params.isEmpty())
        run.params = runbook.params;
    if (run.id.isEmpty())
        run.id = RunJournal::newRunId(run.kind, now);
    run.state = RunState::Running;
    run.started = now;
    run.ended = QDateTime();
    run.outcome.clear();
    run.pid = QCoreApplication::applicationPid();
    run.host = QSysInfo::machineHostName();
    if (auto ok = d->journal->createRun(run, runbook.steps); !ok)
        return dr::fail(ok.error());

    d->run = run;
    d->runbook = std::move(runbook);
    d->steps.clear();
    for (int i = 0; i < d->runbook.steps.size(); ++i) {
        const Step &s = d->runbook.steps.at(i);
        StepRecord r;
        r.index = i;
        r.id = s.id;
        r.title = s.title;
        r.kind = s.kind;
        r.critical = s.critical;
        r.reversible = bool(s.undo);
        d->steps.append(r);
    }
    d->phase = Private::Phase::Forward;
    d->stop = Private::Stop::None;
    d->stopBy.clear();
    d->current = -1;
    d->resumedIndex = -1;
    d->acknowledgedBy.clear();
    d->queue.clear();
    d->active = true;
    RunJournal::setDrivenInThisProcess(run.id, true);
    d->later([this] {
        Q_EMIT runStarted(d->run.id);
        d->logLine(QStringLiteral("Run %1 (%2) started: %3 step(s)")
                       .arg(d->run.id, d->run.kind)
                       .arg(d->steps.size()));
        d->emitRunState(QStringLiteral("started"),
            QStringLiteral("Run %1 (%2 from %3 to %4) started with %5 step(s).")
                .arg(d->run.id, d->run.kind, d->run.source, d->run.target)
                .arg(d->steps.size()),
            QJsonObject { { QStringLiteral("operator"), d->run.operatorName },
                { QStringLiteral("approver"), d->run.approverName } });
        d->advance(0);
    });
    return run.id;
}

Result<void> RunbookEngine::resume(const QString &runId, Runbook runbook)
{
    if (auto ok = d->takeOver(runId, std::move(runbook), QStringLiteral("resumed")); !ok)
        return ok;
    d->phase = Private::Phase::Forward;
    d->later([this] {
        Q_EMIT runStarted(d->run.id);
        int next = 0;
        while (next < d->steps.size() && d->kept(next))
            ++next;
        const QString at = next < d->steps.size() ? d->label(next) : QStringLiteral("its end");
        d->logLine(QStringLiteral("Run %1 resumed at %2").arg(d->run.id, at));
        d->emitRunState(QStringLiteral("resumed"),
            QStringLiteral("Run %1 (%2) resumed at %3.").arg(d->run.id, d->run.kind, at));
        d->advance(0);
    });
    return {};
}

Result<void> RunbookEngine::rollback(const QString &runId, Runbook runbook)
{
    if (auto ok = d->takeOver(runId, std::move(runbook), QStringLiteral("rolled back")); !ok)
        return ok;
    d->phase = Private::Phase::Rerun;
    d->undoReason = QStringLiteral("rolled back on request");
    for (int i = 0; i < d->steps.size(); ++i) {
        if (d->runbook.steps.at(i).rerunOnResume && d->steps.at(i).state == StepState::Succeeded)
            d->queue.append(i);
    }
    d->later([this] {
        Q_EMIT runStarted(d->run.id);
        d->logLine(QStringLiteral("Rolling back run %1").arg(d->run.id));
        d->emitRunState(QStringLiteral("rollback-started"),
            QStringLiteral("Roll back of run %1 (%2) started.").arg(d->run.id, d->run.kind));
        d->nextRerun();
    });
    return {};
}

bool RunbookEngine::isRunning() const
{
    return d->active;
}

QString RunbookEngine::runId() const
{
    return d->run.id;
}

const Runbook &RunbookEngine::runbook() const
{
    return d->runbook;
}

void RunbookEngine::halt(const QString &by)
{
    if (!d->active || d->stop == Private::Stop::Halt)
        return;
    d->stop = Private::Stop::Halt;
    d->stopBy = by;
    d->logLine(QStringLiteral("%1 asked to halt the run").arg(by));
    d->emitRunState(QStringLiteral("halt-requested"),
        QStringLiteral("%1 asked to halt run %2.").arg(by, d->run.id),
        QJsonObject { { QStringLiteral("by"), by } });
    // Nobody will answer a question once the run is halted: the step goes back to pending and
    // is asked again on resume.
    if (const int i = d->withdrawQuestion(QStringLiteral("halted by %1").arg(by)); i >= 0) {
        d->finish(RunState::Halted,
            QStringLiteral(
                "halted by %1 at %2, before it was acknowledged; resume to continue, or roll back")
                .arg(by, d->label(i)));
    }
}

void RunbookEngine::cancel(const QString &by)
{
    if (!d->active || d->stop != Private::Stop::None)
        return;
    if (d->phase != Private::Phase::Forward) {
        d->logLine(
            QStringLiteral("%1 asked to cancel, but the run is already rolling back").arg(by));
        return;
    }
    d->stop = Private::Stop::Cancel;
    d->stopBy = by;
    d->logLine(QStringLiteral("%1 asked to cancel the run").arg(by));
    d->emitRunState(QStringLiteral("cancel-requested"),
        QStringLiteral("%1 asked to cancel run %2.").arg(by, d->run.id),
        QJsonObject { { QStringLiteral("by"), by } });
    if (const int i = d->withdrawQuestion(QStringLiteral("cancelled by %1").arg(by)); i >= 0) {
        d->beginUndo(
            RunState::RolledBack, QStringLiteral("cancelled by %1 at %2").arg(by, d->label(i)));
    }
}

void RunbookEngine::acknowledge(int index, const QString &by)
{
    if (!d->active || d->awaitingAck < 0 || d->awaitingAck != index) {
        log::get("runbook")->warn(
            "acknowledgement of step {} ignored: it is not waiting for one", index + 1);
        return;
    }
    d->answerAcknowledgement(index, by, true, QString());
}

void RunbookEngine::decline(int index, const QString &by, const QString &reason)
{
    if (!d->active || d->awaitingAck < 0 || d->awaitingAck != index) {
        log::get("runbook")->warn(
            "decline of step {} ignored: it is not waiting for an acknowledgement", index + 1);
        return;
    }
    d->answerAcknowledgement(index, by, false, reason);
}

} // namespace dr
