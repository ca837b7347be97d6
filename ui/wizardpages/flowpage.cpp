#include "flowpage.h"

#include "../failoverwizard.h"
#include "failover/failovercontroller.h"
#include "failover/flows.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QRadioButton>
#include <QVBoxLayout>

namespace dr::ui {

namespace {

const QList<Flow> kFlows { Flow::PlannedFailover, Flow::UnplannedFailover, Flow::Failback,
    Flow::Drill, Flow::Readiness };

} // namespace

FlowPage::FlowPage(FailoverWizard *wizard, Flow preselected)
    : m_wizard(wizard)
    , m_flows(new QButtonGroup(this))
    , m_route(new QLabel(this))
    , m_breakGlass(new QCheckBox(tr("&Break-glass: override failing gates that allow it (audited)"), this))
    , m_reason(new QLineEdit(this))
{
    setObjectName(QStringLiteral("flowPage"));
    setTitle(tr("Choose what to do"));
    setSubTitle(tr("Every flow is a runbook defined by the profile; nothing moves until you sign in and start it."));
    auto *layout = new QVBoxLayout(this);
    const QList<QString> mnemonics { tr("&Planned failover"), tr("&Unplanned (forced) failover"),
        tr("&Failback"), tr("&Drill"), tr("&Readiness check") };
    for (qsizetype i = 0; i < kFlows.size(); ++i) {
        auto *button = new QRadioButton(mnemonics.at(i), this);
        button->setObjectName(flowName(kFlows.at(i)));
        button->setAccessibleName(flowTitle(kFlows.at(i)));
        button->setAccessibleDescription(explanation(kFlows.at(i)));
        auto *why = new QLabel(explanation(kFlows.at(i)), this);
        why->setWordWrap(true);
        why->setContentsMargins(24, 0, 0, 6);
        m_flows->addButton(button, int(i));
        layout->addWidget(button);
        layout->addWidget(why);
    }
    m_route->setObjectName(QStringLiteral("route"));
    m_route->setWordWrap(true);
    m_route->setAccessibleName(tr("Route"));
    layout->addWidget(m_route);

    m_breakGlass->setObjectName(QStringLiteral("breakGlass"));
    m_breakGlass->setAccessibleDescription(tr("Only operators whose role allows break-glass may use it; a reason is required"));
    m_reason->setObjectName(QStringLiteral("breakGlassReason"));
    m_reason->setPlaceholderText(tr("Why the gates must be overridden (recorded in the audit trail)"));
    m_reason->setAccessibleName(tr("Break-glass reason"));
    m_reason->setEnabled(false);
    auto *form = new QFormLayout;
    auto *reasonLabel = new QLabel(tr("Rea&son:"), this);
    reasonLabel->setBuddy(m_reason);
    form->addRow(reasonLabel, m_reason);
    layout->addSpacing(8);
    layout->addWidget(m_breakGlass);
    layout->addLayout(form);
    layout->addStretch(1);

    setFlow(preselected);
    connect(m_flows, &QButtonGroup::idClicked, this, [this] { updateRequest(); });
    connect(m_breakGlass, &QCheckBox::toggled, this, [this](bool on) {
        m_reason->setEnabled(on);
        Q_EMIT completeChanged();
    });
    connect(m_reason, &QLineEdit::textChanged, this, &FlowPage::completeChanged);
}

QString FlowPage::explanation(Flow flow)
{
    switch (flow) {
    case Flow::PlannedFailover:
        return tr("Both regions are up: sync the index, switch routing to the standby, verify; no data loss allowed.");
    case Flow::UnplannedFailover:
        return tr("The serving region is lost: switch to the standby anyway and record the data at risk.");
    case Flow::Failback:
        return tr("Return to the original primary after it recovered, carrying back what changed meanwhile.");
    case Flow::Drill:
        return tr("Planned failover, hold, failback and a scorecard of the objectives against what was achieved.");
    case Flow::Readiness:
        return tr("Every gate plus a chat sent straight to the standby; routing does not change.");
    }
    return {};
}

Flow FlowPage::flow() const
{
    const int id = m_flows->checkedId();
    return id >= 0 && id < kFlows.size() ? kFlows.at(id) : Flow::PlannedFailover;
}

void FlowPage::setFlow(Flow flow)
{
    if (QAbstractButton *b = m_flows->button(int(kFlows.indexOf(flow))))
        b->setChecked(true);
    updateRequest();
}

QString FlowPage::routeText() const
{
    return m_route->text();
}

void FlowPage::initializePage()
{
    readServingRegion();
}

void FlowPage::readServingRegion()
{
    m_serving.clear();
    m_route->setText(tr("Reading which region serves now\u2026"));
    const quint64 generation = ++m_generation;
    const QPointer<FlowPage> self = this;
    m_wizard->controller()->servingRegion([self, generation](Result<QString> serving) {
        if (!self || generation != self->m_generation)
            return;
        if (!serving) {
            self->m_error = tr("Which region serves could not be read: %1").arg(serving.error());
            self->m_route->setText(self->m_error);
            self->m_requestOk = false;
            Q_EMIT self->completeChanged();
            return;
        }
        self->m_serving = *serving;
        self->updateRequest();
    });
}

void FlowPage::updateRequest()
{
    if (m_serving.isEmpty()) {
        m_requestOk = false;
        Q_EMIT completeChanged();
        return;
    }
    const auto request = defaultRequest(m_wizard->controller()->profile(), flow(), m_serving);
    m_requestOk = bool(request);
    if (!request) {
        m_error = request.error();
        m_route->setText(tr("Not possible now: %1").arg(m_error));
    } else {
        m_error.clear();
        m_route->setText(flow() == Flow::Readiness
                ? tr("%1 serves; checks %2 as the standby without changing routing.")
                      .arg(request->source, request->target)
                : tr("%1 serves now: traffic goes from %1 to %2.").arg(request->source, request->target));
    }
    m_route->setAccessibleDescription(m_route->text());
    Q_EMIT completeChanged();
}

bool FlowPage::isComplete() const
{
    if (!m_requestOk)
        return false;
    return !m_breakGlass->isChecked() || !m_reason->text().trimmed().isEmpty();
}

bool FlowPage::validatePage()
{
    auto request = defaultRequest(m_wizard->controller()->profile(), flow(), m_serving);
    if (!request) {
        m_route->setText(tr("Not possible now: %1").arg(request.error()));
        return false;
    }
    request->breakGlassReason = m_breakGlass->isChecked() ? m_reason->text().trimmed() : QString();
    m_wizard->request() = *request;
    return true;
}

} // namespace dr::ui
