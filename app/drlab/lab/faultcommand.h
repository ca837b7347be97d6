#pragma once

// `drlab fault NAME ARGS`: records the fault in DIR/faults.json (which the region services
// and the replicator apply within a quarter of a second), and does what only the lab can do
// from outside: pause a region's storage process, reissue a certificate, add documents to one
// region's index. `heal` undoes every fault, including those.

#include "common/result.h"

#include <QStringList>

namespace drlab {

// Returns what was done, in a sentence, or why it could not be.
dr::Result<QString> applyFault(const QString &labDir, const QStringList &args);

} // namespace drlab
