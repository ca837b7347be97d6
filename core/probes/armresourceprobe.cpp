#include "armresourceprobe.h"

#include "azure/armclient.h"
#include "azure/armresources.h"

#include <QPointer>

namespace dr {

namespace {

using Outcome = ProbeResult::Outcome;

ProbeResult outcome(Outcome o, const QString &detail, const QJsonObject &data)
{
    ProbeResult r;
    r.outcome = o;
    r.detail = detail;
    r.data = data;
    return r;
}

ProbeResult judgeStorage(const azure::StorageAccountInfo &a)
{
    const QJsonObject data = a.toJson();
    const QString where = a.primaryLocation.isEmpty() ? QString() : QStringLiteral(" in %1").arg(a.primaryLocation);
    if (a.statusOfPrimary.compare(QStringLiteral("available"), Qt::CaseInsensitive) != 0)
        return outcome(Outcome::Failure, QStringLiteral("storage account %1: primary%2 is %3").arg(a.name, where, a.statusOfPrimary.isEmpty() ? QStringLiteral("of unknown status") : a.statusOfPrimary), data);
    if (!a.geo)
        return outcome(Outcome::Success, QStringLiteral("storage account %1: primary%2 available; no geo-replication statistics (sku %3)").arg(a.name, where, a.sku), data);
    const QString lastSync = a.geo->lastSyncTime.isValid() ? a.geo->lastSyncTime.toString(Qt::ISODate) : QStringLiteral("none");
    if (a.geo->status.compare(QStringLiteral("Live"), Qt::CaseInsensitive) != 0)
        return outcome(Outcome::Degraded, QStringLiteral("storage account %1: primary%2 available, geo-replication %3 (last sync %4)")
                                              .arg(a.name, where, a.geo->status.isEmpty() ? QStringLiteral("status unknown") : a.geo->status, lastSync), data);
    if (a.geo->canFailover == false)
        return outcome(Outcome::Degraded, QStringLiteral("storage account %1: geo-replication live to %2, but the account cannot fail over now (last sync %3)")
                                              .arg(a.name, a.secondaryLocation, lastSync), data);
    return outcome(Outcome::Success, QStringLiteral("storage account %1: primary%2 available, geo-replication live to %3, last sync %4%5")
                                         .arg(a.name, where, a.secondaryLocation, lastSync,
                                              a.failoverInProgress == true ? QStringLiteral(" (failover in progress)") : QString()), data);
}

ProbeResult judgeCosmos(const azure::CosmosAccountInfo &a, const QString &location)
{
    const QJsonObject data = a.toJson();
    const QString summary = QStringLiteral("write region %1; failover priorities %2").arg(a.writeRegion(), a.describePriorities());
    QList<azure::CosmosLocation> judged;
    if (location.isEmpty()) {
        judged = a.locations;
    } else if (const azure::CosmosLocation *l = a.location(location)) {
        judged.append(*l);
    } else {
        return outcome(Outcome::Failure, QStringLiteral("Cosmos DB account %1 has no location %2; %3").arg(a.name, location, summary), data);
    }
    for (const azure::CosmosLocation &l : judged) {
        if (l.provisioningState.compare(QStringLiteral("Succeeded"), Qt::CaseInsensitive) == 0)
            continue;
        const bool failed = l.provisioningState.compare(QStringLiteral("Failed"), Qt::CaseInsensitive) == 0;
        return outcome(failed ? Outcome::Failure : Outcome::Degraded,
                       QStringLiteral("location %1 is %2; %3").arg(l.locationName, l.provisioningState.isEmpty() ? QStringLiteral("of unknown state") : l.provisioningState, summary), data);
    }
    return outcome(Outcome::Success, summary, data);
}

ProbeResult judgeWebApp(const azure::WebAppInfo &a)
{
    const QJsonObject data = a.toJson();
    const QString what = QStringLiteral("web app %1 is %2, availability %3").arg(a.name, a.state, a.availabilityState);
    if (!a.enabled)
        return outcome(Outcome::Failure, QStringLiteral("web app %1 is disabled").arg(a.name), data);
    if (a.state.compare(QStringLiteral("Running"), Qt::CaseInsensitive) != 0
        || a.availabilityState.compare(QStringLiteral("DisasterRecoveryMode"), Qt::CaseInsensitive) == 0)
        return outcome(Outcome::Failure, what, data);
    if (a.availabilityState.compare(QStringLiteral("Normal"), Qt::CaseInsensitive) != 0)
        return outcome(Outcome::Degraded, what, data);
    return outcome(Outcome::Success, what, data);
}

ProbeResult judgeVault(const azure::VaultInfo &v)
{
    const QJsonObject data = v.toJson();
    if (v.provisioningState.compare(QStringLiteral("Succeeded"), Qt::CaseInsensitive) == 0)
        return outcome(Outcome::Success, QStringLiteral("key vault %1 provisioned (%2); it fails over by itself").arg(v.name, v.vaultUri), data);
    // RegisteringDns: the vault is being created or moved; anything else is unexpected.
    const bool transient = v.provisioningState.compare(QStringLiteral("RegisteringDns"), Qt::CaseInsensitive) == 0;
    return outcome(transient ? Outcome::Degraded : Outcome::Failure, QStringLiteral("key vault %1 is %2").arg(v.name, v.provisioningState), data);
}

template<typename T>
ProbeResult judged(const Result<T> &parsed, const std::function<ProbeResult(const T &)> &judge)
{
    return parsed ? judge(*parsed) : ProbeResult::failure(parsed.error());
}

} // namespace

ArmResourceProbe::ArmResourceProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent)
    : Probe(target, context, parent)
{
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        finish(ProbeResult::failure(QStringLiteral("no answer from Azure Resource Manager within %1 ms").arg(m_target.settings.timeoutMs)));
    });
}

