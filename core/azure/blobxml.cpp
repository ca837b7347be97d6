#include "blobxml.h"

#include "httpdate.h"

#include <QXmlStreamReader>

namespace dr::azure {

namespace {

QString unquote(QString etag)
{
    if (etag.size() >= 2 && etag.startsWith(u'"') && etag.endsWith(u'"'))
        etag = etag.mid(1, etag.size() - 2);
    return etag;
}

QDateTime readDate(QXmlStreamReader &xml)
{
    return parseHttpDate(xml.readElementText().toLatin1());
}

QString readName(QXmlStreamReader &xml)
{
    // Names with characters XML cannot carry come percent-encoded, flagged Encoded="true".
    const bool encoded = xml.attributes().value(QStringLiteral("Encoded")) == u"true";
    const QString text = xml.readElementText();
    return encoded ? QString::fromUtf8(QByteArray::fromPercentEncoding(text.toUtf8())) : text;
}

QString xmlError(const QXmlStreamReader &xml, const char *what)
{
    return QStringLiteral("malformed %1 XML at line %2: %3")
        .arg(QLatin1String(what))
        .arg(xml.lineNumber())
        .arg(xml.errorString());
}

// Moves to the document element and checks its name.
bool enterRoot(QXmlStreamReader &xml, QStringView root)
{
    return xml.readNextStartElement() && xml.name() == root;
}

void readBlobProperties(QXmlStreamReader &xml, BlobItem &item)
{
    while (xml.readNextStartElement()) {
        const QStringView n = xml.name();
        if (n == u"Last-Modified")
            item.lastModified = readDate(xml);
        else if (n == u"Creation-Time")
            item.creationTime = readDate(xml);
        else if (n == u"Etag")
            item.etag = unquote(xml.readElementText());
        else if (n == u"Content-Length")
            item.contentLength = xml.readElementText().toLongLong();
        else if (n == u"Content-Type")
            item.contentType = xml.readElementText();
        else if (n == u"BlobType")
            item.blobType = xml.readElementText();
        else
            xml.skipCurrentElement();
    }
}

void readMetadata(QXmlStreamReader &xml, QMap<QString, QString> &metadata)
{
    while (xml.readNextStartElement()) {
        const QString name = xml.name().toString().toLower();
        metadata.insert(name, xml.readElementText());
    }
}

BlobItem readBlob(QXmlStreamReader &xml)
{
    BlobItem item;
    while (xml.readNextStartElement()) {
        const QStringView n = xml.name();
        if (n == u"Name")
            item.name = readName(xml);
        else if (n == u"Properties")
            readBlobProperties(xml, item);
        else if (n == u"Metadata")
            readMetadata(xml, item.metadata);
        else
            xml.skipCurrentElement();
    }
    return item;
}

ContainerItem readContainer(QXmlStreamReader &xml)
{
    ContainerItem item;
    while (xml.readNextStartElement()) {
        const QStringView n = xml.name();
        if (n == u"Name") {
            item.name = readName(xml);
        } else if (n == u"Properties") {
            while (xml.readNextStartElement()) {
                if (xml.name() == u"Last-Modified")
                    item.lastModified = readDate(xml);
                else if (xml.name() == u"Etag")
                    item.etag = unquote(xml.readElementText());
                else
                    xml.skipCurrentElement();
            }
        } else {
            xml.skipCurrentElement();
        }
    }
    return item;
}

QString escape(const QString &text)
{
    return text.toHtmlEscaped();
}

} // namespace

Result<BlobListPage> parseBlobList(const QByteArray &body)
{
    QXmlStreamReader xml(body);
    if (!enterRoot(xml, u"EnumerationResults"))
        return fail(xml.hasError()
                ? xmlError(xml, "List Blobs")
                : QStringLiteral("List Blobs answer is not an EnumerationResults document"));
    BlobListPage page;
    while (xml.readNextStartElement()) {
        if (xml.name() == u"Blobs") {
            while (xml.readNextStartElement()) {
                if (xml.name() == u"Blob") {
                    BlobItem item = readBlob(xml);
                    if (item.name.isEmpty())
                        return fail(QStringLiteral("List Blobs answer has a Blob without a Name"));
                    page.items.append(std::move(item));
                } else if (xml.name() == u"BlobPrefix") {
                    while (xml.readNextStartElement()) {
                        if (xml.name() == u"Name")
                            page.prefixes.append(readName(xml));
                        else
                            xml.skipCurrentElement();
                    }
                } else {
                    xml.skipCurrentElement();
                }
            }
        } else if (xml.name() == u"NextMarker") {
            page.nextMarker = xml.readElementText();
        } else {
            xml.skipCurrentElement();
        }
    }
    if (xml.hasError())
        return fail(xmlError(xml, "List Blobs"));
    return page;
}

Result<ContainerListPage> parseContainerList(const QByteArray &body)
{
    QXmlStreamReader xml(body);
    if (!enterRoot(xml, u"EnumerationResults"))
        return fail(xml.hasError()
                ? xmlError(xml, "List Containers")
                : QStringLiteral("List Containers answer is not an EnumerationResults document"));
    ContainerListPage page;
    while (xml.readNextStartElement()) {
        if (xml.name() == u"Containers") {
            while (xml.readNextStartElement()) {
                if (xml.name() == u"Container") {
                    ContainerItem item = readContainer(xml);
                    if (item.name.isEmpty())
                        return fail(QStringLiteral(
                            "List Containers answer has a Container without a Name"));
                    page.items.append(std::move(item));
                } else {
                    xml.skipCurrentElement();
                }
            }
        } else if (xml.name() == u"NextMarker") {
            page.nextMarker = xml.readElementText();
        } else {
            xml.skipCurrentElement();
        }
    }
    if (xml.hasError())
        return fail(xmlError(xml, "List Containers"));
    return page;
}

Result<GeoReplicationStats> parseServiceStats(const QByteArray &body)
{
    QXmlStreamReader xml(body);
    if (!enterRoot(xml, u"StorageServiceStats"))
        return fail(xml.hasError()
                ? xmlError(xml, "service stats")
                : QStringLiteral("service stats answer is not a StorageServiceStats document"));
    std::optional<GeoReplicationStats> stats;
    while (xml.readNextStartElement()) {
        if (xml.name() != u"GeoReplication") {
            xml.skipCurrentElement();
            continue;
        }
        GeoReplicationStats s;
        QString lastSync;
        while (xml.readNextStartElement()) {
            if (xml.name() == u"Status")
                s.status = xml.readElementText().trimmed();
            else if (xml.name() == u"LastSyncTime")
                lastSync = xml.readElementText().trimmed();
            else
                xml.skipCurrentElement();
        }
        if (!lastSync.isEmpty()) {
            s.lastSyncTime = parseHttpDate(lastSync.toLatin1());
            if (!s.lastSyncTime.isValid())
                return fail(QStringLiteral("service stats LastSyncTime is not an HTTP date: \"%1\"")
                                .arg(lastSync.left(64)));
        }
        stats = s;
    }
    if (xml.hasError())
        return fail(xmlError(xml, "service stats"));
    if (!stats)
        return fail(QStringLiteral("service stats answer has no GeoReplication element"));
    if (stats->status.isEmpty())
        return fail(QStringLiteral("service stats answer has no replication Status"));
    return *stats;
}

std::optional<StorageErrorBody> parseErrorBody(const QByteArray &body)
{
    QXmlStreamReader xml(body);
    if (!enterRoot(xml, u"Error"))
        return std::nullopt;
    StorageErrorBody error;
    while (xml.readNextStartElement()) {
        if (xml.name() == u"Code")
            error.code = xml.readElementText().trimmed();
        else if (xml.name() == u"Message")
            error.message = xml.readElementText().section(u'\n', 0, 0).trimmed();
        else if (xml.name() == u"AuthenticationErrorDetail")
            error.authenticationErrorDetail = xml.readElementText().trimmed();
        else
            xml.skipCurrentElement();
    }
    if (xml.hasError() || error.code.isEmpty())
        return std::nullopt;
    return error;
}

QByteArray formatServiceStats(const GeoReplicationStats &stats)
{
    return QByteArrayLiteral("<?xml version=\"1.0\" "
                             "encoding=\"utf-8\"?><StorageServiceStats><GeoReplication><Status>")
        + escape(stats.status).toUtf8() + QByteArrayLiteral("</Status><LastSyncTime>")
        + httpDate(stats.lastSyncTime)
        + QByteArrayLiteral("</LastSyncTime></GeoReplication></StorageServiceStats>");
}

QByteArray formatErrorBody(const QString &code, const QString &message, const QString &requestId,
    const QDateTime &time, const QString &authenticationErrorDetail)
{
    // The service stamps the time with seven fractional digits.
    const QString stamp
        = time.toUTC().toString(u"yyyy-MM-ddThh:mm:ss.zzz") + QStringLiteral("0000Z");
    QByteArray out = QByteArrayLiteral("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>")
        + escape(code).toUtf8() + QByteArrayLiteral("</Code><Message>") + escape(message).toUtf8()
        + QByteArrayLiteral("\nRequestId:") + escape(requestId).toUtf8()
        + QByteArrayLiteral("\nTime:") + stamp.toLatin1() + QByteArrayLiteral("</Message>");
    if (!authenticationErrorDetail.isEmpty())
        out += QByteArrayLiteral("<AuthenticationErrorDetail>")
            + escape(authenticationErrorDetail).toUtf8()
            + QByteArrayLiteral("</AuthenticationErrorDetail>");
    out += QByteArrayLiteral("</Error>");
    return out;
}

} // namespace dr::azure
