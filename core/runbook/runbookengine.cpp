#include "runbookengine.h"

namespace dr {

struct RunbookEngine::Private
{ };

RunbookEngine::RunbookEngine(RunJournal *, const Clock *, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{ }

RunbookEngine::~RunbookEngine() = default;

} // namespace dr
