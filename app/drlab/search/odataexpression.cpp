#include "odataexpression.h"

#include <QDateTime>
#include <QRegularExpression>

#include <cmath>

namespace drlab {

namespace {

enum class Tok { Ident, String, Number, DateTime, LParen, RParen, Comma, Colon, End, Bad };

struct Token
{
    Tok kind = Tok::End;
    QString text;
    int pos = 0;
};

QString filterError(const QString &detail)
{
    return QStringLiteral("Invalid expression: ") + detail
        + QStringLiteral("\r\nParameter name: $filter");
}

std::unexpected<SearchError> invalidFilter(const QString &detail)
{
    return badRequest(filterError(detail));
}

QList<Token> tokenize(const QString &s)
{
    static const QRegularExpression dateRe(QStringLiteral(
        "\\G\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})"));
    static const QRegularExpression numberRe(QStringLiteral("\\G-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?"));
    static const QRegularExpression identRe(QStringLiteral("\\G[A-Za-z_][A-Za-z0-9_./]*"));
    QList<Token> tokens;
    int i = 0;
    while (i < s.size()) {
        const QChar c = s.at(i);
        if (c.isSpace()) {
            ++i;
            continue;
        }
        Token t;
        t.pos = i;
        if (c == QLatin1Char('(') || c == QLatin1Char(')') || c == QLatin1Char(',')
            || c == QLatin1Char(':')) {
            t.kind = c == QLatin1Char('(') ? Tok::LParen
                : c == QLatin1Char(')')    ? Tok::RParen
                : c == QLatin1Char(',')    ? Tok::Comma
                                           : Tok::Colon;
            t.text = c;
            ++i;
        } else if (c == QLatin1Char('\'')) {
            // OData doubles a quote inside a string literal.
            QString value;
            int j = i + 1;
            bool closed = false;
            while (j < s.size()) {
                if (s.at(j) == QLatin1Char('\'')) {
                    if (j + 1 < s.size() && s.at(j + 1) == QLatin1Char('\'')) {
                        value += QLatin1Char('\'');
                        j += 2;
                        continue;
                    }
                    closed = true;
                    ++j;
                    break;
                }
                value += s.at(j++);
            }
            if (!closed) {
                t.kind = Tok::Bad;
                tokens << t;
                return tokens;
            }
            t.kind = Tok::String;
            t.text = value;
            i = j;
        } else if (auto m = dateRe.match(s, i); m.hasMatch()) {
            t.kind = Tok::DateTime;
            t.text = m.captured();
            i += int(t.text.size());
        } else if (auto n = numberRe.match(s, i); n.hasMatch()) {
            t.kind = Tok::Number;
            t.text = n.captured();
            i += int(t.text.size());
        } else if (auto id = identRe.match(s, i); id.hasMatch()) {
            t.kind = Tok::Ident;
            t.text = id.captured();
            i += int(t.text.size());
        } else {
            t.kind = Tok::Bad;
            t.text = c;
            tokens << t;
            return tokens;
        }
        tokens << t;
    }
    Token end;
    end.pos = int(s.size());
    tokens << end;
    return tokens;
}

struct Operand
{
    enum Kind { Field, String, Number, Boolean, Null, DateTime } kind = Null;
    int field = -1;
    QString text;
    double number = 0;
    bool integral = false;
    qint64 integer = 0;
    bool boolean = false;
    qint64 msecs = 0;
};

QString literalTypeName(const Operand &o)
{
    switch (o.kind) {
    case Operand::String:
        return QStringLiteral("Edm.String");
    case Operand::Number:
        return o.integral ? QStringLiteral("Edm.Int32") : QStringLiteral("Edm.Double");
    case Operand::Boolean:
        return QStringLiteral("Edm.Boolean");
    case Operand::DateTime:
        return QStringLiteral("Edm.DateTimeOffset");
    case Operand::Null:
        return QStringLiteral("null");
    case Operand::Field:
        break;
    }
    return QString();
}

class FilterParser
{
public:
    FilterParser(const QString &text, const IndexDefinition &def)
        : m_text(text)
        , m_def(def)
        , m_tokens(tokenize(text))
    { }

    SearchResult<SqlFragment> parse()
    {
        if (!m_tokens.isEmpty() && m_tokens.constLast().kind == Tok::Bad)
            return syntaxError(m_tokens.constLast().pos);
        auto sql = parseOr();
        if (!sql)
            return std::unexpected(sql.error());
        if (peek().kind != Tok::End)
            return syntaxError(peek().pos);
        return SqlFragment { *sql, m_binds };
    }

private:
    const Token &peek() const { return m_tokens.at(m_pos); }
    const Token &next() { return m_tokens.at(m_pos < m_tokens.size() - 1 ? m_pos++ : m_pos); }
    bool peekKeyword(const char *word) const
    {
        return peek().kind == Tok::Ident && peek().text == QLatin1String(word);
    }

