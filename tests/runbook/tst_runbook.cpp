#include "runbook/runbook.h"

#include <QTest>

using namespace dr;

class TestRunbook : public QObject
{
    Q_OBJECT

private slots:
    void stepKindNames();
    void stepStateNames();
    void runStateNames();
    void unknownNames();
};

void TestRunbook::stepKindNames()
{
    const QList<std::pair<StepKind, QString>> expected {
        { StepKind::Gate, QStringLiteral("gate") },
        { StepKind::Action, QStringLiteral("action") },
        { StepKind::Verify, QStringLiteral("verify") },
        { StepKind::Acknowledge, QStringLiteral("acknowledge") },
        { StepKind::Approval, QStringLiteral("approval") },
    };
    for (const auto &[kind, name] : expected) {
        QCOMPARE(stepKindName(kind), name);
        QCOMPARE(stepKindFromName(name), std::optional<StepKind>(kind));
    }
}

void TestRunbook::stepStateNames()
{
    const QList<std::pair<StepState, QString>> expected {
        { StepState::Pending, QStringLiteral("pending") },
        { StepState::Running, QStringLiteral("running") },
        { StepState::Succeeded, QStringLiteral("succeeded") },
        { StepState::Failed, QStringLiteral("failed") },
        { StepState::Skipped, QStringLiteral("skipped") },
        { StepState::Undone, QStringLiteral("undone") },
        { StepState::UndoFailed, QStringLiteral("undo-failed") },
    };
    for (const auto &[state, name] : expected) {
        QCOMPARE(stepStateName(state), name);
        QCOMPARE(stepStateFromName(name), std::optional<StepState>(state));
    }
}

void TestRunbook::runStateNames()
{
    const QList<std::pair<RunState, QString>> expected {
        { RunState::Running, QStringLiteral("running") },
        { RunState::Succeeded, QStringLiteral("succeeded") },
        { RunState::Failed, QStringLiteral("failed") },
        { RunState::Halted, QStringLiteral("halted") },
        { RunState::RolledBack, QStringLiteral("rolled-back") },
    };
    for (const auto &[state, name] : expected) {
        QCOMPARE(runStateName(state), name);
        QCOMPARE(runStateFromName(name), std::optional<RunState>(state));
    }
}

void TestRunbook::unknownNames()
{
    QVERIFY(!stepKindFromName(QStringLiteral("Gate")).has_value()); // names are exact
    QVERIFY(!stepStateFromName(QString()).has_value());
    QVERIFY(!runStateFromName(QStringLiteral("rolled back")).has_value());
    QCOMPARE(stepStateName(static_cast<StepState>(99)), QStringLiteral("unknown"));
}

QTEST_APPLESS_MAIN(TestRunbook)
#include "tst_runbook.moc"
