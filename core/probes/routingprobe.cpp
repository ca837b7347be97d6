#include "routingprobe.h"

#include "routing/haproxyruntime.h"

#include <QJsonArray>

namespace dr {

RoutingProbe::RoutingProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent)
    : Probe(target, context, parent)
{}

void RoutingProbe::start()
{
    const qint64 started = m_context.clock->elapsedMs();
    m_runtime = new HaproxyRuntime(m_target.options.value(QStringLiteral("runtimeApi")).toString(), this);
    m_runtime->setTimeoutMs(m_target.settings.timeoutMs);
    const QString backend = m_target.options.value(QStringLiteral("backend")).toString();
    const QJsonObject targets = m_target.options.value(QStringLiteral("targets")).toObject();
    m_runtime->serverStates(backend, [this, started, targets](Result<QList<HaproxyServerState>> states) {
        if (m_done)
            return;
        m_done = true;
        ProbeResult r;
        r.latencyMs = m_context.clock->elapsedMs() - started;
        r.finishedAt = m_context.clock->nowUtc();
        if (!states) {
            r.outcome = ProbeResult::Outcome::Failure;
            r.detail = states.error();
            r.data.insert(QStringLiteral("servingRegion"), QJsonValue());
            emit finished(r);
            return;
        }
        const auto regionOf = [&targets](const QString &server) {
            for (auto it = targets.begin(); it != targets.end(); ++it) {
                if (it.value().toString() == server)
                    return it.key();
            }
            return QString();
        };
        QJsonArray servers;
        QStringList summary;
        for (const HaproxyServerState &s : *states) {
            const QString region = regionOf(s.server);
            servers.append(QJsonObject{{QStringLiteral("region"), region.isEmpty() ? QJsonValue() : QJsonValue(region)},
                                       {QStringLiteral("server"), s.server},
                                       {QStringLiteral("status"), s.status},
                                       {QStringLiteral("backup"), s.backup},
                                       {QStringLiteral("check"), s.checkStatus},
                                       {QStringLiteral("lastChangeSeconds"), s.lastChangeSeconds}});
            summary.append(QStringLiteral("%1 %2").arg(region.isEmpty() ? s.server : region, s.status));
        }
        const QString serving = regionOf(HaproxyRuntime::servingServer(*states));
        r.data.insert(QStringLiteral("servers"), servers);
        r.data.insert(QStringLiteral("servingRegion"), serving.isEmpty() ? QJsonValue() : QJsonValue(serving));
        if (serving.isEmpty()) {
            r.outcome = ProbeResult::Outcome::Failure;
            r.detail = QStringLiteral("no region serves (%1)").arg(summary.join(QStringLiteral(", ")));
        } else {
            r.outcome = ProbeResult::Outcome::Success;
            r.detail = QStringLiteral("%1 serves (%2)").arg(serving, summary.join(QStringLiteral(", ")));
        }
        emit finished(r);
    });
}

void RoutingProbe::abort()
{
    m_done = true;
    delete m_runtime;
    m_runtime = nullptr;
}

} // namespace dr
