#include "searchstore.h"

#include "ftsquery.h"
#include "odataexpression.h"

#include <QAtomicInt>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace drlab {

namespace {

enum class Action { Upload, Merge, MergeOrUpload, Delete };

QString invalid(const QString &details)
{
    return QStringLiteral("The request is invalid. Details: ") + details;
}

QString docsTable(qint64 id)
{
    return QStringLiteral("i%1_docs").arg(id);
}

QString ftsTableName(qint64 id)
{
    return QStringLiteral("i%1_fts").arg(id);
}

// Sortable dates are how clients read what changed ("lastUpdated ge X", ordered): without an
// index every such page walks the whole table. Named i<id>_... so that statistics count it.
QStringList sortIndexStatements(qint64 id, const QList<FieldSpec> &fields)
{
    QStringList out;
    for (int i = 0; i < fields.size(); ++i) {
        const FieldSpec &f = fields.at(i);
        if (f.sortable && !f.key && !f.collection && f.type == FieldType::DateTimeOffset)
            out << QStringLiteral("CREATE INDEX IF NOT EXISTS i%1_%2 ON %3(%2)")
                       .arg(QString::number(id), IndexDefinition::column(i), docsTable(id));
    }
    return out;
}

QString columnType(const FieldSpec &f)
{
    if (f.isVector())
        return QStringLiteral("BLOB");
    switch (f.type) {
    case FieldType::String:
        return QStringLiteral("TEXT");
    case FieldType::Double:
        return QStringLiteral("REAL");
    default:
        return QStringLiteral("INTEGER");
    }
}

QString compact(const QJsonValue &v)
{
    if (v.isString())
        return v.toString();
    if (v.isObject())
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    if (v.isArray())
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (v.isDouble())
        return QString::number(v.toDouble(), 'g', 17);
    return QStringLiteral("null");
}

SearchResult<QJsonValue> normalizeScalar(const FieldSpec &f, const QJsonValue &v)
{
    const auto cannotConvert = [&f, &v]() {
        const QString element = f.collection ? f.edmType().mid(11).chopped(1) : f.edmType();
        return badRequest(
            invalid(QStringLiteral("Cannot convert the literal '%1' to the expected type '%2'.")
                        .arg(compact(v), element)));
    };
    switch (f.type) {
    case FieldType::String:
        if (!v.isString())
            return cannotConvert();
        return v;
    case FieldType::Int32:
    case FieldType::Int64: {
        if (!v.isDouble())
            return cannotConvert();
        const double d = v.toDouble();
        // Int64 stops short of 2^63: the double 2^63 itself does not fit a qint64.
        const bool inRange = f.type == FieldType::Int32
            ? (d >= -2147483648.0 && d <= 2147483647.0)
            : (d >= -9223372036854775808.0 && d < 9223372036854775808.0);
        if (d != std::floor(d) || !inRange)
            return cannotConvert();
        return v;
    }
    case FieldType::Double:
    case FieldType::Single:
        if (v.isDouble())
            return v;
        if (f.type == FieldType::Double && v.isString()
            && (v.toString() == QLatin1String("NaN") || v.toString() == QLatin1String("INF")
                || v.toString() == QLatin1String("-INF")))
            return v;
        return cannotConvert();
    case FieldType::Boolean:
        if (!v.isBool())
            return cannotConvert();
        return v;
    case FieldType::DateTimeOffset: {
        qint64 ms = 0;
        if (!v.isString() || !ODataExpression::parseDateTimeOffset(v.toString(), &ms))
            return cannotConvert();
        return ODataExpression::formatDateTimeOffset(ms);
    }
    case FieldType::GeographyPoint: {
        const QJsonObject o = v.toObject();
        const QJsonArray c = o.value(QLatin1String("coordinates")).toArray();
        if (!v.isObject() || o.value(QLatin1String("type")).toString() != QLatin1String("Point")
            || c.size() != 2 || !c.at(0).isDouble() || !c.at(1).isDouble())
            return cannotConvert();
        return v;
    }
    }
    return cannotConvert();
}

SearchResult<QJsonValue> normalizeValue(const FieldSpec &f, const QJsonValue &v)
{
    if (v.isNull())
        return v;
    if (!f.collection)
        return normalizeScalar(f, v);
    if (!v.isArray())
        return badRequest(
            invalid(QStringLiteral("Cannot convert the literal '%1' to the expected type '%2'.")
                        .arg(compact(v), f.edmType())));
    const QJsonArray in = v.toArray();
    if (f.isVector() && in.size() != f.dimensions)
        return badRequest(invalid(QStringLiteral(
            "The vector field '%1' must have %2 dimensions, but the document has %3.")
                                      .arg(f.name)
                                      .arg(f.dimensions)
                                      .arg(in.size())));
    QJsonArray out;
    for (const QJsonValue &e : in) {
        auto n = normalizeScalar(f, e);
        if (!n)
            return n;
        out.append(*n);
    }
    return out;
}

QVariant columnValue(const FieldSpec &f, const QJsonValue &v)
{
    if (v.isNull() || v.isUndefined())
        return QVariant();
    if (f.isVector()) {
        const QJsonArray a = v.toArray();
        QList<float> floats;
        floats.reserve(a.size());
        for (const QJsonValue &e : a)
            floats << float(e.toDouble());
        return QByteArray(reinterpret_cast<const char *>(floats.constData()),
            floats.size() * qsizetype(sizeof(float)));
    }
    switch (f.type) {
    case FieldType::String:
        return v.toString();
    case FieldType::Int32:
    case FieldType::Int64:
        return qint64(v.toDouble());
    case FieldType::Double:
        if (v.isString()) {
            if (v.toString() == QLatin1String("INF"))
                return std::numeric_limits<double>::infinity();
            if (v.toString() == QLatin1String("-INF"))
                return -std::numeric_limits<double>::infinity();
            return QVariant();
        }
        return v.toDouble();
    case FieldType::Boolean:
        return v.toBool() ? 1 : 0;
    case FieldType::DateTimeOffset: {
        qint64 ms = 0;
        ODataExpression::parseDateTimeOffset(v.toString(), &ms);
        return ms;
    }
    default:
        return QVariant();
    }
}

QString fullText(const QJsonValue &v)
{
    if (v.isString())
        return v.toString();
    if (v.isArray()) {
        QStringList parts;
        for (const QJsonValue &e : v.toArray())
            parts << e.toString();
        return parts.join(QLatin1Char('\n'));
    }
    return QString();
}

QJsonValue facetValue(const FieldSpec &f, const QVariant &v)
{
    switch (f.type) {
    case FieldType::String:
        return v.toString();
    case FieldType::Int32:
    case FieldType::Int64:
        return v.toLongLong();
    case FieldType::Double:
        return v.toDouble();
    case FieldType::Boolean:
        return v.toLongLong() != 0;
    case FieldType::DateTimeOffset:
        return ODataExpression::formatDateTimeOffset(v.toLongLong());
    default:
        return QJsonValue::fromVariant(v);
    }
}

QJsonObject parseDocument(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

QByteArray serialize(const QJsonObject &doc)
{
    return QJsonDocument(doc).toJson(QJsonDocument::Compact);
}

QJsonObject project(const QJsonObject &doc, const QList<int> &select, const IndexDefinition &def)
{
    QJsonObject out;
    for (const int i : select) {
        const QString &name = def.fields().at(i).name;
        const QJsonValue v = doc.value(name);
        out.insert(name, v.isUndefined() ? QJsonValue(QJsonValue::Null) : v);
    }
    return out;
}

// Azure returns highlights as sentence-sized fragments, not whole fields.
QJsonArray fragments(const QString &highlighted, const QString &preTag)
{
    static const QRegularExpression boundary(QStringLiteral("(?<=[.!?])\\s+|\\n+"));
    QJsonArray out;
    for (const QString &part : highlighted.split(boundary, Qt::SkipEmptyParts)) {
        if (part.contains(preTag))
            out.append(part.trimmed());
        if (out.size() == 5)
            break;
    }
    return out;
}

bool isValidKey(const QString &key)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_=\\-]+$"));
    return key.size() <= 1024 && re.match(key).hasMatch();
}

