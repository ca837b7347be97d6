// HttpProbe against real HTTP and HTTPS servers on loopback: every way a health endpoint can
// fail ends in a result with its reason, within the timeout.

#include "probes/httpprobe.h"
#include "probetestutil.h"
#include "testhttpserver.h"
#include "testpki.h"

#include <QHostInfo>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <functional>

using namespace dr;
using namespace dr::test;

namespace {

// A raw HTTP server for what TestHttpServer does not send: chunked bodies cut at odd places,
// HTTP/1.0, interim 1xx heads, bodies that run to the close, malformed and non-HTTP answers,
// floods. Real sockets; the test scripts the bytes. For each connection it reads the request
// head, then calls the script, which writes whatever it likes.
class RawServer : public QObject
{
public:
    using Script = std::function<void(RawServer *, QTcpSocket *)>;

    explicit RawServer(Script script, const QHostAddress &address = QHostAddress::LocalHost)
        : m_script(std::move(script))
        , m_address(address)
    {
        connect(&m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (m_server.hasPendingConnections())
                accept(m_server.nextPendingConnection());
        });
    }

    ~RawServer() override
    {
        // Quietly: no script or bookkeeping may run for a socket torn down with the server.
        m_server.close();
        const auto sockets = m_server.findChildren<QTcpSocket *>();
        for (QTcpSocket *socket : sockets) {
            socket->disconnect(this);
            socket->abort();
        }
    }

    bool listen() { return m_server.listen(m_address); }
    QString url(const QString &path = QStringLiteral("/")) const
    {
        const QString host = m_address.protocol() == QAbstractSocket::IPv6Protocol
                                 ? u'[' + m_address.toString() + u']'
                                 : m_address.toString();
        return QStringLiteral("http://%1:%2%3").arg(host).arg(m_server.serverPort()).arg(path);
    }
    quint16 port() const { return m_server.serverPort(); }
    QList<QByteArray> heads() const { return m_heads; }
    // Connections the client closed (rather than the server): a probe must not leave its
    // socket open once it has its answer.
    int clientCloses() const { return m_clientCloses; }

    // Script steps.
    static void close(QTcpSocket *socket)
    {
        socket->setProperty("serverClosing", true);
        socket->disconnectFromHost();
    }
    // Writes the pieces gapMs apart (each one its own TCP segment), then closes if asked.
    void sendInPieces(QTcpSocket *socket, const QList<QByteArray> &pieces, int gapMs, bool thenClose)
    {
        QPointer<QTcpSocket> guard(socket);
        for (qsizetype i = 0; i <= pieces.size(); ++i) {
            QTimer::singleShot(int(i) * gapMs, this, [guard, pieces, i, thenClose] {
                if (!guard)
                    return;
                if (i < pieces.size()) {
                    guard->write(pieces.at(i));
                    guard->flush();
                } else if (thenClose) {
                    close(guard);
                }
            });
        }
    }
    // Writes `first`, then `filler` again and again (as long as the client reads).
    void flood(QTcpSocket *socket, const QByteArray &first, const QByteArray &filler)
    {
        socket->write(first);
        auto *timer = new QTimer(socket);
        connect(timer, &QTimer::timeout, socket, [socket, filler] {
            if (socket->bytesToWrite() < 64 * 1024)
                socket->write(filler);
        });
        timer->start(1);
    }

private:
    void accept(QTcpSocket *socket)
    {
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            if (!socket->property("serverClosing").toBool())
                ++m_clientCloses;
            socket->deleteLater();
        });
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] {
            if (socket->property("answered").toBool()) {
                socket->readAll();
                return;
            }
            QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
            const qsizetype end = buffer.indexOf("\r\n\r\n");
            if (end < 0) {
                socket->setProperty("buffer", buffer);
                return;
            }
            socket->setProperty("answered", true);
            m_heads.append(buffer.left(end));
            m_script(this, socket);
        });
    }

    QTcpServer m_server;
    Script m_script;
    QHostAddress m_address;
    QList<QByteArray> m_heads;
    int m_clientCloses = 0;
};

