// SearchApi against the official Azure AI Search examples (../shared/azure-rest-examples/
// search): each example's request is rebuilt from its parameters, sent through
// SearchApi::handle after seeding an index the example makes sense on, and the response must
// have the example's status and JSON shape (same keys, same value types, at every level),
// with equal values wherever the seeded data determines them.
//
// Where an example contradicts itself, the test follows the request and says so: the POST
// search example asks for select "hotelId,category,description" and highlight "description"
// but shows docId/title and title highlights; the GET example asks for $skip 100 yet shows
// a count of 25 next to two results. Our documents carry the fields the request selects,
// and the GET seeding has 102 matches so that $skip 100 leaves the example's two results.
//
// Then the errors: bad or missing keys, the query key writing, missing api-version,
// malformed JSON, unknown fields, oversize batches and bodies, unknown indexes and
// documents, $skip/$top bounds, invalid $filter and $orderby: each with the service's
// status and its {"error": {"code", "message"}} body, never a crash.

#include "search/knowledgebase.h"
#include "search/searchapi.h"
#include "search/searchstore.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

using namespace drlab;

namespace {

const QByteArray kAdminKey = QByteArrayLiteral("admin-key-0123456789");
const QByteArray kQueryKey = QByteArrayLiteral("query-key-9876543210");
const QUrl kBase(QStringLiteral("https://myservice.search.windows.net"));

QString examplesDir()
{
    const QString shared = qEnvironmentVariable("DR_SHARED_DIR");
    if (!shared.isEmpty())
        return shared + QStringLiteral("/azure-rest-examples/search");
    const QString source = qEnvironmentVariable("DR_SOURCE_DIR");
    if (!source.isEmpty())
        return source + QStringLiteral("/../shared/azure-rest-examples/search");
    // Run by hand, outside ctest: the shared folder beside the source tree.
    return QStringLiteral(QT_TESTCASE_SOURCEDIR "/../../../shared/azure-rest-examples/search");
}

QJsonObject loadExample(const QString &name)
{
    QFile f(examplesDir() + QLatin1Char('/') + name);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

QString typeOf(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Object:
        return QStringLiteral("object");
    case QJsonValue::Array:
        return QStringLiteral("array");
    case QJsonValue::String:
        return QStringLiteral("string");
    case QJsonValue::Double:
        return QStringLiteral("number");
    case QJsonValue::Bool:
        return QStringLiteral("boolean");
    case QJsonValue::Null:
        return QStringLiteral("null");
    default:
        return QStringLiteral("undefined");
    }
}

struct ShapeRules
{
    QSet<QString> skip; // compared by the test itself
    QHash<QString, QSet<QString>> extraKeys; // keys ours may add at a path
};

// Same keys and the same value types at every level.
void compareShape(const QJsonValue &expected, const QJsonValue &actual, const QString &path,
    const ShapeRules &rules, QStringList *diffs)
{
    if (rules.skip.contains(path))
        return;
    if (typeOf(expected) != typeOf(actual)) {
        *diffs << QStringLiteral("%1: expected %2, got %3")
                      .arg(path, typeOf(expected), typeOf(actual));
        return;
    }
    if (expected.isObject()) {
        const QJsonObject e = expected.toObject();
        const QJsonObject a = actual.toObject();
        for (auto it = e.begin(); it != e.end(); ++it) {
            if (!a.contains(it.key()))
                *diffs << QStringLiteral("%1: missing key '%2'").arg(path, it.key());
            else
                compareShape(it.value(), a.value(it.key()), path + QLatin1Char('.') + it.key(),
                    rules, diffs);
        }
        for (auto it = a.begin(); it != a.end(); ++it) {
            if (!e.contains(it.key()) && !rules.extraKeys.value(path).contains(it.key()))
                *diffs << QStringLiteral("%1: unexpected key '%2'").arg(path, it.key());
        }
    } else if (expected.isArray()) {
        const QJsonArray e = expected.toArray();
        const QJsonArray a = actual.toArray();
        if (!e.isEmpty() && a.isEmpty())
            *diffs << QStringLiteral("%1: empty, the example is not").arg(path);
        // Element i is compared with the example's element i (items may differ, as a
        // failed item's errorMessage does), or with its first element beyond its length.
        for (qsizetype i = 0; i < a.size() && !e.isEmpty(); ++i)
            compareShape(i < e.size() ? e.at(i) : e.at(0), a.at(i), path + QStringLiteral("[]"),
                rules, diffs);
    }
}

QJsonValue parseBody(const QByteArray &body)
{
    // Wrapping lets QJsonDocument read a bare number, as $count returns.
    return QJsonDocument::fromJson(QByteArray("[") + body + QByteArray("]")).array().at(0);
}

// The service's error body and nothing else.
QString errorShapeProblem(const HttpResponse &r)
{
    const QJsonValue body = parseBody(r.body);
    const QJsonObject error = body.toObject().value(QLatin1String("error")).toObject();
    if (!body.isObject() || body.toObject().keys() != QStringList { QStringLiteral("error") })
        return QStringLiteral("body is not {\"error\": ...}: ") + QString::fromUtf8(r.body);
    if (error.keys() != (QStringList { QStringLiteral("code"), QStringLiteral("message") }))
        return QStringLiteral("error has keys ") + error.keys().join(QLatin1Char(','));
    if (!error.value(QLatin1String("code")).isString()
        || error.value(QLatin1String("code")).toString().isEmpty())
        return QStringLiteral("error.code is not a non-empty string");
    if (!error.value(QLatin1String("message")).isString()
        || error.value(QLatin1String("message")).toString().isEmpty())
        return QStringLiteral("error.message is not a non-empty string");
    if (!r.contentType.startsWith("application/json"))
        return QStringLiteral("content type ") + QString::fromLatin1(r.contentType);
    return QString();
}

QString errorMessage(const HttpResponse &r)
{
    return parseBody(r.body)
        .toObject()
        .value(QLatin1String("error"))
        .toObject()
        .value(QLatin1String("message"))
        .toString();
}

QByteArray headerValue(const HttpResponse &r, const QByteArray &name)
{
    for (const auto &h : r.headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return QByteArray();
}

QString encoded(const QString &s)
{
    return QString::fromUtf8(QUrl::toPercentEncoding(s));
}

// A GET query string from an example's parameters: arrays are comma-joined, except the
// "multi" ones of the specification (facet, scoringParameter), which repeat.
QString queryFromParameters(const QJsonObject &params)
{
    static const QSet<QString> notQuery { QStringLiteral("endpoint"), QStringLiteral("indexName"),
        QStringLiteral("key"), QStringLiteral("x-ms-client-request-id") };
    QStringList parts;
    for (auto it = params.begin(); it != params.end(); ++it) {
        if (notQuery.contains(it.key()))
            continue;
        QString name = it.key();
        if (name == QLatin1String("scoringParameters"))
            name = QStringLiteral("scoringParameter");
        const QJsonValue v = it.value();
        if (v.isArray()) {
            QStringList items;
            for (const QJsonValue &e : v.toArray())
                items << e.toString();
            if (name == QLatin1String("facet") || name == QLatin1String("scoringParameter")) {
                for (const QString &item : items)
                    parts << encoded(name) + QLatin1Char('=') + encoded(item);
            } else {
                parts << encoded(name) + QLatin1Char('=') + encoded(items.join(QLatin1Char(',')));
            }
        } else if (v.isBool()) {
            parts << encoded(name) + QLatin1Char('=')
                    + (v.toBool() ? QStringLiteral("true") : QStringLiteral("false"));
        } else if (v.isDouble()) {
            parts << encoded(name) + QLatin1Char('=') + QString::number(v.toDouble());
        } else {
            parts << encoded(name) + QLatin1Char('=') + encoded(v.toString());
        }
    }
    return parts.join(QLatin1Char('&'));
}

QUrl url(const QString &pathAndQuery)
{
    return QUrl::fromEncoded(pathAndQuery.toUtf8());
}

QJsonObject stringField(const QString &name, bool key = false)
{
    return QJsonObject { { QStringLiteral("name"), name },
        { QStringLiteral("type"), QStringLiteral("Edm.String") }, { QStringLiteral("key"), key } };
}

QJsonObject typedField(const QString &name, const QString &type)
{
    return QJsonObject { { QStringLiteral("name"), name }, { QStringLiteral("type"), type } };
}

// An index whose fields are those of the example's documents: strings, the first one the key.
QJsonObject indexFromDocuments(
    const QString &name, const QString &keyField, const QList<QJsonObject> &documents)
{
    QJsonArray fields { stringField(keyField, true) };
    QSet<QString> seen { keyField };
    for (const QJsonObject &doc : documents) {
        for (auto it = doc.begin(); it != doc.end(); ++it) {
            if (it.key().startsWith(QLatin1Char('@')) || seen.contains(it.key()))
                continue;
            seen.insert(it.key());
            fields.append(stringField(it.key()));
        }
    }
    return QJsonObject { { QStringLiteral("name"), name }, { QStringLiteral("fields"), fields } };
}

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

class tst_SearchApi : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void examplesArePresent();
    void countDocuments();
    void getDocument();
    void indexDocuments200();
    void indexDocuments207();
    void searchDocumentsGet();
    void searchDocumentsPost();
    void getIndexStatistics();

    void createAndManageIndexes();
    void odataPaths();
    void pagingWithNextLink();
    void topAboveThePageLimit();
    void knowledgeBaseThroughTheApi();
    void handles();

    void errors_data();
    void errors();
    void oversizeBody();
    void garbageNeverCrashes_data();
    void garbageNeverCrashes();

private:
    HttpResponse send(const QByteArray &method, const QString &pathAndQuery,
        const QByteArray &body = {}, const QByteArray &key = kAdminKey,
        QHash<QByteArray, QByteArray> headers = {}) const;
    void createIndex(const QJsonObject &definition);
    void upload(const QString &index, const QJsonArray &documents);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SearchStore> m_store;
    std::unique_ptr<SearchApi> m_api;
};

void tst_SearchApi::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_store = std::make_unique<SearchStore>(m_dir->filePath(QStringLiteral("search.db")));
    QVERIFY2(m_store->isOpen(), qPrintable(m_store->errorString()));
    m_api = std::make_unique<SearchApi>(m_store.get(), kAdminKey, kQueryKey);
}

