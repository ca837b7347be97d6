#include "historyrecorder.h"

#include "historystore.h"
#include "probes/probeengine.h"
#include "status/statusmonitor.h"

namespace dr {

HistoryRecorder::HistoryRecorder(ProbeEngine *engine, HistoryStore *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{
    if (engine)
        connect(engine, &ProbeEngine::resultRecorded, this, &HistoryRecorder::record);
}

QString HistoryRecorder::latencyKey(const QString &targetId)
{
    return QStringLiteral("latency/") + targetId;
}

QString HistoryRecorder::indexLagDocumentsKey()
{
    return QStringLiteral("indexSync/lagDocuments");
}

QString HistoryRecorder::indexLagSecondsKey()
{
    return QStringLiteral("indexSync/lagSeconds");
}

QString HistoryRecorder::replicationLagSecondsKey()
{
    return QStringLiteral("replication/lagSeconds");
}

void HistoryRecorder::record(const QString &targetId, const ProbeResult &result)
{
    if (!m_store || !m_store->isOpen())
        return;
    const QDateTime at = result.finishedAt.isValid() ? result.finishedAt : m_store->clock()->nowUtc();
    const auto fact = [this, &result, &at](const char *field, const QString &key) {
        const QJsonValue v = result.data.value(QLatin1String(field));
        if (v.isDouble())
            m_store->record(key, at, v.toDouble());
    };
    if (targetId == QLatin1String(StatusMonitor::kIndexSyncTarget)) {
        fact("lagDocuments", indexLagDocumentsKey());
        fact("lagSeconds", indexLagSecondsKey());
    } else if (targetId == QLatin1String(StatusMonitor::kReplicationTarget)) {
        fact("lagSeconds", replicationLagSecondsKey());
    }
    if (result.latencyMs >= 0 && !targetId.startsWith(QStringLiteral("cert/")))
        m_store->record(latencyKey(targetId), at, double(result.latencyMs));
}

} // namespace dr
