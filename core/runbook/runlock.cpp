#include "runlock.h"

namespace dr {

RunLock::~RunLock() = default;

} // namespace dr
