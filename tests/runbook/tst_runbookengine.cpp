#include "runbook/runbookengine.h"
#include "runbook/runjournal.h"
#include "scriptedrunbook.h"

#include <QCoreApplication>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace dr;
using dr::test::readLines;
using dr::test::scriptedRunbook;

namespace {

// Answers `outcome` after `ms`, after calling `onRun` (for checks made while the step runs).
StepWork answerAfter(
    int ms, StepOutcome outcome, std::function<void(const StepContext &)> onRun = {})
{
    return [=](const StepContext &ctx, std::function<void(StepOutcome)> done) {
        if (onRun)
            onRun(ctx);
        QTimer::singleShot(ms, QCoreApplication::instance(), [done, outcome] { done(outcome); });
    };
}

Step makeStep(const QString &id, StepKind kind, StepWork run, StepWork undo = {})
{
    Step s;
    s.id = id;
    s.kind = kind;
    s.title = QStringLiteral("Title of ") + id;
    s.run = std::move(run);
    s.undo = std::move(undo);
    s.retryDelayMs = 10;
    s.timeoutMs = 5000;
    return s;
}

Runbook makeRunbook(QList<Step> steps)
{
    Runbook rb;
    rb.kind = QStringLiteral("drill");
    rb.mode = QStringLiteral("planned");
    rb.source = QStringLiteral("west");
    rb.target = QStringLiteral("north");
    rb.steps = std::move(steps);
    return rb;
}

// Everything the engine signals, as text, in order.
struct Events
{
    QStringList list;
    std::optional<RunState> finished;
    QString outcome;

    void watch(RunbookEngine &engine)
    {
        QObject::connect(&engine, &RunbookEngine::runStarted, &engine,
            [this](const QString &) { list.append(QStringLiteral("started")); });
        QObject::connect(&engine, &RunbookEngine::stepStarted, &engine, [this](int i, int attempt) {
            list.append(QStringLiteral("step %1 attempt %2").arg(i).arg(attempt));
        });
        QObject::connect(&engine, &RunbookEngine::stepFinished, &engine,
            [this](int i, StepState state, const QString &) {
                list.append(QStringLiteral("step %1 %2").arg(i).arg(stepStateName(state)));
            });
        QObject::connect(&engine, &RunbookEngine::acknowledgementNeeded, &engine,
            [this](int i, const QString &) { list.append(QStringLiteral("ack %1?").arg(i)); });
        QObject::connect(&engine, &RunbookEngine::runFinished, &engine,
            [this](RunState state, const QString &o) {
                list.append(QStringLiteral("finished ") + runStateName(state));
                finished = state;
                outcome = o;
            });
    }
    bool wait(int ms = 10000)
    {
        return QTest::qWaitFor([this] { return finished.has_value(); }, ms);
    }
    void reset()
    {
        list.clear();
        finished.reset();
        outcome.clear();
    }
};

QList<StepState> statesOf(const RunJournal &journal, const QString &runId)
{
    QList<StepState> states;
    const auto steps = journal.steps(runId);
    if (steps) {
        for (const StepRecord &s : *steps)
            states.append(s.state);
    }
    return states;
}

} // namespace

class TestRunbookEngine : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void successJournalsIntentBeforeAndResultAfter();
    void refusesBadRunbooks();
    void retries();
    void timeoutIgnoresLateAnswer();
    void optionalFailureContinues();
    void criticalFailureUndoesInReverse();
    void undoFailureHaltsThenRollback();
    void haltThenResume();
    void cancelRollsBack();
    void acknowledgements();
    void haltWhileWaitingForAcknowledgement();
    void resumeAfterKill_data();
    void resumeAfterKill();
    void refusesAnotherRunbookOnResume();
    void rollbackAfterKill_data();
    void rollbackAfterKill();
    void twoEnginesOneJournal();
    void twoProcessesOneJournal();
    void auditSequence();
    void stepAnsweringTwiceOrAfterDestruction();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString path(const QString &name) const { return m_dir->filePath(name); }
    // Starts the helper on `journal`, hanging at `hangAt`; returns the run id once the hung
    // step has recorded that it ran, after killing the helper with -9.
    QString runAndKill(const QString &journal, const QString &execLog, int hangAt);
};

