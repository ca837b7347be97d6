// EntraTokenClient and EntraTokenSource against a real loopback HTTPS token endpoint
// (tests/support/replayserver) answering as Microsoft Entra ID's v2.0 endpoints do: client
// credentials, the device code flow with its documented polling errors, refresh, the
// documented error responses (AADSTS codes), broken and dead servers; the source's caching
// in memory, across concurrent calls, against expiry, and through the real keychain.
// Secrets (client secret, device code, tokens) never appear in an error text.

#include "asyncwait.h"
#include "azure/entra.h"
#include "replayserver.h"
#include "secrets/secretstore.h"
#include "testpki.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QTest>
#include <QTimer>
#include <QUuid>

using namespace dr;
using namespace dr::test;

namespace {

const QByteArray kSecret = QByteArrayLiteral("cl13nt~S3cret.value+/=");
const QByteArray kDeviceCode = QByteArrayLiteral("GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8");
const QString kTenant = QStringLiteral("contoso-tenant");
const QString kClient = QStringLiteral("6731de76-14a6-49ae-97bc-6eba6914391e");
const QString kArmScope = QStringLiteral("https://management.azure.com/.default");
const char *kSecretVariable = "DR_TEST_ENTRA_CLIENT_SECRET";

QByteArray b64url(const QJsonObject &o)
{
    return QJsonDocument(o)
        .toJson(QJsonDocument::Compact)
        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray jwt(const QJsonObject &payload)
{
    return b64url({ { QStringLiteral("typ"), QStringLiteral("JWT") },
               { QStringLiteral("alg"), QStringLiteral("RS256") } })
        + '.' + b64url(payload) + QByteArrayLiteral(".c2lnbmF0dXJl");
}

ScriptedResponse jsonResponse(int status, const QJsonObject &body)
{
    ScriptedResponse r;
    r.status = status;
    r.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    return r;
}

ScriptedResponse tokenResponse(const QByteArray &accessToken, const QJsonValue &expiresIn = 3599)
{
    return jsonResponse(200,
        { { QStringLiteral("token_type"), QStringLiteral("Bearer") },
            { QStringLiteral("expires_in"), expiresIn },
            { QStringLiteral("ext_expires_in"), expiresIn },
            { QStringLiteral("access_token"), QString::fromLatin1(accessToken) } });
}

// The documented AAD error shape: error, error_description (with trace lines), error_codes...
ScriptedResponse aadError(int status, const QString &error, const QString &description, int code)
{
    return jsonResponse(status,
        { { QStringLiteral("error"), error },
            { QStringLiteral("error_description"),
                QString(description
                    + QStringLiteral(
                        "\r\nTrace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333\r\nCorrelation ID: "
                        "aaaa0000-bb11-2222-33cc-444444dddddd\r\nTimestamp: 2026-01-01 "
                        "00:00:00Z")) },
            { QStringLiteral("error_codes"), QJsonArray { code } },
            { QStringLiteral("timestamp"), QStringLiteral("2026-01-01 00:00:00Z") },
            { QStringLiteral("trace_id"), QStringLiteral("0000aaaa-11bb-cccc-dd22-eeeeee333333") },
            { QStringLiteral("correlation_id"),
                QStringLiteral("aaaa0000-bb11-2222-33cc-444444dddddd") } });
}

QUrlQuery form(const RecordedRequest &req)
{
    return QUrlQuery(QString::fromUtf8(req.body));
}

} // namespace

class tst_EntraToken : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void urls();
    void decodeJwt();
    void clientCredentials();
    void expiresInAsString();
    void idTokenClaimsPreferred();
    void errors_data();
    void errors();
    void echoedSecretScrubbed();
    void deadPort();
    void slowServer();
    void deviceCodePendingThenToken();
    void deviceCodeSlowDown();
    void deviceCodeRefusals_data();
    void deviceCodeRefusals();
    void deviceCodeExpiresLocally();
    void deviceCodeCancel();
    void deviceCodeRequestRefused();
    void refresh();
    void sourceCachesPerScope();
    void sourceExpiryMargin();
    void sourceConcurrentCallsShareARequest();
    void sourceWithoutSecret();
    void sourceSecretUnresolved();
    void sourceKeychainRoundTrip();

private:
    EntraSettings settings() const;
    EntraTokenClient *client();
    void note(const QString &error) { m_errors.append(error); }

    std::unique_ptr<TestPki> m_pki;
    IssuedCertificate m_leaf;
    QList<QSslCertificate> m_ca;
    QNetworkAccessManager *m_network = nullptr;
    ReplayServer *m_server = nullptr;
    QStringList m_errors; // every error text seen, checked for secrets at the end
};

void tst_EntraToken::initTestCase()
{
    m_pki = std::make_unique<TestPki>();
    QVERIFY2(m_pki->isValid(), qPrintable(m_pki->error()));
    m_leaf = m_pki->issueForDays(QStringLiteral("login"), 30);
    m_ca = QSslCertificate::fromPath(m_pki->caCertPath());
    QCOMPARE(m_ca.size(), 1);
    m_network = new QNetworkAccessManager(this);
    qputenv(kSecretVariable, kSecret);
}

