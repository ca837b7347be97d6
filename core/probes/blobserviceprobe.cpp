#include "blobserviceprobe.h"

#include "azure/blobclient.h"

namespace dr {

BlobServiceProbe::BlobServiceProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent)
    : Probe(target, context, parent)
{}

void BlobServiceProbe::start()
{
    const qint64 started = m_context.clock->elapsedMs();
    const auto finish = [this, started](ProbeResult r) {
        if (m_done)
            return;
        m_done = true;
        r.latencyMs = m_context.clock->elapsedMs() - started;
        r.finishedAt = m_context.clock->nowUtc();
        emit finished(r);
    };
    const QString account = m_target.options.value(QStringLiteral("accountName")).toString();
    const bool entra = m_target.options.value(QStringLiteral("auth")).toString() == u"entra";
    Result<azure::StorageCredential> credential = fail(QStringLiteral("auth entra needs the profile's azure.clientSecret"));
    if (!entra)
        credential = azure::StorageCredential::fromBase64(account, m_target.secrets.value(QStringLiteral("accountKey")));
    else if (m_context.azureTokens)
        credential = azure::StorageCredential::fromTokens(account, m_context.azureTokens, m_context.storageScope);
    if (!credential) {
        QMetaObject::invokeMethod(this, [finish, error = credential.error()] { finish(ProbeResult::failure(error)); },
                                  Qt::QueuedConnection);
        return;
    }
    auto *client = new azure::BlobClient(m_context.network, m_target.endpoint, *credential, this);
    m_work = client;
    client->setCaCertificates(m_context.extraCaCertificates);
    client->setClock(m_context.clock);
    client->setTimeoutMs(m_target.settings.timeoutMs);
    client->listContainers(QString(), QString(), 1, [finish, entra](Result<azure::ContainerListPage> page) {
        if (!page) {
            finish(ProbeResult::failure(page.error()));
            return;
        }
        ProbeResult r;
        r.outcome = ProbeResult::Outcome::Success;
        r.detail = entra ? QStringLiteral("blob service answers (Entra ID token accepted)")
                         : QStringLiteral("blob service answers (Shared Key accepted)");
        finish(r);
    });
}

void BlobServiceProbe::abort()
{
    m_done = true;
    delete m_work;
    m_work = nullptr;
}

} // namespace dr
