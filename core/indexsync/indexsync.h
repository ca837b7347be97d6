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
#include "profile/profile.h"
#include "search/searchclient.h"

#include <QDateTime>
#include <QObject>

#include <functional>

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

    // Resolves both regions' search endpoints from the profile (component indexSync.componentId,
    // keys from the secret store: the source's query key, the target's admin key).
    static void endpointsFor(const Profile &profile, const QString &fromRegion, const QString &toRegion,
                             SecretStore *secrets,
                             std::function<void(Result<std::pair<SearchEndpoint, SearchEndpoint>>)> done);

Q_SIGNALS:
    void progress(const dr::IndexSyncProgress &progress);
};

} // namespace dr
