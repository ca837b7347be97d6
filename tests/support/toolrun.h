#pragma once

// Runs one of the project's command-line tools (drlab, drctl, ...) to completion and keeps
// what it said. A test may block on a tool; production code never waits like this.

#include <QByteArray>
#include <QProcess>
#include <QStringList>

namespace dr::test {

struct ToolRun
{
    int exitCode = -1; // -1: did not start or timed out; -2: crashed
    QByteArray out;
    QByteArray err;
};

inline ToolRun runTool(const QString &program, const QStringList &args, int timeoutMs = 180000)
{
    QProcess p;
    p.start(program, args);
    ToolRun run;
    if (!p.waitForStarted(5000))
        return run;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(2000);
        run.err = "timed out";
        return run;
    }
    run.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    run.out = p.readAllStandardOutput();
    run.err = p.readAllStandardError();
    return run;
}

} // namespace dr::test
