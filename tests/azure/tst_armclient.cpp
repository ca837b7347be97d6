// ArmClient against a real loopback HTTPS server (tests/support/replayserver) that replays
// Microsoft's official examples and scripted sequences: the request it sends (method, path,
// api-version, bearer, client request id, body), retries with backoff honouring Retry-After,
// both long-running operation styles, ARM error bodies in operator words, poll URLs on other
// hosts refused, and a 401 answered by one fresh Entra ID token.
//
// Examples used: frontdoor/AFDOrigins_Update.json (202 + azure-asyncoperation, then 200),
// storage/StorageAccountFailover.json (202 + Location, then 200),
// storage/StorageAccountGetProperties.json (GET with $expand).

#include "asyncwait.h"
#include "azure/armclient.h"
#include "azure/entra.h"
#include "replayserver.h"
#include "secrets/secretstore.h"
#include "testpki.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QTest>
#include <QUuid>

using namespace dr;
using namespace dr::test;

namespace {

// Hands out a fixed token, counting the requests; an error when told to.
class FixedTokens : public TokenSource
{
public:
    using TokenSource::TokenSource;
    QByteArray value = QByteArrayLiteral("arm-token-1");
    QString error;
    int asked = 0;
    QString lastScope;
    void token(const QString &scope, Callback done) override
    {
        ++asked;
        lastScope = scope;
        // Synchronous on purpose: the client must still never answer inside its own call.
        if (error.isEmpty())
            done(value);
        else
            done(fail(error));
    }
};

const QString kScope = QStringLiteral("https://management.azure.com/.default");

QString resourcePath(const AzureExample &ex, const QString &tail)
{
    return QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/%3")
        .arg(ex.parameter(QStringLiteral("subscriptionId")),
            ex.parameter(QStringLiteral("resourceGroupName")), tail);
}

ScriptedResponse json(
    int status, const QJsonObject &body, QList<std::pair<QByteArray, QByteArray>> headers = {})
{
    ScriptedResponse r;
    r.status = status;
    r.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    r.headers = std::move(headers);
    return r;
}

ScriptedResponse status(int code, QList<std::pair<QByteArray, QByteArray>> headers = {})
{
    ScriptedResponse r;
    r.status = code;
    r.headers = std::move(headers);
    return r;
}

QJsonObject asyncStatus(const QString &value)
{
    return QJsonObject { { QStringLiteral("status"), value } };
}

} // namespace

class tst_ArmClient : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();

    void getSendsBearerAndApiVersion();
    void extraQueryIsKept();
    void neverAnswersInsideTheCall();
    void retryAfterHonoured();
    void serviceUnavailableRetried();
    void retriesExhausted();
    void armErrorBody();
    void nonJsonErrorBody();
    void describeError_data();
    void describeError();
    void retryAfterParsing_data();
    void retryAfterParsing();
    void droppedConnectionRetriedForGetOnly();
    void lroAzureAsyncOperation();
    void lroFailed();
    void lroLocation();
    void lroFirstAnswerFinal();
    void pollUrlOnAnotherHostRefused();
    void pollTimeout();
    void unauthorizedGetsFreshToken();
    void unauthorizedTwiceIsAnError();
    void tokenSourceError();
    void untrustedCertificate();

private:
    ArmClient *client(TokenSource *tokens = nullptr);

    std::unique_ptr<TestPki> m_pki;
    IssuedCertificate m_leaf;
    QList<QSslCertificate> m_ca;
    QNetworkAccessManager *m_network = nullptr;
    ReplayServer *m_server = nullptr;
    FixedTokens *m_tokens = nullptr;
};

void tst_ArmClient::initTestCase()
{
    m_pki = std::make_unique<TestPki>();
    QVERIFY2(m_pki->isValid(), qPrintable(m_pki->error()));
    m_leaf = m_pki->issueForDays(QStringLiteral("arm"), 30);
    m_ca = QSslCertificate::fromPath(m_pki->caCertPath());
    QCOMPARE(m_ca.size(), 1);
    m_network = new QNetworkAccessManager(this);
}

void tst_ArmClient::init()
{
    m_server = new ReplayServer(this);
    m_server->setTls({ m_leaf.certificate() }, m_leaf.key());
    QVERIFY(m_server->listen());
    m_tokens = new FixedTokens(this);
    // A fresh connection per test: a kept-alive socket to the previous server must not linger.
    m_network->clearConnectionCache();
}

