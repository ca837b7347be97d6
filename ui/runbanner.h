#pragma once

// The prominent bar at the top of the console for what the operator must not miss about
// runs: an interrupted (or halted) run to resume or roll back, the run in progress (kind,
// step, elapsed) with a way back to its wizard, or why failovers are unavailable (the
// controller could not be prepared). Exposed to assistive technology as an alert.

#include "runbook/runjournal.h"

#include <QDateTime>
#include <QFrame>

class QLabel;
class QPushButton;
class QTimer;

namespace dr::ui {

class RunBanner : public QFrame
{
    Q_OBJECT

public:
    enum class Mode { Hidden, Interrupted, Running, Error };

    explicit RunBanner(QWidget *parent = nullptr);

    // "Run ID (planned failover to north) was interrupted at step N: TITLE"; `more` other
    // interrupted runs are mentioned after it.
    void showInterrupted(const RunRecord &run, const QList<StepRecord> &steps, int more = 0);
    void showRunning(const QString &runId, const QString &kind, const QString &target, const QDateTime &started);
    void setRunningStep(int index, int count, const QString &title);
    void showError(const QString &message);
    void clear();

    Mode mode() const { return m_mode; }
    QString runId() const { return m_runId; }
    QString text() const;
    // "planned failover to north": how the banner and the wizard name a run.
    static QString describe(const RunRecord &run);
    static QString describe(const QString &kind, const QString &target);
    // The step an interrupted run stopped at: the running one, else the first failed or
    // undone, else the first pending; -1 when none.
    static int stoppedAt(const QList<StepRecord> &steps);

    QPushButton *resumeButton() const { return m_resume; }
    QPushButton *rollbackButton() const { return m_rollback; }
    QPushButton *showButton() const { return m_show; }

Q_SIGNALS:
    void resumeRequested(const QString &runId, const QString &description);
    void rollbackRequested(const QString &runId, const QString &description);
    void showRequested();

private:
    void setMode(Mode mode, const QString &background);
    void updateRunningText();

    Mode m_mode = Mode::Hidden;
    QString m_runId;
    QString m_description;
    QDateTime m_started;
    QString m_step;
    QLabel *m_text;
    QPushButton *m_resume;
    QPushButton *m_rollback;
    QPushButton *m_show;
    QTimer *m_tick;
};

} // namespace dr::ui