void TestRunbookEngine::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestRunbookEngine::successJournalsIntentBeforeAndResultAfter()
{
    const QString file = path(QStringLiteral("j.sqlite"));
    RunJournal journal(file);
    QVERIFY(journal.open().has_value());
    RunJournal reader(file); // a second connection sees only what was committed
    QVERIFY(reader.open().has_value());

    QStringList problems;
    int observed = 0;
    const auto checkWhileRunning = [&](const StepContext &ctx) {
        ++observed;
        const auto steps = reader.steps(ctx.runId);
        const auto run = reader.run(ctx.runId);
        if (!steps || !run || !run->has_value()) {
            problems.append(QStringLiteral("cannot read the journal"));
            return;
        }
        const StepRecord &me = steps->at(ctx.index);
        if (me.state != StepState::Running || me.attempts != 1 || !me.started.isValid()
            || me.ended.isValid())
            problems.append(QStringLiteral("step %1 intent not recorded before it ran: %2")
                                .arg(ctx.index)
                                .arg(stepStateName(me.state)));
        for (int j = 0; j < ctx.index; ++j) {
            if ((steps->at(j).state != StepState::Succeeded
                    && steps->at(j).state != StepState::Skipped)
                || !steps->at(j).ended.isValid())
                problems.append(QStringLiteral("step %1 result not recorded before step %2 ran")
                                    .arg(j)
                                    .arg(ctx.index));
        }
        for (int j = ctx.index + 1; j < steps->size(); ++j) {
            if (steps->at(j).state != StepState::Pending)
                problems.append(QStringLiteral("step %1 not pending").arg(j));
        }
        if ((*run)->state != RunState::Running || (*run)->pid != QCoreApplication::applicationPid())
            problems.append(QStringLiteral("run not recorded as running in this process"));
        if (ctx.index >= 1 && ctx.runData.value(QStringLiteral("a")).toInt() != 1)
            problems.append(QStringLiteral("step %1 does not see the gate's data").arg(ctx.index));
        if (ctx.index >= 1 && (*run)->data.value(QStringLiteral("a")).toInt() != 1)
            problems.append(QStringLiteral("the gate's data is not in the journal's run data"));
        ctx.log(QStringLiteral("hello from %1").arg(ctx.index));
    };

    RunbookEngine engine(&journal);
    Events events;
    events.watch(engine);
    const Runbook rb = makeRunbook({
        makeStep(QStringLiteral("g"), StepKind::Gate,
            answerAfter(20,
                StepOutcome::success(QStringLiteral("target ok"), { { QStringLiteral("a"), 1 } }),
                checkWhileRunning)),
        makeStep(QStringLiteral("act"), StepKind::Action,
            answerAfter(20,
                StepOutcome::success(QStringLiteral("enabled"), { { QStringLiteral("b"), 2 } }),
                checkWhileRunning),
            answerAfter(1, StepOutcome::success(QStringLiteral("disabled")))),
        makeStep(QStringLiteral("v"), StepKind::Verify,
            answerAfter(
                20, StepOutcome::skip(QStringLiteral("not applicable")), checkWhileRunning)),
        makeStep(QStringLiteral("last"), StepKind::Action,
            answerAfter(20,
                StepOutcome::success(QStringLiteral("recorded"),
                    { { QStringLiteral("runOutcome"), QStringLiteral("north serves") } }),
                checkWhileRunning)),
    });
    RunRecord run;
    run.operatorName = QStringLiteral("alice");
    run.profileName = QStringLiteral("lab");
    const auto id = engine.start(run, rb);
    QVERIFY(id.has_value());
    QVERIFY(engine.isRunning());
    QCOMPARE(engine.runId(), *id);
    QVERIFY(id->contains(QStringLiteral("-drill-")));
    QVERIFY(!engine.start(run, rb)); // one run at a time
    // Recorded at once, all steps pending, before anything runs.
    QCOMPARE(statesOf(reader, *id), QList<StepState>(4, StepState::Pending));
    QVERIFY(events.list.isEmpty());

    QVERIFY(events.wait());
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    QCOMPARE(observed, 4);
    QCOMPARE(*events.finished, RunState::Succeeded);
    QCOMPARE(events.outcome, QStringLiteral("north serves"));
    QCOMPARE(events.list,
        (QStringList {
            QStringLiteral("started"),
            QStringLiteral("step 0 attempt 1"),
            QStringLiteral("step 0 succeeded"),
            QStringLiteral("step 1 attempt 1"),
            QStringLiteral("step 1 succeeded"),
            QStringLiteral("step 2 attempt 1"),
            QStringLiteral("step 2 skipped"),
            QStringLiteral("step 3 attempt 1"),
            QStringLiteral("step 3 succeeded"),
            QStringLiteral("finished succeeded"),
        }));
    QVERIFY(!engine.isRunning());

    const auto record = reader.run(*id);
    QVERIFY(record && record->has_value());
    const RunRecord &r = **record;
    QCOMPARE(r.state, RunState::Succeeded);
    QCOMPARE(r.outcome, QStringLiteral("north serves"));
    QCOMPARE(r.pid, qint64(0));
    QCOMPARE(r.operatorName, QStringLiteral("alice"));
    QCOMPARE(r.kind, QStringLiteral("drill"));
    QCOMPARE(r.target, QStringLiteral("north"));
    QVERIFY(r.ended.isValid());
    QCOMPARE(r.data.value(QStringLiteral("a")).toInt(), 1);
    QCOMPARE(r.data.value(QStringLiteral("b")).toInt(), 2);
    const auto steps = reader.steps(*id);
    QCOMPARE(statesOf(reader, *id),
        (QList<StepState> { StepState::Succeeded, StepState::Succeeded, StepState::Skipped,
            StepState::Succeeded }));
    QCOMPARE(steps->at(1).detail, QStringLiteral("enabled"));
    QCOMPARE(steps->at(1).data.value(QStringLiteral("b")).toInt(), 2);
    QCOMPARE(steps->at(1).reversible, true);
    QCOMPARE(steps->at(2).detail, QStringLiteral("not applicable"));
    for (const StepRecord &s : *steps) {
        QCOMPARE(s.attempts, 1);
        QVERIFY(s.started.isValid() && s.ended.isValid() && s.started <= s.ended);
    }
    const QStringList log = *reader.log(*id);
    QVERIFY2(log.contains(QStringLiteral("step 2: hello from 1")), qPrintable(log.join(u'\n')));
    QVERIFY(log.last().contains(QStringLiteral("succeeded")));
    QVERIFY(reader.interruptedRuns()->isEmpty());
}

void TestRunbookEngine::refusesBadRunbooks()
{
    RunJournal journal(path(QStringLiteral("j.sqlite")));
    QVERIFY(journal.open().has_value());
    RunbookEngine engine(&journal);
    QVERIFY(engine.start({}, makeRunbook({})).error().contains(QStringLiteral("no steps")));
    const auto ok = answerAfter(1, StepOutcome::success({}));
    QVERIFY(engine
                .start({},
                    makeRunbook({ makeStep(QStringLiteral("a"), StepKind::Action, ok),
                        makeStep(QStringLiteral("a"), StepKind::Gate, ok) }))
                .error()
                .contains(QStringLiteral("two steps with the id a")));
    QVERIFY(engine.start({}, makeRunbook({ makeStep(QStringLiteral("a"), StepKind::Action, {}) }))
                .error()
                .contains(QStringLiteral("nothing to run")));
    QVERIFY(journal.runs()->isEmpty()); // nothing recorded for a refused runbook
    QVERIFY(!engine.resume(QStringLiteral("nope"),
        makeRunbook({ makeStep(QStringLiteral("a"), StepKind::Action, ok) })));
}

