// The replica's secondary endpoint in front of a real Azurite: Get Blob Service Stats in exactly
// the service's shape from the replicator's true stats, Shared Key verified; signed reads of
// replicated blobs passed through; writes refused as the real secondary refuses them; HTTP
// keep-alive, pipelining and limits; an upstream that is down or hangs.

#include "azure/httpdate.h"
#include "azuretestutil.h"
#include "storage/replicator.h"
#include "storage/storagefront.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslSocket>
#include <QTest>

using namespace dr;
using namespace dr::azure;
using namespace dr::test;
using drlab::Replicator;
using drlab::StorageEndpoint;
using drlab::StorageFront;
using drlab::StorageFrontConfig;

namespace {

struct HttpAnswer
{
    int status = 0;
    QByteArray body;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QHash<QByteArray, QByteArray> headers; // lower-cased names
};

// Reads the complete responses off raw bytes (Content-Length or chunked bodies).
QList<HttpAnswer> parseResponses(QByteArray data)
{
    QList<HttpAnswer> out;
    for (;;) {
        const qsizetype end = data.indexOf("\r\n\r\n");
        if (end < 0)
            break;
        HttpAnswer a;
        const QByteArrayList lines = data.left(end).split('\n');
        a.status = lines.value(0).split(' ').value(1).toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const qsizetype colon = lines[i].indexOf(':');
            if (colon > 0)
                a.headers.insert(
                    lines[i].left(colon).trimmed().toLower(), lines[i].mid(colon + 1).trimmed());
        }
        qsizetype pos = end + 4;
        if (a.headers.value("transfer-encoding") == "chunked") {
            bool complete = false;
            for (;;) {
                const qsizetype lineEnd = data.indexOf("\r\n", pos);
                if (lineEnd < 0)
                    break;
                const qsizetype size = data.mid(pos, lineEnd - pos).toLongLong(nullptr, 16);
                if (data.size() < lineEnd + 2 + size + 2)
                    break;
                a.body += data.mid(lineEnd + 2, size);
                pos = lineEnd + 2 + size + 2;
                if (size == 0) {
                    complete = true;
                    break;
                }
            }
            if (!complete)
                break;
        } else {
            const qsizetype length = a.headers.value("content-length").toLongLong();
            if (data.size() < pos + length)
                break;
            a.body = data.mid(pos, length);
            pos += length;
        }
        data.remove(0, pos);
        out.append(a);
    }
    return out;
}

} // namespace

class tst_StorageFront : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void statsInTheServiceShape();
    void statsAcceptsBothPathForms();
    void statsDuringBootstrap();
    void statsFollowTheReplicator();
    void statsNeedValidSharedKey();
    void signedReadsPassThrough();
    void writesAreRefused();
    void keepAliveAndPipelining();
    void limits();
    void upstreamDownOrHung();

private:
    QNetworkRequest signedRequest(const QString &path, const QByteArray &query,
        const QByteArray &verb = "GET", const QByteArray &key = {},
        const QDateTime &at = QDateTime::currentDateTimeUtc());
    HttpAnswer fetch(const QNetworkRequest &request, const QByteArray &verb = "GET");
    QByteArray rawSignedGet(const QByteArray &target);
    QByteArray rawExchange(
        quint16 port, const QByteArray &request, int responses, bool *closed, int waitMs = 5000);
    BlobClient *frontClient(const QByteArray &key = {});

    std::unique_ptr<TestPki> m_pki;
    IssuedCertificate m_frontCert;
    std::unique_ptr<AzuriteProcess> m_west;
    std::unique_ptr<AzuriteProcess> m_north;
    QByteArray m_key;
    StorageCredential m_credential;
    QNetworkAccessManager *m_network = nullptr;
    std::unique_ptr<Replicator> m_replicator;
    std::unique_ptr<StorageFront> m_front;
    std::optional<GeoReplicationStats> m_statsOverride;
};

StorageFrontConfig frontConfig(const StorageCredential &credential, const QUrl &upstream,
    const QList<QSslCertificate> &cas, const IssuedCertificate &cert)
{
    StorageFrontConfig config;
    config.credential = credential;
    config.upstream = upstream;
    config.upstreamCaCertificates = cas;
    const auto tls = StorageFront::loadTls(cert.certPath, cert.keyPath);
    if (tls) {
        config.certificateChain = tls->first;
        config.privateKey = tls->second;
    }
    return config;
}

