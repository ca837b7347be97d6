// The Blob client (core/azure/blobclient) with Microsoft Entra ID bearer tokens instead of the
// Shared Key, against a real Azurite started with `--oauth basic` (which checks a token's
// issuer, audience and lifetime, over HTTPS only). The tokens are JWTs minted here and handed
// out by a loopback token endpoint through a real EntraTokenSource, as Entra ID would.

#include "asyncwait.h"
#include "azure/blobclient.h"
#include "azure/entra.h"
#include "profile/profile.h"
#include "replayserver.h"
#include "runbook/runlock.h"
#include "secrets/secretstore.h"
#include "testpki.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

#include <memory>

#include <sys/prctl.h>
#include <csignal>

using namespace dr;
using namespace dr::azure;
using namespace dr::test;

namespace {

const QString kAccount = QStringLiteral("drlabstore");
const QString kScope = QStringLiteral("https://storage.azure.com/.default");
const char kSecretVariable[] = "DR_TST_BLOBBEARER_CLIENT_SECRET";

QByteArray base64Url(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

// An unsigned-looking JWT of Entra ID's shape (Azurite's basic OAuth does not check signatures).
QByteArray mintJwt(const QString &audience, const QDateTime &notBefore, const QDateTime &expires)
{
    const QJsonObject header{{QStringLiteral("alg"), QStringLiteral("RS256")}, {QStringLiteral("typ"), QStringLiteral("JWT")}};
    const QJsonObject payload{{QStringLiteral("aud"), audience},
                              {QStringLiteral("iss"), QStringLiteral("https://sts.windows.net/contoso-tenant/")},
                              {QStringLiteral("iat"), notBefore.toSecsSinceEpoch()},
                              {QStringLiteral("nbf"), notBefore.toSecsSinceEpoch()},
                              {QStringLiteral("exp"), expires.toSecsSinceEpoch()},
                              {QStringLiteral("appid"), QStringLiteral("drconsole-app")},
                              {QStringLiteral("oid"), QStringLiteral("00000000-0000-0000-0000-000000000001")}};
    return base64Url(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.'
        + base64Url(QJsonDocument(payload).toJson(QJsonDocument::Compact)) + '.' + base64Url("not-checked");
}

quint16 freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

} // namespace

class tst_BlobBearer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();

    void containerBlobAndLeaseWithBearer();
    void requestWithoutAuthIsRefused();
    void expiredTokenIsRefused();
    void wrongAudienceIsRefused();
    void tokenEndpointRefusalFailsTheRequest();
    void runLockClientWithEntraStorage();

private:
    std::unique_ptr<BlobClient> client(EntraTokenSource *tokens);
    std::unique_ptr<EntraTokenSource> tokenSource();
    QUrl endpoint() const;

    std::unique_ptr<TestPki> m_pki;
    QList<QSslCertificate> m_ca;
    IssuedCertificate m_leaf;
    QTemporaryDir m_data;
    std::unique_ptr<QProcess> m_azurite;
    quint16 m_port = 0;
    QNetworkAccessManager m_network;
    SecretStore m_secrets;
    std::unique_ptr<ReplayServer> m_login;
    QByteArray m_jwt;                 // what the token endpoint hands out
    int m_tokenStatus = 200;
    QList<RecordedRequest> m_tokenRequests;
};

void tst_BlobBearer::initTestCase()
{
    m_pki = std::make_unique<TestPki>();
    QVERIFY2(m_pki->isValid(), qPrintable(m_pki->error()));
    m_ca = QSslCertificate::fromPath(m_pki->caCertPath());
    m_leaf = m_pki->issueForDays(QStringLiteral("azurite"), 30);
    qputenv(kSecretVariable, "blob-bearer-client-secret");

    const QString source = qEnvironmentVariable("DR_SOURCE_DIR");
    QVERIFY2(!source.isEmpty(), "DR_SOURCE_DIR is not set: run this test through ctest");
    const QString binary = source + QStringLiteral("/node_modules/.bin/azurite-blob");
    QVERIFY2(QFileInfo(binary).isExecutable(), qPrintable(binary + QStringLiteral(" is missing: run `bash .ci/deps`")));
    m_port = freePort();
    m_azurite = std::make_unique<QProcess>();
    m_azurite->setProcessChannelMode(QProcess::MergedChannels);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QByteArray key = QByteArray(64, 'k').toBase64();
    env.insert(QStringLiteral("AZURITE_ACCOUNTS"), kAccount + u':' + QString::fromLatin1(key));
    m_azurite->setProcessEnvironment(env);
    m_azurite->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    // AzuriteProcess has no OAuth option, hence a process of our own: --oauth basic needs HTTPS.
    m_azurite->start(binary, {QStringLiteral("--blobHost"), QStringLiteral("127.0.0.1"), QStringLiteral("--blobPort"),
                              QString::number(m_port), QStringLiteral("--location"), m_data.path(), QStringLiteral("--cert"),
                              m_leaf.certPath, QStringLiteral("--key"), m_leaf.keyPath, QStringLiteral("--oauth"),
                              QStringLiteral("basic"), QStringLiteral("--skipApiVersionCheck"),
                              QStringLiteral("--disableProductStyleUrl"), QStringLiteral("--disableTelemetry"),
                              QStringLiteral("--silent")});
    QVERIFY2(m_azurite->waitForStarted(5000), qPrintable(m_azurite->errorString()));
    QByteArray output;
    QElapsedTimer timer;
    timer.start();
    while (!output.contains("successfully listens") && timer.elapsed() < 20000
           && m_azurite->state() == QProcess::Running) {
        m_azurite->waitForReadyRead(100);
        output += m_azurite->readAll();
    }
    QVERIFY2(output.contains("successfully listens"), output.right(2000).constData());
}

void tst_BlobBearer::cleanupTestCase()
{
    if (m_azurite) {
        m_azurite->terminate();
        if (!m_azurite->waitForFinished(5000))
            m_azurite->kill();
        m_azurite->waitForFinished(5000);
    }
}

void tst_BlobBearer::init()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_jwt = mintJwt(QStringLiteral("https://storage.azure.com"), now.addSecs(-300), now.addSecs(3600));
    m_tokenStatus = 200;
    m_tokenRequests.clear();
    m_login = std::make_unique<ReplayServer>();
    m_login->setTls({m_leaf.certificate()}, m_leaf.key());
    m_login->setHandler([this](const RecordedRequest &r) -> std::optional<ScriptedResponse> {
        if (r.method != "POST" || !r.path.endsWith(QStringLiteral("/oauth2/v2.0/token")))
            return std::nullopt;
        m_tokenRequests.append(r);
        ScriptedResponse answer;
        answer.status = m_tokenStatus;
        answer.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
        if (m_tokenStatus == 200) {
            // expires_in says an hour whatever the JWT holds: Azurite, not the source, must
            // catch an expired token.
            answer.body = QJsonDocument(QJsonObject{{QStringLiteral("access_token"), QString::fromLatin1(m_jwt)},
                                                    {QStringLiteral("expires_in"), 3600},
                                                    {QStringLiteral("token_type"), QStringLiteral("Bearer")}})
                              .toJson(QJsonDocument::Compact);
        } else {
            answer.body = QByteArrayLiteral(R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."})");
        }
        return answer;
    });
    QVERIFY(m_login->listen());
}

