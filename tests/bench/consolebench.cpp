// drbench-console: the desktop console under a large synthetic profile, measured from inside
// its own process (the console benchmark, tests/bench/run-console-bench).
//
//   drbench-console --ports-file FILE [--seconds 30] [--per-region 50] [--no-profile]
//
// Writes a profile of 2 regions x N "http" components (N = --per-region, default 50), each
// probing one port of FILE (http://127.0.0.1:PORT/, served by drbench-targets in another
// process) every second with a 1 s timeout; routing is traffic-manager with placeholder
// settings and no credential, so no routing probe runs. Then, as app/drconsole does: a
// QApplication (QT_QPA_PLATFORM=offscreen unless a platform is set), a dr::ui::MainWindow with
// its own settings and history files in a temporary folder, shown at 1500x950, the profile
// opened once the event loop runs. With --no-profile the window is shown empty (the reference
// run: what the toolkit and the machine cost on their own).
//
// Measured:
//  - time to first paint: from the process start (exec, /proc/self/stat, clock-tick
//    resolution) and from main() to the end of the first frame of the window, and to the end
//    of the first frame painted after the profile was opened (the panels of all components).
//    "A frame" is one repaint pass: it starts with the first QEvent::Paint delivered to a
//    widget of the window (an application-wide event filter) and ends when the event loop
//    next runs a zero timer posted then, i.e. after every widget of that pass has painted
//    into the backing store. A paint event, not a timer after show(), because show() only
//    asks for an expose: a timer would measure the wait, not the frame.
//  - event-loop stall: a 5 ms repeating Qt::PreciseTimer on the GUI thread, started when the
//    profile is open (or the empty window has painted); each tick's lateness is the gap since
//    the previous tick minus 5 ms. Over --seconds: p50, p99, max, ticks over 16 ms (one frame
//    at 60 Hz); also p99 without the first 2 s (the start-up round).
//  - peak RSS (VmHWM) at the end, CPU (getrusage, all threads) over the window, probe results
//    and frames painted per second.
// Prints one line:
//   RESULT tool=console components=... ttfp_exec_ms=... stall_p99_ms=... peak_rss_mb=... ...

#include "mainwindow.h"
#include "probes/probeengine.h"
#include "procstats.h"
#include "settings/settings.h"
#include "status/statusmonitor.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QEvent>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTimer>
#include <QWidget>

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

// Milliseconds since this process was exec'd: CLOCK_BOOTTIME now minus the start time in
// /proc/self/stat (field 22, clock ticks since boot, usually 10 ms). Negative if unreadable.
double msSinceExec()
{
    std::ifstream in("/proc/self/stat");
    std::string stat;
    std::getline(in, stat);
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos)
        return -1;
    std::istringstream fields(stat.substr(close + 2)); // field 3 (state) onwards
    std::string field;
    for (int i = 3; i < 22 && fields >> field; ++i) {
    }
    unsigned long long startTicks = 0;
    if (!(fields >> startTicks))
        return -1;
    timespec now{};
    clock_gettime(CLOCK_BOOTTIME, &now);
    const double nowMs = double(now.tv_sec) * 1000.0 + double(now.tv_nsec) / 1e6;
    return nowMs - double(startTicks) * 1000.0 / double(sysconf(_SC_CLK_TCK));
}

// Watches the repaint passes of one window: when its first frame (and the first frame after
// a mark) ended, and how many frames it painted.
class FrameWatch : public QObject
{
public:
    explicit FrameWatch(QWidget *window) : m_window(window) {}

    double firstFrameEndMs = -1;  // monotonicMs() at the end of the window's first frame
    double markedFrameEndMs = -1; // ... of the first frame that started after mark()
    unsigned long long frames = 0;

    void mark() { m_marked = true; }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint && !m_inFrame && watched->isWidgetType()
            && static_cast<QWidget *>(watched)->window() == m_window) {
            m_inFrame = true;
            ++frames;
            const bool marked = m_marked;
            m_marked = false;
            // Runs once this repaint pass (all the window's paint events) is over.
            QTimer::singleShot(0, this, [this, marked] {
                m_inFrame = false;
                const double now = drbench::monotonicMs();
                if (firstFrameEndMs < 0)
                    firstFrameEndMs = now;
                if (marked && markedFrameEndMs < 0)
                    markedFrameEndMs = now;
            });
        }
        return QObject::eventFilter(watched, event);
    }

private:
    QWidget *m_window;
    bool m_inFrame = false;
    bool m_marked = false;
};