void tst_EntraToken::init()
{
    m_server = new ReplayServer(this);
    m_server->setTls({ m_leaf.certificate() }, m_leaf.key());
    QVERIFY(m_server->listen());
    m_network->clearConnectionCache();
}

void tst_EntraToken::cleanup()
{
    // The secret goes in the form body of client credentials only: never in a path, a query
    // or a header.
    for (const RecordedRequest &req : m_server->requests()) {
        QVERIFY(!req.path.contains(QString::fromLatin1(kSecret)));
        QVERIFY(!req.query.toString(QUrl::FullyDecoded).contains(QString::fromLatin1(kSecret)));
        for (const auto &[name, value] : req.headers)
            QVERIFY2(!value.contains(kSecret), name.constData());
        if (form(req).queryItemValue(QStringLiteral("grant_type")) != u"client_credentials")
            QVERIFY(!req.body.contains(QUrl::toPercentEncoding(QString::fromLatin1(kSecret))));
    }
    delete m_server;
    m_server = nullptr;
}

void tst_EntraToken::cleanupTestCase()
{
    QVERIFY(!m_errors.isEmpty());
    for (const QString &e : std::as_const(m_errors)) {
        QVERIFY2(!e.contains(QString::fromLatin1(kSecret)), qPrintable(e));
        QVERIFY2(
            !e.contains(QString::fromLatin1(QUrl::toPercentEncoding(QString::fromLatin1(kSecret)))),
            qPrintable(e));
        QVERIFY2(!e.contains(QString::fromLatin1(kDeviceCode)), qPrintable(e));
        QVERIFY2(!e.contains(QStringLiteral("token-value")), qPrintable(e));
    }
}

EntraSettings tst_EntraToken::settings() const
{
    EntraSettings s;
    s.authority = m_server->url(QStringLiteral("/"));
    s.tenantId = kTenant;
    s.clientId = kClient;
    s.clientSecret = SecretRef { SecretRef::Source::Env, QString::fromLatin1(kSecretVariable) };
    s.caCertificates = m_ca;
    s.timeoutMs = 5000;
    return s;
}

EntraTokenClient *tst_EntraToken::client()
{
    return new EntraTokenClient(m_network, settings(), m_server);
}

void tst_EntraToken::urls()
{
    EntraSettings s;
    s.tenantId = QStringLiteral("t1");
    QCOMPARE(s.tokenUrl(),
        QUrl(QStringLiteral("https://login.microsoftonline.com/t1/oauth2/v2.0/token")));
    QCOMPARE(s.deviceCodeUrl(),
        QUrl(QStringLiteral("https://login.microsoftonline.com/t1/oauth2/v2.0/devicecode")));
    s.authority = QUrl(QStringLiteral("https://login.microsoftonline.us/"));
    QCOMPARE(s.tokenUrl(),
        QUrl(QStringLiteral("https://login.microsoftonline.us/t1/oauth2/v2.0/token")));
}

void tst_EntraToken::decodeJwt()
{
    const QJsonObject payload { { QStringLiteral("roles"),
                                    QJsonArray { QStringLiteral("DR.Operator") } },
        { QStringLiteral("name"), QStringLiteral("Ada ü") } };
    const auto ok = decodeJwtPayload(jwt(payload));
    QVERIFY2(ok.has_value(), qPrintable(errorOf(ok)));
    QCOMPARE(*ok, payload);
    QVERIFY(!decodeJwtPayload("opaque-token-value").has_value());
    QVERIFY(!decodeJwtPayload("a.b").has_value());
    QVERIFY(!decodeJwtPayload("a.!!!.c").has_value());
    QVERIFY(
        !decodeJwtPayload("a." + QByteArray("[1,2]").toBase64(QByteArray::Base64UrlEncoding) + ".c")
             .has_value());
}

