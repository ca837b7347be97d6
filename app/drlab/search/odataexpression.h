#pragma once

// The OData subset of Azure AI Search queries, translated for SQLite:
//   $filter   comparisons "field eq|ne|gt|ge|lt|le literal" (either side), "and", "or",
//             "not", parentheses, a bare Boolean field, true/false, and
//             search.in(field, 'a,b' [, 'delimiters']). Literals: 'strings' ('' escapes),
//             numbers, true/false, null, unquoted ISO 8601 DateTimeOffset. Fields must exist,
//             be filterable and be simple (lambda any/all over collections is not modelled).
//             Null semantics are OData's: "x ne 'a'" holds for a null x, "x gt 1" does not.
//   $orderby  up to 32 "field [asc|desc]" or "search.score() [asc|desc]"; fields sortable.
//   $select   "*" or field names; fields retrievable.
// Errors are 400s worded as the service words them: "Invalid expression: ...\r\nParameter
// name: $filter". SQL refers to the documents table as "d" and to field i as d.c<i>.

#include "indexdefinition.h"
#include "searcherror.h"

#include <QString>
#include <QStringList>
#include <QVariantList>

namespace drlab {

struct SqlFragment
{
    QString sql; // a boolean expression; "1" for an empty filter
    QVariantList binds;
};

struct OrderClause
{
    int fieldIndex = -1; // -1: search.score()
    bool descending = false;
};

class ODataExpression
{
public:
    static SearchResult<SqlFragment> filterToSql(const QString &filter, const IndexDefinition &def);
    static SearchResult<QList<OrderClause>> parseOrderBy(
        const QString &orderBy, const IndexDefinition &def);
    // Field indexes to return; "*" or empty means every retrievable field.
    static SearchResult<QList<int>> parseSelect(
        const QStringList &select, const IndexDefinition &def);

    // An ISO 8601 date-time with a "Z" or +hh:mm offset, as Edm.DateTimeOffset requires:
    // milliseconds since the epoch (UTC), which is how dates are stored and compared.
    static bool parseDateTimeOffset(const QString &text, qint64 *msecsSinceEpoch);
    // The service's form of a stored date: UTC, "Z", milliseconds only when not zero.
    static QString formatDateTimeOffset(qint64 msecsSinceEpoch);
};

} // namespace drlab
