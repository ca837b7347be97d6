#pragma once

// Page 1: which flow, from where to where (defaultRequest() on the region serving now) and,
// for an emergency, break-glass with its reason (core decides whether the operator may).

#include "failover/gates.h"

#include <QWizardPage>

class QButtonGroup;
class QCheckBox;
class QLabel;
class QLineEdit;

namespace dr::ui {

class FailoverWizard;

class FlowPage : public QWizardPage
{
    Q_OBJECT

public:
    FlowPage(FailoverWizard *wizard, Flow preselected);

    void initializePage() override;
    bool isComplete() const override;
    bool validatePage() override;

    Flow flow() const;
    void setFlow(Flow flow);
    QString servingRegion() const { return m_serving; }
    QString routeText() const;   // "from west to north", or why the flow cannot run now
    QCheckBox *breakGlassBox() const { return m_breakGlass; }
    QLineEdit *breakGlassReasonEdit() const { return m_reason; }
    static QString explanation(Flow flow);

private:
    void readServingRegion();
    void updateRequest();

    FailoverWizard *m_wizard;
    QButtonGroup *m_flows;
    QLabel *m_route;
    QCheckBox *m_breakGlass;
    QLineEdit *m_reason;
    QString m_serving;
    QString m_error;
    bool m_requestOk = false;
    quint64 m_generation = 0;
};

} // namespace dr::ui
