#pragma once

// Page 2: every readiness gate, live (FailoverController::checkReadiness() now and every
// ~10 s while shown), with its outcome, reason and remedy. Next stays disabled while a gate
// fails, unless break-glass was asked with a reason and every failing gate is overridable
// (core's gatesAllow() judges; the page says exactly why Next is disabled). An index lag
// failure offers "Sync index now".

#include "failover/gates.h"

#include <QWizardPage>

class QLabel;
class QPushButton;
class QTimer;
class QTreeWidget;

namespace dr::ui {

class FailoverWizard;

class ReadinessPage : public QWizardPage
{
    Q_OBJECT

public:
    static constexpr int kRecheckMs = 10000;

    explicit ReadinessPage(FailoverWizard *wizard);

    void initializePage() override;
    void cleanupPage() override;
    bool isComplete() const override;

    void recheck();
    bool hasAnswer() const { return m_answered; }
    const QList<GateResult> &gates() const { return m_gates; }
    QString blockedReason() const; // empty when Next is allowed
    QTreeWidget *gateView() const { return m_view; }
    QPushButton *recheckButton() const { return m_recheck; }
    QPushButton *syncButton() const { return m_sync; }

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void show(const QList<GateResult> &gates);
    void openSyncDialog();

    FailoverWizard *m_wizard;
    QTreeWidget *m_view;
    QLabel *m_state;
    QLabel *m_blocked;
    QPushButton *m_recheck;
    QPushButton *m_sync;
    QTimer *m_timer;
    QList<GateResult> m_gates;
    QString m_error;
    bool m_answered = false;
    bool m_checking = false;
    quint64 m_generation = 0;
};

} // namespace dr::ui