void tst_SearchApi::cleanup()
{
    m_api.reset();
    m_store.reset();
    m_dir.reset();
}

HttpResponse tst_SearchApi::send(const QByteArray &method, const QString &pathAndQuery,
    const QByteArray &body, const QByteArray &key, QHash<QByteArray, QByteArray> headers) const
{
    if (!key.isEmpty())
        headers.insert(QByteArrayLiteral("api-key"), key);
    if (!body.isEmpty())
        headers.insert(QByteArrayLiteral("content-type"), QByteArrayLiteral("application/json"));
    return m_api->handle(method, url(pathAndQuery), headers, body, kBase);
}

void tst_SearchApi::createIndex(const QJsonObject &definition)
{
    const QString name = definition.value(QLatin1String("name")).toString();
    const HttpResponse r = send(
        "PUT", QStringLiteral("/indexes/%1?api-version=2024-07-01").arg(name), json(definition));
    QVERIFY2(r.status == 201, r.body.constData());
}

void tst_SearchApi::upload(const QString &index, const QJsonArray &documents)
{
    for (qsizetype i = 0; i < documents.size(); i += SearchApi::MaxBatchActions) {
        QJsonArray batch;
        for (qsizetype j = i; j < std::min(documents.size(), i + SearchApi::MaxBatchActions); ++j)
            batch.append(documents.at(j));
        const HttpResponse r = send("POST",
            QStringLiteral("/indexes/%1/docs/index?api-version=2024-07-01").arg(index),
            json(QJsonObject { { QStringLiteral("value"), batch } }));
        QVERIFY2(r.status == 200, r.body.left(500).constData());
    }
}

void tst_SearchApi::examplesArePresent()
{
    for (const char *name : { "SearchIndexCountDocuments.json", "SearchIndexGetDocument.json",
             "SearchIndexIndexDocuments.json", "SearchIndexSearchDocumentsGet.json",
             "SearchIndexSearchDocumentsPost.json", "SearchServiceGetIndexStatistics.json" }) {
        const QJsonObject example = loadExample(QLatin1String(name));
        QVERIFY2(example.value(QLatin1String("parameters")).isObject(),
            qPrintable(examplesDir() + QLatin1Char('/') + QLatin1String(name)));
        QVERIFY2(example.value(QLatin1String("responses")).isObject(), name);
    }
}

void tst_SearchApi::countDocuments()
{
    const QJsonObject example = loadExample(QStringLiteral("SearchIndexCountDocuments.json"));
    const QJsonObject params = example.value(QLatin1String("parameters")).toObject();
    const QString index = params.value(QLatin1String("indexName")).toString();
    const qint64 expected = qint64(example.value(QLatin1String("responses"))
                                       .toObject()
                                       .value(QLatin1String("200"))
                                       .toObject()
                                       .value(QLatin1String("body"))
                                       .toDouble());
    QCOMPARE(expected, 427);
    createIndex(QJsonObject { { QStringLiteral("name"), index },
        { QStringLiteral("fields"),
            QJsonArray { stringField(QStringLiteral("id"), true),
                stringField(QStringLiteral("title")) } } });
    QJsonArray docs;
    for (int i = 0; i < expected; ++i)
        docs.append(QJsonObject { { QStringLiteral("id"), QString::number(i) },
            { QStringLiteral("title"), QStringLiteral("Document %1").arg(i) } });
    upload(index, docs);

    const HttpResponse r = send("GET",
        QStringLiteral("/indexes/%1/docs/$count?%2").arg(index, queryFromParameters(params)), {},
        kQueryKey);
    QCOMPARE(r.status, 200);
    const QJsonValue body = parseBody(r.body);
    QCOMPARE(typeOf(body),
        typeOf(example.value(QLatin1String("responses"))
                   .toObject()
                   .value(QLatin1String("200"))
                   .toObject()
                   .value(QLatin1String("body"))));
    QCOMPARE(qint64(body.toDouble()), expected);
    QCOMPARE(r.body, QByteArray("427"));
}

void tst_SearchApi::getDocument()
{
    const QJsonObject example = loadExample(QStringLiteral("SearchIndexGetDocument.json"));
    const QJsonObject params = example.value(QLatin1String("parameters")).toObject();
    const QJsonObject expected = example.value(QLatin1String("responses"))
                                     .toObject()
                                     .value(QLatin1String("200"))
                                     .toObject()
                                     .value(QLatin1String("body"))
                                     .toObject();
    const QString index = params.value(QLatin1String("indexName")).toString();
    const QString key = params.value(QLatin1String("key")).toString();

    // The example's document plus fields the $select must leave out.
    QJsonObject definition = indexFromDocuments(index, QStringLiteral("docId"), { expected });
    QJsonArray fields = definition.value(QLatin1String("fields")).toArray();
    fields.append(typedField(QStringLiteral("rating"), QStringLiteral("Edm.Int32")));
    fields.append(stringField(QStringLiteral("category")));
    definition.insert(QStringLiteral("fields"), fields);
    createIndex(definition);
    QJsonObject stored = expected;
    stored.insert(QStringLiteral("rating"), 4);
    stored.insert(QStringLiteral("category"), QStringLiteral("Budget"));
    upload(index,
        QJsonArray { stored,
            QJsonObject { { QStringLiteral("docId"), QStringLiteral("2") },
                { QStringLiteral("title"), QStringLiteral("Other") } } });

    const QByteArray requestId
        = params.value(QLatin1String("x-ms-client-request-id")).toString().toUtf8();
    const HttpResponse r = send("GET",
        QStringLiteral("/indexes/%1/docs/%2?%3").arg(index, key, queryFromParameters(params)), {},
        kQueryKey, { { QByteArrayLiteral("x-ms-client-request-id"), requestId } });
    QCOMPARE(r.status, 200);
    QStringList diffs;
    compareShape(expected, parseBody(r.body), QStringLiteral("$"), {}, &diffs);
    QVERIFY2(diffs.isEmpty(), qPrintable(diffs.join(QLatin1Char('\n'))));
    QCOMPARE(parseBody(r.body).toObject(), expected);
    QCOMPARE(headerValue(r, "client-request-id"), requestId);

    // Without $select: every retrievable field, unset ones as null.
    const HttpResponse all = send("GET",
        QStringLiteral("/indexes/%1/docs/2?api-version=2024-07-01").arg(index), {}, kQueryKey);
    QCOMPARE(all.status, 200);
    const QJsonObject doc = parseBody(all.body).toObject();
    QCOMPARE(doc.size(), 5);
    QVERIFY(doc.value(QLatin1String("rating")).isNull());
}

