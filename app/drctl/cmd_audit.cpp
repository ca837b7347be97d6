#include "cli.h"
#include "commands.h"

namespace drctl {

int runAudit(QCoreApplication &, const QStringList &)
{
    return failWith(1, QStringLiteral("not implemented yet"));
}

} // namespace drctl