struct Facet
{
    int field = -1;
    int count = 10;
    QString order;
};

SearchResult<Facet> parseFacet(const QString &spec, const IndexDefinition &def)
{
    const QStringList parts = spec.split(QLatin1Char(','));
    Facet facet;
    const QString name = parts.value(0).trimmed();
    facet.field = def.fieldIndex(name);
    if (facet.field < 0)
        return badRequest(
            QStringLiteral("Invalid facet expression '%1': could not find a field named '%2'.")
                .arg(spec, name));
    const FieldSpec &f = def.fields().at(facet.field);
    if (!f.facetable)
        return badRequest(
            QStringLiteral("Invalid facet expression '%1': the field '%2' is not facetable.")
                .arg(spec, name));
    if (f.collection && f.type != FieldType::String)
        return badRequest(
            QStringLiteral("Invalid facet expression '%1': the lab facets only simple fields and "
                           "Collection(Edm.String).")
                .arg(spec));
    facet.order = QStringLiteral("n DESC, v ASC");
    for (int i = 1; i < parts.size(); ++i) {
        const QString p = parts.at(i).trimmed();
        if (p.startsWith(QLatin1String("count:"))) {
            bool ok = false;
            facet.count = p.mid(6).toInt(&ok);
            if (!ok || facet.count < 0)
                return badRequest(QStringLiteral(
                    "Invalid facet expression '%1': count must be a non-negative integer.")
                                      .arg(spec));
        } else if (p == QLatin1String("sort:count")) {
            facet.order = QStringLiteral("n DESC, v ASC");
        } else if (p == QLatin1String("sort:-count")) {
            facet.order = QStringLiteral("n ASC, v ASC");
        } else if (p == QLatin1String("sort:value")) {
            facet.order = QStringLiteral("v ASC");
        } else if (p == QLatin1String("sort:-value")) {
            facet.order = QStringLiteral("v DESC");
        } else {
            return badRequest(QStringLiteral(
                "Invalid facet expression '%1': '%2' is not supported by the lab (only count "
                "and sort).")
                                  .arg(spec, p));
        }
    }
    return facet;
}

double cosineScore(const float *a, const float *b, int n)
{
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < n; ++i) {
        dot += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
    }
    if (na == 0 || nb == 0)
        return 0;
    const double cosine = dot / (std::sqrt(na) * std::sqrt(nb));
    // The service's score for the cosine metric: 1 / (1 + cosine distance).
    return 1.0 / (1.0 + (1.0 - cosine));
}

} // namespace

SearchStore::SearchStore(const QString &path)
    : m_path(path)
{
    static QAtomicInt counter;
    m_connection = QStringLiteral("drlab-search-%1").arg(counter.fetchAndAddRelaxed(1));
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
    if (!m_db.isValid()) {
        m_error = QStringLiteral("the Qt SQLite driver (QSQLITE) is not available");
        return;
    }
    m_db.setDatabaseName(path);
    if (!m_db.open()) {
        m_error = QStringLiteral("cannot open %1: %2").arg(path, m_db.lastError().text());
        return;
    }
    const bool memory = path == QLatin1String(":memory:");
    // WAL lets readers (stats, the console's probes) run beside a long ingest; NORMAL
    // synchronous is durable across process crashes, which is what a lab needs.
    if ((!memory && !exec(QStringLiteral("PRAGMA journal_mode=WAL")))
        || !exec(QStringLiteral("PRAGMA synchronous=NORMAL"))
        || !exec(QStringLiteral("PRAGMA temp_store=MEMORY"))
        || !exec(QStringLiteral("PRAGMA cache_size=-32768"))) {
        return;
    }
    if (!exec(QStringLiteral("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)"))) {
        m_error = QStringLiteral("SQLite has no FTS5 support: %1").arg(m_error);
        return;
    }
    exec(QStringLiteral("DROP TABLE temp.fts5_probe"));
    // The driver's handle is only usable with the same SQLite library: a Qt built with its
    // own copy would report another version here (or no sqlite3* at all).
    const QVariant handle = m_db.driver()->handle();
    if (handle.isValid() && qstrcmp(handle.typeName(), "sqlite3*") == 0) {
        QSqlQuery version(m_db);
        if (version.exec(QStringLiteral("SELECT sqlite_version()")) && version.next()
            && version.value(0).toString() == QLatin1String(sqlite3_libversion()))
            m_handle = *static_cast<sqlite3 *const *>(handle.constData());
    }
    if (!exec(QStringLiteral("CREATE TABLE IF NOT EXISTS search_indexes(id INTEGER PRIMARY KEY, "
                             "name TEXT NOT NULL UNIQUE, "
                             "definition TEXT NOT NULL, etag INTEGER NOT NULL DEFAULT 1)"))
        || !exec(QStringLiteral("CREATE TEMP TABLE vhits(rowid INTEGER PRIMARY KEY, score REAL)")))
        return;
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("SELECT id, name, definition, etag FROM search_indexes"))) {
        m_error = q.lastError().text();
        return;
    }
    while (q.next()) {
        auto def = IndexDefinition::fromJson(parseDocument(q.value(2).toByteArray()));
        if (!def) {
            m_error = QStringLiteral("stored definition of index '%1' is invalid: %2")
                          .arg(q.value(1).toString(), def.error().message);
            return;
        }
        m_indexes.insert(
            def->name(), Index { q.value(0).toLongLong(), *def, q.value(3).toLongLong() });
    }
    // Stores written before the sortable dates were indexed get their indexes now.
    for (const Index &index : std::as_const(m_indexes)) {
        for (const QString &statement : sortIndexStatements(index.id, index.definition.fields())) {
            if (!exec(statement))
                return;
        }
    }
    m_open = true;
}

SearchStore::~SearchStore()
{
    // Before the connection closes: an open statement would keep it from closing.
    sqlite3_finalize(m_keyStatement);
    m_keyStatement = nullptr;
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connection);
}