void tst_SearchApi::indexDocuments200()
{
    const QJsonObject example = loadExample(QStringLiteral("SearchIndexIndexDocuments.json"));
    const QJsonObject params = example.value(QLatin1String("parameters")).toObject();
    const QString index = params.value(QLatin1String("indexName")).toString();
    const QJsonObject batch = params.value(QLatin1String("batch")).toObject();
    QList<QJsonObject> docs;
    for (const QJsonValue &v : batch.value(QLatin1String("value")).toArray())
        docs << v.toObject();
    createIndex(indexFromDocuments(index, QStringLiteral("docId"), docs));
    // Every key exists beforehand: each action updates (200), the delete removes.
    QJsonArray existing;
    for (int i = 1; i <= 4; ++i)
        existing.append(QJsonObject { { QStringLiteral("docId"), QString::number(i) },
            { QStringLiteral("title"), QStringLiteral("Old") },
            { QStringLiteral("description"), QStringLiteral("Old description") } });
    upload(index, existing);

    const HttpResponse r = send("POST",
        QStringLiteral("/indexes/%1/docs/index?%2").arg(index, queryFromParameters(params)),
        json(batch));
    const QJsonObject expected = example.value(QLatin1String("responses"))
                                     .toObject()
                                     .value(QLatin1String("200"))
                                     .toObject()
                                     .value(QLatin1String("body"))
                                     .toObject();
    QCOMPARE(r.status, 200);
    QStringList diffs;
    compareShape(expected, parseBody(r.body), QStringLiteral("$"), {}, &diffs);
    QVERIFY2(diffs.isEmpty(), qPrintable(diffs.join(QLatin1Char('\n'))));
    QCOMPARE(parseBody(r.body).toObject(), expected);

    QCOMPARE(*m_store->count(index), 3);
    const auto merged = m_store->lookup(index, QStringLiteral("2"));
    QCOMPARE(merged->value(QLatin1String("title")).toString(), QStringLiteral("Roach Motel"));
    QCOMPARE(merged->value(QLatin1String("description")).toString(),
        QStringLiteral("Old description")); // merge kept it
    const auto uploaded = m_store->lookup(index, QStringLiteral("1"));
    QCOMPARE(uploaded->value(QLatin1String("description")).toString(),
        QStringLiteral("Best hotel in town"));
}

void tst_SearchApi::indexDocuments207()
{
    const QJsonObject example = loadExample(QStringLiteral("SearchIndexIndexDocuments.json"));
    const QJsonObject params = example.value(QLatin1String("parameters")).toObject();
    const QString index = params.value(QLatin1String("indexName")).toString();
    const QJsonObject batch = params.value(QLatin1String("batch")).toObject();
    QList<QJsonObject> docs;
    for (const QJsonValue &v : batch.value(QLatin1String("value")).toArray())
        docs << v.toObject();
    createIndex(indexFromDocuments(index, QStringLiteral("docId"), docs));
    // An empty index: uploads create (201), the merge finds nothing (404), delete is 200.
    const HttpResponse r = send("POST",
        QStringLiteral("/indexes/%1/docs/index?%2").arg(index, queryFromParameters(params)),
        json(batch));
    const QJsonObject expected = example.value(QLatin1String("responses"))
                                     .toObject()
                                     .value(QLatin1String("207"))
                                     .toObject()
                                     .value(QLatin1String("body"))
                                     .toObject();
    QCOMPARE(r.status, 207);
    QStringList diffs;
    compareShape(expected, parseBody(r.body), QStringLiteral("$"), {}, &diffs);
    QVERIFY2(diffs.isEmpty(), qPrintable(diffs.join(QLatin1Char('\n'))));
    QCOMPARE(parseBody(r.body).toObject(), expected);
    QCOMPARE(*m_store->count(index), 2);
}

void tst_SearchApi::searchDocumentsGet()
{
    const QJsonObject example = loadExample(QStringLiteral("SearchIndexSearchDocumentsGet.json"));
    const QJsonObject params = example.value(QLatin1String("parameters")).toObject();
    const QJsonObject expected = example.value(QLatin1String("responses"))
                                     .toObject()
                                     .value(QLatin1String("200"))
                                     .toObject()
                                     .value(QLatin1String("body"))
                                     .toObject();
    const QString index = params.value(QLatin1String("indexName")).toString();

    const QJsonArray fields { stringField(QStringLiteral("docId"), true),
        stringField(QStringLiteral("title")), stringField(QStringLiteral("description")),
        stringField(QStringLiteral("category")),
        typedField(QStringLiteral("rating"), QStringLiteral("Edm.Int32")) };
    // The example names scoring profile "sp"; the lab honours text weights and ignores
    // scoring functions, so "sp" weights the title.
    const QJsonArray profiles { QJsonObject { { QStringLiteral("name"), QStringLiteral("sp") },
        { QStringLiteral("text"),
            QJsonObject { { QStringLiteral("weights"),
                QJsonObject { { QStringLiteral("title"), 2 } } } } } } };
    createIndex(QJsonObject { { QStringLiteral("name"), index },
        { QStringLiteral("fields"), fields }, { QStringLiteral("scoringProfiles"), profiles } });
    QJsonArray docs;
    for (int i = 0; i < 102; ++i) { // matches: text "nice hotels", rating gt 10
        docs.append(QJsonObject { { QStringLiteral("docId"), QStringLiteral("m%1").arg(i) },
            { QStringLiteral("title"),
                i % 2 ? QStringLiteral("Nice Hotel %1").arg(i)
                      : QStringLiteral("Fancy Hotel %1").arg(i) },
            { QStringLiteral("description"),
                QStringLiteral("A nice place to stay, room %1").arg(i) },
            { QStringLiteral("category"),
                i % 2 ? QStringLiteral("Economy") : QStringLiteral("Luxury") },
            { QStringLiteral("rating"), 11 + i % 5 } });
    }
    for (int i = 0; i < 20; ++i) { // filtered out, or not matching the text
        docs.append(QJsonObject { { QStringLiteral("docId"), QStringLiteral("x%1").arg(i) },
            { QStringLiteral("title"),
                i % 2 ? QStringLiteral("Nice Hotel") : QStringLiteral("Budget motel") },
            { QStringLiteral("category"), QStringLiteral("Budget") },
            { QStringLiteral("rating"), i % 2 ? 5 : 20 } });
    }
    upload(index, docs);

    const HttpResponse r
        = send("GET", QStringLiteral("/indexes/%1/docs?%2").arg(index, queryFromParameters(params)),
            {}, kQueryKey);
    QVERIFY2(r.status == 200, r.body.constData());
    const QJsonObject body = parseBody(r.body).toObject();
    ShapeRules rules;
    rules.skip.insert(QStringLiteral("$.value[]"));
    QStringList diffs;
    compareShape(expected, body, QStringLiteral("$"), rules, &diffs);
    QVERIFY2(diffs.isEmpty(), qPrintable(diffs.join(QLatin1Char('\n'))));

    QCOMPARE(body.value(QLatin1String("@odata.count")).toInt(), 102);
    QCOMPARE(body.value(QLatin1String("value")).toArray().size(),
        expected.value(QLatin1String("value")).toArray().size());
    QCOMPARE(body.value(QLatin1String("@search.coverage")).toDouble(),
        100.0); // the lab always covers the whole index
    // Facet buckets: the example's values (Economy, Luxury), counted over every match.
    QSet<QString> facetValues;
    for (const QJsonValue &b : body.value(QLatin1String("@search.facets"))
                                   .toObject()
                                   .value(QLatin1String("category"))
                                   .toArray()) {
        facetValues.insert(b.toObject().value(QLatin1String("value")).toString());
        QCOMPARE(b.toObject().value(QLatin1String("count")).toInt(), 51);
    }
    QCOMPARE(facetValues, (QSet<QString> { QStringLiteral("Economy"), QStringLiteral("Luxury") }));

    // The results: the selected fields, a score, and highlights of the highlight fields.
    const QSet<QString> select { QStringLiteral("docId"), QStringLiteral("title"),
        QStringLiteral("description") };
    const QJsonObject exampleHit
        = expected.value(QLatin1String("value")).toArray().at(0).toObject();
    for (const QJsonValue &v : body.value(QLatin1String("value")).toArray()) {
        const QJsonObject hit = v.toObject();
        QSet<QString> documentKeys;
        for (const QString &k : hit.keys()) {
            if (!k.startsWith(QLatin1Char('@')))
                documentKeys.insert(k);
        }
        QCOMPARE(documentKeys, select);
        for (const QString &k : exampleHit.keys()) {
            if (k.startsWith(QLatin1Char('@')))
                QCOMPARE(typeOf(hit.value(k)), typeOf(exampleHit.value(k)));
        }
        QVERIFY(hit.value(QLatin1String("@search.score")).toDouble() > 0);
        const QJsonObject highlights = hit.value(QLatin1String("@search.highlights")).toObject();
        QCOMPARE(highlights.keys(), QStringList { QStringLiteral("title") });
        const QString fragment
            = highlights.value(QLatin1String("title")).toArray().at(0).toString();
        QVERIFY2(fragment.contains(QStringLiteral("<em>Hotel</em>")), qPrintable(fragment));
        QCOMPARE(typeOf(hit.value(QLatin1String("title"))), QStringLiteral("string"));
    }
    QVERIFY(!body.contains(QLatin1String("@odata.nextLink"))); // $top 10 fits in a page
}

