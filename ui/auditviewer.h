#pragma once

// The audit viewer: the profile's tamper-evident trail (core/audit/audittrail.h) as a table
// (seq, at, kind, actor, run, summary) with filters (time range in UTC, operator, run id,
// kind, a debounced free-text search on the summary) and the selected entry's details (data
// pretty-printed, prevHash, hash). "Verify chain" walks the whole trail and shows it intact
// or the first bad entry, prominently; without the audit key (a viewer, or a workstation
// whose keychain is unavailable) the list still works and verifying says why it cannot.
//
// Listing and verifying run on the GUI thread, on the thread that opened the trail (a Qt Sql
// connection belongs to its thread): the list is capped at kLimit entries (the newest; a note
// says when more match), which SQLite reads in tens of milliseconds, and verification shows a
// busy cursor (HMAC of every entry: about a second per 100,000 entries).

#include "audit/audittrail.h"

#include <QAbstractTableModel>
#include <QDialog>

#include <memory>

class QComboBox;
class QDateTimeEdit;
class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableView;
class QTimer;

namespace dr::ui {

// The entries as a table; the full entry stays reachable by row.
class AuditEntryModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { SeqColumn, AtColumn, KindColumn, ActorColumn, RunColumn, SummaryColumn, ColumnCount };

    using QAbstractTableModel::QAbstractTableModel;
    void setEntries(const QList<AuditEntry> &entries);
    const AuditEntry &entry(int row) const { return m_entries.at(row); }
    int size() const { return int(m_entries.size()); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<AuditEntry> m_entries;
};

class AuditViewer : public QDialog
{
    Q_OBJECT

public:
    static constexpr int kLimit = 5000;

    // Shows `trail` (opened, not owned; with or without a key).
    explicit AuditViewer(AuditTrail *trail, QWidget *parent = nullptr);
    // Opens the trail at `path` read-only for listing (no key: verify says why).
    explicit AuditViewer(const QString &path, QWidget *parent = nullptr);
    ~AuditViewer() override;

    // Applies the filters now (the text search otherwise waits for typing to pause).
    void reload();
    void verifyChain();

    // For tests.
    AuditEntryModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QCheckBox *fromEnabled() const { return m_useFrom; }
    QCheckBox *toEnabled() const { return m_useTo; }
    QDateTimeEdit *fromEdit() const { return m_from; }
    QDateTimeEdit *toEdit() const { return m_to; }
    QComboBox *actorCombo() const { return m_actor; }
    QComboBox *kindCombo() const { return m_kind; }
    QLineEdit *runEdit() const { return m_run; }
    QLineEdit *searchEdit() const { return m_search; }
    QPushButton *verifyButton() const { return m_verify; }
    QLabel *verificationLabel() const { return m_verification; }
    QLabel *countLabel() const { return m_count; }
    QPlainTextEdit *detailView() const { return m_detail; }

private:
    void build();
    void fillChoices();
    void showSelected();

    std::unique_ptr<AuditTrail> m_owned;
    AuditTrail *m_trail = nullptr;
    QString m_openError;
    AuditEntryModel *m_model;
    QTableView *m_table = nullptr;
    QCheckBox *m_useFrom = nullptr;
    QCheckBox *m_useTo = nullptr;
    QDateTimeEdit *m_from = nullptr;
    QDateTimeEdit *m_to = nullptr;
    QComboBox *m_actor = nullptr;
    QComboBox *m_kind = nullptr;
    QLineEdit *m_run = nullptr;
    QLineEdit *m_search = nullptr;
    QTimer *m_debounce = nullptr;
    QPushButton *m_verify = nullptr;
    QLabel *m_verification = nullptr;
    QLabel *m_count = nullptr;
    QPlainTextEdit *m_detail = nullptr;
};

} // namespace dr::ui
