// drctl status and drctl watch: the live state of both regional stacks.

#include "cli.h"
#include "commands.h"

#include "common/clock.h"
#include "logging/logging.h"
#include "status/statusmonitor.h"
#include "status/statustable.h"

#include <QJsonDocument>
#include <QTimer>

#include <unistd.h>

namespace drctl {

int runStatus(QCoreApplication &app, const QStringList &args)
{
    QCommandLineParser parser;
    Common common;
    parser.setApplicationDescription(QStringLiteral("One snapshot of both regional stacks."));
    parser.addHelpOption();
    parser.addOptions({common.profile, common.json, common.verbose, common.noColor});
    parser.process(args);
    dr::log::init({parser.isSet(common.verbose), true, {}});

    int exitCode = 0;
    const auto profile = loadProfile(parser.value(common.profile), &exitCode);
    if (!profile)
        return exitCode;

    dr::StatusMonitor monitor(*profile, dr::Clock::system(), dr::StatusMonitor::Mode::OneShot);
    QObject::connect(&monitor, &dr::StatusMonitor::sampled, &app, [&] { app.quit(); });
    QTimer::singleShot(0, &monitor, &dr::StatusMonitor::sampleOnce);
    app.exec();

    const QJsonObject snapshot = monitor.snapshot();
    if (parser.isSet(common.json))
        printOut(QString::fromUtf8(QJsonDocument(snapshot).toJson(QJsonDocument::Indented)));
    else
        printOut(dr::renderStatusTable(snapshot, {useColor(parser, common)}));
    return int(dr::StatusMonitor::exitFor(snapshot));
}

int runWatch(QCoreApplication &app, const QStringList &args)
{
    QCommandLineParser parser;
    Common common;
    parser.setApplicationDescription(QStringLiteral("Live status in the terminal until interrupted."));
    parser.addHelpOption();
    parser.addOptions({common.profile, common.verbose, common.noColor});
    parser.process(args);
    dr::log::init({parser.isSet(common.verbose), true, {}});

    int exitCode = 0;
    const auto profile = loadProfile(parser.value(common.profile), &exitCode);
    if (!profile)
        return exitCode;

    const bool tty = ::isatty(STDOUT_FILENO);
    const bool color = useColor(parser, common);
    dr::StatusMonitor monitor(*profile, dr::Clock::system(), dr::StatusMonitor::Mode::Continuous);
    bool dirty = true;
    QObject::connect(&monitor, &dr::StatusMonitor::changed, &app, [&] { dirty = true; });

    // Redraw at most once a second, and only when something was recorded.
    QTimer redraw;
    QObject::connect(&redraw, &QTimer::timeout, &app, [&] {
        if (g_interrupted) {
            app.quit();
            return;
        }
        if (!dirty)
            return;
        dirty = false;
        const QString table = dr::renderStatusTable(monitor.snapshot(), {color});
        printOut(tty ? QString(QStringLiteral("\x1b[H\x1b[2J") + table + QStringLiteral("\n(Ctrl+C to stop)\n"))
                     : QString(table + u'\n'));
    });
    redraw.start(1000);
    monitor.start();
    app.exec();
    return 0;
}

} // namespace drctl
