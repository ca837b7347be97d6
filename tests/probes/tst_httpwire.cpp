// httpwire: the request the http:// probe sends and the parser of what comes back, without
// sockets. Every response is also fed one byte at a time, since TCP may cut it anywhere.
// (tst_httpprobe sends the same kinds of responses over real sockets.)

#include "probes/httpwire.h"

#include <QTest>

using namespace dr::httpwire;

namespace {

struct Parsed
{
    ResponseParser::State state;
    int status = 0;
    QByteArray body;
    QString error;
};

Parsed parseAll(const QByteArray &bytes, bool eof, qsizetype step, ResponseParser::Limits limits)
{
    ResponseParser p(limits);
    for (qsizetype i = 0; i < bytes.size() && !p.isDone(); i += step)
        p.feed(bytes.constData() + i, qMin(step, bytes.size() - i));
    if (eof)
        p.finishAtEof();
    return Parsed{p.state(), p.status(), p.body(), p.error()};
}

} // namespace

class tst_HttpWire : public QObject
{
    Q_OBJECT

private slots:
    void parse_data();
    void parse();
    void stopsReadingAtTheCap();
    void ignoresBytesAfterTheResponse();
    void request();
    void requestHeadersOverrideAndConnectionIsOurs();
    void requestTargets_data();
    void requestTargets();
    void rejectsHeaderInjection();
    void excerptIsPrintable();
};

void tst_HttpWire::parse_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("eof");           // the server closes after these bytes
    QTest::addColumn<qint64>("maxBody");
    QTest::addColumn<bool>("complete");      // Complete (true) or Failed (false)
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("error");      // contained in the reason

    const qint64 mb = 1024 * 1024;
    QTest::newRow("content-length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello") << false << mb << true << 200 << QByteArray("hello") << QString();
    QTest::newRow("content-length 0") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") << false << mb << true << 200 << QByteArray() << QString();
    QTest::newRow("repeated equal lengths") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok") << false << mb << true << 200 << QByteArray("ok") << QString();
    QTest::newRow("lengths differ") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok") << false << mb << false << 0 << QByteArray() << QStringLiteral("invalid Content-Length");
    QTest::newRow("length not a number") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n") << false << mb << false << 0 << QByteArray() << QStringLiteral("invalid Content-Length \"-1\"");
    QTest::newRow("length over the cap") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n") << false << qint64(10) << false << 0 << QByteArray() << QStringLiteral("response larger than 10 bytes");
    QTest::newRow("length at the cap") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789") << false << qint64(10) << true << 200 << QByteArray("0123456789") << QString();
    QTest::newRow("short body, closed") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") << true << mb << false << 0 << QByteArray() << QStringLiteral("in the middle of the response (3 of 10 body bytes)");
    QTest::newRow("chunked") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;name=value\r\n world\r\n0\r\n\r\n") << false << mb << true << 200 << QByteArray("hello world") << QString();
    QTest::newRow("chunked, upper-case hex, trailers") << QByteArray("HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\nX-Checksum: 1\r\n\r\n") << false << mb << true << 200 << QByteArray("0123456789") << QString();
    QTest::newRow("chunked wins over length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n") << false << mb << true << 200 << QByteArray("ok") << QString();
    QTest::newRow("chunked over the cap") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n") << false << qint64(10) << false << 0 << QByteArray() << QStringLiteral("response larger than 10 bytes");
    QTest::newRow("bad chunk size") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") << false << mb << false << 0 << QByteArray() << QStringLiteral("bad chunk size \"zz\"");
    QTest::newRow("chunk longer than its size") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokay\r\n") << false << mb << false << 0 << QByteArray() << QStringLiteral("longer than its size");
    QTest::newRow("chunked, closed before the end") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n") << true << mb << false << 0 << QByteArray() << QStringLiteral("chunked body not finished");
    QTest::newRow("other coding: to the close") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzipped") << true << mb << true << 200 << QByteArray("zipped") << QString();
    QTest::newRow("no length: to the close") << QByteArray("HTTP/1.1 200 OK\r\n\r\nall of it") << true << mb << true << 200 << QByteArray("all of it") << QString();
    QTest::newRow("no length, over the cap") << QByteArray("HTTP/1.1 200 OK\r\n\r\n0123456789A") << false << qint64(10) << false << 0 << QByteArray() << QStringLiteral("response larger than 10 bytes");
    QTest::newRow("HTTP/1.0 to the close") << QByteArray("HTTP/1.0 200 OK\r\n\r\nold") << true << mb << true << 200 << QByteArray("old") << QString();
    QTest::newRow("HTTP/1.0 with length") << QByteArray("HTTP/1.0 503 Service Unavailable\r\nContent-Length: 4\r\n\r\ndown") << false << mb << true << 503 << QByteArray("down") << QString();
    QTest::newRow("100 continue skipped") << QByteArray("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") << false << mb << true << 200 << QByteArray("ok") << QString();
    QTest::newRow("two interim heads") << QByteArray("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n") << false << mb << true << 204 << QByteArray() << QString();
    QTest::newRow("204 has no body") << QByteArray("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n") << false << mb << true << 204 << QByteArray() << QString();
    QTest::newRow("304 has no body") << QByteArray("HTTP/1.1 304 Not Modified\r\n\r\n") << false << mb << true << 304 << QByteArray() << QString();
    QTest::newRow("no reason phrase") << QByteArray("HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok") << false << mb << true << 200 << QByteArray("ok") << QString();
    QTest::newRow("bare LF") << QByteArray("HTTP/1.1 200 OK\nContent-Length: 2\n\nok") << false << mb << true << 200 << QByteArray("ok") << QString();
    QTest::newRow("folded header, junk line") << QByteArray("HTTP/1.1 200 OK\r\nX-A: 1\r\n  continued\r\nnot a header\r\nContent-Length: 2\r\n\r\nok") << false << mb << true << 200 << QByteArray("ok") << QString();
    QTest::newRow("not HTTP") << QByteArray("SSH-2.0-OpenSSH_9.2p1\r\n") << false << mb << false << 0 << QByteArray() << QStringLiteral("not an HTTP response: \"SSH-2.0-OpenSSH_9.2p1\"");
    QTest::newRow("TLS alert, closed") << QByteArray("\x15\x03\x01\x00\x02\x02\x46", 7) << true << mb << false << 0 << QByteArray() << QStringLiteral("not an HTTP response: \"\\x15\\x03\\x01\\x00\\x02\\x02F\"");
    QTest::newRow("HTTP/2") << QByteArray("HTTP/2 200\r\n\r\n") << false << mb << false << 0 << QByteArray() << QStringLiteral("unsupported HTTP version");
    QTest::newRow("bad status") << QByteArray("HTTP/1.1 2x0 OK\r\n\r\n") << false << mb << false << 0 << QByteArray() << QStringLiteral("malformed HTTP status line \"HTTP/1.1 2x0 OK\"");
    QTest::newRow("four-digit status") << QByteArray("HTTP/1.1 2000 OK\r\n\r\n") << false << mb << false << 0 << QByteArray() << QStringLiteral("malformed HTTP status line");
    QTest::newRow("nothing, closed") << QByteArray() << true << mb << false << 0 << QByteArray() << QStringLiteral("connection closed by the server before a response");
    QTest::newRow("half a head, closed") << QByteArray("HTTP/1.1 200 OK\r\nContent-") << true << mb << false << 0 << QByteArray() << QStringLiteral("connection closed by the server before a response");
}

