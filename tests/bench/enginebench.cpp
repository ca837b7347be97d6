// drbench-engine: dr::ProbeEngine under load, measured from inside its own process.
//
//   drbench-engine --ports-file FILE [--seconds 30] [--interval-ms 1000] [--timeout-ms 2000]
//                  [--max-concurrent 256] [--header "Name: value"]...
//                  [--scheme https --ca-file CA.pem]
//
// One "http" target per port in FILE (http://127.0.0.1:PORT/, or https:// with --scheme
// https, trusting --ca-file as the profile's extra CA; served by drbench-targets in another
// process), the engine started on the real clock, and after --seconds one line:
//   RESULT tool=engine endpoints=... probes=... cpu_s=... peak_rss_mb=... p99_delay_ms=...
// CPU is getrusage(RUSAGE_SELF) over the window, so it includes Qt's HTTP thread; peak RSS
// is VmHWM, the whole life of the process. Scheduling delays are reported over the whole
// window and in steady state (after the first two intervals, i.e. without the start-up
// round). --header adds a request header to every probe, for what-if runs (e.g.
// "Connection: close"). The measuring itself (two counters and a vector
// append per probe) is part of the bill, which errs against the engine.

#include "probes/probeengine.h"
#include "procstats.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSslCertificate>
#include <QTimer>
#include <QUrl>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("drbench-engine"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Benchmark dr::ProbeEngine against local HTTP endpoints."));
    parser.addHelpOption();
    const QCommandLineOption portsOpt(QStringLiteral("ports-file"), QStringLiteral("One port per line."), QStringLiteral("file"));
    const QCommandLineOption secondsOpt(QStringLiteral("seconds"), QStringLiteral("Measured window."), QStringLiteral("s"), QStringLiteral("30"));
    const QCommandLineOption intervalOpt(QStringLiteral("interval-ms"), QStringLiteral("Probe interval."), QStringLiteral("ms"), QStringLiteral("1000"));
    const QCommandLineOption timeoutOpt(QStringLiteral("timeout-ms"), QStringLiteral("Probe timeout."), QStringLiteral("ms"), QStringLiteral("2000"));
    const QCommandLineOption concurrentOpt(QStringLiteral("max-concurrent"), QStringLiteral("Probes in flight at most."), QStringLiteral("n"), QStringLiteral("256"));
    const QCommandLineOption headerOpt(QStringLiteral("header"), QStringLiteral("Extra request header, \"Name: value\"."), QStringLiteral("header"));
    const QCommandLineOption schemeOpt(QStringLiteral("scheme"), QStringLiteral("http or https."), QStringLiteral("scheme"), QStringLiteral("http"));
    const QCommandLineOption caOpt(QStringLiteral("ca-file"), QStringLiteral("Extra trusted CA (PEM), for https."), QStringLiteral("file"));
    parser.addOptions({portsOpt, secondsOpt, intervalOpt, timeoutOpt, concurrentOpt, headerOpt, schemeOpt, caOpt});
    parser.process(app);

    const double seconds = parser.value(secondsOpt).toDouble();
    const int intervalMs = parser.value(intervalOpt).toInt();
    const int timeoutMs = parser.value(timeoutOpt).toInt();
    const int maxConcurrent = parser.value(concurrentOpt).toInt();
    const QString scheme = parser.value(schemeOpt);
    if (seconds <= 0 || seconds > 3600 || intervalMs <= 0 || timeoutMs <= 0 || maxConcurrent <= 0
        || (scheme != u"http" && scheme != u"https")) {
        std::fprintf(stderr, "drbench-engine: bad --seconds, --interval-ms, --timeout-ms, --max-concurrent or --scheme\n");
        return 2;
    }
    std::string error;
    const std::vector<int> ports = drbench::readPorts(parser.value(portsOpt).toStdString(), &error);
    if (ports.empty()) {
        std::fprintf(stderr, "drbench-engine: %s\n", error.c_str());
        return 2;
    }
    drbench::raiseFileLimit(ports.size() * 2 + 256);

    dr::ProbeEngine engine(dr::Clock::system());
    dr::ProbeEngine::Options options = engine.options();
    // The default (64) is sized for a console's few dozen components; a thousand endpoints
    // at 1/s need more slots, or probes queue behind slow ones.
    options.maxConcurrent = maxConcurrent;
    engine.setOptions(options);
    if (parser.isSet(caOpt)) {
        const QList<QSslCertificate> cas = QSslCertificate::fromPath(parser.value(caOpt));
        if (cas.isEmpty()) {
            std::fprintf(stderr, "drbench-engine: no certificate in %s\n", qPrintable(parser.value(caOpt)));
            return 2;
        }
        engine.setExtraCaCertificates(cas);
    }

    for (std::size_t i = 0; i < ports.size(); ++i) {
        dr::ProbeTarget target;
        target.id = QStringLiteral("bench/%1").arg(i);
        target.componentId = target.id;
        target.endpoint = QUrl(QStringLiteral("%1://127.0.0.1:%2/").arg(scheme).arg(ports[i]));
        target.settings.kind = QStringLiteral("http");
        target.settings.intervalMs = intervalMs;
        target.settings.timeoutMs = timeoutMs;
        for (const QString &header : parser.values(headerOpt)) {
            const qsizetype colon = header.indexOf(u':');
            if (colon > 0)
                target.settings.headers.insert(header.left(colon).trimmed(), dr::HeaderValue{header.mid(colon + 1).trimmed(), {}});
        }
        QString why;
        if (!engine.addTarget(target, &why)) {
            std::fprintf(stderr, "drbench-engine: %s\n", qPrintable(why));
            return 1;
        }
    }

    const auto expected = std::size_t(double(ports.size()) * seconds * 1000.0 / intervalMs * 1.2) + 16;
    std::vector<double> delays;
    std::vector<double> steadyDelays;
    std::vector<double> latencies;
    delays.reserve(expected);
    steadyDelays.reserve(expected);
    latencies.reserve(expected);
    unsigned long long ok = 0;
    unsigned long long failed = 0;
    QString firstFailure;
    double wallStart = 0;
    QObject::connect(&engine, &dr::ProbeEngine::probeStarted, &app, [&](const QString &, qint64 delayMs) {
        delays.push_back(double(delayMs));
        if (drbench::monotonicMs() - wallStart >= 2.0 * intervalMs)
            steadyDelays.push_back(double(delayMs));
    });
    QObject::connect(&engine, &dr::ProbeEngine::resultRecorded, &app,
                     [&](const QString &, const dr::ProbeResult &result) {
                         latencies.push_back(double(result.latencyMs));
                         if (result.ok()) {
                             ++ok;
                         } else {
                             ++failed;
                             if (firstFailure.isEmpty())
                                 firstFailure = result.detail;
                         }
                     });

    // The main thread is where the engine itself runs; the rest is Qt's HTTP thread (all the
    // sockets live there) and Qt/glib helpers.
    std::string mainThread;
    std::getline(std::ifstream("/proc/self/comm"), mainThread);
    const long idleRssKb = drbench::statusKb(getpid(), "VmRSS");
    const double cpuStart = drbench::selfCpuSeconds();
    const double mainCpuStart = drbench::threadCpuSeconds()[mainThread];
    wallStart = drbench::monotonicMs();
    QTimer::singleShot(int(seconds * 1000), Qt::PreciseTimer, &app, [&] {
        const double cpu = drbench::selfCpuSeconds() - cpuStart;
        const double mainCpu = drbench::threadCpuSeconds()[mainThread] - mainCpuStart;
        // The process and its threads are read a moment apart: never print "-0.0".
        const double otherCpu = std::max(0.0, cpu - mainCpu);
        const double wall = (drbench::monotonicMs() - wallStart) / 1000.0;
        const long hwmKb = drbench::statusKb(getpid(), "VmHWM");
        const long rssKb = drbench::statusKb(getpid(), "VmRSS");
        const unsigned long long probes = ok + failed;
        engine.stop();
        std::printf("RESULT tool=engine endpoints=%zu seconds=%.1f probes=%llu ok=%llu failed=%llu probes_per_s=%.1f "
                    "cpu_s=%.2f cpu_pct=%.1f cpu_s_per_probe=%.6f peak_rss_mb=%.1f idle_rss_mb=%.1f end_rss_mb=%.1f "
                    "p50_delay_ms=%.0f p99_delay_ms=%.0f max_delay_ms=%.0f p99_steady_delay_ms=%.0f p99_latency_ms=%.0f "
                    "main_thread_cpu_pct=%.1f other_threads_cpu_pct=%.1f max_concurrent=%d\n",
                    ports.size(), wall, probes, ok, failed, double(probes) / wall, cpu, 100.0 * cpu / wall,
                    probes ? cpu / double(probes) : 0.0, double(hwmKb) / 1024.0, double(idleRssKb) / 1024.0,
                    double(rssKb) / 1024.0, drbench::percentile(delays, 50), drbench::percentile(delays, 99),
                    drbench::percentile(delays, 100), drbench::percentile(steadyDelays, 99),
                    drbench::percentile(latencies, 99), 100.0 * mainCpu / wall, 100.0 * otherCpu / wall,
                    maxConcurrent);
        if (!firstFailure.isEmpty())
            std::fprintf(stderr, "drbench-engine: first failure: %s\n", qPrintable(firstFailure));
        std::fflush(stdout);
        QCoreApplication::quit();
    });
    engine.start();
    return QCoreApplication::exec();
}
