#include "runstepmodel.h"

#include "../statestyle.h"

namespace dr::ui {

RunStepModel::RunStepModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

QString RunStepModel::stateWord(StepState state)
{
    switch (state) {
    case StepState::Succeeded:
        return QStringLiteral("ok");
    case StepState::Running:
    case StepState::Undone:
        return QStringLiteral("warning");
    case StepState::Failed:
    case StepState::UndoFailed:
        return QStringLiteral("critical");
    case StepState::Pending:
    case StepState::Skipped:
        break;
    }
    return QStringLiteral("unknown");
}

void RunStepModel::setSteps(const QList<StepRecord> &steps)
{
    beginResetModel();
    m_rows.clear();
    for (const StepRecord &s : steps)
        m_rows.append({ s.id, s.title, s.kind, s.state, s.attempts, s.started, s.ended, s.detail });
    endResetModel();
}

void RunStepModel::setSteps(const QList<Step> &steps)
{
    beginResetModel();
    m_rows.clear();
    for (const Step &s : steps)
        m_rows.append({ s.id, s.title, s.kind, StepState::Pending, 0, {}, {}, {} });
    endResetModel();
}

void RunStepModel::stepStarted(int index, int attempt, const QDateTime &at)
{
    if (index < 0 || index >= m_rows.size())
        return;
    Row &r = m_rows[index];
    r.state = StepState::Running;
    r.attempt = attempt;
    if (attempt <= 1 || !r.started.isValid())
        r.started = at;
    r.ended = {};
    m_now = at;
    Q_EMIT dataChanged(this->index(index, 0), this->index(index, ColumnCount - 1));
}

void RunStepModel::stepFinished(int index, StepState state, const QString &detail, const QDateTime &at)
{
    if (index < 0 || index >= m_rows.size())
        return;
    Row &r = m_rows[index];
    r.state = state;
    r.detail = detail;
    r.ended = at;
    Q_EMIT dataChanged(this->index(index, 0), this->index(index, ColumnCount - 1));
}

void RunStepModel::tick(const QDateTime &now)
{
    m_now = now;
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).state == StepState::Running)
            Q_EMIT dataChanged(index(i, ElapsedColumn), index(i, ElapsedColumn));
    }
}

int RunStepModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RunStepModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunStepModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &r = m_rows.at(index.row());
    const StateStyle::Severity severity = StateStyle::severityOf(stateWord(r.state));
    if (role == StateNameRole)
        return stepStateName(r.state);
    if (index.column() == StateColumn) {
        if (role == Qt::BackgroundRole)
            return StateStyle::background(severity, false);
        if (role == Qt::ForegroundRole)
            return StateStyle::foreground(severity, false);
    }
    if (role != Qt::DisplayRole && role != Qt::AccessibleTextRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case StateColumn:
        return QString(StateStyle::symbol(severity) + u' ' + stepStateName(r.state).toUpper());
    case TitleColumn:
        return r.title;
    case AttemptColumn:
        return r.attempt > 0 ? QVariant(r.attempt) : QVariant(QString());
    case ElapsedColumn: {
        if (!r.started.isValid())
            return QString();
        const QDateTime end = r.ended.isValid() ? r.ended : (m_now.isValid() ? m_now : r.started);
        return QStringLiteral("%1 s").arg(qMax<qint64>(0, r.started.msecsTo(end)) / 1000.0, 0, 'f', 1);
    }
    case DetailColumn:
        return r.detail;
    default:
        return {};
    }
}

QVariant RunStepModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case StateColumn:
        return tr("State");
    case TitleColumn:
        return tr("Step");
    case AttemptColumn:
        return tr("Attempt");
    case ElapsedColumn:
        return tr("Elapsed");
    case DetailColumn:
        return tr("Detail");
    default:
        return {};
    }
}

} // namespace dr::ui
