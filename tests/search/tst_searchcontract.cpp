// Contract tests of the Search client (core/search/searchclient) on Microsoft's official
// examples in ../shared/azure-rest-examples/search: the real SearchClient talks to a real
// loopback HTTPS server replaying each example's answer, and what it sends must match the
// example (method, path built from its parameters, api-version and the other query
// parameters, body) while what it parses must equal the example's response, read at test time.
//
// Every case runs twice: with an api-key, and with a bearer token that a real
// EntraTokenSource obtained from a loopback token endpoint (then no api-key may be sent).
//
// Examples used: search/SearchIndexCountDocuments.json, search/SearchServiceGetIndexStatistics.json,
// search/SearchIndexGetDocument.json, search/SearchIndexSearchDocumentsGet.json,
// search/SearchIndexSearchDocumentsPost.json, search/SearchIndexIndexDocuments.json.

#include "asyncwait.h"
#include "common/clock.h"
#include "probes/searchindexprobe.h"
#include "azure/entra.h"
#include "replayserver.h"
#include "search/searchclient.h"
#include "secrets/secretstore.h"
#include "testpki.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QTest>

#include <memory>

using namespace dr;
using namespace dr::test;

namespace {

const QByteArray kApiKey = QByteArrayLiteral("contract-admin-key");
const QByteArray kToken = QByteArrayLiteral("t");
const QString kScope = QStringLiteral("https://search.azure.com/.default");
const char kSecretVariable[] = "DR_TST_SEARCHCONTRACT_CLIENT_SECRET";

QString text(const QJsonValue &v)
{
    if (v.isString())
        return v.toString();
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    return v.toVariant().toString();
}

QStringList texts(const QJsonArray &a)
{
    QStringList out;
    for (const QJsonValue &v : a)
        out.append(text(v));
    return out;
}

QString joined(const QJsonValue &v)
{
    return v.isArray() ? texts(v.toArray()).join(u',') : text(v);
}

} // namespace

class tst_SearchContract : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void countDocuments_data() { authRows(); }
    void countDocuments();
    void indexStatistics_data() { authRows(); }
    void indexStatistics();
    void getDocument_data() { authRows(); }
    void getDocument();
    void searchGet_data() { authRows(); }
    void searchGet();
    void searchPost_data() { authRows(); }
    void searchPost();
    void indexDocuments_data();
    void indexDocuments();

    void searchIndexProbeWithEntra_data();
    void searchIndexProbeWithEntra();

    void everySearchExampleIsUsed();

private:
    void authRows();
    bool entra() const;
    std::unique_ptr<SearchClient> client(const AzureExample &example);
    // The one request the search server received, with the auth the row asks for.
    std::optional<RecordedRequest> onlyRequest();
    QString authProblem(const RecordedRequest &request) const;

    std::unique_ptr<TestPki> m_pki;
    QList<QSslCertificate> m_ca;
    QNetworkAccessManager m_network;
    SecretStore m_secrets;
    std::unique_ptr<ReplayServer> m_search;
    std::unique_ptr<ReplayServer> m_login;
    std::unique_ptr<EntraTokenSource> m_tokens;
};

void tst_SearchContract::initTestCase()
{
    m_pki = std::make_unique<TestPki>();
    QVERIFY2(m_pki->isValid(), qPrintable(m_pki->error()));
    m_ca = QSslCertificate::fromPath(m_pki->caCertPath());
    QVERIFY(!m_ca.isEmpty());
    qputenv(kSecretVariable, "contract-client-secret");
}

void tst_SearchContract::init()
{
    const IssuedCertificate leaf = m_pki->issueForDays(QStringLiteral("search"), 30);
    m_search = std::make_unique<ReplayServer>();
    m_search->setTls({leaf.certificate()}, leaf.key());
    QVERIFY(m_search->listen());

    // A token endpoint of Entra ID's shape: POST /TENANT/oauth2/v2.0/token.
    m_login = std::make_unique<ReplayServer>();
    m_login->setTls({leaf.certificate()}, leaf.key());
    m_login->serveTokens();
    QVERIFY(m_login->listen());

    EntraSettings settings;
    settings.authority = m_login->url(QStringLiteral("/"));
    settings.tenantId = QStringLiteral("contoso-tenant");
    settings.clientId = QStringLiteral("drconsole-app");
    settings.clientSecret = SecretRef{SecretRef::Source::Env, QString::fromLatin1(kSecretVariable)};
    settings.caCertificates = m_ca;
    m_tokens = std::make_unique<EntraTokenSource>(&m_network, &m_secrets, settings);
    m_tokens->setKeychainCache(false);
}