void TestRunbookEngine::retries()
{
    RunJournal journal(path(QStringLiteral("j.sqlite")));
    QVERIFY(journal.open().has_value());
    RunbookEngine engine(&journal);
    Events events;
    events.watch(engine);

    auto calls = std::make_shared<int>(0);
    Step flaky = makeStep(QStringLiteral("flaky"), StepKind::Gate,
        [calls](const StepContext &ctx, std::function<void(StepOutcome)> done) {
            ++*calls;
            const bool ok = ctx.attempt == 3;
            QTimer::singleShot(5, QCoreApplication::instance(), [done, ok] {
                done(ok ? StepOutcome::success(QStringLiteral("ok at last"))
                        : StepOutcome::failure(QStringLiteral("not yet")));
            });
        });
    flaky.retries = 2;
    const auto id = engine.start({}, makeRunbook({ flaky }));
    QVERIFY(id.has_value());
    QVERIFY(events.wait());
    QCOMPARE(*events.finished, RunState::Succeeded);
    QCOMPARE(*calls, 3);
    QCOMPARE(events.list,
        (QStringList { QStringLiteral("started"), QStringLiteral("step 0 attempt 1"),
            QStringLiteral("step 0 attempt 2"), QStringLiteral("step 0 attempt 3"),
            QStringLiteral("step 0 succeeded"), QStringLiteral("finished succeeded") }));
    QCOMPARE(journal.steps(*id)->at(0).attempts, 3);

    // Retries exhausted: the step fails with its last answer.
    events.reset();
    *calls = 0;
    Step broken = makeStep(QStringLiteral("broken"), StepKind::Action,
        [calls](const StepContext &, std::function<void(StepOutcome)> done) {
            ++*calls;
            done(StepOutcome::failure(QStringLiteral("refused %1").arg(*calls)));
        });
    broken.retries = 1;
    const auto id2 = engine.start({}, makeRunbook({ broken }));
    QVERIFY(events.wait());
    QCOMPARE(*events.finished, RunState::Failed);
    QCOMPARE(*calls, 2);
    const StepRecord s = journal.steps(*id2)->at(0);
    QCOMPARE(s.state, StepState::Failed);
    QCOMPARE(s.attempts, 2);
    QCOMPARE(s.detail, QStringLiteral("refused 2"));
    QVERIFY2(events.outcome.contains(QStringLiteral("step 1 (Title of broken) failed: refused 2")),
        qPrintable(events.outcome));
}

void TestRunbookEngine::timeoutIgnoresLateAnswer()
{
    RunJournal journal(path(QStringLiteral("j.sqlite")));
    QVERIFY(journal.open().has_value());
    RunbookEngine engine(&journal);
    Events events;
    events.watch(engine);

    // An action that times out is not tried again (it may still be under way).
    auto calls = std::make_shared<int>(0);
    Step slow = makeStep(QStringLiteral("slow"), StepKind::Action,
        [calls](const StepContext &, std::function<void(StepOutcome)> done) {
            ++*calls;
            QTimer::singleShot(300, QCoreApplication::instance(),
                [done] { done(StepOutcome::success(QStringLiteral("late"))); });
        });
    slow.timeoutMs = 50;
    slow.retries = 2;
    const auto id = engine.start({}, makeRunbook({ slow }));
    QVERIFY(events.wait());
    QCOMPARE(*events.finished, RunState::Failed);
    QTest::qWait(400); // the late answer arrives and must change nothing
    QCOMPARE(*calls, 1);
    StepRecord s = journal.steps(*id)->at(0);
    QCOMPARE(s.state, StepState::Failed);
    QVERIFY2(s.detail.contains(QStringLiteral("timed out after 0.05 s")), qPrintable(s.detail));
    QCOMPARE((*journal.run(*id))->state, RunState::Failed);
    QCOMPARE(events.list.count(QStringLiteral("step 0 failed")), 1);
    QCOMPARE(events.list.count(QStringLiteral("finished failed")), 1);

    // A gate that times out is asked again; the first attempt's late answer is ignored.
    events.reset();
    *calls = 0;
    Step gate = makeStep(QStringLiteral("gate"), StepKind::Gate,
        [calls](const StepContext &ctx, std::function<void(StepOutcome)> done) {
            ++*calls;
            const int attempt = ctx.attempt;
            QTimer::singleShot(
                attempt == 1 ? 250 : 5, QCoreApplication::instance(), [done, attempt] {
                    done(attempt == 1 ? StepOutcome::failure(QStringLiteral("late failure"))
                                      : StepOutcome::success(QStringLiteral("fresh")));
                });
        });
    gate.timeoutMs = 100;
    gate.retries = 1;
    // Still running when the first attempt's late answer comes (at 250 ms).
    Step after = makeStep(QStringLiteral("after"), StepKind::Action,
        answerAfter(400, StepOutcome::success(QStringLiteral("done"))));
    const auto id2 = engine.start({}, makeRunbook({ gate, after }));
    QVERIFY(events.wait());
    QCOMPARE(*events.finished, RunState::Succeeded);
    QCOMPARE(*calls, 2);
    s = journal.steps(*id2)->at(0);
    QCOMPARE(s.state, StepState::Succeeded);
    QCOMPARE(s.detail, QStringLiteral("fresh"));
    QCOMPARE(s.attempts, 2);
    QCOMPARE(events.list.count(QStringLiteral("step 0 succeeded")), 1);
    QCOMPARE(events.list.count(QStringLiteral("step 0 failed")), 0);
}

void TestRunbookEngine::optionalFailureContinues()
{
    RunJournal journal(path(QStringLiteral("j.sqlite")));
    QVERIFY(journal.open().has_value());
    RunbookEngine engine(&journal);
    Events events;
    events.watch(engine);
    Step optional = makeStep(QStringLiteral("notify"), StepKind::Action,
        answerAfter(5,
            StepOutcome::failure(
                QStringLiteral("webhook down"), { { QStringLiteral("notified"), false } })));
    optional.critical = false;
    const auto id = engine.start({},
        makeRunbook({
            makeStep(QStringLiteral("a"), StepKind::Action,
                answerAfter(5, StepOutcome::success(QStringLiteral("a")))),
            optional,
            makeStep(QStringLiteral("c"), StepKind::Verify,
                answerAfter(5, StepOutcome::success(QStringLiteral("c")))),
        }));
    QVERIFY(events.wait());
    QCOMPARE(*events.finished, RunState::Succeeded);
    QCOMPARE(statesOf(journal, *id),
        (QList<StepState> { StepState::Succeeded, StepState::Failed, StepState::Succeeded }));
    QVERIFY2(events.outcome.contains(QStringLiteral("optional step 2 (Title of notify) failed")),
        qPrintable(events.outcome));
    QCOMPARE((*journal.run(*id))->data.value(QStringLiteral("notified")), QJsonValue(false));
}

