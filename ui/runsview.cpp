#include "runsview.h"

#include "auth/operatordirectory.h"
#include "failover/failovercontroller.h"
#include "runbook/runjournal.h"
#include "runsmodel.h"
#include "wizardpages/runstepmodel.h"

#include <QApplication>
#include <QButtonGroup>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QShortcut>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace dr::ui {

namespace {

// Enough for years of drills; the journal holds every run, the list shows the recent ones.
constexpr int kRunLimit = 1000;

QTableView *makeTable(QWidget *parent, const QString &name, const QString &accessibleName)
{
    auto *t = new QTableView(parent);
    t->setObjectName(name);
    t->setAccessibleName(accessibleName);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setTabKeyNavigation(false); // Tab leaves the table, arrows walk it
    t->horizontalHeader()->setStretchLastSection(true);
    t->verticalHeader()->setVisible(false);
    return t;
}

} // namespace

RunsView::RunsView(QWidget *parent)
    : QWidget(parent)
    , m_model(new RunsModel(this))
    , m_steps(new RunStepModel(this))
    , m_table(makeTable(this, QStringLiteral("runsTable"), tr("Runs")))
    , m_stepTable(makeTable(this, QStringLiteral("runStepsTable"), tr("Steps of the selected run")))
    , m_log(new QPlainTextEdit(this))
    , m_message(new QLabel(this))
    , m_empty(new QLabel(this))
    , m_refresh(new QPushButton(tr("&Refresh"), this))
    , m_export(new QPushButton(tr("E&xport report\u2026"), this))
    , m_verdict(new QPushButton(tr("Record &verdict\u2026"), this))
    , m_traffic(new QPushButton(tr("Attach &traffic measurement\u2026"), this))
{
    setObjectName(QStringLiteral("runsView"));
    m_table->setModel(m_model);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->setColumnWidth(RunsModel::IdColumn, 260);
    m_stepTable->setModel(m_steps);
    m_log->setObjectName(QStringLiteral("runLog"));
    m_log->setAccessibleName(tr("Log of the selected run"));
    m_log->setReadOnly(true);
    m_log->setTabChangesFocus(true);
    m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_message->setObjectName(QStringLiteral("runsMessage"));
    m_message->setWordWrap(true);
    m_message->setVisible(false);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_empty->setObjectName(QStringLiteral("runsEmpty"));
    m_empty->setWordWrap(true);
    m_refresh->setObjectName(QStringLiteral("refreshRuns"));
    m_export->setObjectName(QStringLiteral("exportRunReport"));
    m_verdict->setObjectName(QStringLiteral("recordVerdict"));
    m_traffic->setObjectName(QStringLiteral("attachTraffic"));

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_refresh);
    buttons->addStretch(1);
    buttons->addWidget(m_export);
    buttons->addWidget(m_verdict);
    buttons->addWidget(m_traffic);
    auto *details = new QSplitter(Qt::Horizontal, this);
    details->addWidget(m_stepTable);
    details->addWidget(m_log);
    details->setStretchFactor(0, 3);
    details->setStretchFactor(1, 2);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_table);
    split->addWidget(details);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(buttons);
    layout->addWidget(m_empty);
    layout->addWidget(m_message);
    layout->addWidget(split, 1);

    connect(m_refresh, &QPushButton::clicked, this, &RunsView::refresh);
    auto *f5 = new QShortcut(QKeySequence(Qt::Key_F5), m_table, nullptr, nullptr, Qt::WidgetShortcut);
    connect(f5, &QShortcut::activated, this, &RunsView::refresh);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &RunsView::showSelected);
    connect(m_export, &QPushButton::clicked, this, [this] {
        if (const RunRecord *run = selectedRun())
            Q_EMIT exportReportRequested(run->id);
    });
    connect(m_verdict, &QPushButton::clicked, this, &RunsView::openVerdictDialog);
    connect(m_traffic, &QPushButton::clicked, this, &RunsView::chooseTrafficFile);
    refresh();
}

void RunsView::setJournal(RunJournal *journal)
{
    m_journal = journal;
    refresh();
}

void RunsView::setController(FailoverController *controller)
{
    m_controller = controller;
    m_journal = controller ? controller->journal() : nullptr;
    refresh();
}