bool SearchStore::exec(const QString &sql) const
{
    QSqlQuery q(m_db);
    if (q.exec(sql))
        return true;
    m_error = q.lastError().text();
    return false;
}

std::unexpected<SearchError> SearchStore::sqlFailure(const QString &what) const
{
    return searchFail(
        500, QStringLiteral("InternalServerError"), QStringLiteral("%1: %2").arg(what, m_error));
}

const SearchStore::Index *SearchStore::findIndex(const QString &name) const
{
    const auto it = m_indexes.constFind(name);
    return it == m_indexes.cend() ? nullptr : &it.value();
}

SearchResult<const SearchStore::Index *> SearchStore::requireIndex(const QString &name) const
{
    if (!m_open)
        return searchFail(503, QStringLiteral("ServiceUnavailable"),
            QStringLiteral("The search store is not open: ") + m_error);
    const Index *index = findIndex(name);
    if (!index)
        return searchFail(404, QStringLiteral("ResourceNameNotFound"),
            QStringLiteral("No index with the name '%1' was found in the service.").arg(name));
    return index;
}

bool SearchStore::hasIndex(const QString &index) const
{
    return findIndex(index) != nullptr;
}

QStringList SearchStore::indexNames() const
{
    QStringList names = m_indexes.keys();
    names.sort();
    return names;
}

QString SearchStore::etag(const QString &index) const
{
    const Index *i = findIndex(index);
    return i ? QStringLiteral("0x%1").arg(QString::number(i->etag, 16).toUpper()) : QString();
}

SearchResult<void> SearchStore::createTables(const Index &index) const
{
    const IndexDefinition &def = index.definition;
    QStringList columns { QStringLiteral("rowid INTEGER PRIMARY KEY"),
        QStringLiteral("doc TEXT NOT NULL") };
    for (int i = 0; i < def.fields().size(); ++i) {
        const FieldSpec &f = def.fields().at(i);
        if (!f.hasColumn())
            continue;
        QString column = IndexDefinition::column(i) + QLatin1Char(' ') + columnType(f);
        if (f.key)
            column += QStringLiteral(" NOT NULL UNIQUE");
        columns << column;
    }
    if (!exec(QStringLiteral("CREATE TABLE %1(%2)")
                  .arg(docsTable(index.id), columns.join(QStringLiteral(", ")))))
        return sqlFailure(QStringLiteral("cannot create the documents table"));
    for (const QString &statement : sortIndexStatements(index.id, def.fields())) {
        if (!exec(statement))
            return sqlFailure(QStringLiteral("cannot index a sortable field"));
    }
    const QStringList searchable = def.searchableFields();
    if (!searchable.isEmpty()) {
        QStringList ftsColumns;
        for (int i = 0; i < searchable.size(); ++i)
            ftsColumns << QStringLiteral("s%1").arg(i);
        if (!exec(QStringLiteral("CREATE VIRTUAL TABLE %1 USING fts5(%2, tokenize = 'porter "
                                 "unicode61 remove_diacritics 2')")
                      .arg(ftsTableName(index.id), ftsColumns.join(QStringLiteral(", ")))))
            return sqlFailure(QStringLiteral("cannot create the full-text table"));
    }
    return {};
}

SearchResult<void> SearchStore::rebuildFullText(const Index &index) const
{
    exec(QStringLiteral("DROP TABLE IF EXISTS %1").arg(ftsTableName(index.id)));
    const QStringList searchable = index.definition.searchableFields();
    if (searchable.isEmpty())
        return {};
    QStringList ftsColumns, marks;
    for (int i = 0; i < searchable.size(); ++i) {
        ftsColumns << QStringLiteral("s%1").arg(i);
        marks << QStringLiteral("?");
    }
    if (!exec(QStringLiteral("CREATE VIRTUAL TABLE %1 USING fts5(%2, tokenize = 'porter unicode61 "
                             "remove_diacritics 2')")
                  .arg(ftsTableName(index.id), ftsColumns.join(QStringLiteral(", ")))))
        return sqlFailure(QStringLiteral("cannot create the full-text table"));
    QSqlQuery read(m_db);
    QSqlQuery insert(m_db);
    insert.prepare(QStringLiteral("INSERT INTO %1(rowid, %2) VALUES(?, %3)")
                       .arg(ftsTableName(index.id), ftsColumns.join(QStringLiteral(", ")),
                           marks.join(QStringLiteral(", "))));
    if (!read.exec(QStringLiteral("SELECT rowid, doc FROM %1").arg(docsTable(index.id))))
        return sqlFailure(QStringLiteral("cannot read documents"));
    while (read.next()) {
        const QJsonObject doc = parseDocument(read.value(1).toByteArray());
        insert.addBindValue(read.value(0));
        for (const QString &name : searchable)
            insert.addBindValue(fullText(doc.value(name)));
        if (!insert.exec())
            return sqlFailure(QStringLiteral("cannot rebuild the full-text table"));
    }
    return {};
}