    std::unexpected<SearchError> syntaxError(int pos) const
    {
        return invalidFilter(
            QStringLiteral("Syntax error at position %1 in '%2'.").arg(pos).arg(m_text));
    }

    SearchResult<QString> parseOr()
    {
        auto left = parseAnd();
        if (!left)
            return left;
        QString sql = *left;
        while (peekKeyword("or")) {
            next();
            auto right = parseAnd();
            if (!right)
                return right;
            sql = QStringLiteral("(") + sql + QStringLiteral(" OR ") + *right + QStringLiteral(")");
        }
        return sql;
    }

    SearchResult<QString> parseAnd()
    {
        auto left = parseNot();
        if (!left)
            return left;
        QString sql = *left;
        while (peekKeyword("and")) {
            next();
            auto right = parseNot();
            if (!right)
                return right;
            sql = QStringLiteral("(") + sql + QStringLiteral(" AND ") + *right
                + QStringLiteral(")");
        }
        return sql;
    }

    // Nesting and clause counts stay far below what the stack and SQLite's expression depth
    // (1,000) allow, so that no filter can crash the parser or fail in SQLite.
    static constexpr int MaxDepth = 64;
    static constexpr int MaxClauses = 400;

    SearchResult<QString> parseNot()
    {
        if (peekKeyword("not")) {
            next();
            if (++m_depth > MaxDepth)
                return tooDeep();
            auto inner = parseNot();
            --m_depth;
            if (!inner)
                return inner;
            return QStringLiteral("(NOT ") + *inner + QStringLiteral(")");
        }
        if (++m_clauses > MaxClauses)
            return invalidFilter(
                QStringLiteral("The filter has more than %1 clauses.").arg(MaxClauses));
        return parsePrimary();
    }

    static std::unexpected<SearchError> tooDeep()
    {
        return invalidFilter(
            QStringLiteral("The filter is nested more than %1 levels deep.").arg(MaxDepth));
    }

    SearchResult<QString> parsePrimary()
    {
        if (peek().kind == Tok::LParen) {
            next();
            if (++m_depth > MaxDepth)
                return tooDeep();
            auto inner = parseOr();
            --m_depth;
            if (!inner)
                return inner;
            if (peek().kind != Tok::RParen)
                return syntaxError(peek().pos);
            next();
            return inner;
        }
        if (peek().kind == Tok::Ident && m_tokens.at(m_pos + 1).kind == Tok::LParen)
            return parseFunction();
        auto left = parseOperand();
        if (!left)
            return std::unexpected(left.error());
        static const QStringList ops { QStringLiteral("eq"), QStringLiteral("ne"),
            QStringLiteral("gt"), QStringLiteral("ge"), QStringLiteral("lt"),
            QStringLiteral("le") };
        if (peek().kind == Tok::Ident && ops.contains(peek().text)) {
            const QString op = next().text;
            auto right = parseOperand();
            if (!right)
                return std::unexpected(right.error());
            return comparison(*left, op, *right);
        }
        // A bare operand must be a Boolean (a Boolean field or true/false) and end the
        // expression or a clause of it.
        if (peek().kind != Tok::End && peek().kind != Tok::RParen && !peekKeyword("and")
            && !peekKeyword("or"))
            return syntaxError(peek().pos);
        if (left->kind == Operand::Boolean)
            return left->boolean ? QStringLiteral("1") : QStringLiteral("0");
        if (left->kind == Operand::Field) {
            const FieldSpec &f = m_def.fields().at(left->field);
            if (f.type == FieldType::Boolean && !f.collection)
                return QStringLiteral("COALESCE(d.") + IndexDefinition::column(left->field)
                    + QStringLiteral(" = 1, 0)");
            return invalidFilter(QStringLiteral(
                "The field '%1' is of type '%2' and cannot be used as a Boolean expression.")
                                     .arg(f.name, f.edmType()));
        }
        return syntaxError(peek().pos);
    }