void tst_StorageFront::initTestCase()
{
    qRegisterMetaType<dr::azure::GeoReplicationStats>();
    m_pki = std::make_unique<TestPki>();
    QVERIFY2(m_pki->isValid(), qPrintable(m_pki->error()));
    m_key = QByteArray(64, 'f').toBase64();
    m_credential = *StorageCredential::fromBase64(QStringLiteral("drlabstore"), m_key);
    QString error;
    m_west = startAzurite(*m_pki, QStringLiteral("west"), m_key, &error);
    QVERIFY2(m_west, qPrintable(error));
    m_north = startAzurite(*m_pki, QStringLiteral("north"), m_key, &error);
    QVERIFY2(m_north, qPrintable(error));
    m_network = new QNetworkAccessManager(this);

    m_replicator = std::make_unique<Replicator>(
        StorageEndpoint { m_west->endpoint(), m_credential, caOf(*m_pki) },
        StorageEndpoint { m_north->endpoint(), m_credential, caOf(*m_pki) });
    m_replicator->setPollIntervalMs(200);
    m_replicator->setRequestTimeoutMs(2000);
    m_replicator->start();

    m_frontCert = m_pki->issueForDays(QStringLiteral("front"), 30);
    QVERIFY(!m_frontCert.certPath.isEmpty());
    QVERIFY(StorageFront::loadTls(m_frontCert.certPath, m_frontCert.keyPath).has_value());
    QVERIFY(!StorageFront::loadTls(m_frontCert.certPath, QStringLiteral("/nonexistent.key"))
                 .has_value());
    QUrl upstream = m_north->endpoint();
    upstream.setPath({});
    m_front = std::make_unique<StorageFront>(
        frontConfig(m_credential, upstream, caOf(*m_pki), m_frontCert),
        [this] { return m_statsOverride ? *m_statsOverride : m_replicator->stats(); });
    DR_VERIFY_OK(m_front->listen());
    QVERIFY(m_front->port() > 0);
    QCOMPARE(m_front->secondaryEndpoint().toString(),
        QStringLiteral("https://127.0.0.1:%1/drlabstore-secondary").arg(m_front->port()));
}

void tst_StorageFront::cleanupTestCase()
{
    m_front.reset();
    m_replicator.reset();
    m_west.reset();
    m_north.reset();
}

void tst_StorageFront::init()
{
    m_statsOverride.reset();
}

QNetworkRequest tst_StorageFront::signedRequest(const QString &path, const QByteArray &query,
    const QByteArray &verb, const QByteArray &key, const QDateTime &at)
{
    QUrl url;
    url.setScheme(QStringLiteral("https"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(m_front->port());
    url.setPath(path, QUrl::TolerantMode);
    url.setQuery(QString::fromLatin1(query));
    QNetworkRequest request(url);
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.addCaCertificates(caOf(*m_pki));
    request.setSslConfiguration(ssl);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    const StorageCredential credential = key.isEmpty()
        ? m_credential
        : *StorageCredential::fromBase64(QStringLiteral("drlabstore"), key);
    sign(request, verb, 0, credential, at);
    return request;
}

HttpAnswer tst_StorageFront::fetch(const QNetworkRequest &request, const QByteArray &verb)
{
    QNetworkReply *reply = m_network->sendCustomRequest(request, verb);
    HttpAnswer answer;
    if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, 10000)) {
        reply->abort();
        answer.error = QNetworkReply::TimeoutError;
    }
    answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    answer.body = reply->readAll();
    answer.error = reply->error();
    for (const auto &[name, value] : reply->rawHeaderPairs())
        answer.headers.insert(name.toLower(), value);
    reply->deleteLater();
    return answer;
}

BlobClient *tst_StorageFront::frontClient(const QByteArray &key)
{
    const StorageCredential credential = key.isEmpty()
        ? m_credential
        : *StorageCredential::fromBase64(QStringLiteral("drlabstore"), key);
    auto *c = new BlobClient(m_network, m_front->secondaryEndpoint(), credential, this);
    c->setCaCertificates(caOf(*m_pki));
    return c;
}

