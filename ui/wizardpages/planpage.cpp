#include "planpage.h"

#include "../failoverwizard.h"
#include "failover/failovercontroller.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace dr::ui {

namespace {

enum Column { NumberColumn, KindColumn, TitleColumn, TimeoutColumn, CriticalColumn,
    ReversibleColumn, DescriptionColumn };

QString seconds(int ms)
{
    return ms % 1000 == 0 ? QStringLiteral("%1 s").arg(ms / 1000)
                          : QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 1);
}

} // namespace

PlanPage::PlanPage(FailoverWizard *wizard)
    : m_wizard(wizard)
    , m_view(new QTreeWidget(this))
    , m_error(new QLabel(this))
{
    setObjectName(QStringLiteral("planPage"));
    setTitle(tr("Plan review"));
    setSubTitle(tr("The steps the runbook will run, in order. Critical steps stop the run when they fail; reversible ones are undone then."));
    m_view->setObjectName(QStringLiteral("planSteps"));
    m_view->setAccessibleName(tr("Runbook steps"));
    m_view->setRootIsDecorated(false);
    m_view->setHeaderLabels({ tr("#"), tr("Kind"), tr("Step"), tr("Timeout"), tr("Critical"),
        tr("Reversible"), tr("What it does") });
    m_view->setWordWrap(true);
    for (int c = NumberColumn; c < DescriptionColumn; ++c)
        m_view->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_view->header()->setSectionResizeMode(DescriptionColumn, QHeaderView::Stretch);
    m_error->setObjectName(QStringLiteral("planError"));
    m_error->setWordWrap(true);
    m_error->setVisible(false);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_error);
    layout->addWidget(m_view, 1);
}

void PlanPage::initializePage()
{
    m_view->clear();
    const auto plan = m_wizard->controller()->plan(m_wizard->request());
    m_ok = bool(plan);
    m_error->setVisible(!m_ok);
    if (!plan) {
        m_error->setText(tr("The plan could not be built: %1").arg(plan.error()));
        Q_EMIT completeChanged();
        return;
    }
    m_error->clear();
    int n = 0;
    for (const Step &s : plan->steps) {
        auto *item = new QTreeWidgetItem(m_view);
        item->setText(NumberColumn, QString::number(++n));
        item->setText(KindColumn, stepKindName(s.kind));
        item->setText(TitleColumn, s.title);
        item->setText(TimeoutColumn, seconds(s.timeoutMs));
        item->setText(CriticalColumn, s.critical ? tr("critical") : tr("optional"));
        item->setText(ReversibleColumn, s.undo ? tr("reversible") : tr("no undo"));
        item->setText(DescriptionColumn, s.description);
        item->setToolTip(DescriptionColumn, s.description);
        item->setData(TitleColumn, Qt::UserRole, s.id);
    }
    Q_EMIT completeChanged();
}

bool PlanPage::isComplete() const
{
    return m_ok;
}

QString PlanPage::errorText() const
{
    return m_error->text();
}

} // namespace dr::ui
