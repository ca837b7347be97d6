#include "searchapi.h"

#include "searchstore.h"

#include "common/constanttime.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QRegularExpression>
#include <QSet>
#include <QUuid>

#include <cmath>
#include <optional>

namespace drlab {

namespace {

enum class Op {
    Unknown,
    Indexes,
    Index,
    Stats,
    Docs,
    Count,
    SearchPost,
    IndexDocs,
    Lookup,
    Unsupported
};

struct Route
{
    Op op = Op::Unknown;
    QString index;
    QString key;
    QString subresource; // the last path segment under /docs, as written
};

QString decoded(const QString &encoded)
{
    return QUrl::fromPercentEncoding(encoded.toUtf8());
}

// An OData key segment ('name', quotes doubled inside) or a plain segment.
QString odataKey(const QString &inner)
{
    QString s = decoded(inner);
    s.replace(QLatin1String("''"), QLatin1String("'"));
    return s;
}

Route parseRoute(const QUrl &url)
{
    Route r;
    QString path = url.path(QUrl::FullyEncoded);
    while (path.size() > 1 && path.endsWith(QLatin1Char('/')))
        path.chop(1);
    if (!path.startsWith(QLatin1String("/indexes")))
        return r;
    QString rest = path.mid(8);
    if (rest.isEmpty()) {
        r.op = Op::Indexes;
        return r;
    }
    if (rest.startsWith(QLatin1String("('"))) {
        const qsizetype end = rest.indexOf(QLatin1String("')"), 2);
        if (end < 0)
            return r;
        r.index = odataKey(rest.mid(2, end - 2));
        rest = rest.mid(end + 2);
    } else if (rest.startsWith(QLatin1Char('/'))) {
        const qsizetype end = rest.indexOf(QLatin1Char('/'), 1);
        r.index = decoded(rest.mid(1, end < 0 ? -1 : end - 1));
        rest = end < 0 ? QString() : rest.mid(end);
    } else {
        return r;
    }
    if (r.index.isEmpty())
        return r;
    if (rest.isEmpty()) {
        r.op = Op::Index;
    } else if (rest == QLatin1String("/stats") || rest == QLatin1String("/search.stats")) {
        r.op = Op::Stats;
    } else if (rest == QLatin1String("/docs")) {
        r.op = Op::Docs;
    } else if (rest.startsWith(QLatin1String("/docs('")) && rest.endsWith(QLatin1String("')"))) {
        r.op = Op::Lookup;
        r.key = odataKey(rest.mid(7, rest.size() - 9));
    } else if (rest.startsWith(QLatin1String("/docs/"))
        && !rest.mid(6).contains(QLatin1Char('/'))) {
        const QString sub = decoded(rest.mid(6));
        r.subresource = sub;
        static const QSet<QString> unsupported { QStringLiteral("suggest"),
            QStringLiteral("autocomplete"), QStringLiteral("search.suggest"),
            QStringLiteral("search.autocomplete"), QStringLiteral("search.post.suggest"),
            QStringLiteral("search.post.autocomplete") };
        if (sub == QLatin1String("$count"))
            r.op = Op::Count;
        else if (sub == QLatin1String("search") || sub == QLatin1String("search.post.search"))
            r.op = Op::SearchPost;
        else if (sub == QLatin1String("index") || sub == QLatin1String("search.index"))
            r.op = Op::IndexDocs;
        else if (unsupported.contains(sub))
            r.op = Op::Unsupported;
        else
            r.op = Op::Lookup;
        r.key = sub;
    }
    return r;
}

class QueryString
{
public:
    explicit QueryString(const QUrl &url)
    {
        const QString query = url.query(QUrl::FullyEncoded);
        for (const QString &pair : query.split(QLatin1Char('&'), Qt::SkipEmptyParts)) {
            const qsizetype eq = pair.indexOf(QLatin1Char('='));
            QString key = eq < 0 ? pair : pair.left(eq);
            QString value = eq < 0 ? QString() : pair.mid(eq + 1);
            // Form encoding: '+' is a space (a literal '+' arrives as %2B).
            key.replace(QLatin1Char('+'), QLatin1String("%20"));
            value.replace(QLatin1Char('+'), QLatin1String("%20"));
            m_items.append({ decoded(key), decoded(value) });
        }
    }
    bool has(const QString &key) const
    {
        for (const auto &item : m_items) {
            if (item.first == key)
                return true;
        }
        return false;
    }
    QString value(const QString &key) const
    {
        for (const auto &item : m_items) {
            if (item.first == key)
                return item.second;
        }
        return QString();
    }
    QStringList values(const QString &key) const
    {
        QStringList out;
        for (const auto &item : m_items) {
            if (item.first == key)
                out << item.second;
        }
        return out;
    }
    const QList<QPair<QString, QString>> &items() const { return m_items; }

private:
    QList<QPair<QString, QString>> m_items;
};

QByteArray requestId()
{
    return QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
}

HttpResponse json(int status, const QJsonValue &value)
{
    HttpResponse r;
    r.status = status;
    r.body = value.isArray() ? QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact)
                             : QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    return r;
}

// A string as QJsonDocument writes it (UTF-8, quotes, backslashes and controls escaped).
void appendJsonString(QByteArray &out, QByteArrayView utf8)
{
    out += '"';
    for (const char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            static const char hex[] = "0123456789abcdef";
            switch (c) {
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                out += "\\u00";
                out += hex[u >> 4];
                out += hex[u & 0xf];
            }
        } else {
            out += c;
        }
    }
    out += '"';
}