void tst_SearchApi::searchDocumentsPost()
{
    const QJsonObject example = loadExample(QStringLiteral("SearchIndexSearchDocumentsPost.json"));
    const QJsonObject params = example.value(QLatin1String("parameters")).toObject();
    const QJsonObject request = params.value(QLatin1String("searchRequest")).toObject();
    const QJsonObject expected = example.value(QLatin1String("responses"))
                                     .toObject()
                                     .value(QLatin1String("200"))
                                     .toObject()
                                     .value(QLatin1String("body"))
                                     .toObject();
    const QString index = params.value(QLatin1String("indexName")).toString();
    const int dimensions = int(request.value(QLatin1String("vectorQueries"))
                                   .toArray()
                                   .at(0)
                                   .toObject()
                                   .value(QLatin1String("vector"))
                                   .toArray()
                                   .size());
    QCOMPARE(dimensions, 5);

    QJsonObject embedding = typedField(
        QStringLiteral("descriptionEmbedding"), QStringLiteral("Collection(Edm.Single)"));
    embedding.insert(QStringLiteral("dimensions"), dimensions);
    embedding.insert(QStringLiteral("vectorSearchProfile"), QStringLiteral("profile"));
    const QJsonArray fields { stringField(QStringLiteral("docId"), true),
        stringField(QStringLiteral("hotelId")), stringField(QStringLiteral("title")),
        stringField(QStringLiteral("description")), stringField(QStringLiteral("category")),
        typedField(QStringLiteral("rating"), QStringLiteral("Edm.Double")), embedding };
    const QJsonObject vectorSearch {
        { QStringLiteral("profiles"),
            QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("profile") },
                { QStringLiteral("algorithm"), QStringLiteral("knn") } } } },
        { QStringLiteral("algorithms"),
            QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("knn") },
                { QStringLiteral("kind"), QStringLiteral("exhaustiveKnn") } } } }
    };
    const QJsonArray profiles { QJsonObject { { QStringLiteral("name"), QStringLiteral("sp") } } };
    createIndex(QJsonObject { { QStringLiteral("name"), index },
        { QStringLiteral("fields"), fields }, { QStringLiteral("scoringProfiles"), profiles },
        { QStringLiteral("vectorSearch"), vectorSearch } });
    QJsonArray docs;
    const auto vector = [dimensions](int i) {
        QJsonArray v;
        for (int d = 0; d < dimensions; ++d)
            v.append(0.05 + 0.01 * ((i + d) % 7));
        return v;
    };
    for (int i = 0; i < 25; ++i) { // the example's 25 matches: text, filter rating gt 4.0
        docs.append(QJsonObject { { QStringLiteral("docId"), QStringLiteral("p%1").arg(i) },
            { QStringLiteral("hotelId"), QStringLiteral("h%1").arg(i) },
            { QStringLiteral("title"), QStringLiteral("Hotel %1").arg(i) },
            { QStringLiteral("description"),
                QStringLiteral("Nice hotels by the sea, room %1").arg(i) },
            { QStringLiteral("category"),
                i % 2 ? QStringLiteral("Economy") : QStringLiteral("Luxury") },
            { QStringLiteral("rating"), 4.5 },
            { QStringLiteral("descriptionEmbedding"), vector(i) } });
    }
    for (int i = 0; i < 10; ++i) {
        docs.append(QJsonObject { { QStringLiteral("docId"), QStringLiteral("q%1").arg(i) },
            { QStringLiteral("description"), QStringLiteral("Nice hotels, but rated low") },
            { QStringLiteral("category"), QStringLiteral("Budget") },
            { QStringLiteral("rating"), 3.0 },
            { QStringLiteral("descriptionEmbedding"), vector(i) } });
    }
    upload(index, docs);

    // The example's two-result page with a continuation: a page size of 2 reproduces it.
    m_api->setMaxPageSize(2);
    const QString path = QStringLiteral("/indexes/%1/docs/search?api-version=%2")
                             .arg(index, params.value(QLatin1String("api-version")).toString());
    const HttpResponse r = send("POST", path, json(request), kQueryKey);
    QVERIFY2(r.status == 200, r.body.constData());
    const QJsonObject body = parseBody(r.body).toObject();
    ShapeRules rules;
    rules.skip.insert(QStringLiteral("$.value[]"));
    // The example's continuation omits the request's vector query; ours carries it, so that
    // the next page ranks the same way.
    rules.extraKeys.insert(QStringLiteral("$.@search.nextPageParameters"),
        { QStringLiteral("vectorQueries"), QStringLiteral("vectorFilterMode") });
    QStringList diffs;
    compareShape(expected, body, QStringLiteral("$"), rules, &diffs);
    QVERIFY2(diffs.isEmpty(), qPrintable(diffs.join(QLatin1Char('\n'))));

    QCOMPARE(
        body.value(QLatin1String("@odata.count")), expected.value(QLatin1String("@odata.count")));
    QCOMPARE(body.value(QLatin1String("@odata.nextLink")),
        expected.value(QLatin1String("@odata.nextLink")));
    const QJsonObject next = body.value(QLatin1String("@search.nextPageParameters")).toObject();
    const QJsonObject expectedNext
        = expected.value(QLatin1String("@search.nextPageParameters")).toObject();
    QCOMPARE(next.value(QLatin1String("skip")), expectedNext.value(QLatin1String("skip")));
    QCOMPARE(next.value(QLatin1String("top")), expectedNext.value(QLatin1String("top")));
    for (const char *echoed :
        { "search", "filter", "orderby", "select", "highlight", "searchFields", "facets", "count" })
        QCOMPARE(next.value(QLatin1String(echoed)), request.value(QLatin1String(echoed)));
    QVERIFY(next.value(QLatin1String("minimumCoverage")).isNull());
    QVERIFY(!body.contains(QLatin1String("@search.coverage"))); // minimumCoverage was null

    const QSet<QString> select { QStringLiteral("hotelId"), QStringLiteral("category"),
        QStringLiteral("description") };
    QStringList firstPage;
    const QJsonArray value = body.value(QLatin1String("value")).toArray();
    QCOMPARE(value.size(), expected.value(QLatin1String("value")).toArray().size());
    for (const QJsonValue &v : value) {
        const QJsonObject hit = v.toObject();
        QSet<QString> documentKeys;
        for (const QString &k : hit.keys()) {
            if (!k.startsWith(QLatin1Char('@')))
                documentKeys.insert(k);
        }
        QCOMPARE(documentKeys, select);
        QCOMPARE(typeOf(hit.value(QLatin1String("@search.score"))), QStringLiteral("number"));
        const QJsonObject highlights = hit.value(QLatin1String("@search.highlights")).toObject();
        QCOMPARE(highlights.keys(), QStringList { QStringLiteral("description") });
        QVERIFY(highlights.value(QLatin1String("description"))
                    .toArray()
                    .at(0)
                    .toString()
                    .contains(QStringLiteral("</em>")));
        firstPage << hit.value(QLatin1String("hotelId")).toString();
    }

    // Following the continuation gives the next two, then two more...
    const HttpResponse page2 = send("POST",
        QUrl(body.value(QLatin1String("@odata.nextLink")).toString())
            .toString(QUrl::RemoveScheme | QUrl::RemoveAuthority),
        json(next), kQueryKey);
    QVERIFY2(page2.status == 200, page2.body.constData());
    const QJsonObject body2 = parseBody(page2.body).toObject();
    QCOMPARE(body2.value(QLatin1String("@search.nextPageParameters"))
                 .toObject()
                 .value(QLatin1String("skip"))
                 .toInt(),
        4);
    QCOMPARE(body2.value(QLatin1String("@search.nextPageParameters"))
                 .toObject()
                 .value(QLatin1String("top"))
                 .toInt(),
        6);
    for (const QJsonValue &v : body2.value(QLatin1String("value")).toArray())
        QVERIFY(!firstPage.contains(v.toObject().value(QLatin1String("hotelId")).toString()));
    QCOMPARE(body2.value(QLatin1String("value")).toArray().size(), 2);
}

