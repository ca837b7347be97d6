#pragma once

// Runs one probe to completion on the event loop and returns its result; fails the test if
// no result arrives in time (a hang is a bug, not a slow test).

#include "probes/healthtracker.h"
#include "probes/probe.h"
#include "probes/proberegistry.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace dr::test {

struct ProbeRun
{
    std::optional<ProbeResult> result;
    qint64 elapsedMs = 0;
};

inline ProbeRun runProbe(const ProbeTarget &target, const QList<QSslCertificate> &extraCas = {},
                         Clock *clock = Clock::system())
{
    QNetworkAccessManager network;
    ProbeContext context{&network, clock, extraCas};
    std::unique_ptr<Probe> probe(ProbeRegistry::instance().create(target, context, nullptr));
    ProbeRun run;
    if (!probe)
        return run;
    QSignalSpy spy(probe.get(), &Probe::finished);
    QElapsedTimer timer;
    timer.start();
    probe->start();
    spy.wait(target.settings.timeoutMs + 3000);
    run.elapsedMs = timer.elapsed();
    if (spy.count() == 1)
        run.result = spy.at(0).at(0).value<ProbeResult>();
    return run;
}

inline ProbeTarget httpTarget(const QString &url, int timeoutMs = 2000)
{
    ProbeTarget t;
    t.id = QStringLiteral("test/http");
    t.endpoint = QUrl(url);
    t.settings.kind = QStringLiteral("http");
    t.settings.timeoutMs = timeoutMs;
    t.settings.intervalMs = 10000;
    return t;
}

} // namespace dr::test

Q_DECLARE_METATYPE(dr::ProbeResult)

namespace QTest {
// QCOMPARE prints a HealthState by its name.
template<>
inline char *toString(const dr::HealthState &state)
{
    return qstrdup(dr::stateName(state).toUtf8().constData());
}
} // namespace QTest
