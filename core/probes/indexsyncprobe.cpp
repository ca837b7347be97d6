#include "indexsyncprobe.h"

#include "search/searchclient.h"

namespace dr {

IndexSyncProbe::IndexSyncProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent)
    : Probe(target, context, parent)
{}

void IndexSyncProbe::start()
{
    m_startedMs = m_context.clock->elapsedMs();
    const QString watermark = m_target.options.value(QStringLiteral("watermarkField")).toString(QStringLiteral("lastUpdated"));
    const QString key = m_target.options.value(QStringLiteral("keyField")).toString(QStringLiteral("id"));
    for (const QString &side : {QStringLiteral("source"), QStringLiteral("target")}) {
        const QJsonObject o = m_target.options.value(side).toObject();
        SearchEndpoint endpoint;
        endpoint.serviceUrl = QUrl(o.value(QStringLiteral("url")).toString());
        endpoint.indexName = o.value(QStringLiteral("indexName")).toString();
        endpoint.apiVersion = o.value(QStringLiteral("apiVersion")).toString(QStringLiteral("2024-07-01"));
        if (o.value(QStringLiteral("auth")).toString() == u"entra") {
            endpoint.tokens = m_context.azureTokens;
            endpoint.scope = m_context.searchScope;
        } else {
            endpoint.apiKey = m_target.secrets.value(side + QStringLiteral(".apiKey"));
        }
        Side *s = side == u"source" ? &m_sourceSide : &m_targetSide;
        if (o.value(QStringLiteral("auth")).toString() == u"entra" && !m_context.azureTokens) {
            // Judged like an unreadable side; answered from the event loop, as probes do.
            s->error = QStringLiteral("auth entra needs the profile's azure.clientSecret");
            ++m_pending;
            QMetaObject::invokeMethod(this, [this] {
                --m_pending;
                maybeFinish();
            }, Qt::QueuedConnection);
            continue;
        }
        endpoint.caCertificates = m_context.extraCaCertificates;
        endpoint.timeoutMs = m_target.settings.timeoutMs;
        auto *client = new SearchClient(m_context.network, endpoint, this);
        m_pending += 2;
        client->count([this, s](Result<qint64> n) {
            if (n)
                s->count = *n;
            else if (s->error.isEmpty())
                s->error = n.error();
            --m_pending;
            maybeFinish();
        });
        client->newest(watermark, {key, watermark}, [this, s, watermark](Result<QJsonObject> doc) {
            if (doc && !doc->isEmpty()) {
                s->newest = QDateTime::fromString(doc->value(watermark).toString(), Qt::ISODateWithMs);
                if (!s->newest.isValid() && s->error.isEmpty())
                    s->error = QStringLiteral("the newest document's %1 is not a date: %2")
                                   .arg(watermark, doc->value(watermark).toVariant().toString());
            } else if (!doc && s->error.isEmpty()) {
                s->error = doc.error();
            }
            --m_pending;
            maybeFinish();
        });
    }
}

void IndexSyncProbe::abort()
{
    m_done = true;
    const auto clients = findChildren<SearchClient *>();
    qDeleteAll(clients);
}

void IndexSyncProbe::maybeFinish()
{
    if (m_done || m_pending > 0)
        return;
    m_done = true;
    ProbeResult r = judge(m_sourceSide, m_targetSide, m_target.options.value(QStringLiteral("lagDocuments")).toInteger(),
                          m_target.options.value(QStringLiteral("lagSeconds")).toInteger());
    r.latencyMs = m_context.clock->elapsedMs() - m_startedMs;
    r.finishedAt = m_context.clock->nowUtc();
    r.data.insert(QStringLiteral("source"), m_target.options.value(QStringLiteral("source")).toObject().value(QStringLiteral("region")));
    r.data.insert(QStringLiteral("target"), m_target.options.value(QStringLiteral("target")).toObject().value(QStringLiteral("region")));
    emit finished(r);
}

ProbeResult IndexSyncProbe::judge(const Side &source, const Side &target, qint64 lagDocumentsThreshold,
                                  qint64 lagSecondsThreshold)
{
    ProbeResult r;
    const auto put = [&r](const char *key, const QJsonValue &v) { r.data.insert(QLatin1String(key), v); };
    put("sourceCount", source.count ? QJsonValue(*source.count) : QJsonValue());
    put("targetCount", target.count ? QJsonValue(*target.count) : QJsonValue());
    put("sourceNewest", source.newest.isValid() ? QJsonValue(source.newest.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue());
    put("targetNewest", target.newest.isValid() ? QJsonValue(target.newest.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue());
    if (!source.error.isEmpty() || !target.error.isEmpty() || !source.count || !target.count) {
        r.outcome = ProbeResult::Outcome::Failure;
        r.detail = !source.error.isEmpty() ? QStringLiteral("source index: %1").arg(source.error)
                                           : QStringLiteral("target index: %1").arg(target.error);
        put("lagDocuments", QJsonValue());
        put("lagSeconds", QJsonValue());
        put("state", QStringLiteral("unknown"));
        return r;
    }
    // Documents the standby lacks, or has that the primary does not (drift): either way the
    // two indexes differ by that many.
    const qint64 lagDocuments = qAbs(*source.count - *target.count);
    qint64 lagSeconds = 0;
    if (source.newest.isValid() && target.newest.isValid())
        lagSeconds = qMax<qint64>(0, target.newest.secsTo(source.newest));
    else if (source.newest.isValid())
        lagSeconds = -1; // the standby is empty: no watermark to compare
    put("lagDocuments", lagDocuments);
    put("lagSeconds", lagSeconds >= 0 ? QJsonValue(lagSeconds) : QJsonValue());
    const bool lagging = lagDocuments > lagDocumentsThreshold || lagSeconds < 0 || lagSeconds > lagSecondsThreshold;
    put("state", lagging ? QStringLiteral("lagging") : QStringLiteral("ok"));
    r.outcome = lagging ? ProbeResult::Outcome::Degraded : ProbeResult::Outcome::Success;
    r.detail = QStringLiteral("%1 vs %2 documents, %3 apart; watermark lag %4")
                   .arg(*source.count)
                   .arg(*target.count)
                   .arg(lagDocuments)
                   .arg(lagSeconds >= 0 ? QStringLiteral("%1 s").arg(lagSeconds) : QStringLiteral("unknown (standby empty)"));
    if (lagging)
        r.detail += QStringLiteral(" (thresholds %1 documents, %2 s)").arg(lagDocumentsThreshold).arg(lagSecondsThreshold);
    return r;
}

} // namespace dr