void appendJsonString(QByteArray &out, const QString &s)
{
    appendJsonString(out, QByteArrayView(s.toUtf8()));
}

// The search answer: `head` (the @odata/@search annotations, which all sort before "value",
// as QJsonDocument would order them) and the hits written one by one. A page of keys alone is
// written straight from the keys, without an object per hit.
QByteArray searchAnswer(const QJsonObject &head, const SearchResults &results)
{
    QByteArray body = QJsonDocument(head).toJson(QJsonDocument::Compact);
    body.chop(1); // the closing brace
    if (body.size() > 1)
        body += ',';
    body += "\"value\":[";
    const bool keys = !results.keyField.isEmpty();
    if (keys)
        body.reserve(body.size() + results.hitCount() * (40 + results.keyField.size()) + results.keyText.size());
    if (results.keysPacked) {
        // Every score is 1 here (nothing was scored).
        QByteArray head = "{\"@search.score\":1,";
        appendJsonString(head, results.keyField);
        head += ':';
        qsizetype begin = 0;
        for (qsizetype i = 0; i < results.keyEnds.size(); ++i) {
            if (i > 0)
                body += ',';
            body += head;
            appendJsonString(body, QByteArrayView(results.keyText).sliced(begin, results.keyEnds.at(i) - begin));
            body += '}';
            begin = results.keyEnds.at(i);
        }
        body += "]}";
        return body;
    }
    bool first = true;
    for (const SearchHit &hit : results.hits) {
        if (!first)
            body += ',';
        first = false;
        if (keys) {
            body += "{\"@search.score\":";
            body += QByteArray::number(hit.score, 'g', QLocale::FloatingPointShortest);
            body += ',';
            appendJsonString(body, results.keyField);
            body += ':';
            appendJsonString(body, hit.key);
            body += '}';
            continue;
        }
        QJsonObject doc = hit.document;
        doc.insert(QStringLiteral("@search.score"), hit.score);
        if (!hit.highlights.isEmpty())
            doc.insert(QStringLiteral("@search.highlights"), hit.highlights);
        body += QJsonDocument(doc).toJson(QJsonDocument::Compact);
    }
    body += "]}";
    return body;
}

HttpResponse error(const SearchError &e)
{
    HttpResponse r = json(e.status,
        QJsonObject { { QStringLiteral("error"),
            QJsonObject {
                { QStringLiteral("code"), e.code }, { QStringLiteral("message"), e.message } } } });
    r.contentType = QByteArrayLiteral("application/json; charset=utf-8");
    return r;
}

HttpResponse error(int status, const QString &code, const QString &message)
{
    return error(SearchError { status, code, message });
}

HttpResponse invalidRequest(const QString &details)
{
    return error(400, QStringLiteral("InvalidRequestParameter"),
        QStringLiteral("The request is invalid. Details: ") + details);
}

bool supportedApiVersion(const QString &v)
{
    static const QSet<QString> stable { QStringLiteral("2019-05-06"), QStringLiteral("2020-06-30"),
        QStringLiteral("2023-11-01"), QStringLiteral("2024-07-01"), QStringLiteral("2025-09-01") };
    static const QRegularExpression preview(QStringLiteral("^20\\d\\d-\\d\\d-\\d\\d-[Pp]review$"));
    return stable.contains(v) || preview.match(v).hasMatch();
}