void tst_EntraToken::clientCredentials()
{
    const QJsonObject claims { { QStringLiteral("aud"),
                                   QStringLiteral("https://management.azure.com") },
        { QStringLiteral("roles"), QJsonArray { QStringLiteral("DR.Admin") } } };
    const QByteArray token = jwt(claims);
    m_server->enqueue(tokenResponse(token));
    ManualClock clock;
    EntraTokenClient *c = client();
    c->setClock(&clock);
    const auto r = awaitResult<AccessToken>(
        [&](auto done) { c->clientCredentials(kSecret, kArmScope, done); });
    QVERIFY(r.has_value());
    QVERIFY2(r->has_value(), qPrintable(errorOf(*r)));
    QCOMPARE((*r)->token, token);
    QCOMPARE((*r)->expiresOn, clock.nowUtc().addSecs(3599));
    QCOMPARE((*r)->scope, kArmScope);
    QCOMPARE((*r)->claims, claims);
    QVERIFY((*r)->validAt(clock.nowUtc()));
    QVERIFY(!(*r)->validAt(clock.nowUtc().addSecs(3599 - 100)));

    QCOMPARE(m_server->requests().size(), 1);
    const RecordedRequest req = m_server->requests().first();
    QCOMPARE(req.method, QByteArrayLiteral("POST"));
    QCOMPARE(req.path, QStringLiteral("/%1/oauth2/v2.0/token").arg(kTenant));
    QVERIFY(req.header("Content-Type").startsWith("application/x-www-form-urlencoded"));
    const QUrlQuery f = form(req);
    QCOMPARE(f.queryItemValue(QStringLiteral("client_id")), kClient);
    QCOMPARE(f.queryItemValue(QStringLiteral("client_secret"), QUrl::FullyDecoded),
        QString::fromLatin1(kSecret));
    QCOMPARE(f.queryItemValue(QStringLiteral("scope"), QUrl::FullyDecoded), kArmScope);
    QCOMPARE(f.queryItemValue(QStringLiteral("grant_type")), QStringLiteral("client_credentials"));
}

void tst_EntraToken::expiresInAsString()
{
    // Older answers give expires_in as a string; an opaque access token has no claims.
    m_server->enqueue(tokenResponse("opaque-token-value", QStringLiteral("1800")));
    ManualClock clock;
    EntraTokenClient *c = client();
    c->setClock(&clock);
    const auto r = awaitResult<AccessToken>(
        [&](auto done) { c->clientCredentials(kSecret, kArmScope, done); });
    QVERIFY(r && r->has_value());
    QCOMPARE((*r)->expiresOn, clock.nowUtc().addSecs(1800));
    QVERIFY((*r)->claims.isEmpty());
}

void tst_EntraToken::idTokenClaimsPreferred()
{
    const QJsonObject idClaims { { QStringLiteral("preferred_username"),
                                     QStringLiteral("ada@contoso.com") },
        { QStringLiteral("roles"), QJsonArray { QStringLiteral("DR.Approver") } } };
    ScriptedResponse r = tokenResponse(jwt({ { QStringLiteral("aud"), QStringLiteral("arm") } }));
    QJsonObject body = QJsonDocument::fromJson(r.body).object();
    body.insert(QStringLiteral("id_token"), QString::fromLatin1(jwt(idClaims)));
    body.insert(QStringLiteral("refresh_token"), QStringLiteral("refresh-token-value"));
    r.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    m_server->enqueue(r);
    EntraTokenClient *c = client();
    const auto t = awaitResult<AccessToken>(
        [&](auto done) { c->refresh("old-refresh-token-value", kArmScope, done); });
    QVERIFY(t && t->has_value());
    QCOMPARE((*t)->claims, idClaims);
    QCOMPARE((*t)->refreshToken, QByteArrayLiteral("refresh-token-value"));
    QCOMPARE((*t)->idToken, jwt(idClaims));
}

void tst_EntraToken::errors_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<QString>("absent");
    QTest::newRow("invalid_client")
        << 401
        << aadError(401, QStringLiteral("invalid_client"),
               QStringLiteral(
                   "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in "
                   "the request is the client secret value, not the client secret ID, for a secret "
                   "added to app '6731de76-14a6-49ae-97bc-6eba6914391e'."),
               7000215)
               .body
        << QStringLiteral(": invalid_client: AADSTS7000215: Invalid client secret provided. Ensure "
                          "the secret being sent")
        << QStringLiteral("Trace ID");
    QTest::newRow("invalid_scope")
        << 400
        << aadError(400, QStringLiteral("invalid_scope"),
               QStringLiteral(
                   "AADSTS70011: The provided request must include a 'scope' input parameter. The "
                   "provided value for the input parameter 'scope' is not valid."),
               70011)
               .body
        << QStringLiteral(": invalid_scope: AADSTS70011: The provided request must include a "
                          "'scope' input parameter.")
        << QStringLiteral("Correlation ID");
    QTest::newRow("unauthorized_client")
        << 400
        << aadError(400, QStringLiteral("unauthorized_client"),
               QStringLiteral("AADSTS700016: Application with identifier "
                              "'6731de76-14a6-49ae-97bc-6eba6914391e' was not found in the "
                              "directory 'Contoso'."),
               700016)
               .body
        << QStringLiteral(": unauthorized_client: AADSTS700016: Application with identifier")
        << QStringLiteral("Timestamp");
    QTest::newRow("html 500")
        << 500
        << QByteArray(
               "<html><head><title>Service unavailable</title></head><body>Sorry</body></html>")
        << QStringLiteral(": HTTP 500, not an OAuth answer: <html><head><title>Service unavailable")
        << QString();
    QTest::newRow("malformed") << 200 << QByteArray("{\"access_token\": \"tok")
                               << QStringLiteral(": HTTP 200, not an OAuth answer") << QString();
    QTest::newRow("no access_token")
        << 200 << QByteArray("{\"token_type\":\"Bearer\",\"expires_in\":3599}")
        << QStringLiteral("no access_token") << QString();
    QTest::newRow("empty 503") << 503 << QByteArray()
                               << QStringLiteral(": HTTP 503, not an OAuth answer: (empty body)")
                               << QString();
}

