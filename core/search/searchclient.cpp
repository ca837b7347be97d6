#include "searchclient.h"

#include "azure/entra.h"

#include <QJsonDocument>
#include <QPointer>
#include <QStringList>
#include <QTimer>
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

void SearchClient::send(HttpRequestSpec spec, std::function<void(Result<HttpReply>)> done)
{
    spec.timeoutMs = m_endpoint.timeoutMs;
    spec.caCertificates = m_endpoint.caCertificates;
    if (!m_endpoint.tokens) {
        spec.headers.prepend({QByteArrayLiteral("api-key"), m_endpoint.apiKey});
        HttpExchange::run(m_network, spec, this, std::move(done));
        return;
    }
    const QString scope = m_endpoint.scope.isEmpty() ? QStringLiteral("https://search.azure.com/.default") : m_endpoint.scope;
    QPointer<SearchClient> self(this);
    m_endpoint.tokens->token(scope, [self, spec, scope, done](Result<QByteArray> token) mutable {
        // Like a request in flight, a token on its way dies with the client: no answer then.
        if (!self)
            return;
        if (!token) {
            // The source may answer at once (from its cache): never answer inside the call.
            QTimer::singleShot(0, self, [done, error = QStringLiteral("no Entra ID token for %1: %2").arg(scope, token.error())] {
                done(fail(error));
            });
            return;
        }
        spec.headers.prepend({QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + *token});
        HttpExchange::run(self->m_network, spec, self, std::move(done));
    });
}