void tst_SearchApi::getIndexStatistics()
{
    const QJsonObject example = loadExample(QStringLiteral("SearchServiceGetIndexStatistics.json"));
    const QJsonObject params = example.value(QLatin1String("parameters")).toObject();
    const QJsonObject expected = example.value(QLatin1String("responses"))
                                     .toObject()
                                     .value(QLatin1String("200"))
                                     .toObject()
                                     .value(QLatin1String("body"))
                                     .toObject();
    const QString index = params.value(QLatin1String("indexName")).toString();
    QJsonObject embedding
        = typedField(QStringLiteral("embedding"), QStringLiteral("Collection(Edm.Single)"));
    embedding.insert(QStringLiteral("dimensions"), 4);
    embedding.insert(QStringLiteral("vectorSearchProfile"), QStringLiteral("p"));
    createIndex(QJsonObject { { QStringLiteral("name"), index },
        { QStringLiteral("fields"),
            QJsonArray { stringField(QStringLiteral("hotelId"), true),
                stringField(QStringLiteral("description")), embedding } },
        { QStringLiteral("vectorSearch"),
            QJsonObject { { QStringLiteral("profiles"),
                QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("p") },
                    { QStringLiteral("algorithm"), QStringLiteral("a") } } } } } } });
    QJsonArray docs;
    for (int i = 0; i < 50; ++i)
        docs.append(QJsonObject { { QStringLiteral("hotelId"), QString::number(i) },
            { QStringLiteral("description"), QStringLiteral("A hotel with %1 rooms").arg(i) },
            { QStringLiteral("embedding"), QJsonArray { 0.1, 0.2, 0.3, double(i) } } });
    upload(index, docs);

    const QString path
        = QStringLiteral("/indexes/%1/stats?%2").arg(index, queryFromParameters(params));
    const HttpResponse r = send("GET", path);
    QCOMPARE(r.status, 200);
    const QJsonObject body = parseBody(r.body).toObject();
    QStringList diffs;
    compareShape(expected, body, QStringLiteral("$"), {}, &diffs);
    QVERIFY2(diffs.isEmpty(), qPrintable(diffs.join(QLatin1Char('\n'))));
    QCOMPARE(body.value(QLatin1String("documentCount")).toInt(), 50);
    QVERIFY(body.value(QLatin1String("storageSize")).toDouble() > 0);
    QCOMPARE(body.value(QLatin1String("vectorIndexSize")).toInt(), 50 * 4 * 4);

    // Index statistics are an index operation: the service wants the admin key.
    QCOMPARE(send("GET", path, {}, kQueryKey).status, 403);
}

void tst_SearchApi::createAndManageIndexes()
{
    const QJsonObject definition = knowledgeBaseIndexDefinition(QStringLiteral("faq"));
    HttpResponse r
        = send("POST", QStringLiteral("/indexes?api-version=2024-07-01"), json(definition));
    QVERIFY2(r.status == 201, r.body.constData());
    QJsonObject created = parseBody(r.body).toObject();
    QCOMPARE(created.value(QLatin1String("name")).toString(), QStringLiteral("faq"));
    QVERIFY(created.value(QLatin1String("@odata.etag")).isString());
    QCOMPARE(headerValue(r, "Location"),
        QByteArray("https://myservice.search.windows.net/indexes('faq')"));
    const QJsonArray fields = created.value(QLatin1String("fields")).toArray();
    QCOMPARE(fields.size(), 5);
    for (const QJsonValue &f : fields) {
        for (const char *attr : { "name", "type", "searchable", "filterable", "retrievable",
                 "sortable", "facetable", "key", "indexAnalyzer", "searchAnalyzer", "analyzer",
                 "dimensions", "vectorSearchProfile", "synonymMaps" })
            QVERIFY2(f.toObject().contains(QLatin1String(attr)), attr);
    }

    QCOMPARE(
        send("POST", QStringLiteral("/indexes?api-version=2024-07-01"), json(definition)).status,
        409);
    r = send("PUT", QStringLiteral("/indexes/faq?api-version=2024-07-01"), json(definition));
    QCOMPARE(r.status, 200);
    r = send("PUT", QStringLiteral("/indexes/faq2?api-version=2024-07-01"),
        json(knowledgeBaseIndexDefinition(QStringLiteral("other"))));
    QCOMPARE(r.status, 400);
    QVERIFY(errorShapeProblem(r).isEmpty());
    QJsonObject unnamed = knowledgeBaseIndexDefinition();
    unnamed.remove(QStringLiteral("name"));
    QCOMPARE(
        send("PUT", QStringLiteral("/indexes/faq2?api-version=2024-07-01"), json(unnamed)).status,
        201);
    QCOMPARE(
        send("PUT", QStringLiteral("/indexes/faq3?api-version=2024-07-01"), json(unnamed),
            kAdminKey, { { QByteArrayLiteral("prefer"), QByteArrayLiteral("return=minimal") } })
            .status,
        204);

    r = send("GET", QStringLiteral("/indexes/faq?api-version=2024-07-01"));
    QCOMPARE(r.status, 200);
    QCOMPARE(parseBody(r.body).toObject().value(QLatin1String("fields")), QJsonValue(fields));
    QCOMPARE(
        send("GET", QStringLiteral("/indexes/faq?api-version=2024-07-01"), {}, kQueryKey).status,
        403);

    r = send("GET", QStringLiteral("/indexes?api-version=2024-07-01&$select=name"));
    QCOMPARE(r.status, 200);
    QCOMPARE(parseBody(r.body).toObject().value(QLatin1String("value")).toArray().size(), 3);

    r = send("DELETE", QStringLiteral("/indexes/faq2?api-version=2024-07-01"));
    QCOMPARE(r.status, 204);
    QVERIFY(r.body.isEmpty());
    r = send("GET", QStringLiteral("/indexes/faq2?api-version=2024-07-01"));
    QCOMPARE(r.status, 404);
    QVERIFY(errorShapeProblem(r).isEmpty());
}

