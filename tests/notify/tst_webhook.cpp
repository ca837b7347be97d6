// Webhook: posts {"text": ...} to a real local HTTP server; retries with backoff on errors
// worth retrying, gives up at once on the others, times out on a slow server, reports a dead
// one, and never lets the URL (a secret) into what it reports.

#include "notify/webhook.h"

#include "testhttpserver.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using namespace dr;
using dr::test::TestHttpServer;

namespace {

// The secret part of a webhook URL, as Teams and Slack put it in the path.
const QString kSecretPath = QStringLiteral("/webhookb2/s3cr3t-token-XYZ");

Webhook::Options fast(int timeoutMs = 2000, int attempts = 3)
{
    Webhook::Options o;
    o.timeoutMs = timeoutMs;
    o.maxAttempts = attempts;
    o.backoffMs = 50;
    return o;
}

} // namespace

class tst_Webhook : public QObject
{
    Q_OBJECT

private slots:
    void payloadIsTeamsAndSlackShaped();
    void delivers();
    void retriesServerErrors();
    void clientErrorIsFinal();
    void deadServer();
    void slowServerTimesOut();
    void invalidUrl();
    void sendDoesNotBlock();
};

void tst_Webhook::payloadIsTeamsAndSlackShaped()
{
    const QByteArray body = Webhook::payload(QStringLiteral("Bot API is down: \"quoted\"\nnext line"));
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    QVERIFY(doc.isObject());
    QCOMPARE(doc.object().size(), 1);
    QCOMPARE(doc.object().value(QStringLiteral("text")).toString(), QStringLiteral("Bot API is down: \"quoted\"\nnext line"));
}

void tst_Webhook::delivers()
{
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setResponse(200, "1", "text/plain");
    QNetworkAccessManager network;
    Webhook hook(&network, QUrl(server.url(kSecretPath)), fast());
    QSignalSpy finished(&hook, &Webhook::finished);
    const quint64 id = hook.send(QStringLiteral("hello"));
    QVERIFY(finished.wait(5000));
    QCOMPARE(finished.first().at(0).toULongLong(), id);
    QVERIFY(finished.first().at(1).toBool());
    QCOMPARE(server.requestCount(), 1);
    const QByteArray head = server.requestHeads().first();
    const QByteArray requestLine = QByteArray("POST ") + kSecretPath.toUtf8() + QByteArray(" HTTP/1.1");
    QVERIFY2(head.startsWith(requestLine), head.constData());
    QVERIFY2(head.toLower().contains("content-type: application/json"), head.constData());
    QCOMPARE(hook.inFlight(), 0);
}

void tst_Webhook::retriesServerErrors()
{
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setResponse(503, "busy", "text/plain");
    QNetworkAccessManager network;
    Webhook hook(&network, QUrl(server.url(kSecretPath)), fast(2000, 3));
    QSignalSpy finished(&hook, &Webhook::finished);
    hook.send(QStringLiteral("hello"));
    QVERIFY(finished.wait(10000));
    QCOMPARE(server.requestCount(), 3);
    QVERIFY(!finished.first().at(1).toBool());
    const QString detail = finished.first().at(2).toString();
    QCOMPARE(detail, QStringLiteral("HTTP 503 (after 3 attempts)"));
}

void tst_Webhook::clientErrorIsFinal()
{
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setResponse(404, "no such webhook", "text/plain");
    QNetworkAccessManager network;
    Webhook hook(&network, QUrl(server.url(kSecretPath)), fast());
    QSignalSpy finished(&hook, &Webhook::finished);
    hook.send(QStringLiteral("hello"));
    QVERIFY(finished.wait(5000));
    QCOMPARE(server.requestCount(), 1);
    QCOMPARE(finished.first().at(2).toString(), QStringLiteral("HTTP 404 (after 1 attempt)"));
}

void tst_Webhook::deadServer()
{
    QNetworkAccessManager network;
    const QUrl url(QStringLiteral("http://127.0.0.1:%1%2").arg(test::deadPort()).arg(kSecretPath));
    Webhook hook(&network, url, fast(2000, 2));
    QSignalSpy finished(&hook, &Webhook::finished);
    hook.send(QStringLiteral("hello"));
    QVERIFY(finished.wait(10000));
    QVERIFY(!finished.first().at(1).toBool());
    const QString detail = finished.first().at(2).toString();
    QCOMPARE(detail, QStringLiteral("connection refused (after 2 attempts)"));
    QVERIFY(!detail.contains(QStringLiteral("s3cr3t")));
}

void tst_Webhook::slowServerTimesOut()
{
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setDelayMs(3000);
    QNetworkAccessManager network;
    Webhook hook(&network, QUrl(server.url(kSecretPath)), fast(300, 2));
    QSignalSpy finished(&hook, &Webhook::finished);
    QElapsedTimer timer;
    timer.start();
    hook.send(QStringLiteral("hello"));
    QVERIFY(finished.wait(10000));
    QVERIFY2(timer.elapsed() < 2500, "the timeout did not cut the slow server off");
    QVERIFY(!finished.first().at(1).toBool());
    const QString detail = finished.first().at(2).toString();
    QCOMPARE(detail, QStringLiteral("no answer within 0.3 s (after 2 attempts)"));
    QCOMPARE(server.requestCount(), 2);
}

void tst_Webhook::invalidUrl()
{
    QNetworkAccessManager network;
    Webhook hook(&network, QUrl(QStringLiteral("ftp://example.org/s3cr3t")), fast());
    QSignalSpy finished(&hook, &Webhook::finished);
    hook.send(QStringLiteral("hello"));
    QCOMPARE(finished.size(), 0); // never from within send()
    QVERIFY(finished.wait(2000));
    QVERIFY(!finished.first().at(1).toBool());
    QVERIFY(!finished.first().at(2).toString().contains(QStringLiteral("s3cr3t")));
}

void tst_Webhook::sendDoesNotBlock()
{
    // A server that never answers: send() still returns at once, and several posts are in
    // flight together.
    TestHttpServer server;
    QVERIFY(server.listen());
    server.setBehaviour(TestHttpServer::Behaviour::NeverAnswer);
    QNetworkAccessManager network;
    Webhook hook(&network, QUrl(server.url(kSecretPath)), fast(500, 1));
    QSignalSpy finished(&hook, &Webhook::finished);
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 3; ++i)
        hook.send(QStringLiteral("hello %1").arg(i));
    QVERIFY(timer.elapsed() < 200);
    QCOMPARE(hook.inFlight(), 3);
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 3, 5000);
    QCOMPARE(hook.inFlight(), 0);
}

QTEST_GUILESS_MAIN(tst_Webhook)
#include "tst_webhook.moc"
