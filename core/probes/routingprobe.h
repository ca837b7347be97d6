#pragma once

// The global routing as the router sees it: for HAProxy, the runtime API's view of the
// backend (which server is UP, DOWN, in maintenance or draining, and which one carries
// traffic by HAProxy's rule: an UP active server, else the first UP backup).
//   endpoint: unused; options: runtimeApi, backend, targets {regionId: serverName}
// Success when a region serves, Failure when none does or the router cannot be asked.
// data: servingRegion (or null), servers [{region, server, status, backup, check, lastChangeSeconds}]

#include "probe.h"

namespace dr {

class HaproxyRuntime;

class RoutingProbe final : public Probe
{
    Q_OBJECT

public:
    RoutingProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent = nullptr);
    void start() override;
    void abort() override;

private:
    HaproxyRuntime *m_runtime = nullptr;
    bool m_done = false;
};

} // namespace dr