void tst_SearchApi::odataPaths()
{
    createIndex(indexFromDocuments(QStringLiteral("kb"), QStringLiteral("id"),
        { QJsonObject { { QStringLiteral("text"), QString() } } }));
    const HttpResponse index
        = send("POST", QStringLiteral("/indexes('kb')/docs/search.index?api-version=2024-07-01"),
            QByteArray(
                R"({"value": [{"id": "a=1", "text": "alpha"}, {"id": "b-2", "text": "beta"}]})"));
    QCOMPARE(index.status, 200);
    QCOMPARE(send("GET", QStringLiteral("/indexes('kb')/docs/$count?api-version=2024-07-01"), {},
                 kQueryKey)
                 .body,
        QByteArray("2"));
    QCOMPARE(send("GET", QStringLiteral("/indexes/kb/docs/%24count?api-version=2024-07-01"), {},
                 kQueryKey)
                 .body,
        QByteArray("2"));
    HttpResponse r = send("GET",
        QStringLiteral("/indexes('kb')/docs('a%3D1')?api-version=2024-07-01"), {}, kQueryKey);
    QCOMPARE(r.status, 200);
    QCOMPARE(parseBody(r.body).toObject().value(QLatin1String("text")).toString(),
        QStringLiteral("alpha"));
    QCOMPARE(
        send("GET", QStringLiteral("/indexes/kb/docs/b-2?api-version=2024-07-01"), {}, kQueryKey)
            .status,
        200);
    QCOMPARE(
        send("GET", QStringLiteral("/indexes('kb')/search.stats?api-version=2024-07-01")).status,
        200);
    r = send("POST",
        QStringLiteral("/indexes('kb')/docs/search.post.search?api-version=2024-07-01"),
        QByteArray(R"({"search": "beta", "select": "id"})"), kQueryKey);
    QCOMPARE(r.status, 200);
    QCOMPARE(parseBody(r.body)
                 .toObject()
                 .value(QLatin1String("value"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QLatin1String("id"))
                 .toString(),
        QStringLiteral("b-2"));
    QCOMPARE(send("GET", QStringLiteral("/indexes/kb/docs/?api-version=2024-07-01&search=alpha"),
                 {}, kQueryKey)
                 .status,
        200);
}

void tst_SearchApi::pagingWithNextLink()
{
    createIndex(indexFromDocuments(QStringLiteral("pages"), QStringLiteral("id"),
        { QJsonObject { { QStringLiteral("text"), QString() } } }));
    QJsonArray docs;
    for (int i = 0; i < 120; ++i)
        docs.append(QJsonObject {
            { QStringLiteral("id"), QStringLiteral("d%1").arg(i, 3, 10, QLatin1Char('0')) },
            { QStringLiteral("text"), QStringLiteral("page test %1").arg(i) } });
    upload(QStringLiteral("pages"), docs);

    // Without $top, pages of 50 follow one another through @odata.nextLink until the end.
    QSet<QString> seen;
    QString link = QStringLiteral(
        "/indexes/pages/docs?api-version=2024-07-01&search=page%20test&$count=true&$select=id");
    QList<int> pageSizes;
    while (!link.isEmpty() && pageSizes.size() < 10) {
        const QUrl u = QUrl::fromEncoded(link.toUtf8());
        const HttpResponse r
            = m_api->handle("GET", u, { { QByteArrayLiteral("api-key"), kQueryKey } }, {}, kBase);
        QVERIFY2(r.status == 200, r.body.constData());
        const QJsonObject body = parseBody(r.body).toObject();
        QCOMPARE(body.value(QLatin1String("@odata.count")).toInt(), 120);
        const QJsonArray value = body.value(QLatin1String("value")).toArray();
        pageSizes << int(value.size());
        for (const QJsonValue &v : value)
            seen.insert(v.toObject().value(QLatin1String("id")).toString());
        link = body.value(QLatin1String("@odata.nextLink")).toString();
        if (!link.isEmpty())
            QVERIFY2(link.startsWith(QStringLiteral(
                         "https://myservice.search.windows.net/indexes('pages')/docs?")),
                qPrintable(link));
    }
    QCOMPARE(pageSizes, (QList<int> { 50, 50, 20 }));
    QCOMPARE(seen.size(), 120);

    // With $top within the page limit there is no continuation.
    HttpResponse r = send("GET",
        QStringLiteral("/indexes/pages/docs?api-version=2024-07-01&$top=100"), {}, kQueryKey);
    QCOMPARE(parseBody(r.body).toObject().value(QLatin1String("value")).toArray().size(), 100);
    QVERIFY(!parseBody(r.body).toObject().contains(QLatin1String("@odata.nextLink")));
    r = send("GET", QStringLiteral("/indexes/pages/docs?api-version=2024-07-01&$skip=100000"), {},
        kQueryKey);
    QCOMPARE(r.status, 200);
    QVERIFY(parseBody(r.body).toObject().value(QLatin1String("value")).toArray().isEmpty());
}

void tst_SearchApi::topAboveThePageLimit()
{
    createIndex(indexFromDocuments(QStringLiteral("big"), QStringLiteral("id"),
        { QJsonObject { { QStringLiteral("n"), QString() } } }));
    QJsonArray docs;
    for (int i = 0; i < 1100; ++i)
        docs.append(QJsonObject { { QStringLiteral("id"), QString::number(i) },
            { QStringLiteral("n"), QStringLiteral("x") } });
    upload(QStringLiteral("big"), docs);

    // As in the service: $top above 1,000 returns the first 1,000 and a link to the rest.
    HttpResponse r = send("GET",
        QStringLiteral("/indexes/big/docs?api-version=2024-07-01&$top=1001&$select=id"), {},
        kQueryKey);
    QVERIFY2(r.status == 200, r.body.left(300).constData());
    QJsonObject body = parseBody(r.body).toObject();
    QCOMPARE(body.value(QLatin1String("value")).toArray().size(), 1000);
    const QString link = body.value(QLatin1String("@odata.nextLink")).toString();
    const QUrlQuery linkQuery(QUrl(link).query());
    QCOMPARE(linkQuery.queryItemValue(QStringLiteral("$skip")), QStringLiteral("1000"));
    QCOMPARE(linkQuery.queryItemValue(QStringLiteral("$top")), QStringLiteral("1"));
    r = m_api->handle("GET", QUrl::fromEncoded(link.toUtf8()),
        { { QByteArrayLiteral("api-key"), kQueryKey } }, {}, kBase);
    body = parseBody(r.body).toObject();
    QCOMPARE(body.value(QLatin1String("value")).toArray().size(), 1);
    QVERIFY(!body.contains(QLatin1String("@odata.nextLink")));

    r = send("POST", QStringLiteral("/indexes/big/docs/search?api-version=2024-07-01"),
        QByteArray(R"({"top": 1001, "select": "id"})"), kQueryKey);
    body = parseBody(r.body).toObject();
    QCOMPARE(body.value(QLatin1String("value")).toArray().size(), 1000);
    QCOMPARE(body.value(QLatin1String("@search.nextPageParameters")).toObject(),
        (QJsonObject { { QStringLiteral("top"), 1 }, { QStringLiteral("skip"), 1000 },
            { QStringLiteral("select"), QStringLiteral("id") } }));

    r = send(
        "GET", QStringLiteral("/indexes/big/docs?api-version=2024-07-01&$top=1000"), {}, kQueryKey);
    QCOMPARE(parseBody(r.body).toObject().value(QLatin1String("value")).toArray().size(), 1000);
    QVERIFY(!parseBody(r.body).toObject().contains(QLatin1String("@odata.nextLink")));
}

void tst_SearchApi::knowledgeBaseThroughTheApi()
{
    createIndex(knowledgeBaseIndexDefinition());
    QJsonArray docs;
    for (const QJsonObject &d : generateKnowledgeBase())
        docs.append(d);
    upload(QStringLiteral("kb"), docs);
    const HttpResponse r = send("GET",
        QStringLiteral(
            "/indexes/kb/docs?api-version=2024-07-01&search=%1&$top=1&$select=question,category"
            "&$filter=%2&$count=true&facet=category")
            .arg(encoded(QStringLiteral("How do I reset my password?")),
                encoded(QStringLiteral(
                    "lastUpdated ge 2023-01-01T00:00:00Z and category eq 'IT Support'"))),
        {}, kQueryKey);
    QVERIFY2(r.status == 200, r.body.constData());
    const QJsonObject body = parseBody(r.body).toObject();
    const QJsonObject top = body.value(QLatin1String("value")).toArray().at(0).toObject();
    QVERIFY2(top.value(QLatin1String("question")).toString().contains(QStringLiteral("password")),
        r.body.constData());
    QCOMPARE(body.value(QLatin1String("@search.facets"))
                 .toObject()
                 .value(QLatin1String("category"))
                 .toArray()
                 .size(),
        1);
    QVERIFY(body.value(QLatin1String("@odata.count")).toInt() > 1);
}

void tst_SearchApi::handles()
{
    QVERIFY(SearchApi::handles(QUrl(QStringLiteral("/indexes"))));
    QVERIFY(SearchApi::handles(QUrl(QStringLiteral("/indexes/kb/docs?api-version=2024-07-01"))));
    QVERIFY(SearchApi::handles(
        QUrl(QStringLiteral("https://127.0.0.1:8443/indexes('kb')/docs/$count"))));
    QVERIFY(!SearchApi::handles(QUrl(QStringLiteral("/healthz"))));
    QVERIFY(!SearchApi::handles(QUrl(QStringLiteral("/api/messages"))));
    QVERIFY(!SearchApi::handles(QUrl(QStringLiteral("/indexesx"))));
}

void tst_SearchApi::errors_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("message");

    const QString v = QStringLiteral("api-version=2024-07-01");
    const QByteArray wrong = QByteArrayLiteral("not-the-key");
    const QByteArray none;
    const QByteArray okDoc = QByteArray(R"({"value": [{"id": "1", "title": "t"}]})");
    QByteArray tooMany = "{\"value\": [";
    for (int i = 0; i <= SearchApi::MaxBatchActions; ++i)
        tooMany += (i ? "," : "") + QByteArray("{\"id\": \"") + QByteArray::number(i) + "\"}";
    tooMany += "]}";

    QTest::newRow("wrong api-key")
        << QByteArray("GET") << QStringLiteral("/indexes/docs1/docs/$count?") + v << wrong
        << QByteArray() << 403 << QStringLiteral("api-key");
    QTest::newRow("missing api-key")
        << QByteArray("GET") << QStringLiteral("/indexes/docs1/docs?") + v << none << QByteArray()
        << 403 << QStringLiteral("api-key");
    QTest::newRow("query key writes")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/index?") + v << kQueryKey
        << okDoc << 403 << QStringLiteral("admin key");
    QTest::newRow("query key creates index")
        << QByteArray("PUT") << QStringLiteral("/indexes/other?") + v << kQueryKey
        << json(knowledgeBaseIndexDefinition(QStringLiteral("other"))) << 403
        << QStringLiteral("admin key");
    QTest::newRow("query key deletes index")
        << QByteArray("DELETE") << QStringLiteral("/indexes/docs1?") + v << kQueryKey
        << QByteArray() << 403 << QStringLiteral("admin key");
    QTest::newRow("missing api-version")
        << QByteArray("GET") << QStringLiteral("/indexes/docs1/docs/$count") << kAdminKey
        << QByteArray() << 400
        << QStringLiteral("Invalid or missing api-version query string parameter.");
    QTest::newRow("unknown api-version")
        << QByteArray("GET") << QStringLiteral("/indexes/docs1/docs/$count?api-version=1999-01-01")
        << kAdminKey << QByteArray() << 400 << QStringLiteral("api-version");
    QTest::newRow("malformed JSON")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/index?") + v << kAdminKey
        << QByteArray(R"({"value": [{"id": "1",}]})") << 400 << QStringLiteral("not valid JSON");
    QTest::newRow("body is an array")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/index?") + v << kAdminKey
        << QByteArray(R"([{"id": "1"}])") << 400 << QStringLiteral("JSON object");
    QTest::newRow("empty body") << QByteArray("POST")
                                << QStringLiteral("/indexes/docs1/docs/index?") + v << kAdminKey
                                << QByteArray() << 400 << QStringLiteral("not valid JSON");
    QTest::newRow("unknown document field")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/index?") + v << kAdminKey
        << QByteArray(R"({"value": [{"id": "1", "colour": "red"}]})") << 400
        << QStringLiteral("The property 'colour' does not exist on type 'search.documentFields'");
    QTest::newRow("wrong value type")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/index?") + v << kAdminKey
        << QByteArray(R"({"value": [{"id": 1}]})") << 400
        << QStringLiteral("Cannot convert the literal '1'");
    QTest::newRow("unknown batch property")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/index?") + v << kAdminKey
        << QByteArray(R"({"values": []})") << 400 << QStringLiteral("'values' does not exist");
    QTest::newRow("1001 actions") << QByteArray("POST")
                                  << QStringLiteral("/indexes/docs1/docs/index?") + v << kAdminKey
                                  << tooMany << 400
                                  << QStringLiteral("must have from 1 to 1000 valid items");
    QTest::newRow("no actions") << QByteArray("POST")
                                << QStringLiteral("/indexes/docs1/docs/index?") + v << kAdminKey
                                << QByteArray(R"({"value": []})") << 400
                                << QStringLiteral("from 1 to 1000");
    QTest::newRow("unknown index count")
        << QByteArray("GET") << QStringLiteral("/indexes/nosuch/docs/$count?") + v << kQueryKey
        << QByteArray() << 404 << QStringLiteral("nosuch");
    QTest::newRow("unknown index search")
        << QByteArray("POST") << QStringLiteral("/indexes/nosuch/docs/search?") + v << kQueryKey
        << QByteArray(R"({"search": "x"})") << 404 << QStringLiteral("nosuch");
    QTest::newRow("unknown index write")
        << QByteArray("POST") << QStringLiteral("/indexes/nosuch/docs/index?") + v << kAdminKey
        << okDoc << 404 << QStringLiteral("nosuch");
    QTest::newRow("unknown document")
        << QByteArray("GET") << QStringLiteral("/indexes/docs1/docs/404?") + v << kQueryKey
        << QByteArray() << 404 << QStringLiteral("'404'");
    QTest::newRow("negative $top")
        << QByteArray("GET") << QStringLiteral("/indexes/docs1/docs?$top=-1&") + v << kQueryKey
        << QByteArray() << 400 << QStringLiteral("$top");
    QTest::newRow("$skip above 100000")
        << QByteArray("GET") << QStringLiteral("/indexes/docs1/docs?$skip=100001&") + v << kQueryKey
        << QByteArray() << 400 << QStringLiteral("$skip must be between 0 and 100000");
    QTest::newRow("skip above 100000 (POST)")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/search?") + v << kQueryKey
        << QByteArray(R"({"skip": 100001})") << 400
        << QStringLiteral("$skip must be between 0 and 100000");
    QTest::newRow("$top not a number")
        << QByteArray("GET") << QStringLiteral("/indexes/docs1/docs?$top=ten&") + v << kQueryKey
        << QByteArray() << 400 << QStringLiteral("not a valid integer");
    QTest::newRow("$top overflows")
        << QByteArray("GET") << QStringLiteral("/indexes/docs1/docs?$top=99999999999999999999&") + v
        << kQueryKey << QByteArray() << 400 << QStringLiteral("not a valid integer");
    QTest::newRow("invalid $filter")
        << QByteArray("GET") << QStringLiteral("/indexes/docs1/docs?$filter=title%20eq&") + v
        << kQueryKey << QByteArray() << 400 << QStringLiteral("Invalid expression: Syntax error");
    QTest::newRow("unknown $filter field")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/search?") + v << kQueryKey
        << QByteArray(R"({"filter": "stars gt 3"})") << 400
        << QStringLiteral("Could not find a property named 'stars'");
    QTest::newRow("invalid $orderby")
        << QByteArray("GET") << QStringLiteral("/indexes/docs1/docs?$orderby=title%20up&") + v
        << kQueryKey << QByteArray() << 400 << QStringLiteral("$orderby");
    QTest::newRow("invalid $select")
        << QByteArray("GET") << QStringLiteral("/indexes/docs1/docs?$select=nosuch&") + v
        << kQueryKey << QByteArray() << 400 << QStringLiteral("$select");
    QTest::newRow("unknown search parameter")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/search?") + v << kQueryKey
        << QByteArray(R"({"serch": "typo"})") << 400
        << QStringLiteral("The parameter 'serch' in the request payload is not a valid parameter");
    QTest::newRow("wrong search parameter type")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/search?") + v << kQueryKey
        << QByteArray(R"({"top": "ten"})") << 400 << QStringLiteral("'top'");
    QTest::newRow("top out of range")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/search?") + v << kQueryKey
        << QByteArray(R"({"top": 1e20})") << 400 << QStringLiteral("'top'");
    QTest::newRow("malformed search JSON")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/search?") + v << kQueryKey
        << QByteArray("{\"search\": ") << 400 << QStringLiteral("not valid JSON");
    QTest::newRow("bad searchMode")
        << QByteArray("GET") << QStringLiteral("/indexes/docs1/docs?searchMode=some&") + v
        << kQueryKey << QByteArray() << 400 << QStringLiteral("searchMode");
    QTest::newRow("semantic query")
        << QByteArray("GET") << QStringLiteral("/indexes/docs1/docs?queryType=semantic&") + v
        << kQueryKey << QByteArray() << 400 << QStringLiteral("Semantic");
    QTest::newRow("unknown scoring profile")
        << QByteArray("GET") << QStringLiteral("/indexes/docs1/docs?scoringProfile=nope&") + v
        << kQueryKey << QByteArray() << 400 << QStringLiteral("scoring profile 'nope'");
    QTest::newRow("unknown path") << QByteArray("GET")
                                  << QStringLiteral("/indexes/docs1/nonsense?") + v << kAdminKey
                                  << QByteArray() << 404 << QStringLiteral("does not exist");
    QTest::newRow("wrong method") << QByteArray("DELETE")
                                  << QStringLiteral("/indexes/docs1/docs?") + v << kAdminKey
                                  << QByteArray() << 405 << QStringLiteral("DELETE");
    QTest::newRow("suggest is not modelled")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/search.post.suggest?") + v
        << kQueryKey << QByteArray("{}") << 501 << QStringLiteral("does not implement");
    QTest::newRow("invalid index definition")
        << QByteArray("PUT") << QStringLiteral("/indexes/bad?") + v << kAdminKey
        << QByteArray(R"({"fields": [{"name": "id", "type": "Edm.String"}]})") << 400
        << QStringLiteral("no key field");
}