void tst_SearchContract::cleanup()
{
    if (entra() && !QByteArray(QTest::currentDataTag()).contains("without") && !QTest::currentTestFailed()) {
        // One token request per case (the source caches), for the search scope, by the app.
        QCOMPARE(m_login->tokenRequests().size(), 1);
        const QUrlQuery form(QString::fromUtf8(m_login->tokenRequests().first().body));
        QCOMPARE(form.queryItemValue(QStringLiteral("grant_type")), QStringLiteral("client_credentials"));
        QCOMPARE(form.queryItemValue(QStringLiteral("scope"), QUrl::FullyDecoded), kScope);
        QCOMPARE(form.queryItemValue(QStringLiteral("client_id")), QStringLiteral("drconsole-app"));
    }
    m_tokens.reset();
    m_search.reset();
    m_login.reset();
}

void tst_SearchContract::authRows()
{
    QTest::addColumn<bool>("entra");
    QTest::newRow("api-key") << false;
    QTest::newRow("entra") << true;
}

bool tst_SearchContract::entra() const
{
    const char *tag = QTest::currentDataTag();
    return tag && QByteArray(tag).startsWith("entra");
}

std::unique_ptr<SearchClient> tst_SearchContract::client(const AzureExample &example)
{
    SearchEndpoint endpoint;
    endpoint.serviceUrl = m_search->url(QStringLiteral("/"));
    endpoint.indexName = example.parameter(QStringLiteral("indexName"));
    endpoint.apiVersion = example.apiVersion();
    endpoint.caCertificates = m_ca;
    if (entra()) {
        endpoint.tokens = m_tokens.get();
        endpoint.scope = kScope;
    } else {
        endpoint.apiKey = kApiKey;
    }
    return std::make_unique<SearchClient>(&m_network, endpoint);
}

std::optional<RecordedRequest> tst_SearchContract::onlyRequest()
{
    const auto requests = m_search->requests();
    if (requests.size() != 1)
        return std::nullopt;
    return requests.first();
}

QString tst_SearchContract::authProblem(const RecordedRequest &request) const
{
    if (entra()) {
        if (request.header("Authorization") != QByteArrayLiteral("Bearer ") + kToken)
            return QStringLiteral("no bearer token: Authorization is \"%1\"").arg(QString::fromLatin1(request.header("Authorization")));
        if (!request.header("api-key").isEmpty())
            return QStringLiteral("an api-key was sent beside the token");
        return {};
    }
    if (request.header("api-key") != kApiKey)
        return QStringLiteral("the api-key header is missing or wrong");
    if (!request.header("Authorization").isEmpty())
        return QStringLiteral("an Authorization header was sent with the api-key");
    return {};
}

#define CHECK_AUTH(request)                                                                        \
    do {                                                                                           \
        const QString problem = authProblem(request);                                              \
        QVERIFY2(problem.isEmpty(), qPrintable(problem));                                          \
    } while (false)

