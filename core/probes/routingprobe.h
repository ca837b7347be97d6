#pragma once

// The global routing as the router sees it: for HAProxy, the runtime API's view of the
// backend (which server is UP, DOWN, in maintenance or draining, and which one carries
// traffic by HAProxy's rule: an UP active server, else the first UP backup).
//   endpoint: unused; options: runtimeApi, backend, targets {regionId: serverName}
// For Azure Traffic Manager / Front Door, read through ARM (ProbeContext::arm, an error
// without it): options: kind ("traffic-manager" | "front-door"), subscriptionId, resourceGroup,
// profileName, endpointType | originGroup, targets {regionId: endpoint or origin name}; the same
// data, servers[].status being the router's words ("Enabled, Online, priority 1").
// Success when a region serves, Failure when none does or the router cannot be asked.
// data: servingRegion (or null), servers [{region, server, status, backup, check, lastChangeSeconds}]

#include "probe.h"

namespace dr {

class HaproxyRuntime;
class RoutingSwitch;

class RoutingProbe final : public Probe
{
    Q_OBJECT

public:
    RoutingProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent = nullptr);
    void start() override;
    void abort() override;

private:
    void startAzure(const QString &kind);

    HaproxyRuntime *m_runtime = nullptr;
    RoutingSwitch *m_switch = nullptr;
    bool m_done = false;
};

} // namespace dr
