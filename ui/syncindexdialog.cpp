#include "syncindexdialog.h"

#include "secrets/secretstore.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QNetworkAccessManager>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace dr::ui {

SyncIndexDialog::SyncIndexDialog(const Profile &profile, const QString &from, const QString &to, QWidget *parent)
    : QDialog(parent)
    , m_profile(profile)
    , m_network(new QNetworkAccessManager(this))
    , m_secrets(new SecretStore(this))
    , m_from(new QComboBox(this))
    , m_to(new QComboBox(this))
    , m_full(new QCheckBox(tr("&Full copy (every document, not only what changed)"), this))
    , m_bar(new QProgressBar(this))
    , m_counts(new QLabel(this))
    , m_result(new QLabel(this))
    , m_start(new QPushButton(tr("&Start sync"), this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("syncIndexDialog"));
    setWindowTitle(tr("Sync search index"));
    setAccessibleName(windowTitle());
    for (const Region &r : m_profile.regions) {
        const QString name = r.displayName.isEmpty() ? r.id : tr("%1 (%2)").arg(r.displayName, r.id);
        m_from->addItem(name, r.id);
        m_to->addItem(name, r.id);
    }
    m_from->setObjectName(QStringLiteral("syncFrom"));
    m_from->setAccessibleName(tr("Copy from region"));
    m_to->setObjectName(QStringLiteral("syncTo"));
    m_to->setAccessibleName(tr("Copy to region"));
    m_from->setCurrentIndex(qMax(0, m_from->findData(from)));
    m_to->setCurrentIndex(qMax(0, m_to->findData(to)));
    m_full->setObjectName(QStringLiteral("syncFull"));
    m_bar->setObjectName(QStringLiteral("syncProgress"));
    m_bar->setAccessibleName(tr("Index sync progress"));
    m_bar->setRange(0, 0);
    m_bar->setVisible(false);
    m_counts->setObjectName(QStringLiteral("syncCounts"));
    m_counts->setWordWrap(true);
    m_result->setObjectName(QStringLiteral("syncResult"));
    m_result->setAccessibleName(tr("Index sync result"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_start->setObjectName(QStringLiteral("startSync"));
    m_buttons->addButton(m_start, QDialogButtonBox::ActionRole);
    m_start->setDefault(true);

    auto *form = new QFormLayout;
    auto *fromLabel = new QLabel(tr("&From:"), this);
    fromLabel->setBuddy(m_from);
    auto *toLabel = new QLabel(tr("&To:"), this);
    toLabel->setBuddy(m_to);
    form->addRow(fromLabel, m_from);
    form->addRow(toLabel, m_to);
    form->addRow(m_full);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_bar);
    layout->addWidget(m_counts);
    layout->addWidget(m_result, 1);
    layout->addWidget(m_buttons);
    resize(560, 300);

    connect(m_start, &QPushButton::clicked, this, &SyncIndexDialog::start);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &SyncIndexDialog::reject);
    connect(m_from, &QComboBox::currentIndexChanged, this, &SyncIndexDialog::updateStartable);
    connect(m_to, &QComboBox::currentIndexChanged, this, &SyncIndexDialog::updateStartable);
    updateStartable();
}

SyncIndexDialog::~SyncIndexDialog()
{
    if (m_sync)
        m_sync->cancel(); // its answer finds no dialog: the callback holds a QPointer
}

void SyncIndexDialog::updateStartable()
{
    QString why;
    if (!m_profile.indexSync)
        why = tr("The profile has no index sync section: nothing says which index to copy.");
    else if (m_from->currentData() == m_to->currentData())
        why = tr("Choose two different regions.");
    m_start->setEnabled(!m_running && why.isEmpty());
    m_start->setToolTip(why);
    if (!m_done)
        m_result->setText(why);
}

QString SyncIndexDialog::resultText() const
{
    return m_result->text();
}

QString SyncIndexDialog::progressText() const
{
    return m_counts->text();
}

