#pragma once

// The lab's global endpoint: HAProxy terminating TLS with the lab's "global" certificate,
// region west as the active server and north as its backup, both health-checked over TLS on
// /healthz every second, so that it fails over by itself as Traffic Manager's priority
// routing does. The runtime API listens on a loopback port and a Unix socket, at admin level,
// for switching (set server bot/NAME state ready|drain|maint).

#include "labstate.h"

#include <QByteArray>

namespace drlab {

inline constexpr auto kBackend = "bot";

QByteArray haproxyConfig(const LabState &state);

} // namespace drlab
