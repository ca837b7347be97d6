#pragma once

// An Azure Blob service client over the QNetworkAccessManager the caller gives: the account's
// endpoint (https://account.blob.core.windows.net, or path-style
// https://127.0.0.1:PORT/account for Azurite and the lab), Shared Key signing or Entra ID
// bearer tokens (StorageCredential::fromTokens; a token is asked of the source before each
// request, and a source that cannot give one fails that request with its reason), TLS verified
// against the system store plus the caller's CA certificates.
//
// Contract of every operation:
//  - asynchronous; the callback is answered exactly once, never inside the call itself, on the
//    client's thread. If the client is destroyed first, its requests are aborted and their
//    callbacks are never called (they may capture objects that are gone by then).
//  - bounded: each request has its own timeout (timeoutMs(), 10 s by default) and a response
//    larger than maxResponseBytes() (8 MiB by default) is an error, not memory.
//  - errors are values: the message names the operation, the container/blob, the HTTP status
//    and the service's error code and message ("getBlob logs/a.txt: HTTP 404 BlobNotFound: The
//    specified blob does not exist."); never the key.
//  - absence is an answer where a caller needs it: getBlob/getBlobProperties give nullopt for a
//    missing blob or container (404), deleteBlob/deleteContainer answer false when there was
//    nothing to delete, createContainer answers false when the container already existed (409
//    ContainerAlreadyExists is the outcome the caller wanted, not a failure).
//
// Blob names are sent percent-encoded except "/"; names the URL layer would rewrite (empty
// segments, "." or "..") are refused, because they would address another blob.
//
// A refusal by the service keeps its error code in the message, and serviceErrorCode() reads it
// back, so a caller can tell "leased by someone else" (409 LeaseAlreadyPresent) from a failure.

#include "blobxml.h"
#include "common/clock.h"
#include "common/result.h"
#include "sharedkey.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QObject>
#include <QSslCertificate>
#include <QUrl>

#include <functional>
#include <optional>

class QNetworkAccessManager;
class QNetworkRequest;

namespace dr::azure {

struct Blob
{
    BlobItem properties;
    QByteArray data;
};

// What a write answers.
struct WriteResult
{
    QString etag;
    QDateTime lastModified;
    qint64 appendOffset = -1; // Append Block: where the block landed
};

// Lease Blob actions ("x-ms-lease-action").
enum class LeaseAction { Acquire, Renew, Release, Break, Change };

// What Lease Blob answers: the lease id (acquire, renew, change) and, for break, the seconds
// until the lease is broken (x-ms-lease-time).
struct LeaseResult
{
    QString leaseId;
    int leaseTimeSeconds = -1;
};

struct ListBlobsOptions
{
    QString prefix;
    QString marker;
    int maxResults = 0; // 0: the service's default (5000)
    bool includeMetadata = false;
};

class BlobClient : public QObject
{
    Q_OBJECT

public:
    static constexpr int kDefaultTimeoutMs = 10000;
    static constexpr qint64 kDefaultMaxResponseBytes = 8 * 1024 * 1024;
    // listAll* give up beyond this many items rather than grow without bound.
    static constexpr int kMaxListedItems = 100000;
    // Append Block's limit for the service version we pin.
    static constexpr qint64 kMaxAppendBlockBytes = 4 * 1024 * 1024;

    template<typename T>
    using Callback = std::function<void(Result<T>)>;

    BlobClient(QNetworkAccessManager *network, const QUrl &accountEndpoint,
        const StorageCredential &credential, QObject *parent = nullptr);
    ~BlobClient() override;

    void setCaCertificates(const QList<QSslCertificate> &certificates)
    {
        m_caCertificates = certificates;
    }
    void setClock(const Clock *clock) { m_clock = clock; }
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }
    int timeoutMs() const { return m_timeoutMs; }
    void setMaxResponseBytes(qint64 bytes) { m_maxResponseBytes = bytes; }
    qint64 maxResponseBytes() const { return m_maxResponseBytes; }

    QUrl endpoint() const { return m_endpoint; }
    QString accountName() const { return m_credential.accountName; }

    void createContainer(const QString &container, Callback<bool> done);
    void deleteContainer(const QString &container, Callback<bool> done);
    void listContainers(const QString &prefix, const QString &marker, int maxResults,
        Callback<ContainerListPage> done);
    // Every container, following NextMarker page by page.
    void listAllContainers(Callback<QList<ContainerItem>> done);

    void listBlobs(
        const QString &container, const ListBlobsOptions &options, Callback<BlobListPage> done);
    // Every blob under the prefix, following NextMarker page by page.
    void listAllBlobs(const QString &container, const QString &prefix, bool includeMetadata,
        Callback<QList<BlobItem>> done);