SearchResult<QJsonObject> SearchStore::createIndex(
    const QJsonObject &definition, bool allowUpdate, bool *created)
{
    if (!m_open)
        return searchFail(503, QStringLiteral("ServiceUnavailable"),
            QStringLiteral("The search store is not open: ") + m_error);
    auto def = IndexDefinition::fromJson(definition);
    if (!def)
        return std::unexpected(def.error());
    const QByteArray stored = serialize(def->toJson());
    Index *existing = m_indexes.contains(def->name()) ? &m_indexes[def->name()] : nullptr;
    if (created)
        *created = existing == nullptr;
    if (existing && !allowUpdate)
        return searchFail(409, QStringLiteral("ResourceNameAlreadyInUse"),
            QStringLiteral("Cannot create index '%1' because it already exists.").arg(def->name()));

    if (!m_db.transaction())
        return sqlFailure(QStringLiteral("cannot start a transaction"));
    const auto rollback = [this](std::unexpected<SearchError> e) {
        m_db.rollback();
        return e;
    };
    if (!existing) {
        QSqlQuery q(m_db);
        q.prepare(
            QStringLiteral("INSERT INTO search_indexes(name, definition, etag) VALUES(?, ?, 1)"));
        q.addBindValue(def->name());
        q.addBindValue(QString::fromUtf8(stored));
        if (!q.exec()) {
            m_error = q.lastError().text();
            return rollback(sqlFailure(QStringLiteral("cannot record the index")));
        }
        Index index { q.lastInsertId().toLongLong(), *def, 1 };
        if (auto r = createTables(index); !r)
            return rollback(std::unexpected(r.error()));
        if (!m_db.commit())
            return rollback(sqlFailure(QStringLiteral("cannot commit")));
        m_indexes.insert(def->name(), index);
        return def->toJson();
    }

    // Update: existing fields keep their place and their nature (the service refuses to
    // change them too); new fields may only be appended.
    const IndexDefinition &old = existing->definition;
    const QList<FieldSpec> &newFields = def->fields();
    bool newSearchable = false;
    for (int i = 0; i < old.fields().size(); ++i) {
        const FieldSpec &a = old.fields().at(i);
        if (i >= newFields.size() || newFields.at(i).name != a.name)
            return rollback(badRequest(
                QStringLiteral("Existing field '%1' cannot be removed or moved.").arg(a.name)));
        const FieldSpec &b = newFields.at(i);
        if (a.edmType() != b.edmType() || a.key != b.key || a.searchable != b.searchable
            || a.filterable != b.filterable || a.sortable != b.sortable
            || a.facetable != b.facetable || a.dimensions != b.dimensions)
            return rollback(
                badRequest(QStringLiteral("Existing field '%1' cannot be changed.").arg(a.name)));
    }
    for (int i = int(old.fields().size()); i < newFields.size(); ++i) {
        const FieldSpec &f = newFields.at(i);
        if (f.key)
            return rollback(badRequest(QStringLiteral("The key field cannot be changed.")));
        newSearchable = newSearchable || (f.searchable && !f.isVector());
        if (f.hasColumn()
            && !exec(QStringLiteral("ALTER TABLE %1 ADD COLUMN %2 %3")
                         .arg(docsTable(existing->id), IndexDefinition::column(i), columnType(f))))
            return rollback(sqlFailure(QStringLiteral("cannot add field")));
    }
    for (const QString &statement : sortIndexStatements(existing->id, newFields)) {
        if (!exec(statement))
            return rollback(sqlFailure(QStringLiteral("cannot index a sortable field")));
    }
    Index updated { existing->id, *def, existing->etag + 1 };
    if (newSearchable) {
        if (auto r = rebuildFullText(updated); !r)
            return rollback(std::unexpected(r.error()));
    }
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("UPDATE search_indexes SET definition = ?, etag = ? WHERE id = ?"));
    q.addBindValue(QString::fromUtf8(stored));
    q.addBindValue(updated.etag);
    q.addBindValue(updated.id);
    if (!q.exec() || !m_db.commit()) {
        m_error = q.lastError().text();
        return rollback(sqlFailure(QStringLiteral("cannot update the index")));
    }
    *existing = updated;
    return def->toJson();
}

SearchResult<QJsonObject> SearchStore::indexDefinition(const QString &index) const
{
    auto i = requireIndex(index);
    if (!i)
        return std::unexpected(i.error());
    return (*i)->definition.toJson();
}

SearchResult<void> SearchStore::deleteIndex(const QString &index)
{
    auto found = requireIndex(index);
    if (!found)
        return std::unexpected(found.error());
    const qint64 id = (*found)->id;
    if (!m_db.transaction())
        return sqlFailure(QStringLiteral("cannot start a transaction"));
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("DELETE FROM search_indexes WHERE id = ?"));
    q.addBindValue(id);
    if (!exec(QStringLiteral("DROP TABLE IF EXISTS %1").arg(docsTable(id)))
        || !exec(QStringLiteral("DROP TABLE IF EXISTS %1").arg(ftsTableName(id))) || !q.exec()
        || !m_db.commit()) {
        m_db.rollback();
        return sqlFailure(QStringLiteral("cannot delete the index"));
    }
    m_indexes.remove(index);
    return {};
}