QString baseOf(const QUrl &url, const QUrl &baseUrl)
{
    if (baseUrl.isValid() && !baseUrl.isEmpty())
        return baseUrl.toString(
            QUrl::StripTrailingSlash | QUrl::RemoveQuery | QUrl::RemoveFragment);
    if (url.isRelative())
        return QString();
    return url.toString(
        QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::RemoveUserInfo);
}

QString odataIndexPath(const QString &index)
{
    QString quoted = index;
    quoted.replace(QLatin1String("'"), QLatin1String("''"));
    return QStringLiteral("/indexes('") + QString::fromUtf8(QUrl::toPercentEncoding(quoted, "'()"))
        + QStringLiteral("')");
}

QStringList csv(const QString &s)
{
    QStringList out;
    for (const QString &part : s.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString t = part.trimmed();
        if (!t.isEmpty())
            out << t;
    }
    return out;
}

// What a search request asked for, from the query string or the body, before paging.
struct SearchRequest
{
    SearchOptions options;
    std::optional<qint64> top;
    qint64 skip = 0;
    bool coverage = false;
};

std::optional<HttpResponse> checkCommon(SearchRequest &req, const QString &queryType,
    const QString &searchMode, const QString &scoringStatistics, const QString &sessionId,
    const QString &vectorFilterMode)
{
    if (!searchMode.isEmpty() && searchMode != QLatin1String("any")
        && searchMode != QLatin1String("all"))
        return invalidRequest(
            QStringLiteral("searchMode : '%1' is not valid; use 'any' or 'all'.").arg(searchMode));
    req.options.searchModeAll = searchMode == QLatin1String("all");
    if (queryType == QLatin1String("semantic"))
        return error(400, QStringLiteral("InvalidRequestParameter"),
            QStringLiteral(
                "Semantic ranking is not available in the lab; use queryType 'simple'."));
    if (!queryType.isEmpty() && queryType != QLatin1String("simple")
        && queryType != QLatin1String("full"))
        return invalidRequest(
            QStringLiteral("queryType : '%1' is not valid; use 'simple', 'full' or 'semantic'.")
                .arg(queryType));
    if (!scoringStatistics.isEmpty() && scoringStatistics != QLatin1String("local")
        && scoringStatistics != QLatin1String("global"))
        return invalidRequest(
            QStringLiteral("scoringStatistics : '%1' is not valid; use 'local' or 'global'.")
                .arg(scoringStatistics));
    if (sessionId.startsWith(QLatin1Char('_')))
        return invalidRequest(QStringLiteral("sessionId : the session id cannot start with '_'."));
    if (!vectorFilterMode.isEmpty() && vectorFilterMode != QLatin1String("preFilter")
        && vectorFilterMode != QLatin1String("postFilter"))
        return invalidRequest(
            QStringLiteral("vectorFilterMode : '%1' is not valid; use 'preFilter' or 'postFilter'.")
                .arg(vectorFilterMode));
    req.options.vectorPostFilter = vectorFilterMode == QLatin1String("postFilter");
    if (req.skip < 0 || req.skip > SearchApi::MaxSkip)
        return error(400, QStringLiteral("InvalidRequestParameter"),
            QStringLiteral("Invalid value for $skip: %1. $skip must be between 0 and %2.")
                .arg(req.skip)
                .arg(SearchApi::MaxSkip));
    if (req.top && *req.top < 0)
        return error(400, QStringLiteral("InvalidRequestParameter"),
            QStringLiteral("Invalid value for $top: %1. $top must not be negative.").arg(*req.top));
    return std::nullopt;
}