void RunsView::refresh()
{
    const QString keep = selectedRunId();
    m_message->setVisible(false);
    if (!m_journal) {
        m_model->setRuns({});
        m_empty->setText(tr("No profile open (or its run journal is not open yet)."));
        m_empty->setVisible(true);
        showSelected();
        return;
    }
    const auto runs = m_journal->runs(kRunLimit);
    if (!runs) {
        m_model->setRuns({});
        m_empty->setText(tr("The runs could not be read: %1").arg(runs.error()));
        m_empty->setVisible(true);
        showSelected();
        return;
    }
    m_model->setRuns(*runs);
    m_empty->setText(tr("No runs yet: failovers, failbacks and drills appear here once started."));
    m_empty->setVisible(runs->isEmpty());
    if (!selectRun(keep) && m_model->size() > 0)
        selectRun(m_model->run(0).id);
    showSelected();
}

QString RunsView::selectedRunId() const
{
    const RunRecord *run = selectedRun();
    return run ? run->id : QString();
}

const RunRecord *RunsView::selectedRun() const
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    if (!current.isValid() || current.row() >= m_model->size())
        return nullptr;
    return &m_model->run(current.row());
}

bool RunsView::selectRun(const QString &runId)
{
    const int row = runId.isEmpty() ? -1 : m_model->rowOf(runId);
    if (row < 0)
        return false;
    m_table->selectionModel()->setCurrentIndex(m_model->index(row, 0),
        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(m_model->index(row, 0));
    return true;
}

void RunsView::showSelected()
{
    const RunRecord *run = selectedRun();
    if (!run || !m_journal) {
        m_steps->setSteps(QList<StepRecord> {});
        m_log->setPlainText(m_model->size() > 0 ? tr("Select a run to see its steps and log.") : QString());
        updateActions();
        return;
    }
    const auto steps = m_journal->steps(run->id);
    m_steps->setSteps(steps ? *steps : QList<StepRecord> {});
    const auto log = m_journal->log(run->id);
    QString text;
    if (!steps)
        text += tr("The steps could not be read: %1\n").arg(steps.error());
    if (!log)
        text += tr("The log could not be read: %1").arg(log.error());
    else if (log->isEmpty())
        text += tr("(nothing was logged for this run)");
    else
        text += log->join(QLatin1Char('\n'));
    m_log->setPlainText(text);
    updateActions();
}

void RunsView::updateActions()
{
    const RunRecord *run = selectedRun();
    const auto set = [](QPushButton *b, const QString &whyNot, const QString &what) {
        b->setEnabled(whyNot.isEmpty());
        b->setToolTip(whyNot.isEmpty() ? what : whyNot);
    };
    QString common;
    if (!run)
        common = tr("Select a run first");
    set(m_export, common, tr("A compliance report of this run (PDF, HTML, CSV, JSON)"));
    QString recording = common;
    if (recording.isEmpty() && !m_controller)
        recording = tr("Failovers are unavailable for this profile, so nothing can be recorded");
    else if (recording.isEmpty() && run->state == RunState::Running)
        recording = tr("The run has not ended yet");
    set(m_verdict, recording, tr("Record a pass/fail verdict on this run (operators sign in)"));
    set(m_traffic, recording, tr("Attach a drlab traffic --json measurement taken during this run"));
}

void RunsView::showMessage(const QString &text, bool error)
{
    m_message->setText(text);
    m_message->setStyleSheet(error ? QStringLiteral("color: #a00000; font-weight: bold;") : QString());
    m_message->setVisible(true);
}

void RunsView::openVerdictDialog()
{
    const RunRecord *run = selectedRun();
    if (!run || !m_controller)
        return;
    const QString runId = run->id;
    auto *dialog = new QDialog(this);
    dialog->setObjectName(QStringLiteral("verdictDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Record a verdict on %1").arg(runId));
    auto *name = new QLineEdit(dialog);
    name->setObjectName(QStringLiteral("verdictOperator"));
    name->setAccessibleName(tr("Operator name"));
    auto *passphrase = new QLineEdit(dialog);
    passphrase->setObjectName(QStringLiteral("verdictPassphrase"));
    passphrase->setAccessibleName(tr("Operator passphrase"));
    passphrase->setEchoMode(QLineEdit::Password);
    auto *pass = new QRadioButton(tr("&Pass: the objectives were met"), dialog);
    pass->setObjectName(QStringLiteral("verdictPass"));
    auto *fail = new QRadioButton(tr("&Fail: something must change"), dialog);
    fail->setObjectName(QStringLiteral("verdictFail"));
    auto *group = new QButtonGroup(dialog);
    group->addButton(pass);
    group->addButton(fail);
    auto *note = new QPlainTextEdit(dialog);
    note->setObjectName(QStringLiteral("verdictNote"));
    note->setAccessibleName(tr("Note with the verdict"));
    note->setTabChangesFocus(true);
    auto *error = new QLabel(dialog);
    error->setObjectName(QStringLiteral("verdictError"));
    error->setWordWrap(true);
    error->setStyleSheet(QStringLiteral("color: #a00000; font-weight: bold;"));
    error->setVisible(false);
    auto *box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    box->button(QDialogButtonBox::Ok)->setText(tr("&Record"));
    auto *form = new QFormLayout;
    form->addRow(tr("&Operator:"), name);
    form->addRow(tr("Pass&phrase:"), passphrase);
    auto *layout = new QVBoxLayout(dialog);
    layout->addWidget(new QLabel(tr("Run %1 (%2, %3)").arg(runId, run->kind, runStateName(run->state)), dialog));
    layout->addLayout(form);
    layout->addWidget(pass);
    layout->addWidget(fail);
    layout->addWidget(new QLabel(tr("&Note:"), dialog));
    static_cast<QLabel *>(layout->itemAt(layout->count() - 1)->widget())->setBuddy(note);
    layout->addWidget(note, 1);
    layout->addWidget(error);
    layout->addWidget(box);
    connect(box, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(box, &QDialogButtonBox::accepted, dialog, [this, dialog, name, passphrase, pass, fail, note, error, runId] {
        const auto refuse = [error](const QString &why) {
            error->setText(why);
            error->setVisible(true);
        };
        error->setVisible(false); // a reason from an earlier try no longer holds
        if (!pass->isChecked() && !fail->isChecked())
            return refuse(tr("Choose Pass or Fail."));
        if (name->text().trimmed().isEmpty() || passphrase->text().isEmpty())
            return refuse(tr("Sign in with your operator name and passphrase."));
        if (!m_controller)
            return refuse(tr("The profile was closed; nothing was recorded."));
        QByteArray secret = passphrase->text().toUtf8();
        passphrase->clear();
        dialog->setEnabled(false);
        QApplication::setOverrideCursor(Qt::BusyCursor);
        const auto who = m_controller->signIn(name->text().trimmed(), secret);
        secret.fill('\0');
        QApplication::restoreOverrideCursor();
        dialog->setEnabled(true);
        if (!who)
            return refuse(who.error());
        if (const auto allowed = authorise(*who, Permission::RunFailover); !allowed)
            return refuse(allowed.error());
        const auto recorded = m_controller->recordVerdict(runId, who->name, pass->isChecked(), note->toPlainText().trimmed());
        if (!recorded)
            return refuse(tr("The verdict was not recorded: %1").arg(recorded.error()));
        dialog->accept();
        refresh();
        selectRun(runId);
        showMessage(tr("Verdict recorded on %1.").arg(runId), false);
        Q_EMIT runChanged(runId);
    });
    dialog->open();
}

void RunsView::chooseTrafficFile()
{
    if (!selectedRun())
        return;
    auto *dialog = new QFileDialog(this, tr("Attach a traffic measurement"), QString(),
        tr("drlab traffic --json output (*.json);;All files (*)"));
    dialog->setObjectName(QStringLiteral("trafficFileDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) { attachTrafficFile(path); });
    dialog->open();
}

bool RunsView::attachTrafficFile(const QString &path)
{
    const RunRecord *run = selectedRun();
    if (!run || !m_controller) {
        showMessage(tr("Select a run of an open profile first."), true);
        return false;
    }
    const QString runId = run->id;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        showMessage(tr("Cannot read %1: %2").arg(path, file.errorString()), true);
        return false;
    }
    // A measurement is a few hundred bytes; anything huge is not one.
    const QByteArray bytes = file.read(1024 * 1024);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &parseError);
    if (!doc.isObject()) {
        showMessage(tr("%1 is not the JSON of drlab traffic --json: %2")
                        .arg(path, parseError.error == QJsonParseError::NoError ? tr("not an object") : parseError.errorString()),
            true);
        return false;
    }
    if (const auto attached = m_controller->attachTraffic(runId, doc.object()); !attached) {
        showMessage(tr("The measurement was not attached: %1").arg(attached.error()), true);
        return false;
    }
    refresh();
    selectRun(runId);
    showMessage(tr("Traffic measurement from %1 attached to %2.").arg(path, runId), false);
    Q_EMIT runChanged(runId);
    return true;
}

} // namespace dr::ui
