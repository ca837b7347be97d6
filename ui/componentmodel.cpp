#include "componentmodel.h"

#include "statestyle.h"

#include <QJsonArray>

namespace dr::ui {

ComponentModel::ComponentModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void ComponentModel::setSnapshot(const QJsonObject &snapshot)
{
    QList<Row> rows;
    for (const QJsonValue &rv : snapshot.value(QStringLiteral("regions")).toArray()) {
        const QJsonObject region = rv.toObject();
        for (const QJsonValue &cv : region.value(QStringLiteral("components")).toArray()) {
            const QJsonObject c = cv.toObject();
            Row row;
            row.regionId = region.value(QStringLiteral("id")).toString();
            row.regionName = region.value(QStringLiteral("displayName")).toString(row.regionId);
            row.componentId = c.value(QStringLiteral("id")).toString();
            row.componentName = c.value(QStringLiteral("displayName")).toString(row.componentId);
            row.kind = c.value(QStringLiteral("kind")).toString();
            row.checkedAt = QDateTime::fromString(
                c.value(QStringLiteral("checkedAt")).toString(), Qt::ISODateWithMs);
            // The engine says "unknown" both before the first probe and after an inconclusive
            // one; an operator needs to tell them apart.
            row.state
                = row.checkedAt.isValid() ? c.value(QStringLiteral("state")).toString() : QString();
            const QJsonValue latency = c.value(QStringLiteral("latencyMs"));
            row.latencyMs = latency.isDouble() ? qint64(latency.toDouble()) : -1;
            row.detail = row.checkedAt.isValid() ? c.value(QStringLiteral("detail")).toString()
                                                 : QStringLiteral("not checked yet");
            rows.append(row);
        }
    }
    bool sameShape = rows.size() == m_rows.size();
    for (qsizetype i = 0; sameShape && i < rows.size(); ++i)
        sameShape = rows[i].regionId == m_rows[i].regionId
            && rows[i].componentId == m_rows[i].componentId;
    if (!sameShape) {
        beginResetModel();
        m_rows = rows;
        endResetModel();
        return;
    }
    m_rows = rows;
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
}

int ComponentModel::rowOf(const QString &regionId, const QString &componentId) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].regionId == regionId && m_rows[i].componentId == componentId)
            return int(i);
    }
    return -1;
}

QString ComponentModel::stateText(const Row &row)
{
    return row.state.isEmpty() ? QStringLiteral("not checked yet") : row.state;
}

QString ComponentModel::accessibleText(const Row &row)
{
    QString text
        = QStringLiteral("%1, %2: %3").arg(row.regionName, row.componentName, stateText(row));
    if (row.latencyMs >= 0)
        text += QStringLiteral(", %1 ms").arg(row.latencyMs);
    return text;
}

int ComponentModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ComponentModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ComponentModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows.at(index.row());
    switch (role) {
    case StateRole:
        return r.state;
    case RegionIdRole:
        return r.regionId;
    case ComponentIdRole:
        return r.componentId;
    case LatencyRole:
        return r.latencyMs >= 0 ? QVariant(r.latencyMs) : QVariant();
    case CheckedAtRole:
        return r.checkedAt;
    case DetailRole:
        return r.detail;
    case AccessibleTextRole:
    case Qt::AccessibleTextRole:
        return accessibleText(r);
    case Qt::ToolTipRole:
        return r.detail;
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case RegionColumn:
            return r.regionName;
        case ComponentColumn:
            return r.componentName;
        case StateColumn:
            return stateText(r);
        case LatencyColumn:
            return r.latencyMs >= 0 ? QVariant(QStringLiteral("%1 ms").arg(r.latencyMs))
                                    : QVariant();
        case CheckedColumn:
            return r.checkedAt.isValid()
                ? QVariant(r.checkedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss")))
                : QVariant();
        case DetailColumn:
            return r.detail;
        case ColumnCount:
            break;
        }
        return {};
    case Qt::BackgroundRole:
        if (index.column() == StateColumn)
            return StateStyle::background(StateStyle::severityOf(r.state), false);
        return {};
    case Qt::ForegroundRole:
        if (index.column() == StateColumn)
            return StateStyle::foreground(StateStyle::severityOf(r.state), false);
        return {};
    default:
        return {};
    }
}

QVariant ComponentModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case RegionColumn:
        return tr("Region");
    case ComponentColumn:
        return tr("Component");
    case StateColumn:
        return tr("State");
    case LatencyColumn:
        return tr("Latency");
    case CheckedColumn:
        return tr("Last check");
    case DetailColumn:
        return tr("Detail");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace dr::ui
