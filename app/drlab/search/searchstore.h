#pragma once

// The lab's search service storage: any number of Azure AI Search indexes in one SQLite
// database file (WAL journal). Each index is a documents table (the stored JSON plus one
// typed column per simple field, for filters, sorting and facets; vectors as float32 BLOBs)
// and an FTS5 table over its searchable fields (porter stemming, unicode61), ranked by bm25
// with the text weights of the scoring profile in use.
//
// Semantics follow the service: upload replaces a document, merge updates the given fields
// of an existing one (404 "Document not found." otherwise), mergeOrUpload does either,
// delete always succeeds; per-item status 201 when a document is created, 200 otherwise. A
// batch is one transaction. Validation failures of the request as a whole (unknown field,
// wrong type, missing key) fail the whole batch with a 400 before anything is written.
//
// Limits of the REST API (1,000 actions, 16 MB, $top paging, $skip <= 100,000) belong to
// SearchApi; the store takes whatever it is given, so the lab can load its knowledge base in
// one call. Not thread-safe: use a store from the thread that created it (it owns a
// QSqlDatabase connection, which Qt ties to that thread).

#include "indexdefinition.h"
#include "searcherror.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <optional>

struct sqlite3;
struct sqlite3_stmt;

namespace drlab {

struct IndexingResult
{
    QString key;
    bool status = true;
    QString errorMessage; // empty: null
    int statusCode = 200;
};

struct IndexStatistics
{
    qint64 documentCount = 0;
    qint64 storageSize = 0; // bytes of the index's tables and full-text index
    qint64 vectorIndexSize = 0; // bytes of stored vectors
};

struct VectorQuery
{
    QList<float> vector;
    QStringList fields;
    int k = 50;
    double weight = 1.0;
};

struct SearchOptions
{
    QString search; // simple query syntax; empty or "*": every document
    QStringList searchFields;
    bool searchModeAll = false;
    QString filter; // OData $filter
    QString orderBy; // OData $orderby, comma-separated clauses
    QStringList select;
    int skip = 0;
    int limit = 50; // how many hits to return after skip
    bool includeCount = false;
    QStringList facets; // "field[,count:N][,sort:count|-count|value|-value]"
    QStringList highlightFields;
    QString highlightPreTag = QStringLiteral("<em>");
    QString highlightPostTag = QStringLiteral("</em>");
    QString scoringProfile; // empty: the index's default profile
    QList<VectorQuery> vectorQueries;
    bool vectorPostFilter = false;
    // When select is the key field alone: hits carry `key` and an empty document (a page of
    // keys is how a client diffs two indexes; building an object per key is most of its cost).
    bool keysOnly = false;
};

struct SearchHit
{
    double score = 1.0;
    QJsonObject document; // the selected fields (empty with SearchOptions::keysOnly)
    QString key; // with SearchOptions::keysOnly, when select is the key field alone
    QJsonObject highlights; // field -> [fragments]; empty when nothing is highlighted
};

struct SearchResults
{
    QList<SearchHit> hits;
    // With SearchOptions::keysOnly when nothing is scored (no search text, no vectors: every
    // score is 1), the keys may come packed instead: their UTF-8 bytes back to back in
    // `keyText`, `keyEnds` where each ends, and `hits` empty.
    bool keysPacked = false;
    QByteArray keyText;
    QList<qsizetype> keyEnds;
    qsizetype hitCount() const { return keysPacked ? keyEnds.size() : hits.size(); }
    void truncateHits(qsizetype n);
    std::optional<qint64> count; // set when includeCount
    QJsonObject facets; // field -> [{"count", "value"}], for requested facets
    QString keyField; // set when the hits carry only their key (SearchOptions::keysOnly)
};

class SearchStore
{
public:
    // Opens (or creates) the database file; ":memory:" gives a private in-memory store.
    explicit SearchStore(const QString &path);
    ~SearchStore();
    SearchStore(const SearchStore &) = delete;
    SearchStore &operator=(const SearchStore &) = delete;

    bool isOpen() const { return m_open; }
    QString errorString() const { return m_error; }
    QString path() const { return m_path; }

    // Create, or update when allowUpdate and the index exists (fields may be added, existing
    // ones may not change). Returns the stored definition and whether it was created.
    SearchResult<QJsonObject> createIndex(
        const QJsonObject &definition, bool allowUpdate = false, bool *created = nullptr);
    SearchResult<QJsonObject> indexDefinition(const QString &index) const;
    SearchResult<void> deleteIndex(const QString &index);
    QStringList indexNames() const;
    bool hasIndex(const QString &index) const;
    // An opaque version of the index definition, changed by every update (for @odata.etag).
    QString etag(const QString &index) const;

    // actions: objects with "@search.action" (default upload) and the document's fields.
    SearchResult<QList<IndexingResult>> indexDocuments(
        const QString &index, const QJsonArray &actions);
    // Convenience: mergeOrUpload every document, in one transaction.
    SearchResult<QList<IndexingResult>> uploadDocuments(
        const QString &index, const QList<QJsonObject> &documents);

    SearchResult<qint64> count(const QString &index) const;
    SearchResult<IndexStatistics> statistics(const QString &index) const;
    SearchResult<SearchResults> search(const QString &index, const SearchOptions &options) const;
    // 404 when the key is unknown.
    SearchResult<QJsonObject> lookup(
        const QString &index, const QString &key, const QStringList &select = {}) const;

    // For the bot: the "answer" field of the best full-text match for a question, or an empty
    // string when nothing matches (or the index does not exist).
    QString bestAnswer(
        const QString &index, const QString &question, QString *documentId = nullptr) const;

private:
    struct Index
    {
        qint64 id = 0;
        IndexDefinition definition;
        qint64 etag = 0;
    };

    const Index *findIndex(const QString &name) const;
    SearchResult<const Index *> requireIndex(const QString &name) const;
    bool exec(const QString &sql) const;
    SearchResult<void> createTables(const Index &index) const;
    SearchResult<void> rebuildFullText(const Index &index) const;
    std::unexpected<SearchError> sqlFailure(const QString &what) const;

    // A page of keys read with SQLite's own API: no QVariant or QString per row, the key
    // column's UTF-8 text appended as it is stored. False (and m_error) when SQLite refuses.
    bool readKeys(const QString &sql, const QVariantList &binds, SearchResults *out) const;

    QString m_path;
    QString m_connection;
    QSqlDatabase m_db;
    // The Qt connection's own SQLite handle, when the driver is the SQLite this program links
    // (Debian's is); null otherwise, and key pages go through Qt like every other query.
    sqlite3 *m_handle = nullptr;
    mutable sqlite3_stmt *m_keyStatement = nullptr;
    mutable QString m_keyStatementSql;
    bool m_open = false;
    mutable QString m_error; // the last SQLite error, for messages
    QHash<QString, Index> m_indexes;
};

} // namespace drlab