void tst_EntraToken::errors()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, expected);
    QFETCH(QString, absent);
    ScriptedResponse r;
    r.status = status;
    r.body = body;
    if (body.startsWith('<'))
        r.headers = { { "Content-Type", "text/html" } };
    m_server->enqueue(r);
    EntraTokenClient *c = client();
    const auto t = awaitResult<AccessToken>(
        [&](auto done) { c->clientCredentials(kSecret, kArmScope, done); });
    QVERIFY(t.has_value());
    QVERIFY(!t->has_value());
    note(t->error());
    const QString prefix = QStringLiteral("Entra ID token request for %1 at %2")
                               .arg(kClient, settings().tokenUrl().toString());
    QVERIFY2(t->error().startsWith(prefix), qPrintable(errorOf(*t)));
    QVERIFY2(t->error().contains(expected), qPrintable(errorOf(*t)));
    if (!absent.isEmpty())
        QVERIFY2(!t->error().contains(absent), qPrintable(errorOf(*t)));
}

void tst_EntraToken::echoedSecretScrubbed()
{
    // A broken proxy that echoes the request must not carry the secret into an error.
    m_server->setHandler([](const RecordedRequest &req) -> std::optional<ScriptedResponse> {
        ScriptedResponse r;
        r.status = 400;
        r.headers = { { "Content-Type", "text/plain" } };
        r.body = "bad request: " + req.body;
        return r;
    });
    EntraTokenClient *c = client();
    const auto t = awaitResult<AccessToken>(
        [&](auto done) { c->clientCredentials(kSecret, kArmScope, done); });
    QVERIFY(t && !t->has_value());
    note(t->error());
    QVERIFY2(
        t->error().contains(QStringLiteral("bad request: client_id=")), qPrintable(errorOf(*t)));
    QVERIFY2(!t->error().contains(
                 QString::fromLatin1(QUrl::toPercentEncoding(QString::fromLatin1(kSecret)))),
        qPrintable(errorOf(*t)));
}

void tst_EntraToken::deadPort()
{
    quint16 port = 0;
    {
        ReplayServer gone;
        QVERIFY(gone.listen());
        port = gone.port();
    }
    EntraSettings s = settings();
    s.authority = QUrl(QStringLiteral("https://127.0.0.1:%1").arg(port));
    EntraTokenClient c(m_network, s);
    QElapsedTimer t;
    t.start();
    const auto r = awaitResult<AccessToken>(
        [&](auto done) { c.clientCredentials(kSecret, kArmScope, done); });
    QVERIFY(r.has_value());
    QVERIFY(!r->has_value());
    note(r->error());
    QVERIFY2(r->error().contains(QStringLiteral("connection refused")), qPrintable(errorOf(*r)));
    QVERIFY(t.elapsed() < 3000);
}

void tst_EntraToken::slowServer()
{
    ScriptedResponse slow = tokenResponse("late-token-value");
    slow.delayMs = 3000;
    m_server->enqueue(slow);
    EntraSettings s = settings();
    s.timeoutMs = 500;
    EntraTokenClient c(m_network, s);
    QElapsedTimer t;
    t.start();
    const auto r = awaitResult<AccessToken>(
        [&](auto done) { c.clientCredentials(kSecret, kArmScope, done); });
    QVERIFY(r.has_value());
    QVERIFY(!r->has_value());
    note(r->error());
    QVERIFY2(
        r->error().contains(QStringLiteral("timed out after 500 ms")), qPrintable(errorOf(*r)));
    QVERIFY(t.elapsed() < 2500);
}

namespace {
// A device code endpoint, and a token endpoint answering `answers` in turn to the polls (with
// the time of each poll).
void serveDeviceCode(ReplayServer *server, int interval, int expiresIn,
    QList<ScriptedResponse> answers, QList<qint64> *pollTimes, std::shared_ptr<QElapsedTimer> clock)
{
    server->setHandler([=](const RecordedRequest &req) mutable -> std::optional<ScriptedResponse> {
        if (req.path.endsWith(u"/devicecode")) {
            return jsonResponse(200,
                { { QStringLiteral("user_code"), QStringLiteral("GCQWE4UTY") },
                    { QStringLiteral("device_code"), QString::fromLatin1(kDeviceCode) },
                    { QStringLiteral("verification_uri"),
                        QStringLiteral("https://microsoft.com/devicelogin") },
                    { QStringLiteral("expires_in"), expiresIn },
                    { QStringLiteral("interval"), interval },
                    { QStringLiteral("message"),
                        QStringLiteral("To sign in, use a web browser to open the page "
                                       "https://microsoft.com/devicelogin and enter the code "
                                       "GCQWE4UTY to authenticate.") } });
        }
        pollTimes->append(clock->elapsed());
        if (answers.isEmpty())
            return aadError(400, QStringLiteral("authorization_pending"),
                QStringLiteral(
                    "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending."),
                70016);
        return answers.takeFirst();
    });
}

ScriptedResponse pending()
{
    return aadError(400, QStringLiteral("authorization_pending"),
        QStringLiteral("AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. "
                       "Continue polling."),
        70016);
}
} // namespace