std::optional<HttpResponse> parseGetSearch(const QueryString &q, SearchRequest *req)
{
    SearchOptions &o = req->options;
    o.search = q.value(QStringLiteral("search"));
    o.searchFields = csv(q.value(QStringLiteral("searchFields")));
    o.filter = q.value(QStringLiteral("$filter"));
    o.orderBy = q.value(QStringLiteral("$orderby"));
    o.select = csv(q.value(QStringLiteral("$select")));
    o.facets = q.values(QStringLiteral("facet"));
    o.highlightFields = csv(q.value(QStringLiteral("highlight")));
    if (q.has(QStringLiteral("highlightPreTag")))
        o.highlightPreTag = q.value(QStringLiteral("highlightPreTag"));
    if (q.has(QStringLiteral("highlightPostTag")))
        o.highlightPostTag = q.value(QStringLiteral("highlightPostTag"));
    o.scoringProfile = q.value(QStringLiteral("scoringProfile"));
    const auto integer = [&q](const QString &name, qint64 *out) -> std::optional<HttpResponse> {
        bool ok = false;
        *out = q.value(name).toLongLong(&ok);
        if (!ok)
            return invalidRequest(
                QStringLiteral("%1 : '%2' is not a valid integer.").arg(name, q.value(name)));
        return std::nullopt;
    };
    if (q.has(QStringLiteral("$top"))) {
        qint64 top = 0;
        if (auto e = integer(QStringLiteral("$top"), &top))
            return e;
        req->top = top;
    }
    if (q.has(QStringLiteral("$skip"))) {
        if (auto e = integer(QStringLiteral("$skip"), &req->skip))
            return e;
    }
    if (q.has(QStringLiteral("$count"))) {
        const QString c = q.value(QStringLiteral("$count"));
        if (c != QLatin1String("true") && c != QLatin1String("false"))
            return invalidRequest(QStringLiteral("$count : '%1' is not a valid Boolean.").arg(c));
        o.includeCount = c == QLatin1String("true");
    }
    if (q.has(QStringLiteral("minimumCoverage"))) {
        bool ok = false;
        const double c = q.value(QStringLiteral("minimumCoverage")).toDouble(&ok);
        if (!ok || c < 0 || c > 100)
            return invalidRequest(
                QStringLiteral("minimumCoverage : must be a number between 0 and 100."));
        req->coverage = true;
    }
    return checkCommon(*req, q.value(QStringLiteral("queryType")),
        q.value(QStringLiteral("searchMode")), q.value(QStringLiteral("scoringStatistics")),
        q.value(QStringLiteral("sessionId")), QString());
}

std::optional<HttpResponse> parseVectorQueries(const QJsonValue &value, SearchRequest *req)
{
    if (!value.isArray())
        return invalidRequest(QStringLiteral("vectorQueries : must be an array."));
    static const QSet<QString> known { QStringLiteral("kind"), QStringLiteral("vector"),
        QStringLiteral("fields"), QStringLiteral("k"), QStringLiteral("exhaustive"),
        QStringLiteral("oversampling"), QStringLiteral("weight") };
    for (const QJsonValue &v : value.toArray()) {
        const QJsonObject o = v.toObject();
        if (!v.isObject())
            return invalidRequest(
                QStringLiteral("vectorQueries : each vector query must be an object."));
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (!known.contains(it.key()))
                return invalidRequest(QStringLiteral(
                    "The parameter '%1' in the request payload is not a valid parameter "
                    "for a vector query.")
                                          .arg(it.key()));
        }
        if (o.value(QLatin1String("kind")).toString() != QLatin1String("vector"))
            return invalidRequest(QStringLiteral(
                "vectorQueries : only kind 'vector' is available in the lab (no vectorizers)."));
        VectorQuery vq;
        const QJsonValue vector = o.value(QLatin1String("vector"));
        if (!vector.isArray() || vector.toArray().isEmpty())
            return invalidRequest(
                QStringLiteral("vectorQueries : 'vector' must be a non-empty array of numbers."));
        for (const QJsonValue &x : vector.toArray()) {
            if (!x.isDouble())
                return invalidRequest(QStringLiteral(
                    "vectorQueries : 'vector' must be a non-empty array of numbers."));
            vq.vector << float(x.toDouble());
        }
        vq.fields = csv(o.value(QLatin1String("fields")).toString());
        if (vq.fields.isEmpty())
            return invalidRequest(
                QStringLiteral("vectorQueries : 'fields' must name at least one vector field."));
        const QJsonValue k = o.value(QLatin1String("k"));
        if (!k.isUndefined() && !k.isNull()) {
            if (!k.isDouble() || k.toDouble() != k.toInt())
                return invalidRequest(QStringLiteral("vectorQueries : 'k' must be an integer."));
            vq.k = k.toInt();
        }
        const QJsonValue w = o.value(QLatin1String("weight"));
        if (!w.isUndefined() && !w.isNull()) {
            if (!w.isDouble() || w.toDouble() <= 0)
                return invalidRequest(
                    QStringLiteral("vectorQueries : 'weight' must be a positive number."));
            vq.weight = w.toDouble();
        }
        req->options.vectorQueries << vq;
    }
    return std::nullopt;
}