void TestRunbookEngine::criticalFailureUndoesInReverse()
{
    RunJournal journal(path(QStringLiteral("j.sqlite")));
    QVERIFY(journal.open().has_value());
    RunbookEngine engine(&journal);
    Events events;
    events.watch(engine);
    auto order = std::make_shared<QStringList>();
    const auto undoing = [order](const QString &name) -> StepWork {
        return [order, name](const StepContext &, std::function<void(StepOutcome)> done) {
            order->append(name);
            QTimer::singleShot(5, QCoreApplication::instance(),
                [done, name] { done(StepOutcome::success(name + QStringLiteral(" undone"))); });
        };
    };
    const auto ok = answerAfter(5, StepOutcome::success(QStringLiteral("ok")));
    auto lateRan = std::make_shared<bool>(false);
    const auto id = engine.start({},
        makeRunbook({
            makeStep(QStringLiteral("a"), StepKind::Action, ok, undoing(QStringLiteral("a"))),
            makeStep(QStringLiteral("b"), StepKind::Action, ok), // irreversible
            makeStep(QStringLiteral("c"), StepKind::Action, ok, undoing(QStringLiteral("c"))),
            makeStep(QStringLiteral("d"), StepKind::Action,
                answerAfter(5, StepOutcome::failure(QStringLiteral("router said\nno"))),
                undoing(QStringLiteral("d"))),
            makeStep(QStringLiteral("e"), StepKind::Action,
                answerAfter(5, StepOutcome::success({}),
                    [lateRan](const StepContext &) { *lateRan = true; }),
                undoing(QStringLiteral("e"))),
        }));
    QVERIFY(events.wait());
    QCOMPARE(*events.finished, RunState::Failed);
    QCOMPARE(*order, (QStringList { QStringLiteral("c"), QStringLiteral("a") }));
    QVERIFY(!*lateRan);
    QCOMPARE(statesOf(journal, *id),
        (QList<StepState> { StepState::Undone, StepState::Succeeded, StepState::Undone,
            StepState::Failed, StepState::Pending }));
    QVERIFY2(
        events.outcome.startsWith(QStringLiteral("step 4 (Title of d) failed: router said no")),
        qPrintable(events.outcome));
    QVERIFY(events.outcome.contains(QStringLiteral("undid 2 step(s)")));
    QCOMPARE(journal.steps(*id)->at(2).detail, QStringLiteral("c undone"));
    QCOMPARE(events.list.mid(events.list.indexOf(QStringLiteral("step 3 failed"))),
        (QStringList { QStringLiteral("step 3 failed"), QStringLiteral("step 2 undone"),
            QStringLiteral("step 0 undone"), QStringLiteral("finished failed") }));
    QVERIFY(journal.interruptedRuns()->isEmpty()); // failed is an end: nothing to resume
}

void TestRunbookEngine::undoFailureHaltsThenRollback()
{
    RunJournal journal(path(QStringLiteral("j.sqlite")));
    QVERIFY(journal.open().has_value());
    auto order = std::make_shared<QStringList>();
    auto bUndoCalls = std::make_shared<int>(0);
    const auto build = [&] {
        const auto ok = answerAfter(5, StepOutcome::success(QStringLiteral("ok")));
        const StepWork undoA = [order](const StepContext &, std::function<void(StepOutcome)> done) {
            order->append(QStringLiteral("a"));
            done(StepOutcome::success(QStringLiteral("a undone")));
        };
        const StepWork undoB = [order, bUndoCalls](
                                   const StepContext &, std::function<void(StepOutcome)> done) {
            order->append(QStringLiteral("b"));
            ++*bUndoCalls;
            done(*bUndoCalls == 1 ? StepOutcome::failure(QStringLiteral("HAProxy unreachable"))
                                  : StepOutcome::success(QStringLiteral("b undone")));
        };
        return makeRunbook({
            makeStep(QStringLiteral("a"), StepKind::Action, ok, undoA),
            makeStep(QStringLiteral("b"), StepKind::Action, ok, undoB),
            makeStep(QStringLiteral("c"), StepKind::Verify,
                answerAfter(5, StepOutcome::failure(QStringLiteral("no answer from north")))),
        });
    };
    QString id;
    {
        RunbookEngine engine(&journal);
        Events events;
        events.watch(engine);
        id = *engine.start({}, build());
        QVERIFY(events.wait());
        QCOMPARE(*events.finished, RunState::Halted);
        QVERIFY2(events.outcome.contains(
                     QStringLiteral("the undo of step 2 (Title of b) failed: HAProxy unreachable")),
            qPrintable(events.outcome));
        QVERIFY(events.outcome.contains(QStringLiteral("resume to retry, or roll back")));
        QCOMPARE(*order, QStringList { QStringLiteral("b") });
        QCOMPARE(statesOf(journal, id),
            (QList<StepState> { StepState::Succeeded, StepState::UndoFailed, StepState::Failed }));
    }
    const auto interrupted = journal.interruptedRuns();
    QCOMPARE(interrupted->size(), 1);
    QCOMPARE(interrupted->at(0).id, id);
    QCOMPARE(interrupted->at(0).state, RunState::Halted);

    order->clear();
    RunbookEngine engine(&journal);
    Events events;
    events.watch(engine);
    QVERIFY(engine.rollback(id, build()).has_value());
    QVERIFY(events.wait());
    QCOMPARE(*events.finished, RunState::RolledBack);
    QCOMPARE(*order, (QStringList { QStringLiteral("b"), QStringLiteral("a") }));
    QCOMPARE(statesOf(journal, id),
        (QList<StepState> { StepState::Undone, StepState::Undone, StepState::Failed }));
    QCOMPARE((*journal.run(id))->state, RunState::RolledBack);
    QVERIFY(journal.interruptedRuns()->isEmpty());
    // An ended run is neither resumed nor rolled back again.
    QVERIFY(engine.rollback(id, build()).error().contains(QStringLiteral("already ended")));
}

void TestRunbookEngine::haltThenResume()
{
    RunJournal journal(path(QStringLiteral("j.sqlite")));
    QVERIFY(journal.open().has_value());
    auto counts = std::make_shared<QMap<QString, int>>();
    const auto build = [counts] {
        const auto counted = [counts](const QString &name) {
            return answerAfter(30, StepOutcome::success(name, { { name, true } }),
                [counts, name](const StepContext &) { (*counts)[name] += 1; });
        };
        return makeRunbook({
            makeStep(QStringLiteral("a"), StepKind::Action, counted(QStringLiteral("a"))),
            makeStep(QStringLiteral("b"), StepKind::Action, counted(QStringLiteral("b"))),
            makeStep(QStringLiteral("c"), StepKind::Action, counted(QStringLiteral("c"))),
        });
    };
    QString id;
    {
        RunbookEngine engine(&journal);
        Events events;
        events.watch(engine);
        connect(&engine, &RunbookEngine::stepStarted, &engine, [&engine](int i, int) {
            if (i == 0)
                engine.halt(QStringLiteral("alice"));
        });
        id = *engine.start({}, build());
        QVERIFY(events.wait());
        QCOMPARE(*events.finished, RunState::Halted);
        QVERIFY2(
            events.outcome.contains(QStringLiteral("halted by alice after step 1 (Title of a)")),
            qPrintable(events.outcome));
        QCOMPARE(statesOf(journal, id),
            (QList<StepState> { StepState::Succeeded, StepState::Pending, StepState::Pending }));
    }
    QCOMPARE(journal.interruptedRuns()->size(), 1);
    RunbookEngine engine(&journal);
    Events events;
    events.watch(engine);
    QVERIFY(engine.resume(id, build()).has_value());
    QVERIFY(!engine.resume(id, build())); // already driving it
    QVERIFY(events.wait());
    QCOMPARE(*events.finished, RunState::Succeeded);
    QCOMPARE(counts->value(QStringLiteral("a")), 1); // kept, not run again
    QCOMPARE(counts->value(QStringLiteral("b")), 1);
    QCOMPARE(counts->value(QStringLiteral("c")), 1);
    const RunRecord r = **journal.run(id);
    QCOMPARE(r.state, RunState::Succeeded);
    // The run's data holds what every step measured, from before and after the halt.
    QCOMPARE(r.data,
        (QJsonObject { { QStringLiteral("a"), true }, { QStringLiteral("b"), true },
            { QStringLiteral("c"), true } }));
}