void tst_EntraToken::deviceCodePendingThenToken()
{
    QList<qint64> polls;
    auto elapsed = std::make_shared<QElapsedTimer>();
    elapsed->start();
    const QJsonObject idClaims { { QStringLiteral("preferred_username"),
                                     QStringLiteral("ada@contoso.com") },
        { QStringLiteral("roles"), QJsonArray { QStringLiteral("DR.Operator") } } };
    ScriptedResponse token = tokenResponse("device-access-token-value");
    QJsonObject body = QJsonDocument::fromJson(token.body).object();
    body.insert(QStringLiteral("id_token"), QString::fromLatin1(jwt(idClaims)));
    body.insert(QStringLiteral("refresh_token"), QStringLiteral("device-refresh-token-value"));
    token.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    serveDeviceCode(m_server, 1, 900, { pending(), pending(), token }, &polls, elapsed);

    EntraTokenClient *c = client();
    std::optional<DeviceCodePrompt> prompt;
    int answers = 0;
    std::optional<Result<AccessToken>> result;
    c->deviceCode(
        kArmScope, [&](const DeviceCodePrompt &p) { prompt = p; },
        [&](Result<AccessToken> r) {
            ++answers;
            result = r;
        });
    QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 10000);
    QVERIFY(prompt.has_value());
    QCOMPARE(prompt->userCode, QStringLiteral("GCQWE4UTY"));
    QCOMPARE(prompt->verificationUri, QUrl(QStringLiteral("https://microsoft.com/devicelogin")));
    QVERIFY(prompt->message.contains(QStringLiteral("GCQWE4UTY")));
    QCOMPARE(prompt->intervalSeconds, 1);
    QVERIFY2(result->has_value(), qPrintable(errorOf(*result)));
    QCOMPARE((*result)->token, QByteArrayLiteral("device-access-token-value"));
    QCOMPARE((*result)->claims, idClaims);
    QCOMPARE((*result)->refreshToken, QByteArrayLiteral("device-refresh-token-value"));

    // Polls honour the interval: three polls about a second apart.
    QCOMPARE(polls.size(), 3);
    for (int i = 1; i < polls.size(); ++i)
        QVERIFY2(polls.at(i) - polls.at(i - 1) >= 950,
            qPrintable(QString::number(polls.at(i) - polls.at(i - 1))));

    const QList<RecordedRequest> reqs = m_server->requests();
    QCOMPARE(reqs.first().path, QStringLiteral("/%1/oauth2/v2.0/devicecode").arg(kTenant));
    QCOMPARE(form(reqs.first()).queryItemValue(QStringLiteral("client_id")), kClient);
    const QString scope
        = form(reqs.first()).queryItemValue(QStringLiteral("scope"), QUrl::FullyDecoded);
    QVERIFY2(scope.startsWith(kArmScope) && scope.contains(QStringLiteral("offline_access")),
        qPrintable(scope));
    const QUrlQuery poll = form(reqs.at(1));
    QCOMPARE(reqs.at(1).path, QStringLiteral("/%1/oauth2/v2.0/token").arg(kTenant));
    QCOMPARE(poll.queryItemValue(QStringLiteral("grant_type"), QUrl::FullyDecoded),
        QStringLiteral("urn:ietf:params:oauth:grant-type:device_code"));
    QCOMPARE(poll.queryItemValue(QStringLiteral("device_code")), QString::fromLatin1(kDeviceCode));
    QCOMPARE(poll.queryItemValue(QStringLiteral("client_id")), kClient);
    QVERIFY(!poll.hasQueryItem(QStringLiteral("client_secret")));

    QTest::qWait(1500); // nothing more after the answer
    QCOMPARE(answers, 1);
    QCOMPARE(polls.size(), 3);
}

void tst_EntraToken::deviceCodeSlowDown()
{
    QList<qint64> polls;
    auto elapsed = std::make_shared<QElapsedTimer>();
    elapsed->start();
    serveDeviceCode(m_server, 1, 900,
        { aadError(
              400, QStringLiteral("slow_down"), QStringLiteral("AADSTS70016: slow down"), 70016),
            tokenResponse("slow-token-value") },
        &polls, elapsed);
    EntraTokenClient *c = client();
    std::optional<Result<AccessToken>> result;
    c->deviceCode(kArmScope, {}, [&](Result<AccessToken> r) { result = r; });
    QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 12000);
    QVERIFY2(result->has_value(), qPrintable(errorOf(*result)));
    QCOMPARE(polls.size(), 2);
    // slow_down adds 5 s to the 1 s interval.
    QVERIFY2(
        polls.at(1) - polls.at(0) >= 5900, qPrintable(QString::number(polls.at(1) - polls.at(0))));
}

