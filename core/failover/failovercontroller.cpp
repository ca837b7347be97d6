#include "failovercontroller.h"

namespace dr {

struct FailoverController::Private
{ };

FailoverController::~FailoverController() = default;

} // namespace dr