QByteArray tst_StorageFront::rawSignedGet(const QByteArray &target)
{
    QNetworkRequest request(QUrl::fromEncoded("https://127.0.0.1" + target));
    sign(request, "GET", 0, m_credential, QDateTime::currentDateTimeUtc());
    QByteArray out = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const QByteArray &name : request.rawHeaderList()) {
        out += name;
        out += ": ";
        out += request.rawHeader(name);
        out += "\r\n";
    }
    out += "\r\n";
    return out;
}

QByteArray tst_StorageFront::rawExchange(
    quint16 port, const QByteArray &request, int responses, bool *closed, int waitMs)
{
    QSslSocket socket;
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.addCaCertificates(caOf(*m_pki));
    socket.setSslConfiguration(ssl);
    socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
    // Waiting on the event loop: the front answers from this same thread.
    if (!QTest::qWaitFor(
            [&socket] {
                return socket.isEncrypted() || socket.state() == QAbstractSocket::UnconnectedState;
            },
            5000)
        || !socket.isEncrypted())
        return "TEST: no TLS connection: " + socket.errorString().toUtf8();
    socket.write(request);
    QByteArray data;
    *closed = false;
    const bool answered = QTest::qWaitFor(
        [&] {
            data += socket.readAll();
            *closed = socket.state() != QAbstractSocket::ConnectedState;
            return *closed || (responses > 0 && parseResponses(data).size() >= responses);
        },
        waitMs);
    Q_UNUSED(answered) // the caller judges what arrived
    data += socket.readAll();
    return data;
}

void tst_StorageFront::statsInTheServiceShape()
{
    m_statsOverride = GeoReplicationStats { QStringLiteral("live"),
        QDateTime(QDate(2026, 11, 26), QTime(7, 0, 0), Qt::UTC) };
    const HttpAnswer a = fetch(
        signedRequest(QStringLiteral("/drlabstore-secondary"), "restype=service&comp=stats"));
    QCOMPARE(a.status, 200);
    QCOMPARE(a.body,
        QByteArrayLiteral("<?xml version=\"1.0\" "
                          "encoding=\"utf-8\"?><StorageServiceStats><GeoReplication><Status>"
                          "live</Status><LastSyncTime>Thu, 26 Nov 2026 07:00:00 "
                          "GMT</LastSyncTime></GeoReplication>"
                          "</StorageServiceStats>"));
    QCOMPARE(a.headers.value("content-type"), QByteArrayLiteral("application/xml"));
    QCOMPARE(a.headers.value("x-ms-version"), QByteArray(kStorageApiVersion));
    QCOMPARE(a.headers.value("x-ms-request-id").size(), 36);
    QCOMPARE(a.headers.value("server"),
        QByteArrayLiteral("Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0"));
    const QDateTime date = parseHttpDate(a.headers.value("date"));
    QVERIFY(qAbs(date.secsTo(QDateTime::currentDateTimeUtc())) < 60);

    // The client of core/ reads it back.
    BlobClient *c = frontClient();
    const auto stats = await<GeoReplicationStats>([c](auto done) { c->getServiceStats(done); });
    DR_VERIFY_OK(stats);
    QCOMPARE(*stats, *m_statsOverride);
}

void tst_StorageFront::statsAcceptsBothPathForms()
{
    m_statsOverride = GeoReplicationStats { QStringLiteral("unavailable"),
        QDateTime(QDate(2026, 1, 2), QTime(3, 4, 5), Qt::UTC) };
    for (const QString &path : { QStringLiteral("/drlabstore"), QStringLiteral("/drlabstore/"),
             QStringLiteral("/drlabstore-secondary/") }) {
        const HttpAnswer a = fetch(signedRequest(path, "restype=service&comp=stats"));
        QVERIFY2(a.status == 200,
            qPrintable(path + u' ' + QString::number(a.status) + u' ' + QString::fromUtf8(a.body)));
        QVERIFY(a.body.contains("<Status>unavailable</Status><LastSyncTime>Fri, 02 Jan 2026 "
                                "03:04:05 GMT</LastSyncTime>"));
    }
}

