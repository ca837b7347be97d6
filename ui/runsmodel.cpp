#include "runsmodel.h"

#include <QJsonObject>

namespace dr::ui {

RunsModel::RunsModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void RunsModel::setRuns(const QList<RunRecord> &runs)
{
    beginResetModel();
    m_runs = runs;
    endResetModel();
}

int RunsModel::rowOf(const QString &runId) const
{
    for (int i = 0; i < m_runs.size(); ++i) {
        if (m_runs.at(i).id == runId)
            return i;
    }
    return -1;
}

int RunsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_runs.size());
}

int RunsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RunsModel::verdictText(const RunRecord &run)
{
    const QJsonObject verdict = run.data.value(QStringLiteral("verdict")).toObject();
    if (verdict.isEmpty())
        return {};
    const QString word = verdict.value(QStringLiteral("pass")).toBool() ? tr("PASS") : tr("FAIL");
    const QString author = verdict.value(QStringLiteral("author")).toString();
    return author.isEmpty() ? word : tr("%1 (%2)").arg(word, author);
}

QString RunsModel::durationText(const RunRecord &run)
{
    if (!run.started.isValid() || !run.ended.isValid())
        return {};
    const qint64 s = qMax<qint64>(0, run.started.secsTo(run.ended));
    if (s < 60)
        return tr("%1 s").arg(s);
    if (s < 3600)
        return tr("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
}

QVariant RunsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RunRecord &r = m_runs.at(index.row());
    if (role == RunIdRole)
        return r.id;
    if (role == StateNameRole)
        return runStateName(r.state);
    if (role == Qt::ToolTipRole && index.column() == OutcomeColumn)
        return r.outcome;
    if (role != Qt::DisplayRole && role != Qt::AccessibleTextRole)
        return {};
    switch (index.column()) {
    case IdColumn:
        return r.id;
    case KindColumn:
        return r.kind;
    case ModeColumn:
        return r.mode;
    case RouteColumn:
        return QString(r.source + QStringLiteral(" \u2192 ") + r.target);
    case OperatorColumn:
        return r.approverName.isEmpty() ? r.operatorName
                                        : tr("%1 (approved by %2)").arg(r.operatorName, r.approverName);
    case StartedColumn:
        return r.started.isValid() ? QString(r.started.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) + QStringLiteral(" UTC"))
                                   : QString();
    case DurationColumn:
        return durationText(r);
    case StateColumn:
        return runStateName(r.state);
    case OutcomeColumn:
        return r.outcome;
    case VerdictColumn:
        return verdictText(r);
    default:
        return {};
    }
}

QVariant RunsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case IdColumn: return tr("Run");
    case KindColumn: return tr("Kind");
    case ModeColumn: return tr("Mode");
    case RouteColumn: return tr("Source \u2192 target");
    case OperatorColumn: return tr("Operator");
    case StartedColumn: return tr("Started");
    case DurationColumn: return tr("Duration");
    case StateColumn: return tr("State");
    case OutcomeColumn: return tr("Outcome");
    case VerdictColumn: return tr("Verdict");
    default: return {};
    }
}

} // namespace dr::ui