void TestRunbookEngine::cancelRollsBack()
{
    RunJournal journal(path(QStringLiteral("j.sqlite")));
    QVERIFY(journal.open().has_value());
    RunbookEngine engine(&journal);
    Events events;
    events.watch(engine);
    auto order = std::make_shared<QStringList>();
    const auto undoing = [order](const QString &name) -> StepWork {
        return [order, name](const StepContext &, std::function<void(StepOutcome)> done) {
            order->append(name);
            done(StepOutcome::success(name + QStringLiteral(" undone")));
        };
    };
    connect(&engine, &RunbookEngine::stepStarted, &engine, [&engine](int i, int) {
        if (i == 1)
            engine.cancel(QStringLiteral("bob"));
    });
    const auto id = engine.start({},
        makeRunbook({
            makeStep(QStringLiteral("a"), StepKind::Action,
                answerAfter(10, StepOutcome::success({})), undoing(QStringLiteral("a"))),
            makeStep(QStringLiteral("b"), StepKind::Action,
                answerAfter(50, StepOutcome::success({})), undoing(QStringLiteral("b"))),
            makeStep(QStringLiteral("c"), StepKind::Action,
                answerAfter(10, StepOutcome::success({})), undoing(QStringLiteral("c"))),
        }));
    QVERIFY(events.wait());
    QCOMPARE(*events.finished, RunState::RolledBack);
    QCOMPARE(*order, (QStringList { QStringLiteral("b"), QStringLiteral("a") }));
    QCOMPARE(statesOf(journal, *id),
        (QList<StepState> { StepState::Undone, StepState::Undone, StepState::Pending }));
    QVERIFY2(
        events.outcome.startsWith(QStringLiteral("cancelled by bob")), qPrintable(events.outcome));
    QCOMPARE((*journal.run(*id))->state, RunState::RolledBack);
}

void TestRunbookEngine::acknowledgements()
{
    RunJournal journal(path(QStringLiteral("j.sqlite")));
    QVERIFY(journal.open().has_value());
    auto undone = std::make_shared<int>(0);
    const auto build = [undone] {
        Step ack;
        ack.id = QStringLiteral("ack.freeze");
        ack.kind = StepKind::Acknowledge;
        ack.title = QStringLiteral("Knowledge-base edit freeze");
        ack.prompt = QStringLiteral("Editors have stopped changing the knowledge base");
        ack.timeoutMs = 50; // not applied to the person: only to work, which this one has none of
        return makeRunbook({
            makeStep(QStringLiteral("a"), StepKind::Action,
                answerAfter(5, StepOutcome::success({})),
                [undone](const StepContext &, std::function<void(StepOutcome)> done) {
                    ++*undone;
                    done(StepOutcome::success({}));
                }),
            ack,
            makeStep(
                QStringLiteral("c"), StepKind::Action, answerAfter(5, StepOutcome::success({}))),
        });
    };

    // Acknowledged by a person, after a while.
    {
        RunbookEngine engine(&journal);
        Events events;
        events.watch(engine);
        QString prompt;
        connect(
            &engine, &RunbookEngine::acknowledgementNeeded, &engine, [&](int i, const QString &p) {
                prompt = p;
                QTimer::singleShot(100, &engine, [&engine, i] {
                    engine.acknowledge(i + 1, QStringLiteral("wrong-index")); // ignored
                    engine.acknowledge(i, QStringLiteral("carol"));
                });
            });
        const auto id = engine.start({}, build());
        QVERIFY(events.wait());
        QCOMPARE(*events.finished, RunState::Succeeded);
        QCOMPARE(prompt, QStringLiteral("Editors have stopped changing the knowledge base"));
        QVERIFY(events.list.contains(QStringLiteral("ack 1?")));
        const StepRecord s = journal.steps(*id)->at(1);
        QCOMPARE(s.state, StepState::Succeeded);
        QCOMPARE(
            s.data.value(QStringLiteral("acknowledgedBy")).toString(), QStringLiteral("carol"));
        QCOMPARE(s.detail, QStringLiteral("acknowledged by carol"));
    }
    // Declined: a failed critical step, so the completed steps are undone.
    {
        RunbookEngine engine(&journal);
        Events events;
        events.watch(engine);
        connect(&engine, &RunbookEngine::acknowledgementNeeded, &engine,
            [&engine](int i, const QString &) {
                engine.decline(i, QStringLiteral("dave"), QStringLiteral("editors still busy"));
            });
        const auto id = engine.start({}, build());
        QVERIFY(events.wait());
        QCOMPARE(*events.finished, RunState::Failed);
        QCOMPARE(*undone, 1);
        QCOMPARE(statesOf(journal, *id),
            (QList<StepState> { StepState::Undone, StepState::Failed, StepState::Pending }));
        QCOMPARE(journal.steps(*id)->at(1).detail,
            QStringLiteral("declined by dave: editors still busy"));
    }
    // Answered at once (drctl --yes), recording who.
    {
        RunbookEngine engine(&journal);
        engine.setAutoAcknowledge(QStringLiteral("erin"));
        Events events;
        events.watch(engine);
        const auto id = engine.start({}, build());
        QVERIFY(events.wait());
        QCOMPARE(*events.finished, RunState::Succeeded);
        QVERIFY(!events.list.contains(QStringLiteral("ack 1?")));
        QCOMPARE(journal.steps(*id)->at(1).data.value(QStringLiteral("acknowledgedBy")).toString(),
            QStringLiteral("erin"));
    }
}

