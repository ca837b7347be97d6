#include "searchindexprobe.h"

#include "search/searchclient.h"

#include <QElapsedTimer>

namespace dr {

SearchIndexProbe::SearchIndexProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent)
    : Probe(target, context, parent)
{}

void SearchIndexProbe::start()
{
    SearchEndpoint endpoint;
    endpoint.serviceUrl = m_target.endpoint;
    endpoint.indexName = m_target.options.value(QStringLiteral("indexName")).toString();
    endpoint.apiVersion = m_target.options.value(QStringLiteral("apiVersion")).toString(QStringLiteral("2024-07-01"));
    if (m_target.options.value(QStringLiteral("auth")).toString() == u"entra") {
        if (!m_context.azureTokens) {
            QMetaObject::invokeMethod(this, [this] {
                if (m_done)
                    return;
                m_done = true;
                ProbeResult r = ProbeResult::failure(QStringLiteral("auth entra needs the profile's azure.clientSecret"));
                r.finishedAt = m_context.clock->nowUtc();
                emit finished(r);
            }, Qt::QueuedConnection);
            return;
        }
        endpoint.tokens = m_context.azureTokens;
        endpoint.scope = m_context.searchScope;
    } else {
        endpoint.apiKey = m_target.secrets.value(QStringLiteral("apiKey"));
    }
    endpoint.caCertificates = m_context.extraCaCertificates;
    endpoint.timeoutMs = m_target.settings.timeoutMs;
    m_client = new SearchClient(m_context.network, endpoint, this);
    auto elapsed = std::make_shared<QElapsedTimer>();
    elapsed->start();
    m_client->count([this, elapsed, index = endpoint.indexName](Result<qint64> count) {
        if (m_done)
            return;
        m_done = true;
        ProbeResult r;
        r.latencyMs = elapsed->elapsed();
        r.finishedAt = m_context.clock->nowUtc();
        if (!count) {
            r.outcome = ProbeResult::Outcome::Failure;
            r.detail = count.error();
        } else {
            r.data.insert(QStringLiteral("documentCount"), *count);
            r.outcome = *count > 0 ? ProbeResult::Outcome::Success : ProbeResult::Outcome::Degraded;
            r.detail = *count > 0 ? QStringLiteral("index %1: %2 documents").arg(index).arg(*count)
                                  : QStringLiteral("index %1 is empty").arg(index);
        }
        emit finished(r);
    });
}

void SearchIndexProbe::abort()
{
    m_done = true;
    delete m_client;
}

} // namespace dr
