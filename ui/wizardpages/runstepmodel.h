#pragma once

// The live step list of a run: one row per runbook step with its state, title, attempt,
// elapsed time and the engine's last word on it. Fed from the journal's step records, then
// from RunbookEngine's stepStarted/stepFinished.

#include "runbook/runbook.h"
#include "runbook/runjournal.h"

#include <QAbstractTableModel>
#include <QDateTime>

namespace dr::ui {

class RunStepModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { StateColumn, TitleColumn, AttemptColumn, ElapsedColumn, DetailColumn, ColumnCount };
    enum Role { StateNameRole = Qt::UserRole + 1 }; // stepStateName() of the row

    struct Row
    {
        QString id, title;
        StepKind kind = StepKind::Action;
        StepState state = StepState::Pending;
        int attempt = 0;
        QDateTime started, ended;
        QString detail;
    };

    explicit RunStepModel(QObject *parent = nullptr);

    void setSteps(const QList<StepRecord> &steps);
    void setSteps(const QList<Step> &steps);
    void stepStarted(int index, int attempt, const QDateTime &at);
    void stepFinished(int index, StepState state, const QString &detail, const QDateTime &at);
    void tick(const QDateTime &now); // refreshes the running rows' elapsed time

    const Row &row(int index) const { return m_rows.at(index); }
    int size() const { return int(m_rows.size()); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString stateWord(StepState state); // the StateStyle word for a step state

private:
    QList<Row> m_rows;
    QDateTime m_now;
};

} // namespace dr::ui