// The whole answer at once; the connection stays open unless `thenClose`.
RawServer::Script answer(const QByteArray &bytes, bool thenClose = false)
{
    return [bytes, thenClose](RawServer *, QTcpSocket *socket) {
        socket->write(bytes);
        if (thenClose)
            RawServer::close(socket);
    };
}

} // namespace

class tst_HttpProbe : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void evaluate_data();
    void evaluate();
    void healthyEndpoint();
    void badStatus();
    void jsonFieldMismatch();
    void deadPort();
    void serverThatNeverAnswers();
    void endlessBody();
    void connectionClosedAtOnce();
    void https_data();
    void https();
    void sendsConfiguredHeaders();

    // The http:// client against raw sockets.
    void contentLengthWithoutClose();
    void chunkedInPieces();
    void http10BodyToTheClose();
    void http10WithLength();
    void interimResponsesSkipped();
    void redirectIsAStatus();
    void noContent();
    void notHttp();
    void malformedStatusLine();
    void malformedChunkedBody();
    void headerFlood();
    void bodyCutShort();
    void declaredLengthOverTheCap();
    void stallInTheBody();
    void closedInTheHead();
    void ipv6Literal();
    void dnsName();
    void hostNotFound();
    void requestHead();
    void invalidHeaderFailsCleanly();
    void abortClosesTheConnection();

private:
    std::unique_ptr<TestPki> m_pki;
};

void tst_HttpProbe::initTestCase()
{
    qRegisterMetaType<ProbeResult>();
    m_pki = std::make_unique<TestPki>();
    QVERIFY2(m_pki->isValid(), qPrintable(m_pki->error()));
}

void tst_HttpProbe::evaluate_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("bodyContains");
    QTest::addColumn<QString>("jsonField");
    QTest::addColumn<QString>("jsonEquals");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("detail");

    QTest::newRow("200 plain") << 200 << QByteArray("hi") << QString() << QString() << QString() << true << QStringLiteral("HTTP 200");
    QTest::newRow("204 in range") << 204 << QByteArray() << QString() << QString() << QString() << true << QStringLiteral("HTTP 204");
    QTest::newRow("500") << 500 << QByteArray() << QString() << QString() << QString() << false << QStringLiteral("bad status: HTTP 500");
    QTest::newRow("301 not followed") << 301 << QByteArray() << QString() << QString() << QString() << false << QStringLiteral("bad status: HTTP 301");
    QTest::newRow("body contains") << 200 << QByteArray("all systems go") << QStringLiteral("systems") << QString() << QString() << true << QStringLiteral("HTTP 200");
    QTest::newRow("body lacks") << 200 << QByteArray("maintenance") << QStringLiteral("systems") << QString() << QString() << false << QStringLiteral("does not contain \"systems\"");
    QTest::newRow("json equals") << 200 << QByteArray(R"({"status":"ok"})") << QString() << QStringLiteral("status") << QStringLiteral("ok") << true << QStringLiteral("HTTP 200");
    QTest::newRow("json nested") << 200 << QByteArray(R"({"checks":[{"name":"kb","healthy":true}]})") << QString() << QStringLiteral("checks.0.healthy") << QStringLiteral("true") << true << QStringLiteral("HTTP 200");
    QTest::newRow("json differs") << 200 << QByteArray(R"({"status":"starting"})") << QString() << QStringLiteral("status") << QStringLiteral("ok") << false << QStringLiteral("status is \"starting\", expected \"ok\"");
    QTest::newRow("json missing") << 200 << QByteArray(R"({"state":"ok"})") << QString() << QStringLiteral("status") << QString() << false << QStringLiteral("no JSON field \"status\"");
    QTest::newRow("not json") << 200 << QByteArray("<html>") << QString() << QStringLiteral("status") << QString() << false << QStringLiteral("no JSON field");
}

