#include "failoverwizard.h"

#include "failover/failovercontroller.h"
#include "wizardpages/executepage.h"
#include "wizardpages/flowpage.h"
#include "wizardpages/notespage.h"
#include "wizardpages/planpage.h"
#include "wizardpages/readinesspage.h"
#include "wizardpages/signinpage.h"
#include "wizardpages/summarypage.h"

#include <QMessageBox>

namespace dr::ui {

FailoverWizard::FailoverWizard(FailoverController *controller, Flow flow, QWidget *parent)
    : FailoverWizard(controller, flow, false, parent)
{
}

FailoverWizard::FailoverWizard(FailoverController *controller, Flow flow, bool resume, QWidget *parent)
    : QWizard(parent)
    , m_controller(controller)
    , m_resume(resume)
    , m_flowPage(new FlowPage(this, flow))
    , m_readinessPage(new ReadinessPage(this))
    , m_planPage(new PlanPage(this))
    , m_signInPage(new SignInPage(this))
    , m_executePage(new ExecutePage(this))
    , m_summaryPage(new SummaryPage(this))
    , m_notesPage(new NotesPage(this))
{
    setObjectName(QStringLiteral("failoverWizard"));
    setWindowTitle(tr("Failover, failback and drills"));
    setAccessibleName(windowTitle());
    // Classic: the modern styles draw a banner that wastes height on a 1280x800 screen.
    setWizardStyle(QWizard::ClassicStyle);
    setOption(QWizard::NoBackButtonOnStartPage);
    setOption(QWizard::NoCancelButtonOnLastPage);
    m_request.flow = flow;
    setPage(FlowPageId, m_flowPage);
    setPage(ReadinessPageId, m_readinessPage);
    setPage(PlanPageId, m_planPage);
    setPage(SignInPageId, m_signInPage);
    setPage(ExecutePageId, m_executePage);
    setPage(SummaryPageId, m_summaryPage);
    setPage(NotesPageId, m_notesPage);
    if (resume)
        setStartId(SignInPageId);
    resize(960, 680);
    connect(m_executePage, &ExecutePage::runStopped, this, [this] {
        if (m_closeWhenStopped)
            QWizard::reject();
    });
}

FailoverWizard *FailoverWizard::forResume(FailoverController *controller, const QString &runId,
    const QString &description, bool rollback, QWidget *parent)
{
    auto *w = new FailoverWizard(controller, Flow::PlannedFailover, true, parent);
    w->m_runId = runId;
    w->m_rollback = rollback;
    w->m_resumeDescription = description;
    w->setWindowTitle(rollback ? tr("Roll back run %1").arg(runId) : tr("Resume run %1").arg(runId));
    return w;
}

FailoverWizard::~FailoverWizard() = default;

bool FailoverWizard::runInProgress() const
{
    return m_executePage->started() && !m_executePage->finished();
}

Result<void> FailoverWizard::startRun()
{
    if (!operatorSignedIn)
        return fail(tr("Nobody is signed in"));
    if (m_resume) {
        if (auto r = m_controller->resume(m_runId, *operatorSignedIn, approverSignedIn, m_rollback); !r)
            return r;
    } else {
        auto id = m_controller->start(m_request);
        if (!id)
            return fail(id.error());
        m_runId = *id;
    }
    m_executePage->attach();
    Q_EMIT runStarted(m_runId);
    return {};
}

void FailoverWizard::reject()
{
    if (!runInProgress()) {
        QWizard::reject();
        return;
    }
    askToHaltAndClose();
}

void FailoverWizard::askToHaltAndClose()
{
    // open(), not exec(): the engine's signals keep arriving while the question is shown.
    auto *box = new QMessageBox(QMessageBox::Warning, tr("A run is in progress"),
        tr("Run %1 is in progress. Closing the wizard halts it after the step in progress; its "
           "state is kept so that it can be resumed or rolled back later. Halt and close?")
            .arg(m_runId),
        QMessageBox::Yes | QMessageBox::No, this);
    box->setObjectName(QStringLiteral("haltAndCloseQuestion"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setDefaultButton(QMessageBox::No);
    connect(box, &QMessageBox::finished, this, [this](int answer) {
        if (answer != QMessageBox::Yes || !runInProgress())
            return;
        m_closeWhenStopped = true;
        m_executePage->haltNow();
    });
    box->open();
}

} // namespace dr::ui