void tst_BlobBearer::cleanup()
{
    m_login.reset();
}

QUrl tst_BlobBearer::endpoint() const
{
    return QUrl(QStringLiteral("https://127.0.0.1:%1/%2").arg(m_port).arg(kAccount));
}

std::unique_ptr<EntraTokenSource> tst_BlobBearer::tokenSource()
{
    EntraSettings settings;
    settings.authority = m_login->url(QStringLiteral("/"));
    settings.tenantId = QStringLiteral("contoso-tenant");
    settings.clientId = QStringLiteral("drconsole-app");
    settings.clientSecret = SecretRef{SecretRef::Source::Env, QString::fromLatin1(kSecretVariable)};
    settings.caCertificates = m_ca;
    auto tokens = std::make_unique<EntraTokenSource>(&m_network, &m_secrets, settings);
    tokens->setKeychainCache(false);
    return tokens;
}

std::unique_ptr<BlobClient> tst_BlobBearer::client(EntraTokenSource *tokens)
{
    const auto credential = StorageCredential::fromTokens(kAccount, tokens, kScope);
    if (!credential)
        return nullptr;
    auto c = std::make_unique<BlobClient>(&m_network, endpoint(), *credential);
    c->setCaCertificates(m_ca);
    return c;
}

void tst_BlobBearer::containerBlobAndLeaseWithBearer()
{
    auto tokens = tokenSource();
    auto c = client(tokens.get());
    QVERIFY(c);

    const auto created = awaitResult<bool>([&](auto done) { c->createContainer(QStringLiteral("bearer"), done); });
    QVERIFY(created);
    QVERIFY2(created->has_value(), qPrintable(errorOf(*created)));
    QVERIFY(**created);

    const QByteArray data = QByteArrayLiteral("written with an Entra ID token");
    const auto put = awaitResult<WriteResult>([&](auto done) {
        c->putBlockBlob(QStringLiteral("bearer"), QStringLiteral("state/a.json"), data, QStringLiteral("application/json"), done);
    });
    QVERIFY(put);
    QVERIFY2(put->has_value(), qPrintable(errorOf(*put)));
    QVERIFY(!(*put)->etag.isEmpty());

    const auto got = awaitResult<std::optional<Blob>>([&](auto done) { c->getBlob(QStringLiteral("bearer"), QStringLiteral("state/a.json"), done); });
    QVERIFY(got);
    QVERIFY2(got->has_value(), qPrintable(errorOf(*got)));
    QVERIFY(got->value().has_value());
    QCOMPARE(got->value()->data, data);

    const auto acquired = awaitResult<LeaseResult>([&](auto done) {
        c->leaseBlob(QStringLiteral("bearer"), QStringLiteral("state/a.json"), LeaseAction::Acquire, QString(), 15, QString(), done);
    });
    QVERIFY(acquired);
    QVERIFY2(acquired->has_value(), qPrintable(errorOf(*acquired)));
    QVERIFY(!(*acquired)->leaseId.isEmpty());
    // The lease is real: a write without its id is refused.
    const auto blocked = awaitResult<WriteResult>([&](auto done) {
        c->putBlockBlob(QStringLiteral("bearer"), QStringLiteral("state/a.json"), "x", QString(), done);
    });
    QVERIFY(blocked);
    QVERIFY(!blocked->has_value());
    QCOMPARE(BlobClient::serviceErrorCode(blocked->error()), QStringLiteral("LeaseIdMissing"));
    const auto released = awaitResult<LeaseResult>([&](auto done) {
        c->leaseBlob(QStringLiteral("bearer"), QStringLiteral("state/a.json"), LeaseAction::Release, (*acquired)->leaseId, 0, QString(), done);
    });
    QVERIFY(released);
    QVERIFY2(released->has_value(), qPrintable(errorOf(*released)));

    // One token for all of it (the source caches), asked for the storage scope.
    QCOMPARE(m_tokenRequests.size(), 1);
    const QUrlQuery form(QString::fromUtf8(m_tokenRequests.first().body));
    QCOMPARE(form.queryItemValue(QStringLiteral("scope"), QUrl::FullyDecoded), kScope);
    QCOMPARE(form.queryItemValue(QStringLiteral("grant_type")), QStringLiteral("client_credentials"));
}

