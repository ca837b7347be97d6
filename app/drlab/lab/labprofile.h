#pragma once

// The profile `drlab up` writes into the lab folder: the lab's two regions as DR Console
// sees any deployment, with real protocols (HTTPS health, Search REST, Blob Shared Key,
// HAProxy runtime API, Bot Framework activities) and secrets as file references.

#include "labstate.h"

#include <QJsonObject>

namespace drlab {

QJsonObject labProfile(const LabState &state);

} // namespace drlab
