// HttpProbe against real HTTP and HTTPS servers on loopback: every way a health endpoint can
// fail ends in a result with its reason, within the timeout.

#include "probes/httpprobe.h"
#include "probetestutil.h"
#include "testhttpserver.h"
#include "testpki.h"

#include <QTest>

using namespace dr;
using namespace dr::test;

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

QTEST_GUILESS_MAIN(tst_HttpProbe)
#include "tst_httpprobe.moc"
