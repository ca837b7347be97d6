#include "searchclient.h"

#include <QJsonDocument>
#include <QUrlQuery>

namespace dr {

SearchClient::SearchClient(QNetworkAccessManager *network, const SearchEndpoint &endpoint, QObject *parent)
    : QObject(parent)
    , m_network(network)
    , m_endpoint(endpoint)
{}

QUrl SearchClient::url(const QString &path, const QList<std::pair<QString, QString>> &query) const
{
    QUrl u = m_endpoint.serviceUrl;
    QString base = u.path();
    while (base.endsWith(u'/'))
        base.chop(1);
    u.setPath(base + QStringLiteral("/indexes/") + m_endpoint.indexName + path);
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("api-version"), m_endpoint.apiVersion);
    for (const auto &[key, value] : query)
        q.addQueryItem(key, QString::fromUtf8(QUrl::toPercentEncoding(value)));
    u.setQuery(q);
    return u;
}

QString SearchClient::errorText(const HttpReply &reply)
{
    const QJsonObject error = QJsonDocument::fromJson(reply.body).object().value(QStringLiteral("error")).toObject();
    if (error.isEmpty())
        return QStringLiteral("HTTP %1").arg(reply.status);
    return QStringLiteral("HTTP %1 %2: %3")
        .arg(reply.status)
        .arg(error.value(QStringLiteral("code")).toString(), error.value(QStringLiteral("message")).toString());
}

