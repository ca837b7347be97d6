#pragma once

// The console's guided failover, failback, drill and readiness check: one QWizardPage per
// step of the operator's way (choose the flow, live readiness, plan review, sign-in, execute,
// verification and summary, notes). The wizard only walks what core decides: the request
// comes from defaultRequest(), the gates from FailoverController::checkReadiness(), the steps
// from plan(), the role checks from authorise() and checkTwoPersonRule(), the run from the
// controller's engine. It never decides anything itself.
//
// Resume: forResume() opens the wizard at the sign-in page for an interrupted or halted run;
// the execute page then calls FailoverController::resume() (or rolls back).
//
// Closing the wizard while a run is in progress asks first and halts the run (its state is
// kept for resume) rather than abandoning it; the wizard closes once the engine has stopped.

#include "auth/operatordirectory.h"
#include "common/result.h"
#include "failover/flows.h"
#include "failover/gates.h"
#include "runbook/runbook.h"

#include <QJsonObject>
#include <QWizard>

#include <optional>

namespace dr {
class FailoverController;
}

namespace dr::ui {

class FlowPage;
class ReadinessPage;
class PlanPage;
class SignInPage;
class ExecutePage;
class SummaryPage;
class NotesPage;

class FailoverWizard : public QWizard
{
    Q_OBJECT

public:
    enum PageId { FlowPageId, ReadinessPageId, PlanPageId, SignInPageId, ExecutePageId,
        SummaryPageId, NotesPageId };

    // A new run of `flow` (preselected on the first page).
    FailoverWizard(FailoverController *controller, Flow flow, QWidget *parent = nullptr);
    // Continue (rollback false) or roll back an interrupted or halted run.
    static FailoverWizard *forResume(FailoverController *controller, const QString &runId,
        const QString &description, bool rollback, QWidget *parent = nullptr);
    ~FailoverWizard() override;

    FailoverController *controller() const { return m_controller; }

    // What the operator asked so far (flow page, then sign-in adds who).
    FlowRequest &request() { return m_request; }
    const FlowRequest &request() const { return m_request; }
    bool isResume() const { return m_resume; }
    bool isRollback() const { return m_rollback; }
    QString resumeDescription() const { return m_resumeDescription; }

    // The run, once started (or the one being resumed).
    QString runId() const { return m_runId; }
    void setRunId(const QString &id) { m_runId = id; }
    bool runInProgress() const;
    // Starts the run (or resumes / rolls back the one given to forResume()) with the operator
    // signed in; the execute page follows it from then on.
    Result<void> startRun();

    // Set by the sign-in page, used to start the run and sign notes.
    std::optional<SignedInOperator> operatorSignedIn;
    std::optional<SignedInOperator> approverSignedIn;

    FlowPage *flowPage() const { return m_flowPage; }
    ReadinessPage *readinessPage() const { return m_readinessPage; }
    PlanPage *planPage() const { return m_planPage; }
    SignInPage *signInPage() const { return m_signInPage; }
    ExecutePage *executePage() const { return m_executePage; }
    SummaryPage *summaryPage() const { return m_summaryPage; }
    NotesPage *notesPage() const { return m_notesPage; }

public Q_SLOTS:
    void reject() override;

Q_SIGNALS:
    // The run this wizard drives started (or was resumed); for the main window's banner.
    void runStarted(const QString &runId);

private:
    FailoverWizard(FailoverController *controller, Flow flow, bool resume, QWidget *parent);
    void askToHaltAndClose();

    FailoverController *m_controller;
    FlowRequest m_request;
    bool m_resume = false;
    bool m_rollback = false;
    QString m_resumeDescription;
    QString m_runId;
    bool m_closeWhenStopped = false;

    FlowPage *m_flowPage;
    ReadinessPage *m_readinessPage;
    PlanPage *m_planPage;
    SignInPage *m_signInPage;
    ExecutePage *m_executePage;
    SummaryPage *m_summaryPage;
    NotesPage *m_notesPage;
};

} // namespace dr::ui