void tst_HttpProbe::evaluate()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, bodyContains);
    QFETCH(QString, jsonField);
    QFETCH(QString, jsonEquals);
    QFETCH(bool, ok);
    QFETCH(QString, detail);
    ProbeSettings s;
    s.bodyContains = bodyContains;
    s.jsonField = jsonField;
    s.jsonEquals = jsonEquals;
    const ProbeResult r = HttpProbe::evaluate(s, status, body);
    QCOMPARE(r.ok(), ok);
    QVERIFY2(r.detail.contains(detail), qPrintable(r.detail));
    QCOMPARE(r.data.value(QStringLiteral("httpStatus")).toInt(), status);
}

void tst_HttpProbe::healthyEndpoint()
{
    TestHttpServer server;
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(server.url(QStringLiteral("/healthz"))));
    QVERIFY(run.result);
    QVERIFY2(run.result->ok(), qPrintable(run.result->detail));
    QCOMPARE(run.result->detail, QStringLiteral("HTTP 200"));
    QVERIFY(run.result->latencyMs >= 0);
    QVERIFY(run.result->finishedAt.isValid());
    QCOMPARE(server.requestCount(), 1);
    QVERIFY(server.requestHeads().first().startsWith("GET /healthz HTTP/1.1"));
}

void tst_HttpProbe::badStatus()
{
    TestHttpServer server;
    server.setResponse(503, QByteArrayLiteral("{\"status\":\"unavailable\"}"));
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(server.url()));
    QVERIFY(run.result);
    QCOMPARE(run.result->outcome, ProbeResult::Outcome::Failure);
    QCOMPARE(run.result->detail, QStringLiteral("bad status: HTTP 503"));
}

void tst_HttpProbe::jsonFieldMismatch()
{
    TestHttpServer server;
    server.setResponse(200, QByteArrayLiteral("{\"status\":\"degraded\"}"));
    QVERIFY(server.listen());
    ProbeTarget t = httpTarget(server.url());
    t.settings.jsonField = QStringLiteral("status");
    t.settings.jsonEquals = QStringLiteral("ok");
    const ProbeRun run = runProbe(t);
    QVERIFY(run.result);
    QVERIFY(!run.result->ok());
    QVERIFY2(run.result->detail.contains(QStringLiteral("\"degraded\"")), qPrintable(run.result->detail));
}

void tst_HttpProbe::deadPort()
{
    const ProbeRun run = runProbe(httpTarget(QStringLiteral("http://127.0.0.1:%1/").arg(dr::test::deadPort())));
    QVERIFY(run.result);
    QCOMPARE(run.result->outcome, ProbeResult::Outcome::Failure);
    QCOMPARE(run.result->detail, QStringLiteral("connection refused"));
    QVERIFY(run.elapsedMs < 2000);
}

void tst_HttpProbe::serverThatNeverAnswers()
{
    TestHttpServer server;
    server.setBehaviour(TestHttpServer::Behaviour::NeverAnswer);
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(server.url(), 700));
    QVERIFY(run.result);
    QCOMPARE(run.result->outcome, ProbeResult::Outcome::Failure);
    QCOMPARE(run.result->detail, QStringLiteral("timed out after 700 ms"));
    QVERIFY2(run.elapsedMs >= 650 && run.elapsedMs < 2000, qPrintable(QString::number(run.elapsedMs)));
}

void tst_HttpProbe::endlessBody()
{
    TestHttpServer server;
    server.setBehaviour(TestHttpServer::Behaviour::EndlessBody);
    QVERIFY(server.listen());
    ProbeTarget t = httpTarget(server.url(), 5000);
    t.settings.maxResponseBytes = 64 * 1024;
    const ProbeRun run = runProbe(t);
    QVERIFY(run.result);
    QCOMPARE(run.result->outcome, ProbeResult::Outcome::Failure);
    QCOMPARE(run.result->detail, QStringLiteral("response larger than 65536 bytes"));
    QVERIFY2(run.elapsedMs < 5000, "the size cap, not the timeout, must end an endless body");
}

void tst_HttpProbe::connectionClosedAtOnce()
{
    TestHttpServer server;
    server.setBehaviour(TestHttpServer::Behaviour::CloseAtOnce);
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(server.url()));
    QVERIFY(run.result);
    QCOMPARE(run.result->outcome, ProbeResult::Outcome::Failure);
    QVERIFY2(run.result->detail.contains(QStringLiteral("closed")), qPrintable(run.result->detail));
}

