// drctl: DR Console for scripts and headless drills. Wiring only: parse the command line,
// load the profile, hand the work to core/, print what it says. The command-line contract
// (commands, --json shapes, exit codes) is in README.md and must not change without a
// migration note there.

#include "common/clock.h"
#include "logging/logging.h"
#include "profile/profileloader.h"
#include "status/statusmonitor.h"
#include "status/statustable.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace {

volatile std::sig_atomic_t g_interrupted = 0;

void onSignal(int)
{
    g_interrupted = 1;
}

void printOut(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

int failWith(int code, const QString &message)
{
    const QByteArray bytes = (QStringLiteral("drctl: ") + message + u'\n').toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
    return code;
}

const char *const kUsage = R"(Usage: drctl COMMAND [OPTIONS]

Commands:
  status   one snapshot of both regional stacks
  watch    live status in the terminal until interrupted (Ctrl+C)

Run 'drctl COMMAND --help' for a command's options.

Exit codes of status:
  0  every component and certificate ok
  1  usage or runtime error
  2  the profile is invalid (every problem is printed with its location)
  3  something is degraded or unknown, or a certificate is near expiry
  4  something is down, or a certificate is expired or invalid
)";

struct Common
{
    QCommandLineOption profile{QStringList{QStringLiteral("p"), QStringLiteral("profile")},
                               QStringLiteral("The deployment profile (JSON)."), QStringLiteral("FILE")};
    QCommandLineOption json{QStringLiteral("json"), QStringLiteral("Print one JSON document on stdout.")};
    QCommandLineOption verbose{QStringList{QStringLiteral("v"), QStringLiteral("verbose")},
                               QStringLiteral("Diagnostics to stderr.")};
    QCommandLineOption noColor{QStringLiteral("no-color"), QStringLiteral("Never colour the output.")};
};

std::optional<dr::Profile> loadProfile(const QString &path, int *exitCode)
{
    if (path.isEmpty()) {
        *exitCode = failWith(1, QStringLiteral("--profile FILE is required"));
        return std::nullopt;
    }
    auto loaded = dr::ProfileLoader::loadFile(path);
    if (!loaded) {
        const QString issues = dr::ProfileLoader::formatIssues(loaded.error(), path);
        *exitCode = failWith(int(dr::StatusExit::ProfileInvalid),
                             QStringLiteral("the profile %1 is invalid (%2 problem%3):\n%4")
                                 .arg(path)
                                 .arg(loaded.error().size())
                                 .arg(loaded.error().size() == 1 ? QString() : QStringLiteral("s"))
                                 .arg(issues));
        return std::nullopt;
    }
    return *loaded;
}

bool useColor(const QCommandLineParser &parser, const Common &common)
{
    return !parser.isSet(common.noColor) && qEnvironmentVariableIsEmpty("NO_COLOR") && ::isatty(STDOUT_FILENO);
}

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

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("drctl"));
    QCoreApplication::setOrganizationName(QStringLiteral("drconsole"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DR_VERSION));
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);

    QStringList args = app.arguments();
    if (args.size() < 2 || args.at(1) == u"--help" || args.at(1) == u"-h" || args.at(1) == u"help") {
        printOut(QString::fromUtf8(kUsage));
        return args.size() < 2 ? 1 : 0;
    }
    if (args.at(1) == u"--version" || args.at(1) == u"version") {
        printOut(QStringLiteral("drctl %1\n").arg(QStringLiteral(DR_VERSION)));
        return 0;
    }
    const QString command = args.takeAt(1);
    args[0] = QStringLiteral("drctl ") + command;
    if (command == u"status")
        return runStatus(app, args);
    if (command == u"watch")
        return runWatch(app, args);
    return failWith(1, QStringLiteral("unknown command '%1'; run 'drctl --help' for the list").arg(command));
}
