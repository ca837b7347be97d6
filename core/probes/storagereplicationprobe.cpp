#include "storagereplicationprobe.h"

#include "azure/armclient.h"
#include "azure/armresources.h"
#include "azure/blobclient.h"

#include <QPointer>
#include <QUuid>

namespace dr {

StorageReplicationProbe::StorageReplicationProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent)
    : Probe(target, context, parent)
{
    m_poll.setSingleShot(true);
    connect(&m_poll, &QTimer::timeout, this, &StorageReplicationProbe::pollCanary);
}

ProbeResult StorageReplicationProbe::judge(const QString &status, const QDateTime &lastSyncTime, const QDateTime &now,
                                           qint64 rpoSeconds)
{
    ProbeResult r;
    r.data.insert(QStringLiteral("status"), status);
    r.data.insert(QStringLiteral("rpoSeconds"), rpoSeconds);
    r.data.insert(QStringLiteral("lastSyncTime"),
                  lastSyncTime.isValid() ? QJsonValue(lastSyncTime.toUTC().toString(Qt::ISODate)) : QJsonValue());
    const qint64 lag = lastSyncTime.isValid() ? qMax<qint64>(0, lastSyncTime.secsTo(now)) : -1;
    r.data.insert(QStringLiteral("lagSeconds"), lag >= 0 ? QJsonValue(lag) : QJsonValue());
    if (status == u"unavailable") {
        r.outcome = ProbeResult::Outcome::Failure;
        r.data.insert(QStringLiteral("state"), QStringLiteral("unavailable"));
        r.detail = QStringLiteral("geo-replication unavailable%1")
                       .arg(lag >= 0 ? QStringLiteral(": last sync %1 s ago (RPO %2 s)").arg(lag).arg(rpoSeconds) : QString());
    } else if (status == u"bootstrap" || lag < 0) {
        r.outcome = ProbeResult::Outcome::Degraded;
        r.data.insert(QStringLiteral("state"), QStringLiteral("bootstrap"));
        r.detail = QStringLiteral("geo-replication is bootstrapping: no Last Sync Time yet");
    } else if (lag > rpoSeconds) {
        r.outcome = ProbeResult::Outcome::Degraded;
        r.data.insert(QStringLiteral("state"), QStringLiteral("lagging"));
        r.detail = QStringLiteral("live, but last sync %1 s ago: beyond the RPO of %2 s").arg(lag).arg(rpoSeconds);
    } else {
        r.outcome = ProbeResult::Outcome::Success;
        r.data.insert(QStringLiteral("state"), QStringLiteral("ok"));
        r.detail = QStringLiteral("live, last sync %1 s ago (RPO %2 s)").arg(lag).arg(rpoSeconds);
    }
    return r;
}

bool StorageReplicationProbe::makeClients(QString *error)
{
    const auto credential = azure::StorageCredential::fromBase64(m_target.options.value(QStringLiteral("accountName")).toString(),
                                                                m_target.secrets.value(QStringLiteral("accountKey")));
    if (!credential) {
        *error = credential.error();
        return false;
    }
    const auto makeClient = [&](const QUrl &endpoint) {
        auto *client = new azure::BlobClient(m_context.network, endpoint, *credential, this);
        client->setCaCertificates(m_context.extraCaCertificates);
        client->setClock(m_context.clock);
        client->setTimeoutMs(qMin(m_target.settings.timeoutMs, 10000));
        return client;
    };
    m_primary = makeClient(m_target.endpoint);
    m_secondary = makeClient(QUrl(m_target.options.value(QStringLiteral("secondaryEndpoint")).toString()));
    return true;
}

