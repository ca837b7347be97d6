#pragma once

// The state transitions seen since the profile was opened (ProbeEngine::stateChanged), oldest
// first, at most maxEvents (the oldest are dropped). An in-memory view for the operator, not
// the audit trail.

#include <QAbstractTableModel>
#include <QDateTime>
#include <QList>

namespace dr::ui {

class EventLogModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        TimeColumn,
        RegionColumn,
        ComponentColumn,
        TransitionColumn,
        ReasonColumn,
        ColumnCount
    };
    enum Role {
        TimeRole = Qt::UserRole + 1, // QDateTime (UTC)
        RegionRole,
        ComponentRole,
        FromRole,
        ToRole,
        ReasonRole,
    };
    Q_ENUM(Role)

    struct Event
    {
        QDateTime at;
        QString region; // "" for a global check
        QString component; // component, certificate or check id
        QString from;
        QString to;
        QString reason;
    };

    explicit EventLogModel(QObject *parent = nullptr, int maxEvents = 1000);

    void append(const Event &event);
    void clear();
    const Event &event(int row) const { return m_events.at(row); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<Event> m_events;
    int m_maxEvents;
};

} // namespace dr::ui