void tst_StorageFront::statsDuringBootstrap()
{
    m_statsOverride = GeoReplicationStats { QStringLiteral("bootstrap"), QDateTime() };
    const HttpAnswer a = fetch(
        signedRequest(QStringLiteral("/drlabstore-secondary"), "restype=service&comp=stats"));
    QCOMPARE(a.status, 200);
    QCOMPARE(a.body,
        QByteArrayLiteral("<?xml version=\"1.0\" "
                          "encoding=\"utf-8\"?><StorageServiceStats><GeoReplication><Status>"
                          "bootstrap</Status><LastSyncTime></LastSyncTime></GeoReplication></"
                          "StorageServiceStats>"));
    BlobClient *c = frontClient();
    const auto stats = await<GeoReplicationStats>([c](auto done) { c->getServiceStats(done); });
    DR_VERIFY_OK(stats);
    QCOMPARE(stats->status, QStringLiteral("bootstrap"));
    QVERIFY(!stats->lastSyncTime.isValid());
}

void tst_StorageFront::statsFollowTheReplicator()
{
    QTRY_COMPARE_WITH_TIMEOUT(m_replicator->stats().status, QStringLiteral("live"), 5000);
    BlobClient *c = frontClient();
    auto stats = await<GeoReplicationStats>([c](auto done) { c->getServiceStats(done); });
    DR_VERIFY_OK(stats);
    QCOMPARE(stats->status, QStringLiteral("live"));
    QVERIFY(qAbs(stats->lastSyncTime.secsTo(QDateTime::currentDateTimeUtc())) <= 2);

    // The replication-lag fault shows through the secondary endpoint: Last Sync Time stands
    // still (what was synced stays synced) until it trails by the lag, then trails by it.
    m_replicator->setLagSeconds(2);
    qint64 behind = 0;
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
        stats = await<GeoReplicationStats>([c](auto done) { c->getServiceStats(done); });
        behind = stats ? stats->lastSyncTime.secsTo(QDateTime::currentDateTimeUtc()) : -1;
        return behind >= 2;
    }()),
        5000);
    QTest::qWait(1000);
    stats = await<GeoReplicationStats>([c](auto done) { c->getServiceStats(done); });
    DR_VERIFY_OK(stats);
    behind = stats->lastSyncTime.secsTo(QDateTime::currentDateTimeUtc());
    QVERIFY2(behind >= 2 && behind <= 4, qPrintable(QString::number(behind)));
    QCOMPARE(stats->status, QStringLiteral("live"));
    m_replicator->setLagSeconds(0);
}

void tst_StorageFront::statsNeedValidSharedKey()
{
    m_statsOverride
        = GeoReplicationStats { QStringLiteral("live"), QDateTime::currentDateTimeUtc() };
    const qint64 failuresBefore = m_front->counters().authenticationFailures;
    const HttpAnswer wrongKey = fetch(signedRequest(QStringLiteral("/drlabstore-secondary"),
        "restype=service&comp=stats", "GET", QByteArray(64, 'x').toBase64()));
    QCOMPARE(wrongKey.status, 403);
    QCOMPARE(wrongKey.headers.value("x-ms-error-code"), QByteArrayLiteral("AuthenticationFailed"));
    QCOMPARE(wrongKey.headers.value("content-type"), QByteArrayLiteral("application/xml"));
    const auto body = parseErrorBody(wrongKey.body);
    QVERIFY(body.has_value());
    QCOMPARE(body->code, QStringLiteral("AuthenticationFailed"));
    QCOMPARE(body->message,
        QStringLiteral(
            "Server failed to authenticate the request. Make sure the value of Authorization "
            "header is formed correctly including the signature."));
    QVERIFY2(body->authenticationErrorDetail.contains(QStringLiteral("MAC signature")),
        qPrintable(body->authenticationErrorDetail));
    QVERIFY(wrongKey.body.startsWith(
        "<?xml version=\"1.0\" "
        "encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>"));
    QVERIFY(wrongKey.body.contains(
        QByteArray("\nRequestId:" + wrongKey.headers.value("x-ms-request-id") + "\nTime:")));

    QNetworkRequest unsignedRequest(
        QUrl(QStringLiteral("https://127.0.0.1:%1/drlabstore-secondary?restype=service&comp=stats")
                 .arg(m_front->port())));
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.addCaCertificates(caOf(*m_pki));
    unsignedRequest.setSslConfiguration(ssl);
    QCOMPARE(fetch(unsignedRequest).status, 403);

    const HttpAnswer stale
        = fetch(signedRequest(QStringLiteral("/drlabstore-secondary"), "restype=service&comp=stats",
            "GET", {}, QDateTime::currentDateTimeUtc().addSecs(-20 * 60)));
    QCOMPARE(stale.status, 403);
    QVERIFY(
        parseErrorBody(stale.body)->authenticationErrorDetail.contains(QStringLiteral("too old")));

    BlobClient *c = frontClient(QByteArray(64, 'y').toBase64());
    const auto viaClient = await<GeoReplicationStats>([c](auto done) { c->getServiceStats(done); });
    QVERIFY(!viaClient.has_value());
    QVERIFY2(viaClient.error().startsWith(
                 QStringLiteral("getServiceStats: HTTP 403 AuthenticationFailed: Server failed")),
        qPrintable(viaClient.error()));
    QCOMPARE(m_front->counters().authenticationFailures, failuresBefore + 4);
}

