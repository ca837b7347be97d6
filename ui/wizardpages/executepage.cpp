#include "executepage.h"

#include "../failoverwizard.h"
#include "failover/failovercontroller.h"
#include "runstepmodel.h"

#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

namespace dr::ui {

namespace {

// When the engine has said the run finished but the controller has not (it records the run's
// measurements first), the page still stops waiting after this long.
constexpr int kFinishGraceMs = 3000;

QString clockText(qint64 seconds)
{
    return QStringLiteral("%1:%2").arg(seconds / 60).arg(seconds % 60, 2, 10, QLatin1Char('0'));
}

} // namespace

ExecutePage::ExecutePage(FailoverWizard *wizard)
    : m_wizard(wizard)
    , m_model(new RunStepModel(this))
    , m_view(new QTreeView(this))
    , m_log(new QPlainTextEdit(this))
    , m_status(new QLabel(this))
    , m_elapsed(new QLabel(this))
    , m_rtoBar(new QProgressBar(this))
    , m_halt(new QPushButton(tr("&Halt\u2026"), this))
    , m_cancelRun(new QPushButton(tr("Cancel and &roll back\u2026"), this))
    , m_ackBox(new QFrame(this))
    , m_ackPrompt(new QLabel(m_ackBox))
    , m_ack(new QPushButton(tr("&Acknowledge"), m_ackBox))
    , m_decline(new QPushButton(tr("&Decline"), m_ackBox))
    , m_declineReason(new QLineEdit(m_ackBox))
    , m_clock(new QTimer(this))
{
    setObjectName(QStringLiteral("executePage"));
    setTitle(tr("Execute"));
    m_view->setObjectName(QStringLiteral("runSteps"));
    m_view->setAccessibleName(tr("Run steps"));
    m_view->setModel(m_model);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->header()->setStretchLastSection(true);
    m_view->header()->setSectionResizeMode(RunStepModel::StateColumn, QHeaderView::ResizeToContents);
    m_view->header()->setSectionResizeMode(RunStepModel::TitleColumn, QHeaderView::ResizeToContents);
    m_log->setObjectName(QStringLiteral("runLog"));
    m_log->setAccessibleName(tr("Run log"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_status->setObjectName(QStringLiteral("runStatus"));
    m_status->setWordWrap(true);
    m_status->setAccessibleName(tr("Run status"));
    m_elapsed->setObjectName(QStringLiteral("elapsed"));
    m_rtoBar->setObjectName(QStringLiteral("rtoProgress"));
    m_rtoBar->setAccessibleName(tr("Elapsed time against the RTO objective"));
    m_halt->setObjectName(QStringLiteral("halt"));
    m_halt->setAccessibleDescription(tr("Stops after the step in progress and keeps the state for resume or roll back"));
    m_cancelRun->setObjectName(QStringLiteral("cancelRun"));
    m_cancelRun->setAccessibleDescription(tr("Stops after the step in progress and undoes the completed reversible steps"));

    // The acknowledgement: in the page (not a dialog) so it cannot hide behind the console.
    m_ackBox->setObjectName(QStringLiteral("acknowledgement"));
    m_ackBox->setFrameShape(QFrame::StyledPanel);
    m_ackBox->setAccessibleName(tr("Acknowledgement needed"));
    m_ackBox->setStyleSheet(QStringLiteral("QFrame#acknowledgement { background: #fff4ce; border: 2px solid #b58100; }"));
    m_ackPrompt->setObjectName(QStringLiteral("acknowledgementPrompt"));
    m_ackPrompt->setWordWrap(true);
    m_ack->setObjectName(QStringLiteral("acknowledge"));
    m_decline->setObjectName(QStringLiteral("decline"));
    m_declineReason->setObjectName(QStringLiteral("declineReason"));
    m_declineReason->setPlaceholderText(tr("Reason for declining (recorded)"));
    m_declineReason->setAccessibleName(tr("Reason for declining"));
    auto *ackButtons = new QHBoxLayout;
    ackButtons->addWidget(m_ack);
    ackButtons->addWidget(m_decline);
    ackButtons->addWidget(m_declineReason, 1);
    auto *ackLayout = new QVBoxLayout(m_ackBox);
    ackLayout->addWidget(m_ackPrompt);
    ackLayout->addLayout(ackButtons);
    m_ackBox->setVisible(false);

    auto *timeRow = new QHBoxLayout;
    timeRow->addWidget(m_elapsed);
    timeRow->addWidget(m_rtoBar, 1);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_halt);
    buttons->addWidget(m_cancelRun);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_view);
    split->addWidget(m_log);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_status);
    layout->addLayout(timeRow);
    layout->addWidget(m_ackBox);
    layout->addWidget(split, 1);
    layout->addLayout(buttons);

