// drctl: DR Console for scripts and headless drills. Wiring only: parse the command line,
// load the profile, hand the work to core/, print what it says. The command-line contract
// (commands, --json shapes, exit codes) is in README.md and must not change without a
// migration note there.

#include "cli.h"
#include "commands.h"

#include "common/opensslexit.h"

#include <QCoreApplication>
#include <QGuiApplication>

#include <csignal>
#include <cstring>
#include <memory>

namespace {

void onSignal(int)
{
    drctl::g_interrupted = 1;
}

const char *const kUsage = R"(Usage: drctl COMMAND [OPTIONS]

Commands:
  status     one snapshot of both regional stacks
  watch      live status in the terminal until interrupted (Ctrl+C)
  secret     store, check or delete a secret in the OS keychain
  failover   move the service to the other region (planned or unplanned)
  failback   return the service to the original primary region
  drill      failover, hold, failback, scorecard
  resume     continue or roll back an interrupted run
  runs       past and interrupted runs
  report     a run's evidence or the readiness report (pdf, html, csv, json)
  record     add a verdict, a note or measured traffic to a run that has ended
  sync-index copy the search index from one region to the other (delta or --full)
  audit      verify the tamper-evident audit trail
  operators  add, remove or list operators of the profile's operator directory

Run 'drctl COMMAND --help' for a command's options.

Exit codes of status:
  0  every component and certificate ok
  1  usage or runtime error
  2  the profile is invalid (every problem is printed with its location)
  3  something is degraded or unknown, or a certificate is near expiry
  4  something is down, or a certificate is expired or invalid
)";

} // namespace

int main(int argc, char *argv[])
{
    // Before anything uses OpenSSL: see opensslexit.h (a crash at exit otherwise).
    dr::skipOpenSslCleanupAtExit();
    // Reports lay out text and draw charts (fonts, QPainter): they need Qt Gui, which needs a
    // platform. Always offscreen: a report shows no window, and a server, a CI job or a
    // terminal whose QT_QPA_PLATFORM names a display that is not there must still get one.
    std::unique_ptr<QCoreApplication> application;
    if (argc > 1 && std::strcmp(argv[1], "report") == 0) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
        application = std::make_unique<QGuiApplication>(argc, argv);
    } else {
        application = std::make_unique<QCoreApplication>(argc, argv);
    }
    QCoreApplication &app = *application;
    QCoreApplication::setApplicationName(QStringLiteral("drctl"));
    QCoreApplication::setOrganizationName(QStringLiteral("drconsole"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DR_VERSION));
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);

    QStringList args = app.arguments();
    if (args.size() < 2 || args.at(1) == u"--help" || args.at(1) == u"-h" || args.at(1) == u"help") {
        drctl::printOut(QString::fromUtf8(kUsage));
        return args.size() < 2 ? 1 : 0;
    }
    if (args.at(1) == u"--version" || args.at(1) == u"version") {
        drctl::printOut(QStringLiteral("drctl %1\n").arg(QStringLiteral(DR_VERSION)));
        return 0;
    }
    const QString command = args.takeAt(1);
    args[0] = QStringLiteral("drctl ") + command;
    using Runner = int (*)(QCoreApplication &, const QStringList &);
    static const std::pair<const char16_t *, Runner> kCommands[] = {
        {u"status", drctl::runStatus},     {u"watch", drctl::runWatch},         {u"secret", drctl::runSecret},
        {u"failover", drctl::runFailover}, {u"failback", drctl::runFailback},   {u"drill", drctl::runDrill},
        {u"resume", drctl::runResume},     {u"runs", drctl::runRuns},           {u"sync-index", drctl::runSyncIndex},
        {u"audit", drctl::runAudit},       {u"operators", drctl::runOperators}, {u"report", drctl::runReport},
        {u"record", drctl::runRecord},
    };
    for (const auto &[name, run] : kCommands) {
        if (command == QStringView(name))
            return run(app, args);
    }
    return drctl::failWith(1, QStringLiteral("unknown command '%1'; run 'drctl --help' for the list").arg(command));
}
