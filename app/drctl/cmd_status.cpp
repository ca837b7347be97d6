// drctl status and drctl watch: the live state of both regional stacks.

#include "cli.h"
#include "commands.h"

#include "common/clock.h"
#include "logging/logging.h"
#include "report/report.h"
#include "runbook/runjournal.h"
#include "status/statusmonitor.h"
#include "status/statustable.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QTimer>

#include <unistd.h>

namespace drctl {

namespace {

// The drill schedule against the journal (drills never run from here: a journal that does
// not exist yet means no drill was recorded, and status does not create one).
QJsonObject drillsBlock(const dr::Profile &profile)
{
    QList<dr::RunRecord> runs;
    const QString path = dr::RunJournal::defaultPath(profile);
    QString problem;
    if (QFileInfo::exists(path)) {
        dr::RunJournal journal(path);
        if (auto ok = journal.open(); !ok) {
            problem = ok.error();
        } else if (auto list = journal.runs(); !list) {
            problem = list.error();
        } else {
            runs = *list;
        }
    }
    const QDateTime now = dr::Clock::system()->nowUtc();
    const dr::report::DrillSchedule s = dr::report::drillScheduleFrom(profile, runs, now);
    QJsonValue last;
    if (s.lastDrill) {
        last = QJsonObject{{QStringLiteral("runId"), s.lastDrill->runId},
                           {QStringLiteral("started"), s.lastDrill->started.toUTC().toString(Qt::ISODateWithMs)},
                           {QStringLiteral("ended"), s.lastDrill->ended.isValid() ? QJsonValue(s.lastDrill->ended.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue()},
                           {QStringLiteral("state"), s.lastDrill->state}};
    }
    return {{QStringLiteral("schedule"), s.scheduleText},
            {QStringLiteral("lastDrill"), last},
            {QStringLiteral("dueAt"), s.dueAt.isValid() ? QJsonValue(s.dueAt.toString(Qt::ISODateWithMs)) : QJsonValue()},
            {QStringLiteral("overdue"), s.overdue},
            {QStringLiteral("summary"), problem.isEmpty() ? s.summary : QString(s.summary + QStringLiteral(" (the run journal cannot be read: ") + problem + u')')}};
}

} // namespace

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

    QJsonObject snapshot = monitor.snapshot();
    const QJsonObject drills = drillsBlock(*profile);
    if (parser.isSet(common.json)) {
        snapshot.insert(QStringLiteral("drills"), drills);
        printOut(QString::fromUtf8(QJsonDocument(snapshot).toJson(QJsonDocument::Indented)));
    } else {
        printOut(dr::renderStatusTable(snapshot, {useColor(parser, common)}));
        if (drills.value(QStringLiteral("overdue")).toBool())
            printOut(QStringLiteral("WARNING: %1\n").arg(drills.value(QStringLiteral("summary")).toString()));
    }
    // An overdue drill is a warning, not a health state: the exit code says only how the
    // stacks are (scripts alerting on it must not page for a calendar reminder).
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
