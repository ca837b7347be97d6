// Shared Key signing against the examples of Microsoft's "Authorize with Shared Key" page:
// its string-to-sign, canonicalized-headers and canonicalized-resource examples byte for byte,
// and HMAC known answers computed independently (Python's hmac) over those strings with the
// storage emulator's published account key. Then sign() and verify() agree with each other and
// refuse what the service refuses.

#include "azure/httpdate.h"
#include "azure/sharedkey.h"

#include <QLocale>
#include <QNetworkRequest>
#include <QTest>

using namespace dr;
using namespace dr::azure;

namespace {

// The storage emulator's well-known devstoreaccount1 key (public, in Microsoft's docs).
const QByteArray kEmulatorKey = QByteArrayLiteral(
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==");

QDateTime at(int y, int mo, int d, int h, int mi, int s)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi, s), Qt::UTC);
}

StorageCredential credential(const QString &account = QStringLiteral("myaccount"))
{
    return *StorageCredential::fromBase64(account, kEmulatorKey);
}

RawHeaders headersOf(const QNetworkRequest &request)
{
    RawHeaders out;
    for (const QByteArray &name : request.rawHeaderList())
        out.append({ name, request.rawHeader(name) });
    return out;
}

} // namespace

class tst_SharedKey : public QObject
{
    Q_OBJECT

private slots:
    void credentialFromBase64();
    void httpDates();
    void httpDatesIgnoreLocale();
    void canonicalizedHeaders_data();
    void canonicalizedHeaders();
    void canonicalizedResource_data();
    void canonicalizedResource();
    void stringToSignDocumentedExamples();
    void signatureKnownAnswers();
    void signMatchesDocumentedExample();
    void signSetsHeaders();
    void verifyAcceptsWhatSignSigns();
    void verifyAcceptsSecondaryForms();
    void verifyRefuses_data();
    void verifyRefuses();
};

void tst_SharedKey::credentialFromBase64()
{
    const auto ok = StorageCredential::fromBase64(QStringLiteral("acct"), kEmulatorKey);
    QVERIFY(ok.has_value());
    QCOMPARE(ok->accountName, QStringLiteral("acct"));
    QCOMPARE(ok->key.size(), 64);
    QVERIFY(ok->isValid());

    const auto bad = StorageCredential::fromBase64(
        QStringLiteral("acct"), QByteArrayLiteral("not base64 at all!"));
    QVERIFY(!bad.has_value());
    QVERIFY(bad.error().contains(QStringLiteral("acct")));
    QVERIFY(!bad.error().contains(QStringLiteral("not base64 at all")));
    QVERIFY(!StorageCredential::fromBase64(QString(), kEmulatorKey).has_value());
    QVERIFY(!StorageCredential::fromBase64(QStringLiteral("acct"), QByteArray()).has_value());
}

void tst_SharedKey::httpDates()
{
    QCOMPARE(
        httpDate(at(2009, 10, 11, 21, 49, 13)), QByteArrayLiteral("Sun, 11 Oct 2009 21:49:13 GMT"));
    QCOMPARE(
        httpDate(at(2026, 11, 26, 7, 0, 0)), QByteArrayLiteral("Thu, 26 Nov 2026 07:00:00 GMT"));
    QCOMPARE(httpDate(QDateTime()), QByteArray());
    QCOMPARE(parseHttpDate("Sun, 11 Oct 2009 21:49:13 GMT"), at(2009, 10, 11, 21, 49, 13));
    QCOMPARE(parseHttpDate("  Fri, 26 Jun 2015 23:39:12 GMT "), at(2015, 6, 26, 23, 39, 12));
    QVERIFY(!parseHttpDate("").isValid());
    QVERIFY(!parseHttpDate("2015-06-26T23:39:12Z").isValid());
    QVERIFY(!parseHttpDate("Fri, 31 Jun 2015 23:39:12 GMT").isValid());
    QVERIFY(!parseHttpDate("Fri, 26 Jux 2015 23:39:12 GMT").isValid());
    QVERIFY(!parseHttpDate("Fri, 26 Jun 2015 25:39:12 GMT").isValid());
    QVERIFY(!parseHttpDate("Fri, 26 Jun 2015 23:39:12 CET").isValid());
    // Time zones other than UTC come out in GMT.
    const QDateTime plusTwo(QDate(2026, 11, 26), QTime(9, 0), Qt::OffsetFromUTC, 7200);
    QCOMPARE(httpDate(plusTwo), QByteArrayLiteral("Thu, 26 Nov 2026 07:00:00 GMT"));
}

