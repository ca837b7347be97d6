#pragma once

// Page 5: runs it. Starts the run (FailoverController::start()) or resumes / rolls back an
// interrupted one (resume()), then shows the live step list, the run log and the elapsed time
// against the profile's RTO objective. Halt (keep the state) and Cancel (roll back) ask for
// confirmation first. An acknowledgement step shows its prompt inside the page with
// Acknowledge and Decline. Next is enabled once the run has finished.

#include "runbook/runbook.h"

#include <QDateTime>
#include <QWizardPage>

class QFrame;
class QLabel;
class QLineEdit;
class QMessageBox;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTimer;
class QTreeView;

namespace dr::ui {

class FailoverWizard;
class RunStepModel;

class ExecutePage : public QWizardPage
{
    Q_OBJECT

public:
    explicit ExecutePage(FailoverWizard *wizard);

    void initializePage() override;
    bool isComplete() const override;

    bool started() const { return m_started; }
    bool finished() const { return m_finished; }
    std::optional<RunState> finalState() const { return m_finalState; }
    QString outcome() const { return m_outcome; }
    QString errorText() const;
    QString elapsedText() const;

    RunStepModel *stepModel() const { return m_model; }
    QTreeView *stepView() const { return m_view; }
    QPlainTextEdit *logView() const { return m_log; }
    QProgressBar *rtoBar() const { return m_rtoBar; }
    QPushButton *haltButton() const { return m_halt; }
    QPushButton *cancelRunButton() const { return m_cancelRun; }
    // The acknowledgement in the page: visible while a step waits for it.
    QFrame *acknowledgementBox() const { return m_ackBox; }
    QPushButton *acknowledgeButton() const { return m_ack; }
    QPushButton *declineButton() const { return m_decline; }
    QLineEdit *declineReasonEdit() const { return m_declineReason; }
    QString acknowledgementPrompt() const;
    // The confirmation of Halt or Cancel while it is open (tests answer it).
    QMessageBox *confirmation() const { return m_confirm; }

    // The run has started (or been resumed): follow it from now on.
    void attach();
    // Asks the engine to halt (the wizard is closing); no confirmation.
    void haltNow();

Q_SIGNALS:
    void runStopped();

private:
    void loadSteps();
    void updateElapsed();
    void confirmThen(const QString &question, const std::function<void()> &yes);
    void onRunFinished(RunState state, const QString &outcome);
    QString operatorName() const;

    FailoverWizard *m_wizard;
    RunStepModel *m_model;
    QTreeView *m_view;
    QPlainTextEdit *m_log;
    QLabel *m_status;
    QLabel *m_elapsed;
    QProgressBar *m_rtoBar;
    QPushButton *m_halt;
    QPushButton *m_cancelRun;
    QFrame *m_ackBox;
    QLabel *m_ackPrompt;
    QPushButton *m_ack;
    QPushButton *m_decline;
    QLineEdit *m_declineReason;
    QMessageBox *m_confirm = nullptr;
    QTimer *m_clock;
    QDateTime m_startedAt;
    int m_ackIndex = -1;
    bool m_started = false;
    bool m_finished = false;
    std::optional<RunState> m_finalState;
    QString m_outcome;
    QString m_error;
};

} // namespace dr::ui