void tst_EntraToken::deviceCodeRefusals_data()
{
    QTest::addColumn<QString>("error");
    QTest::addColumn<QString>("expected");
    QTest::newRow("declined") << QStringLiteral("authorization_declined")
                              << QStringLiteral("the sign-in was declined");
    QTest::newRow("expired") << QStringLiteral("expired_token")
                             << QStringLiteral("the code expired before sign-in finished");
    QTest::newRow("bad code") << QStringLiteral("bad_verification_code")
                              << QStringLiteral("bad_verification_code");
    QTest::newRow("other") << QStringLiteral("invalid_grant")
                           << QStringLiteral("invalid_grant: AADSTS50000");
}

void tst_EntraToken::deviceCodeRefusals()
{
    QFETCH(QString, error);
    QFETCH(QString, expected);
    QList<qint64> polls;
    auto elapsed = std::make_shared<QElapsedTimer>();
    elapsed->start();
    serveDeviceCode(m_server, 1, 900,
        { pending(), aadError(400, error, QStringLiteral("AADSTS50000: refused"), 50000) }, &polls,
        elapsed);
    EntraTokenClient *c = client();
    int answers = 0;
    std::optional<Result<AccessToken>> result;
    c->deviceCode(kArmScope, {}, [&](Result<AccessToken> r) {
        ++answers;
        result = r;
    });
    QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 8000);
    QVERIFY(!result->has_value());
    note(result->error());
    QVERIFY2(result->error().contains(expected), qPrintable(errorOf(*result)));
    QVERIFY2(result->error().contains(kClient), qPrintable(errorOf(*result)));
    QCOMPARE(polls.size(), 2);
    QTest::qWait(1200);
    QCOMPARE(polls.size(), 2);
    QCOMPARE(answers, 1);
}

void tst_EntraToken::deviceCodeExpiresLocally()
{
    // The service keeps saying pending; expires_in (2 s) passes on our side.
    QList<qint64> polls;
    auto elapsed = std::make_shared<QElapsedTimer>();
    elapsed->start();
    serveDeviceCode(m_server, 1, 2, {}, &polls, elapsed);
    EntraTokenClient *c = client();
    std::optional<Result<AccessToken>> result;
    c->deviceCode(kArmScope, {}, [&](Result<AccessToken> r) { result = r; });
    QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 8000);
    QVERIFY(!result->has_value());
    note(result->error());
    QVERIFY2(result->error().contains(QStringLiteral("the code expired before sign-in finished")),
        qPrintable(errorOf(*result)));
    QVERIFY(polls.size() <= 2);
}

void tst_EntraToken::deviceCodeCancel()
{
    QList<qint64> polls;
    auto elapsed = std::make_shared<QElapsedTimer>();
    elapsed->start();
    serveDeviceCode(m_server, 1, 900, {}, &polls, elapsed);
    EntraTokenClient *c = client();
    int answers = 0;
    std::optional<Result<AccessToken>> result;
    c->deviceCode(
        kArmScope,
        [&](const DeviceCodePrompt &) {
            QTimer::singleShot(1500, c, [c] { c->cancelDeviceCode(); });
        },
        [&](Result<AccessToken> r) {
            ++answers;
            result = r;
        });
    QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 8000);
    QVERIFY(!result->has_value());
    note(result->error());
    QVERIFY2(result->error().contains(QStringLiteral("cancelled")), qPrintable(errorOf(*result)));
    const qsizetype seen = polls.size();
    QCOMPARE(seen, 1);
    QTest::qWait(1500);
    QCOMPARE(polls.size(), seen); // no polling after the cancel
    QCOMPARE(answers, 1);
    c->cancelDeviceCode(); // harmless when nothing runs
    QCOMPARE(answers, 1);
}

void tst_EntraToken::deviceCodeRequestRefused()
{
    m_server->enqueue(aadError(400, QStringLiteral("invalid_request"),
        QStringLiteral("AADSTS7000218: The request body must contain the following parameter: "
                       "'client_assertion' or 'client_secret'."),
        7000218));
    EntraTokenClient *c = client();
    bool prompted = false;
    std::optional<Result<AccessToken>> result;
    c->deviceCode(
        kArmScope, [&](const DeviceCodePrompt &) { prompted = true; },
        [&](Result<AccessToken> r) { result = r; });
    QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 5000);
    QVERIFY(!result->has_value());
    QVERIFY(!prompted);
    note(result->error());
    QVERIFY2(result->error().startsWith(
                 QStringLiteral("Entra ID device code request for %1").arg(kClient)),
        qPrintable(errorOf(*result)));
    QVERIFY2(result->error().contains(QStringLiteral("invalid_request: AADSTS7000218")),
        qPrintable(errorOf(*result)));
}