void tst_HttpWire::parse()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, eof);
    QFETCH(qint64, maxBody);
    QFETCH(bool, complete);
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, error);

    for (qsizetype step : {bytes.size() + 1, qsizetype(1), qsizetype(3)}) {
        const Parsed p = parseAll(bytes, eof, qMax<qsizetype>(step, 1), {64 * 1024, maxBody});
        const QByteArray context = "step " + QByteArray::number(step) + ": " + p.error.toUtf8();
        QVERIFY2(p.state == (complete ? ResponseParser::State::Complete : ResponseParser::State::Failed), context.constData());
        if (complete) {
            QCOMPARE(p.status, status);
            QCOMPARE(p.body, body);
            QVERIFY(p.error.isEmpty());
        } else {
            QVERIFY2(p.error.contains(error), context.constData());
        }
    }
}

void tst_HttpWire::stopsReadingAtTheCap()
{
    // An endless head, and an endless body: each ends at its limit, not at the end of input.
    ResponseParser heads({1024, 1024});
    heads.feed("HTTP/1.1 200 OK\r\n", 17);
    const QByteArray filler = "X-Filler: " + QByteArray(100, 'a') + "\r\n";
    int fed = 0;
    while (!heads.isDone() && fed < 100) {
        heads.feed(filler.constData(), filler.size());
        ++fed;
    }
    QCOMPARE(heads.state(), ResponseParser::State::Failed);
    QCOMPARE(heads.error(), QStringLiteral("response headers larger than 1024 bytes"));
    QVERIFY(fed <= 10);

    // Interim heads count too: a server cannot stream 100 Continue forever.
    ResponseParser interim({1024, 1024});
    fed = 0;
    while (!interim.isDone() && fed < 1000) {
        interim.feed("HTTP/1.1 100 Continue\r\n\r\n", 25);
        ++fed;
    }
    QCOMPARE(interim.error(), QStringLiteral("response headers larger than 1024 bytes"));

    ResponseParser body({1024, 4096});
    body.feed("HTTP/1.1 200 OK\r\n\r\n", 19);
    const QByteArray block(1000, 'b');
    fed = 0;
    while (!body.isDone() && fed < 100) {
        body.feed(block.constData(), block.size());
        ++fed;
    }
    QCOMPARE(body.error(), QStringLiteral("response larger than 4096 bytes"));
    QCOMPARE(fed, 5);
    QVERIFY(body.body().size() <= 4096);
}