void tst_StorageFront::signedReadsPassThrough()
{
    BlobClient primary(m_network, m_west->endpoint(), m_credential);
    primary.setCaCertificates(caOf(*m_pki));
    DR_VERIFY_OK(
        await<bool>([&](auto done) { primary.createContainer(QStringLiteral("kbase"), done); }));
    const QByteArray data = QByteArrayLiteral("{\"answer\":42}");
    DR_VERIFY_OK(await<WriteResult>([&](auto done) {
        primary.putBlockBlob(QStringLiteral("kbase"), QStringLiteral("faq/answer one.json"), data,
            QStringLiteral("application/json"), done);
    }));

    // Read back through the secondary endpoint until the replicator has copied it.
    BlobClient *c = frontClient();
    std::optional<Blob> copy;
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
        auto r = await<std::optional<Blob>>([&](auto done) {
            c->getBlob(QStringLiteral("kbase"), QStringLiteral("faq/answer one.json"), done);
        });
        if (r && r->has_value())
            copy = **r;
        return copy.has_value();
    }()),
        8000);
    QCOMPARE(copy->data, data);
    QCOMPARE(copy->properties.contentType, QStringLiteral("application/json"));
    QVERIFY(!copy->properties.metadata.value(QLatin1String(Replicator::kSourceEtagKey)).isEmpty());

    const auto props = await<std::optional<BlobItem>>([&](auto done) {
        c->getBlobProperties(QStringLiteral("kbase"), QStringLiteral("faq/answer one.json"), done);
    });
    DR_VERIFY_OK(props);
    QVERIFY(props->has_value());
    QCOMPARE((*props)->contentLength, data.size());
    const auto listed = await<QList<BlobItem>>([&](auto done) {
        c->listAllBlobs(QStringLiteral("kbase"), QStringLiteral("faq/"), true, done);
    });
    DR_VERIFY_OK(listed);
    QCOMPARE(listed->size(), 1);
    const auto containers
        = await<QList<ContainerItem>>([&](auto done) { c->listAllContainers(done); });
    DR_VERIFY_OK(containers);
    QVERIFY(std::any_of(containers->cbegin(), containers->cend(),
        [](const auto &x) { return x.name == u"kbase"; }));
    const auto missing = await<std::optional<Blob>>(
        [&](auto done) { c->getBlob(QStringLiteral("kbase"), QStringLiteral("nope"), done); });
    DR_VERIFY_OK(missing);
    QVERIFY(!missing->has_value());

    // The unsuffixed path works too, and a wrong key is Azurite's to refuse.
    const HttpAnswer direct
        = fetch(signedRequest(QStringLiteral("/drlabstore/kbase/faq/answer%20one.json"), {}));
    QCOMPARE(direct.status, 200);
    QCOMPARE(direct.body, data);
    const HttpAnswer wrong
        = fetch(signedRequest(QStringLiteral("/drlabstore/kbase/faq/answer%20one.json"), {}, "GET",
            QByteArray(64, 'z').toBase64()));
    QCOMPARE(wrong.status, 403);
    QVERIFY(m_front->counters().passedThrough >= 6);
}

