#include "searchclient.h"

#include <QJsonDocument>
#include <QStringList>
#include <QUrlQuery>

#include <cctype>

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

void SearchClient::search(const SearchQuery &query, std::function<void(Result<HttpReply>)> done)
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
             if (reply && reply->status != 200)
                 done(fail(errorText(*reply)));
             else
                 done(std::move(reply));
         });
}

void SearchClient::keyPage(const SearchQuery &query, const QString &keyField, std::function<void(Result<KeyPage>)> done)
{
    search(query, [done, keyField](Result<HttpReply> reply) {
        if (!reply)
            done(std::unexpected(reply.error()));
        else
            done(parseKeyPage(reply->body, keyField));
    });
}

namespace {

// Just enough of a JSON reader to pull the keys out of a search answer: it walks the text
// once and skips every other value whole. Nesting is bounded; any malformed text is an error.
class KeyPageReader
{
public:
    KeyPageReader(const QByteArray &text, const QString &keyField)
        : m_p(text.constData())
        , m_end(text.constData() + text.size())
        , m_keyField(keyField.toUtf8())
    {}

    bool read(KeyPage *page)
    {
        if (!consume('{'))
            return false;
        bool sawValue = false;
        if (consume('}'))
            return false;
        do {
            QByteArray name;
            if (!string(&name) || !consume(':'))
                return false;
            if (name == "value") {
                if (!results(page))
                    return false;
                sawValue = true;
            } else {
                if (name == "@search.nextPageParameters")
                    page->more = true;
                if (!skip(0))
                    return false;
            }
        } while (consume(','));
        if (!consume('}'))
            return false;
        space();
        return sawValue && m_p == m_end;
    }

    QString error;

private:
    bool results(KeyPage *page)
    {
        if (!consume('['))
            return false;
        if (consume(']'))
            return true;
        do {
            if (!consume('{'))
                return false;
            bool found = false;
            if (!consume('}')) {
                do {
                    QByteArray name;
                    if (!string(&name) || !consume(':'))
                        return false;
                    space();
                    if (name == m_keyField && m_p < m_end && *m_p == '"') {
                        QByteArray key;
                        if (!string(&key))
                            return false;
                        page->keys.append(QString::fromUtf8(key));
                        found = true;
                    } else if (!skip(0)) {
                        return false;
                    }
                } while (consume(','));
                if (!consume('}'))
                    return false;
            }
            if (!found) {
                error = QStringLiteral("result %1 of the page has no string field \"%2\"")
                            .arg(page->keys.size() + 1)
                            .arg(QString::fromUtf8(m_keyField));
                return false;
            }
        } while (consume(','));
        return consume(']');
    }

    void space()
    {
        while (m_p < m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t'))
            ++m_p;
    }

    bool consume(char c)
    {
        space();
        if (m_p < m_end && *m_p == c) {
            ++m_p;
            return true;
        }
        return false;
    }

    static int hexDigit(char c)
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }

    bool hex4(char32_t *out)
    {
        if (m_end - m_p < 4)
            return false;
        char32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            const int d = hexDigit(m_p[i]);
            if (d < 0)
                return false;
            v = v * 16 + char32_t(d);
        }
        m_p += 4;
        *out = v;
        return true;
    }

    // A string's UTF-8 bytes, escapes resolved.
    bool string(QByteArray *out)
    {
        if (!consume('"'))
            return false;
        const char *start = m_p;
        while (m_p < m_end && *m_p != '"' && *m_p != '\\' && static_cast<unsigned char>(*m_p) >= 0x20)
            ++m_p;
        out->append(start, m_p - start);
        while (m_p < m_end) {
            const char c = *m_p++;
            if (c == '"')
                return true;
            if (static_cast<unsigned char>(c) < 0x20)
                return false;
            if (c != '\\') {
                out->append(c);
                continue;
            }
            if (m_p >= m_end)
                return false;
            const char e = *m_p++;
            switch (e) {
            case '"': out->append('"'); break;
            case '\\': out->append('\\'); break;
            case '/': out->append('/'); break;
            case 'b': out->append('\b'); break;
            case 'f': out->append('\f'); break;
            case 'n': out->append('\n'); break;
            case 'r': out->append('\r'); break;
            case 't': out->append('\t'); break;
            case 'u': {
                char32_t u = 0;
                if (!hex4(&u))
                    return false;
                if (u >= 0xD800 && u < 0xDC00) {
                    char32_t low = 0;
                    if (m_end - m_p < 2 || m_p[0] != '\\' || m_p[1] != 'u')
                        return false;
                    m_p += 2;
                    if (!hex4(&low) || low < 0xDC00 || low > 0xDFFF)
                        return false;
                    u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
                } else if (u >= 0xDC00 && u <= 0xDFFF) {
                    return false;
                }
                out->append(QString::fromUcs4(&u, 1).toUtf8());
                break;
            }
            default:
                return false;
            }
        }
        return false;
    }

    // Skips one value of any kind.
    bool skip(int depth)
    {
        if (depth > 64)
            return false;
        space();
        if (m_p >= m_end)
            return false;
        const char c = *m_p;
        if (c == '"') {
            QByteArray ignored;
            return string(&ignored);
        }
        if (c == '{' || c == '[') {
            const char close = c == '{' ? '}' : ']';
            ++m_p;
            if (consume(close))
                return true;
            do {
                if (c == '{') {
                    QByteArray name;
                    if (!string(&name) || !consume(':'))
                        return false;
                }
                if (!skip(depth + 1))
                    return false;
            } while (consume(','));
            return consume(close);
        }
        // A number, true, false or null.
        const char *start = m_p;
        while (m_p < m_end && (std::isalnum(static_cast<unsigned char>(*m_p)) || *m_p == '-' || *m_p == '+' || *m_p == '.'))
            ++m_p;
        return m_p > start;
    }

    const char *m_p;
    const char *m_end;
    QByteArray m_keyField;
};

} // namespace

Result<KeyPage> SearchClient::parseKeyPage(const QByteArray &json, const QString &keyField)
{
    KeyPage page;
    KeyPageReader reader(json, keyField);
    if (!reader.read(&page))
        return fail(reader.error.isEmpty() ? QStringLiteral("the search answer is not a JSON object with a \"value\" array") : reader.error);
    return page;
}

void SearchClient::page(const SearchQuery &query, std::function<void(Result<SearchPage>)> done)
{
    search(query, [done](Result<HttpReply> reply) {
        if (!reply) {
            done(std::unexpected(reply.error()));
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

void SearchClient::definition(std::function<void(Result<QJsonObject>)> done)
{
    get(url(QString()), [done](Result<HttpReply> reply) {
        if (!reply) {
            done(std::unexpected(reply.error()));
            return;
        }
        const QJsonDocument doc = QJsonDocument::fromJson(reply->body);
        if (!doc.isObject())
            done(fail(QStringLiteral("the index definition is not a JSON object")));
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