void tst_HttpProbe::https_data()
{
    QTest::addColumn<QString>("certificate"); // valid, expired, wronghost, selfsigned
    QTest::addColumn<bool>("trustCa");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("detail");

    QTest::newRow("valid, CA trusted") << QStringLiteral("valid") << true << true << QStringLiteral("HTTP 200");
    QTest::newRow("valid, CA not trusted") << QStringLiteral("valid") << false << false << QStringLiteral("TLS error");
    QTest::newRow("expired") << QStringLiteral("expired") << true << false << QStringLiteral("expired");
    QTest::newRow("wrong host") << QStringLiteral("wronghost") << true << false << QStringLiteral("host name");
    QTest::newRow("self-signed") << QStringLiteral("selfsigned") << true << false << QStringLiteral("self-signed");
}

void tst_HttpProbe::https()
{
    QFETCH(QString, certificate);
    QFETCH(bool, trustCa);
    QFETCH(bool, ok);
    QFETCH(QString, detail);

    const QDateTime now = QDateTime::currentDateTimeUtc();
    IssuedCertificate issued;
    if (certificate == u"valid")
        issued = m_pki->issueForDays(QStringLiteral("https-valid"), 90);
    else if (certificate == u"expired")
        issued = m_pki->issue(QStringLiteral("https-expired"), TestPki::defaultNames(), now.addDays(-60), now.addDays(-1));
    else if (certificate == u"wronghost")
        issued = m_pki->issue(QStringLiteral("https-wronghost"), {QStringLiteral("DNS:bot.example.org")}, now.addDays(-1), now.addDays(90));
    else
        issued = m_pki->issue(QStringLiteral("https-selfsigned"), TestPki::defaultNames(), now.addDays(-1), now.addDays(90), true);
    QVERIFY2(!issued.certPath.isEmpty(), qPrintable(m_pki->error()));

    TestHttpServer server;
    server.setTls({issued.certificate()}, issued.key());
    QVERIFY(server.listen());
    const QList<QSslCertificate> cas = trustCa ? QSslCertificate::fromPath(m_pki->caCertPath()) : QList<QSslCertificate>();
    const ProbeRun run = runProbe(httpTarget(server.url()), cas);
    QVERIFY(run.result);
    QCOMPARE(run.result->ok(), ok);
    QVERIFY2(run.result->detail.contains(detail, Qt::CaseInsensitive), qPrintable(run.result->detail));
}

void tst_HttpProbe::sendsConfiguredHeaders()
{
    TestHttpServer server;
    QVERIFY(server.listen());
    ProbeTarget t = httpTarget(server.url());
    t.settings.headers.insert(QStringLiteral("X-Probe-Tag"), HeaderValue{QStringLiteral("noc"), std::nullopt});
    const ProbeRun run = runProbe(t);
    QVERIFY(run.result && run.result->ok());
    QVERIFY(server.requestHeads().first().contains("X-Probe-Tag: noc"));
}

