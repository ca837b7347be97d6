#pragma once

// A client of the Azure AI Search REST API (data plane), for what DR Console reads and
// writes: document counts, index statistics, the newest document by a watermark field, one
// document by key, pages of documents (POST or GET), and index batches. The same code talks
// to Azure and to the lab. Errors carry the service's own error.code and error.message.
//
// Auth is an api-key, or a Microsoft Entra ID bearer token (the endpoint's token source, asked
// per request: the source caches), in which case no api-key is sent at all.

#include "common/result.h"
#include "net/httpexchange.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QUrl>

#include <optional>

class QNetworkAccessManager;

namespace dr {

class TokenSource;

struct SearchEndpoint
{
    QUrl serviceUrl;   // https://NAME.search.windows.net (a path prefix is kept)
    QString indexName;
    QString apiVersion = QStringLiteral("2024-07-01");
    QByteArray apiKey;   // with tokens unset
    // When set, every request carries "Authorization: Bearer TOKEN" for `scope` (empty:
    // https://search.azure.com/.default) and no api-key. Not owned: it must outlive the
    // clients built on this endpoint.
    TokenSource *tokens = nullptr;
    QString scope;
    QList<QSslCertificate> caCertificates;
    int timeoutMs = 10000;
};

// One search request (POST /docs/search). Deep paging is the caller's: order by the key and
// filter past the last key seen, since the service caps `skip` at 100,000.
struct SearchQuery
{
    QString search = QStringLiteral("*");
    QString filter;
    QString orderBy;
    QStringList select; // empty: every retrievable field
    int top = 1000;     // the service answers at most 1,000 per page
    int skip = 0;       // the service accepts at most 100,000
    bool count = false;
    // Further members of the request, named as in a POST body ("facets", "highlight",
    // "searchFields", "searchMode", "queryType", "scoringProfile", "scoringParameters",
    // "vectorQueries"...), sent as they are: the service's own vocabulary, not ours to model.
    QJsonObject more;

    // The POST body: search, top, skip and count always (so a query read back from the
    // service's @search.nextPageParameters is sent as it was given), filter, orderby and
    // select when set, then `more`.
    QJsonObject toJson() const;
    // From a POST body, e.g. the service's @search.nextPageParameters; members other than
    // the fields above go to `more`.
    static SearchQuery fromJson(const QJsonObject &body);
    // The GET form's query parameters ($filter, $orderby, $select, $top, $skip, $count,
    // search, and `more`: "facets" and "scoringParameters" as one "facet" / "scoringParameter"
    // per element, other lists comma-joined, null left out). An error for members a URL
    // cannot carry (objects such as vectorQueries: use the POST form).
    Result<QList<std::pair<QString, QString>>> toQueryItems() const;
};

struct SearchPage
{
    QList<QJsonObject> documents; // as the service sent them (with @search.score)
    std::optional<qint64> count;  // @odata.count, when asked for
    bool more = false;            // the service holds more results than this page
    // The service's paging, when it holds more: the request for the next page
    // (@search.nextPageParameters, POST only; send it with page()) and @odata.nextLink. We
    // never follow nextLink itself: it would carry our credentials to whatever host a reply
    // names, and the next page is the same service's.
    std::optional<SearchQuery> nextPage;
    QUrl nextLink;
    QJsonObject facets;              // @search.facets, when asked for
    std::optional<double> coverage;  // @search.coverage, when minimumCoverage was asked for
};

// An index's statistics (GET /indexes/NAME/stats).
struct IndexStatistics
{
    qint64 documentCount = 0;
    qint64 storageSize = 0;               // bytes
    std::optional<qint64> vectorIndexSize; // bytes; absent from older services and the lab
};

// A page of keys alone (a search with select = the key field), as an index diff reads it:
// every key's UTF-8 bytes back to back, so that a page of 1,000 keys is a handful of
// allocations rather than thousands.
struct KeyPage
{
    QByteArray text;        // the keys' UTF-8 bytes, back to back
    QList<qsizetype> ends;  // where each key ends in `text`, in the service's order
    bool more = false;      // the service holds more results than this page

