#pragma once

// Page 3: the runbook the request would run (FailoverController::plan()), read-only: every
// step's kind, title, what it does, timeout, whether it is critical and reversible.

#include <QWizardPage>

class QLabel;
class QTreeWidget;

namespace dr::ui {

class FailoverWizard;

class PlanPage : public QWizardPage
{
    Q_OBJECT

public:
    explicit PlanPage(FailoverWizard *wizard);

    void initializePage() override;
    bool isComplete() const override;

    QTreeWidget *stepView() const { return m_view; }
    QString errorText() const;

private:
    FailoverWizard *m_wizard;
    QTreeWidget *m_view;
    QLabel *m_error;
    bool m_ok = false;
};

} // namespace dr::ui
