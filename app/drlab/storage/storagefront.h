#pragma once

// The replica account's secondary endpoint, as the lab's profile names it: an HTTPS server on a
// loopback port in front of the replica region's Azurite. Azurite's own Get Blob Service Stats
// always says "live" with LastSyncTime = now; this front answers that one operation from the
// Replicator's true stats instead, and passes everything else through, so reads of the replica
// behave as reads of a real RA-GRS secondary:
//
//  - GET /{account}?restype=service&comp=stats (also /{account}-secondary, with or without a
//    trailing "/"): the Shared Key signature is verified (403 AuthenticationFailed with the
//    service's error body otherwise), then 200 with exactly the service's XML
//    (blobxml.h formatServiceStats) and headers: Content-Type application/xml, x-ms-request-id,
//    x-ms-version, Date, Server.
//  - PUT, POST, DELETE, PATCH, MERGE: refused as the real secondary refuses writes: 403
//    InsufficientAccountPermissions "Write operations to the secondary location are not
//    allowed." (the code and message of Microsoft's Common REST API error codes table).
//  - anything else: the request is relayed byte for byte (method, target, headers incl.
//    Authorization, body) to the upstream Azurite over its own TLS connection, and its response
//    relayed back byte for byte, so signed reads verify against the replica's key as sent.
//    Upstream unreachable: 503 ServerBusy; upstream silent for upstreamTimeoutMs: 500
//    OperationTimedOut (the service's codes for those).
//
// HTTP/1.1 with keep-alive, one request at a time per connection (pipelined requests wait),
// bounded: request head <= maxHeaderBytes (431), body <= maxBodyBytes (413), chunked request
// bodies refused (411), a started request must arrive within requestTimeoutMs and an idle
// connection closes after idleTimeoutMs; at most maxConnections at once.

#include "azure/blobxml.h"
#include "azure/sharedkey.h"
#include "common/clock.h"
#include "common/result.h"

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslCertificate>
#include <QSslKey>
#include <QUrl>

#include <functional>
#include <utility>

class QSslServer;

namespace drlab {

struct StorageFrontConfig
{
    dr::azure::StorageCredential credential; // the replica account's: to verify stats requests
    QUrl upstream; // the replica's Azurite, https://127.0.0.1:PORT (the path is ignored)
    QList<QSslCertificate> upstreamCaCertificates;
    QList<QSslCertificate> certificateChain; // the front's own TLS identity
    QSslKey privateKey;
    int idleTimeoutMs = 30000;
    int requestTimeoutMs = 15000;
    int upstreamTimeoutMs = 30000; // of silence from upstream while waiting for its response
    qint64 maxHeaderBytes = 16 * 1024;
    qint64 maxBodyBytes = 8 * 1024 * 1024;
    int maxConnections = 64;
};

class StorageFront : public QObject
{
    Q_OBJECT

public:
    using StatsSource = std::function<dr::azure::GeoReplicationStats()>;

    struct Counters
    {
        qint64 statsAnswered = 0;
        qint64 authenticationFailures = 0;
        qint64 writesRefused = 0;
        qint64 passedThrough = 0;
        qint64 badRequests = 0;
        qint64 upstreamFailures = 0;
    };

    // stats is asked on every stats request (e.g. [&replicator] { return replicator.stats(); }).
    StorageFront(const StorageFrontConfig &config, StatsSource stats,
        const dr::Clock *clock = dr::Clock::system(), QObject *parent = nullptr);
    ~StorageFront() override;

    // A PEM certificate (chain) and its PEM private key (EC or RSA), for the config.
    static dr::Result<std::pair<QList<QSslCertificate>, QSslKey>> loadTls(
        const QString &certPath, const QString &keyPath);

    dr::Result<void> listen(
        quint16 port = 0, const QHostAddress &address = QHostAddress(QHostAddress::LocalHost));
    void close();
    quint16 port() const;
    // https://127.0.0.1:PORT/{account}-secondary: the endpoint a profile names.
    QUrl secondaryEndpoint() const;
    Counters counters() const { return m_counters; }

private:
    friend class FrontConnection;

    StorageFrontConfig m_config;
    StatsSource m_stats;
    const dr::Clock *m_clock;
    QSslServer *m_server = nullptr;
    QList<QPointer<QObject>> m_connections;
    Counters m_counters;
};

} // namespace drlab