ProbeResult ArmResourceProbe::judge(const QString &kind, const QJsonObject &body, const QString &location)
{
    if (kind == u"storage-account")
        return judged<azure::StorageAccountInfo>(azure::parseStorageAccount(body), judgeStorage);
    if (kind == u"cosmos-db")
        return judged<azure::CosmosAccountInfo>(azure::parseCosmosAccount(body), [&](const auto &a) { return judgeCosmos(a, location); });
    if (kind == u"app-service")
        return judged<azure::WebAppInfo>(azure::parseWebApp(body), judgeWebApp);
    if (kind == u"key-vault")
        return judged<azure::VaultInfo>(azure::parseVault(body), judgeVault);
    return ProbeResult::failure(QStringLiteral("%1 is not an Azure resource probe kind").arg(kind));
}

void ArmResourceProbe::start()
{
    m_startedMs = m_context.clock->elapsedMs();
    const QString kind = m_target.settings.kind;
    const QString resourceId = m_target.options.value(QStringLiteral("resourceId")).toString();
    const QString apiVersion = m_target.options.value(QStringLiteral("resourceApiVersion")).toString();
    const auto failSoon = [this](const QString &why) {
        QMetaObject::invokeMethod(this, [this, why] { finish(ProbeResult::failure(why)); }, Qt::QueuedConnection);
    };
    if (!m_target.setupError.isEmpty()) {
        failSoon(m_target.setupError);
        return;
    }
    if (resourceId.isEmpty()) {
        failSoon(QStringLiteral("the component names no Azure resource: it needs \"azure\": {\"resourceId\": ...}"));
        return;
    }
    if (const auto id = azure::ArmResourceId::parse(resourceId); !id) {
        failSoon(id.error());
        return;
    }
    if (!m_context.arm) {
        failSoon(QStringLiteral("no Azure credentials: the profile needs azure.clientSecret"));
        return;
    }
    azure::ArmRequest request;
    if (kind == u"storage-account")
        request = azure::storageAccountGet(resourceId, apiVersion);
    else if (kind == u"cosmos-db")
        request = azure::cosmosAccountGet(resourceId, apiVersion);
    else if (kind == u"app-service")
        request = azure::webAppGet(resourceId, apiVersion);
    else if (kind == u"key-vault")
        request = azure::vaultGet(resourceId, apiVersion);
    else {
        failSoon(QStringLiteral("%1 is not an Azure resource probe kind").arg(kind));
        return;
    }
    m_timeout.start(m_target.settings.timeoutMs);
    QPointer<ArmResourceProbe> self(this);
    azure::sendRequest(m_context.arm, request, [self, kind](Result<ArmResponse> response) {
        if (!self || self->m_done)
            return; // aborted, or timed out: the answer has nobody to go to
        if (!response) {
            self->finish(ProbeResult::failure(response.error()));
            return;
        }
        self->finish(judge(kind, response->body, self->m_target.options.value(QStringLiteral("location")).toString()));
    });
}

void ArmResourceProbe::finish(ProbeResult result)
{
    if (m_done)
        return;
    m_done = true;
    m_timeout.stop();
    result.latencyMs = m_context.clock->elapsedMs() - m_startedMs;
    result.finishedAt = m_context.clock->nowUtc();
    emit finished(result);
}

void ArmResourceProbe::abort()
{
    m_done = true;
    m_timeout.stop();
}

} // namespace dr
