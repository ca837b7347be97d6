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
