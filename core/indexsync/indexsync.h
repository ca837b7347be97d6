#pragma once

// Copies a search index from one region to the other, for failover, failback and
// `drctl sync-index`. Delta by default: every document whose watermark field is at or after
// the target's newest watermark, plus deletion of target documents whose key is gone from the
// source (a key diff); `full` copies everything. Deep paging orders by the key (or watermark)
// and filters past the last value seen (never $skip, which Azure AI Search caps at 100,000).
// Batches of 1,000 in flight with bounded concurrency; items a 207 reports as failed are
// retried; the end verifies counts and a sample of documents by checksum. Progress is
// reported as it goes; cancel() stops after the batches in flight.

#include "common/result.h"
#include "indexsync/indexkeys.h"
#include "profile/profile.h"
#include "search/searchclient.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QSet>

#include <functional>
#include <memory>
#include <vector>

class QNetworkAccessManager;

namespace dr {

class SecretStore;

struct IndexSyncOptions
{
    bool full = false;
    int batchSize = 1000;
    int concurrency = 4;
    int itemRetries = 3;
    int sampleSize = 50;      // documents compared by checksum at the end
    // The key diff reads each index in up to `concurrency` key ranges in parallel, one range
    // per this many documents.
    int keysPerRange = 10000;
};

struct IndexSyncProgress
{
    QString phase;            // "scanning", "copying", "deleting", "verifying"
    qint64 toCopy = -1;       // -1: not known yet
    qint64 copied = 0;
    qint64 toDelete = -1;
    qint64 deleted = 0;
    qint64 failed = 0;
};

struct IndexSyncReport
{
    bool full = false;
    QDateTime watermark;      // the target's newest watermark before the copy (delta)
    qint64 copied = 0;
    qint64 deleted = 0;
    qint64 sourceCount = 0;
    qint64 targetCount = 0;
    int sampled = 0;
    bool verified = false;    // counts equal and every sampled document identical
    QString verification;     // what the check found, in words
    qint64 elapsedMs = 0;
    QJsonObject toJson() const;
};

class IndexSync : public QObject
{
    Q_OBJECT

public:
    // `target` needs an admin key.
    IndexSync(QNetworkAccessManager *network, const SearchEndpoint &source, const SearchEndpoint &target,
              const IndexSyncSettings &settings, const IndexSyncOptions &options, QObject *parent = nullptr);

    // `done` is answered exactly once: the report, or what stopped it ("cancelled", the
    // service's error with the region and the phase).
    void start(std::function<void(Result<IndexSyncReport>)> done);
    void cancel();

    // Names the two sides in messages ("region B"); "source" and "target" otherwise.
    void setSideNames(const QString &source, const QString &target);

    // Resolves both regions' search endpoints from the profile (component indexSync.componentId,
    // keys from the secret store: the source's query key, the target's admin key). A side
    // with search.auth "entra" gets no key but a token source instead: the app's Entra ID
    // tokens (profile.azure, its clientSecret from `secrets`) for azure.searchScope, from one
    // EntraTokenSource per app kept as a child of `secrets` (so it lives as long as the store
    // and its cached tokens serve every later sync); no azure.clientSecret is an error.
    static void endpointsFor(const Profile &profile, const QString &fromRegion, const QString &toRegion,
                             SecretStore *secrets,
                             std::function<void(Result<std::pair<SearchEndpoint, SearchEndpoint>>)> done);

    // The pure parts, public for tests.
    // `base` and the key past `lastKey` (empty: from the first), as one $filter.
    static QString pageFilter(const QString &keyField, const QString &base, const QString &lastKey);
    // search.in(key, 'k1,k2,...'): Azure keys hold letters, digits, _, - and = only, never a comma.
    static QString keysFilter(const QString &keyField, const QList<QString> &keys);
    // SHA-256 (hex) of the document's canonical JSON (sorted keys, compact), @search.* dropped.
    static QByteArray checksum(const QJsonObject &document);
    // Whether an item the service refused may succeed later (409 conflict, 422 not ready,
    // 429/503 busy, 500).
    static bool retryable(int statusCode);
    // The $filter of key range `i` of the ranges `bounds` split an index into (below
    // bounds[0], from bounds[i-1] to below bounds[i], and from the last bound up), for its
    // page past `lastKey` (empty: its first page). Past the first page the range's lower
    // bound gives way to the last key rather than joining it: two lower bounds on one field
    // leave a service to guess which one to seek (SQLite takes the first, and each page would
    // walk the range from its start).
    static QString rangeFilter(const QString &keyField, const QStringList &bounds, int i, const QString &lastKey = {});

Q_SIGNALS:
    void progress(const dr::IndexSyncProgress &progress);

private:
    struct Batch
    {
        QJsonArray actions;
        int attempt = 0;
        bool deletes = false;
    };
    // A paged read of one index, ordered by the key, past the last key.
    struct Scan
    {
        SearchClient *client = nullptr;
        QString filter;        // besides the key filter
        QStringList select;
        QStringList bounds;    // a key range: the split points of its index, and which range
        int range = -1;
        QString lastKey;
        bool done = false;
        bool inFlight = false;
        // A key scan reads its index in key ranges, each a Scan of its own, in parallel;
        // each range keeps its keys until the last range ends.
        std::vector<std::unique_ptr<Scan>> ranges;
        int rangesLeft = 0;
        IndexKeys keys;
    };