void tst_SearchContract::countDocuments()
{
    const AzureExample example = AzureExample::load(QStringLiteral("search/SearchIndexCountDocuments.json"));
    QVERIFY2(example.ok(), qPrintable(example.error));
    // The body is a bare JSON number (427), which ReplayServer::enqueueExample does not send
    // (it writes objects, arrays and strings): the same answer, its text made here.
    const QJsonValue body = example.responseBody(200);
    QVERIFY(body.isDouble());
    QByteArray text = QJsonDocument(QJsonArray{body}).toJson(QJsonDocument::Compact);
    text = text.mid(1, text.size() - 2);
    m_search->enqueue({200, {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json; charset=utf-8")}}, text});
    auto c = client(example);
    const auto count = awaitResult<qint64>([&](auto done) { c->count(done); });
    QVERIFY(count.has_value());
    QVERIFY2(count->has_value(), qPrintable(errorOf(*count)));
    QCOMPARE(**count, example.responseBody(200).toInteger());

    const auto request = onlyRequest();
    QVERIFY(request);
    QCOMPARE(request->method, QByteArrayLiteral("GET"));
    QCOMPARE(request->path, QStringLiteral("/indexes/%1/docs/$count").arg(example.parameter(QStringLiteral("indexName"))));
    QCOMPARE(request->query.queryItemValue(QStringLiteral("api-version")), example.apiVersion());
    CHECK_AUTH(*request);
}

void tst_SearchContract::indexStatistics()
{
    const AzureExample example = AzureExample::load(QStringLiteral("search/SearchServiceGetIndexStatistics.json"));
    QVERIFY2(example.ok(), qPrintable(example.error));
    m_search->enqueueExample(example, 200);
    auto c = client(example);
    const auto stats = awaitResult<IndexStatistics>([&](auto done) { c->statistics(done); });
    QVERIFY(stats.has_value());
    QVERIFY2(stats->has_value(), qPrintable(errorOf(*stats)));
    const QJsonObject body = example.responseBody(200).toObject();
    QCOMPARE((*stats)->documentCount, body.value(QStringLiteral("documentCount")).toInteger());
    QCOMPARE((*stats)->storageSize, body.value(QStringLiteral("storageSize")).toInteger());
    QVERIFY((*stats)->vectorIndexSize.has_value());
    QCOMPARE(*(*stats)->vectorIndexSize, body.value(QStringLiteral("vectorIndexSize")).toInteger());

    const auto request = onlyRequest();
    QVERIFY(request);
    QCOMPARE(request->method, QByteArrayLiteral("GET"));
    // GET /indexes/NAME/stats: the documented REST path (the spec's /indexes('NAME')/search.stats
    // is the same operation).
    QCOMPARE(request->path, QStringLiteral("/indexes/%1/stats").arg(example.parameter(QStringLiteral("indexName"))));
    QCOMPARE(request->query.queryItemValue(QStringLiteral("api-version")), example.apiVersion());
    CHECK_AUTH(*request);
}

void tst_SearchContract::getDocument()
{
    const AzureExample example = AzureExample::load(QStringLiteral("search/SearchIndexGetDocument.json"));
    QVERIFY2(example.ok(), qPrintable(example.error));
    m_search->enqueueExample(example, 200);
    auto c = client(example);
    const QString key = example.parameter(QStringLiteral("key"));
    QStringList select = texts(example.parameters.value(QStringLiteral("$select")).toArray());
    const auto doc = awaitResult<std::optional<QJsonObject>>([&](auto done) { c->document(key, select, done); });
    QVERIFY(doc.has_value());
    QVERIFY2(doc->has_value(), qPrintable(errorOf(*doc)));
    QVERIFY(doc->value().has_value());
    QCOMPARE(*doc->value(), example.responseBody(200).toObject());

    const auto request = onlyRequest();
    QVERIFY(request);
    QCOMPARE(request->method, QByteArrayLiteral("GET"));
    // The OData key form, docs('KEY'): a key can never be read as a sub-resource.
    QCOMPARE(request->path, QStringLiteral("/indexes/%1/docs('%2')").arg(example.parameter(QStringLiteral("indexName")), key));
    QCOMPARE(request->query.queryItemValue(QStringLiteral("api-version")), example.apiVersion());
    QCOMPARE(request->query.queryItemValue(QStringLiteral("$select"), QUrl::FullyDecoded), select.join(u','));
    CHECK_AUTH(*request);

    // A key the index does not hold: absence, not an error.
    m_search->clear();
    m_search->enqueue({404, {}, QByteArrayLiteral(R"({"error":{"code":"","message":"Not found"}})")});
    const auto missing = awaitResult<std::optional<QJsonObject>>([&](auto done) { c->document(QStringLiteral("nope"), {}, done); });
    QVERIFY(missing.has_value());
    QVERIFY2(missing->has_value(), qPrintable(errorOf(*missing)));
    QVERIFY(!missing->value().has_value());
}

void tst_SearchContract::searchGet()
{
    const AzureExample example = AzureExample::load(QStringLiteral("search/SearchIndexSearchDocumentsGet.json"));
    QVERIFY2(example.ok(), qPrintable(example.error));
    m_search->enqueueExample(example, 200);

    // The example's parameters as a query: $-named ones into the typed fields, the rest into
    // `more` under the POST body's names (the GET form's "facet" is the body's "facets").
    const QJsonObject p = example.parameters;
    SearchQuery query;
    query.search = p.value(QStringLiteral("search")).toString();
    query.filter = p.value(QStringLiteral("$filter")).toString();
    query.orderBy = joined(p.value(QStringLiteral("$orderby")));
    query.select = texts(p.value(QStringLiteral("$select")).toArray());
    query.top = p.value(QStringLiteral("$top")).toInt();
    query.skip = p.value(QStringLiteral("$skip")).toInt();
    query.count = p.value(QStringLiteral("$count")).toBool();
    const QStringList notQuery{QStringLiteral("endpoint"), QStringLiteral("indexName"), QStringLiteral("api-version")};
    const QStringList typed{QStringLiteral("search"), QStringLiteral("$filter"), QStringLiteral("$orderby"), QStringLiteral("$select"),
                            QStringLiteral("$top"), QStringLiteral("$skip"), QStringLiteral("$count")};
    for (auto it = p.begin(); it != p.end(); ++it) {
        if (!notQuery.contains(it.key()) && !typed.contains(it.key()))
            query.more.insert(it.key() == u"facet" ? QStringLiteral("facets") : it.key(), it.value());
    }

    auto c = client(example);
    const auto page = awaitResult<SearchPage>([&](auto done) { c->searchGet(query, done); });
    QVERIFY(page.has_value());
    QVERIFY2(page->has_value(), qPrintable(errorOf(*page)));

    // What was sent: every example parameter, lists repeated (facet, scoringParameter) or
    // comma-joined as the service reads them, and nothing else.
    const auto request = onlyRequest();
    QVERIFY(request);
    QCOMPARE(request->method, QByteArrayLiteral("GET"));
    QCOMPARE(request->path, QStringLiteral("/indexes/%1/docs").arg(example.parameter(QStringLiteral("indexName"))));
    QCOMPARE(request->query.queryItemValue(QStringLiteral("api-version")), example.apiVersion());
    QStringList expectedNames{QStringLiteral("api-version")};
    for (auto it = p.begin(); it != p.end(); ++it) {
        if (notQuery.contains(it.key()))
            continue;
        const QString wire = it.key() == u"scoringParameters" ? QStringLiteral("scoringParameter") : it.key();
        expectedNames.append(wire);
        const QStringList sent = request->query.allQueryItemValues(wire, QUrl::FullyDecoded);
        if (it->isArray() && (wire == u"facet" || wire == u"scoringParameter"))
            QCOMPARE(sent, texts(it->toArray()));
        else
            QCOMPARE(sent, QStringList{joined(*it)});
    }
    QStringList sentNames;
    for (const auto &[name, value] : request->query.queryItems(QUrl::FullyDecoded)) {
        if (!sentNames.contains(name))
            sentNames.append(name);
    }
    sentNames.sort();
    expectedNames.sort();
    QCOMPARE(sentNames, expectedNames);
    CHECK_AUTH(*request);

    // What was parsed: the example's answer.
    const QJsonObject body = example.responseBody(200).toObject();
    const QJsonArray value = body.value(QStringLiteral("value")).toArray();
    QCOMPARE((*page)->documents.size(), value.size());
    for (qsizetype i = 0; i < value.size(); ++i)
        QCOMPARE((*page)->documents.at(i), value.at(i).toObject());
    QVERIFY((*page)->count.has_value());
    QCOMPARE(*(*page)->count, body.value(QStringLiteral("@odata.count")).toInteger());
    QCOMPARE((*page)->facets, body.value(QStringLiteral("@search.facets")).toObject());
    QVERIFY((*page)->coverage.has_value());
    QCOMPARE(*(*page)->coverage, body.value(QStringLiteral("@search.coverage")).toDouble());
    QVERIFY(!(*page)->more);
    QVERIFY(!(*page)->nextPage);

    // A vector query cannot travel in a URL: refused before anything is sent.
    m_search->clear();
    SearchQuery vector = query;
    vector.more.insert(QStringLiteral("vectorQueries"), QJsonArray{QJsonObject{{QStringLiteral("kind"), QStringLiteral("vector")}}});
    const auto refused = awaitResult<SearchPage>([&](auto done) { c->searchGet(vector, done); });
    QVERIFY(refused.has_value());
    QVERIFY(!refused->has_value());
    QVERIFY2(refused->error().contains(QStringLiteral("vectorQueries")), qPrintable(refused->error()));
    QCOMPARE(m_search->requests().size(), 0);
}

void tst_SearchContract::searchPost()
{
    const AzureExample example = AzureExample::load(QStringLiteral("search/SearchIndexSearchDocumentsPost.json"));
    QVERIFY2(example.ok(), qPrintable(example.error));
    m_search->enqueueExample(example, 200);
    const QJsonObject searchRequest = example.parameters.value(QStringLiteral("searchRequest")).toObject();
    const SearchQuery query = SearchQuery::fromJson(searchRequest);

    auto c = client(example);
    const auto page = awaitResult<SearchPage>([&](auto done) { c->page(query, done); });
    QVERIFY(page.has_value());
    QVERIFY2(page->has_value(), qPrintable(errorOf(*page)));

    const QString path = QStringLiteral("/indexes/%1/docs/search.post.search").arg(example.parameter(QStringLiteral("indexName")));
    const auto request = onlyRequest();
    QVERIFY(request);
    QCOMPARE(request->method, QByteArrayLiteral("POST"));
    QCOMPARE(request->path, path);
    QCOMPARE(request->query.queryItemValue(QStringLiteral("api-version")), example.apiVersion());
    QCOMPARE(request->header("Content-Type"), QByteArrayLiteral("application/json"));
    QCOMPARE(request->json().toObject(), searchRequest);
    CHECK_AUTH(*request);

    const QJsonObject body = example.responseBody(200).toObject();
    const QJsonArray value = body.value(QStringLiteral("value")).toArray();
    QCOMPARE((*page)->documents.size(), value.size());
    for (qsizetype i = 0; i < value.size(); ++i)
        QCOMPARE((*page)->documents.at(i), value.at(i).toObject());
    QVERIFY((*page)->count.has_value());
    QCOMPARE(*(*page)->count, body.value(QStringLiteral("@odata.count")).toInteger());
    QCOMPARE((*page)->facets, body.value(QStringLiteral("@search.facets")).toObject());
    QVERIFY((*page)->more);
    QCOMPARE((*page)->nextLink, QUrl(body.value(QStringLiteral("@odata.nextLink")).toString()));
    const QJsonObject nextParameters = body.value(QStringLiteral("@search.nextPageParameters")).toObject();
    QVERIFY((*page)->nextPage.has_value());
    QCOMPARE((*page)->nextPage->toJson(), nextParameters);

    // Honoured: the next page is asked with exactly the service's parameters, of our own
    // endpoint (nextLink's host is not followed).
    m_search->clear();
    m_search->enqueueExample(example, 200);
    const auto next = awaitResult<SearchPage>([&](auto done) { c->page(*(*page)->nextPage, done); });
    QVERIFY(next.has_value());
    QVERIFY2(next->has_value(), qPrintable(errorOf(*next)));
    const auto second = onlyRequest();
    QVERIFY(second);
    QCOMPARE(second->method, QByteArrayLiteral("POST"));
    QCOMPARE(second->path, path);
    QCOMPARE(second->json().toObject(), nextParameters);
    CHECK_AUTH(*second);
}

void tst_SearchContract::indexDocuments_data()
{
    QTest::addColumn<bool>("entra");
    QTest::addColumn<int>("status");
    QTest::newRow("api-key 200") << false << 200;
    QTest::newRow("api-key 207") << false << 207;
    QTest::newRow("entra 200") << true << 200;
    QTest::newRow("entra 207") << true << 207;
}

void tst_SearchContract::indexDocuments()
{
    QFETCH(int, status);
    const AzureExample example = AzureExample::load(QStringLiteral("search/SearchIndexIndexDocuments.json"));
    QVERIFY2(example.ok(), qPrintable(example.error));
    QVERIFY(example.hasResponse(status));
    m_search->enqueueExample(example, status);
    const QJsonObject batch = example.parameters.value(QStringLiteral("batch")).toObject();

    auto c = client(example);
    const auto items = awaitResult<QList<IndexItemResult>>([&](auto done) {
        c->indexBatch(batch.value(QStringLiteral("value")).toArray(), done);
    });
    QVERIFY(items.has_value());
    QVERIFY2(items->has_value(), qPrintable(errorOf(*items)));

    const auto request = onlyRequest();
    QVERIFY(request);
    QCOMPARE(request->method, QByteArrayLiteral("POST"));
    QCOMPARE(request->path, QStringLiteral("/indexes/%1/docs/search.index").arg(example.parameter(QStringLiteral("indexName"))));
    QCOMPARE(request->query.queryItemValue(QStringLiteral("api-version")), example.apiVersion());
    QCOMPARE(request->json().toObject(), batch);
    CHECK_AUTH(*request);

    const QJsonArray expected = example.responseBody(status).toObject().value(QStringLiteral("value")).toArray();
    QCOMPARE((*items)->size(), expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const QJsonObject e = expected.at(i).toObject();
        const IndexItemResult &item = (*items)->at(i);
        QCOMPARE(item.key, e.value(QStringLiteral("key")).toString());
        QCOMPARE(item.succeeded, e.value(QStringLiteral("status")).toBool());
        QCOMPARE(item.statusCode, e.value(QStringLiteral("statusCode")).toInt());
        // null in the example: no message.
        QCOMPARE(item.errorMessage, e.value(QStringLiteral("errorMessage")).toString());
    }
}

void tst_SearchContract::searchIndexProbeWithEntra_data()
{
    QTest::addColumn<bool>("withTokens");
    QTest::newRow("entra with tokens") << true;
    QTest::newRow("entra without azure section") << false;
}

// The probe of a search component with auth "entra": the status monitor's token source for
// the search scope, or a failure that says what the profile lacks.
void tst_SearchContract::searchIndexProbeWithEntra()
{
    QFETCH(bool, withTokens);
    const AzureExample example = AzureExample::load(QStringLiteral("search/SearchIndexCountDocuments.json"));
    QVERIFY2(example.ok(), qPrintable(example.error));
    m_search->enqueue({200, {}, QByteArrayLiteral("12")});
    ProbeTarget target;
    target.id = QStringLiteral("westeurope/search");
    target.endpoint = m_search->url(QStringLiteral("/"));
    target.options.insert(QStringLiteral("indexName"), example.parameter(QStringLiteral("indexName")));
    target.options.insert(QStringLiteral("apiVersion"), example.apiVersion());
    target.options.insert(QStringLiteral("auth"), QStringLiteral("entra"));
    ProbeContext context;
    context.network = &m_network;
    context.clock = Clock::system();
    context.extraCaCertificates = m_ca;
    if (withTokens) {
        context.azureTokens = m_tokens.get();
        context.searchScope = kScope;
    }
    SearchIndexProbe probe(target, context);
    std::optional<ProbeResult> result;
    connect(&probe, &Probe::finished, this, [&result](const ProbeResult &r) { result = r; });
    probe.start();
    QVERIFY(QTest::qWaitFor([&result] { return result.has_value(); }, 10000));
    if (!withTokens) {
        QCOMPARE(result->outcome, ProbeResult::Outcome::Failure);
        QCOMPARE(result->detail, QStringLiteral("auth entra needs the profile's azure.clientSecret"));
        QCOMPARE(m_search->requests().size(), 0);
        return;
    }
    QVERIFY2(result->ok(), qPrintable(result->detail));
    QCOMPARE(result->data.value(QStringLiteral("documentCount")).toInteger(), 12);
    const auto request = onlyRequest();
    QVERIFY(request);
    QCOMPARE(request->header("Authorization"), QByteArrayLiteral("Bearer t"));
    QVERIFY(request->header("api-key").isEmpty());
}

void tst_SearchContract::everySearchExampleIsUsed()
{
    // This file names each example it replays; a new one under search/ must be added here.
    QFile self(qEnvironmentVariable("DR_SOURCE_DIR") + QStringLiteral("/tests/search/tst_searchcontract.cpp"));
    QVERIFY2(self.open(QIODevice::ReadOnly), qPrintable(self.fileName()));
    const QByteArray source = self.readAll();
    for (const QString &file : AzureExample::allFiles()) {
        if (file.startsWith(QStringLiteral("search/")))
            QVERIFY2(source.contains(file.toUtf8()), qPrintable(file + QStringLiteral(" is not used")));
    }
}

QTEST_GUILESS_MAIN(tst_SearchContract)
#include "tst_searchcontract.moc"
