#pragma once

// The runs of the journal as a table, newest first: id, kind, mode, source -> target,
// operator, started, duration, state, outcome and the operator's verdict (data.verdict). Fed
// with RunJournal::runs(); the model keeps no connection of its own.

#include "runbook/runjournal.h"

#include <QAbstractTableModel>

namespace dr::ui {

class RunsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { IdColumn, KindColumn, ModeColumn, RouteColumn, OperatorColumn, StartedColumn,
        DurationColumn, StateColumn, OutcomeColumn, VerdictColumn, ColumnCount };
    enum Role { RunIdRole = Qt::UserRole + 1, StateNameRole };

    explicit RunsModel(QObject *parent = nullptr);

    // Replaces the rows; they are shown in the order given (RunJournal::runs() is newest first).
    void setRuns(const QList<RunRecord> &runs);
    const RunRecord &run(int row) const { return m_runs.at(row); }
    int rowOf(const QString &runId) const; // -1 when absent
    int size() const { return int(m_runs.size()); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // "PASS (ana)", "FAIL (ana)" or "" when none was recorded.
    static QString verdictText(const RunRecord &run);
    // "2 min 05 s", "" while it runs.
    static QString durationText(const RunRecord &run);

private:
    QList<RunRecord> m_runs;
};

} // namespace dr::ui
