#pragma once

// The lab's storage geo-replication: every pollIntervalMs it lists every container and blob of
// the primary account and brings the replica account up to date (Azure Storage REST calls,
// nothing Azurite-specific): new and changed blobs are copied, blobs deleted on the primary
// are deleted on the replica, containers are created as needed. What the replica holds of a
// blob is recorded in the replica's own metadata (drsourceetag, drsourcelastmodified), so a
// restarted replicator does not copy everything again.
//
// Lag (setLagSeconds, the "replication-lag" fault): a pass that starts at S copies only
// changes older than S - lag (by Last-Modified, rounded up to the next second because the
// service reports whole seconds), and applies a deletion only once it has been seen for lag
// seconds. So the replica trails the primary by about lag + one poll interval. Raising the lag
// does not unsync what is synced: Last Sync Time stands still until it trails now by the new
// lag, then trails by it (what a real secondary falling behind shows too).
//
// Last Sync Time is the true one: every write the primary accepted before it is on the
// replica (the replica holds that version or a later one). A pass that starts at S with lag L
// and completes establishes min(S - L, bounds), where each blob the pass left behind (too new,
// too large, over the per-pass budget, or a deletion still pending) bounds it by the last time
// its replica copy is known to have been current: the time a pass last saw the primary holding
// exactly the replica's version, else the source Last-Modified recorded with the copy, else
// for a blob the replica has never held, its creation time. Blobs written during the pass are
// therefore never counted as synced: their newer version may be copied, but the pass claims
// nothing after S - L. Last Sync Time never moves backwards. A blob rewritten more often than
// every lag seconds holds it back, which is the truth: the replica has no version of it from
// before its last write (real geo-replication ships every write in order; copying from a listing
// only ever sees the latest version).
//
// Status: bootstrap until the first complete pass; live after each complete pass; unavailable
// when a pass fails (the primary or the replica cannot be reached or refuses), keeping the last
// Last Sync Time. A failed pass is retried at the next interval.
//
// Bounded work: one request at a time; a blob larger than maxBlobBytes is not copied (and
// holds Last Sync Time back, with an error in lastError); at most maxCopiesPerPass blobs and
// maxBytesPerPass bytes are copied per pass, the rest in later passes.

#include "azure/blobclient.h"
#include "common/clock.h"
#include "storageendpoint.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <algorithm>
#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace drlab {

class Replicator : public QObject
{
    Q_OBJECT

public:
    struct Counters
    {
        qint64 passes = 0; // completed
        qint64 failedPasses = 0;
        qint64 blobsCopied = 0;
        qint64 bytesCopied = 0;
        qint64 blobsDeleted = 0;
        qint64 blobsSkipped = 0; // too large to copy, over all passes
        QString lastError; // of the last failed pass or skipped blob; cleared by nothing
        QDateTime lastPassStartedAt;
        QDateTime lastPassFinishedAt;
    };

    // The metadata names the replica's copies carry.
    static constexpr char kSourceEtagKey[] = "drsourceetag";
    static constexpr char kSourceLastModifiedKey[] = "drsourcelastmodified";

    Replicator(const StorageEndpoint &primary, const StorageEndpoint &replica,
        const dr::Clock *clock = dr::Clock::system(), QObject *parent = nullptr);
    ~Replicator() override;

    void setPollIntervalMs(int ms) { m_pollIntervalMs = ms; }
    int pollIntervalMs() const { return m_pollIntervalMs; }
    void setLagSeconds(int seconds) { m_lagSeconds = std::max(0, seconds); }
    // Containers that are each region's own, not replica content (the run lock's blob lease
    // lives in the target region's account): never copied, never deleted.
    void setExcludedContainers(const QSet<QString> &containers) { m_excluded = containers; }
    int lagSeconds() const { return m_lagSeconds; }
    void setRequestTimeoutMs(int ms);
    void setMaxBlobBytes(qint64 bytes);
    void setMaxCopiesPerPass(int copies) { m_maxCopiesPerPass = copies; }
    void setMaxBytesPerPass(qint64 bytes) { m_maxBytesPerPass = bytes; }

    // Starts passing at once, then every pollIntervalMs after each pass ends.
    void start();
    // Stops; a pass in flight is abandoned (its answers ignored, nothing recorded).
    void stop();
    bool isRunning() const { return m_running; }

    dr::azure::GeoReplicationStats stats() const;
    Counters counters() const { return m_counters; }

signals:
    void passFinished(bool ok);
    void statsChanged(const dr::azure::GeoReplicationStats &stats);

private:
    struct Pass;

    void startPass();
    void finishPass(bool ok, const QString &error);
    void nextContainer();
    void syncContainer(const QString &container, const QList<dr::azure::BlobItem> &primaryBlobs,
        const QList<dr::azure::BlobItem> &replicaBlobs);
    void runTasks();
    void putCopy(const QString &container, const dr::azure::Blob &blob);
    void appendCopy(const QString &container, const dr::azure::Blob &blob,
        const QMap<QString, QString> &metadata, qint64 offset);
    void copied(const QString &container, const dr::azure::Blob &blob);
    void bound(const QDateTime &time);
    QDateTime keptUntil(const QString &key, const dr::azure::BlobItem *replica,
        const dr::azure::BlobItem *primary) const;
    template<typename T>
    std::function<void(dr::Result<T>)> guard(const char *side, std::function<void(T)> next);

    QNetworkAccessManager *m_network;
    dr::azure::BlobClient *m_primary;
    dr::azure::BlobClient *m_replica;
    const dr::Clock *m_clock;
    QTimer m_timer;
    int m_pollIntervalMs = 1000;
    int m_lagSeconds = 0;
    QSet<QString> m_excluded;
    qint64 m_maxBlobBytes = 8 * 1024 * 1024;
    int m_maxCopiesPerPass = 500;
    qint64 m_maxBytesPerPass = 64 * 1024 * 1024;
    bool m_running = false;
    quint64 m_generation = 0; // bumps on stop(): callbacks of an abandoned pass are ignored

    std::unique_ptr<Pass> m_pass;
    QString m_status = QStringLiteral("bootstrap");
    QDateTime m_lastSyncTime;
    Counters m_counters;
    // Per blob ("container/name"): the start of the last pass that saw the primary holding
    // exactly the version the replica holds; and when a deletion was first seen.
    QHash<QString, QDateTime> m_inSyncAt;
    QHash<QString, QDateTime> m_missingSince;
    QHash<QString, QDateTime> m_containerMissingSince;
};

} // namespace drlab