void tst_BlobBearer::requestWithoutAuthIsRefused()
{
    // Made by hand: our client never sends an unauthorized request.
    QNetworkRequest request(QUrl(endpoint().toString() + QStringLiteral("?comp=list")));
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.addCaCertificates(m_ca);
    request.setSslConfiguration(ssl);
    request.setRawHeader("x-ms-version", kStorageApiVersion);
    QNetworkReply *reply = m_network.get(request);
    QVERIFY(QTest::qWaitFor([reply] { return reply->isFinished(); }, 10000));
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    const QByteArray code = reply->rawHeader("x-ms-error-code");
    reply->deleteLater();
    QVERIFY2(status == 401 || status == 403, qPrintable(QStringLiteral("HTTP %1: %2").arg(status).arg(QString::fromUtf8(body))));
    QVERIFY2(!code.isEmpty(), body.constData());
}

void tst_BlobBearer::expiredTokenIsRefused()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_jwt = mintJwt(QStringLiteral("https://storage.azure.com"), now.addSecs(-7200), now.addSecs(-3600));
    auto tokens = tokenSource();
    auto c = client(tokens.get());
    QVERIFY(c);
    const auto created = awaitResult<bool>([&](auto done) { c->createContainer(QStringLiteral("expired"), done); });
    QVERIFY(created);
    QVERIFY(!created->has_value());
    QVERIFY2(created->error().contains(QStringLiteral("HTTP 401")) || created->error().contains(QStringLiteral("HTTP 403")),
             qPrintable(created->error()));
    QCOMPARE(BlobClient::serviceErrorCode(created->error()), QStringLiteral("AuthenticationFailed"));
    QVERIFY2(created->error().contains(QStringLiteral("expired")), qPrintable(created->error()));
}

