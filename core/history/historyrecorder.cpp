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

QString HistoryRecorder::upKey(const QString &targetId)
{
    return QStringLiteral("up/") + targetId;
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
    if (targetId.startsWith(QStringLiteral("cert/")))
        return;
    if (result.latencyMs >= 0)
        m_store->record(latencyKey(targetId), at, double(result.latencyMs));
    // Degraded counts as up: it answered, which is what uptime promises.
    m_store->record(upKey(targetId), at, result.outcome == ProbeResult::Outcome::Failure ? 0.0 : 1.0);
}

} // namespace dr