void tst_EntraToken::refresh()
{
    m_server->enqueue(tokenResponse("refreshed-token-value"));
    EntraTokenClient *c = client();
    const auto r = awaitResult<AccessToken>(
        [&](auto done) { c->refresh("refresh-token-value", kArmScope, done); });
    QVERIFY(r && r->has_value());
    QCOMPARE((*r)->token, QByteArrayLiteral("refreshed-token-value"));
    const QUrlQuery f = form(m_server->requests().first());
    QCOMPARE(f.queryItemValue(QStringLiteral("grant_type")), QStringLiteral("refresh_token"));
    QCOMPARE(
        f.queryItemValue(QStringLiteral("refresh_token")), QStringLiteral("refresh-token-value"));
    QCOMPARE(f.queryItemValue(QStringLiteral("client_id")), kClient);
    QVERIFY(!f.hasQueryItem(QStringLiteral("client_secret")));
}

namespace {
// Answers client credentials with numbered tokens, per scope.
void serveNumberedTokens(ReplayServer *server, int *issued, int expiresIn = 3600)
{
    server->setHandler(
        [issued, expiresIn](const RecordedRequest &req) -> std::optional<ScriptedResponse> {
            ++*issued;
            const QString scope = QUrlQuery(QString::fromUtf8(req.body))
                                      .queryItemValue(QStringLiteral("scope"), QUrl::FullyDecoded);
            return tokenResponse(
                QStringLiteral("token-value-%1-%2")
                    .arg(*issued)
                    .arg(scope.contains(u"storage") ? QStringLiteral("s") : QStringLiteral("m"))
                    .toLatin1(),
                expiresIn);
        });
}
} // namespace

void tst_EntraToken::sourceCachesPerScope()
{
    int issued = 0;
    serveNumberedTokens(m_server, &issued);
    SecretStore secrets;
    ManualClock clock;
    EntraTokenSource source(m_network, &secrets, settings());
    source.setKeychainCache(false);
    source.setClock(&clock);
    const auto a = awaitResult<QByteArray>([&](auto done) { source.token(kArmScope, done); });
    const auto b = awaitResult<QByteArray>([&](auto done) { source.token(kArmScope, done); });
    const auto s = awaitResult<QByteArray>([&](auto done) {
        source.token(QStringLiteral("https://storage.azure.com/.default"), done);
    });
    QVERIFY(a && a->has_value() && b && b->has_value() && s && s->has_value());
    QCOMPARE(**a, QByteArrayLiteral("token-value-1-m"));
    QCOMPARE(**b, **a);
    QCOMPARE(**s, QByteArrayLiteral("token-value-2-s"));
    QCOMPARE(issued, 2);

    source.invalidate(kArmScope);
    const auto c = awaitResult<QByteArray>([&](auto done) { source.token(kArmScope, done); });
    QVERIFY(c && c->has_value());
    QCOMPARE(**c, QByteArrayLiteral("token-value-3-m"));
    QCOMPARE(issued, 3);
}

void tst_EntraToken::sourceExpiryMargin()
{
    int issued = 0;
    serveNumberedTokens(m_server, &issued, 3600);
    SecretStore secrets;
    ManualClock clock;
    EntraTokenSource source(m_network, &secrets, settings());
    source.setKeychainCache(false);
    source.setClock(&clock);
    QVERIFY(awaitResult<QByteArray>([&](auto done) { source.token(kArmScope, done); })
                .value()
                .has_value());
    clock.advance((3600 - 301) * 1000LL); // 5 min 1 s left: still good
    QVERIFY(awaitResult<QByteArray>([&](auto done) { source.token(kArmScope, done); })
                .value()
                .has_value());
    QCOMPARE(issued, 1);
    clock.advance(2000); // within the last 5 minutes: a new one
    const auto r = awaitResult<QByteArray>([&](auto done) { source.token(kArmScope, done); });
    QVERIFY(r && r->has_value());
    QCOMPARE(**r, QByteArrayLiteral("token-value-2-m"));
    QCOMPARE(issued, 2);
}

void tst_EntraToken::sourceConcurrentCallsShareARequest()
{
    int issued = 0;
    serveNumberedTokens(m_server, &issued);
    SecretStore secrets;
    EntraTokenSource source(m_network, &secrets, settings());
    source.setKeychainCache(false);
    QList<Result<QByteArray>> answers;
    for (int i = 0; i < 3; ++i)
        source.token(kArmScope, [&](Result<QByteArray> r) { answers.append(r); });
    QTRY_COMPARE(answers.size(), 3);
    for (const auto &a : answers) {
        QVERIFY(a.has_value());
        QCOMPARE(*a, QByteArrayLiteral("token-value-1-m"));
    }
    QCOMPARE(issued, 1);
    QTest::qWait(100);
    QCOMPARE(answers.size(), 3);
}