SearchResult<QList<IndexingResult>> SearchStore::indexDocuments(
    const QString &index, const QJsonArray &actions)
{
    auto found = requireIndex(index);
    if (!found)
        return std::unexpected(found.error());
    const Index &idx = **found;
    const IndexDefinition &def = idx.definition;
    const FieldSpec &keyField = def.keyField();

    struct Item
    {
        Action action;
        QString key;
        QJsonObject fields;
    };
    QList<Item> items;
    items.reserve(actions.size());
    static const QHash<QString, Action> actionNames { { QStringLiteral("upload"), Action::Upload },
        { QStringLiteral("merge"), Action::Merge },
        { QStringLiteral("mergeOrUpload"), Action::MergeOrUpload },
        { QStringLiteral("delete"), Action::Delete } };
    // Validate everything first: a request the service calls invalid changes nothing.
    for (const QJsonValue &value : actions) {
        if (!value.isObject())
            return badRequest(
                invalid(QStringLiteral("Each item of 'value' must be a JSON object.")));
        const QJsonObject in = value.toObject();
        Item item;
        item.action = Action::Upload;
        const QJsonValue actionValue = in.value(QLatin1String("@search.action"));
        if (!actionValue.isUndefined()) {
            if (!actionValue.isString() || !actionNames.contains(actionValue.toString()))
                return badRequest(invalid(
                    QStringLiteral("The value '%1' of '@search.action' is not valid; use upload, "
                                   "merge, mergeOrUpload or delete.")
                        .arg(compact(actionValue))));
            item.action = actionNames.value(actionValue.toString());
        }
        for (auto it = in.begin(); it != in.end(); ++it) {
            if (it.key() == QLatin1String("@search.action"))
                continue;
            const FieldSpec *f = def.field(it.key());
            if (!f)
                return badRequest(invalid(QStringLiteral(
                    "The property '%1' does not exist on type 'search.documentFields'. "
                    "Make sure to only use property names that are defined by the type.")
                                              .arg(it.key())));
            if (item.action == Action::Delete && !f->key)
                continue;
            auto normalized = normalizeValue(*f, it.value());
            if (!normalized)
                return std::unexpected(normalized.error());
            item.fields.insert(it.key(), *normalized);
        }
        const QJsonValue key = item.fields.value(keyField.name);
        if (!key.isString() || key.toString().isEmpty())
            return badRequest(invalid(
                QStringLiteral("The key field '%1' is missing or empty in a document of the batch.")
                    .arg(keyField.name)));
        item.key = key.toString();
        items << item;
    }

    const QString docs = docsTable(idx.id);
    const QString fts = ftsTableName(idx.id);
    const QStringList searchable = def.searchableFields();
    const bool hasFts = !searchable.isEmpty();
    QList<int> columnFields;
    QStringList columnNames, marks, assignments;
    for (int i = 0; i < def.fields().size(); ++i) {
        if (!def.fields().at(i).hasColumn())
            continue;
        columnFields << i;
        columnNames << IndexDefinition::column(i);
        marks << QStringLiteral("?");
        assignments << IndexDefinition::column(i) + QStringLiteral(" = ?");
    }
    QStringList ftsColumns, ftsMarks;
    for (int i = 0; i < searchable.size(); ++i) {
        ftsColumns << QStringLiteral("s%1").arg(i);
        ftsMarks << QStringLiteral("?");
    }

    if (!m_db.transaction())
        return sqlFailure(QStringLiteral("cannot start a transaction"));
    QSqlQuery find(m_db), findRow(m_db), insert(m_db), update(m_db), remove(m_db), ftsInsert(m_db),
        ftsRemove(m_db);
    // Only a merge reads what is stored; an upload replaces it and a delete drops it, so
    // they look up the row alone.
    bool prepared = find.prepare(QStringLiteral("SELECT rowid, doc FROM %1 WHERE %2 = ?")
                                     .arg(docs, IndexDefinition::column(def.keyIndex())))
        && findRow.prepare(QStringLiteral("SELECT rowid FROM %1 WHERE %2 = ?")
                               .arg(docs, IndexDefinition::column(def.keyIndex())))
        && insert.prepare(QStringLiteral("INSERT INTO %1(doc, %2) VALUES(?, %3)")
                              .arg(docs, columnNames.join(QStringLiteral(", ")),
                                  marks.join(QStringLiteral(", "))))
        && update.prepare(QStringLiteral("UPDATE %1 SET doc = ?, %2 WHERE rowid = ?")
                              .arg(docs, assignments.join(QStringLiteral(", "))))
        && remove.prepare(QStringLiteral("DELETE FROM %1 WHERE rowid = ?").arg(docs));
    if (prepared && hasFts) {
        prepared = ftsInsert.prepare(QStringLiteral("INSERT INTO %1(rowid, %2) VALUES(?, %3)")
                                         .arg(fts, ftsColumns.join(QStringLiteral(", ")),
                                             ftsMarks.join(QStringLiteral(", "))))
            && ftsRemove.prepare(QStringLiteral("DELETE FROM %1 WHERE rowid = ?").arg(fts));
    }
    const auto failed = [this](QSqlQuery &q, const QString &what) {
        m_error = q.lastError().text();
        m_db.rollback();
        return sqlFailure(what);
    };
    if (!prepared) {
        m_error = find.lastError().text() + insert.lastError().text() + update.lastError().text();
        m_db.rollback();
        return sqlFailure(QStringLiteral("cannot prepare the batch"));
    }

    const auto bindColumns = [&](QSqlQuery &q, const QJsonObject &doc) {
        for (const int i : columnFields)
            q.addBindValue(columnValue(def.fields().at(i), doc.value(def.fields().at(i).name)));
    };
    const auto writeFullText = [&](qint64 rowid, const QJsonObject &doc, bool replace) -> bool {
        if (!hasFts)
            return true;
        if (replace) {
            ftsRemove.addBindValue(rowid);
            if (!ftsRemove.exec())
                return false;
        }
        ftsInsert.addBindValue(rowid);
        for (const QString &name : searchable)
            ftsInsert.addBindValue(fullText(doc.value(name)));
        return ftsInsert.exec();
    };

    QList<IndexingResult> results;
    results.reserve(items.size());
    for (const Item &item : std::as_const(items)) {
        IndexingResult r;
        r.key = item.key;
        if (!isValidKey(item.key)) {
            r.status = false;
            r.statusCode = 400;
            r.errorMessage = QStringLiteral(
                "Invalid document key: '%1'. Keys can only contain letters, digits, "
                "underscore (_), dash (-), or equal sign (=).")
                                 .arg(item.key);
            results << r;
            continue;
        }
        const bool reads = item.action != Action::Upload && item.action != Action::Delete;
        QSqlQuery &lookup = reads ? find : findRow;
        lookup.addBindValue(item.key);
        if (!lookup.exec())
            return failed(lookup, QStringLiteral("cannot look up a document"));
        const bool exists = lookup.next();
        const qint64 rowid = exists ? lookup.value(0).toLongLong() : -1;
        const bool merging = exists && reads;
        const QJsonObject current = merging ? parseDocument(lookup.value(1).toByteArray()) : QJsonObject();
        lookup.finish();

        if (item.action == Action::Delete) {
            if (exists) {
                remove.addBindValue(rowid);
                if (!remove.exec())
                    return failed(remove, QStringLiteral("cannot delete a document"));
                if (hasFts) {
                    ftsRemove.addBindValue(rowid);
                    if (!ftsRemove.exec())
                        return failed(ftsRemove, QStringLiteral("cannot delete a document's text"));
                }
            }
            results << r;
            continue;
        }
        if (item.action == Action::Merge && !exists) {
            r.status = false;
            r.statusCode = 404;
            r.errorMessage = QStringLiteral("Document not found.");
            results << r;
            continue;
        }
        QJsonObject doc = item.fields;
        if (merging) {
            doc = current;
            for (auto it = item.fields.begin(); it != item.fields.end(); ++it)
                doc.insert(it.key(), it.value());
        }
        if (exists) {
            update.addBindValue(serialize(doc));
            bindColumns(update, doc);
            update.addBindValue(rowid);
            if (!update.exec())
                return failed(update, QStringLiteral("cannot update a document"));
            if (!writeFullText(rowid, doc, true))
                return failed(ftsInsert, QStringLiteral("cannot index a document's text"));
            r.statusCode = 200;
        } else {
            insert.addBindValue(serialize(doc));
            bindColumns(insert, doc);
            if (!insert.exec())
                return failed(insert, QStringLiteral("cannot insert a document"));
            if (!writeFullText(insert.lastInsertId().toLongLong(), doc, false))
                return failed(ftsInsert, QStringLiteral("cannot index a document's text"));
            r.statusCode = 201;
        }
        results << r;
    }
    if (!m_db.commit()) {
        m_error = m_db.lastError().text();
        m_db.rollback();
        return sqlFailure(QStringLiteral("cannot commit the batch"));
    }
    return results;
}

SearchResult<QList<IndexingResult>> SearchStore::uploadDocuments(
    const QString &index, const QList<QJsonObject> &documents)
{
    QJsonArray actions;
    for (QJsonObject doc : documents) {
        doc.insert(QStringLiteral("@search.action"), QStringLiteral("mergeOrUpload"));
        actions.append(doc);
    }
    return indexDocuments(index, actions);
}

SearchResult<qint64> SearchStore::count(const QString &index) const
{
    auto found = requireIndex(index);
    if (!found)
        return std::unexpected(found.error());
    QSqlQuery q(m_db);
    if (!q.exec(QStringLiteral("SELECT count(*) FROM %1").arg(docsTable((*found)->id)))
        || !q.next()) {
        m_error = q.lastError().text();
        return sqlFailure(QStringLiteral("cannot count documents"));
    }
    return q.value(0).toLongLong();
}

