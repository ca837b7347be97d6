#pragma once

// Copies a search index from one region to the other (as `drctl sync-index`): from/to
// regions, full or delta, progress with counts, Cancel, and the result with its
// verification. Like drctl, it asks for no operator: the sync is audited when it is part of a
// runbook, and copying the serving region's documents to the standby changes no routing.
// Cancel during a sync stops it after the batches in flight; closing waits for that.

#include "indexsync/indexsync.h"
#include "profile/profile.h"

#include <QDialog>
#include <QPointer>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QNetworkAccessManager;
class QProgressBar;
class QPushButton;

namespace dr {
class SecretStore;
}

namespace dr::ui {

class SyncIndexDialog : public QDialog
{
    Q_OBJECT

public:
    SyncIndexDialog(const Profile &profile, const QString &from, const QString &to, QWidget *parent = nullptr);
    ~SyncIndexDialog() override;

    void start();
    bool isRunning() const { return m_running; }
    bool hasResult() const { return m_done; }
    bool succeeded() const { return m_succeeded; }
    QString resultText() const;
    QString progressText() const;
    QComboBox *fromBox() const { return m_from; }
    QComboBox *toBox() const { return m_to; }
    QCheckBox *fullBox() const { return m_full; }
    QPushButton *startButton() const { return m_start; }
    QProgressBar *progressBar() const { return m_bar; }

public Q_SLOTS:
    void reject() override;

Q_SIGNALS:
    void syncFinished(bool ok);

private:
    void showProgress(const IndexSyncProgress &p);
    void finish(bool ok, const QString &text);
    void updateStartable();

    Profile m_profile;
    QNetworkAccessManager *m_network;
    SecretStore *m_secrets;
    QPointer<IndexSync> m_sync;
    QComboBox *m_from;
    QComboBox *m_to;
    QCheckBox *m_full;
    QProgressBar *m_bar;
    QLabel *m_counts;
    QLabel *m_result;
    QPushButton *m_start;
    QDialogButtonBox *m_buttons;
    bool m_running = false;
    bool m_done = false;
    bool m_succeeded = false;
    bool m_closeWhenStopped = false;
};

} // namespace dr::ui