void tst_StorageFront::writesAreRefused()
{
    BlobClient *c = frontClient();
    const auto put = await<WriteResult>([&](auto done) {
        c->putBlockBlob(
            QStringLiteral("kbase"), QStringLiteral("intruder.txt"), "x", QString(), done);
    });
    QVERIFY(!put.has_value());
    QCOMPARE(put.error(),
        QStringLiteral(
            "putBlockBlob kbase/intruder.txt: HTTP 403 InsufficientAccountPermissions: Write "
            "operations to the secondary location are not allowed."));
    const auto del = await<bool>([&](auto done) {
        c->deleteBlob(QStringLiteral("kbase"), QStringLiteral("faq/answer one.json"), done);
    });
    QVERIFY(!del.has_value());
    QVERIFY(del.error().contains(QStringLiteral("HTTP 403 InsufficientAccountPermissions")));
    const auto created
        = await<bool>([&](auto done) { c->createContainer(QStringLiteral("newone"), done); });
    QVERIFY(!created.has_value());
    const auto appended = await<WriteResult>([&](auto done) {
        c->appendBlock(QStringLiteral("kbase"), QStringLiteral("log"), QByteArray(200 * 1024, 'a'),
            std::nullopt, done);
    });
    QVERIFY(!appended.has_value());
    QVERIFY2(appended.error().contains(QStringLiteral("HTTP 403 InsufficientAccountPermissions")),
        qPrintable(appended.error()));

    // Nothing reached the replica.
    BlobClient north(m_network, m_north->endpoint(), m_credential);
    north.setCaCertificates(caOf(*m_pki));
    const auto intruder = await<std::optional<Blob>>([&](auto done) {
        north.getBlob(QStringLiteral("kbase"), QStringLiteral("intruder.txt"), done);
    });
    DR_VERIFY_OK(intruder);
    QVERIFY(!intruder->has_value());
    const auto kept = await<std::optional<Blob>>([&](auto done) {
        north.getBlob(QStringLiteral("kbase"), QStringLiteral("faq/answer one.json"), done);
    });
    DR_VERIFY_OK(kept);
    QVERIFY(kept->has_value());
    QVERIFY(m_front->counters().writesRefused >= 4);
}

void tst_StorageFront::keepAliveAndPipelining()
{
    m_statsOverride = GeoReplicationStats { QStringLiteral("live"),
        QDateTime(QDate(2026, 11, 26), QTime(7, 0, 0), Qt::UTC) };
    bool closed = false;
    // Two requests in one write, then one passed through: three answers, in order, one connection.
    const QByteArray stats = rawSignedGet("/drlabstore-secondary?restype=service&comp=stats");
    const QByteArray data = rawExchange(
        m_front->port(), stats + stats + rawSignedGet("/drlabstore?comp=list"), 3, &closed);
    const QList<HttpAnswer> answers = parseResponses(data);
    QVERIFY2(answers.size() == 3,
        QString::fromLatin1(data.left(3000)).replace(u'\r', u' ').toLatin1().constData());
    QCOMPARE(answers.at(0).status, 200);
    QVERIFY(answers.at(0).body.contains("<Status>live</Status>"));
    QCOMPARE(answers.at(1).status, 200);
    QVERIFY(answers.at(1).headers.value("x-ms-request-id")
        != answers.at(0).headers.value("x-ms-request-id"));
    QCOMPARE(answers.at(2).status, 200);
    QVERIFY(answers.at(2).body.contains("<EnumerationResults"));
    QVERIFY(!closed);

    // "Connection: close" is honoured.
    QByteArray closing = stats;
    closing.insert(closing.size() - 2, "Connection: close\r\n");
    const QByteArray last = rawExchange(m_front->port(), closing, 0, &closed);
    QVERIFY(closed);
    QCOMPARE(parseResponses(last).size(), 1);
    QCOMPARE(parseResponses(last).first().headers.value("connection"), QByteArrayLiteral("close"));
}

