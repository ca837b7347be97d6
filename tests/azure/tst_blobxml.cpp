// The Blob service's XML bodies: parsing the documented shapes of List Blobs, List Containers,
// Get Blob Service Stats and the error body, and writing stats and errors exactly as the
// service does (the lab's secondary endpoint serves these).

#include "azure/blobxml.h"

#include <QTest>

using namespace dr;
using namespace dr::azure;

namespace {

QDateTime at(int y, int mo, int d, int h, int mi, int s)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi, s), Qt::UTC);
}

} // namespace

class tst_BlobXml : public QObject
{
    Q_OBJECT

private slots:
    void blobList();
    void blobListEncodedNameAndLastPage();
    void blobListErrors();
    void containerList();
    void serviceStats_data();
    void serviceStats();
    void serviceStatsErrors();
    void errorBody();
    void formatStats();
    void formatError();
};

void tst_BlobXml::blobList()
{
    // The List Blobs response shape of the REST reference (version 2021-12-02).
    const QByteArray xml = QString::fromUtf8(R"(<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="https://myaccount.blob.core.windows.net/" ContainerName="mycontainer">
  <Prefix>logs/</Prefix>
  <Marker />
  <MaxResults>2</MaxResults>
  <Delimiter>/</Delimiter>
  <Blobs>
    <Blob>
      <Name>logs/a.txt</Name>
      <Properties>
        <Creation-Time>Wed, 25 Nov 2026 10:00:00 GMT</Creation-Time>
        <Last-Modified>Thu, 26 Nov 2026 07:00:01 GMT</Last-Modified>
        <Etag>0x8DCF00000000001</Etag>
        <Content-Length>12</Content-Length>
        <Content-Type>text/plain</Content-Type>
        <Content-Encoding />
        <Content-MD5>abc=</Content-MD5>
        <BlobType>BlockBlob</BlobType>
        <LeaseStatus>unlocked</LeaseStatus>
        <ServerEncrypted>true</ServerEncrypted>
      </Properties>
      <Metadata>
        <DrSourceEtag>0x1</DrSourceEtag>
        <empty />
      </Metadata>
      <OrMetadata />
    </Blob>
    <Blob>
      <Name>logs/audit.log</Name>
      <Properties>
        <Last-Modified>Thu, 26 Nov 2026 07:00:02 GMT</Last-Modified>
        <Etag>"0x8DCF00000000002"</Etag>
        <Content-Length>0</Content-Length>
        <Content-Type>application/octet-stream</Content-Type>
        <BlobType>AppendBlob</BlobType>
      </Properties>
    </Blob>
    <BlobPrefix>
      <Name>logs/2026/</Name>
    </BlobPrefix>
  </Blobs>
  <NextMarker>2!88!MDAwMDE3IWxvZ3MvYXVkaXQubG9nITAwMDAyOCE5OTk5LTEyLTMxVDIzOjU5OjU5Ljk5OTk5OTlaIQ--</NextMarker>
</EnumerationResults>)")
                               .toUtf8();
    const auto page = parseBlobList(xml);
    QVERIFY2(page.has_value(), qPrintable(page ? QString() : page.error()));
    QCOMPARE(page->items.size(), 2);
    const BlobItem &a = page->items.at(0);
    QCOMPARE(a.name, QStringLiteral("logs/a.txt"));
    QCOMPARE(a.etag, QStringLiteral("0x8DCF00000000001"));
    QCOMPARE(a.lastModified, at(2026, 11, 26, 7, 0, 1));
    QCOMPARE(a.creationTime, at(2026, 11, 25, 10, 0, 0));
    QCOMPARE(a.contentLength, 12);
    QCOMPARE(a.contentType, QStringLiteral("text/plain"));
    QCOMPARE(a.blobType, QStringLiteral("BlockBlob"));
    QCOMPARE(a.metadata.value(QStringLiteral("drsourceetag")), QStringLiteral("0x1"));
    QVERIFY(a.metadata.contains(QStringLiteral("empty")));
    const BlobItem &b = page->items.at(1);
    QCOMPARE(b.etag, QStringLiteral("0x8DCF00000000002")); // quotes dropped
    QCOMPARE(b.blobType, QStringLiteral("AppendBlob"));
    QVERIFY(!b.creationTime.isValid());
    QCOMPARE(page->prefixes, QStringList { QStringLiteral("logs/2026/") });
    QVERIFY(page->nextMarker.startsWith(QStringLiteral("2!88!")));
}

void tst_BlobXml::blobListEncodedNameAndLastPage()
{
    const QByteArray xml = QString::fromUtf8(
        R"(<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs><Blob><Name Encoded="true">a%EF%BF%BEb</Name><Properties><Etag>e</Etag></Properties></Blob><Blob><Name>caf%C3%A9 &amp; co</Name></Blob></Blobs><NextMarker /></EnumerationResults>)")
                               .toUtf8();
    const auto page = parseBlobList(xml);
    QVERIFY(page.has_value());
    QCOMPARE(page->items.at(0).name,
        QString::fromUtf8("a\xEF\xBF\xBE"
                          "b"));
    // Not flagged: taken as it is.
    QCOMPARE(page->items.at(1).name, QStringLiteral("caf%C3%A9 & co"));
    QVERIFY(page->nextMarker.isEmpty());
}

