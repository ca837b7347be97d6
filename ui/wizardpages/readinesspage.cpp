#include "readinesspage.h"

#include "../failoverwizard.h"
#include "../statestyle.h"
#include "../syncindexdialog.h"
#include "failover/failovercontroller.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace dr::ui {

namespace {

enum Column { OutcomeColumn, GateColumn, ReasonColumn, RemedyColumn };

// The state word StateStyle knows for a gate outcome: the same colours and symbols as the
// rest of the console.
QString stateWord(GateOutcome outcome)
{
    switch (outcome) {
    case GateOutcome::Pass:
        return QStringLiteral("ok");
    case GateOutcome::Fail:
        return QStringLiteral("critical");
    case GateOutcome::Overridden:
        return QStringLiteral("warning");
    case GateOutcome::Skipped:
        break;
    }
    return QStringLiteral("unknown");
}

} // namespace

ReadinessPage::ReadinessPage(FailoverWizard *wizard)
    : m_wizard(wizard)
    , m_view(new QTreeWidget(this))
    , m_state(new QLabel(this))
    , m_blocked(new QLabel(this))
    , m_recheck(new QPushButton(tr("Re-&check"), this))
    , m_sync(new QPushButton(tr("&Sync index now\u2026"), this))
    , m_timer(new QTimer(this))
{
    setObjectName(QStringLiteral("readinessPage"));
    setTitle(tr("Readiness"));
    setSubTitle(tr("Every gate must pass before traffic may move. Checked again every %1 s while this page is shown.")
            .arg(kRecheckMs / 1000));
    m_view->setObjectName(QStringLiteral("gates"));
    m_view->setAccessibleName(tr("Readiness gates"));
    m_view->setRootIsDecorated(false);
    m_view->setHeaderLabels({ tr("Outcome"), tr("Gate"), tr("Reason"), tr("Remedy") });
    m_view->setWordWrap(true);
    m_view->header()->setSectionResizeMode(OutcomeColumn, QHeaderView::ResizeToContents);
    m_view->header()->setSectionResizeMode(GateColumn, QHeaderView::ResizeToContents);
    m_view->header()->setSectionResizeMode(ReasonColumn, QHeaderView::Stretch);
    m_state->setObjectName(QStringLiteral("readinessState"));
    m_state->setWordWrap(true);
    m_blocked->setObjectName(QStringLiteral("blockedReason"));
    m_blocked->setWordWrap(true);
    m_blocked->setAccessibleName(tr("Why Next is disabled"));
    m_recheck->setObjectName(QStringLiteral("recheck"));
    m_sync->setObjectName(QStringLiteral("syncIndexNow"));
    m_sync->setAccessibleDescription(tr("Opens the index sync from the serving region to the target"));
    m_sync->setVisible(false);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_recheck);
    buttons->addWidget(m_sync);
    buttons->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_state);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_blocked);
    layout->addLayout(buttons);

    m_timer->setInterval(kRecheckMs);
    connect(m_timer, &QTimer::timeout, this, &ReadinessPage::recheck);
    connect(m_recheck, &QPushButton::clicked, this, &ReadinessPage::recheck);
    connect(m_sync, &QPushButton::clicked, this, &ReadinessPage::openSyncDialog);
}

void ReadinessPage::initializePage()
{
    m_gates.clear();
    m_answered = false;
    m_view->clear();
    recheck();
}

void ReadinessPage::cleanupPage()
{
    m_timer->stop();
    ++m_generation; // an answer still on its way is for a request that no longer holds
    m_checking = false;
}

void ReadinessPage::showEvent(QShowEvent *event)
{
    QWizardPage::showEvent(event);
    m_timer->start();
}

void ReadinessPage::hideEvent(QHideEvent *event)
{
    m_timer->stop();
    QWizardPage::hideEvent(event);
}