void tst_SharedKey::httpDatesIgnoreLocale()
{
    const QLocale before;
    QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
    const QByteArray formatted = httpDate(at(2026, 3, 1, 12, 0, 0));
    QLocale::setDefault(before);
    QCOMPARE(formatted, QByteArrayLiteral("Sun, 01 Mar 2026 12:00:00 GMT"));
}

void tst_SharedKey::canonicalizedHeaders_data()
{
    QTest::addColumn<RawHeaders>("headers");
    QTest::addColumn<QByteArray>("expected");

    // The documentation's example.
    QTest::newRow("documented") << RawHeaders {
        { "x-ms-version", "2014-02-14" }, { "x-ms-date", "Sat, 21 Feb 2015 00:48:38 GMT" }
    } << QByteArrayLiteral("x-ms-date:Sat, 21 Feb 2015 00:48:38 GMT\nx-ms-version:2014-02-14\n");
    QTest::newRow("lower-cased, sorted, others left out")
        << RawHeaders { { "X-MS-Meta-Zeta", "z" }, { "Content-Type", "text/plain" },
               { "x-ms-blob-type", "BlockBlob" }, { "X-Ms-Meta-Alpha", "a" },
               { "Authorization", "SharedKey a:b" } }
        << QByteArrayLiteral("x-ms-blob-type:BlockBlob\nx-ms-meta-alpha:a\nx-ms-meta-zeta:z\n");
    QTest::newRow("whitespace folded, trimmed")
        << RawHeaders { { "x-ms-meta-a", "  one   two\t three  " } }
        << QByteArrayLiteral("x-ms-meta-a:one two three\n");
    QTest::newRow("quoted whitespace kept")
        << RawHeaders { { "x-ms-meta-a", "say  \"two  spaces\"  done" } }
        << QByteArrayLiteral("x-ms-meta-a:say \"two  spaces\" done\n");
    QTest::newRow("empty value kept (2016-05-31 and later)")
        << RawHeaders { { "x-ms-meta-empty", "" } } << QByteArrayLiteral("x-ms-meta-empty:\n");
    QTest::newRow("bytewise order")
        << RawHeaders { { "x-ms-meta-b", "1" }, { "x-ms-meta-a_b", "2" }, { "x-ms-meta-a1", "3" } }
        << QByteArrayLiteral("x-ms-meta-a1:3\nx-ms-meta-a_b:2\nx-ms-meta-b:1\n");
    QTest::newRow("none") << RawHeaders { { "Content-Length", "10" } } << QByteArray();
}

void tst_SharedKey::canonicalizedHeaders()
{
    QFETCH(RawHeaders, headers);
    QFETCH(QByteArray, expected);
    QCOMPARE(dr::azure::canonicalizedHeaders(headers), expected);
}