void SearchClient::get(const QUrl &url, std::function<void(Result<HttpReply>)> done)
{
    HttpRequestSpec spec;
    spec.url = url;
    spec.headers = {{QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")}};
    send(spec, [done](Result<HttpReply> reply) {
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
    spec.headers = {{QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")},
                    {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
    spec.body = body;
    spec.maxReplyBytes = maxReplyBytes;
    send(spec, std::move(done));
}

QString SearchClient::odataString(const QString &value)
{
    QString quoted = value;
    quoted.replace(u'\'', QStringLiteral("''"));
    return u'\'' + quoted + u'\'';
}

QJsonObject SearchQuery::toJson() const
{
    QJsonObject body{{QStringLiteral("search"), search},
                     {QStringLiteral("top"), top},
                     {QStringLiteral("skip"), skip},
                     {QStringLiteral("count"), count}};
    if (!filter.isEmpty())
        body.insert(QStringLiteral("filter"), filter);
    if (!orderBy.isEmpty())
        body.insert(QStringLiteral("orderby"), orderBy);
    if (!select.isEmpty())
        body.insert(QStringLiteral("select"), select.join(u','));
    for (auto it = more.begin(); it != more.end(); ++it) {
        if (!body.contains(it.key()))
            body.insert(it.key(), it.value());
    }
    return body;
}

SearchQuery SearchQuery::fromJson(const QJsonObject &body)
{
    SearchQuery q;
    q.more = body;
    const auto take = [&q](const QString &name) { return q.more.take(name); };
    if (const QJsonValue v = take(QStringLiteral("search")); v.isString())
        q.search = v.toString();
    q.filter = take(QStringLiteral("filter")).toString();
    q.orderBy = take(QStringLiteral("orderby")).toString();
    for (const QString &field : take(QStringLiteral("select")).toString().split(u',', Qt::SkipEmptyParts))
        q.select.append(field.trimmed());
    if (const QJsonValue v = take(QStringLiteral("top")); v.isDouble())
        q.top = v.toInt();
    q.skip = take(QStringLiteral("skip")).toInt(0);
    q.count = take(QStringLiteral("count")).toBool(false);
    return q;
}

Result<QList<std::pair<QString, QString>>> SearchQuery::toQueryItems() const
{
    QList<std::pair<QString, QString>> items{{QStringLiteral("search"), search}};
    if (!filter.isEmpty())
        items.append({QStringLiteral("$filter"), filter});
    if (!orderBy.isEmpty())
        items.append({QStringLiteral("$orderby"), orderBy});
    if (!select.isEmpty())
        items.append({QStringLiteral("$select"), select.join(u',')});
    items.append({QStringLiteral("$top"), QString::number(top)});
    if (skip > 0)
        items.append({QStringLiteral("$skip"), QString::number(skip)});
    if (count)
        items.append({QStringLiteral("$count"), QStringLiteral("true")});
    const auto scalar = [](const QJsonValue &v) -> std::optional<QString> {
        if (v.isString())
            return v.toString();
        if (v.isBool())
            return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
        if (v.isDouble()) {
            const double d = v.toDouble();
            return d == double(qint64(d)) ? QString::number(qint64(d)) : QString::number(d, 'g', 17);
        }
        return std::nullopt;
    };
    for (auto it = more.begin(); it != more.end(); ++it) {
        const QString name = it.key();
        const QJsonValue v = it.value();
        if (v.isNull() || v.isUndefined())
            continue;
        // The two list parameters the GET form repeats, under their singular names.
        const bool repeated = name == u"facets" || name == u"scoringParameters";
        const QString wireName = name == u"facets" ? QStringLiteral("facet")
                                 : name == u"scoringParameters" ? QStringLiteral("scoringParameter")
                                                                : name;
        if (v.isArray()) {
            QStringList values;
            for (const QJsonValue &e : v.toArray()) {
                const auto text = scalar(e);
                if (!text)
                    return fail(QStringLiteral("search parameter %1 holds objects, which a GET search cannot send: use the POST form").arg(name));
                values.append(*text);
            }
            if (repeated) {
                for (const QString &value : values)
                    items.append({wireName, value});
            } else {
                items.append({wireName, values.join(u',')});
            }
            continue;
        }
        const auto text = scalar(v);
        if (!text)
            return fail(QStringLiteral("search parameter %1 is an object, which a GET search cannot send: use the POST form").arg(name));
        items.append({wireName, *text});
    }
    return items;
}

void SearchClient::search(const SearchQuery &query, std::function<void(Result<HttpReply>)> done)
{
    post(url(QStringLiteral("/docs/search.post.search")), QJsonDocument(query.toJson()).toJson(QJsonDocument::Compact), 64 * 1024 * 1024,
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
            if (!name() || !consume(':'))
                return false;
            if (m_name == "value") {
                if (!results(page))
                    return false;
                sawValue = true;
            } else {
                if (m_name == "@search.nextPageParameters")
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
                    if (!name() || !consume(':'))
                        return false;
                    space();
                    if (m_name == m_keyField && m_p < m_end && *m_p == '"') {
                        if (!string(&page->text))
                            return false;
                        page->ends.append(page->text.size());
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
                            .arg(page->size() + 1)
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

    // A member's name, into m_name (one buffer reused for every name).
    bool name()
    {
        m_name.resize(0);
        return string(&m_name);
    }

    // A string's UTF-8 bytes, escapes resolved, appended to `out` (nullptr: checked and
    // skipped).
    bool string(QByteArray *out)
    {
        if (!consume('"'))
            return false;
        const char *start = m_p;
        while (m_p < m_end && *m_p != '"' && *m_p != '\\' && static_cast<unsigned char>(*m_p) >= 0x20)
            ++m_p;
        QByteArray ignored;
        if (!out)
            out = &ignored;
        else
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
        if (c == '"')
            return string(nullptr);
        if (c == '{' || c == '[') {
            const char close = c == '{' ? '}' : ']';
            ++m_p;
            if (consume(close))
                return true;
            do {
                if (c == '{' && (!string(nullptr) || !consume(':')))
                    return false;
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
    QByteArray m_name;
};

} // namespace

QStringList KeyPage::keys() const
{
    QStringList out;
    out.reserve(size());
    for (qsizetype i = 0; i < size(); ++i)
        out.append(key(i));
    return out;
}

Result<KeyPage> SearchClient::parseKeyPage(const QByteArray &json, const QString &keyField)
{
    KeyPage page;
    // Keys are a small part of the answer (each result also carries its score).
    page.text.reserve(json.size() / 4);
    KeyPageReader reader(json, keyField);
    if (!reader.read(&page))
        return fail(reader.error.isEmpty() ? QStringLiteral("the search answer is not a JSON object with a \"value\" array") : reader.error);
    return page;
}

Result<SearchPage> SearchClient::parsePage(const QByteArray &json)
{
    QJsonParseError error;
    const QJsonObject o = QJsonDocument::fromJson(json, &error).object();
    if (error.error != QJsonParseError::NoError || !o.value(QStringLiteral("value")).isArray())
        return fail(QStringLiteral("the search answer is not a JSON object with a \"value\" array"));
    SearchPage page;
    const QJsonArray value = o.value(QStringLiteral("value")).toArray();
    page.documents.reserve(value.size());
    for (const QJsonValue &v : value)
        page.documents.append(v.toObject());
    const QJsonValue count = o.value(QStringLiteral("@odata.count"));
    if (count.isDouble())
        page.count = count.toInteger();
    const QJsonValue next = o.value(QStringLiteral("@search.nextPageParameters"));
    if (next.isObject())
        page.nextPage = SearchQuery::fromJson(next.toObject());
    page.nextLink = QUrl(o.value(QStringLiteral("@odata.nextLink")).toString());
    page.more = page.nextPage.has_value() || !page.nextLink.isEmpty();
    page.facets = o.value(QStringLiteral("@search.facets")).toObject();
    const QJsonValue coverage = o.value(QStringLiteral("@search.coverage"));
    if (coverage.isDouble())
        page.coverage = coverage.toDouble();
    return page;
}

void SearchClient::page(const SearchQuery &query, std::function<void(Result<SearchPage>)> done)
{
    search(query, [done](Result<HttpReply> reply) {
        if (!reply)
            done(std::unexpected(reply.error()));
        else
            done(parsePage(reply->body));
    });
}

void SearchClient::searchGet(const SearchQuery &query, std::function<void(Result<SearchPage>)> done)
{
    const auto items = query.toQueryItems();
    if (!items) {
        QTimer::singleShot(0, this, [done, error = items.error()] { done(fail(error)); });
        return;
    }
    HttpRequestSpec spec;
    spec.url = url(QStringLiteral("/docs"), *items);
    spec.headers = {{QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")}};
    spec.maxReplyBytes = 64 * 1024 * 1024;
    send(spec, [done](Result<HttpReply> reply) {
        if (!reply)
            done(std::unexpected(reply.error()));
        else if (reply->status != 200)
            done(fail(errorText(*reply)));
        else
            done(parsePage(reply->body));
    });
}

void SearchClient::document(const QString &key, const QStringList &select,
                            std::function<void(Result<std::optional<QJsonObject>>)> done)
{
    // Azure keys hold letters, digits, _, - and = only; a "/" would address another resource.
    if (key.isEmpty() || key.contains(u'/')) {
        QTimer::singleShot(0, this, [done, key] {
            done(fail(QStringLiteral("\"%1\" is not a document key (letters, digits, _, - and = only)").arg(key.left(200))));
        });
        return;
    }
    QList<std::pair<QString, QString>> query;
    if (!select.isEmpty())
        query.append({QStringLiteral("$select"), select.join(u',')});
    HttpRequestSpec spec;
    spec.url = url(QStringLiteral("/docs(") + odataString(key) + u')', query);
    spec.headers = {{QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")}};
    send(spec, [done, key](Result<HttpReply> reply) {
        if (!reply) {
            done(std::unexpected(reply.error()));
            return;
        }
        if (reply->status == 404) {
            done(std::optional<QJsonObject>());
            return;
        }
        if (reply->status != 200) {
            done(fail(QStringLiteral("document %1: %2").arg(key.left(200), errorText(*reply))));
            return;
        }
        const QJsonDocument doc = QJsonDocument::fromJson(reply->body);
        if (!doc.isObject())
            done(fail(QStringLiteral("document %1: the answer is not a JSON object").arg(key.left(200))));
        else
            done(std::optional<QJsonObject>(doc.object()));
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

void SearchClient::statistics(std::function<void(Result<IndexStatistics>)> done)
{
    stats([done](Result<QJsonObject> o) {
        if (!o) {
            done(std::unexpected(o.error()));
            return;
        }
        const QJsonValue documents = o->value(QStringLiteral("documentCount"));
        const QJsonValue storage = o->value(QStringLiteral("storageSize"));
        if (!documents.isDouble() || !storage.isDouble()) {
            done(fail(QStringLiteral("the index statistics lack documentCount or storageSize")));
            return;
        }
        IndexStatistics s;
        s.documentCount = documents.toInteger();
        s.storageSize = storage.toInteger();
        if (const QJsonValue vectors = o->value(QStringLiteral("vectorIndexSize")); vectors.isDouble())
            s.vectorIndexSize = vectors.toInteger();
        done(s);
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
    newest(field, select, QString(), std::move(done));
}

void SearchClient::newest(const QString &field, const QStringList &select, const QString &filter,
                          std::function<void(Result<QJsonObject>)> done)
{
    QList<std::pair<QString, QString>> items{{QStringLiteral("search"), QStringLiteral("*")},
                                             {QStringLiteral("$orderby"), field + QStringLiteral(" desc")},
                                             {QStringLiteral("$top"), QStringLiteral("1")},
                                             {QStringLiteral("$select"), select.join(u',')}};
    if (!filter.isEmpty())
        items.append({QStringLiteral("$filter"), filter});
    const QUrl u = url(QStringLiteral("/docs"), items);
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