void tst_BlobXml::blobListErrors()
{
    QVERIFY(!parseBlobList("").has_value());
    QVERIFY(!parseBlobList("<Error><Code>X</Code></Error>").has_value());
    const auto truncated = parseBlobList("<EnumerationResults><Blobs><Blob><Name>a</Name>");
    QVERIFY(!truncated.has_value());
    QVERIFY2(
        truncated.error().contains(QStringLiteral("malformed")), qPrintable(truncated.error()));
    QVERIFY(!parseBlobList(
        "<EnumerationResults><Blobs><Blob><Properties/></Blob></Blobs></EnumerationResults>")
                 .has_value());
}

void tst_BlobXml::containerList()
{
    const QByteArray xml = QString::fromUtf8(R"(<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="https://myaccount.blob.core.windows.net">
  <MaxResults>3</MaxResults>
  <Containers>
    <Container>
      <Name>audit</Name>
      <Properties>
        <Last-Modified>Thu, 26 Nov 2026 06:00:00 GMT</Last-Modified>
        <Etag>"0x8DCF0000000000A"</Etag>
        <LeaseStatus>unlocked</LeaseStatus>
      </Properties>
      <Metadata />
    </Container>
    <Container><Name>transcripts</Name></Container>
  </Containers>
  <NextMarker>/myaccount/zz</NextMarker>
</EnumerationResults>)")
                               .toUtf8();
    const auto page = parseContainerList(xml);
    QVERIFY(page.has_value());
    QCOMPARE(page->items.size(), 2);
    QCOMPARE(page->items.at(0).name, QStringLiteral("audit"));
    QCOMPARE(page->items.at(0).etag, QStringLiteral("0x8DCF0000000000A"));
    QCOMPARE(page->items.at(0).lastModified, at(2026, 11, 26, 6, 0, 0));
    QCOMPARE(page->items.at(1).name, QStringLiteral("transcripts"));
    QCOMPARE(page->nextMarker, QStringLiteral("/myaccount/zz"));
    QVERIFY(!parseContainerList("<x/>").has_value());
}

void tst_BlobXml::serviceStats_data()
{
    QTest::addColumn<QByteArray>("xml");
    QTest::addColumn<QString>("status");
    QTest::addColumn<QDateTime>("lastSync");

    QTest::newRow("live") << QByteArrayLiteral(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><StorageServiceStats><GeoReplication>"
        "<Status>live</Status><LastSyncTime>Wed, 25 Nov 2026 07:00:00 GMT</LastSyncTime>"
        "</GeoReplication></StorageServiceStats>")
                          << QStringLiteral("live") << at(2026, 11, 25, 7, 0, 0);
    // The shape the service sends during bootstrap (in Microsoft's SDK tests).
    QTest::newRow("bootstrap, empty element") << QByteArrayLiteral(
        "<?xml version=\"1.0\" "
        "encoding=\"utf-8\"?><StorageServiceStats><GeoReplication><Status>bootstrap"
        "</Status><LastSyncTime></LastSyncTime></GeoReplication></StorageServiceStats>")
                                              << QStringLiteral("bootstrap") << QDateTime();
    QTest::newRow("self-closed element")
        << QByteArrayLiteral("<StorageServiceStats><GeoReplication><Status>unavailable</Status>"
                             "<LastSyncTime /></GeoReplication></StorageServiceStats>")
        << QStringLiteral("unavailable") << QDateTime();
    QTest::newRow("no element, indented") << QByteArrayLiteral(
        "<StorageServiceStats>\n  <GeoReplication>\n    <Status>live</Status>\n"
        "  </GeoReplication>\n</StorageServiceStats>\n")
                                          << QStringLiteral("live") << QDateTime();
}

void tst_BlobXml::serviceStats()
{
    QFETCH(QByteArray, xml);
    QFETCH(QString, status);
    QFETCH(QDateTime, lastSync);
    const auto stats = parseServiceStats(xml);
    QVERIFY2(stats.has_value(), qPrintable(stats ? QString() : stats.error()));
    QCOMPARE(stats->status, status);
    QCOMPARE(stats->lastSyncTime, lastSync);
}

