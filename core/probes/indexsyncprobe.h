#pragma once

// The index sync lag between the primary's search index (source) and the standby's
// (target): document counts on both sides, and the watermark lag, the difference between
// the newest watermark (e.g. lastUpdated) on each side. Azure does not replicate search
// indexes; this is how far the standby's knowledge would be behind after a failover.
//   options: source {url, indexName, apiVersion, region, auth ("key" | "entra")},
//            target {...}, keyField, watermarkField, lagDocuments, lagSeconds (the
//            profile's thresholds)
//   secrets: source.apiKey, target.apiKey (for the sides with auth "key"); a side with auth
//            "entra" uses ProbeContext::azureTokens for its searchScope.
// Success within both thresholds, Degraded beyond, Failure when a side cannot be read.
// data: source, target, sourceCount, targetCount, lagDocuments, sourceNewest,
//       targetNewest, lagSeconds, state (ok|lagging|unknown).

#include "probe.h"

#include <QJsonObject>

namespace dr {

class IndexSyncProbe final : public Probe
{
    Q_OBJECT

public:
    IndexSyncProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent = nullptr);
    void start() override;
    void abort() override;

    struct Side
    {
        std::optional<qint64> count;
        QDateTime newest;
        QString error;
    };
    // Pure: judge both sides. Public for tests.
    static ProbeResult judge(const Side &source, const Side &target, qint64 lagDocumentsThreshold,
                             qint64 lagSecondsThreshold);

private:
    void maybeFinish();

    Side m_sourceSide;
    Side m_targetSide;
    int m_pending = 0;
    bool m_done = false;
    qint64 m_startedMs = 0;
};

} // namespace dr
