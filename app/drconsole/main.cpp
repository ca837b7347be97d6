// drconsole: the desktop console. Wiring only: the application's identity, logging, the
// settings registry, and the main window on the profile given (or the last one opened; with
// neither, the window's welcome page).

#include "common/opensslexit.h"
#include "logging/logging.h"
#include "mainwindow.h"
#include "settings/settings.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QIcon>
#include <QTimer>

#include <cstdio>
#include <string_view>

int main(int argc, char *argv[])
{
    // Before anything uses OpenSSL: see opensslexit.h (a crash at exit otherwise).
    dr::skipOpenSslCleanupAtExit();
    // --help and --version print and exit: they must work without a display (over SSH, in
    // scripts), so they run on the offscreen platform when no platform was chosen.
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg(argv[i]);
        if ((arg == "--help" || arg == "-h" || arg == "--help-all" || arg == "--version"
                || arg == "-v")
            && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("drconsole"));
    QApplication::setOrganizationName(QStringLiteral("drconsole"));
    QApplication::setApplicationDisplayName(QStringLiteral("DR Console"));
    QApplication::setApplicationVersion(QStringLiteral(DR_VERSION));
    // The installed desktop entry and icon (installer/): the desktop groups the windows under
    // the menu entry and shows its icon.
    QGuiApplication::setDesktopFileName(QStringLiteral("io.github.drconsole.DRConsole"));
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("drconsole")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("The desktop console of DR Console."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption profileOption(QStringLiteral("profile"),
        QStringLiteral("The deployment profile to watch."), QStringLiteral("P"));
    const QCommandLineOption verboseOption(
        QStringLiteral("verbose"), QStringLiteral("Debug diagnostics on stderr."));
    const QCommandLineOption screenshotOption(QStringLiteral("screenshot"),
        QStringLiteral("Save a picture of the window to FILE (PNG) after --screenshot-delay "
                       "seconds, then quit (for documentation; works offscreen)."),
        QStringLiteral("FILE"));
    const QCommandLineOption delayOption(QStringLiteral("screenshot-delay"),
        QStringLiteral("Seconds to wait before the screenshot (default 8)."), QStringLiteral("S"),
        QStringLiteral("8"));
    parser.addOption(profileOption);
    parser.addOption(verboseOption);
    parser.addOption(screenshotOption);
    parser.addOption(delayOption);
    parser.process(app);
    dr::log::init({ parser.isSet(verboseOption), true, {} });

    dr::Settings settings;
    dr::ui::MainWindow window(&settings);
    window.show();
    QString profile = parser.value(profileOption);
    if (profile.isEmpty()) {
        const QString last = settings.value(dr::settings::kLastProfile);
        if (!last.isEmpty() && QFileInfo::exists(last))
            profile = last;
    }
    if (!profile.isEmpty()) {
        // Once the event loop runs, so that an error dialog has a shown window to sit on.
        QTimer::singleShot(0, &window, [&window, profile] { window.openProfile(profile); });
    }
    if (parser.isSet(screenshotOption)) {
        window.resize(1500, 950);
        const QString file = parser.value(screenshotOption);
        QTimer::singleShot(parser.value(delayOption).toInt() * 1000, &window, [&window, &app, file] {
            if (!window.grab().save(file, "PNG")) {
                std::fprintf(stderr, "drconsole: cannot write the screenshot %s\n", qPrintable(file));
                app.exit(1);
                return;
            }
            app.quit();
        });
    }
    return app.exec();
}