    SearchResult<Operand> parseOperand()
    {
        const Token t = next();
        Operand o;
        switch (t.kind) {
        case Tok::String:
            o.kind = Operand::String;
            o.text = t.text;
            return o;
        case Tok::Number: {
            o.kind = Operand::Number;
            bool ok = false;
            o.integer = t.text.toLongLong(&ok);
            o.integral = ok;
            o.number = t.text.toDouble();
            return o;
        }
        case Tok::DateTime:
            o.kind = Operand::DateTime;
            if (!ODataExpression::parseDateTimeOffset(t.text, &o.msecs))
                return invalidFilter(
                    QStringLiteral("'%1' is not a valid Edm.DateTimeOffset literal.").arg(t.text));
            return o;
        case Tok::Ident:
            if (t.text == QLatin1String("true") || t.text == QLatin1String("false")) {
                o.kind = Operand::Boolean;
                o.boolean = t.text == QLatin1String("true");
                return o;
            }
            if (t.text == QLatin1String("null")) {
                o.kind = Operand::Null;
                return o;
            }
            return fieldOperand(t.text);
        default:
            return syntaxError(t.pos);
        }
    }

    SearchResult<Operand> fieldOperand(const QString &name)
    {
        const int i = m_def.fieldIndex(name);
        if (i < 0) {
            if (name.contains(QLatin1Char('/')))
                return invalidFilter(QStringLiteral(
                    "'%1': sub-fields and lambda expressions are not supported by the lab.")
                                         .arg(name));
            return invalidFilter(
                QStringLiteral("Could not find a property named '%1' on type 'search.document'.")
                    .arg(name));
        }
        const FieldSpec &f = m_def.fields().at(i);
        if (!f.filterable)
            return invalidFilter(QStringLiteral(
                "The field '%1' is not filterable. Only filterable fields can be used in "
                "filter expressions.")
                                     .arg(name));
        if (f.collection || f.type == FieldType::GeographyPoint)
            return invalidFilter(QStringLiteral(
                "The field '%1' is of type '%2': only simple fields can be compared in the lab "
                "(lambda and geo functions are not modelled).")
                                     .arg(name, f.edmType()));
        Operand o;
        o.kind = Operand::Field;
        o.field = i;
        return o;
    }

    SearchResult<QString> comparison(Operand left, QString op, Operand right)
    {
        if (left.kind != Operand::Field && right.kind == Operand::Field) {
            std::swap(left, right);
            static const QHash<QString, QString> flipped { { QStringLiteral("gt"),
                                                               QStringLiteral("lt") },
                { QStringLiteral("lt"), QStringLiteral("gt") },
                { QStringLiteral("ge"), QStringLiteral("le") },
                { QStringLiteral("le"), QStringLiteral("ge") } };
            op = flipped.value(op, op);
        }
        if (left.kind != Operand::Field || right.kind == Operand::Field)
            return invalidFilter(
                QStringLiteral("Comparisons must be between a field and a constant value."));
        const FieldSpec &f = m_def.fields().at(left.field);
        const QString column = QStringLiteral("d.") + IndexDefinition::column(left.field);
        if (right.kind == Operand::Null) {
            if (op == QLatin1String("eq"))
                return column + QStringLiteral(" IS NULL");
            if (op == QLatin1String("ne"))
                return column + QStringLiteral(" IS NOT NULL");
            return invalidFilter(QStringLiteral("null can only be compared with 'eq' or 'ne'."));
        }
        QVariant value;
        bool compatible = false;
        switch (f.type) {
        case FieldType::String:
            compatible = right.kind == Operand::String;
            value = right.text;
            break;
        case FieldType::Int32:
        case FieldType::Int64:
        case FieldType::Double:
            compatible = right.kind == Operand::Number;
            value = right.integral ? QVariant(right.integer) : QVariant(right.number);
            break;
        case FieldType::Boolean:
            compatible = right.kind == Operand::Boolean;
            value = right.boolean ? 1 : 0;
            break;
        case FieldType::DateTimeOffset:
            compatible = right.kind == Operand::DateTime;
            value = right.msecs;
            break;
        default:
            break;
        }
        if (!compatible)
            return invalidFilter(QStringLiteral(
                "A binary operator with incompatible types was detected. Found operand types "
                "'%1' and '%2' for operator kind '%3'.")
                                     .arg(f.edmType(), literalTypeName(right), op));
        m_binds << value;
        if (op == QLatin1String("eq"))
            return column + QStringLiteral(" IS ?");
        if (op == QLatin1String("ne"))
            return column + QStringLiteral(" IS NOT ?");
        static const QHash<QString, QString> sqlOps { { QStringLiteral("gt"), QStringLiteral(">") },
            { QStringLiteral("ge"), QStringLiteral(">=") },
            { QStringLiteral("lt"), QStringLiteral("<") },
            { QStringLiteral("le"), QStringLiteral("<=") } };
        // The key column is never null, so the comparison is never null either: without the
        // COALESCE, SQLite can seek its unique index (paging past the last key is then one
        // seek, not a walk from the first key).
        if (f.key && value.typeId() == QMetaType::QString && !value.toString().isNull())
            return column + QLatin1Char(' ') + sqlOps.value(op) + QStringLiteral(" ?");
        // Other columns may be null, and a null must compare false (not null, which NOT
        // would keep null); "IS NOT NULL" does that where COALESCE would hide the column from
        // its index. A lower bound on a date is a client reading what changed since a
        // watermark, a small slice: the hint makes SQLite seek the date's index and sort that
        // slice rather than walk the whole table in the order asked for.
        if (!value.isNull() && !(value.typeId() == QMetaType::QString && value.toString().isNull())) {
            QString compare = column + QLatin1Char(' ') + sqlOps.value(op) + QStringLiteral(" ?");
            if (f.type == FieldType::DateTimeOffset && (op == QLatin1String("gt") || op == QLatin1String("ge")))
                compare = QStringLiteral("likelihood(") + compare + QStringLiteral(", 0.01)");
            return QLatin1Char('(') + compare + QStringLiteral(" AND ") + column
                + QStringLiteral(" IS NOT NULL)");
        }
        return QStringLiteral("COALESCE(") + column + QLatin1Char(' ') + sqlOps.value(op)
            + QStringLiteral(" ?, 0)");
    }

