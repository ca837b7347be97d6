#include "summarypage.h"

#include "../failoverwizard.h"
#include "../statestyle.h"
#include "executepage.h"
#include "failover/failovercontroller.h"
#include "runstepmodel.h"

#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace dr::ui {

namespace {

QLabel *valueLabel(const QString &name, const QString &accessible, QWidget *parent)
{
    auto *l = new QLabel(parent);
    l->setObjectName(name);
    l->setAccessibleName(accessible);
    l->setWordWrap(true);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    return l;
}

} // namespace

SummaryPage::SummaryPage(FailoverWizard *wizard)
    : m_wizard(wizard)
    , m_outcome(valueLabel(QStringLiteral("summaryOutcome"), tr("Outcome"), this))
    , m_rto(valueLabel(QStringLiteral("summaryRto"), tr("Measured RTO"), this))
    , m_rpo(valueLabel(QStringLiteral("summaryRpo"), tr("RPO exposure"), this))
    , m_indexLag(valueLabel(QStringLiteral("summaryIndexLag"), tr("Index lag at the switch"), this))
    , m_traffic(valueLabel(QStringLiteral("summaryTraffic"), tr("Downtime seen by users"), this))
    , m_attach(new QPushButton(tr("A&ttach traffic measurement\u2026"), this))
    , m_steps(new QTreeWidget(this))
{
    setObjectName(QStringLiteral("summaryPage"));
    setTitle(tr("Verification and summary"));
    m_attach->setObjectName(QStringLiteral("attachTraffic"));
    m_attach->setAccessibleDescription(tr("Reads the JSON document printed by drlab traffic --json during the run"));
    m_steps->setObjectName(QStringLiteral("summarySteps"));
    m_steps->setAccessibleName(tr("Step outcomes"));
    m_steps->setRootIsDecorated(false);
    m_steps->setHeaderLabels({ tr("Outcome"), tr("Step"), tr("Attempts"), tr("Detail") });
    m_steps->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_steps->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);

    auto *form = new QFormLayout;
    form->addRow(tr("Outcome:"), m_outcome);
    form->addRow(tr("Measured RTO:"), m_rto);
    form->addRow(tr("RPO exposure:"), m_rpo);
    form->addRow(tr("Index lag at the switch:"), m_indexLag);
    auto *trafficRow = new QHBoxLayout;
    trafficRow->addWidget(m_traffic, 1);
    trafficRow->addWidget(m_attach);
    form->addRow(tr("Downtime seen by users:"), trafficRow);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_steps, 1);
    connect(m_attach, &QPushButton::clicked, this, &SummaryPage::chooseTrafficFile);
}