void TestRunbookEngine::haltWhileWaitingForAcknowledgement()
{
    RunJournal journal(path(QStringLiteral("j.sqlite")));
    QVERIFY(journal.open().has_value());
    Step ack;
    ack.id = QStringLiteral("ack");
    ack.kind = StepKind::Acknowledge;
    ack.title = QStringLiteral("Confirm");
    ack.prompt = QStringLiteral("Go?");
    const Runbook rb = makeRunbook(
        { makeStep(QStringLiteral("a"), StepKind::Action, answerAfter(5, StepOutcome::success({}))),
            ack });
    QString id;
    {
        RunbookEngine engine(&journal);
        Events events;
        events.watch(engine);
        connect(&engine, &RunbookEngine::acknowledgementNeeded, &engine,
            [&engine](int, const QString &) { engine.halt(QStringLiteral("frank")); });
        id = *engine.start({}, rb);
        QVERIFY(events.wait());
        QCOMPARE(*events.finished, RunState::Halted);
        QCOMPARE(
            statesOf(journal, id), (QList<StepState> { StepState::Succeeded, StepState::Pending }));
    }
    RunbookEngine engine(&journal);
    Events events;
    events.watch(engine);
    connect(&engine, &RunbookEngine::acknowledgementNeeded, &engine,
        [&engine](int i, const QString &) { engine.acknowledge(i, QStringLiteral("grace")); });
    QVERIFY(engine.resume(id, rb).has_value());
    QVERIFY(events.wait());
    QCOMPARE(*events.finished, RunState::Succeeded);
    QCOMPARE(events.list.count(QStringLiteral("ack 1?")), 1); // asked again on resume
    QCOMPARE(journal.steps(id)->at(1).data.value(QStringLiteral("acknowledgedBy")).toString(),
        QStringLiteral("grace"));
}

QString TestRunbookEngine::runAndKill(
    const QString &journalPath, const QString &execLog, int hangAt)
{
    QProcess helper;
    helper.start(QStringLiteral(DR_RUNBOOKHELPER),
        { journalPath, execLog, QStringLiteral("--hang-at"), QString::number(hangAt) });
    if (!helper.waitForStarted(5000))
        return QString();
    // The step that hangs has recorded that it ran: the journal holds its intent by then.
    const bool reached
        = QTest::qWaitFor([&] { return readLines(execLog).size() == hangAt + 1; }, 15000);
    const QString out = QString::fromUtf8(helper.readAllStandardOutput());
    helper.kill(); // SIGKILL: no destructor, no last journal write
    helper.waitForFinished(5000);
    if (!reached)
        return QString();
    for (const QString &line : out.split(u'\n')) {
        if (line.startsWith(QStringLiteral("RUN ")))
            return line.mid(4).trimmed();
    }
    return QString();
}

namespace {
const QStringList kScriptedNames { QStringLiteral("lock"), QStringLiteral("gate"),
    QStringLiteral("switch"), QStringLiteral("verify"), QStringLiteral("record") };

QStringList ranLines(const QStringList &names)
{
    QStringList lines;
    for (const QString &n : names)
        lines.append(QStringLiteral("run ") + n);
    return lines;
}
} // namespace

void TestRunbookEngine::resumeAfterKill_data()
{
    QTest::addColumn<int>("killedAt");
    for (int k = 0; k < kScriptedNames.size(); ++k)
        QTest::addRow("%s", qPrintable(kScriptedNames.at(k))) << k;
}

void TestRunbookEngine::resumeAfterKill()
{
    QFETCH(int, killedAt);
    const QString file = path(QStringLiteral("j.sqlite"));
    const QString execLog = path(QStringLiteral("exec.log"));
    const QString id = runAndKill(file, execLog, killedAt);
    QVERIFY2(!id.isEmpty(), "the helper did not reach the step");
    QCOMPARE(readLines(execLog), ranLines(kScriptedNames.mid(0, killedAt + 1)));

    RunJournal journal(file);
    QVERIFY(journal.open().has_value());
    const auto interrupted = journal.interruptedRuns();
    QVERIFY(interrupted.has_value());
    QCOMPARE(interrupted->size(), 1);
    QCOMPARE(interrupted->at(0).id, id);
    QCOMPARE(interrupted->at(0).state, RunState::Running);
    QList<StepState> expected(kScriptedNames.size(), StepState::Pending);
    for (int i = 0; i < killedAt; ++i)
        expected[i] = StepState::Succeeded;
    expected[killedAt] = StepState::Running;
    QCOMPARE(statesOf(journal, id), expected);

    RunbookEngine engine(&journal);
    Events events;
    events.watch(engine);
    QVERIFY(engine.resume(id, scriptedRunbook(execLog)).has_value());
    QVERIFY(journal.interruptedRuns()->isEmpty()); // this process drives it now
    QVERIFY(events.wait());
    QCOMPARE(*events.finished, RunState::Succeeded);
    QCOMPARE(events.outcome, QStringLiteral("north serves"));
    // The lock is taken again (rerunOnResume), steps that succeeded are kept, the step that
    // was running runs again knowing it was interrupted, the rest once.
    QStringList after;
    if (killedAt > 0)
        after.append(QStringLiteral("run lock"));
    after.append(QStringLiteral("run ") + kScriptedNames.at(killedAt) + QStringLiteral(" resumed"));
    after += ranLines(kScriptedNames.mid(killedAt + 1));
    QCOMPARE(readLines(execLog).mid(killedAt + 1), after);
    const auto steps = journal.steps(id);
    QCOMPARE(steps->at(0).attempts, 2);
    QCOMPARE(steps->at(killedAt).attempts, 2);
    const RunRecord r = **journal.run(id);
    QCOMPARE(r.state, RunState::Succeeded);
    QCOMPARE(r.data.value(QStringLiteral("switched")), QJsonValue(true));
    QCOMPARE(r.pid, qint64(0));
    QCOMPARE(statesOf(journal, id), QList<StepState>(kScriptedNames.size(), StepState::Succeeded));
    QVERIFY(engine.resume(id, scriptedRunbook(execLog))
                .error()
                .contains(QStringLiteral("already ended")));
}