void tst_HttpProbe::contentLengthWithoutClose()
{
    // The server keeps the connection open: the length ends the answer, and the probe closes.
    RawServer server(answer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nall systems go"));
    QVERIFY(server.listen());
    ProbeTarget t = httpTarget(server.url(QStringLiteral("/healthz")), 5000);
    t.settings.bodyContains = QStringLiteral("systems go");
    const ProbeRun run = runProbe(t);
    QVERIFY(run.result);
    QVERIFY2(run.result->ok(), qPrintable(run.result->detail));
    QCOMPARE(run.result->detail, QStringLiteral("HTTP 200"));
    QCOMPARE(run.result->data.value(QStringLiteral("httpStatus")).toInt(), 200);
    QCOMPARE(run.result->data.value(QStringLiteral("url")).toString(), server.url(QStringLiteral("/healthz")));
    QVERIFY2(run.elapsedMs < 2000, "must not wait for the server to close");
    QTRY_COMPARE(server.clientCloses(), 1);
}

void tst_HttpProbe::chunkedInPieces()
{
    // Chunk boundaries, size lines and CRLFs split across TCP segments.
    RawServer server([](RawServer *self, QTcpSocket *socket) {
        self->sendInPieces(socket,
                           {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-",
                            "Encoding: chunked\r\n\r\n7\r\n{\"st", "atu\r", "\n8;ext=1\r", "\ns\":\"ok\"}\r\n0",
                            "\r\nX-Trailer: done\r\n", "\r\n"},
                           20, false);
    });
    QVERIFY(server.listen());
    ProbeTarget t = httpTarget(server.url(), 5000);
    t.settings.jsonField = QStringLiteral("status");
    t.settings.jsonEquals = QStringLiteral("ok");
    const ProbeRun run = runProbe(t);
    QVERIFY(run.result);
    QVERIFY2(run.result->ok(), qPrintable(run.result->detail));
    QTRY_COMPARE(server.clientCloses(), 1);
}

void tst_HttpProbe::http10BodyToTheClose()
{
    RawServer server([](RawServer *self, QTcpSocket *socket) {
        self->sendInPieces(socket, {"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall ", "systems go"}, 30, true);
    });
    QVERIFY(server.listen());
    ProbeTarget t = httpTarget(server.url(), 5000);
    t.settings.bodyContains = QStringLiteral("all systems go");
    const ProbeRun run = runProbe(t);
    QVERIFY(run.result);
    QVERIFY2(run.result->ok(), qPrintable(run.result->detail));
}

void tst_HttpProbe::http10WithLength()
{
    RawServer server(answer("HTTP/1.0 503 Service Unavailable\r\nContent-Length: 11\r\n\r\nmaintenance"));
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(server.url(), 5000));
    QVERIFY(run.result);
    QCOMPARE(run.result->detail, QStringLiteral("bad status: HTTP 503"));
    QVERIFY(run.elapsedMs < 2000);
}

void tst_HttpProbe::interimResponsesSkipped()
{
    RawServer server([](RawServer *self, QTcpSocket *socket) {
        self->sendInPieces(socket,
                           {"HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n",
                            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
                           20, false);
    });
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(server.url(), 5000));
    QVERIFY(run.result);
    QCOMPARE(run.result->detail, QStringLiteral("HTTP 200"));
}

void tst_HttpProbe::redirectIsAStatus()
{
    RawServer server(answer("HTTP/1.1 301 Moved Permanently\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n"));
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(server.url(), 5000));
    QVERIFY(run.result);
    QCOMPARE(run.result->detail, QStringLiteral("bad status: HTTP 301"));
    QTest::qWait(50);
    QCOMPARE(server.heads().size(), 1); // not followed

    ProbeTarget accepting = httpTarget(server.url(), 5000);
    accepting.settings.expectStatus = {StatusRange{200, 399}};
    const ProbeRun ok = runProbe(accepting);
    QVERIFY(ok.result);
    QVERIFY2(ok.result->ok(), qPrintable(ok.result->detail));
}

void tst_HttpProbe::noContent()
{
    // 204 has no body whatever its headers claim: the answer is complete after the head.
    RawServer server(answer("HTTP/1.1 204 No Content\r\nContent-Length: 100\r\n\r\n"));
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(server.url(), 5000));
    QVERIFY(run.result);
    QCOMPARE(run.result->detail, QStringLiteral("HTTP 204"));
    QVERIFY(run.elapsedMs < 2000);
}

void tst_HttpProbe::notHttp()
{
    // An SSH port: the banner is enough to tell, no need to wait for the timeout.
    RawServer server(answer("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"));
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(server.url(), 5000));
    QVERIFY(run.result);
    QCOMPARE(run.result->detail, QStringLiteral("not an HTTP response: \"SSH-2.0-OpenSSH_9.2p1 Debian-2\""));
    QVERIFY(run.elapsedMs < 2000);
}