void SummaryPage::initializePage()
{
    FailoverController *controller = m_wizard->controller();
    const Objectives &objectives = controller->profile().objectives;
    const ExecutePage *execute = m_wizard->executePage();
    QString outcome = execute->outcome();
    QString stateName = execute->finalState() ? runStateName(*execute->finalState()) : QString();
    QJsonObject data;
    const auto run = controller->journal()->run(m_wizard->runId());
    if (run && *run) {
        data = (*run)->data;
        if (!(*run)->outcome.isEmpty())
            outcome = (*run)->outcome;
        stateName = runStateName((*run)->state);
    } else if (!run) {
        outcome += u" (" + tr("the journal could not be read: %1").arg(run.error()) + u')';
    }
    m_outcome->setText(tr("%1 \u2014 %2").arg(stateName.toUpper(), outcome));

    const QJsonValue rtoMs = data.value(QStringLiteral("rtoMs"));
    if (rtoMs.isDouble()) {
        const double seconds = rtoMs.toDouble() / 1000.0;
        const bool pass = seconds <= objectives.rtoSeconds;
        m_rto->setText(tr("%1 s against the %2 s objective: %3")
                .arg(seconds, 0, 'f', 1)
                .arg(objectives.rtoSeconds)
                .arg(pass ? tr("PASS") : tr("FAIL")));
    } else {
        m_rto->setText(tr("not measured (the run did not verify service from the target)"));
    }
    const QJsonValue rpo = data.value(QStringLiteral("rpoExposureSeconds"));
    m_rpo->setText(rpo.isDouble()
            ? tr("%1 s against the %2 s objective: %3")
                  .arg(rpo.toDouble(), 0, 'f', 0)
                  .arg(objectives.rpoSeconds)
                  .arg(rpo.toDouble() <= objectives.rpoSeconds ? tr("PASS") : tr("FAIL"))
            : tr("not measured"));
    const QJsonValue lag = data.value(QStringLiteral("indexLagDocuments"));
    m_indexLag->setText(lag.isDouble() ? tr("%n document(s)", nullptr, lag.toInt()) : tr("not measured"));
    if (m_traffic->text().isEmpty())
        m_traffic->setText(tr("not measured (attach a drlab traffic --json measurement taken during the run)"));

    m_steps->clear();
    const auto steps = controller->journal()->steps(m_wizard->runId());
    if (steps) {
        for (const StepRecord &s : *steps) {
            const auto severity = StateStyle::severityOf(RunStepModel::stateWord(s.state));
            auto *item = new QTreeWidgetItem(m_steps);
            item->setText(0, StateStyle::symbol(severity) + u' ' + stepStateName(s.state).toUpper());
            item->setBackground(0, StateStyle::background(severity, false));
            item->setForeground(0, StateStyle::foreground(severity, false));
            item->setText(1, s.title);
            item->setText(2, QString::number(s.attempts));
            item->setText(3, s.detail);
            item->setToolTip(3, s.detail);
        }
    }
}

QString SummaryPage::describeTraffic(const QJsonObject &t)
{
    if (!t.value(QStringLiteral("sent")).isDouble() || !t.value(QStringLiteral("failed")).isDouble())
        return {};
    QStringList regions;
    const QJsonObject byRegion = t.value(QStringLiteral("byRegion")).toObject();
    for (auto it = byRegion.begin(); it != byRegion.end(); ++it)
        regions << QStringLiteral("%1 %2").arg(it.key()).arg(it.value().toInteger());
    return tr("%1 requests, %2 failed, longest outage %3 ms (answered by: %4)")
        .arg(t.value(QStringLiteral("sent")).toInteger())
        .arg(t.value(QStringLiteral("failed")).toInteger())
        .arg(t.value(QStringLiteral("longestOutageMs")).toInteger())
        .arg(regions.isEmpty() ? tr("nobody") : regions.join(QStringLiteral(", ")));
}

bool SummaryPage::attachTrafficFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        m_traffic->setText(tr("not measured: %1 cannot be read (%2)").arg(path, f.errorString()));
        return false;
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(f.read(1024 * 1024), &error);
    const QString text = doc.isObject() ? describeTraffic(doc.object()) : QString();
    if (text.isEmpty()) {
        m_traffic->setText(tr("not measured: %1 is not a drlab traffic --json document%2")
                .arg(path, error.error == QJsonParseError::NoError
                        ? QString()
                        : QString(u" (" + error.errorString() + u" at offset " + QString::number(error.offset) + u')')));
        return false;
    }
    m_traffic->setText(text);
    return true;
}

void SummaryPage::chooseTrafficFile()
{
    auto *dialog = new QFileDialog(this, tr("Attach traffic measurement"), QString(),
        tr("JSON (*.json);;All files (*)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) { attachTrafficFile(path); });
    dialog->open();
}

QString SummaryPage::outcomeText() const { return m_outcome->text(); }
QString SummaryPage::rtoText() const { return m_rto->text(); }
QString SummaryPage::rpoText() const { return m_rpo->text(); }
QString SummaryPage::indexLagText() const { return m_indexLag->text(); }
QString SummaryPage::trafficText() const { return m_traffic->text(); }

} // namespace dr::ui