SearchResult<IndexStatistics> SearchStore::statistics(const QString &index) const
{
    auto found = requireIndex(index);
    if (!found)
        return std::unexpected(found.error());
    const Index &idx = **found;
    IndexStatistics stats;
    auto n = count(index);
    if (!n)
        return std::unexpected(n.error());
    stats.documentCount = *n;
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral(
        "SELECT COALESCE(sum(pgsize), 0) FROM dbstat WHERE name LIKE ? ESCAPE '\\' OR name = ?"));
    q.addBindValue(QStringLiteral("i%1\\_%").arg(idx.id));
    q.addBindValue(QStringLiteral("sqlite_autoindex_%1_1").arg(docsTable(idx.id)));
    if (q.exec() && q.next()) {
        stats.storageSize = q.value(0).toLongLong();
    } else {
        // Without the dbstat table, the stored JSON is a fair lower bound.
        QSqlQuery fallback(m_db);
        if (fallback.exec(QStringLiteral("SELECT COALESCE(sum(length(doc)), 0) FROM %1")
                              .arg(docsTable(idx.id)))
            && fallback.next())
            stats.storageSize = fallback.value(0).toLongLong();
    }
    QStringList vectorSums;
    for (int i = 0; i < idx.definition.fields().size(); ++i) {
        if (idx.definition.fields().at(i).isVector())
            vectorSums
                << QStringLiteral("COALESCE(sum(length(%1)), 0)").arg(IndexDefinition::column(i));
    }
    if (!vectorSums.isEmpty()) {
        QSqlQuery v(m_db);
        if (v.exec(QStringLiteral("SELECT %1 FROM %2")
                       .arg(vectorSums.join(QStringLiteral(" + ")), docsTable(idx.id)))
            && v.next())
            stats.vectorIndexSize = v.value(0).toLongLong();
    }
    return stats;
}

SearchResult<QJsonObject> SearchStore::lookup(
    const QString &index, const QString &key, const QStringList &select) const
{
    auto found = requireIndex(index);
    if (!found)
        return std::unexpected(found.error());
    const Index &idx = **found;
    auto fields = ODataExpression::parseSelect(select, idx.definition);
    if (!fields)
        return std::unexpected(fields.error());
    QSqlQuery q(m_db);
    q.prepare(QStringLiteral("SELECT doc FROM %1 WHERE %2 = ?")
                  .arg(docsTable(idx.id), IndexDefinition::column(idx.definition.keyIndex())));
    q.addBindValue(key);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return sqlFailure(QStringLiteral("cannot look up the document"));
    }
    if (!q.next())
        return searchFail(404, QStringLiteral("DocumentNotFound"),
            QStringLiteral("No document with the key '%1' was found in the index '%2'.")
                .arg(key, index));
    return project(parseDocument(q.value(0).toByteArray()), *fields, idx.definition);
}