void SearchClient::get(const QUrl &url, std::function<void(Result<HttpReply>)> done)
{
    HttpRequestSpec spec;
    spec.url = url;
    spec.headers = {{QByteArrayLiteral("api-key"), m_endpoint.apiKey}, {QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")}};
    spec.timeoutMs = m_endpoint.timeoutMs;
    spec.caCertificates = m_endpoint.caCertificates;
    HttpExchange::run(m_network, spec, this, [done](Result<HttpReply> reply) {
        if (reply && (reply->status < 200 || reply->status > 299))
            done(fail(errorText(*reply)));
        else
            done(std::move(reply));
    });
}

void SearchClient::post(const QUrl &url, const QByteArray &body, qint64 maxReplyBytes, std::function<void(Result<HttpReply>)> done)
{
    HttpRequestSpec spec;
    spec.method = QByteArrayLiteral("POST");
    spec.url = url;
    spec.headers = {{QByteArrayLiteral("api-key"), m_endpoint.apiKey},
                    {QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")},
                    {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
    spec.body = body;
    spec.timeoutMs = m_endpoint.timeoutMs;
    spec.maxReplyBytes = maxReplyBytes;
    spec.caCertificates = m_endpoint.caCertificates;
    HttpExchange::run(m_network, spec, this, std::move(done));
}

QString SearchClient::odataString(const QString &value)
{
    QString quoted = value;
    quoted.replace(u'\'', QStringLiteral("''"));
    return u'\'' + quoted + u'\'';
}

void SearchClient::page(const SearchQuery &query, std::function<void(Result<SearchPage>)> done)
{
    QJsonObject body{{QStringLiteral("search"), query.search}, {QStringLiteral("top"), query.top}};
    if (!query.filter.isEmpty())
        body.insert(QStringLiteral("filter"), query.filter);
    if (!query.orderBy.isEmpty())
        body.insert(QStringLiteral("orderby"), query.orderBy);
    if (!query.select.isEmpty())
        body.insert(QStringLiteral("select"), query.select.join(u','));
    if (query.skip > 0)
        body.insert(QStringLiteral("skip"), query.skip);
    if (query.count)
        body.insert(QStringLiteral("count"), true);
    post(url(QStringLiteral("/docs/search.post.search")), QJsonDocument(body).toJson(QJsonDocument::Compact), 64 * 1024 * 1024,
         [done](Result<HttpReply> reply) {
             if (!reply) {
                 done(std::unexpected(reply.error()));
                 return;
             }
             if (reply->status != 200) {
                 done(fail(errorText(*reply)));
                 return;
             }
             QJsonParseError error;
             const QJsonObject o = QJsonDocument::fromJson(reply->body, &error).object();
             if (error.error != QJsonParseError::NoError || !o.value(QStringLiteral("value")).isArray()) {
                 done(fail(QStringLiteral("the search answer is not a JSON object with a \"value\" array")));
                 return;
             }
             SearchPage page;
             const QJsonArray value = o.value(QStringLiteral("value")).toArray();
             page.documents.reserve(value.size());
             for (const QJsonValue &v : value)
                 page.documents.append(v.toObject());
             const QJsonValue count = o.value(QStringLiteral("@odata.count"));
             if (count.isDouble())
                 page.count = count.toInteger();
             page.more = o.contains(QStringLiteral("@search.nextPageParameters"));
             done(std::move(page));
         });
}

void SearchClient::indexBatch(const QJsonArray &actions, std::function<void(Result<QList<IndexItemResult>>)> done)
{
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("value"), actions}}).toJson(QJsonDocument::Compact);
    post(url(QStringLiteral("/docs/search.index")), body, 16 * 1024 * 1024, [done, actions](Result<HttpReply> reply) {
        if (!reply) {
            done(std::unexpected(reply.error()));
            return;
        }
        if (reply->status == 503 || reply->status == 429) {
            // The whole batch was refused for now: report it per action so that the caller's
            // item retry covers it. The key is not known here; the caller maps by position.
            QList<IndexItemResult> items;
            items.reserve(actions.size());
            for (qsizetype i = 0; i < actions.size(); ++i)
                items.append({QString(), false, reply->status, errorText(*reply)});
            done(std::move(items));
            return;
        }
        if (reply->status != 200 && reply->status != 207) {
            done(fail(errorText(*reply)));
            return;
        }
        QJsonParseError error;
        const QJsonObject o = QJsonDocument::fromJson(reply->body, &error).object();
        if (error.error != QJsonParseError::NoError || !o.value(QStringLiteral("value")).isArray()) {
            done(fail(QStringLiteral("the index batch answer is not a JSON object with a \"value\" array")));
            return;
        }
        QList<IndexItemResult> items;
        for (const QJsonValue &v : o.value(QStringLiteral("value")).toArray()) {
            const QJsonObject item = v.toObject();
            items.append({item.value(QStringLiteral("key")).toString(), item.value(QStringLiteral("status")).toBool(),
                          item.value(QStringLiteral("statusCode")).toInt(), item.value(QStringLiteral("errorMessage")).toString()});
        }
        done(std::move(items));
    });
}

void SearchClient::stats(std::function<void(Result<QJsonObject>)> done)
{
    get(url(QStringLiteral("/stats")), [done](Result<HttpReply> reply) {
        if (!reply) {
            done(std::unexpected(reply.error()));
            return;
        }
        const QJsonDocument doc = QJsonDocument::fromJson(reply->body);
        if (!doc.isObject())
            done(fail(QStringLiteral("the index statistics are not a JSON object")));
        else
            done(doc.object());
    });
}

void SearchClient::count(std::function<void(Result<qint64>)> done)
{
    get(url(QStringLiteral("/docs/$count")), [done](Result<HttpReply> reply) {
        if (!reply) {
            done(std::unexpected(reply.error()));
            return;
        }
        // The body is a bare number (see the Documents_Count example), maybe with a BOM.
        bool ok = false;
        const qint64 n = reply->body.trimmed().replace("\xEF\xBB\xBF", "").toLongLong(&ok);
        if (!ok)
            done(fail(QStringLiteral("the document count is not a number: %1").arg(QString::fromUtf8(reply->body.left(60)))));
        else
            done(n);
    });
}

void SearchClient::newest(const QString &field, const QStringList &select, std::function<void(Result<QJsonObject>)> done)
{
    const QUrl u = url(QStringLiteral("/docs"), {{QStringLiteral("search"), QStringLiteral("*")},
                                                  {QStringLiteral("$orderby"), field + QStringLiteral(" desc")},
                                                  {QStringLiteral("$top"), QStringLiteral("1")},
                                                  {QStringLiteral("$select"), select.join(u',')}});
    get(u, [done](Result<HttpReply> reply) {
        if (!reply) {
            done(std::unexpected(reply.error()));
            return;
        }
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(reply->body, &error);
        if (error.error != QJsonParseError::NoError || !doc.object().value(QStringLiteral("value")).isArray()) {
            done(fail(QStringLiteral("the search answer is not a JSON object with a \"value\" array")));
            return;
        }
        done(doc.object().value(QStringLiteral("value")).toArray().first().toObject());
    });
}

} // namespace dr