void tst_SharedKey::canonicalizedResource_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("account");
    QTest::addColumn<QByteArray>("expected");

    // The documentation's three examples.
    QTest::newRow("Get Container Metadata")
        << QStringLiteral("https://myaccount.blob.core.windows.net/"
                          "mycontainer?restype=container&comp=metadata")
        << QStringLiteral("myaccount")
        << QByteArrayLiteral("/myaccount/mycontainer\ncomp:metadata\nrestype:container");
    QTest::newRow("List Blobs, repeated parameter")
        << QStringLiteral("https://myaccount.blob.core.windows.net/"
                          "mycontainer?restype=container&comp=list&include="
                          "snapshots&include=metadata&include=uncommittedblobs")
        << QStringLiteral("myaccount")
        << QByteArrayLiteral("/myaccount/"
                             "mycontainer\ncomp:list\ninclude:metadata,snapshots,"
                             "uncommittedblobs\nrestype:container");
    QTest::newRow("secondary host")
        << QStringLiteral("https://myaccount-secondary.blob.core.windows.net/mycontainer/myblob")
        << QStringLiteral("myaccount") << QByteArrayLiteral("/myaccount/mycontainer/myblob");
    // The emulator's path-style URLs name the account twice, as the documentation notes.
    QTest::newRow("path-style") << QStringLiteral(
        "https://127.0.0.1:10000/drlabstore/container/blob")
                                << QStringLiteral("drlabstore")
                                << QByteArrayLiteral("/drlabstore/drlabstore/container/blob");
    QTest::newRow("path-style secondary")
        << QStringLiteral("https://127.0.0.1:10000/drlabstore-secondary/c/b")
        << QStringLiteral("drlabstore") << QByteArrayLiteral("/drlabstore/drlabstore/c/b");
    QTest::newRow("path-style stats")
        << QStringLiteral("https://127.0.0.1:10000/drlabstore-secondary?restype=service&comp=stats")
        << QStringLiteral("drlabstore")
        << QByteArrayLiteral("/drlabstore/drlabstore\ncomp:stats\nrestype:service");
    QTest::newRow("account-like blob keeps its name")
        << QStringLiteral("https://127.0.0.1:10000/drlabstore/drlabstore-secondary/b")
        << QStringLiteral("drlabstore")
        << QByteArrayLiteral("/drlabstore/drlabstore/drlabstore-secondary/b");
    QTest::newRow("service root") << QStringLiteral(
        "https://myaccount.blob.core.windows.net/?comp=list")
                                  << QStringLiteral("myaccount")
                                  << QByteArrayLiteral("/myaccount/\ncomp:list");
    QTest::newRow("empty path is /")
        << QStringLiteral("https://myaccount.blob.core.windows.net?comp=list")
        << QStringLiteral("myaccount") << QByteArrayLiteral("/myaccount/\ncomp:list");
    QTest::newRow("path stays encoded, query decoded")
        << QStringLiteral("https://h/acct/c/a%20b%C3%A9?comp=list&prefix=a%2Bb%20c&marker=x+y")
        << QStringLiteral("acct")
        << QByteArrayLiteral("/acct/acct/c/a%20b%C3%A9\ncomp:list\nmarker:x y\nprefix:a+b c");
    QTest::newRow("names lower-cased")
        << QStringLiteral("https://h/acct/c?RESTYPE=container&Comp=list") << QStringLiteral("acct")
        << QByteArrayLiteral("/acct/acct/c\ncomp:list\nrestype:container");
    QTest::newRow("empty value") << QStringLiteral("https://h/acct/c?comp=list&marker=")
                                 << QStringLiteral("acct")
                                 << QByteArrayLiteral("/acct/acct/c\ncomp:list\nmarker:");
}

void tst_SharedKey::canonicalizedResource()
{
    QFETCH(QString, url);
    QFETCH(QString, account);
    QFETCH(QByteArray, expected);
    QCOMPARE(dr::azure::canonicalizedResource(QUrl(url), account), expected);
}