    m_halt->setEnabled(false);
    m_cancelRun->setEnabled(false);
    m_clock->setInterval(1000);
    connect(m_clock, &QTimer::timeout, this, &ExecutePage::updateElapsed);

    connect(m_halt, &QPushButton::clicked, this, [this] {
        confirmThen(tr("Halt the run after the step in progress? Its state is kept: it can be resumed or rolled back later."),
            [this] { haltNow(); });
    });
    connect(m_cancelRun, &QPushButton::clicked, this, [this] {
        confirmThen(tr("Cancel the run after the step in progress and undo every completed reversible step?"),
            [this] {
                m_status->setText(tr("Cancelling: undoing the completed reversible steps\u2026"));
                m_wizard->controller()->engine()->cancel(operatorName());
            });
    });
    connect(m_ack, &QPushButton::clicked, this, [this] {
        if (m_ackIndex < 0)
            return;
        const int index = m_ackIndex;
        m_ackIndex = -1;
        m_ackBox->setVisible(false);
        m_wizard->controller()->engine()->acknowledge(index, operatorName());
    });
    connect(m_decline, &QPushButton::clicked, this, [this] {
        if (m_ackIndex < 0)
            return;
        const QString reason = m_declineReason->text().trimmed();
        if (reason.isEmpty()) {
            m_declineReason->setFocus();
            m_ackPrompt->setText(acknowledgementPrompt() + u"\n\n" + tr("Say why you decline before declining."));
            return;
        }
        const int index = m_ackIndex;
        m_ackIndex = -1;
        m_ackBox->setVisible(false);
        m_wizard->controller()->engine()->decline(index, operatorName(), reason);
    });

    FailoverController *controller = m_wizard->controller();
    RunbookEngine *engine = controller->engine();
    // Connected once, used only while this wizard's run is the engine's: another wizard (or
    // drctl in this process) must not write into this page.
    const auto mine = [this] { return m_started && !m_finished; };
    connect(engine, &RunbookEngine::stepStarted, this, [this, mine](int index, int attempt) {
        if (!mine())
            return;
        m_model->stepStarted(index, attempt, QDateTime::currentDateTimeUtc());
        if (index >= 0 && index < m_model->size())
            m_status->setText(tr("Step %1 of %2: %3").arg(index + 1).arg(m_model->size()).arg(m_model->row(index).title));
        m_view->scrollTo(m_model->index(index, 0));
    });
    connect(engine, &RunbookEngine::stepFinished, this, [this, mine](int index, StepState state, const QString &detail) {
        if (!mine())
            return;
        m_model->stepFinished(index, state, detail, QDateTime::currentDateTimeUtc());
        if (index == m_ackIndex) { // answered elsewhere (auto-acknowledge, a timeout)
            m_ackIndex = -1;
            m_ackBox->setVisible(false);
        }
    });
    connect(engine, &RunbookEngine::acknowledgementNeeded, this, [this, mine](int index, const QString &prompt) {
        if (!mine())
            return;
        m_ackIndex = index;
        m_ackPrompt->setText(prompt);
        m_ackBox->setAccessibleDescription(prompt);
        m_declineReason->clear();
        m_ackBox->setVisible(true);
        m_ack->setFocus();
    });
    connect(engine, &RunbookEngine::logLine, this, [this, mine](const QString &line) {
        if (mine())
            m_log->appendPlainText(line);
    });
    connect(engine, &RunbookEngine::runFinished, this, [this, mine](RunState state, const QString &outcome) {
        if (!mine())
            return;
        const QPointer<ExecutePage> self = this;
        QTimer::singleShot(kFinishGraceMs, this, [self, state, outcome] {
            if (self && !self->m_finished && self->m_started)
                self->onRunFinished(state, outcome);
        });
    });
    connect(controller, &FailoverController::runFinished, this,
        [this, mine](const QString &runId, RunState state, const QString &outcome) {
            if (mine() && runId == m_wizard->runId())
                onRunFinished(state, outcome);
        });
}

