#pragma once

// The XML bodies of the Blob service operations we use, read with QXmlStreamReader and written
// in exactly the service's shape (the lab's secondary-endpoint front answers with these):
// List Containers, List Blobs, Get Blob Service Stats and the error body
// <Error><Code>...</Code><Message>...</Message></Error>. Pure functions: no I/O.
//
// Parsing is lenient about what we do not use (unknown elements are skipped) and strict about
// what we do: a body that is not the expected document is an error naming what is wrong.

#include "common/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>

#include <optional>

namespace dr::azure {

// A blob as List Blobs and Get Blob Properties describe it. Times are UTC, second precision
// (the service's RFC 1123 dates); creationTime is invalid when the service did not say.
struct BlobItem
{
    QString name;
    QString etag; // without the quotes the ETag header has
    QDateTime lastModified;
    QDateTime creationTime;
    qint64 contentLength = 0;
    QString contentType;
    QString blobType; // BlockBlob, AppendBlob or PageBlob
    QMap<QString, QString> metadata; // names lower-cased; filled when asked for
};

struct BlobListPage
{
    QList<BlobItem> items;
    QStringList prefixes; // BlobPrefix names, when listing with a delimiter
    QString nextMarker; // empty on the last page
};

struct ContainerItem
{
    QString name;
    QString etag;
    QDateTime lastModified;
};

struct ContainerListPage
{
    QList<ContainerItem> items;
    QString nextMarker;
};

// Get Blob Service Stats: status is live, bootstrap or unavailable; lastSyncTime is invalid
// when the service leaves it empty (bootstrap, or never synchronised).
struct GeoReplicationStats
{
    QString status;
    QDateTime lastSyncTime;
    bool operator==(const GeoReplicationStats &) const = default;
};

// The service's error body.
struct StorageErrorBody
{
    QString code;
    QString message; // first line only: the service appends RequestId and Time lines
    QString authenticationErrorDetail;
};

Result<BlobListPage> parseBlobList(const QByteArray &xml);
Result<ContainerListPage> parseContainerList(const QByteArray &xml);
Result<GeoReplicationStats> parseServiceStats(const QByteArray &xml);
std::optional<StorageErrorBody> parseErrorBody(const QByteArray &xml);

// <?xml version="1.0" encoding="utf-8"?><StorageServiceStats><GeoReplication><Status>live
// </Status><LastSyncTime>Wed, 26 Nov 2026 07:00:00 GMT</LastSyncTime></GeoReplication>
// </StorageServiceStats> on one line; <LastSyncTime></LastSyncTime> when unknown.
QByteArray formatServiceStats(const GeoReplicationStats &stats);

// <?xml ...?><Error><Code>code</Code><Message>message\nRequestId:id\nTime:iso</Message>
// [<AuthenticationErrorDetail>detail</AuthenticationErrorDetail>]</Error>, as the service writes.
QByteArray formatErrorBody(const QString &code, const QString &message, const QString &requestId,
    const QDateTime &time, const QString &authenticationErrorDetail = {});

} // namespace dr::azure