void tst_BlobXml::serviceStatsErrors()
{
    QVERIFY(!parseServiceStats("<StorageServiceStats></StorageServiceStats>")
                 .has_value()); // not RA-GRS
    QVERIFY(!parseServiceStats("<StorageServiceStats><GeoReplication><LastSyncTime "
                               "/></GeoReplication></StorageServiceStats>")
                 .has_value());
    const auto badTime = parseServiceStats(
        "<StorageServiceStats><GeoReplication><Status>live</Status><LastSyncTime>"
        "yesterday</LastSyncTime></GeoReplication></StorageServiceStats>");
    QVERIFY(!badTime.has_value());
    QVERIFY(badTime.error().contains(QStringLiteral("yesterday")));
    QVERIFY(!parseServiceStats("<StorageServiceStats><GeoReplication>").has_value());
    QVERIFY(!parseServiceStats("{\"status\":\"live\"}").has_value());
}

void tst_BlobXml::errorBody()
{
    const QByteArray xml = QByteArrayLiteral(
        "<?xml version=\"1.0\" "
        "encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to "
        "authenticate the request. Make sure the value of Authorization header is formed correctly "
        "including the "
        "signature.\nRequestId:6fbc540a-c01e-0047-184f-290c79000000\nTime:2020-05-13T17:52:04."
        "1072616Z</Message>"
        "<AuthenticationErrorDetail>Cannot find the claimed "
        "account.</AuthenticationErrorDetail></Error>");
    const auto error = parseErrorBody(xml);
    QVERIFY(error.has_value());
    QCOMPARE(error->code, QStringLiteral("AuthenticationFailed"));
    QCOMPARE(error->message,
        QStringLiteral("Server failed to authenticate the request. Make sure the value of "
                       "Authorization header is formed correctly including the signature."));
    QCOMPARE(error->authenticationErrorDetail, QStringLiteral("Cannot find the claimed account."));
    // Azurite's indented variant.
    const auto azurite = parseErrorBody(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Error>\n"
        "  <Code>BlobNotFound</Code>\n  <Message>The specified blob does not exist.\n"
        "RequestId:1\nTime:2026-11-26T07:33:05.084Z</Message>\n</Error>");
    QVERIFY(azurite.has_value());
    QCOMPARE(azurite->code, QStringLiteral("BlobNotFound"));
    QCOMPARE(azurite->message, QStringLiteral("The specified blob does not exist."));
    QVERIFY(!parseErrorBody("").has_value());
    QVERIFY(!parseErrorBody("<html>503</html>").has_value());
    QVERIFY(!parseErrorBody("<Error><Message>no code</Message></Error>").has_value());
}

void tst_BlobXml::formatStats()
{
    QCOMPARE(formatServiceStats({ QStringLiteral("live"), at(2026, 11, 26, 7, 0, 0) }),
        QByteArrayLiteral(
            "<?xml version=\"1.0\" "
            "encoding=\"utf-8\"?><StorageServiceStats><GeoReplication><Status>live"
            "</Status><LastSyncTime>Thu, 26 Nov 2026 07:00:00 GMT</LastSyncTime></GeoReplication>"
            "</StorageServiceStats>"));
    QCOMPARE(formatServiceStats({ QStringLiteral("bootstrap"), QDateTime() }),
        QByteArrayLiteral(
            "<?xml version=\"1.0\" "
            "encoding=\"utf-8\"?><StorageServiceStats><GeoReplication><Status>bootstrap"
            "</Status><LastSyncTime></LastSyncTime></GeoReplication></StorageServiceStats>"));
    // Milliseconds are not part of an HTTP date; what we write, we read back.
    const GeoReplicationStats stats { QStringLiteral("unavailable"), at(2026, 11, 26, 7, 0, 0) };
    QCOMPARE(
        *parseServiceStats(formatServiceStats({ stats.status, stats.lastSyncTime.addMSecs(999) })),
        stats);
}

void tst_BlobXml::formatError()
{
    const QByteArray body = formatErrorBody(QStringLiteral("InsufficientAccountPermissions"),
        QStringLiteral("Write operations to the secondary location are not allowed."),
        QStringLiteral("id-1"), QDateTime(QDate(2026, 11, 26), QTime(7, 0, 0, 123), Qt::UTC));
    QCOMPARE(body,
        QByteArrayLiteral(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>InsufficientAccountPermissions"
            "</Code><Message>Write operations to the secondary location are not "
            "allowed.\nRequestId:"
            "id-1\nTime:2026-11-26T07:00:00.1230000Z</Message></Error>"));
    const QByteArray withDetail
        = formatErrorBody(QStringLiteral("AuthenticationFailed"), QStringLiteral("m"),
            QStringLiteral("i"), at(2026, 1, 1, 0, 0, 0), QStringLiteral("a <b> & 'c'"));
    QVERIFY(withDetail.endsWith(
        "<AuthenticationErrorDetail>a &lt;b&gt; &amp; 'c'</AuthenticationErrorDetail></Error>"));
    const auto parsed = parseErrorBody(withDetail);
    QVERIFY(parsed.has_value());
    QCOMPARE(parsed->authenticationErrorDetail, QStringLiteral("a <b> & 'c'"));
}

QTEST_APPLESS_MAIN(tst_BlobXml)
#include "tst_blobxml.moc"