SearchResult<SearchResults> SearchStore::search(
    const QString &index, const SearchOptions &options) const
{
    auto found = requireIndex(index);
    if (!found)
        return std::unexpected(found.error());
    const Index &idx = **found;
    const IndexDefinition &def = idx.definition;
    const QString docs = docsTable(idx.id);
    const QString fts = ftsTableName(idx.id);
    const QStringList searchable = def.searchableFields();

    auto filter = ODataExpression::filterToSql(options.filter, def);
    if (!filter)
        return std::unexpected(filter.error());
    auto order = ODataExpression::parseOrderBy(options.orderBy, def);
    if (!order)
        return std::unexpected(order.error());
    auto select = ODataExpression::parseSelect(options.select, def);
    if (!select)
        return std::unexpected(select.error());
    if (options.skip < 0 || options.limit < 0)
        return badRequest(QStringLiteral("skip and top must not be negative."));

    QStringList ftsColumns;
    for (const QString &name : options.searchFields) {
        const QString n = name.trimmed();
        if (n.isEmpty())
            continue;
        const int at = int(searchable.indexOf(n));
        if (at < 0)
            return badRequest(QStringLiteral(
                "Invalid searchFields: the field '%1' is not a searchable field of the index.")
                                  .arg(n));
        ftsColumns << QStringLiteral("s%1").arg(at);
    }
    QList<int> highlightColumns;
    for (const QString &name : options.highlightFields) {
        const QString n = name.trimmed();
        if (n.isEmpty())
            continue;
        const int at = int(searchable.indexOf(n));
        if (at < 0)
            return badRequest(QStringLiteral(
                "Invalid highlight: the field '%1' is not a searchable field of the index.")
                                  .arg(n));
        highlightColumns << at;
    }
    QString profile
        = options.scoringProfile.isEmpty() ? def.defaultScoringProfile() : options.scoringProfile;
    if (!profile.isEmpty() && !def.hasScoringProfile(profile))
        return badRequest(QStringLiteral("Unknown scoring profile '%1'.").arg(profile));
    QList<Facet> facets;
    for (const QString &spec : options.facets) {
        auto facet = parseFacet(spec, def);
        if (!facet)
            return std::unexpected(facet.error());
        facets << *facet;
    }

    const FtsQuery query
        = FtsQuery::fromSimpleQuery(options.search, options.searchModeAll, ftsColumns);
    // Every term is a phrase for bm25 to weigh; a bound keeps a pasted essay from costing
    // seconds (the service bounds query clauses too).
    if (query.terms().size() > 256)
        return badRequest(
            QStringLiteral("The search text has %1 terms; the lab accepts at most 256.")
                .arg(query.terms().size()));
    const bool text = !query.matchesAll();
    if ((text || !query.exclude().isEmpty()) && searchable.isEmpty())
        return badRequest(
            QStringLiteral("The index '%1' has no searchable fields to search in.").arg(index));
    QString bm25 = QStringLiteral("-bm25(%1").arg(fts);
    const QHash<QString, double> weights = def.textWeights(profile);
    for (const QString &name : searchable)
        bm25 += QStringLiteral(", ") + QString::number(weights.value(name, 1.0));
    bm25 += QLatin1Char(')');

    QString from, where, score;
    QVariantList binds;
    if (!options.vectorQueries.isEmpty()) {
        // Exhaustive k-nearest neighbours by cosine, fused with the text ranking by reciprocal
        // rank fusion as the service does for hybrid queries; the fused scores go to a
        // temporary table so filtering, sorting and paging stay in SQL.
        struct Ranked
        {
            QList<QPair<qint64, double>> hits; // best first
            double weight = 1.0;
        };
        QList<Ranked> lists;
        for (const VectorQuery &vq : options.vectorQueries) {
            if (vq.k < 1)
                return badRequest(QStringLiteral("The vector query's k must be at least 1."));
            QHash<qint64, double> best;
            for (const QString &name : vq.fields) {
                const int fi = def.fieldIndex(name.trimmed());
                if (fi < 0 || !def.fields().at(fi).isVector())
                    return badRequest(
                        QStringLiteral("The field '%1' in the vector query is not a vector field.")
                            .arg(name));
                const FieldSpec &f = def.fields().at(fi);
                if (vq.vector.size() != f.dimensions)
                    return badRequest(QStringLiteral(
                        "The vector query's vector has %1 dimensions, but the field '%2' has %3.")
                                          .arg(vq.vector.size())
                                          .arg(f.name)
                                          .arg(f.dimensions));
                QSqlQuery q(m_db);
                q.prepare(
                    QStringLiteral("SELECT d.rowid, d.%1 FROM %2 d WHERE d.%1 IS NOT NULL AND %3")
                        .arg(IndexDefinition::column(fi), docs,
                            options.vectorPostFilter ? QStringLiteral("1") : filter->sql));
                if (!options.vectorPostFilter) {
                    for (const QVariant &b : filter->binds)
                        q.addBindValue(b);
                }
                if (!q.exec()) {
                    m_error = q.lastError().text();
                    return sqlFailure(QStringLiteral("cannot run the vector query"));
                }
                while (q.next()) {
                    const QByteArray blob = q.value(1).toByteArray();
                    if (blob.size() != qsizetype(f.dimensions * sizeof(float)))
                        continue;
                    QList<float> stored(f.dimensions);
                    std::memcpy(stored.data(), blob.constData(), size_t(blob.size()));
                    const double s
                        = cosineScore(vq.vector.constData(), stored.constData(), f.dimensions);
                    const qint64 rowid = q.value(0).toLongLong();
                    best.insert(rowid, std::max(best.value(rowid, 0.0), s));
                }
            }
            Ranked ranked;
            ranked.weight = vq.weight;
            for (auto it = best.cbegin(); it != best.cend(); ++it)
                ranked.hits.append({ it.key(), it.value() });
            std::sort(ranked.hits.begin(), ranked.hits.end(), [](const auto &a, const auto &b) {
                return a.second != b.second ? a.second > b.second : a.first < b.first;
            });
            if (ranked.hits.size() > vq.k)
                ranked.hits.resize(vq.k);
            lists << ranked;
        }
        if (text) {
            QSqlQuery q(m_db);
            q.prepare(QStringLiteral(
                "SELECT d.rowid, %1 AS score FROM %2 JOIN %3 d ON d.rowid = %2.rowid "
                "WHERE %2 MATCH ? AND %4 ORDER BY score DESC, d.rowid LIMIT 1000")
                          .arg(bm25, fts, docs, filter->sql));
            q.addBindValue(query.match());
            for (const QVariant &b : filter->binds)
                q.addBindValue(b);
            if (!q.exec()) {
                m_error = q.lastError().text();
                return badRequest(QStringLiteral("Invalid search query: ") + m_error);
            }
            Ranked ranked;
            while (q.next())
                ranked.hits.append({ q.value(0).toLongLong(), q.value(1).toDouble() });
            lists << ranked;
        }
        QHash<qint64, double> fused;
        if (lists.size() == 1) {
            for (const auto &h : lists.constFirst().hits)
                fused.insert(h.first, h.second);
        } else {
            for (const Ranked &list : std::as_const(lists)) {
                for (int rank = 0; rank < list.hits.size(); ++rank)
                    fused[list.hits.at(rank).first] += list.weight / (60.0 + rank + 1);
            }
        }
        if (!exec(QStringLiteral("DELETE FROM temp.vhits")))
            return sqlFailure(QStringLiteral("cannot reset the hybrid results"));
        QSqlQuery ins(m_db);
        ins.prepare(QStringLiteral("INSERT INTO temp.vhits(rowid, score) VALUES(?, ?)"));
        for (auto it = fused.cbegin(); it != fused.cend(); ++it) {
            ins.addBindValue(it.key());
            ins.addBindValue(it.value());
            if (!ins.exec()) {
                m_error = ins.lastError().text();
                return sqlFailure(QStringLiteral("cannot record the hybrid results"));
            }
        }
        from = QStringLiteral("temp.vhits h JOIN %1 d ON d.rowid = h.rowid").arg(docs);
        where = filter->sql;
        binds = filter->binds;
        score = QStringLiteral("h.score");
    } else if (text) {
        from = QStringLiteral("%1 JOIN %2 d ON d.rowid = %1.rowid").arg(fts, docs);
        where = QStringLiteral("%1 MATCH ? AND %2").arg(fts, filter->sql);
        binds << query.match();
        binds += filter->binds;
        score = bm25;
    } else {
        from = docs + QStringLiteral(" d");
        where = filter->sql;
        binds = filter->binds;
        score = QStringLiteral("1.0");
    }
    if (!query.exclude().isEmpty()) {
        where += QStringLiteral(" AND d.rowid NOT IN (SELECT rowid FROM %1 WHERE %1 MATCH ?)")
                     .arg(fts);
        binds << query.exclude();
    }

    const auto run
        = [this, &binds](QSqlQuery &q, const QString &sql, const QVariantList &extra = {}) -> bool {
        q.setForwardOnly(true);
        if (!q.prepare(sql)) {
            m_error = q.lastError().text();
            return false;
        }
        for (const QVariant &b : binds)
            q.addBindValue(b);
        for (const QVariant &b : extra)
            q.addBindValue(b);
        if (!q.exec()) {
            m_error = q.lastError().text();
            return false;
        }
        return true;
    };
    // FTS5 reports a malformed MATCH only when the statement runs; quoting makes that
    // unlikely, but a failure here is still the caller's query, not the server's fault.
    const auto queryFailure = [this, text]() {
        return text ? badRequest(QStringLiteral("Invalid search query: ") + m_error)
                    : sqlFailure(QStringLiteral("cannot run the search"));
    };

    SearchResults results;
    if (options.includeCount) {
        QSqlQuery q(m_db);
        if (!run(q, QStringLiteral("SELECT count(*) FROM %1 WHERE %2").arg(from, where))
            || !q.next())
            return queryFailure();
        results.count = q.value(0).toLongLong();
    }
    for (const Facet &facet : std::as_const(facets)) {
        const FieldSpec &f = def.fields().at(facet.field);
        QSqlQuery q(m_db);
        const QString sql = f.collection
            ? QStringLiteral(
                "SELECT j.value AS v, count(*) AS n FROM %1, json_each(d.doc, '$.%2') j WHERE %3 "
                "AND j.value IS NOT NULL GROUP BY v ORDER BY %4 LIMIT ?")
                  .arg(from, f.name, where, facet.order)
            : QStringLiteral(
                "SELECT d.%2 AS v, count(*) AS n FROM %1 WHERE %3 AND d.%2 IS NOT NULL GROUP BY v "
                "ORDER BY %4 LIMIT ?")
                  .arg(from, IndexDefinition::column(facet.field), where, facet.order);
        if (!run(q, sql, { facet.count }))
            return queryFailure();
        QJsonArray buckets;
        while (q.next())
            buckets.append(QJsonObject { { QStringLiteral("count"), q.value(1).toLongLong() },
                { QStringLiteral("value"), facetValue(f, q.value(0)) } });
        results.facets.insert(f.name, buckets);
    }

    QStringList orderSql;
    bool scoreOrdered = false;
    for (const OrderClause &c : std::as_const(*order)) {
        const QString dir = c.descending ? QStringLiteral(" DESC") : QStringLiteral(" ASC");
        if (c.fieldIndex < 0) {
            orderSql << QStringLiteral("score") + dir;
            scoreOrdered = true;
        } else {
            orderSql << QStringLiteral("d.") + IndexDefinition::column(c.fieldIndex) + dir;
        }
    }
    if (!scoreOrdered)
        orderSql << QStringLiteral("score DESC");
    orderSql << QStringLiteral("d.rowid");

    // A page of keys alone (how a client diffs two indexes) is answered from the key column:
    // the key is stored there exactly as in the document and is never null, so the answer is
    // the same, without reading and parsing every stored document.
    const bool keyOnly = select->size() == 1 && select->constFirst() == def.keyIndex();
    const QString keyName = def.keyField().name;
    const bool highlighting = text && !highlightColumns.isEmpty();
    if (keyOnly && options.keysOnly && !highlighting && m_handle && score == QLatin1String("1.0")) {
        results.keyField = keyName;
        QVariantList all = binds;
        all << options.limit << options.skip;
        if (!readKeys(QStringLiteral("SELECT d.%5, %1 AS score FROM %2 WHERE %3 ORDER BY %4 LIMIT ? OFFSET ?")
                          .arg(score, from, where, orderSql.join(QStringLiteral(", ")),
                              IndexDefinition::column(def.keyIndex())),
                all, &results))
            return queryFailure();
        return results;
    }
    QSqlQuery q(m_db);
    if (!run(q,
            QStringLiteral(
                "SELECT d.rowid, %5, %1 AS score FROM %2 WHERE %3 ORDER BY %4 LIMIT ? OFFSET ?")
                .arg(score, from, where, orderSql.join(QStringLiteral(", ")),
                    keyOnly ? QStringLiteral("d.") + IndexDefinition::column(def.keyIndex())
                            : QStringLiteral("d.doc")),
            { options.limit, options.skip }))
        return queryFailure();

    QSqlQuery highlight(m_db);
    if (highlighting
        && !highlight.prepare(
            QStringLiteral("SELECT %2 FROM %1 WHERE %1 MATCH ? AND rowid = ?").arg(fts, [&]() {
                QStringList calls;
                for (const int c : highlightColumns)
                    calls << QStringLiteral("highlight(%1, %2, ?, ?)").arg(fts).arg(c);
                return calls.join(QStringLiteral(", "));
            }()))) {
        m_error = highlight.lastError().text();
        return sqlFailure(QStringLiteral("cannot prepare highlighting"));
    }
    const bool keysOnlyHits = keyOnly && options.keysOnly && !highlighting;
    if (keysOnlyHits)
        results.keyField = keyName;
    while (q.next()) {
        SearchHit hit;
        hit.score = q.value(2).toDouble();
        if (keysOnlyHits)
            hit.key = q.value(1).toString();
        else
            hit.document = keyOnly ? QJsonObject { { keyName, q.value(1).toString() } }
                                   : project(parseDocument(q.value(1).toByteArray()), *select, def);
        if (highlighting) {
            for (int i = 0; i < highlightColumns.size(); ++i) {
                highlight.addBindValue(options.highlightPreTag);
                highlight.addBindValue(options.highlightPostTag);
            }
            highlight.addBindValue(query.match());
            highlight.addBindValue(q.value(0));
            if (highlight.exec() && highlight.next()) {
                for (int i = 0; i < highlightColumns.size(); ++i) {
                    const QJsonArray parts
                        = fragments(highlight.value(i).toString(), options.highlightPreTag);
                    if (!parts.isEmpty())
                        hit.highlights.insert(searchable.at(highlightColumns.at(i)), parts);
                }
            }
            highlight.finish();
        }
        results.hits << hit;
    }
    return results;
}

