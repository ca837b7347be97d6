#pragma once

// One function per drctl command; each parses its own options from `args` (args[0] is
// "drctl COMMAND") and returns the process exit code.

#include <QCoreApplication>
#include <QStringList>

namespace drctl {

int runStatus(QCoreApplication &app, const QStringList &args);   // cmd_status.cpp
int runWatch(QCoreApplication &app, const QStringList &args);    // cmd_status.cpp
int runSecret(QCoreApplication &app, const QStringList &args);   // cmd_secret.cpp
int runOperators(QCoreApplication &app, const QStringList &args); // cmd_operators.cpp
int runAudit(QCoreApplication &app, const QStringList &args);    // cmd_audit.cpp
int runSyncIndex(QCoreApplication &app, const QStringList &args); // cmd_syncindex.cpp
int runFailover(QCoreApplication &app, const QStringList &args); // cmd_runbook.cpp
int runFailback(QCoreApplication &app, const QStringList &args); // cmd_runbook.cpp
int runDrill(QCoreApplication &app, const QStringList &args);    // cmd_runbook.cpp
int runResume(QCoreApplication &app, const QStringList &args);   // cmd_runbook.cpp
int runRuns(QCoreApplication &app, const QStringList &args);     // cmd_runbook.cpp
int runReport(QCoreApplication &app, const QStringList &args);   // cmd_report.cpp (needs a QGuiApplication)
int runRecord(QCoreApplication &app, const QStringList &args);   // cmd_report.cpp

} // namespace drctl
