// drctl: DR Console for scripts and headless drills. Wiring only: parse the command line,
// load the profile, hand the work to core/, print what it says. The command-line contract
// (commands, --json shapes, exit codes) is in README.md and must not change without a
// migration note there.

#include "common/clock.h"
#include "logging/logging.h"
#include "profile/profileloader.h"
#include "secrets/secretstore.h"
#include "status/statusmonitor.h"
#include "status/statustable.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QTimer>

#include <QFile>

#include <csignal>
#include <cstdio>
#include <termios.h>
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
  secret   store, check or delete a secret in the OS keychain

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

// Reads a secret value: from a file, from a terminal without echo, or from piped stdin.
dr::Result<QByteArray> readSecretValue(const QString &fromFile)
{
    if (!fromFile.isEmpty()) {
        QFile f(fromFile);
        if (!f.open(QIODevice::ReadOnly))
            return dr::fail(QStringLiteral("cannot read %1: %2").arg(fromFile, f.errorString()));
        QByteArray value = f.read(dr::SecretStore::kMaxSecretBytes + 1);
        if (value.size() > dr::SecretStore::kMaxSecretBytes)
            return dr::fail(QStringLiteral("%1 is larger than %2 bytes").arg(fromFile).arg(dr::SecretStore::kMaxSecretBytes));
        while (value.endsWith('\n') || value.endsWith('\r'))
            value.chop(1);
        return value;
    }
    const bool tty = ::isatty(STDIN_FILENO);
    termios saved{};
    if (tty) {
        std::fputs("Secret (not echoed): ", stderr);
        std::fflush(stderr);
        ::tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    QByteArray value;
    char buffer[4096];
    while (value.size() <= dr::SecretStore::kMaxSecretBytes) {
        if (!std::fgets(buffer, sizeof buffer, stdin))
            break;
        value += buffer;
        if (tty && value.endsWith('\n'))
            break; // one line at a terminal
    }
    if (tty) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::fputs("\n", stderr);
    }
    if (value.size() > dr::SecretStore::kMaxSecretBytes)
        return dr::fail(QStringLiteral("the secret is larger than %1 bytes").arg(dr::SecretStore::kMaxSecretBytes));
    while (value.endsWith('\n') || value.endsWith('\r'))
        value.chop(1);
    if (value.isEmpty())
        return dr::fail(QStringLiteral("no secret was given"));
    return value;
}

int runSecret(QCoreApplication &app, const QStringList &args)
{
    QCommandLineParser parser;
    Common common;
    parser.setApplicationDescription(QStringLiteral(
        "Store, check or delete a secret in the OS keychain (service \"drconsole\"), for profiles that\n"
        "reference it as {\"keychain\": \"NAME\"}. The value is never printed.\n\n"
        "  set NAME      the value from --from-file, typed at the terminal (not echoed), or piped on stdin\n"
        "  check NAME    exit 0 when the entry exists and is not empty\n"
        "  delete NAME   remove the entry"));
    parser.addHelpOption();
    QCommandLineOption fromFile(QStringLiteral("from-file"), QStringLiteral("Read the value from FILE."), QStringLiteral("FILE"));
    parser.addOptions({fromFile, common.verbose});
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("set, check or delete"));
    parser.addPositionalArgument(QStringLiteral("name"), QStringLiteral("The keychain entry."));
    parser.process(args);
    dr::log::init({parser.isSet(common.verbose), true, {}});

    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 2 || !QStringList{QStringLiteral("set"), QStringLiteral("check"), QStringLiteral("delete")}.contains(positional.at(0)))
        return failWith(1, QStringLiteral("usage: drctl secret set|check|delete NAME"));
    const QString action = positional.at(0);
    const QString name = positional.at(1);

    dr::SecretStore store;
    int exitCode = 0;
    const auto finish = [&](const QString &error, const QString &done) {
        if (!error.isEmpty())
            exitCode = failWith(1, error);
        else if (!done.isEmpty())
            printOut(done + u'\n');
        app.quit();
    };
    if (action == u"set") {
        const auto value = readSecretValue(parser.value(fromFile));
        if (!value)
            return failWith(1, value.error());
        store.writeKeychain(name, *value, [&](dr::Result<void> r) {
            finish(r ? QString() : r.error(), QStringLiteral("stored keychain entry '%1'").arg(name));
        });
    } else if (action == u"check") {
        store.read(dr::SecretRef{dr::SecretRef::Source::Keychain, name}, [&](dr::Result<QByteArray> r) {
            finish(r ? QString() : r.error(), QStringLiteral("keychain entry '%1' is present").arg(name));
        });
    } else {
        store.removeKeychain(name, [&](dr::Result<void> r) {
            finish(r ? QString() : r.error(), QStringLiteral("deleted keychain entry '%1'").arg(name));
        });
    }
    app.exec();
    return exitCode;
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
    if (command == u"secret")
        return runSecret(app, args);
    return failWith(1, QStringLiteral("unknown command '%1'; run 'drctl --help' for the list").arg(command));
}
