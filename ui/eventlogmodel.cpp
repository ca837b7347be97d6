#include "eventlogmodel.h"

#include "statestyle.h"

namespace dr::ui {

EventLogModel::EventLogModel(QObject *parent, int maxEvents)
    : QAbstractTableModel(parent)
    , m_maxEvents(qMax(1, maxEvents))
{ }

void EventLogModel::append(const Event &event)
{
    if (m_events.size() >= m_maxEvents) {
        beginRemoveRows({}, 0, 0);
        m_events.removeFirst();
        endRemoveRows();
    }
    const int row = int(m_events.size());
    beginInsertRows({}, row, row);
    m_events.append(event);
    endInsertRows();
}

void EventLogModel::clear()
{
    beginResetModel();
    m_events.clear();
    endResetModel();
}

int EventLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int EventLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Event &e = m_events.at(index.row());
    switch (role) {
    case TimeRole:
        return e.at;
    case RegionRole:
        return e.region;
    case ComponentRole:
        return e.component;
    case FromRole:
        return e.from;
    case ToRole:
        return e.to;
    case ReasonRole:
    case Qt::ToolTipRole:
        return e.reason;
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case TimeColumn:
            return e.at.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        case RegionColumn:
            return e.region.isEmpty() ? tr("global") : e.region;
        case ComponentColumn:
            return e.component;
        case TransitionColumn:
            return QStringLiteral("%1 \u2192 %2").arg(e.from, e.to);
        case ReasonColumn:
            return e.reason;
        case ColumnCount:
            break;
        }
        return {};
    case Qt::BackgroundRole:
        if (index.column() == TransitionColumn)
            return StateStyle::background(StateStyle::severityOf(e.to), false);
        return {};
    case Qt::ForegroundRole:
        if (index.column() == TransitionColumn)
            return StateStyle::foreground(StateStyle::severityOf(e.to), false);
        return {};
    default:
        return {};
    }
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case TimeColumn:
        return tr("Time");
    case RegionColumn:
        return tr("Region");
    case ComponentColumn:
        return tr("Component");
    case TransitionColumn:
        return tr("Change");
    case ReasonColumn:
        return tr("Reason");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace dr::ui