void tst_StorageFront::limits()
{
    StorageFrontConfig config
        = frontConfig(m_credential, m_north->endpoint(), caOf(*m_pki), m_frontCert);
    config.maxHeaderBytes = 1024;
    config.maxBodyBytes = 100;
    config.idleTimeoutMs = 400;
    config.requestTimeoutMs = 400;
    StorageFront front(config, [] {
        return GeoReplicationStats { QStringLiteral("live"), QDateTime::currentDateTimeUtc() };
    });
    DR_VERIFY_OK(front.listen());
    bool closed = false;

    const QByteArray bigHead
        = "GET /drlabstore HTTP/1.1\r\nX-Filler: " + QByteArray(2000, 'f') + "\r\n\r\n";
    QList<HttpAnswer> a = parseResponses(rawExchange(front.port(), bigHead, 0, &closed));
    QVERIFY(closed);
    QCOMPARE(a.size(), 1);
    QCOMPARE(a.first().status, 431);

    a = parseResponses(rawExchange(front.port(), "HELLO THERE\r\n\r\n", 0, &closed));
    QVERIFY(closed);
    QCOMPARE(a.value(0).status, 400);

    a = parseResponses(rawExchange(
        front.port(), "GET /drlabstore HTTP/1.1\r\nContent-Length: 1000\r\n\r\n", 0, &closed));
    QVERIFY(closed);
    QCOMPARE(a.value(0).status, 413);

    a = parseResponses(rawExchange(front.port(),
        "GET /drlabstore HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, &closed));
    QVERIFY(closed);
    QCOMPARE(a.value(0).status, 411);

    // A write with Expect: 100-continue is refused before its body comes.
    a = parseResponses(rawExchange(front.port(),
        "PUT /drlabstore/kbase/x HTTP/1.1\r\nContent-Length: 50000\r\nExpect: 100-continue\r\n\r\n",
        0, &closed));
    QVERIFY(closed);
    QCOMPARE(a.value(0).status, 403);
    QCOMPARE(a.value(0).headers.value("x-ms-error-code"),
        QByteArrayLiteral("InsufficientAccountPermissions"));

    // Idle, and a request that never finishes: closed after their timeouts.
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(rawExchange(front.port(), QByteArray(), 0, &closed), QByteArray());
    QVERIFY(closed);
    QVERIFY2(timer.elapsed() >= 300 && timer.elapsed() < 3000,
        qPrintable(QString::number(timer.elapsed())));
    timer.restart();
    rawExchange(front.port(), "GET /drlabstore HTTP/1.1\r\nHost: x\r\n", 0, &closed);
    QVERIFY(closed);
    QVERIFY(timer.elapsed() < 3000);
    QVERIFY(front.counters().badRequests >= 4);
}

void tst_StorageFront::upstreamDownOrHung()
{
    StorageFrontConfig config
        = frontConfig(m_credential, m_north->endpoint(), caOf(*m_pki), m_frontCert);
    config.upstreamTimeoutMs = 800;
    StorageFront front(config, [this] { return m_replicator->stats(); });
    DR_VERIFY_OK(front.listen());
    auto *c = new BlobClient(m_network, front.secondaryEndpoint(), m_credential, this);
    c->setCaCertificates(caOf(*m_pki));

    QVERIFY(m_north->pause());
    auto hung = await<QList<ContainerItem>>([c](auto done) { c->listAllContainers(done); });
    QVERIFY(!hung.has_value());
    QVERIFY2(hung.error().startsWith(QStringLiteral("listContainers: HTTP 500 OperationTimedOut")),
        qPrintable(hung.error()));
    // Stats still come from the replicator, which sees the replica hang.
    auto stats = await<GeoReplicationStats>([c](auto done) { c->getServiceStats(done); });
    DR_VERIFY_OK(stats);
    QVERIFY(m_north->resume());

    m_north->stop();
    auto down = await<QList<ContainerItem>>([c](auto done) { c->listAllContainers(done); });
    QVERIFY(!down.has_value());
    QVERIFY2(down.error().startsWith(QStringLiteral("listContainers: HTTP 503 ServerBusy")),
        qPrintable(down.error()));
    QTRY_COMPARE_WITH_TIMEOUT(m_replicator->stats().status, QStringLiteral("unavailable"), 5000);
    stats = await<GeoReplicationStats>([c](auto done) { c->getServiceStats(done); });
    DR_VERIFY_OK(stats);
    QCOMPARE(stats->status, QStringLiteral("unavailable"));
    QVERIFY(stats->lastSyncTime.isValid());
    QVERIFY(front.counters().upstreamFailures >= 2);

    QString error;
    QVERIFY2(m_north->start(&error), qPrintable(error));
    QVERIFY(
        await<QList<ContainerItem>>([c](auto done) { c->listAllContainers(done); }).has_value());
}

QTEST_MAIN(tst_StorageFront)
#include "tst_storagefront.moc"