void StorageReplicationProbe::start()
{
    m_startedMs = m_context.clock->elapsedMs();
    if (const QString resourceId = m_target.options.value(QStringLiteral("resourceId")).toString(); !resourceId.isEmpty() && m_context.arm) {
        startArm(resourceId);
        return;
    }
    QString error;
    if (!makeClients(&error)) {
        m_result = ProbeResult::failure(error);
        QMetaObject::invokeMethod(this, &StorageReplicationProbe::finish, Qt::QueuedConnection);
        return;
    }
    m_secondary->getServiceStats([this](Result<azure::GeoReplicationStats> stats) {
        if (m_done)
            return;
        // The probe's latency is the secondary's answer; the canary's wait is its own figure.
        m_statsLatencyMs = m_context.clock->elapsedMs() - m_startedMs;
        if (!stats) {
            m_result = ProbeResult::failure(QStringLiteral("secondary endpoint: %1").arg(stats.error()));
            m_result.data.insert(QStringLiteral("status"), QStringLiteral("unknown"));
            m_result.data.insert(QStringLiteral("state"), QStringLiteral("unknown"));
            finish();
            return;
        }
        m_result = judge(stats->status, stats->lastSyncTime, m_context.clock->nowUtc(),
                         m_target.options.value(QStringLiteral("rpoSeconds")).toInteger(900));
        if (m_target.options.value(QStringLiteral("canary")).toBool(true) && stats->status != u"unavailable")
            runCanary();
        else
            finish();
    });
}

void StorageReplicationProbe::startArm(const QString &resourceId)
{
    // The engine's watchdog bounds the probe too; this one says why in ARM's words.
    QTimer::singleShot(m_target.settings.timeoutMs, this, [this] {
        if (m_done || m_statsLatencyMs >= 0)
            return;
        m_result = ProbeResult::failure(QStringLiteral("no answer from Azure Resource Manager within %1 ms").arg(m_target.settings.timeoutMs));
        m_result.data.insert(QStringLiteral("status"), QStringLiteral("unknown"));
        m_result.data.insert(QStringLiteral("state"), QStringLiteral("unknown"));
        finish();
    });
    QPointer<StorageReplicationProbe> self(this);
    const azure::ArmRequest request = azure::storageAccountGet(resourceId, m_target.options.value(QStringLiteral("resourceApiVersion")).toString());
    azure::sendRequest(m_context.arm, request, [self](Result<ArmResponse> response) {
        if (!self || self->m_done)
            return;
        self->armAnswered(response ? azure::parseStorageAccount(response->body) : Result<azure::StorageAccountInfo>(fail(response.error())));
    });
}

void StorageReplicationProbe::armAnswered(const Result<azure::StorageAccountInfo> &account)
{
    m_statsLatencyMs = m_context.clock->elapsedMs() - m_startedMs;
    const auto unknown = [this](const QString &why) {
        m_result = ProbeResult::failure(why);
        m_result.data.insert(QStringLiteral("status"), QStringLiteral("unknown"));
        m_result.data.insert(QStringLiteral("state"), QStringLiteral("unknown"));
        m_result.data.insert(QStringLiteral("source"), QStringLiteral("arm"));
        finish();
    };
    if (!account) {
        unknown(QStringLiteral("storage account: %1").arg(account.error()));
        return;
    }
    if (!account->geo) {
        unknown(QStringLiteral("storage account %1 reports no geoReplicationStats (sku %2): it is not geo-replicated")
                    .arg(account->name, account->sku));
        return;
    }
    // ARM spells the status Live/Bootstrap/Unavailable; Get Blob Service Stats, which judge()
    // reads, in lower case.
    const QString status = account->geo->status.toLower();
    m_result = judge(status, account->geo->lastSyncTime, m_context.clock->nowUtc(),
                     m_target.options.value(QStringLiteral("rpoSeconds")).toInteger(900));
    m_result.data.insert(QStringLiteral("source"), QStringLiteral("arm"));
    if (account->geo->canFailover)
        m_result.data.insert(QStringLiteral("canFailover"), *account->geo->canFailover);
    if (account->geo->canPlannedFailover)
        m_result.data.insert(QStringLiteral("canPlannedFailover"), *account->geo->canPlannedFailover);
    if (account->failoverInProgress)
        m_result.data.insert(QStringLiteral("failoverInProgress"), *account->failoverInProgress);
    m_result.data.insert(QStringLiteral("primaryLocation"), account->primaryLocation);
    m_result.data.insert(QStringLiteral("secondaryLocation"), account->secondaryLocation);
    const bool canary = m_target.options.value(QStringLiteral("canary")).toBool(true) && status != u"unavailable"
        && !m_target.secrets.value(QStringLiteral("accountKey")).isEmpty()
        && !m_target.options.value(QStringLiteral("secondaryEndpoint")).toString().isEmpty();
    QString error;
    if (canary && makeClients(&error))
        runCanary();
    else
        finish();
}