void TestRunbookEngine::refusesAnotherRunbookOnResume()
{
    const QString file = path(QStringLiteral("j.sqlite"));
    const QString execLog = path(QStringLiteral("exec.log"));
    const QString id = runAndKill(file, execLog, 2);
    QVERIFY2(!id.isEmpty(), "the helper did not reach the switch step");
    RunJournal journal(file);
    QVERIFY(journal.open().has_value());
    RunbookEngine engine(&journal);
    Runbook shorter = scriptedRunbook(execLog);
    shorter.steps.removeLast();
    const auto refused = engine.resume(id, shorter);
    QVERIFY(!refused);
    QVERIFY2(refused.error().contains(QStringLiteral("the journal has 5 steps")),
        qPrintable(refused.error()));
    Runbook renamed = scriptedRunbook(execLog);
    renamed.steps[3].id = QStringLiteral("verify.other");
    QVERIFY(engine.resume(id, renamed)
                .error()
                .contains(QStringLiteral("step 4 is verify.chat in the journal but verify.other")));
    QVERIFY(engine.rollback(id, renamed).error().contains(QStringLiteral("cannot be rolled back")));
    // Refused before anything ran or was claimed: still interrupted, nothing executed.
    QVERIFY(!engine.isRunning());
    QCOMPARE(journal.interruptedRuns()->size(), 1);
    QCOMPARE(readLines(execLog).size(), 3);
    QCOMPARE(statesOf(journal, id).at(2), StepState::Running);
}

void TestRunbookEngine::rollbackAfterKill_data()
{
    QTest::addColumn<int>("killedAt");
    QTest::addColumn<QStringList>("after");
    const QString runLock = QStringLiteral("run lock");
    const QString undoLock = QStringLiteral("undo lock");
    const QString undoSwitch = QStringLiteral("undo switch");
    // The lock is taken back first (when it had been taken), the switch undone when it had
    // started (interrupted or done), the lock released last; the gate and the record step
    // have no undo.
    QTest::newRow("lock") << 0 << QStringList { undoLock };
    QTest::newRow("gate") << 1 << QStringList { runLock, undoLock };
    QTest::newRow("switch") << 2 << QStringList { runLock, undoSwitch, undoLock };
    QTest::newRow("verify") << 3 << QStringList { runLock, undoSwitch, undoLock };
    QTest::newRow("record") << 4 << QStringList { runLock, undoSwitch, undoLock };
}

void TestRunbookEngine::rollbackAfterKill()
{
    QFETCH(int, killedAt);
    QFETCH(QStringList, after);
    const QString file = path(QStringLiteral("j.sqlite"));
    const QString execLog = path(QStringLiteral("exec.log"));
    const QString id = runAndKill(file, execLog, killedAt);
    QVERIFY2(!id.isEmpty(), "the helper did not reach the step");

    RunJournal journal(file);
    QVERIFY(journal.open().has_value());
    RunbookEngine engine(&journal);
    Events events;
    events.watch(engine);
    QVERIFY(engine.rollback(id, scriptedRunbook(execLog)).has_value());
    QVERIFY(events.wait());
    QCOMPARE(*events.finished, RunState::RolledBack);
    QCOMPARE(readLines(execLog).mid(killedAt + 1), after);
    const QList<StepState> states = statesOf(journal, id);
    QCOMPARE(states.at(0), StepState::Undone);
    if (killedAt >= 2)
        QCOMPARE(states.at(2), StepState::Undone);
    QVERIFY(journal.interruptedRuns()->isEmpty());
    QCOMPARE((*journal.run(id))->state, RunState::RolledBack);
}

void TestRunbookEngine::twoEnginesOneJournal()
{
    const QString file = path(QStringLiteral("j.sqlite"));
    RunJournal ja(file);
    RunJournal jb(file);
    QVERIFY(ja.open().has_value());
    QVERIFY(jb.open().has_value());
    RunbookEngine a(&ja);
    RunbookEngine b(&jb);
    Events ea, eb;
    ea.watch(a);
    eb.watch(b);
    const auto ida = a.start({}, scriptedRunbook(path(QStringLiteral("a.log")), -1, 3));
    const auto idb = b.start({}, scriptedRunbook(path(QStringLiteral("b.log")), -1, 2));
    QVERIFY(ida && idb);
    QVERIFY(*ida != *idb);
    QVERIFY(ea.wait() && eb.wait());
    QCOMPARE(*ea.finished, RunState::Succeeded);
    QCOMPARE(*eb.finished, RunState::Succeeded);
    for (const QString &id : { *ida, *idb }) {
        QCOMPARE(statesOf(ja, id), QList<StepState>(5, StepState::Succeeded));
        QCOMPARE((*jb.run(id))->state, RunState::Succeeded);
    }
    QCOMPARE(ja.runs()->size(), 2);
}

void TestRunbookEngine::twoProcessesOneJournal()
{
    const QString file = path(QStringLiteral("j.sqlite"));
    QProcess p1, p2;
    const QStringList common { QStringLiteral("--runs"), QStringLiteral("6"),
        QStringLiteral("--delay"), QStringLiteral("1") };
    p1.start(QStringLiteral(DR_RUNBOOKHELPER),
        QStringList { file, path(QStringLiteral("1.log")) } + common);
    p2.start(QStringLiteral(DR_RUNBOOKHELPER),
        QStringList { file, path(QStringLiteral("2.log")) } + common);
    QVERIFY(p1.waitForFinished(60000));
    QVERIFY(p2.waitForFinished(60000));
    QVERIFY2(p1.exitCode() == 0, p1.readAllStandardError().constData());
    QVERIFY2(p2.exitCode() == 0, p2.readAllStandardError().constData());

    RunJournal journal(file);
    QVERIFY(journal.open().has_value());
    const auto runs = journal.runs();
    QCOMPARE(runs->size(), 12);
    for (const RunRecord &r : *runs) {
        QCOMPARE(r.state, RunState::Succeeded);
        QCOMPARE(statesOf(journal, r.id), QList<StepState>(5, StepState::Succeeded));
        const QStringList log = *journal.log(r.id);
        QVERIFY(log.first().contains(QStringLiteral("started")));
        QVERIFY(log.last().contains(QStringLiteral("succeeded")));
    }
    QCOMPARE(readLines(path(QStringLiteral("1.log"))).size(), 30);
    QVERIFY(journal.interruptedRuns()->isEmpty());
}

