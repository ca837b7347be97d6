#pragma once

// Geo-replication of a storage account as an RPO exposure: Get Blob Service Stats on the
// account's secondary endpoint (status live|bootstrap|unavailable and Last Sync Time; the lag
// is now - Last Sync Time), and optionally a canary: a small blob written to the primary,
// timed until it reads back from the secondary (the lag as data would see it).
//   endpoint: the primary blob endpoint; options: accountName, secondaryEndpoint,
//             rpoSeconds, canary, canaryContainer, canaryTimeoutMs
//   secrets: accountKey
// Success when live within the RPO; Degraded when bootstrapping, beyond the RPO or the canary
// is not seen in time; Failure when the secondary cannot be asked or says unavailable.
// data: status, lastSyncTime, lagSeconds, rpoSeconds, canaryLagMs, canaryDetail, and state:
//   ok | lagging (Last Sync Time beyond the RPO) | delayed (within the RPO, but the canary did
//   not arrive in time: falling behind now) | bootstrap | unavailable | unknown
//
// ARM mode: with options.resourceId and ProbeContext::arm, the account's own
// geoReplicationStats (GET with $expand=geoReplicationStats) give the status and Last Sync
// Time instead of Get Blob Service Stats, judged the same way, plus canFailover and
// canPlannedFailover in data (source: "arm"). The canary still runs when the account key and
// the secondary endpoint are there.

#include "common/result.h"
#include "probe.h"

#include <QTimer>

namespace dr {

namespace azure {
class BlobClient;
struct StorageAccountInfo;
}

class StorageReplicationProbe final : public Probe
{
    Q_OBJECT

public:
    StorageReplicationProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent = nullptr);
    void start() override;
    void abort() override;

    // Pure: judge the stats (and the canary, when one ran). Public for tests.
    static ProbeResult judge(const QString &status, const QDateTime &lastSyncTime, const QDateTime &now, qint64 rpoSeconds);

private:
    void startArm(const QString &resourceId);
    void armAnswered(const Result<azure::StorageAccountInfo> &account);
    bool makeClients(QString *error);
    void runCanary();
    void pollCanary();
    void finish();

    azure::BlobClient *m_primary = nullptr;
    azure::BlobClient *m_secondary = nullptr;
    ProbeResult m_result;
    QString m_canaryBlob;
    qint64 m_startedMs = 0;
    qint64 m_canaryWrittenMs = 0;
    qint64 m_statsLatencyMs = -1;
    QTimer m_poll;
    bool m_done = false;
};

} // namespace dr