void tst_HttpProbe::malformedStatusLine()
{
    RawServer server(answer("HTTP/1.1 OK\r\nContent-Length: 0\r\n\r\n"));
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(server.url(), 5000));
    QVERIFY(run.result);
    QCOMPARE(run.result->outcome, ProbeResult::Outcome::Failure);
    QCOMPARE(run.result->detail, QStringLiteral("malformed HTTP status line \"HTTP/1.1 OK\""));
}

void tst_HttpProbe::malformedChunkedBody()
{
    RawServer server(answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nnot-hex\r\n"));
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(server.url(), 5000));
    QVERIFY(run.result);
    QCOMPARE(run.result->detail, QStringLiteral("malformed chunked body: bad chunk size \"not-hex\""));
}

void tst_HttpProbe::headerFlood()
{
    RawServer server([](RawServer *self, QTcpSocket *socket) {
        self->flood(socket, "HTTP/1.1 200 OK\r\n", "X-Filler: " + QByteArray(1000, 'a') + "\r\n");
    });
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(server.url(), 5000));
    QVERIFY(run.result);
    QCOMPARE(run.result->detail, QStringLiteral("response headers larger than %1 bytes").arg(HttpProbe::maxResponseHeadBytes));
    QVERIFY2(run.elapsedMs < 5000, "the head limit, not the timeout, must end a flood");
}

void tst_HttpProbe::bodyCutShort()
{
    RawServer server(answer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", true));
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(server.url(), 5000));
    QVERIFY(run.result);
    QCOMPARE(run.result->outcome, ProbeResult::Outcome::Failure);
    QCOMPARE(run.result->detail,
             QStringLiteral("connection closed by the server in the middle of the response (10 of 100 body bytes)"));
}

void tst_HttpProbe::declaredLengthOverTheCap()
{
    // Refused on the head alone: nothing of the body is read.
    RawServer server(answer("HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n"));
    QVERIFY(server.listen());
    ProbeTarget t = httpTarget(server.url(), 5000);
    t.settings.maxResponseBytes = 4096;
    const ProbeRun run = runProbe(t);
    QVERIFY(run.result);
    QCOMPARE(run.result->detail, QStringLiteral("response larger than 4096 bytes"));
    QVERIFY(run.elapsedMs < 2000);
}

void tst_HttpProbe::stallInTheBody()
{
    RawServer server(answer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nstarted, then"));
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(server.url(), 500));
    QVERIFY(run.result);
    QCOMPARE(run.result->detail, QStringLiteral("timed out after 500 ms"));
    QVERIFY2(run.elapsedMs >= 450 && run.elapsedMs < 2000, qPrintable(QString::number(run.elapsedMs)));
    QTRY_COMPARE(server.clientCloses(), 1);
}

void tst_HttpProbe::closedInTheHead()
{
    RawServer server(answer("HTTP/1.1 200 OK\r\nContent-Ty", true));
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(server.url(), 5000));
    QVERIFY(run.result);
    QCOMPARE(run.result->detail, QStringLiteral("connection closed by the server before a response"));
}

void tst_HttpProbe::ipv6Literal()
{
    RawServer server(answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), QHostAddress::LocalHostIPv6);
    if (!server.listen())
        QSKIP("no IPv6 loopback on this machine");
    const ProbeRun run = runProbe(httpTarget(server.url(QStringLiteral("/v6")), 5000));
    QVERIFY(run.result);
    QVERIFY2(run.result->ok(), qPrintable(run.result->detail));
    QVERIFY2(server.heads().first().contains(QByteArray("\r\nHost: [::1]:" + QByteArray::number(server.port()))),
             server.heads().first().constData());
}

