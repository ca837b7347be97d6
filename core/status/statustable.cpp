#include "statustable.h"

#include <QJsonArray>

namespace dr {

namespace {

QString paint(const QString &text, const QString &state, const TableStyle &style)
{
    if (!style.color)
        return text;
    QString code;
    if (state == u"ok" || state == u"live")
        code = QStringLiteral("32");
    else if (state == u"degraded" || state == u"warning" || state == u"critical" || state == u"unknown"
             || state == u"lagging" || state == u"bootstrap")
        code = QStringLiteral("33");
    else
        code = QStringLiteral("1;31");
    return QStringLiteral("\x1b[%1m%2\x1b[0m").arg(code, text);
}

// A plain table: columns padded to their widest cell, the last column left free.
class Table
{
public:
    explicit Table(QStringList header)
        : m_header(std::move(header))
    {}
    void add(QStringList row, QString stateColumnValue = {})
    {
        m_rows.append(row);
        m_states.append(stateColumnValue);
    }
    qsizetype rows() const { return m_rows.size(); }
    QString render(int stateColumn, const TableStyle &style) const
    {
        QList<int> widths;
        for (const QString &h : m_header)
            widths.append(int(h.size()));
        for (const QStringList &row : m_rows) {
            for (int i = 0; i < row.size() && i < widths.size(); ++i)
                widths[i] = qMax(widths[i], int(row[i].size()));
        }
        QString out;
        const auto line = [&](const QStringList &cells, const QString &state) {
            QString l;
            for (int i = 0; i < cells.size(); ++i) {
                const bool last = i == cells.size() - 1;
                QString cell = last ? cells[i] : cells[i].leftJustified(widths[i]);
                if (i == stateColumn && !state.isEmpty())
                    cell = paint(cell, state, style);
                l += cell;
                if (!last)
                    l += QStringLiteral("  ");
            }
            out += l.trimmed() + u'\n';
        };
        line(m_header, {});
        for (int i = 0; i < m_rows.size(); ++i)
            line(m_rows[i], m_states[i]);
        return out;
    }

private:
    QStringList m_header;
    QList<QStringList> m_rows;
    QStringList m_states;
};

QString orDash(const QJsonValue &v)
{
    if (v.isNull() || v.isUndefined())
        return QStringLiteral("-");
    if (v.isDouble())
        return QString::number(v.toDouble());
    return v.toString();
}

} // namespace

QString renderStatusTable(const QJsonObject &snapshot, const TableStyle &style)
{
    QString out;
    out += QStringLiteral("Profile %1 (%2), taken %3, active region: %4\n\n")
               .arg(snapshot.value(QStringLiteral("profile")).toString(),
                    snapshot.value(QStringLiteral("environment")).toString(),
                    snapshot.value(QStringLiteral("takenAt")).toString(),
                    snapshot.value(QStringLiteral("activeRegion")).isNull()
                        ? QStringLiteral("unknown")
                        : snapshot.value(QStringLiteral("activeRegion")).toString());

    Table components({QStringLiteral("REGION"), QStringLiteral("ROLE"), QStringLiteral("COMPONENT"),
                      QStringLiteral("KIND"), QStringLiteral("STATE"), QStringLiteral("LATENCY"),
                      QStringLiteral("DETAIL")});
    for (const QJsonValue &rv : snapshot.value(QStringLiteral("regions")).toArray()) {
        const QJsonObject region = rv.toObject();
        for (const QJsonValue &cv : region.value(QStringLiteral("components")).toArray()) {
            const QJsonObject c = cv.toObject();
            const QJsonValue latency = c.value(QStringLiteral("latencyMs"));
            const QString state = c.value(QStringLiteral("state")).toString();
            components.add({region.value(QStringLiteral("id")).toString(), region.value(QStringLiteral("role")).toString(),
                            c.value(QStringLiteral("id")).toString(), c.value(QStringLiteral("kind")).toString(),
                            state.toUpper(),
                            latency.isDouble() ? QStringLiteral("%1 ms").arg(latency.toInteger()) : QStringLiteral("-"),
                            c.value(QStringLiteral("detail")).toString()},
                           state);
        }
    }
    out += components.render(4, style);

    // The profile-wide checks, where the profile asks for them.
    Table global({QStringLiteral("CHECK"), QStringLiteral("STATE"), QStringLiteral("DETAIL")});
    const auto addGlobal = [&global](const QString &name, const QJsonObject &o) {
        if (o.isEmpty() || !o.contains(QStringLiteral("state")))
            return;
        const QString state = o.value(QStringLiteral("state")).toString();
        global.add({name, state.toUpper(), o.value(QStringLiteral("detail")).toString()}, state);
    };
    addGlobal(QStringLiteral("routing"), snapshot.value(QStringLiteral("routing")).toObject());
    addGlobal(QStringLiteral("synthetic chat"), snapshot.value(QStringLiteral("syntheticChat")).toObject());
    addGlobal(QStringLiteral("index sync"), snapshot.value(QStringLiteral("indexSync")).toObject());
    addGlobal(QStringLiteral("storage replication"), snapshot.value(QStringLiteral("storageReplication")).toObject());
    if (global.rows() > 0)
        out += u'\n' + global.render(1, style);

    const QJsonArray certs = snapshot.value(QStringLiteral("certificates")).toArray();
    if (!certs.isEmpty()) {
        out += u'\n';
        Table table({QStringLiteral("CERTIFICATE"), QStringLiteral("REGION"), QStringLiteral("NOT AFTER"),
                     QStringLiteral("DAYS LEFT"), QStringLiteral("STATE"), QStringLiteral("DETAIL")});
        for (const QJsonValue &v : certs) {
            const QJsonObject c = v.toObject();
            const QString state = c.value(QStringLiteral("state")).toString();
            table.add({c.value(QStringLiteral("endpoint")).toString(),
                       c.value(QStringLiteral("region")).isNull() ? QStringLiteral("global")
                                                                   : c.value(QStringLiteral("region")).toString(),
                       orDash(c.value(QStringLiteral("notAfter"))), orDash(c.value(QStringLiteral("daysLeft"))),
                       state.toUpper(), c.value(QStringLiteral("detail")).toString()},
                      state);
        }
        out += table.render(4, style);
    }
    return out;
}

} // namespace dr
