#pragma once

// The runs of the open profile (the "Runs" dock): the journal's runs newest first, and for
// the selected run its steps and log. Refreshed when a run finishes (MainWindow calls
// refresh() on FailoverController::runFinished) and on demand (the Refresh button, F5 in the
// table). Actions on the selected run:
// - Export report…: emits exportReportRequested(); the main window opens the export dialog;
// - Record verdict…: an operator signs in (FailoverController::signIn, audited; PBKDF2 on the
//   GUI thread behind a busy cursor, as the wizard's sign-in page) and records pass/fail with
//   a note (recordVerdict); only for runs that ended, and only for roles that may run a
//   failover (authorise(Permission::RunFailover), as drctl does);
// - Attach traffic measurement…: a `drlab traffic --json` file, kept with attachTraffic().
// Without a controller (setJournal() only) the list works and the two recording actions say
// why they are unavailable.

#include <QPointer>
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace dr {
class FailoverController;
class RunJournal;
struct RunRecord;
} // namespace dr

namespace dr::ui {

class RunStepModel;
class RunsModel;

class RunsView : public QWidget
{
    Q_OBJECT

public:
    explicit RunsView(QWidget *parent = nullptr);

    // The journal to list (not owned; null: "no profile open"). setController() uses its
    // controller's journal and enables the recording actions.
    void setJournal(RunJournal *journal);
    void setController(FailoverController *controller);
    // Re-reads the journal, keeping the selection when the run is still listed.
    void refresh();
    QString selectedRunId() const;
    bool selectRun(const QString &runId);

    // For tests.
    RunsModel *model() const { return m_model; }
    RunStepModel *stepModel() const { return m_steps; }
    QTableView *table() const { return m_table; }
    QTableView *stepTable() const { return m_stepTable; }
    QPlainTextEdit *logView() const { return m_log; }
    QLabel *messageLabel() const { return m_message; }
    QPushButton *exportButton() const { return m_export; }
    QPushButton *verdictButton() const { return m_verdict; }
    QPushButton *trafficButton() const { return m_traffic; }
    // Attaches a traffic summary file to the selected run (what the file dialog leads to).
    bool attachTrafficFile(const QString &path);

Q_SIGNALS:
    void exportReportRequested(const QString &runId);
    // A verdict or a traffic measurement was recorded (the drill warning may change).
    void runChanged(const QString &runId);

private:
    void showSelected();
    void updateActions();
    void openVerdictDialog();
    void chooseTrafficFile();
    void showMessage(const QString &text, bool error);
    const RunRecord *selectedRun() const;

    QPointer<FailoverController> m_controller;
    RunJournal *m_journal = nullptr;
    RunsModel *m_model;
    RunStepModel *m_steps;
    QTableView *m_table;
    QTableView *m_stepTable;
    QPlainTextEdit *m_log;
    QLabel *m_message;
    QLabel *m_empty;
    QPushButton *m_refresh;
    QPushButton *m_export;
    QPushButton *m_verdict;
    QPushButton *m_traffic;
};

} // namespace dr::ui