    void getBlob(const QString &container, const QString &blob, Callback<std::optional<Blob>> done);
    // Bytes [offset, offset + length) of a blob (x-ms-range); fewer when the blob ends first;
    // nullopt for a missing blob or container. A range starting at or past the end is refused by
    // the service (416 InvalidRange). properties.contentLength is the blob's whole length.
    void getBlobRange(const QString &container, const QString &blob, qint64 offset, qint64 length,
        Callback<std::optional<Blob>> done);
    void getBlobProperties(
        const QString &container, const QString &blob, Callback<std::optional<BlobItem>> done);
    // Creates or replaces a block blob in one request; metadata names are x-ms-meta-* suffixes.
    void putBlockBlob(const QString &container, const QString &blob, const QByteArray &data,
        const QString &contentType, const QMap<QString, QString> &metadata,
        Callback<WriteResult> done)
    {
        putBlockBlob(container, blob, data, contentType, metadata, QString(), std::move(done));
    }
    // The same on a blob that may be leased: a leased blob accepts a write only with its active
    // lease id (else 412 LeaseIdMissing or LeaseIdMismatchWithBlobOperation).
    void putBlockBlob(const QString &container, const QString &blob, const QByteArray &data,
        const QString &contentType, const QMap<QString, QString> &metadata, const QString &leaseId,
        Callback<WriteResult> done);
    void putBlockBlob(const QString &container, const QString &blob, const QByteArray &data,
        const QString &contentType, Callback<WriteResult> done)
    {
        putBlockBlob(container, blob, data, contentType, {}, std::move(done));
    }
    void deleteBlob(const QString &container, const QString &blob, Callback<bool> done);
    // Replaces the blob's user metadata.
    void setBlobMetadata(const QString &container, const QString &blob,
        const QMap<QString, QString> &metadata, Callback<WriteResult> done);

    // Creates (or truncates to empty) an append blob.
    void createAppendBlob(const QString &container, const QString &blob, const QString &contentType,
        const QMap<QString, QString> &metadata, Callback<WriteResult> done);
    // Creates an empty append blob only when no blob of that name exists (If-None-Match: *), so
    // an existing copy is never truncated: answers true when created, false when a blob was
    // already there (409 BlobAlreadyExists, or 412 ConditionNotMet as some emulators answer).
    void createAppendBlobIfMissing(const QString &container, const QString &blob,
        const QString &contentType, const QMap<QString, QString> &metadata, Callback<bool> done);
    // Appends up to kMaxAppendBlockBytes. With expectedOffset the service appends only when the
    // blob is exactly that long (x-ms-blob-condition-appendpos), so a retried append never
    // duplicates: a mismatch fails with 412 AppendPositionConditionNotMet.
    void appendBlock(const QString &container, const QString &blob, const QByteArray &data,
        std::optional<qint64> expectedOffset, Callback<WriteResult> done);

    // Lease Blob (PUT ?comp=lease). Acquire takes durationSeconds (-1: infinite, else 15-60)
    // and an optional proposedLeaseId (acquiring again with the active lease's own id succeeds
    // and restarts its duration); renew, release and change need the active leaseId; change
    // needs proposedLeaseId; break takes durationSeconds as the break period (0-60; -1: the
    // rest of the lease). Answers 201 (acquire), 200 (renew, change, release), 202 (break).
    // A lease conflict is an error carrying the service's code: LeaseAlreadyPresent,
    // LeaseIdMismatchWithLeaseOperation, LeaseNotPresentWithLeaseOperation, LeaseIsBroken...
    void leaseBlob(const QString &container, const QString &blob, LeaseAction action,
        const QString &leaseId, int durationSeconds, const QString &proposedLeaseId,
        Callback<LeaseResult> done);

    // The service's error code in an error message of this client ("...: HTTP 409
    // LeaseAlreadyPresent: ..."); empty when the failure was not the service's answer (no
    // connection, a timeout, a refused argument).
    static QString serviceErrorCode(const QString &error);

    // Get Blob Service Stats (GET ?restype=service&comp=stats). Only a secondary endpoint
    // answers it: the primary refuses with 400 InvalidQueryParameterValue, as the service does.
    void getServiceStats(Callback<GeoReplicationStats> done);

private:
    class Call;
    struct Response;
    using RawCallback = std::function<void(Result<Response>)>;

    QUrl serviceUrl(const QString &query) const;
    // The container's URL, or the blob's when one is named.
    Result<QUrl> resourceUrl(
        const QString &container, const std::optional<QString> &blob, const QString &query) const;
    void send(const QByteArray &verb, const QUrl &url, const RawHeaders &headers,
        const QByteArray &body, const QString &what, RawCallback done);
    // The authorized request on the wire.
    void dispatch(QNetworkRequest request, const QByteArray &verb, const QByteArray &body,
        const QString &what, RawCallback done);
    void failLater(const QString &message, std::function<void(const QString &)> deliver);
    void listContainersFrom(
        const QString &marker, QList<ContainerItem> collected, Callback<QList<ContainerItem>> done);
    void listBlobsFrom(const QString &container, const QString &prefix, bool includeMetadata,
        const QString &marker, QList<BlobItem> collected, Callback<QList<BlobItem>> done);
    void write(const QByteArray &verb, const QString &container, const QString &blob,
        const QString &query, const RawHeaders &headers, const QByteArray &body,
        const QString &operation, Callback<WriteResult> done);

    QNetworkAccessManager *m_network;
    QUrl m_endpoint;
    StorageCredential m_credential;
    QList<QSslCertificate> m_caCertificates;
    const Clock *m_clock = Clock::system();
    int m_timeoutMs = kDefaultTimeoutMs;
    qint64 m_maxResponseBytes = kDefaultMaxResponseBytes;
};

} // namespace dr::azure
