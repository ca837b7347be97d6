#include "certificatemodel.h"

#include "statestyle.h"

#include <QApplication>
#include <QJsonArray>
#include <QStyle>

#include <limits>

namespace dr::ui {

CertificateModel::CertificateModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void CertificateModel::setThresholds(int warningDays, int criticalDays)
{
    m_warningDays = warningDays;
    m_criticalDays = criticalDays;
    if (!m_rows.isEmpty())
        emit dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
}

void CertificateModel::setSnapshot(const QJsonObject &snapshot)
{
    QList<Row> rows;
    for (const QJsonValue &v : snapshot.value(QStringLiteral("certificates")).toArray()) {
        const QJsonObject c = v.toObject();
        Row row;
        row.id = c.value(QStringLiteral("id")).toString();
        row.endpoint = c.value(QStringLiteral("endpoint")).toString();
        row.region = c.value(QStringLiteral("region")).toString();
        row.notAfter
            = QDateTime::fromString(c.value(QStringLiteral("notAfter")).toString(), Qt::ISODate);
        row.hasDaysLeft = c.value(QStringLiteral("daysLeft")).isDouble();
        row.daysLeft = c.value(QStringLiteral("daysLeft")).toInt();
        row.issuer = c.value(QStringLiteral("issuer")).toString();
        row.state = c.value(QStringLiteral("state")).toString();
        row.detail = c.value(QStringLiteral("detail")).toString();
        rows.append(row);
    }
    bool sameShape = rows.size() == m_rows.size();
    for (qsizetype i = 0; sameShape && i < rows.size(); ++i)
        sameShape = rows[i].id == m_rows[i].id;
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

int CertificateModel::rowOf(const QString &id) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].id == id)
            return int(i);
    }
    return -1;
}

int CertificateModel::severity(int row) const
{
    const Row &r = m_rows.at(row);
    StateStyle::Severity s = StateStyle::severityOf(r.state);
    if (r.hasDaysLeft && s != StateStyle::Severity::Critical) {
        if (r.daysLeft <= m_criticalDays)
            s = StateStyle::Severity::Critical;
        else if (r.daysLeft <= m_warningDays && s != StateStyle::Severity::Warning)
            s = StateStyle::Severity::Warning;
    }
    return int(s);
}

int CertificateModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int CertificateModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CertificateModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows.at(index.row());
    const auto sev = StateStyle::Severity(severity(index.row()));
    const QString stateText = r.state.isEmpty() ? QStringLiteral("not checked yet") : r.state;
    switch (role) {
    case IdRole:
        return r.id;
    case StateRole:
        return r.state;
    case SeverityRole:
        return int(sev);
    case DetailRole:
    case Qt::ToolTipRole:
        return r.detail;
    case SortRole:
        switch (Column(index.column())) {
        case NotAfterColumn:
            return r.notAfter;
        case DaysLeftColumn:
            return r.hasDaysLeft ? QVariant(r.daysLeft) : QVariant(std::numeric_limits<int>::max());
        case StateColumn:
            return int(sev);
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::DisplayRole:
        switch (Column(index.column())) {
        case EndpointColumn:
            return r.endpoint;
        case RegionColumn:
            return r.region.isEmpty() ? tr("global") : r.region;
        case NotAfterColumn:
            return r.notAfter.isValid()
                ? QVariant(r.notAfter.toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'")))
                : QVariant();
        case DaysLeftColumn:
            return r.hasDaysLeft ? QVariant(r.daysLeft) : QVariant();
        case IssuerColumn:
            return r.issuer;
        case StateColumn:
            return QStringLiteral("%1 %2").arg(StateStyle::symbol(sev), stateText);
        case ColumnCount:
            break;
        }
        return {};
    case Qt::DecorationRole:
        if (index.column() != StateColumn || !qApp)
            return {};
        switch (sev) {
        case StateStyle::Severity::Critical:
            return QApplication::style()->standardIcon(QStyle::SP_MessageBoxCritical);
        case StateStyle::Severity::Warning:
            return QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning);
        case StateStyle::Severity::Good:
            return QApplication::style()->standardIcon(QStyle::SP_DialogApplyButton);
        case StateStyle::Severity::Unknown:
            return QApplication::style()->standardIcon(QStyle::SP_MessageBoxQuestion);
        }
        return {};
    case Qt::BackgroundRole:
        if (index.column() == StateColumn || index.column() == DaysLeftColumn)
            return StateStyle::background(sev, false);
        return {};
    case Qt::ForegroundRole:
        if (index.column() == StateColumn || index.column() == DaysLeftColumn)
            return StateStyle::foreground(sev, false);
        return {};
    case Qt::AccessibleTextRole:
        return QStringLiteral("%1: %2").arg(r.endpoint, stateText);
    default:
        return {};
    }
}

QVariant CertificateModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case EndpointColumn:
        return tr("Endpoint");
    case RegionColumn:
        return tr("Region");
    case NotAfterColumn:
        return tr("Not after");
    case DaysLeftColumn:
        return tr("Days left");
    case IssuerColumn:
        return tr("Issuer");
    case StateColumn:
        return tr("State");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace dr::ui