void StorageReplicationProbe::runCanary()
{
    const QString container = m_target.options.value(QStringLiteral("canaryContainer")).toString(QStringLiteral("drconsole-canary"));
    m_canaryBlob = QStringLiteral("canary-%1").arg(QUuid::createUuid().toString(QUuid::Id128));
    m_primary->createContainer(container, [this, container](Result<bool> created) {
        if (m_done)
            return;
        if (!created) {
            m_result.data.insert(QStringLiteral("canaryDetail"), QStringLiteral("cannot write the canary: %1").arg(created.error()));
            finish();
            return;
        }
        const QByteArray body = m_context.clock->nowUtc().toString(Qt::ISODateWithMs).toUtf8();
        m_primary->putBlockBlob(container, m_canaryBlob, body, QStringLiteral("text/plain"), [this](Result<azure::WriteResult> written) {
            if (m_done)
                return;
            if (!written) {
                m_result.data.insert(QStringLiteral("canaryDetail"), QStringLiteral("cannot write the canary: %1").arg(written.error()));
                finish();
                return;
            }
            m_canaryWrittenMs = m_context.clock->elapsedMs();
            pollCanary();
        });
    });
}

void StorageReplicationProbe::pollCanary()
{
    if (m_done)
        return;
    const QString container = m_target.options.value(QStringLiteral("canaryContainer")).toString(QStringLiteral("drconsole-canary"));
    const qint64 canaryTimeout = m_target.options.value(QStringLiteral("canaryTimeoutMs")).toInteger(20000);
    m_secondary->getBlobProperties(container, m_canaryBlob, [this, container, canaryTimeout](Result<std::optional<azure::BlobItem>> props) {
        if (m_done)
            return;
        const qint64 waited = m_context.clock->elapsedMs() - m_canaryWrittenMs;
        if (props && props->has_value()) {
            m_result.data.insert(QStringLiteral("canaryLagMs"), waited);
            m_result.data.insert(QStringLiteral("canaryDetail"), QStringLiteral("canary replicated in %1 ms").arg(waited));
            m_primary->deleteBlob(container, m_canaryBlob, [](Result<bool>) {}); // the replica follows the delete
            finish();
            return;
        }
        if (waited >= canaryTimeout) {
            m_result.data.insert(QStringLiteral("canaryLagMs"), QJsonValue());
            m_result.data.insert(QStringLiteral("canaryDetail"),
                                 QStringLiteral("canary not replicated within %1 ms%2")
                                     .arg(canaryTimeout)
                                     .arg(props ? QString() : QStringLiteral(" (%1)").arg(props.error())));
            if (m_result.outcome == ProbeResult::Outcome::Success) {
                // Replication is live and the Last Sync Time within the RPO, yet new data does
                // not arrive: it is falling behind now, before the Last Sync Time shows it.
                m_result.outcome = ProbeResult::Outcome::Degraded;
                m_result.data.insert(QStringLiteral("state"), QStringLiteral("delayed"));
                m_result.detail += QStringLiteral("; canary not replicated within %1 ms").arg(canaryTimeout);
            }
            m_primary->deleteBlob(container, m_canaryBlob, [](Result<bool>) {});
            finish();
            return;
        }
        m_poll.start(250);
    });
}

void StorageReplicationProbe::finish()
{
    if (m_done)
        return;
    m_done = true;
    m_poll.stop();
    m_result.latencyMs = m_statsLatencyMs >= 0 ? m_statsLatencyMs : m_context.clock->elapsedMs() - m_startedMs;
    m_result.finishedAt = m_context.clock->nowUtc();
    emit finished(m_result);
}

void StorageReplicationProbe::abort()
{
    m_done = true;
    m_poll.stop();
    delete m_primary;
    delete m_secondary;
    m_primary = m_secondary = nullptr;
}

} // namespace dr