    SearchResult<QString> parseFunction()
    {
        const Token name = next();
        next(); // (
        if (name.text != QLatin1String("search.in")) {
            if (name.text.endsWith(QLatin1String("/any"))
                || name.text.endsWith(QLatin1String("/all")))
                return invalidFilter(
                    QStringLiteral("Lambda expressions ('%1') are not supported by the lab.")
                        .arg(name.text));
            return invalidFilter(
                QStringLiteral("The function '%1' is not supported by the lab.").arg(name.text));
        }
        if (peek().kind != Tok::Ident)
            return syntaxError(peek().pos);
        auto field = fieldOperand(next().text);
        if (!field)
            return std::unexpected(field.error());
        if (m_def.fields().at(field->field).type != FieldType::String)
            return invalidFilter(QStringLiteral("search.in applies to Edm.String fields only."));
        if (next().kind != Tok::Comma || peek().kind != Tok::String)
            return syntaxError(peek().pos);
        const QString values = next().text;
        QString delimiters = QStringLiteral(" ,");
        if (peek().kind == Tok::Comma) {
            next();
            if (peek().kind != Tok::String)
                return syntaxError(peek().pos);
            delimiters = next().text;
        }
        if (next().kind != Tok::RParen)
            return syntaxError(m_tokens.at(m_pos > 0 ? m_pos - 1 : 0).pos);
        QStringList parts;
        QString current;
        for (const QChar c : values) {
            if (delimiters.contains(c)) {
                if (!current.isEmpty())
                    parts << current;
                current.clear();
            } else {
                current += c;
            }
        }
        if (!current.isEmpty())
            parts << current;
        if (parts.isEmpty())
            return QStringLiteral("0");
        QStringList marks;
        for (const QString &p : parts) {
            m_binds << p;
            marks << QStringLiteral("?");
        }
        // As for comparisons: no COALESCE, so that SQLite looks the values up in the column's
        // index (the key's, for "these documents") instead of reading every document.
        const QString column = QStringLiteral("d.") + IndexDefinition::column(field->field);
        const QString in = column + QStringLiteral(" IN (") + marks.join(QLatin1Char(',')) + QLatin1Char(')');
        if (m_def.fields().at(field->field).key)
            return in;
        return QLatin1Char('(') + in + QStringLiteral(" AND ") + column + QStringLiteral(" IS NOT NULL)");
    }

