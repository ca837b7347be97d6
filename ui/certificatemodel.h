#pragma once

// The certificates of the status document, one row per watched endpoint. A row's severity is
// the worse of the state the probe reported and what its days left mean against the
// profile's thresholds (certificateWarningDays / certificateCriticalDays), so the table
// agrees with the objectives even for a state word it does not know. Severity shows as text,
// an icon and a colour. SortRole gives each column a value that sorts naturally (days as
// numbers, dates as dates, states by severity) for a QSortFilterProxyModel.

#include <QAbstractTableModel>
#include <QDateTime>
#include <QJsonObject>
#include <QList>

namespace dr::ui {

class CertificateModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        EndpointColumn,
        RegionColumn,
        NotAfterColumn,
        DaysLeftColumn,
        IssuerColumn,
        StateColumn,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1,
        IdRole, // the certificate id of the profile
        StateRole, // the state as reported ("ok", "warning", "critical", ...)
        SeverityRole, // int(StateStyle::Severity) after the thresholds
        DetailRole,
    };
    Q_ENUM(Role)

    struct Row
    {
        QString id;
        QString endpoint;
        QString region; // "" for a global endpoint
        QDateTime notAfter;
        int daysLeft = 0;
        bool hasDaysLeft = false;
        QString issuer;
        QString state;
        QString detail;
    };

    explicit CertificateModel(QObject *parent = nullptr);

    void setThresholds(int warningDays, int criticalDays);
    void setSnapshot(const QJsonObject &snapshot);
    int rowOf(const QString &id) const; // -1: none
    int severity(int row) const; // int(StateStyle::Severity)

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<Row> m_rows;
    int m_warningDays = 30;
    int m_criticalDays = 7;
};

} // namespace dr::ui
