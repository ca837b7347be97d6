#include "proberegistry.h"

#include "armresourceprobe.h"
#include "blobserviceprobe.h"
#include "httpprobe.h"
#include "indexsyncprobe.h"
#include "routingprobe.h"
#include "searchindexprobe.h"
#include "storagereplicationprobe.h"
#include "syntheticchatprobe.h"
#include "tlsprobe.h"

namespace dr {

ProbeRegistry::ProbeRegistry()
{
    // The built-in kinds: one line each.
    add<HttpProbe>(QStringLiteral("http"));
    add<TlsProbe>(QStringLiteral("tls"));
    add<SearchIndexProbe>(QStringLiteral("search-index"));
    add<BlobServiceProbe>(QStringLiteral("blob-service"));
    add<ArmResourceProbe>(QStringLiteral("storage-account"));
    add<ArmResourceProbe>(QStringLiteral("cosmos-db"));
    add<ArmResourceProbe>(QStringLiteral("app-service"));
    add<ArmResourceProbe>(QStringLiteral("key-vault"));
    add<StorageReplicationProbe>(QStringLiteral("storage-replication"), Scope::ProfileWide);
    add<IndexSyncProbe>(QStringLiteral("index-sync"), Scope::ProfileWide);
    add<RoutingProbe>(QStringLiteral("routing"), Scope::ProfileWide);
    add<SyntheticChatProbe>(QStringLiteral("synthetic-chat"), Scope::ProfileWide);
}

ProbeRegistry &ProbeRegistry::instance()
{
    static ProbeRegistry registry;
    return registry;
}

QStringList ProbeRegistry::kinds() const
{
    QStringList list = m_factories.keys();
    list.sort();
    return list;
}

QStringList ProbeRegistry::componentKinds() const
{
    QStringList list(m_componentKinds.cbegin(), m_componentKinds.cend());
    list.sort();
    return list;
}

Probe *ProbeRegistry::create(const ProbeTarget &target, const ProbeContext &context, QObject *parent) const
{
    const auto it = m_factories.constFind(target.settings.kind);
    return it == m_factories.constEnd() ? nullptr : it.value()(target, context, parent);
}

} // namespace dr