    // Reads the scan's next page; `onPage` takes its documents (and the count on the first
    // page), `after` runs next unless the sync is stopping. `who` names the index in errors.
    void scanPage(Scan *scan, std::function<void(const QList<QJsonObject> &, std::optional<qint64>)> onPage,
                  std::function<void()> after, const QString &who);
    void scanKeys();
    void scanKeysOf(Scan *side, IndexKeys *keys, const QString &who);
    void scanKeyRanges(Scan *side, const QStringList &bounds, IndexKeys *keys, const QString &who);
    void scanKeyRange(Scan *side, Scan *range, IndexKeys *keys, const QString &who);
    void afterKeyScan();
    void startDeltaCopy();
    void afterScanAndCopy();
    void deleteKeys(const QList<QString> &keys, std::function<void()> then);
    // The target's newest watermark among the documents `filter` admits, into
    // m_watermarkLiteral and m_watermarkKey (both empty when there is none), then `then`.
    void readWatermark(const QString &filter, std::function<void()> then);
    // Copies the source's documents `filter` admits (`scan`: none, only the missing keys),
    // then, with `withMissing`, the documents the key diff found missing from the target.
    void startCopy(const QString &filter, bool scan, bool withMissing, std::function<void()> then);
    void requestCopyPage();
    void enqueue(const QJsonArray &actions, bool deletes);
    void pump();
    void sendBatch(Batch batch);
    void batchFinished(const Batch &batch, const Result<QList<IndexItemResult>> &result);
    void maybePhaseDone();
    void verify();
    void verifyCounts(int attempt);
    void verifySample();
    void stop(const QString &error);
    // True when cancelled or failed; answers once nothing is in flight any more.
    bool haltIfStopping();
    void finish(Result<IndexSyncReport> result);
    void emitProgress();

    QNetworkAccessManager *m_network;
    SearchClient *m_source;
    SearchClient *m_target;
    IndexSyncSettings m_settings;
    IndexSyncOptions m_options;
    QString m_sourceName = QStringLiteral("source");
    QString m_targetName = QStringLiteral("target");
    std::function<void(Result<IndexSyncReport>)> m_done;

    IndexSyncReport m_report;
    IndexSyncProgress m_progress;
    QElapsedTimer m_elapsed;
    IndexKeys m_sourceKeys;
    IndexKeys m_targetKeys;
    QSet<QString> m_copiedKeys;
    QList<QString> m_missingKeys; // in the source, not in the target (delta)
    std::unique_ptr<Scan> m_sourceScan;
    std::unique_ptr<Scan> m_targetScan;
    Scan m_copyScan;
    QString m_watermarkLiteral;
    QString m_watermarkKey;        // the document that holds it
    bool m_watermarkRead = false;
    bool m_copyStarted = false;
    bool m_copyPassDone = false;   // the delta's first copy, from the watermark
    bool m_scanDone = false;
    qint64 m_toCopyBefore = 0;     // what earlier copies of this run counted
    QStringList m_keyChunks;       // search.in filters for the missing keys, still to read
    bool m_missingQueued = false;
    bool m_copyScanIsKeys = false;
    int m_pendingOps = 0;          // requests in flight, reads and writes
    std::function<void()> m_phaseDone; // runs when the phase's reads and writes are all done
    bool m_readsDone = true;
    bool m_writeChecked = false;       // the target answered the admin-only request

    QList<Batch> m_queue;
    int m_inFlight = 0;
    int m_retriesWaiting = 0;
    QString m_firstFailure;
    QString m_error;
    bool m_cancelled = false;
    bool m_finished = false;
    bool m_started = false;
};

} // namespace dr
