#pragma once

// Every component of both regions, one row each (regions in profile order, components in
// region order), built from the status document (StatusMonitor::snapshot()). The region
// panels' tiles and the detail pane read it; it holds no state of its own beyond the last
// document. setSnapshot() keeps rows stable when the set of components is unchanged (only
// dataChanged), so selections and focus survive a refresh.

#include <QAbstractTableModel>
#include <QDateTime>
#include <QJsonObject>
#include <QList>

namespace dr::ui {

class ComponentModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        RegionColumn,
        ComponentColumn,
        StateColumn,
        LatencyColumn,
        CheckedColumn,
        DetailColumn,
        ColumnCount
    };
    enum Role {
        StateRole
        = Qt::UserRole + 1, // "ok", "degraded", "down", "unknown"; "" before the first probe
        RegionIdRole,
        ComponentIdRole,
        LatencyRole, // qint64 ms, or invalid
        CheckedAtRole, // QDateTime, or invalid before the first probe
        DetailRole, // the reason an operator reads
        AccessibleTextRole, // "Lab West, Bot API: ok, 42 ms"
    };
    Q_ENUM(Role)

    struct Row
    {
        QString regionId;
        QString regionName;
        QString componentId;
        QString componentName;
        QString kind;
        QString state; // "" while not checked yet
        qint64 latencyMs = -1;
        QDateTime checkedAt;
        QString detail;
    };

    explicit ComponentModel(QObject *parent = nullptr);

    void setSnapshot(const QJsonObject &snapshot);
    const Row &row(int r) const { return m_rows.at(r); }
    int rowOf(const QString &regionId, const QString &componentId) const; // -1: none

    static QString stateText(const Row &row); // "ok", or "not checked yet"
    static QString accessibleText(const Row &row);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<Row> m_rows;
};

} // namespace dr::ui