void SyncIndexDialog::start()
{
    if (m_running || !m_profile.indexSync)
        return;
    const QString from = m_from->currentData().toString();
    const QString to = m_to->currentData().toString();
    if (from == to)
        return;
    m_running = true;
    m_done = false;
    m_succeeded = false;
    m_start->setEnabled(false);
    m_from->setEnabled(false);
    m_to->setEnabled(false);
    m_full->setEnabled(false);
    m_bar->setVisible(true);
    m_bar->setRange(0, 0);
    m_result->setText(tr("Reading both regions' search endpoints and keys\u2026"));
    const QPointer<SyncIndexDialog> self = this;
    IndexSync::endpointsFor(m_profile, from, to, m_secrets,
        [self](Result<std::pair<SearchEndpoint, SearchEndpoint>> endpoints) {
            if (!self)
                return;
            if (!endpoints) {
                self->finish(false, tr("The sync did not start: %1").arg(endpoints.error()));
                return;
            }
            if (self->m_closeWhenStopped) {
                self->finish(false, tr("Cancelled before it started."));
                return;
            }
            IndexSyncOptions options;
            options.full = self->m_full->isChecked();
            options.concurrency = self->m_profile.runbook.syncConcurrency;
            self->m_sync = new IndexSync(self->m_network, endpoints->first, endpoints->second,
                *self->m_profile.indexSync, options, self);
            connect(self->m_sync, &IndexSync::progress, self, &SyncIndexDialog::showProgress);
            self->m_result->setText(tr("Copying\u2026"));
            self->m_sync->start([self](Result<IndexSyncReport> report) {
                if (!self)
                    return;
                if (self->m_sync)
                    self->m_sync->deleteLater();
                if (!report) {
                    self->finish(false, tr("The sync stopped: %1").arg(report.error()));
                    return;
                }
                self->finish(report->verified,
                    tr("%1 sync %2: %3 copied, %4 deleted in %5 s; source %6 documents, target %7. %8")
                        .arg(report->full ? tr("Full") : tr("Delta"),
                            report->verified ? tr("verified") : tr("NOT verified"))
                        .arg(report->copied)
                        .arg(report->deleted)
                        .arg(report->elapsedMs / 1000.0, 0, 'f', 1)
                        .arg(report->sourceCount)
                        .arg(report->targetCount)
                        .arg(report->verification));
            });
        });
}

void SyncIndexDialog::showProgress(const IndexSyncProgress &p)
{
    if (p.toCopy >= 0) {
        m_bar->setRange(0, int(qMin<qint64>(p.toCopy, INT_MAX)));
        m_bar->setValue(int(qMin<qint64>(p.copied, INT_MAX)));
    }
    m_counts->setText(tr("%1: %2 of %3 copied, %4 of %5 deleted, %6 failed")
            .arg(p.phase)
            .arg(p.copied)
            .arg(p.toCopy >= 0 ? QString::number(p.toCopy) : tr("?"))
            .arg(p.deleted)
            .arg(p.toDelete >= 0 ? QString::number(p.toDelete) : tr("?"))
            .arg(p.failed));
}

void SyncIndexDialog::finish(bool ok, const QString &text)
{
    m_running = false;
    m_done = true;
    m_succeeded = ok;
    m_bar->setRange(0, 1);
    m_bar->setValue(ok ? 1 : 0);
    m_result->setText(text);
    m_result->setAccessibleDescription(text);
    m_from->setEnabled(true);
    m_to->setEnabled(true);
    m_full->setEnabled(true);
    updateStartable();
    m_result->setText(text);
    m_buttons->button(QDialogButtonBox::Cancel)->setText(tr("&Close"));
    Q_EMIT syncFinished(ok);
    if (m_closeWhenStopped)
        QDialog::reject();
}

void SyncIndexDialog::reject()
{
    if (!m_running) {
        QDialog::reject();
        return;
    }
    // Stop first, close when the sync has answered: nothing may be left copying unseen.
    m_closeWhenStopped = true;
    m_result->setText(tr("Cancelling after the batches in flight\u2026"));
    if (m_sync)
        m_sync->cancel();
}

} // namespace dr::ui