void tst_SharedKey::stringToSignDocumentedExamples()
{
    // "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Sun, 11 Oct 2009 21:49:13
    // GMT\nx-ms-version:2009-09-19\n
    //  /myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20"
    const RawHeaders getHeaders { { "x-ms-date", "Sun, 11 Oct 2009 21:49:13 GMT" },
        { "x-ms-version", "2009-09-19" } };
    const QByteArray getResource = dr::azure::canonicalizedResource(
        QUrl(QStringLiteral("https://myaccount.blob.core.windows.net/"
                            "mycontainer?restype=container&comp=metadata&timeout=20")),
        QStringLiteral("myaccount"));
    QCOMPARE(stringToSign("GET", getHeaders, getResource),
        QByteArrayLiteral("GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Sun, 11 Oct 2009 21:49:13 "
                          "GMT\nx-ms-version:2009-09-19\n"
                          "/myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20"));

    // Version 2015-02-21 and later: Content-Length 0 is an empty line.
    const RawHeaders putHeaders { { "x-ms-version", "2015-02-21" },
        { "x-ms-date", "Fri, 26 Jun 2015 23:39:12 GMT" }, { "Content-Length", "0" } };
    const QByteArray putResource = dr::azure::canonicalizedResource(
        QUrl(QStringLiteral(
            "https://myaccount.blob.core.windows.net/mycontainer?restype=container&timeout=30")),
        QStringLiteral("myaccount"));
    QCOMPARE(stringToSign("put", putHeaders, putResource),
        QByteArrayLiteral("PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 "
                          "GMT\nx-ms-version:2015-02-21\n"
                          "/myaccount/mycontainer\nrestype:container\ntimeout:30"));

    // Every standard header in its place.
    const RawHeaders all { { "Range", "bytes=0-9" }, { "If-Unmodified-Since", "U" },
        { "If-None-Match", "N" }, { "If-Match", "\"0x1\"" }, { "If-Modified-Since", "M" },
        { "Date", "D" }, { "Content-Type", "text/plain" }, { "Content-MD5", "Q" },
        { "Content-Length", "12" }, { "Content-Language", "en" }, { "Content-Encoding", "gzip" } };
    QCOMPARE(stringToSign("GET", all, "/a/b"),
        QByteArrayLiteral(
            "GET\ngzip\nen\n12\nQ\ntext/plain\nD\nM\n\"0x1\"\nN\nU\nbytes=0-9\n/a/b"));
}

void tst_SharedKey::signatureKnownAnswers()
{
    // Expected values from Python: base64(hmac.new(b64decode(key), s, sha256).digest()).
    const QByteArray key = QByteArray::fromBase64(kEmulatorKey);
    QCOMPARE(
        computeSignature("GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Sun, 11 Oct 2009 21:49:13 "
                         "GMT\nx-ms-version:2009-09-19\n"
                         "/myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20",
            key),
        QByteArrayLiteral("m649E40iEJ3QQyCg9/WI2Fa9zS+RB/2rEBcLJb0CKs0="));
    QCOMPARE(computeSignature("PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 "
                              "GMT\nx-ms-version:2015-02-21\n"
                              "/myaccount/mycontainer\nrestype:container\ntimeout:30",
                 key),
        QByteArrayLiteral("xGXG0xDZ4LffNUrgvdRqISw8BZe4MJz8EbGZmcCE038="));
}

void tst_SharedKey::signMatchesDocumentedExample()
{
    QNetworkRequest request(
        QUrl(QStringLiteral("https://myaccount.blob.core.windows.net/"
                            "mycontainer?restype=container&comp=metadata&timeout=20")));
    request.setRawHeader("x-ms-version", "2009-09-19");
    sign(request, "GET", 0, credential(), at(2009, 10, 11, 21, 49, 13));
    QCOMPARE(request.rawHeader("x-ms-date"), QByteArrayLiteral("Sun, 11 Oct 2009 21:49:13 GMT"));
    QCOMPARE(request.rawHeader("Authorization"),
        QByteArrayLiteral("SharedKey myaccount:m649E40iEJ3QQyCg9/WI2Fa9zS+RB/2rEBcLJb0CKs0="));
}