void tst_HttpWire::ignoresBytesAfterTheResponse()
{
    ResponseParser p({1024, 1024});
    const QByteArray bytes = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 500 Oops\r\n\r\n";
    QCOMPARE(p.feed(bytes.constData(), bytes.size()), ResponseParser::State::Complete);
    p.feed("more", 4);
    QCOMPARE(p.finishAtEof(), ResponseParser::State::Complete);
    QCOMPARE(p.status(), 200);
    QCOMPARE(p.body(), QByteArray("ok"));
    QCOMPARE(p.httpMinorVersion(), 1);
}

void tst_HttpWire::request()
{
    QString error;
    const QByteArray r = buildGetRequest(QUrl(QStringLiteral("http://127.0.0.1:8080/healthz?deep=1#frag")),
                                         {{"User-Agent", "probe"}, {"X-Tag", "noc"}}, &error);
    QVERIFY(error.isEmpty());
    QCOMPARE(r, QByteArray("GET /healthz?deep=1 HTTP/1.1\r\n"
                           "Host: 127.0.0.1:8080\r\n"
                           "User-Agent: probe\r\n"
                           "X-Tag: noc\r\n"
                           "Connection: close\r\n"
                           "\r\n"));
}

void tst_HttpWire::requestHeadersOverrideAndConnectionIsOurs()
{
    QString error;
    const QByteArray r = buildGetRequest(QUrl(QStringLiteral("http://user:p%40ss@example.org/")),
                                         {{"User-Agent", "default"},
                                          {"connection", "keep-alive"},
                                          {"user-agent", "mine"},
                                          {"HOST", "virtual.example.org"}},
                                         &error);
    QVERIFY(error.isEmpty());
    QCOMPARE(r, QByteArray("GET / HTTP/1.1\r\n"
                           "Authorization: Basic " + QByteArray("user:p@ss").toBase64() + "\r\n"
                           "User-Agent: mine\r\n"
                           "HOST: virtual.example.org\r\n"
                           "Connection: close\r\n"
                           "\r\n"));
}

void tst_HttpWire::requestTargets_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QByteArray>("firstLines");
    QTest::newRow("no path") << QStringLiteral("http://example.org") << QByteArray("GET / HTTP/1.1\r\nHost: example.org\r\n");
    QTest::newRow("query only") << QStringLiteral("http://example.org:80?x=1") << QByteArray("GET /?x=1 HTTP/1.1\r\nHost: example.org\r\n");
    QTest::newRow("encoded path") << QStringLiteral("http://example.org/a b/%C3%A9") << QByteArray("GET /a%20b/%C3%A9 HTTP/1.1\r\nHost: example.org\r\n");
    QTest::newRow("IPv6") << QStringLiteral("http://[::1]:9000/h") << QByteArray("GET /h HTTP/1.1\r\nHost: [::1]:9000\r\n");
    QTest::newRow("IDN") << QStringLiteral("http://bücher.example/") << QByteArray("GET / HTTP/1.1\r\nHost: xn--bcher-kva.example\r\n");
}

void tst_HttpWire::requestTargets()
{
    QFETCH(QString, url);
    QFETCH(QByteArray, firstLines);
    QString error;
    const QByteArray r = buildGetRequest(QUrl(url), {}, &error);
    QVERIFY2(r.startsWith(firstLines), r.constData());
}

void tst_HttpWire::rejectsHeaderInjection()
{
    QString error;
    QVERIFY(buildGetRequest(QUrl(QStringLiteral("http://h/")), {{"X-Key", "secret\r\nX-Evil: 1"}}, &error).isEmpty());
    QVERIFY2(error.contains(QStringLiteral("invalid request header \"X-Key\"")), qPrintable(error));
    QVERIFY2(!error.contains(QStringLiteral("secret")), "a header's value may be a secret: never in a reason");
    error.clear();
    QVERIFY(buildGetRequest(QUrl(QStringLiteral("http://h/")), {{"Bad Name", "v"}}, &error).isEmpty());
    QVERIFY(error.contains(QStringLiteral("\"Bad Name\"")));
}

void tst_HttpWire::excerptIsPrintable()
{
    QCOMPARE(excerpt("a\"b\\\r\n\t\x01"), QStringLiteral("\"a\\\"b\\\\\\r\\n\\t\\x01\""));
    QCOMPARE(excerpt(QByteArray(100, 'x'), 4), QStringLiteral("\"xxxx\"..."));
}

QTEST_GUILESS_MAIN(tst_HttpWire)
#include "tst_httpwire.moc"