void tst_EntraToken::sourceWithoutSecret()
{
    int issued = 0;
    serveNumberedTokens(m_server, &issued);
    SecretStore secrets;
    EntraSettings s = settings();
    s.clientSecret.reset();
    EntraTokenSource source(m_network, &secrets, s);
    const auto r = awaitResult<QByteArray>([&](auto done) { source.token(kArmScope, done); });
    QVERIFY(r && !r->has_value());
    note(r->error());
    QVERIFY2(r->error().contains(QStringLiteral("azure.clientSecret")), qPrintable(errorOf(*r)));
    QCOMPARE(issued, 0);
}

void tst_EntraToken::sourceSecretUnresolved()
{
    int issued = 0;
    serveNumberedTokens(m_server, &issued);
    SecretStore secrets;
    EntraSettings s = settings();
    s.clientSecret
        = SecretRef { SecretRef::Source::Env, QStringLiteral("DR_TEST_ENTRA_NO_SUCH_VARIABLE") };
    EntraTokenSource source(m_network, &secrets, s);
    source.setKeychainCache(false);
    const auto r = awaitResult<QByteArray>([&](auto done) { source.token(kArmScope, done); });
    QVERIFY(r && !r->has_value());
    note(r->error());
    QVERIFY2(r->error().contains(QStringLiteral("DR_TEST_ENTRA_NO_SUCH_VARIABLE")),
        qPrintable(errorOf(*r)));
    QCOMPARE(issued, 0);

    // A bad secret is Entra ID's to refuse, and says so without the value.
    m_server->setHandler([](const RecordedRequest &) -> std::optional<ScriptedResponse> {
        return aadError(401, QStringLiteral("invalid_client"),
            QStringLiteral("AADSTS7000215: Invalid client secret provided."), 7000215);
    });
    EntraTokenSource good(m_network, &secrets, settings());
    good.setKeychainCache(false);
    const auto g = awaitResult<QByteArray>([&](auto done) { good.token(kArmScope, done); });
    QVERIFY(g && !g->has_value());
    note(g->error());
    QVERIFY2(g->error().contains(QStringLiteral("invalid_client: AADSTS7000215")),
        qPrintable(errorOf(*g)));
}

void tst_EntraToken::sourceKeychainRoundTrip()
{
    int issued = 0;
    serveNumberedTokens(m_server, &issued);
    SecretStore secrets;
    secrets.setService(
        QStringLiteral("drconsole-test-") + QUuid::createUuid().toString(QUuid::WithoutBraces));
    ManualClock clock;
    auto first = std::make_unique<EntraTokenSource>(m_network, &secrets, settings());
    first->setClock(&clock);
    const auto a = awaitResult<QByteArray>([&](auto done) { first->token(kArmScope, done); });
    QVERIFY(a.has_value());
    QVERIFY2(a->has_value(), qPrintable(errorOf(*a)));
    QCOMPARE(issued, 1);

    // The write is in the background: wait until the entry holds the token.
    const QString entry = first->keychainEntry(kArmScope);
    QCOMPARE(entry, QStringLiteral("entra-token/%1/%2/%3").arg(kTenant, kClient, kArmScope));
    QByteArray stored;
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
        const auto v = awaitResult<QByteArray>([&](auto done) {
            secrets.read(SecretRef { SecretRef::Source::Keychain, entry }, done);
        });
        if (v && v->has_value())
            stored = **v;
        return !stored.isEmpty();
    }()),
        5000);
    const QJsonObject json = QJsonDocument::fromJson(stored).object();
    QCOMPARE(json.value(QStringLiteral("token")).toString().toLatin1(), **a);
    QCOMPARE(QDateTime::fromString(
                 json.value(QStringLiteral("expiresOn")).toString(), Qt::ISODateWithMs),
        clock.nowUtc().addSecs(3600));
    first.reset();

    // A fresh source (a new drctl process) finds it without asking Entra ID.
    EntraTokenSource second(m_network, &secrets, settings());
    second.setClock(&clock);
    const auto b = awaitResult<QByteArray>([&](auto done) { second.token(kArmScope, done); });
    QVERIFY(b && b->has_value());
    QCOMPARE(**b, **a);
    QCOMPARE(issued, 1);

    // Near its expiry the keychain copy is not used.
    clock.advance((3600 - 200) * 1000LL);
    EntraTokenSource third(m_network, &secrets, settings());
    third.setClock(&clock);
    const auto c = awaitResult<QByteArray>([&](auto done) { third.token(kArmScope, done); });
    QVERIFY(c && c->has_value());
    QCOMPARE(issued, 2);

    // invalidate() drops the keychain copy too.
    third.invalidate(kArmScope);
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
        const auto v = awaitResult<QByteArray>([&](auto done) {
            secrets.read(SecretRef { SecretRef::Source::Keychain, entry }, done);
        });
        return v && !v->has_value();
    }()),
        5000);
}

QTEST_MAIN(tst_EntraToken)
#include "tst_entratoken.moc"