void tst_SharedKey::signSetsHeaders()
{
    QNetworkRequest request(QUrl(QStringLiteral("https://127.0.0.1:10000/drlabstore/c/b")));
    request.setRawHeader("Content-Type", "text/plain");
    request.setRawHeader("x-ms-blob-type", "BlockBlob");
    sign(request, "PUT", 5, credential(QStringLiteral("drlabstore")), at(2026, 11, 26, 7, 0, 0));
    QCOMPARE(request.rawHeader("x-ms-version"), QByteArray(kStorageApiVersion));
    QCOMPARE(request.rawHeader("x-ms-date"), QByteArrayLiteral("Thu, 26 Nov 2026 07:00:00 GMT"));
    const QByteArray expectedToSign = QByteArrayLiteral(
        "PUT\n\n\n5\n\ntext/plain\n\n\n\n\n\n\nx-ms-blob-type:BlockBlob\nx-ms-date:Thu, 26 Nov "
        "2026 07:00:00 GMT\n"
        "x-ms-version:2021-12-02\n/drlabstore/drlabstore/c/b");
    QCOMPARE(request.rawHeader("Authorization"),
        "SharedKey drlabstore:"
            + computeSignature(expectedToSign, QByteArray::fromBase64(kEmulatorKey)));
    // The key itself is nowhere in the request.
    for (const QByteArray &name : request.rawHeaderList())
        QVERIFY(!request.rawHeader(name).contains(kEmulatorKey.left(20)));
}

void tst_SharedKey::verifyAcceptsWhatSignSigns()
{
    const QDateTime now = at(2026, 11, 26, 7, 0, 0);
    QNetworkRequest request(
        QUrl(QStringLiteral("https://127.0.0.1:1/drlabstore?restype=service&comp=stats")));
    request.setRawHeader("x-ms-client-request-id", "abc");
    sign(request, "GET", 0, credential(QStringLiteral("drlabstore")), now);
    const auto ok = verify("GET", "/drlabstore", "restype=service&comp=stats", headersOf(request),
        credential(QStringLiteral("drlabstore")), now.addSecs(60));
    QVERIFY2(ok.has_value(), qPrintable(ok ? QString() : ok.error()));

    // A client that also sends Date and signs it, and one that leaves that line empty.
    request.setRawHeader("Date", "Thu, 26 Nov 2026 07:00:00 GMT");
    sign(request, "GET", 0, credential(QStringLiteral("drlabstore")), now);
    QVERIFY(verify("GET", "/drlabstore", "restype=service&comp=stats", headersOf(request),
        credential(QStringLiteral("drlabstore")), now)
                .has_value());
    RawHeaders withoutDate = headersOf(request);
    withoutDate.removeIf([](const auto &h) { return h.first == "Date"; });
    QNetworkRequest unsignedDate(request.url());
    for (const auto &[n, v] : std::as_const(withoutDate))
        unsignedDate.setRawHeader(n, v);
    sign(unsignedDate, "GET", 0, credential(QStringLiteral("drlabstore")), now);
    RawHeaders sentWithDate = headersOf(unsignedDate);
    sentWithDate.append(
        { QByteArrayLiteral("Date"), QByteArrayLiteral("Thu, 26 Nov 2026 07:00:00 GMT") });
    QVERIFY(verify("GET", "/drlabstore", "restype=service&comp=stats", sentWithDate,
        credential(QStringLiteral("drlabstore")), now)
                .has_value());
}