bool writeProfile(const QString &path, const std::vector<int> &ports, int perRegion, QString *error)
{
    const QString regionIds[2] = {QStringLiteral("bench-primary"), QStringLiteral("bench-secondary")};
    QJsonArray regions;
    for (int r = 0; r < 2; ++r) {
        QJsonArray components;
        for (int c = 0; c < perRegion; ++c) {
            const int port = ports[std::size_t(r * perRegion + c)];
            components.append(QJsonObject{
                {QStringLiteral("id"), QStringLiteral("c%1").arg(c, 2, 10, QLatin1Char('0'))},
                {QStringLiteral("kind"), QStringLiteral("http")},
                {QStringLiteral("endpoint"), QStringLiteral("http://127.0.0.1:%1/").arg(port)},
            });
        }
        regions.append(QJsonObject{
            {QStringLiteral("id"), regionIds[r]},
            {QStringLiteral("displayName"), r == 0 ? QStringLiteral("Bench Primary") : QStringLiteral("Bench Secondary")},
            {QStringLiteral("role"), r == 0 ? QStringLiteral("primary") : QStringLiteral("secondary")},
            {QStringLiteral("location"), QStringLiteral("loopback")},
            {QStringLiteral("components"), components},
        });
    }
    const QJsonObject profile{
        {QStringLiteral("schemaVersion"), 1},
        {QStringLiteral("name"), QStringLiteral("Console benchmark (synthetic)")},
        {QStringLiteral("environment"), QStringLiteral("lab")},
        {QStringLiteral("description"), QStringLiteral("Written by drbench-console: 2 regions of loopback HTTP components probed every second.")},
        {QStringLiteral("objectives"), QJsonObject{{QStringLiteral("rpoSeconds"), 900}, {QStringLiteral("rtoSeconds"), 3600}}},
        {QStringLiteral("probeDefaults"), QJsonObject{{QStringLiteral("intervalSeconds"), 1}, {QStringLiteral("timeoutSeconds"), 1}}},
        {QStringLiteral("regions"), regions},
        // Traffic Manager without a credential: nothing to sign in with, so no routing probe.
        {QStringLiteral("routing"), QJsonObject{
            {QStringLiteral("kind"), QStringLiteral("traffic-manager")},
            {QStringLiteral("publicUrl"), QStringLiteral("https://bench.example.com")},
            {QStringLiteral("settings"), QJsonObject{
                {QStringLiteral("subscriptionId"), QStringLiteral("00000000-0000-0000-0000-000000000000")},
                {QStringLiteral("resourceGroup"), QStringLiteral("rg-bench")},
                {QStringLiteral("profileName"), QStringLiteral("tm-bench")},
            }},
            {QStringLiteral("targets"), QJsonObject{{regionIds[0], QStringLiteral("bench-primary")},
                                                    {regionIds[1], QStringLiteral("bench-secondary")}}},
        }},
        {QStringLiteral("notifications"), QJsonObject{{QStringLiteral("desktop"), false}}},
    };
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(profile).toJson()) < 0) {
        *error = file.errorString();
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    const double mainMs = drbench::monotonicMs();
    const double execToMainMs = msSinceExec();
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("drbench-console"));
    QApplication::setOrganizationName(QStringLiteral("drconsole-bench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Benchmark the console window under a synthetic profile."));
    parser.addHelpOption();
    const QCommandLineOption portsOpt(QStringLiteral("ports-file"), QStringLiteral("One port per line (2 x per-region needed)."), QStringLiteral("file"));
    const QCommandLineOption secondsOpt(QStringLiteral("seconds"), QStringLiteral("Measured window."), QStringLiteral("s"), QStringLiteral("30"));
    const QCommandLineOption perRegionOpt(QStringLiteral("per-region"), QStringLiteral("Components per region."), QStringLiteral("n"), QStringLiteral("50"));
    const QCommandLineOption noProfileOpt(QStringLiteral("no-profile"), QStringLiteral("Reference run: the window without a profile."));
    parser.addOptions({portsOpt, secondsOpt, perRegionOpt, noProfileOpt});
    parser.process(app);

    const double seconds = parser.value(secondsOpt).toDouble();
    const int perRegion = parser.value(perRegionOpt).toInt();
    const bool withProfile = !parser.isSet(noProfileOpt);
    if (seconds <= 0 || seconds > 3600 || perRegion < 1 || perRegion > 500) {
        std::fprintf(stderr, "drbench-console: bad --seconds or --per-region\n");
        return 2;
    }

    QTemporaryDir tmp(QDir::tempPath() + QStringLiteral("/drbench-console.XXXXXX"));
    if (!tmp.isValid()) {
        std::fprintf(stderr, "drbench-console: no temporary folder: %s\n", qPrintable(tmp.errorString()));
        return 2;
    }
    const QString profilePath = tmp.filePath(QStringLiteral("profile.json"));
    if (withProfile) {
        std::string error;
        const std::vector<int> ports = drbench::readPorts(parser.value(portsOpt).toStdString(), &error);
        if (ports.size() < std::size_t(2 * perRegion)) {
            std::fprintf(stderr, "drbench-console: need %d ports: %s\n", 2 * perRegion, error.c_str());
            return 2;
        }
        QString why;
        if (!writeProfile(profilePath, ports, perRegion, &why)) {
            std::fprintf(stderr, "drbench-console: cannot write the profile: %s\n", qPrintable(why));
            return 2;
        }
    }

    dr::Settings settings(tmp.filePath(QStringLiteral("settings.ini")));
    dr::ui::MainWindowOptions options;
    options.historyPath = tmp.filePath(QStringLiteral("history.sqlite"));
    dr::ui::MainWindow window(&settings, options);
    window.resize(1500, 950);
    FrameWatch frames(&window);
    app.installEventFilter(&frames);

    unsigned long long ok = 0;
    unsigned long long failed = 0;
    QString firstFailure;
    std::vector<double> lateness;
    std::vector<double> steadyLateness;
    lateness.reserve(std::size_t(seconds * 220) + 16);
    steadyLateness.reserve(lateness.capacity());
    double windowStart = -1;
    double lastTick = -1;
    double cpuStart = 0;
    unsigned long long framesStart = 0;
    double openMs = -1;
    bool opened = false;
    constexpr double kTickMs = 5;

    QTimer stallTimer;
    stallTimer.setTimerType(Qt::PreciseTimer);
    stallTimer.setInterval(int(kTickMs));
    QObject::connect(&stallTimer, &QTimer::timeout, &app, [&] {
        const double now = drbench::monotonicMs();
        const double late = std::max(0.0, now - lastTick - kTickMs);
        lastTick = now;
        lateness.push_back(late);
        if (now - windowStart >= 2000)
            steadyLateness.push_back(late);
    });
    auto startWindow = [&] {
        windowStart = lastTick = drbench::monotonicMs();
        cpuStart = drbench::selfCpuSeconds();
        framesStart = frames.frames;
        stallTimer.start();
        QTimer::singleShot(int(seconds * 1000), Qt::PreciseTimer, &app, [&] {
            stallTimer.stop();
            const double wall = (drbench::monotonicMs() - windowStart) / 1000.0;
            const double cpu = drbench::selfCpuSeconds() - cpuStart;
            const long hwmKb = drbench::statusKb(getpid(), "VmHWM");
            const long rssKb = drbench::statusKb(getpid(), "VmRSS");
            if (window.monitor() && window.monitor()->engine())
                window.monitor()->engine()->stop();
            unsigned long long over16 = 0;
            for (const double l : lateness)
                over16 += l > 16 ? 1 : 0;
            const double firstFrame = frames.firstFrameEndMs - mainMs;
            const double profileFrame = withProfile ? frames.markedFrameEndMs - mainMs : firstFrame;
            std::printf("RESULT tool=console profile=%d components=%d seconds=%.1f opened=%d exec_to_main_ms=%.0f "
                        "first_frame_main_ms=%.0f first_frame_exec_ms=%.0f open_main_ms=%.0f "
                        "ttfp_main_ms=%.0f ttfp_exec_ms=%.0f ticks=%zu stall_p50_ms=%.1f stall_p99_ms=%.1f "
                        "stall_max_ms=%.1f stall_p99_steady_ms=%.1f stalls_over_16ms=%llu peak_rss_mb=%.1f "
                        "end_rss_mb=%.1f cpu_pct=%.1f results=%llu ok=%llu failed=%llu results_per_s=%.1f "
                        "frames_per_s=%.1f\n",
                        withProfile ? 1 : 0, withProfile ? 2 * perRegion : 0, wall, opened ? 1 : 0, execToMainMs,
                        firstFrame, firstFrame + execToMainMs, openMs >= 0 ? openMs - mainMs : -1.0, profileFrame,
                        profileFrame + execToMainMs, lateness.size(), drbench::percentile(lateness, 50),
                        drbench::percentile(lateness, 99), drbench::percentile(lateness, 100),
                        drbench::percentile(steadyLateness, 99), over16, double(hwmKb) / 1024.0,
                        double(rssKb) / 1024.0, 100.0 * cpu / wall, ok + failed, ok, failed,
                        double(ok + failed) / wall, double(frames.frames - framesStart) / wall);
            if (!firstFailure.isEmpty())
                std::fprintf(stderr, "drbench-console: first failure: %s\n", qPrintable(firstFailure));
            std::fflush(stdout);
            QApplication::quit();
        });
    };

    window.show();
    if (withProfile) {
        // As app/drconsole does: once the event loop runs.
        QTimer::singleShot(0, &window, [&] {
            opened = window.openProfile(profilePath);
            openMs = drbench::monotonicMs();
            frames.mark(); // the next frame shows the profile's panels
            if (!opened) {
                std::fprintf(stderr, "drbench-console: the profile did not open\n");
                QApplication::exit(2);
                return;
            }
            QObject::connect(window.monitor()->engine(), &dr::ProbeEngine::resultRecorded, &app,
                             [&](const QString &, const dr::ProbeResult &result) {
                                 if (result.ok()) {
                                     ++ok;
                                 } else {
                                     ++failed;
                                     if (firstFailure.isEmpty())
                                         firstFailure = result.detail;
                                 }
                             });
            startWindow();
        });
    } else {
        // The reference: measure from the end of the empty window's first frame.
        auto *poll = new QTimer(&app);
        poll->setInterval(1);
        QObject::connect(poll, &QTimer::timeout, &app, [&, poll] {
            if (frames.firstFrameEndMs >= 0) {
                poll->stop();
                startWindow();
            }
        });
        poll->start();
    }
    return QApplication::exec();
}