bool SearchStore::readKeys(const QString &sql, const QVariantList &binds, SearchResults *out) const
{
    const auto failed = [this] {
        m_error = QString::fromUtf8(sqlite3_errmsg(m_handle));
        if (m_keyStatement)
            sqlite3_reset(m_keyStatement);
        return false;
    };
    if (!m_keyStatement || sql != m_keyStatementSql) {
        sqlite3_finalize(m_keyStatement);
        m_keyStatement = nullptr;
        m_keyStatementSql.clear();
        const QByteArray text = sql.toUtf8();
        if (sqlite3_prepare_v2(m_handle, text.constData(), int(text.size()), &m_keyStatement, nullptr) != SQLITE_OK)
            return failed();
        m_keyStatementSql = sql;
    }
    sqlite3_stmt *st = m_keyStatement;
    sqlite3_clear_bindings(st);
    // As Qt's driver binds them, so that the answer is the same either way: a null string
    // or byte array is SQL NULL there too.
    for (int i = 0; i < binds.size(); ++i) {
        const QVariant &v = binds.at(i);
        const bool null = v.isNull() || (v.typeId() == QMetaType::QString && v.toString().isNull())
            || (v.typeId() == QMetaType::QByteArray && v.toByteArray().isNull());
        int rc = SQLITE_OK;
        switch (null ? QMetaType::UnknownType : v.typeId()) {
        case QMetaType::UnknownType:
            rc = sqlite3_bind_null(st, i + 1);
            break;
        case QMetaType::Bool:
        case QMetaType::Int:
        case QMetaType::UInt:
        case QMetaType::Long:
        case QMetaType::LongLong:
        case QMetaType::Short:
            rc = sqlite3_bind_int64(st, i + 1, v.toLongLong());
            break;
        case QMetaType::Double:
        case QMetaType::Float:
            rc = sqlite3_bind_double(st, i + 1, v.toDouble());
            break;
        case QMetaType::QByteArray: {
            const QByteArray b = v.toByteArray();
            rc = sqlite3_bind_blob64(st, i + 1, b.constData(), sqlite3_uint64(b.size()), SQLITE_TRANSIENT);
            break;
        }
        default: {
            const QByteArray t = v.toString().toUtf8();
            rc = sqlite3_bind_text64(st, i + 1, t.constData(), sqlite3_uint64(t.size()), SQLITE_TRANSIENT, SQLITE_UTF8);
            break;
        }
        }
        if (rc != SQLITE_OK)
            return failed();
    }
    out->keysPacked = true;
    out->keyText.clear();
    out->keyEnds.clear();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const auto *key = reinterpret_cast<const char *>(sqlite3_column_text(st, 0));
        out->keyText.append(key, sqlite3_column_bytes(st, 0));
        out->keyEnds.append(out->keyText.size());
    }
    if (rc != SQLITE_DONE)
        return failed();
    // Ends the read transaction at once: an open statement would hold back checkpoints.
    sqlite3_reset(st);
    return true;
}

void SearchResults::truncateHits(qsizetype n)
{
    if (keysPacked) {
        if (n < keyEnds.size()) {
            keyText.truncate(n > 0 ? keyEnds.at(n - 1) : 0);
            keyEnds.resize(n);
        }
    } else if (n < hits.size()) {
        hits.resize(n);
    }
}

QString SearchStore::bestAnswer(
    const QString &index, const QString &question, QString *documentId) const
{
    if (documentId)
        documentId->clear();
    const Index *idx = findIndex(index);
    if (!idx || FtsQuery::fromSimpleQuery(question, false).matchesAll())
        return QString();
    SearchOptions options;
    options.search = question;
    options.limit = 1;
    const auto results = search(index, options);
    if (!results || results->hits.isEmpty())
        return QString();
    const QJsonObject &doc = results->hits.constFirst().document;
    if (documentId)
        *documentId = doc.value(idx->definition.keyField().name).toString();
    return doc.value(QLatin1String("answer")).toString();
}

} // namespace drlab