std::optional<HttpResponse> parsePostSearch(const QJsonObject &body, SearchRequest *req)
{
    enum class T { Bool, Int, Number, String, StringArray, Any };
    static const QHash<QString, T> known {
        { QStringLiteral("count"), T::Bool },
        { QStringLiteral("facets"), T::StringArray },
        { QStringLiteral("filter"), T::String },
        { QStringLiteral("highlight"), T::String },
        { QStringLiteral("highlightPostTag"), T::String },
        { QStringLiteral("highlightPreTag"), T::String },
        { QStringLiteral("minimumCoverage"), T::Number },
        { QStringLiteral("orderby"), T::String },
        { QStringLiteral("queryType"), T::String },
        { QStringLiteral("scoringParameters"), T::StringArray },
        { QStringLiteral("scoringProfile"), T::String },
        { QStringLiteral("scoringStatistics"), T::String },
        { QStringLiteral("search"), T::String },
        { QStringLiteral("searchFields"), T::String },
        { QStringLiteral("searchMode"), T::String },
        { QStringLiteral("select"), T::String },
        { QStringLiteral("sessionId"), T::String },
        { QStringLiteral("skip"), T::Int },
        { QStringLiteral("top"), T::Int },
        { QStringLiteral("vectorQueries"), T::Any },
        { QStringLiteral("vectorFilterMode"), T::String },
        { QStringLiteral("semanticConfiguration"), T::String },
        { QStringLiteral("semanticErrorHandling"), T::String },
        { QStringLiteral("semanticMaxWaitInMilliseconds"), T::Int },
        { QStringLiteral("semanticQuery"), T::String },
        { QStringLiteral("answers"), T::String },
        { QStringLiteral("captions"), T::String },
    };
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (!known.contains(it.key()))
            return invalidRequest(QStringLiteral(
                "The parameter '%1' in the request payload is not a valid parameter for "
                "the operation 'search'.")
                                      .arg(it.key()));
        const QJsonValue v = it.value();
        if (v.isNull())
            continue;
        bool ok = true;
        switch (known.value(it.key())) {
        case T::Bool:
            ok = v.isBool();
            break;
        case T::Int: {
            // Range first: casting an out-of-range double to an integer is undefined.
            const double d = v.toDouble();
            ok = v.isDouble() && std::abs(d) <= 2147483647.0 && std::floor(d) == d;
            break;
        }
        case T::Number:
            ok = v.isDouble();
            break;
        case T::String:
            ok = v.isString();
            break;
        case T::StringArray:
            ok = v.isArray();
            for (const QJsonValue &e : v.toArray())
                ok = ok && e.isString();
            break;
        case T::Any:
            break;
        }
        if (!ok)
            return invalidRequest(QStringLiteral(
                "Cannot convert the value of '%1' to the type the operation expects.")
                                      .arg(it.key()));
    }
    SearchOptions &o = req->options;
    const auto str = [&body](const char *key) { return body.value(QLatin1String(key)).toString(); };
    o.search = str("search");
    o.searchFields = csv(str("searchFields"));
    o.filter = str("filter");
    o.orderBy = str("orderby");
    o.select = csv(str("select"));
    for (const QJsonValue &f : body.value(QLatin1String("facets")).toArray())
        o.facets << f.toString();
    o.highlightFields = csv(str("highlight"));
    if (body.value(QLatin1String("highlightPreTag")).isString())
        o.highlightPreTag = str("highlightPreTag");
    if (body.value(QLatin1String("highlightPostTag")).isString())
        o.highlightPostTag = str("highlightPostTag");
    o.scoringProfile = str("scoringProfile");
    o.includeCount = body.value(QLatin1String("count")).toBool(false);
    if (body.value(QLatin1String("top")).isDouble())
        req->top = qint64(body.value(QLatin1String("top")).toDouble());
    if (body.value(QLatin1String("skip")).isDouble())
        req->skip = qint64(body.value(QLatin1String("skip")).toDouble());
    const QJsonValue coverage = body.value(QLatin1String("minimumCoverage"));
    if (coverage.isDouble()) {
        if (coverage.toDouble() < 0 || coverage.toDouble() > 100)
            return invalidRequest(
                QStringLiteral("minimumCoverage : must be a number between 0 and 100."));
        req->coverage = true;
    }
    const QJsonValue vectors = body.value(QLatin1String("vectorQueries"));
    if (!vectors.isUndefined() && !vectors.isNull()) {
        if (auto e = parseVectorQueries(vectors, req))
            return e;
    }
    return checkCommon(*req, str("queryType"), str("searchMode"), str("scoringStatistics"),
        str("sessionId"), str("vectorFilterMode"));
}

QString percentEncoded(const QString &s, const QByteArray &keep = {})
{
    return QString::fromUtf8(QUrl::toPercentEncoding(s, keep));
}

} // namespace

SearchApi::SearchApi(SearchStore *store, QByteArray adminKey, QByteArray queryKey)
    : m_store(store)
    , m_adminKey(std::move(adminKey))
    , m_queryKey(std::move(queryKey))
{ }