void tst_SharedKey::verifyAcceptsSecondaryForms()
{
    const QDateTime now = at(2026, 11, 26, 7, 0, 0);
    const StorageCredential cred = credential(QStringLiteral("drlabstore"));
    // As documented: the suffix is not signed.
    QNetworkRequest documented(QUrl(
        QStringLiteral("https://127.0.0.1:1/drlabstore-secondary?restype=service&comp=stats")));
    sign(documented, "GET", 0, cred, now);
    QVERIFY(verify("GET", "/drlabstore-secondary", "restype=service&comp=stats",
        headersOf(documented), cred, now)
                .has_value());
    // Some SDKs sign it; Azurite accepts that too.
    const RawHeaders sdkHeaders { { "x-ms-date", httpDate(now) },
        { "x-ms-version", kStorageApiVersion } };
    const QByteArray sdkToSign = stringToSign(
        "GET", sdkHeaders, "/drlabstore/drlabstore-secondary\ncomp:stats\nrestype:service");
    RawHeaders sdk = sdkHeaders;
    sdk.append(
        { "Authorization", "SharedKey drlabstore:" + computeSignature(sdkToSign, cred.key) });
    QVERIFY(verify("GET", "/drlabstore-secondary", "restype=service&comp=stats", sdk, cred, now)
                .has_value());
}

void tst_SharedKey::verifyRefuses_data()
{
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<int>("skewSeconds");
    QTest::addColumn<QString>("accountOfKey");
    QTest::addColumn<QString>("message");

    QTest::newRow("no Authorization")
        << QByteArray() << 0 << QStringLiteral("drlabstore") << QStringLiteral("no Authorization");
    QTest::newRow("other scheme") << QByteArrayLiteral("Bearer x") << 0
                                  << QStringLiteral("drlabstore")
                                  << QStringLiteral("not SharedKey");
    QTest::newRow("malformed") << QByteArrayLiteral("SharedKey nocolon") << 0
                               << QStringLiteral("drlabstore") << QStringLiteral("not in the form");
    QTest::newRow("other account")
        << QByteArrayLiteral("SharedKey other:AAAA") << 0 << QStringLiteral("drlabstore")
        << QStringLiteral("claimed account");
    QTest::newRow("wrong signature")
        << QByteArrayLiteral("SharedKey drlabstore:m649E40iEJ3QQyCg9/WI2Fa9zS+RB/2rEBcLJb0CKs0=")
        << 0 << QStringLiteral("drlabstore") << QStringLiteral("MAC signature");
    QTest::newRow("not base64") << QByteArrayLiteral("SharedKey drlabstore:!!!") << 0
                                << QStringLiteral("drlabstore") << QStringLiteral("MAC signature");
    QTest::newRow("too old") << QByteArray("sign") << -16 * 60 << QStringLiteral("drlabstore")
                             << QStringLiteral("too old");
    QTest::newRow("too far ahead") << QByteArray("sign") << 16 * 60 << QStringLiteral("drlabstore")
                                   << QStringLiteral("future");
}

void tst_SharedKey::verifyRefuses()
{
    QFETCH(QByteArray, authorization);
    QFETCH(int, skewSeconds);
    QFETCH(QString, accountOfKey);
    QFETCH(QString, message);
    const QDateTime now = at(2026, 11, 26, 7, 0, 0);
    const StorageCredential cred = credential(accountOfKey);
    RawHeaders headers;
    if (authorization == "sign") {
        QNetworkRequest request(
            QUrl(QStringLiteral("https://127.0.0.1:1/drlabstore?restype=service&comp=stats")));
        sign(request, "GET", 0, cred, now.addSecs(skewSeconds));
        headers = headersOf(request);
    } else {
        headers = { { "x-ms-date", httpDate(now) }, { "x-ms-version", kStorageApiVersion } };
        if (!authorization.isEmpty())
            headers.append({ "Authorization", authorization });
    }
    const auto result
        = verify("GET", "/drlabstore", "restype=service&comp=stats", headers, cred, now);
    QVERIFY(!result.has_value());
    QVERIFY2(result.error().contains(message), qPrintable(result.error()));
    QVERIFY(!result.error().toLatin1().contains(kEmulatorKey.left(20)));
}

QTEST_APPLESS_MAIN(tst_SharedKey)
#include "tst_sharedkey.moc"
