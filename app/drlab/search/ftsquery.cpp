#include "ftsquery.h"

namespace drlab {

namespace {

bool hasWordCharacter(const QString &s)
{
    for (const QChar c : s) {
        if (c.isLetterOrNumber())
            return true;
    }
    return false;
}

QString quoted(const QString &s)
{
    QString q = s;
    q.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

QString joined(const QStringList &parts, const char *op)
{
    if (parts.size() == 1)
        return parts.constFirst();
    return QLatin1Char('(') + parts.join(QLatin1Char(' ') + QLatin1String(op) + QLatin1Char(' '))
        + QLatin1Char(')');
}

QString restricted(const QString &expr, const QStringList &columns)
{
    if (expr.isEmpty() || columns.isEmpty())
        return expr;
    return QLatin1Char('{') + columns.join(QLatin1Char(' ')) + QStringLiteral("} : ") + expr;
}

} // namespace

FtsQuery FtsQuery::fromSimpleQuery(
    const QString &text, bool searchModeAll, const QStringList &columns)
{
    FtsQuery q;
    QStringList required, optional, excluded;

    // Split into whitespace-separated tokens, keeping quoted phrases whole.
    int i = 0;
    const int n = int(text.size());
    while (i < n) {
        // Grouping parentheses and "|" carry no words: they separate terms like spaces.
        const auto separator = [&text](int at) {
            const QChar c = text.at(at);
            return c.isSpace() || c == QLatin1Char('|') || c == QLatin1Char('(')
                || c == QLatin1Char(')');
        };
        while (i < n && separator(i))
            ++i;
        if (i >= n)
            break;
        QChar sign;
        if (text.at(i) == QLatin1Char('+') || text.at(i) == QLatin1Char('-')) {
            sign = text.at(i);
            ++i;
        }
        QString body;
        bool phrase = false;
        if (i < n && text.at(i) == QLatin1Char('"')) {
            phrase = true;
            const int close = int(text.indexOf(QLatin1Char('"'), i + 1));
            const int end = close < 0 ? n : close;
            body = text.mid(i + 1, end - i - 1);
            i = close < 0 ? n : close + 1;
        } else {
            const int start = i;
            while (i < n && !separator(i))
                ++i;
            body = text.mid(start, i - start);
        }
        bool prefix = false;
        if (!phrase && body.endsWith(QLatin1Char('*'))) {
            prefix = true;
            while (body.endsWith(QLatin1Char('*')))
                body.chop(1);
        }
        if (!phrase)
            body.remove(QLatin1Char('\\'));
        if (!hasWordCharacter(body))
            continue;
        q.m_terms << body;
        const QString term = quoted(body) + (prefix ? QStringLiteral(" *") : QString());
        if (sign == QLatin1Char('+'))
            required << term;
        else if (sign == QLatin1Char('-'))
            excluded << term;
        else
            optional << term;
    }

    QString positive;
    if (searchModeAll) {
        const QStringList all = required + optional;
        if (!all.isEmpty())
            positive = joined(all, "AND");
    } else if (!required.isEmpty()) {
        positive = joined(required, "AND");
        // Optional terms still count for the score: FTS5's bm25 weighs every phrase of the
        // expression, so OR them with the required ones rather than drop them.
        if (!optional.isEmpty())
            positive += QStringLiteral(" AND ") + joined(required + optional, "OR");
    } else if (!optional.isEmpty()) {
        positive = joined(optional, "OR");
    }
    q.m_match = restricted(positive, columns);
    if (!excluded.isEmpty())
        q.m_exclude = restricted(joined(excluded, "OR"), columns);
    return q;
}

} // namespace drlab