    QString m_text;
    const IndexDefinition &m_def;
    QList<Token> m_tokens;
    qsizetype m_pos = 0;
    int m_depth = 0;
    int m_clauses = 0;
    QVariantList m_binds;
};

} // namespace

SearchResult<SqlFragment> ODataExpression::filterToSql(
    const QString &filter, const IndexDefinition &def)
{
    if (filter.trimmed().isEmpty())
        return SqlFragment { QStringLiteral("1"), {} };
    return FilterParser(filter, def).parse();
}

SearchResult<QList<OrderClause>> ODataExpression::parseOrderBy(
    const QString &orderBy, const IndexDefinition &def)
{
    const auto error = [](const QString &detail) {
        return badRequest(QStringLiteral("Invalid expression: ") + detail
            + QStringLiteral("\r\nParameter name: $orderby"));
    };
    QList<OrderClause> clauses;
    if (orderBy.trimmed().isEmpty())
        return clauses;
    // Split on top-level commas: function arguments may hold commas of their own.
    QStringList parts;
    int depth = 0;
    QString current;
    for (const QChar c : orderBy) {
        if (c == QLatin1Char('('))
            ++depth;
        else if (c == QLatin1Char(')'))
            --depth;
        if (c == QLatin1Char(',') && depth == 0) {
            parts << current.trimmed();
            current.clear();
        } else {
            current += c;
        }
    }
    parts << current.trimmed();
    if (parts.size() > 32)
        return error(QStringLiteral("There can be at most 32 $orderby clauses."));
    static const QRegularExpression direction(QStringLiteral("\\s+(asc|desc)$"));
    for (const QString &part : parts) {
        OrderClause clause;
        QString target = part;
        if (const auto m = direction.match(target); m.hasMatch()) {
            clause.descending = m.captured(1) == QLatin1String("desc");
            target = target.left(m.capturedStart()).trimmed();
        }
        if (target == QLatin1String("search.score()")) {
            clause.fieldIndex = -1;
        } else if (target.contains(QLatin1Char('('))) {
            return error(
                QStringLiteral("The function in '%1' is not supported by the lab.").arg(part));
        } else if (target.isEmpty() || target.contains(QLatin1Char(' '))) {
            return error(QStringLiteral("Syntax error in the $orderby clause '%1'.").arg(part));
        } else {
            clause.fieldIndex = def.fieldIndex(target);
            if (clause.fieldIndex < 0)
                return error(QStringLiteral(
                    "Could not find a property named '%1' on type 'search.document'.")
                                 .arg(target));
            const FieldSpec &f = def.fields().at(clause.fieldIndex);
            if (!f.sortable)
                return error(QStringLiteral(
                    "The field '%1' is not sortable. Only sortable fields can be used in $orderby.")
                                 .arg(target));
            if (f.type == FieldType::GeographyPoint)
                return error(QStringLiteral(
                    "Sorting by '%1' needs geo.distance, which the lab does not model.")
                                 .arg(target));
        }
        clauses << clause;
    }
    return clauses;
}

SearchResult<QList<int>> ODataExpression::parseSelect(
    const QStringList &select, const IndexDefinition &def)
{
    QList<int> indexes;
    QStringList names;
    for (const QString &s : select) {
        const QString t = s.trimmed();
        if (!t.isEmpty())
            names << t;
    }
    if (names.isEmpty() || names.contains(QStringLiteral("*"))) {
        for (int i = 0; i < def.fields().size(); ++i) {
            if (def.fields().at(i).retrievable)
                indexes << i;
        }
        return indexes;
    }
    for (const QString &name : names) {
        const int i = def.fieldIndex(name);
        if (i < 0 || !def.fields().at(i).retrievable) {
            const QString detail = i < 0
                ? QStringLiteral("Could not find a property named '%1' on type 'search.document'.")
                      .arg(name)
                : QStringLiteral("The field '%1' is not retrievable.").arg(name);
            return badRequest(QStringLiteral("Invalid expression: ") + detail
                + QStringLiteral("\r\nParameter name: $select"));
        }
        if (!indexes.contains(i))
            indexes << i;
    }
    return indexes;
}

bool ODataExpression::parseDateTimeOffset(const QString &text, qint64 *msecsSinceEpoch)
{
    static const QRegularExpression re(QStringLiteral(
        "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,7})?)?(Z|[+-]\\d{2}:\\d{2})$"));
    if (!re.match(text).hasMatch())
        return false;
    QString t = text;
    // Qt reads at most milliseconds; the service accepts up to 100 ns ticks.
    static const QRegularExpression fraction(QStringLiteral("\\.(\\d{3})\\d+"));
    t.replace(fraction, QStringLiteral(".\\1"));
    const QDateTime dt = QDateTime::fromString(t, Qt::ISODateWithMs);
    if (!dt.isValid())
        return false;
    *msecsSinceEpoch = dt.toMSecsSinceEpoch();
    return true;
}

QString ODataExpression::formatDateTimeOffset(qint64 msecsSinceEpoch)
{
    const QDateTime dt = QDateTime::fromMSecsSinceEpoch(msecsSinceEpoch, Qt::UTC);
    return dt.toString(dt.time().msec() ? QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz")
                                        : QStringLiteral("yyyy-MM-ddTHH:mm:ss"))
        + QLatin1Char('Z');
}

} // namespace drlab