void tst_BlobBearer::wrongAudienceIsRefused()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    m_jwt = mintJwt(QStringLiteral("https://management.azure.com"), now.addSecs(-300), now.addSecs(3600));
    auto tokens = tokenSource();
    auto c = client(tokens.get());
    QVERIFY(c);
    const auto created = awaitResult<bool>([&](auto done) { c->createContainer(QStringLiteral("audience"), done); });
    QVERIFY(created);
    QVERIFY(!created->has_value());
    QCOMPARE(BlobClient::serviceErrorCode(created->error()), QStringLiteral("AuthenticationFailed"));
    QVERIFY2(created->error().contains(QStringLiteral("audience")), qPrintable(created->error()));
}

void tst_BlobBearer::tokenEndpointRefusalFailsTheRequest()
{
    m_tokenStatus = 401;
    auto tokens = tokenSource();
    auto c = client(tokens.get());
    QVERIFY(c);
    const auto created = awaitResult<bool>([&](auto done) { c->createContainer(QStringLiteral("notoken"), done); });
    QVERIFY(created);
    QVERIFY(!created->has_value());
    QVERIFY2(created->error().startsWith(QStringLiteral("createContainer notoken: no Entra ID token for ") + kScope),
             qPrintable(created->error()));
    QVERIFY2(created->error().contains(QStringLiteral("invalid_client")), qPrintable(created->error()));
    // Nothing reached the service without a token, and the secret is in no message.
    QVERIFY(!created->error().contains(QStringLiteral("blob-bearer-client-secret")));
}

// The run lock and the remote audit copy get their client from RunLock::clientFor(): with
// storage auth "entra" it speaks with the profile's app token, never an account key.
void tst_BlobBearer::runLockClientWithEntraStorage()
{
    Profile profile;
    profile.name = QStringLiteral("bearer");
    profile.caCertificates = {m_pki->caCertPath()};
    Region west;
    west.id = QStringLiteral("west");
    Component storage;
    storage.id = QStringLiteral("storage");
    storage.kind = QStringLiteral("storage");
    storage.endpoint = endpoint();
    StorageSettings settings;
    settings.accountName = kAccount;
    settings.auth = QStringLiteral("entra");
    storage.storage = settings;
    west.components.append(storage);
    profile.regions.append(west);

    // Without the app the error says what the profile lacks.
    const auto refused = awaitResult<azure::BlobClient *>([&](auto done) {
        RunLock::clientFor(profile, QStringLiteral("west"), &m_network, &m_secrets, this, done);
    });
    QVERIFY(refused);
    QVERIFY(!refused->has_value());
    QVERIFY2(refused->error().contains(QStringLiteral("clientSecret")), qPrintable(refused->error()));

    AzureSettings azure;
    azure.authority = m_login->url(QStringLiteral("/"));
    azure.tenantId = QStringLiteral("contoso-tenant");
    azure.clientId = QStringLiteral("drconsole-app");
    azure.clientSecret = SecretRef{SecretRef::Source::Env, QString::fromLatin1(kSecretVariable)};
    profile.azure = azure;
    const auto made = awaitResult<azure::BlobClient *>([&](auto done) {
        RunLock::clientFor(profile, QStringLiteral("west"), &m_network, &m_secrets, this, done);
    });
    QVERIFY(made);
    QVERIFY2(made->has_value(), qPrintable(errorOf(*made)));
    std::unique_ptr<azure::BlobClient> client(**made);
    const auto created = awaitResult<bool>([&](auto done) { client->createContainer(QStringLiteral("drconsole-lock"), done); });
    QVERIFY(created);
    QVERIFY2(created->has_value(), qPrintable(errorOf(*created)));
    QVERIFY(!m_tokenRequests.isEmpty());
    const QUrlQuery form(QString::fromUtf8(m_tokenRequests.first().body));
    QCOMPARE(form.queryItemValue(QStringLiteral("scope"), QUrl::FullyDecoded), kScope);
}

QTEST_GUILESS_MAIN(tst_BlobBearer)
#include "tst_blobbearer.moc"