QString ExecutePage::operatorName() const
{
    return m_wizard->operatorSignedIn ? m_wizard->operatorSignedIn->name : QString();
}

void ExecutePage::attach()
{
    m_started = true;
    m_finished = false;
    m_finalState.reset();
    m_startedAt = QDateTime::currentDateTimeUtc();
    loadSteps();
    if (m_wizard->isResume()) {
        // Elapsed counts from the run's start, as its measured RTO does.
        if (const auto run = m_wizard->controller()->journal()->run(m_wizard->runId()); run && *run && (*run)->started.isValid())
            m_startedAt = (*run)->started;
    }
    m_status->setText(m_wizard->isResume() && m_wizard->isRollback()
            ? tr("Rolling back run %1\u2026").arg(m_wizard->runId())
            : tr("Run %1 started.").arg(m_wizard->runId()));
    m_halt->setEnabled(true);
    m_cancelRun->setEnabled(true);
    const int rto = m_wizard->controller()->profile().objectives.rtoSeconds;
    m_rtoBar->setRange(0, qMax(1, rto));
    m_rtoBar->setFormat(tr("%v s of the %m s RTO objective"));
    updateElapsed();
    m_clock->start();
}

void ExecutePage::loadSteps()
{
    const auto steps = m_wizard->controller()->journal()->steps(m_wizard->runId());
    if (steps && !steps->isEmpty()) {
        m_model->setSteps(*steps);
        return;
    }
    m_model->setSteps(m_wizard->controller()->engine()->runbook().steps);
}

void ExecutePage::initializePage()
{
    setTitle(m_wizard->isResume() && m_wizard->isRollback() ? tr("Roll back") : tr("Execute"));
    Q_EMIT completeChanged();
}

bool ExecutePage::isComplete() const
{
    return m_finished;
}

QString ExecutePage::errorText() const
{
    return m_error;
}

QString ExecutePage::elapsedText() const
{
    return m_elapsed->text();
}

QString ExecutePage::acknowledgementPrompt() const
{
    return m_ackBox->accessibleDescription();
}

void ExecutePage::updateElapsed()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const qint64 seconds = qMax<qint64>(0, m_startedAt.secsTo(now));
    const int rto = m_wizard->controller()->profile().objectives.rtoSeconds;
    m_elapsed->setText(tr("Elapsed %1 (RTO objective %2)").arg(clockText(seconds), clockText(rto)));
    m_rtoBar->setValue(int(qMin<qint64>(seconds, m_rtoBar->maximum())));
    // Past the objective the bar says so in words too, not by colour alone.
    if (seconds > rto)
        m_rtoBar->setFormat(tr("%1 s: over the %2 s RTO objective").arg(seconds).arg(rto));
    m_model->tick(now);
}

void ExecutePage::haltNow()
{
    if (!m_started || m_finished)
        return;
    m_status->setText(tr("Halting after the step in progress\u2026"));
    m_wizard->controller()->engine()->halt(operatorName());
}

void ExecutePage::confirmThen(const QString &question, const std::function<void()> &yes)
{
    if (m_confirm)
        return;
    m_confirm = new QMessageBox(QMessageBox::Question, m_wizard->windowTitle(), question,
        QMessageBox::Yes | QMessageBox::No, this);
    m_confirm->setObjectName(QStringLiteral("confirmation"));
    m_confirm->setDefaultButton(QMessageBox::No);
    m_confirm->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_confirm, &QMessageBox::finished, this, [this, yes](int answer) {
        m_confirm = nullptr;
        if (answer == QMessageBox::Yes && m_started && !m_finished)
            yes();
    });
    m_confirm->open();
}

void ExecutePage::onRunFinished(RunState state, const QString &outcome)
{
    if (m_finished)
        return;
    m_finished = true;
    m_finalState = state;
    m_outcome = outcome;
    m_clock->stop();
    updateElapsed();
    m_ackBox->setVisible(false);
    m_ackIndex = -1;
    m_halt->setEnabled(false);
    m_cancelRun->setEnabled(false);
    if (m_confirm)
        m_confirm->reject();
    loadSteps(); // the journal's final word on every step (undone ones included)
    m_status->setText(tr("Run %1 %2: %3").arg(m_wizard->runId(), runStateName(state), outcome));
    m_status->setAccessibleDescription(m_status->text());
    Q_EMIT completeChanged();
    Q_EMIT runStopped();
}

} // namespace dr::ui
