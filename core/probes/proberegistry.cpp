#include "proberegistry.h"

#include "httpprobe.h"
#include "tlsprobe.h"

namespace dr {

ProbeRegistry::ProbeRegistry()
{
    // The built-in kinds: one line each.
    add<HttpProbe>(QStringLiteral("http"));
    add<TlsProbe>(QStringLiteral("tls"));
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

Probe *ProbeRegistry::create(const ProbeTarget &target, const ProbeContext &context, QObject *parent) const
{
    const auto it = m_factories.constFind(target.settings.kind);
    return it == m_factories.constEnd() ? nullptr : it.value()(target, context, parent);
}

} // namespace dr
