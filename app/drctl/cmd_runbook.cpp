#include "cli.h"
#include "commands.h"

namespace drctl {

int runFailover(QCoreApplication &, const QStringList &) { return failWith(1, QStringLiteral("not implemented yet")); }
int runFailback(QCoreApplication &, const QStringList &) { return failWith(1, QStringLiteral("not implemented yet")); }
int runDrill(QCoreApplication &, const QStringList &) { return failWith(1, QStringLiteral("not implemented yet")); }
int runResume(QCoreApplication &, const QStringList &) { return failWith(1, QStringLiteral("not implemented yet")); }
int runRuns(QCoreApplication &, const QStringList &) { return failWith(1, QStringLiteral("not implemented yet")); }

} // namespace drctl
