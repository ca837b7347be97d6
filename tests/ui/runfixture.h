#pragma once

// Runs and audit entries written through the real RunJournal and AuditTrail, for the console's
// report views (no lab needed: the views only read what the journal and trail hold).

#include "audit/audittrail.h"
#include "runbook/runjournal.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace dr::test {

inline QList<Step> fixtureSteps(int count)
{
    QList<Step> steps;
    for (int i = 0; i < count; ++i) {
        Step s;
        s.id = QStringLiteral("step.%1").arg(i);
        s.title = QStringLiteral("Fixture step %1").arg(i);
        s.kind = i == 0 ? StepKind::Gate : StepKind::Action;
        steps.append(s);
    }
    return steps;
}

// A run that ended (state given), started at `started` and lasting `seconds`, with `steps`
// steps that all succeeded. Answers an empty string on success, else the error.
inline QString addFixtureRun(RunJournal &journal, const QString &id, const QString &kind,
    const QDateTime &started, int seconds, int steps, RunState state = RunState::Succeeded)
{
    RunRecord run;
    run.id = id;
    run.kind = kind;
    run.mode = kind.startsWith(QStringLiteral("unplanned")) ? QStringLiteral("unplanned") : QStringLiteral("planned");
    run.source = QStringLiteral("west");
    run.target = QStringLiteral("north");
    run.profileName = QStringLiteral("fixture");
    run.operatorName = QStringLiteral("ana");
    run.host = QStringLiteral("workstation");
    run.state = RunState::Running;
    run.started = started;
    if (auto created = journal.createRun(run, fixtureSteps(steps)); !created)
        return created.error();
    for (int i = 0; i < steps; ++i) {
        StepRecord s;
        s.index = i;
        s.id = QStringLiteral("step.%1").arg(i);
        s.title = QStringLiteral("Fixture step %1").arg(i);
        s.kind = i == 0 ? StepKind::Gate : StepKind::Action;
        s.state = StepState::Succeeded;
        s.attempts = 1;
        s.started = started.addMSecs(qint64(i) * 1000);
        s.ended = started.addMSecs(qint64(i) * 1000 + 500);
        s.detail = QStringLiteral("step %1 of %2 did its work").arg(i).arg(id);
        if (auto updated = journal.updateStep(id, s); !updated)
            return updated.error();
    }
    if (auto logged = journal.appendLog(id, QStringLiteral("log line of %1").arg(id)); !logged)
        return logged.error();
    run.state = state;
    run.ended = started.addSecs(seconds);
    run.outcome = QStringLiteral("north serves; fixture %1").arg(id);
    if (auto updated = journal.updateRun(run); !updated)
        return updated.error();
    return {};
}

inline QByteArray fixtureAuditKey()
{
    return QByteArrayLiteral("0123456789abcdef0123456789abcdef");
}

} // namespace dr::test