    qsizetype size() const { return ends.size(); }
    bool isEmpty() const { return ends.isEmpty(); }
    QByteArrayView at(qsizetype i) const
    {
        const qsizetype begin = i > 0 ? ends.at(i - 1) : 0;
        return QByteArrayView(text.constData() + begin, ends.at(i) - begin);
    }
    QString key(qsizetype i) const { return QString::fromUtf8(at(i)); }
    QStringList keys() const;
};

// One action's outcome in an index batch, as the service reports it.
struct IndexItemResult
{
    QString key;
    bool succeeded = false;
    int statusCode = 0;
    QString errorMessage;
};

class SearchClient : public QObject
{
    Q_OBJECT

public:
    SearchClient(QNetworkAccessManager *network, const SearchEndpoint &endpoint, QObject *parent = nullptr);

    void count(std::function<void(Result<qint64>)> done);
    // The document with the greatest `field` (ordered descending), or an empty object when
    // the index is empty. `select` lists the fields to return.
    void newest(const QString &field, const QStringList &select, std::function<void(Result<QJsonObject>)> done);
    // The same among the documents `filter` ($filter) admits.
    void newest(const QString &field, const QStringList &select, const QString &filter,
                std::function<void(Result<QJsonObject>)> done);

    // One page of results (search.post.search). Replies up to 64 MB are accepted: a page of
    // 1,000 large documents can exceed the default cap.
    void page(const SearchQuery &query, std::function<void(Result<SearchPage>)> done);
    // The same by GET /docs?search=...: what read-only roles and caches like, for queries a
    // URL can carry (no vector queries).
    void searchGet(const SearchQuery &query, std::function<void(Result<SearchPage>)> done);
    // One document by key (GET /docs('KEY'), the OData form, so that no key can be taken for
    // a sub-resource such as "search"); `select` empty: every retrievable field. nullopt when
    // the index has no such document (404).
    void document(const QString &key, const QStringList &select,
                  std::function<void(Result<std::optional<QJsonObject>>)> done);
    // The same request, answered with the keys alone: `keyField`'s value in each result.
    // Reading 100,000 keys this way costs a fraction of building a JSON object per result.
    void keyPage(const SearchQuery &query, const QString &keyField, std::function<void(Result<KeyPage>)> done);
    // The keys of a search answer ({"value": [{..., keyField: "k"}, ...]}), read straight from
    // the text; an error when it is not JSON of that shape or a result has no string key.
    static Result<KeyPage> parseKeyPage(const QByteArray &json, const QString &keyField);
    // An index batch ({"value": actions}, at most 1,000 actions). 200 and 207 both answer
    // one result per action. A whole batch refused with 503 or 429 (the service is busy)
    // answers every action as failed with that status, so callers retry items one way;
    // other failures (400, 403, 413, a dead service) are an error. Needs the admin key.
    void indexBatch(const QJsonArray &actions, std::function<void(Result<QList<IndexItemResult>>)> done);
    // The index statistics ({"documentCount", "storageSize", ...}); needs the admin key,
    // which makes it the cheap way to learn whether a key may write.
    void stats(std::function<void(Result<QJsonObject>)> done);
    // The same, read into its documented members; an error when documentCount or
    // storageSize is missing.
    void statistics(std::function<void(Result<IndexStatistics>)> done);
    // A search answer ({"value": [...], "@odata.count", "@search.nextPageParameters", ...}).
    static Result<SearchPage> parsePage(const QByteArray &json);
    // The index definition (GET /indexes/NAME); needs the admin key too, and unlike the
    // statistics the service answers it without measuring the index.
    void definition(std::function<void(Result<QJsonObject>)> done);

    // An OData string literal: 'value' with ' doubled.
    static QString odataString(const QString &value);

    QUrl url(const QString &path, const QList<std::pair<QString, QString>> &query = {}) const;
    // The service's {"error": {"code", "message"}} as one line, or the status when the body
    // has none.
    static QString errorText(const HttpReply &reply);

private:
    // Adds the auth header (api-key, or a bearer token fetched first) and sends.
    void send(HttpRequestSpec spec, std::function<void(Result<HttpReply>)> done);
    void search(const SearchQuery &query, std::function<void(Result<HttpReply>)> done);
    void get(const QUrl &url, std::function<void(Result<HttpReply>)> done);
    // POSTs a JSON body; answers the reply whatever its status (the caller judges it).
    void post(const QUrl &url, const QByteArray &body, qint64 maxReplyBytes, std::function<void(Result<HttpReply>)> done);

    QNetworkAccessManager *m_network;
    SearchEndpoint m_endpoint;
};

} // namespace dr