void tst_SearchApi::errors()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, message);
    createIndex(indexFromDocuments(QStringLiteral("docs1"), QStringLiteral("id"),
        { QJsonObject { { QStringLiteral("title"), QString() } } }));
    upload(QStringLiteral("docs1"),
        QJsonArray { QJsonObject { { QStringLiteral("id"), QStringLiteral("1") },
            { QStringLiteral("title"), QStringLiteral("one") } } });

    const HttpResponse r = send(method, path, body, key);
    QVERIFY2(r.status == status,
        qPrintable(
            QStringLiteral("got %1: %2").arg(r.status).arg(QString::fromUtf8(r.body.left(400)))));
    const QString problem = errorShapeProblem(r);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY2(errorMessage(r).contains(message), qPrintable(errorMessage(r)));
    QCOMPARE(*m_store->count(QStringLiteral("docs1")), 1); // nothing was written
}

void tst_SearchApi::oversizeBody()
{
    createIndex(indexFromDocuments(QStringLiteral("docs1"), QStringLiteral("id"),
        { QJsonObject { { QStringLiteral("title"), QString() } } }));
    // A well-formed batch of 2 documents that is just over 16 MB.
    const QByteArray filler(SearchApi::MaxRequestBytes / 2, 'x');
    const QByteArray body = QByteArray(R"({"value": [{"id": "1", "title": ")") + filler
        + QByteArray(R"("}, {"id": "2", "title": ")") + filler + QByteArray(R"("}]})");
    QVERIFY(body.size() > SearchApi::MaxRequestBytes);
    const HttpResponse r
        = send("POST", QStringLiteral("/indexes/docs1/docs/index?api-version=2024-07-01"), body);
    QCOMPARE(r.status, 413);
    const QString problem = errorShapeProblem(r);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY(errorMessage(r).contains(QStringLiteral("16 MB")));
    QCOMPARE(*m_store->count(QStringLiteral("docs1")), 0);
}