void tst_HttpProbe::dnsName()
{
    // "localhost" goes through the resolver (asynchronously) and may yield ::1 first, where
    // nothing listens: every address is tried in turn.
    if (QHostInfo::fromName(QStringLiteral("localhost")).addresses().isEmpty())
        QSKIP("localhost does not resolve on this machine");
    RawServer server(answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(httpTarget(QStringLiteral("http://localhost:%1/").arg(server.port()), 5000));
    QVERIFY(run.result);
    QVERIFY2(run.result->ok(), qPrintable(run.result->detail));
    QVERIFY(server.heads().first().contains(QByteArray("\r\nHost: localhost:" + QByteArray::number(server.port()))));
}

void tst_HttpProbe::hostNotFound()
{
    // .invalid never resolves (RFC 6761).
    const ProbeRun run = runProbe(httpTarget(QStringLiteral("http://no-such-host.invalid/"), 10000));
    QVERIFY(run.result);
    if (run.result->detail.startsWith(QStringLiteral("timed out")))
        QSKIP("this machine's resolver does not answer (no DNS server reachable)");
    QCOMPARE(run.result->detail, QStringLiteral("host not found: no-such-host.invalid"));
}

void tst_HttpProbe::requestHead()
{
    RawServer server(answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    QVERIFY(server.listen());
    ProbeTarget t = httpTarget(server.url(QStringLiteral("/health?deep=1")), 5000);
    t.settings.headers.insert(QStringLiteral("X-Probe-Tag"), HeaderValue{QStringLiteral("noc"), std::nullopt});
    t.settings.headers.insert(QStringLiteral("Accept"), HeaderValue{QStringLiteral("text/plain"), std::nullopt});
    t.settings.headers.insert(QStringLiteral("Connection"), HeaderValue{QStringLiteral("keep-alive"), std::nullopt});
    t.secretHeaders.insert("Authorization", "Bearer s3cr3t");
    const ProbeRun run = runProbe(t);
    QVERIFY(run.result && run.result->ok());
    const QByteArray head = server.heads().first();
    const QList<QByteArray> lines = head.split('\n');
    QCOMPARE(lines.first(), QByteArray("GET /health?deep=1 HTTP/1.1\r"));
    QVERIFY2(head.contains(QByteArray("\r\nHost: 127.0.0.1:" + QByteArray::number(server.port()) + "\r\n")), head.constData());
    QVERIFY2(head.contains("\r\nUser-Agent: DRConsole/" DR_VERSION " probe\r\n"), head.constData());
    QVERIFY2(head.contains("\r\nAccept: text/plain\r\n"), head.constData()); // the profile's, not the default
    QCOMPARE(head.count("Accept:"), 1);
    QVERIFY2(head.contains("\r\nX-Probe-Tag: noc\r\n"), head.constData());
    QVERIFY2(head.contains("\r\nAuthorization: Bearer s3cr3t\r\n"), head.constData());
    // One request per connection, whatever the profile says.
    QVERIFY2(head.endsWith("\r\nConnection: close"), head.constData());
    QCOMPARE(head.count("Connection:"), 1);
}

void tst_HttpProbe::invalidHeaderFailsCleanly()
{
    RawServer server(answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    QVERIFY(server.listen());
    ProbeTarget t = httpTarget(server.url(), 5000);
    t.secretHeaders.insert("X-Api-Key", "k3y\r\nX-Injected: 1");
    const ProbeRun run = runProbe(t);
    QVERIFY(run.result);
    QCOMPARE(run.result->outcome, ProbeResult::Outcome::Failure);
    QVERIFY2(run.result->detail.startsWith(QStringLiteral("invalid request header \"X-Api-Key\"")), qPrintable(run.result->detail));
    QVERIFY(!run.result->detail.contains(QStringLiteral("k3y")));
    QTest::qWait(50);
    QCOMPARE(server.heads().size(), 0); // nothing was sent
}

void tst_HttpProbe::abortClosesTheConnection()
{
    RawServer server([](RawServer *, QTcpSocket *) {}); // reads the request, says nothing
    QVERIFY(server.listen());
    QNetworkAccessManager network;
    HttpProbe probe(httpTarget(server.url(), 5000), ProbeContext{&network, Clock::system(), {}});
    QSignalSpy spy(&probe, &Probe::finished);
    probe.start();
    QTRY_COMPARE(server.heads().size(), 1);
    probe.abort();
    QTRY_COMPARE(server.clientCloses(), 1);
    QTest::qWait(100);
    QCOMPARE(spy.count(), 0);
}

QTEST_GUILESS_MAIN(tst_HttpProbe)
#include "tst_httpprobe.moc"