void TestRunbookEngine::auditSequence()
{
    RunJournal journal(path(QStringLiteral("j.sqlite")));
    QVERIFY(journal.open().has_value());
    RunbookEngine engine(&journal);
    engine.setAutoAcknowledge(QStringLiteral("ivy"));
    QList<std::pair<QString, QString>> audit;
    QList<QJsonObject> auditData;
    engine.setAuditSink([&](const QString &kind, const QString &summary, const QJsonObject &data) {
        audit.append({ kind, summary });
        auditData.append(data);
    });
    Events events;
    events.watch(engine);
    Step ack;
    ack.id = QStringLiteral("ack");
    ack.kind = StepKind::Acknowledge;
    ack.title = QStringLiteral("Edit freeze");
    ack.prompt = QStringLiteral("Editors have stopped");
    Step skipped = makeStep(QStringLiteral("lag"), StepKind::Gate,
        answerAfter(1, StepOutcome::skip(QStringLiteral("the source is presumed lost"))));
    skipped.title = QStringLiteral("Index lag within threshold");
    Step gate = makeStep(QStringLiteral("gate"), StepKind::Gate,
        answerAfter(1, StepOutcome::success(QStringLiteral("all 5 components ok"))));
    gate.title = QStringLiteral("Target components ok");
    Step sw = makeStep(QStringLiteral("switch"), StepKind::Action,
        answerAfter(1, StepOutcome::success(QStringLiteral("north enabled"))),
        answerAfter(1, StepOutcome::success(QStringLiteral("north disabled"))));
    sw.title = QStringLiteral("Enable north");
    Step approval = makeStep(QStringLiteral("approve"), StepKind::Approval,
        answerAfter(1, StepOutcome::success(QStringLiteral("approved by bob"))));
    approval.title = QStringLiteral("Approver signs");
    Step verify = makeStep(QStringLiteral("verify"), StepKind::Verify,
        answerAfter(1, StepOutcome::failure(QStringLiteral("west answered"))));
    verify.title = QStringLiteral("Chat answered by north");
    const auto id = engine.start({}, makeRunbook({ gate, skipped, ack, sw, approval, verify }));
    QVERIFY(events.wait());
    QCOMPARE(*events.finished, RunState::Failed);

    QStringList kinds;
    for (const auto &[kind, summary] : audit)
        kinds.append(kind);
    QCOMPARE(kinds,
        (QStringList { QStringLiteral("run-state"), QStringLiteral("gate"), QStringLiteral("gate"),
            QStringLiteral("acknowledgement"), QStringLiteral("step"), QStringLiteral("approval"),
            QStringLiteral("step"), QStringLiteral("step"), QStringLiteral("run-state") }));
    QCOMPARE(audit.at(1).second,
        QStringLiteral("Gate 1 (Target components ok) passed: all 5 components ok."));
    QCOMPARE(audit.at(2).second,
        QStringLiteral(
            "Gate 2 (Index lag within threshold) was skipped: the source is presumed lost."));
    QCOMPARE(audit.at(3).second,
        QStringLiteral("ivy acknowledged step 3 (Edit freeze): Editors have stopped."));
    QCOMPARE(audit.at(4).second, QStringLiteral("Step 4 (Enable north) succeeded: north enabled."));
    QCOMPARE(audit.at(5).second,
        QStringLiteral("Approval 5 (Approver signs) succeeded: approved by bob."));
    QCOMPARE(audit.at(6).second,
        QStringLiteral("Verification 6 (Chat answered by north) failed: west answered."));
    QCOMPARE(audit.at(7).second, QStringLiteral("Undid step 4 (Enable north): north disabled."));
    QVERIFY2(
        audit.at(8).second.startsWith(QStringLiteral("Run ") + *id
            + QStringLiteral(" failed: step 6 (Chat answered by north) failed: west answered")),
        qPrintable(audit.at(8).second));
    QVERIFY(audit.at(0).second.contains(QStringLiteral("started")));
    QCOMPARE(auditData.at(0).value(QStringLiteral("event")).toString(), QStringLiteral("started"));
    QCOMPARE(auditData.at(8).value(QStringLiteral("event")).toString(), QStringLiteral("failed"));
    QCOMPARE(auditData.at(3).value(QStringLiteral("by")).toString(), QStringLiteral("ivy"));
    for (const QJsonObject &d : auditData)
        QCOMPARE(d.value(QStringLiteral("runId")).toString(), *id);
    for (const auto &[kind, summary] : audit)
        QVERIFY2(summary.endsWith(u'.'), qPrintable(summary));
}

void TestRunbookEngine::stepAnsweringTwiceOrAfterDestruction()
{
    RunJournal journal(path(QStringLiteral("j.sqlite")));
    QVERIFY(journal.open().has_value());
    {
        RunbookEngine engine(&journal);
        Events events;
        events.watch(engine);
        const StepWork twice = [](const StepContext &, std::function<void(StepOutcome)> done) {
            done(StepOutcome::success(QStringLiteral("first"))); // from inside run(), at once
            done(StepOutcome::failure(QStringLiteral("second")));
        };
        const auto id = engine.start({},
            makeRunbook({ makeStep(QStringLiteral("twice"), StepKind::Action, twice),
                makeStep(QStringLiteral("next"), StepKind::Action,
                    answerAfter(20, StepOutcome::success({}))) }));
        QVERIFY(events.wait());
        QCOMPARE(*events.finished, RunState::Succeeded);
        QCOMPARE(journal.steps(*id)->at(0).detail, QStringLiteral("first"));
        QCOMPARE(events.list.count(QStringLiteral("step 0 succeeded")), 1);
        QCOMPARE(events.list.count(QStringLiteral("step 0 failed")), 0);
    }
    QString id;
    {
        auto engine = std::make_unique<RunbookEngine>(&journal);
        bool started = false;
        connect(engine.get(), &RunbookEngine::stepStarted, engine.get(),
            [&started](int, int) { started = true; });
        id = *engine->start({},
            makeRunbook({ makeStep(QStringLiteral("slow"), StepKind::Action,
                answerAfter(100, StepOutcome::success({}), [](const StepContext &ctx) {
                    QTimer::singleShot(150, QCoreApplication::instance(),
                        [ctx] { ctx.log(QStringLiteral("after destruction")); });
                })) }));
        QVERIFY(QTest::qWaitFor([&] { return started; }, 5000));
        QCOMPARE(journal.interruptedRuns()->size(), 0);
    }
    QTest::qWait(300); // the answer and the log line arrive with no engine left: harmless
    const RunRecord r = **journal.run(id);
    QCOMPARE(r.state, RunState::Running);
    QCOMPARE(statesOf(journal, id), QList<StepState> { StepState::Running });
    const auto interrupted = journal.interruptedRuns();
    QCOMPARE(interrupted->size(), 1); // no engine drives it any more, though this process lives
    QVERIFY(!journal.log(id)->contains(QStringLiteral("step 1: after destruction")));
}

QTEST_GUILESS_MAIN(TestRunbookEngine)
#include "tst_runbookengine.moc"