void ReadinessPage::recheck()
{
    if (m_checking)
        return;
    m_checking = true;
    m_recheck->setEnabled(false);
    m_state->setText(tr("Checking every gate (a fresh status snapshot)\u2026"));
    const quint64 generation = ++m_generation;
    const QPointer<ReadinessPage> self = this;
    m_wizard->controller()->checkReadiness(m_wizard->request(),
        [self, generation](Result<QList<GateResult>> gates, QJsonObject) {
            if (!self || generation != self->m_generation)
                return;
            self->m_checking = false;
            self->m_recheck->setEnabled(true);
            self->m_answered = true;
            if (!gates) {
                self->m_error = gates.error();
                self->m_gates.clear();
                self->m_view->clear();
                self->m_state->setText(tr("The gates could not be checked: %1").arg(gates.error()));
                self->m_blocked->setText(tr("Next is disabled: the gates could not be checked."));
                self->m_sync->setVisible(false);
                Q_EMIT self->completeChanged();
                return;
            }
            self->m_error.clear();
            self->show(*gates);
        });
}

void ReadinessPage::show(const QList<GateResult> &judged)
{
    // Who runs it is judged on the sign-in page: core skips the role and approval gates until
    // someone has signed in, and the runbook's own gate steps judge them again at start.
    const QList<GateResult> &gates = judged;
    m_gates = gates;
    m_view->clear();
    bool indexLagFails = false;
    for (const GateResult &g : gates) {
        const QString word = stateWord(g.outcome);
        const StateStyle::Severity severity = StateStyle::severityOf(word);
        auto *item = new QTreeWidgetItem(m_view);
        item->setText(OutcomeColumn,
            StateStyle::symbol(severity) + u' ' + gateOutcomeName(g.outcome).toUpper());
        item->setBackground(OutcomeColumn, StateStyle::background(severity, false));
        item->setForeground(OutcomeColumn, StateStyle::foreground(severity, false));
        item->setText(GateColumn, g.title);
        item->setText(ReasonColumn, g.reason);
        item->setText(RemedyColumn, g.outcome == GateOutcome::Fail ? g.remedy : QString());
        item->setData(GateColumn, Qt::UserRole, g.id);
        item->setToolTip(ReasonColumn, g.reason);
        item->setData(GateColumn, Qt::AccessibleDescriptionRole,
            tr("%1: %2. %3").arg(g.title, gateOutcomeName(g.outcome), g.reason));
        if (g.id == u"gate.index-lag" && g.outcome != GateOutcome::Pass && g.outcome != GateOutcome::Skipped)
            indexLagFails = true;
    }
    m_sync->setVisible(indexLagFails);
    m_state->setText(gatesAllow(gates) ? tr("Ready: every gate passed, was skipped or was overridden.")
                                       : tr("Not ready."));
    m_blocked->setText(blockedReason());
    Q_EMIT completeChanged();
}

QString ReadinessPage::blockedReason() const
{
    if (!m_answered)
        return tr("Next is disabled until the gates have been checked.");
    if (!m_error.isEmpty())
        return tr("Next is disabled: the gates could not be checked.");
    if (gatesAllow(m_gates))
        return {};
    QStringList fixed, overridable;
    for (const GateResult &g : m_gates) {
        if (g.outcome != GateOutcome::Fail)
            continue;
        (g.overridable ? overridable : fixed).append(g.title);
    }
    QStringList why;
    if (!fixed.isEmpty())
        why << tr("%1 must pass (break-glass cannot override it)").arg(fixed.join(tr("; ")));
    if (!overridable.isEmpty()) {
        why << (m_wizard->request().breakGlassReason.isEmpty()
                ? tr("%1 fails (break-glass with a reason, on the first page, may override it)")
                      .arg(overridable.join(tr("; ")))
                : tr("%1 fails").arg(overridable.join(tr("; "))));
    }
    return tr("Next is disabled: %1.").arg(why.join(tr("; and ")));
}

bool ReadinessPage::isComplete() const
{
    return m_answered && m_error.isEmpty() && gatesAllow(m_gates);
}

void ReadinessPage::openSyncDialog()
{
    const FlowRequest &r = m_wizard->request();
    // Failback syncs what changed on the standby back to the primary: the same direction as
    // the traffic move, from the region serving now to the target.
    auto *dialog = new SyncIndexDialog(m_wizard->controller()->profile(), r.source, r.target, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::finished, this, &ReadinessPage::recheck);
    dialog->open();
}

} // namespace dr::ui