void tst_SearchApi::garbageNeverCrashes_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("unterminated OData key")
        << QByteArray("GET") << QStringLiteral("/indexes('docs1/docs") << QByteArray();
    QTest::newRow("empty index name")
        << QByteArray("GET") << QStringLiteral("/indexes//docs?api-version=2024-07-01")
        << QByteArray();
    QTest::newRow("empty OData key")
        << QByteArray("GET") << QStringLiteral("/indexes('docs1')/docs('')?api-version=2024-07-01")
        << QByteArray();
    QTest::newRow("deep path") << QByteArray("GET")
                               << QStringLiteral("/indexes/docs1/docs/a/b/c?api-version=2024-07-01")
                               << QByteArray();
    QTest::newRow("binary body") << QByteArray(
        "POST") << QStringLiteral("/indexes/docs1/docs/index?api-version=2024-07-01")
                                 << QByteArray("\x00\xff\xfe{[", 5);
    QTest::newRow("deep nesting") << QByteArray(
        "POST") << QStringLiteral("/indexes/docs1/docs/search?api-version=2024-07-01")
                                  << QByteArray(5000, '[');
    QTest::newRow("value not array")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/index?api-version=2024-07-01")
        << QByteArray(R"({"value": {"id": "1"}})");
    QTest::newRow("null action") << QByteArray(
        "POST") << QStringLiteral("/indexes/docs1/docs/index?api-version=2024-07-01")
                                 << QByteArray(R"({"value": [null]})");
    QTest::newRow("facets not strings")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/search?api-version=2024-07-01")
        << QByteArray(R"({"facets": [1, 2]})");
    QTest::newRow("vector query junk")
        << QByteArray("POST") << QStringLiteral("/indexes/docs1/docs/search?api-version=2024-07-01")
        << QByteArray(
               R"({"vectorQueries": [{"kind": "vector", "vector": ["a"], "fields": "title"}]})");
    QTest::newRow("percent garbage")
        << QByteArray("GET")
        << QStringLiteral("/indexes/%ZZ/docs?api-version=2024-07-01&$filter=%ZZ") << QByteArray();
    QTest::newRow("unicode search")
        << QByteArray("GET")
        << QStringLiteral(
               "/indexes/docs1/docs?api-version=2024-07-01&search=%E2%80%9C%F0%9F%98%80%22%2B-*")
        << QByteArray();
    QTest::newRow("filter injection")
        << QByteArray("GET")
        << QStringLiteral("/indexes/docs1/"
                          "docs?api-version=2024-07-01&$filter=title%20eq%20'x''%3B%20DROP%20TABLE%"
                          "20search_indexes%3B--'")
        << QByteArray();
    QTest::newRow("unknown method")
        << QByteArray("PATCH") << QStringLiteral("/indexes/docs1?api-version=2024-07-01")
        << QByteArray("{}");
}

void tst_SearchApi::garbageNeverCrashes()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    createIndex(indexFromDocuments(QStringLiteral("docs1"), QStringLiteral("id"),
        { QJsonObject { { QStringLiteral("title"), QString() } } }));
    const HttpResponse r = send(method, path, body);
    QVERIFY2(r.status >= 200 && r.status < 600, qPrintable(QString::number(r.status)));
    if (r.status >= 400) {
        const QString problem = errorShapeProblem(r);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
    }
    // The service still works afterwards.
    QCOMPARE(
        send("GET", QStringLiteral("/indexes/docs1/docs/$count?api-version=2024-07-01")).status,
        200);
    QVERIFY(m_store->hasIndex(QStringLiteral("docs1")));
}

QTEST_GUILESS_MAIN(tst_SearchApi)
#include "tst_searchapi.moc"