void tst_ArmClient::cleanup()
{
    delete m_server;
    m_server = nullptr;
    delete m_tokens;
    m_tokens = nullptr;
}

ArmClient *tst_ArmClient::client(TokenSource *tokens)
{
    auto *c = new ArmClient(m_network, tokens ? tokens : m_tokens,
        m_server->url(QStringLiteral("/")), kScope, m_server);
    c->setCaCertificates(m_ca);
    c->setTimeoutMs(5000);
    c->setRetryPolicy({ 4, 20, 2000 });
    c->setPollPolicy({ 30, 10000 });
    return c;
}

void tst_ArmClient::getSendsBearerAndApiVersion()
{
    const AzureExample ex
        = AzureExample::load(QStringLiteral("storage/StorageAccountGetProperties.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    m_server->enqueueExample(ex, 200);
    const QString path = resourcePath(ex,
        QStringLiteral("Microsoft.Storage/storageAccounts/")
            + ex.parameter(QStringLiteral("accountName")));
    ArmClient *c = client();
    const auto r
        = awaitResult<ArmResponse>([&](auto done) { c->get(path, ex.apiVersion(), done); });
    QVERIFY(r.has_value());
    QVERIFY2(r->has_value(), qPrintable(errorOf(*r)));
    QCOMPARE((*r)->status, 200);
    QCOMPARE((*r)->body, ex.responseBody(200).toObject());

    QCOMPARE(m_server->requests().size(), 1);
    const RecordedRequest req = m_server->requests().first();
    QCOMPARE(req.method, QByteArrayLiteral("GET"));
    QCOMPARE(req.path, path);
    QCOMPARE(req.query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
    QCOMPARE(req.header("Authorization"), QByteArrayLiteral("Bearer arm-token-1"));
    const QUuid requestId(QString::fromLatin1(req.header("x-ms-client-request-id")));
    QVERIFY(!requestId.isNull());
    QVERIFY(req.body.isEmpty());
    QCOMPARE(m_tokens->lastScope, kScope);
}

void tst_ArmClient::extraQueryIsKept()
{
    const AzureExample ex
        = AzureExample::load(QStringLiteral("storage/StorageAccountGetProperties.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    m_server->enqueueExample(ex, 200);
    const QString path = resourcePath(ex,
        QStringLiteral("Microsoft.Storage/storageAccounts/")
            + ex.parameter(QStringLiteral("accountName")));
    ArmClient *c = client();
    const auto r = awaitResult<ArmResponse>([&](auto done) {
        c->get(path, ex.apiVersion(), done, QStringLiteral("$expand=geoReplicationStats"));
    });
    QVERIFY(r && r->has_value());
    const RecordedRequest req = m_server->requests().first();
    QCOMPARE(
        req.query.queryItemValue(QStringLiteral("$expand")), QStringLiteral("geoReplicationStats"));
    QCOMPARE(req.query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
}

void tst_ArmClient::neverAnswersInsideTheCall()
{
    m_server->enqueue(json(200, {}));
    ArmClient *c = client();
    bool answered = false;
    c->get(QStringLiteral("/subscriptions/s"), QStringLiteral("2022-04-01"),
        [&](Result<ArmResponse>) { answered = true; });
    QVERIFY(!answered);
    QTRY_VERIFY(answered);

    // Even an immediate token error answers later.
    m_tokens->error = QStringLiteral("no");
    answered = false;
    c->get(QStringLiteral("/subscriptions/s"), QStringLiteral("2022-04-01"),
        [&](Result<ArmResponse>) { answered = true; });
    QVERIFY(!answered);
    QTRY_VERIFY(answered);
}

void tst_ArmClient::retryAfterHonoured()
{
    m_server->enqueue(json(429,
        { { QStringLiteral("error"),
            QJsonObject { { QStringLiteral("code"), QStringLiteral("TooManyRequests") } } } },
        { { "Retry-After", "1" } }));
    m_server->enqueue(json(200, { { QStringLiteral("name"), QStringLiteral("ok") } }));
    ArmClient *c = client();
    QElapsedTimer t;
    t.start();
    const auto r = awaitResult<ArmResponse>([&](auto done) {
        c->get(QStringLiteral("/subscriptions/s"), QStringLiteral("2022-04-01"), done);
    });
    const qint64 elapsed = t.elapsed();
    QVERIFY(r.has_value());
    QVERIFY2(r->has_value(), qPrintable(errorOf(*r)));
    QCOMPARE((*r)->body.value(QStringLiteral("name")).toString(), QStringLiteral("ok"));
    QCOMPARE(m_server->requests().size(), 2);
    QVERIFY2(elapsed >= 950, qPrintable(QString::number(elapsed)));
    QVERIFY2(elapsed < 4000, qPrintable(QString::number(elapsed)));
    // Retries are the same call: one client request id.
    QCOMPARE(m_server->requests().at(1).header("x-ms-client-request-id"),
        m_server->requests().at(0).header("x-ms-client-request-id"));
}

void tst_ArmClient::serviceUnavailableRetried()
{
    for (int i = 0; i < 3; ++i)
        m_server->enqueue(status(503));
    m_server->enqueue(json(200, { { QStringLiteral("name"), QStringLiteral("ok") } }));
    ArmClient *c = client();
    const auto r = awaitResult<ArmResponse>([&](auto done) {
        c->get(QStringLiteral("/subscriptions/s"), QStringLiteral("2022-04-01"), done);
    });
    QVERIFY(r.has_value());
    QVERIFY2(r->has_value(), qPrintable(errorOf(*r)));
    QCOMPARE(m_server->requests().size(), 4);
}

void tst_ArmClient::retriesExhausted()
{
    m_server->enqueue(status(500));
    m_server->enqueue(status(502));
    m_server->enqueue(json(503,
        { { QStringLiteral("error"),
            QJsonObject { { QStringLiteral("code"), QStringLiteral("ServerBusy") },
                { QStringLiteral("message"), QStringLiteral("try later") } } } }));
    m_server->enqueue(json(200, {}));
    ArmClient *c = client();
    c->setRetryPolicy({ 3, 10, 100 });
    const auto r = awaitResult<ArmResponse>([&](auto done) {
        c->get(QStringLiteral("/subscriptions/s"), QStringLiteral("2022-04-01"), done);
    });
    QVERIFY(r.has_value());
    QVERIFY(!r->has_value());
    QVERIFY2(
        r->error().contains(QStringLiteral("HTTP 503 Service Unavailable: ServerBusy: try later")),
        qPrintable(errorOf(*r)));
    QVERIFY2(r->error().contains(QStringLiteral("after 3 attempts")), qPrintable(errorOf(*r)));
    QCOMPARE(m_server->requests().size(), 3);
    QCOMPARE(m_server->pending(), 1);
}

void tst_ArmClient::armErrorBody()
{
    m_server->enqueue(json(409,
        { { QStringLiteral("error"),
            QJsonObject { { QStringLiteral("code"), QStringLiteral("Conflict") },
                { QStringLiteral("message"), QStringLiteral("Priority 1 is taken.") } } } }));
    ArmClient *c = client();
    const QString path
        = QStringLiteral("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
                         "trafficManagerProfiles/contoso-tm/externalEndpoints/west");
    const auto r = awaitResult<ArmResponse>([&](auto done) {
        c->send(QByteArrayLiteral("PATCH"), path, QStringLiteral("2022-04-01"),
            { { QStringLiteral("properties"), QJsonObject {} } }, done);
    });
    QVERIFY(r.has_value());
    QVERIFY(!r->has_value());
    QVERIFY2(r->error().startsWith(QStringLiteral(
                 "PATCH trafficManagerProfiles/contoso-tm/externalEndpoints/west (api-version "
                 "2022-04-01): HTTP 409 Conflict: Conflict: Priority 1 is taken.")),
        qPrintable(errorOf(*r)));
    const QByteArray requestId = m_server->requests().first().header("x-ms-client-request-id");
    QVERIFY(r->error().contains(QString::fromLatin1(requestId)));
    QCOMPARE(m_server->requests().size(), 1); // a 409 is not retried
    QCOMPARE(
        m_server->requests().first().header("Content-Type"), QByteArrayLiteral("application/json"));
}

void tst_ArmClient::nonJsonErrorBody()
{
    ScriptedResponse r;
    r.status = 502;
    r.headers = { { "Content-Type", "text/html" } };
    r.body = "<html><body>Bad gateway from the proxy</body></html>";
    for (int i = 0; i < 4; ++i)
        m_server->enqueue(r);
    ArmClient *c = client();
    const auto a = awaitResult<ArmResponse>([&](auto done) {
        c->get(QStringLiteral("/subscriptions/s"), QStringLiteral("2022-04-01"), done);
    });
    QVERIFY(a.has_value());
    QVERIFY(!a->has_value());
    QVERIFY2(a->error().contains(
                 QStringLiteral("HTTP 502 Bad Gateway: <html><body>Bad gateway from the proxy")),
        qPrintable(errorOf(*a)));

    // A 200 whose body is not JSON is an error too, not an empty resource.
    ScriptedResponse odd;
    odd.status = 200;
    odd.headers = { { "Content-Type", "text/plain" } };
    odd.body = "not json";
    m_server->enqueue(odd);
    const auto b = awaitResult<ArmResponse>([&](auto done) {
        c->get(QStringLiteral("/subscriptions/s"), QStringLiteral("2022-04-01"), done);
    });
    QVERIFY(b.has_value() && !b->has_value());
    QVERIFY2(b->error().contains(QStringLiteral("not a JSON object")), qPrintable(errorOf(*b)));
}

void tst_ArmClient::describeError_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("expected");
    QTest::newRow("arm") << 404
                         << QByteArray(
                                R"({"error":{"code":"ResourceNotFound","message":"not there"}})")
                         << QStringLiteral("HTTP 404 Not Found: ResourceNotFound: not there");
    QTest::newRow("bare") << 400 << QByteArray(R"({"code":"BadRequest","message":"bad"})")
                          << QStringLiteral("HTTP 400 Bad Request: BadRequest: bad");
    QTest::newRow("details")
        << 400
        << QByteArray(
               R"({"error":{"code":"InvalidTemplate","details":[{"code":"X","message":"first detail"}]}})")
        << QStringLiteral("HTTP 400 Bad Request: InvalidTemplate: first detail");
    QTest::newRow("empty") << 503 << QByteArray() << QStringLiteral("HTTP 503 Service Unavailable");
    QTest::newRow("text") << 500 << QByteArray("  oops\n  broken ")
                          << QStringLiteral("HTTP 500 Internal Server Error: oops broken");
    QTest::newRow("unknown status") << 418 << QByteArray() << QStringLiteral("HTTP 418");
}

void tst_ArmClient::describeError()
{
    QFETCH(int, code);
    QFETCH(QByteArray, body);
    QFETCH(QString, expected);
    QCOMPARE(ArmClient::describeError(code, body), expected);
}

void tst_ArmClient::retryAfterParsing_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<qint64>("expected");
    QTest::newRow("seconds") << QByteArray("7") << qint64(7000);
    QTest::newRow("spaces") << QByteArray(" 2 ") << qint64(2000);
    QTest::newRow("date") << QByteArray("Thu, 01 Jan 2026 00:00:30 GMT") << qint64(30000);
    QTest::newRow("past date") << QByteArray("Wed, 31 Dec 2025 23:00:00 GMT") << qint64(0);
    QTest::newRow("absent") << QByteArray() << qint64(-1);
    QTest::newRow("garbage") << QByteArray("soon") << qint64(-1);
    QTest::newRow("negative") << QByteArray("-3") << qint64(-1);
}

void tst_ArmClient::retryAfterParsing()
{
    QFETCH(QByteArray, value);
    QFETCH(qint64, expected);
    const QDateTime now(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC);
    QCOMPARE(ArmClient::retryAfterMs(value, now), expected);
}

void tst_ArmClient::droppedConnectionRetriedForGetOnly()
{
    // Qt's HTTP layer itself sends a request again (up to twice) when the connection drops
    // before an answer; the client's own retries come on top, for idempotent methods only.
    ScriptedResponse drop;
    drop.dropConnection = true;
    ArmClient *c = client();
    const auto run = [&](const QByteArray &method, int drops, int maxAttempts) {
        c->setRetryPolicy({ maxAttempts, 20, 2000 });
        m_network->clearConnectionCache();
        m_server->clear();
        for (int i = 0; i < drops; ++i)
            m_server->enqueue(drop);
        m_server->enqueue(json(200, { { QStringLiteral("name"), QStringLiteral("ok") } }));
        return awaitResult<ArmResponse>([&](auto done) {
            c->send(method, QStringLiteral("/subscriptions/s/x"), QStringLiteral("2023-05-01"), {},
                done);
        });
    };
    // Measure what Qt alone does: without our retries, enough drops exhaust it.
    const auto alone = run(QByteArrayLiteral("GET"), 10, 1);
    QVERIFY(alone.has_value() && !alone->has_value());
    const qsizetype qtSends = m_server->requests().size();
    QVERIFY(qtSends >= 1 && qtSends < 10);

    const auto get = run(QByteArrayLiteral("GET"), int(qtSends), 2);
    QVERIFY(get.has_value());
    QVERIFY2(get->has_value(), qPrintable(errorOf(*get)));
    QCOMPARE(m_server->requests().size(), qtSends + 1);

    // A POST may have been applied before the connection dropped: we do not send it again.
    const auto post = run(QByteArrayLiteral("POST"), int(qtSends), 4);
    QVERIFY(post.has_value());
    QVERIFY(!post->has_value());
    QVERIFY2(post->error().startsWith(
                 QStringLiteral("POST subscriptions/s/x (api-version 2023-05-01): ")),
        qPrintable(errorOf(*post)));
    QCOMPARE(m_server->requests().size(), qtSends);
}

void tst_ArmClient::lroAzureAsyncOperation()
{
    const AzureExample ex = AzureExample::load(QStringLiteral("frontdoor/AFDOrigins_Update.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    const QString path = QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/"
                                        "Microsoft.Cdn/profiles/%3/originGroups/%4/origins/%5")
                             .arg(ex.parameter(QStringLiteral("subscriptionId")),
                                 ex.parameter(QStringLiteral("resourceGroupName")),
                                 ex.parameter(QStringLiteral("profileName")),
                                 ex.parameter(QStringLiteral("originGroupName")),
                                 ex.parameter(QStringLiteral("originName")));
    m_server->enqueueExample(ex, 202);
    m_server->enqueue(json(200, asyncStatus(QStringLiteral("InProgress"))));
    m_server->enqueue(
        json(200, asyncStatus(QStringLiteral("InProgress")), { { "Retry-After", "0" } }));
    m_server->enqueue(json(200, asyncStatus(QStringLiteral("Succeeded"))));
    m_server->enqueueExample(ex, 200);

    ArmClient *c = client();
    const QJsonObject body = ex.requestBody(QStringLiteral("originUpdateProperties")).toObject();
    const auto r = awaitResult<ArmResponse>([&](auto done) {
        c->sendLongRunning(QByteArrayLiteral("PATCH"), path, ex.apiVersion(), body, done);
    });
    QVERIFY(r.has_value());
    QVERIFY2(r->has_value(), qPrintable(errorOf(*r)));
    QCOMPARE((*r)->status, 200);
    QCOMPARE((*r)->body, ex.responseBody(200).toObject());

    const QList<RecordedRequest> reqs = m_server->requests();
    QCOMPARE(reqs.size(), 5);
    QCOMPARE(reqs.at(0).method, QByteArrayLiteral("PATCH"));
    QCOMPARE(reqs.at(0).path, path);
    QCOMPARE(reqs.at(0).query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
    QCOMPARE(reqs.at(0).json().toObject(), body);
    const QUrl operation
        = QUrl(ex.responseHeaders(202).value(QStringLiteral("azure-asyncoperation")).toString());
    for (int i = 1; i <= 3; ++i) {
        QCOMPARE(reqs.at(i).method, QByteArrayLiteral("GET"));
        QCOMPARE(reqs.at(i).path, operation.path());
        QCOMPARE(reqs.at(i).query.queryItemValue(QStringLiteral("api-version")),
            QUrlQuery(operation).queryItemValue(QStringLiteral("api-version")));
        QCOMPARE(reqs.at(i).header("Authorization"), QByteArrayLiteral("Bearer arm-token-1"));
    }
    QCOMPARE(reqs.at(4).method, QByteArrayLiteral("GET"));
    QCOMPARE(reqs.at(4).path, path);
    QCOMPARE(reqs.at(4).query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
}

void tst_ArmClient::lroFailed()
{
    const AzureExample ex = AzureExample::load(QStringLiteral("frontdoor/AFDOrigins_Update.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    m_server->enqueueExample(ex, 202);
    m_server->enqueue(json(200, asyncStatus(QStringLiteral("InProgress"))));
    QJsonObject failed = asyncStatus(QStringLiteral("Failed"));
    failed.insert(QStringLiteral("error"),
        QJsonObject { { QStringLiteral("code"), QStringLiteral("OriginUpdateFailed") },
            { QStringLiteral("message"), QStringLiteral("the host name did not resolve") } });
    m_server->enqueue(json(200, failed));
    ArmClient *c = client();
    const auto r = awaitResult<ArmResponse>([&](auto done) {
        c->sendLongRunning(QByteArrayLiteral("PATCH"),
            QStringLiteral("/subscriptions/subid/resourceGroups/RG/providers/Microsoft.Cdn/"
                           "profiles/profile1/originGroups/og/origins/o1"),
            ex.apiVersion(), ex.requestBody(QStringLiteral("originUpdateProperties")).toObject(),
            done);
    });
    QVERIFY(r.has_value());
    QVERIFY(!r->has_value());
    QVERIFY2(r->error().contains(QStringLiteral("profiles/profile1/originGroups/og/origins/o1")),
        qPrintable(errorOf(*r)));
    QVERIFY2(r->error().contains(
                 QStringLiteral("Failed: OriginUpdateFailed: the host name did not resolve")),
        qPrintable(errorOf(*r)));
    QCOMPARE(m_server->requests().size(), 3);
}

void tst_ArmClient::lroLocation()
{
    const AzureExample ex
        = AzureExample::load(QStringLiteral("storage/StorageAccountFailover.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    const QString path = resourcePath(ex,
        QStringLiteral("Microsoft.Storage/storageAccounts/%1/failover")
            .arg(ex.parameter(QStringLiteral("accountName"))));
    // The example's Location is "https://endpoint:port/...", a placeholder that is not a URL
    // (so enqueueExample leaves it alone): put this server's address in its place.
    QString location = ex.responseHeaders(202).value(QStringLiteral("Location")).toString();
    QVERIFY(location.startsWith(QStringLiteral("https://endpoint:port/")));
    location.replace(
        QStringLiteral("https://endpoint:port"), m_server->url().toString(QUrl::RemovePath));
    m_server->enqueue(status(202, { { "Location", location.toUtf8() } }));
    m_server->enqueue(status(202, { { "Retry-After", "0" } }));
    m_server->enqueueExample(ex, 200);
    ArmClient *c = client();
    const auto r = awaitResult<ArmResponse>([&](auto done) {
        c->sendLongRunning(QByteArrayLiteral("POST"), path, ex.apiVersion(), {}, done);
    });
    QVERIFY(r.has_value());
    QVERIFY2(r->has_value(), qPrintable(errorOf(*r)));
    QCOMPARE((*r)->status, 200);
    QVERIFY((*r)->body.isEmpty());

    const QList<RecordedRequest> reqs = m_server->requests();
    QCOMPARE(reqs.size(), 3);
    QCOMPARE(reqs.at(0).method, QByteArrayLiteral("POST"));
    QCOMPARE(reqs.at(0).path, path);
    QCOMPARE(reqs.at(0).query.queryItemValue(QStringLiteral("api-version")), ex.apiVersion());
    QVERIFY(reqs.at(0).body.isEmpty());
    for (int i = 1; i <= 2; ++i) {
        QCOMPARE(reqs.at(i).method, QByteArrayLiteral("GET"));
        QCOMPARE(reqs.at(i).path, QUrl(location).path());
        QCOMPARE(reqs.at(i).query.queryItemValue(QStringLiteral("api-version")),
            QStringLiteral("2022-09-01"));
        QCOMPARE(
            reqs.at(i).query.queryItemValue(QStringLiteral("monitor")), QStringLiteral("true"));
    }
}

void tst_ArmClient::lroFirstAnswerFinal()
{
    // A 200 straight away (the example's synchronous answer) is the result: no polling.
    const AzureExample ex = AzureExample::load(QStringLiteral("frontdoor/AFDOrigins_Update.json"));
    QVERIFY2(ex.ok(), qPrintable(ex.error));
    m_server->enqueueExample(ex, 200);
    ArmClient *c = client();
    const auto r = awaitResult<ArmResponse>([&](auto done) {
        c->sendLongRunning(QByteArrayLiteral("PATCH"), QStringLiteral("/subscriptions/subid/x"),
            ex.apiVersion(), ex.requestBody(QStringLiteral("originUpdateProperties")).toObject(),
            done);
    });
    QVERIFY(r && r->has_value());
    QCOMPARE((*r)->body, ex.responseBody(200).toObject());
    QCOMPARE(m_server->requests().size(), 1);
}

void tst_ArmClient::pollUrlOnAnotherHostRefused()
{
    m_server->enqueue(status(202,
        { { "Azure-AsyncOperation",
            "https://collector.example.com/operations/1?api-version=2025-04-15" } }));
    m_server->enqueue(json(200, asyncStatus(QStringLiteral("Succeeded"))));
    ArmClient *c = client();
    const auto r = awaitResult<ArmResponse>([&](auto done) {
        c->sendLongRunning(QByteArrayLiteral("PATCH"), QStringLiteral("/subscriptions/s/x"),
            QStringLiteral("2025-04-15"), {}, done);
    });
    QVERIFY(r.has_value());
    QVERIFY(!r->has_value());
    QVERIFY2(r->error().contains(QStringLiteral("refusing"))
            && r->error().contains(QStringLiteral("collector.example.com")),
        qPrintable(errorOf(*r)));
    QCOMPARE(m_server->requests().size(), 1);

    // Another port on the same host is another origin too.
    m_server->clear();
    QUrl other = m_server->url(QStringLiteral("/operations/2"));
    other.setPort(m_server->port() == 65535 ? 1 : m_server->port() + 1);
    m_server->enqueue(status(202, { { "Location", other.toEncoded() } }));
    const auto s = awaitResult<ArmResponse>([&](auto done) {
        c->sendLongRunning(QByteArrayLiteral("POST"), QStringLiteral("/subscriptions/s/x"),
            QStringLiteral("2023-05-01"), {}, done);
    });
    QVERIFY(s.has_value() && !s->has_value());
    QVERIFY2(s->error().contains(QStringLiteral("refusing")), qPrintable(errorOf(*s)));
    QCOMPARE(m_server->requests().size(), 1);
}

void tst_ArmClient::pollTimeout()
{
    m_server->enqueue(status(202,
        { { "Azure-AsyncOperation",
            m_server->url(QStringLiteral("/operations/slow")).toEncoded() } }));
    m_server->setHandler([](const RecordedRequest &req) -> std::optional<ScriptedResponse> {
        if (req.path == u"/operations/slow")
            return json(200, asyncStatus(QStringLiteral("Running")));
        return std::nullopt;
    });
    ArmClient *c = client();
    c->setPollPolicy({ 50, 400 });
    QElapsedTimer t;
    t.start();
    const auto r = awaitResult<ArmResponse>([&](auto done) {
        c->sendLongRunning(QByteArrayLiteral("PUT"), QStringLiteral("/subscriptions/s/x"),
            QStringLiteral("2022-04-01"), {}, done);
    });
    QVERIFY(r.has_value());
    QVERIFY(!r->has_value());
    QVERIFY2(r->error().contains(QStringLiteral("did not finish within 0.4 s")),
        qPrintable(errorOf(*r)));
    QVERIFY2(r->error().contains(QStringLiteral("Running")), qPrintable(errorOf(*r)));
    QVERIFY(t.elapsed() >= 350);
    QVERIFY(t.elapsed() < 3000);
    QVERIFY(m_server->requests().size() >= 3);
}

namespace {
// A loopback token endpoint answering client credentials with numbered tokens.
void serveTokens(ReplayServer *server, int *issued)
{
    server->setHandler([issued](const RecordedRequest &req) -> std::optional<ScriptedResponse> {
        if (!req.path.endsWith(u"/oauth2/v2.0/token"))
            return std::nullopt;
        ++*issued;
        return json(200,
            { { QStringLiteral("token_type"), QStringLiteral("Bearer") },
                { QStringLiteral("expires_in"), 3599 },
                { QStringLiteral("access_token"),
                    QStringLiteral("entra-token-%1").arg(*issued) } });
    });
}
} // namespace

void tst_ArmClient::unauthorizedGetsFreshToken()
{
    qputenv("DR_TEST_ARM_CLIENT_SECRET", "arm-test-secret");
    ReplayServer entra;
    entra.setTls({ m_leaf.certificate() }, m_leaf.key());
    QVERIFY(entra.listen());
    int issued = 0;
    serveTokens(&entra, &issued);
    EntraSettings settings;
    settings.authority = entra.url(QStringLiteral("/"));
    settings.tenantId = QStringLiteral("tenant-1");
    settings.clientId = QStringLiteral("client-1");
    settings.clientSecret
        = SecretRef { SecretRef::Source::Env, QStringLiteral("DR_TEST_ARM_CLIENT_SECRET") };
    settings.caCertificates = m_ca;
    SecretStore secrets;
    EntraTokenSource source(m_network, &secrets, settings);
    source.setKeychainCache(false);

    m_server->enqueue(json(401,
        { { QStringLiteral("error"),
            QJsonObject { { QStringLiteral("code"), QStringLiteral("ExpiredAuthenticationToken") },
                { QStringLiteral("message"), QStringLiteral("expired") } } } }));
    m_server->enqueue(json(200, { { QStringLiteral("name"), QStringLiteral("ok") } }));
    ArmClient *c = client(&source);
    const auto r = awaitResult<ArmResponse>([&](auto done) {
        c->get(QStringLiteral("/subscriptions/s"), QStringLiteral("2022-04-01"), done);
    });
    QVERIFY(r.has_value());
    QVERIFY2(r->has_value(), qPrintable(errorOf(*r)));
    QCOMPARE(issued, 2);
    const QList<RecordedRequest> reqs = m_server->requests();
    QCOMPARE(reqs.size(), 2);
    QCOMPARE(reqs.at(0).header("Authorization"), QByteArrayLiteral("Bearer entra-token-1"));
    QCOMPARE(reqs.at(1).header("Authorization"), QByteArrayLiteral("Bearer entra-token-2"));
}

void tst_ArmClient::unauthorizedTwiceIsAnError()
{
    qputenv("DR_TEST_ARM_CLIENT_SECRET", "arm-test-secret");
    ReplayServer entra;
    QVERIFY(entra.listen());
    int issued = 0;
    serveTokens(&entra, &issued);
    EntraSettings settings;
    settings.authority = entra.url(QStringLiteral("/"));
    settings.tenantId = QStringLiteral("tenant-1");
    settings.clientId = QStringLiteral("client-1");
    settings.clientSecret
        = SecretRef { SecretRef::Source::Env, QStringLiteral("DR_TEST_ARM_CLIENT_SECRET") };
    SecretStore secrets;
    EntraTokenSource source(m_network, &secrets, settings);
    source.setKeychainCache(false);

    const QJsonObject denied { { QStringLiteral("error"),
        QJsonObject { { QStringLiteral("code"), QStringLiteral("InvalidAuthenticationToken") },
            { QStringLiteral("message"), QStringLiteral("The access token is invalid.") } } } };
    m_server->enqueue(json(401, denied));
    m_server->enqueue(json(401, denied));
    m_server->enqueue(json(200, {}));
    ArmClient *c = client(&source);
    const auto r = awaitResult<ArmResponse>([&](auto done) {
        c->get(QStringLiteral("/subscriptions/s"), QStringLiteral("2022-04-01"), done);
    });
    QVERIFY(r.has_value());
    QVERIFY(!r->has_value());
    QVERIFY2(
        r->error().contains(QStringLiteral("HTTP 401 Unauthorized: InvalidAuthenticationToken")),
        qPrintable(errorOf(*r)));
    QCOMPARE(issued, 2);
    QCOMPARE(m_server->requests().size(), 2);

    // A plain token source gets no second try: there is nothing to refresh.
    m_server->clear();
    m_server->enqueue(json(401, denied));
    m_server->enqueue(json(200, {}));
    ArmClient *plain = client();
    const auto p = awaitResult<ArmResponse>([&](auto done) {
        plain->get(QStringLiteral("/subscriptions/s"), QStringLiteral("2022-04-01"), done);
    });
    QVERIFY(p.has_value() && !p->has_value());
    QCOMPARE(m_server->requests().size(), 1);
}

void tst_ArmClient::tokenSourceError()
{
    m_tokens->error = QStringLiteral("Entra ID token request for c at u: invalid_client");
    ArmClient *c = client();
    const auto r = awaitResult<ArmResponse>([&](auto done) {
        c->get(QStringLiteral("/subscriptions/s"), QStringLiteral("2022-04-01"), done);
    });
    QVERIFY(r.has_value());
    QVERIFY(!r->has_value());
    QVERIFY2(r->error().contains(kScope) && r->error().contains(QStringLiteral("invalid_client")),
        qPrintable(errorOf(*r)));
    QCOMPARE(m_server->requests().size(), 0);
}

void tst_ArmClient::untrustedCertificate()
{
    m_server->enqueue(json(200, {}));
    ArmClient *c = client();
    c->setCaCertificates({});
    const auto r = awaitResult<ArmResponse>([&](auto done) {
        c->get(QStringLiteral("/subscriptions/s"), QStringLiteral("2022-04-01"), done);
    });
    QVERIFY(r.has_value());
    QVERIFY(!r->has_value());
    QVERIFY2(r->error().contains(QStringLiteral("TLS error")), qPrintable(errorOf(*r)));
    QCOMPARE(m_tokens->asked, 1); // not retried: a certificate does not heal itself
}

QTEST_MAIN(tst_ArmClient)
#include "tst_armclient.moc"