bool SearchApi::handles(const QUrl &url)
{
    const QString path = url.path();
    return path == QLatin1String("/indexes") || path.startsWith(QLatin1String("/indexes/"))
        || path.startsWith(QLatin1String("/indexes("));
}

HttpResponse SearchApi::handle(const QByteArray &method, const QUrl &url,
    const QHash<QByteArray, QByteArray> &headers, const QByteArray &body, const QUrl &baseUrl) const
{
    HttpResponse response = [&]() -> HttpResponse {
        Route route = parseRoute(url);
        if (route.op == Op::Unknown)
            return error(404, QStringLiteral("ResourceNotFound"),
                QStringLiteral("The resource '%1' does not exist.").arg(url.path()));
        // Names under /docs/ double as document keys: a GET reads the document.
        if (method == "GET" && (route.op == Op::SearchPost || route.op == Op::IndexDocs))
            route.op = Op::Lookup;

        QList<QByteArray> allowed;
        bool queryKeyAllowed = false;
        switch (route.op) {
        case Op::Indexes:
            allowed = { "GET", "POST" };
            break;
        case Op::Index:
            allowed = { "GET", "PUT", "DELETE" };
            break;
        case Op::Stats:
            allowed = { "GET" };
            break;
        case Op::Docs:
        case Op::Count:
        case Op::Lookup:
            allowed = { "GET" };
            queryKeyAllowed = true;
            break;
        case Op::SearchPost:
            allowed = { "POST" };
            queryKeyAllowed = true;
            break;
        case Op::IndexDocs:
            allowed = { "POST" };
            break;
        case Op::Unsupported:
            allowed = { "GET", "POST" };
            queryKeyAllowed = true;
            break;
        case Op::Unknown:
            break;
        }
        if (!allowed.contains(method)) {
            HttpResponse r = error(405, QStringLiteral("MethodNotAllowed"),
                QStringLiteral("The HTTP method '%1' is not allowed on this resource.")
                    .arg(QString::fromLatin1(method)));
            r.headers.append({ QByteArrayLiteral("Allow"), allowed.join(", ") });
            return r;
        }

        const QueryString query(url);
        const QString apiVersion = query.value(QStringLiteral("api-version"));
        if (!query.has(QStringLiteral("api-version")) || apiVersion.isEmpty())
            return error(400, QStringLiteral("MissingApiVersionParameter"),
                QStringLiteral("Invalid or missing api-version query string parameter."));
        if (!supportedApiVersion(apiVersion))
            return error(400, QStringLiteral("InvalidApiVersionParameter"),
                QStringLiteral("The api-version '%1' is invalid or not supported by the lab.")
                    .arg(apiVersion));

        const QByteArray key = headers.value(QByteArrayLiteral("api-key"));
        const bool admin = !key.isEmpty() && dr::constantTimeEquals(key, m_adminKey);
        const bool reader = !admin && !key.isEmpty() && !m_queryKey.isEmpty()
            && dr::constantTimeEquals(key, m_queryKey);
        if (!admin && !(reader && queryKeyAllowed))
            return error(403, QStringLiteral("Forbidden"),
                reader ? QStringLiteral(
                    "Authorization failed: a query key may only search, look up and count "
                    "documents; this operation needs an admin key.")
                       : QStringLiteral(
                           "Authorization failed: the api-key header is missing or not valid."));

        if (body.size() > MaxRequestBytes)
            return error(413, QStringLiteral("RequestEntityTooLarge"),
                QStringLiteral("The request is too large: %1 bytes. The maximum request size is %2 "
                               "bytes (16 MB); "
                               "send the documents in smaller batches.")
                    .arg(body.size())
                    .arg(MaxRequestBytes));

        const auto parseBody = [&body](QJsonObject *out) -> std::optional<HttpResponse> {
            QJsonParseError pe;
            const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
            if (pe.error != QJsonParseError::NoError)
                return invalidRequest(QStringLiteral(
                    "parameters : The request body is not valid JSON: %1 at offset %2.")
                                          .arg(pe.errorString())
                                          .arg(pe.offset));
            if (!doc.isObject())
                return invalidRequest(
                    QStringLiteral("parameters : The request body must be a JSON object."));
            *out = doc.object();
            return std::nullopt;
        };
        const QString base = baseOf(url, baseUrl);
        const auto definitionResponse = [&](int status, QJsonObject def) {
            def.insert(QStringLiteral("@odata.context"),
                QString(base + QStringLiteral("/$metadata#indexes/$entity")));
            const QString etag = QLatin1Char('"')
                + m_store->etag(def.value(QLatin1String("name")).toString()) + QLatin1Char('"');
            def.insert(QStringLiteral("@odata.etag"), etag);
            HttpResponse r = json(status, def);
            r.headers.append({ QByteArrayLiteral("ETag"), etag.toUtf8() });
            return r;
        };

        switch (route.op) {
        case Op::Indexes: {
            if (method == "GET") {
                const bool namesOnly
                    = query.value(QStringLiteral("$select")).trimmed() == QLatin1String("name");
                QJsonArray list;
                for (const QString &name : m_store->indexNames()) {
                    if (namesOnly) {
                        list.append(QJsonObject { { QStringLiteral("name"), name } });
                    } else if (auto def = m_store->indexDefinition(name)) {
                        list.append(*def);
                    }
                }
                return json(200,
                    QJsonObject { { QStringLiteral("@odata.context"),
                                      QString(base + QStringLiteral("/$metadata#indexes")) },
                        { QStringLiteral("value"), list } });
            }
            QJsonObject def;
            if (auto e = parseBody(&def))
                return *e;
            auto created = m_store->createIndex(def, false);
            if (!created)
                return error(created.error());
            HttpResponse r = definitionResponse(201, *created);
            r.headers.append({ QByteArrayLiteral("Location"),
                (base + odataIndexPath(created->value(QLatin1String("name")).toString()))
                    .toUtf8() });
            return r;
        }
        case Op::Index: {
            if (method == "GET") {
                auto def = m_store->indexDefinition(route.index);
                return def ? definitionResponse(200, *def) : error(def.error());
            }
            if (method == "DELETE") {
                auto deleted = m_store->deleteIndex(route.index);
                if (!deleted)
                    return error(deleted.error());
                HttpResponse r;
                r.status = 204;
                r.contentType.clear();
                return r;
            }
            QJsonObject def;
            if (auto e = parseBody(&def))
                return *e;
            const QJsonValue name = def.value(QLatin1String("name"));
            if (name.isUndefined())
                def.insert(QStringLiteral("name"), route.index);
            else if (name.toString() != route.index)
                return invalidRequest(QStringLiteral(
                    "The index name '%1' in the request body does not match the name '%2' "
                    "in the URL.")
                                          .arg(name.toString(), route.index));
            bool created = false;
            auto stored = m_store->createIndex(def, true, &created);
            if (!stored)
                return error(stored.error());
            if (headers.value(QByteArrayLiteral("prefer")).contains("return=minimal")) {
                HttpResponse r;
                r.status = 204;
                r.contentType.clear();
                return r;
            }
            return definitionResponse(created ? 201 : 200, *stored);
        }
        case Op::Stats: {
            auto stats = m_store->statistics(route.index);
            if (!stats)
                return error(stats.error());
            return json(200,
                QJsonObject { { QStringLiteral("documentCount"), stats->documentCount },
                    { QStringLiteral("storageSize"), stats->storageSize },
                    { QStringLiteral("vectorIndexSize"), stats->vectorIndexSize } });
        }
        case Op::Count: {
            auto n = m_store->count(route.index);
            if (!n)
                return error(n.error());
            HttpResponse r;
            r.contentType = QByteArrayLiteral("text/plain");
            r.body = QByteArray::number(*n);
            return r;
        }
        case Op::Lookup: {
            auto doc = m_store->lookup(
                route.index, route.key, csv(query.value(QStringLiteral("$select"))));
            return doc ? json(200, *doc) : error(doc.error());
        }
        case Op::Unsupported:
            return error(501, QStringLiteral("NotImplemented"),
                QStringLiteral("'%1' is an Azure AI Search operation the lab does not implement.")
                    .arg(route.subresource));
        case Op::IndexDocs: {
            QJsonObject batch;
            if (auto e = parseBody(&batch))
                return *e;
            for (auto it = batch.begin(); it != batch.end(); ++it) {
                if (it.key() != QLatin1String("value"))
                    return invalidRequest(QStringLiteral(
                        "The property '%1' does not exist on type 'search.indexBatch'. Make "
                        "sure to only use property names that are defined by the type.")
                                              .arg(it.key()));
            }
            const QJsonValue value = batch.value(QLatin1String("value"));
            if (!value.isArray())
                return invalidRequest(QStringLiteral(
                    "actions : The request body must hold a 'value' array of actions."));
            const QJsonArray actions = value.toArray();
            if (actions.isEmpty() || actions.size() > MaxBatchActions)
                return invalidRequest(QStringLiteral(
                    "actions : The items collection must have from 1 to %1 valid items to be "
                    "indexed; this batch has %2.")
                                          .arg(MaxBatchActions)
                                          .arg(actions.size()));
            auto results = m_store->indexDocuments(route.index, actions);
            if (!results)
                return error(results.error());
            QJsonArray items;
            bool allSucceeded = true;
            for (const IndexingResult &r : std::as_const(*results)) {
                allSucceeded = allSucceeded && r.status;
                items.append(QJsonObject { { QStringLiteral("key"), r.key },
                    { QStringLiteral("status"), r.status },
                    { QStringLiteral("errorMessage"),
                        r.errorMessage.isEmpty() ? QJsonValue(QJsonValue::Null)
                                                 : QJsonValue(r.errorMessage) },
                    { QStringLiteral("statusCode"), r.statusCode } });
            }
            return json(
                allSucceeded ? 200 : 207, QJsonObject { { QStringLiteral("value"), items } });
        }
        case Op::Docs:
        case Op::SearchPost: {
            SearchRequest req;
            QJsonObject requestBody;
            const bool post = route.op == Op::SearchPost;
            if (post) {
                if (auto e = parseBody(&requestBody))
                    return *e;
                if (auto e = parsePostSearch(requestBody, &req))
                    return *e;
            } else if (auto e = parseGetSearch(query, &req)) {
                return *e;
            }
            // Server-side paging: at most maxPageSize per response (DefaultPageSize without
            // $top); fetch one more to learn whether the next page exists.
            const qint64 page = req.top ? std::min<qint64>(*req.top, m_maxPageSize)
                                        : std::min(DefaultPageSize, m_maxPageSize);
            const bool mayContinue = !req.top || *req.top > page;
            req.options.skip = int(req.skip);
            req.options.keysOnly = true; // searchAnswer() writes such hits
            req.options.limit = int(mayContinue ? page + 1 : page);
            auto results = m_store->search(route.index, req.options);
            if (!results)
                return error(results.error());
            bool more = false;
            if (results->hitCount() > page) {
                results->truncateHits(page);
                more = true;
            }
            QJsonObject out;
            if (results->count)
                out.insert(QStringLiteral("@odata.count"), *results->count);
            if (req.coverage)
                out.insert(QStringLiteral("@search.coverage"), 100.0);
            if (!req.options.facets.isEmpty())
                out.insert(QStringLiteral("@search.facets"), results->facets);
            if (more) {
                const qint64 nextSkip = req.skip + page;
                if (post) {
                    QJsonObject next = requestBody;
                    next.insert(QStringLiteral("skip"), nextSkip);
                    if (req.top)
                        next.insert(QStringLiteral("top"), *req.top - page);
                    out.insert(QStringLiteral("@search.nextPageParameters"), next);
                    out.insert(QStringLiteral("@odata.nextLink"),
                        QString(base + odataIndexPath(route.index)
                            + QStringLiteral("/docs/search.post.search?api-version=")
                            + percentEncoded(apiVersion)));
                } else {
                    QStringList parts;
                    for (const auto &item : query.items()) {
                        if (item.first != QLatin1String("$skip")
                            && item.first != QLatin1String("$top"))
                            parts << percentEncoded(item.first, "$") + QLatin1Char('=')
                                    + percentEncoded(item.second, "$*,");
                    }
                    parts << QStringLiteral("$skip=%1").arg(nextSkip);
                    if (req.top)
                        parts << QStringLiteral("$top=%1").arg(*req.top - page);
                    out.insert(QStringLiteral("@odata.nextLink"),
                        QString(base + odataIndexPath(route.index) + QStringLiteral("/docs?")
                            + parts.join(QLatin1Char('&'))));
                }
            }
            HttpResponse r;
            r.body = searchAnswer(out, *results);
            return r;
        }
        case Op::Unknown:
            break;
        }
        return error(404, QStringLiteral("ResourceNotFound"),
            QStringLiteral("The requested resource does not exist."));
    }();
    response.headers.append({ QByteArrayLiteral("request-id"), requestId() });
    response.headers.append({ QByteArrayLiteral("OData-Version"), QByteArrayLiteral("4.0") });
    const QByteArray clientRequestId = headers.value(QByteArrayLiteral("x-ms-client-request-id"));
    if (!clientRequestId.isEmpty())
        response.headers.append({ QByteArrayLiteral("client-request-id"), clientRequestId });
    return response;
}

} // namespace drlab
