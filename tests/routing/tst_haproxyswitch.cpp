// HaproxySwitch against a real HAProxy (Debian's), started by the test: a frontend, a backend
// with west (primary) and north (backup) servers whose health checks hit two small local HTTP
// servers, so UP and DOWN are HAProxy's own verdicts; stopping a server's listener makes it
// really DOWN. Users' traffic is sent through the frontend while switching.

#include "asyncwait.h"
#include "profile/profile.h"
#include "routing/haproxyswitch.h"
#include "testhttpserver.h"

#include <QElapsedTimer>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace dr;
using namespace dr::test;

namespace {

const QList<std::pair<QString, QString>> kServers { { QStringLiteral("west"),
                                                        QStringLiteral("west") },
    { QStringLiteral("north"), QStringLiteral("north") } };

// Requests through HAProxy's frontend, one after another on each of `lanes` loops, until
// stopped: every answer that is not a 200 from a region is a failure a user would have seen.
class TrafficLoop : public QObject
{
public:
    TrafficLoop(const QUrl &url, int lanes)
        : m_url(url)
    {
        for (int i = 0; i < lanes; ++i)
            next();
    }
    void stop() { m_stopped = true; }
    bool idle() const { return m_inFlight == 0; }

    int requests = 0;
    int failures = 0;
    QStringList failureReasons;
    QMap<QString, int> answeredBy;

private:
    void next()
    {
        if (m_stopped)
            return;
        ++m_inFlight;
        QNetworkRequest request(m_url);
        request.setTransferTimeout(5000);
        QNetworkReply *reply = m_network.get(request);
        connect(reply, &QNetworkReply::finished, this, [this, reply] {
            reply->deleteLater();
            --m_inFlight;
            ++requests;
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QString body = QString::fromUtf8(reply->readAll());
            if (reply->error() != QNetworkReply::NoError || status != 200) {
                ++failures;
                if (failureReasons.size() < 5)
                    failureReasons.append(
                        QStringLiteral("HTTP %1 %2").arg(status).arg(reply->errorString()));
            } else {
                ++answeredBy[body];
            }
            next();
        });
    }

    QNetworkAccessManager m_network;
    QUrl m_url;
    bool m_stopped = false;
    int m_inFlight = 0;
};

} // namespace

class tst_HaproxySwitch : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanupTestCase();
    void stateFromServers();
    void stateFromMissingServer();
    void createFromProfile();
    void readsState();
    void disableMovesServingAndEnableBringsItBack();
    void refusesToLeaveNoServingRegion();
    void refusesWhenTheOtherIsInMaintenance();
    void disableIsIdempotent();
    void enableTimesOutWhileTheServerStaysDown();
    void enableWaitsForADownServerInRotation();
    void unknownRegion();
    void deadRuntimeApi();
    void trafficNeverFailsDuringASwitch();

private:
    HaproxySwitch *makeSwitch()
    {
        return new HaproxySwitch(address(), QStringLiteral("bot"), kServers, this);
    }
    QString address() const { return QStringLiteral("127.0.0.1:%1").arg(m_runtimePort); }
    Result<RoutingState> state();
    Result<void> enable(const QString &region, int timeoutMs);
    Result<void> disable(const QString &region);
    void setServerUp(TestHttpServer &server, quint16 port, bool up);

    QTemporaryDir m_dir;
    TestHttpServer m_west;
    TestHttpServer m_north;
    quint16 m_westPort = 0;
    quint16 m_northPort = 0;
    quint16 m_runtimePort = 0;
    quint16 m_frontPort = 0;
    QProcess m_haproxy;
};

void tst_HaproxySwitch::initTestCase()
{
    const QString exe = QStandardPaths::findExecutable(
        QStringLiteral("haproxy"), { QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin") });
    QVERIFY2(!exe.isEmpty(), "haproxy is not installed: bash .ci/deps");
    m_west.setResponse(200, QByteArrayLiteral("west"), QByteArrayLiteral("text/plain"));
    m_north.setResponse(200, QByteArrayLiteral("north"), QByteArrayLiteral("text/plain"));
    QVERIFY(m_west.listen());
    QVERIFY(m_north.listen());
    m_westPort = m_west.port();
    m_northPort = m_north.port();
    m_runtimePort = deadPort();
    m_frontPort = deadPort();
    const QString cfg = m_dir.filePath(QStringLiteral("haproxy.cfg"));
    QFile f(cfg);
    QVERIFY(f.open(QIODevice::WriteOnly));
    // As the lab's: redispatch and a retry, so a request caught by a switch goes elsewhere.
    f.write(QStringLiteral(
        "global\n    stats socket ipv4@127.0.0.1:%1 level admin\n"
        "defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n"
        "    timeout server 5s\n    timeout check 1s\n    option redispatch\n    retries 1\n"
        "frontend global\n    bind 127.0.0.1:%2\n    default_backend bot\n"
        "backend bot\n    option httpchk GET /healthz\n"
        "    default-server inter 200ms fall 1 rise 1 check\n"
        "    server west 127.0.0.1:%3\n    server north 127.0.0.1:%4 backup\n")
                .arg(m_runtimePort)
                .arg(m_frontPort)
                .arg(m_westPort)
                .arg(m_northPort)
                .toUtf8());
    f.close();
    m_haproxy.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_haproxy.start(exe, { QStringLiteral("-db"), QStringLiteral("-f"), cfg });
    QVERIFY(m_haproxy.waitForStarted(5000));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const auto s = state();
            return s && s->regions.size() == 2 && s->regions.at(0).healthy
                && s->regions.at(1).healthy;
        }(),
        10000);
}

// Every test starts from the lab's normal: both regions in rotation and up, west serving.
void tst_HaproxySwitch::init()
{
    setServerUp(m_west, m_westPort, true);
    setServerUp(m_north, m_northPort, true);
    HaproxyRuntime runtime(address());
    for (const QString &server : { QStringLiteral("west"), QStringLiteral("north") }) {
        const auto r = awaitResult<void>([&](auto done) {
            runtime.setServerState(QStringLiteral("bot"), server, QStringLiteral("ready"), done);
        });
        QVERIFY(r && *r);
    }
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const auto s = state();
            return s && s->servingRegion == u"west" && s->regions.at(0).healthy
                && s->regions.at(1).healthy;
        }(),
        5000);
}

void tst_HaproxySwitch::cleanupTestCase()
{
    m_haproxy.terminate();
    if (!m_haproxy.waitForFinished(3000))
        m_haproxy.kill();
}

void tst_HaproxySwitch::setServerUp(TestHttpServer &server, quint16 port, bool up)
{
    if (up) {
        if (server.port() == 0 || server.port() != port)
            QVERIFY(server.listen(port));
    } else {
        server.close();
    }
}

Result<RoutingState> tst_HaproxySwitch::state()
{
    HaproxySwitch *sw = makeSwitch();
    const auto r = awaitResult<RoutingState>([sw](auto done) { sw->state(done); });
    sw->deleteLater();
    return r ? *r : fail(QStringLiteral("TEST: state() did not answer"));
}

Result<void> tst_HaproxySwitch::enable(const QString &region, int timeoutMs)
{
    HaproxySwitch *sw = makeSwitch();
    const auto r = awaitResult<void>(
        [&](auto done) { sw->enable(region, timeoutMs, done); }, timeoutMs + 10000);
    sw->deleteLater();
    return r ? *r : fail(QStringLiteral("TEST: enable() did not answer"));
}

Result<void> tst_HaproxySwitch::disable(const QString &region)
{
    HaproxySwitch *sw = makeSwitch();
    const auto r = awaitResult<void>([&](auto done) { sw->disable(region, done); });
    sw->deleteLater();
    return r ? *r : fail(QStringLiteral("TEST: disable() did not answer"));
}

void tst_HaproxySwitch::stateFromServers()
{
    const auto make
        = [](const QString &name, const QString &status, bool backup, const QString &check) {
              HaproxyServerState s;
              s.server = name;
              s.status = status;
              s.backup = backup;
              s.weight = 1;
              s.checkStatus = check;
              return s;
          };
    auto r = HaproxySwitch::stateFrom(
        { make(QStringLiteral("west"), QStringLiteral("MAINT"), false, QString()),
            make(QStringLiteral("north"), QStringLiteral("UP"), true, QStringLiteral("L7OK")) },
        QStringLiteral("bot"), kServers);
    QVERIFY(r);
    QCOMPARE(r->servingRegion, QStringLiteral("north"));
    QCOMPARE(r->regions.size(), 2);
    QCOMPARE(r->region(QStringLiteral("west"))->enabled, false);
    QCOMPARE(r->region(QStringLiteral("west"))->healthy, false);
    QCOMPARE(r->region(QStringLiteral("west"))->detail, QStringLiteral("MAINT"));
    QCOMPARE(r->region(QStringLiteral("north"))->enabled, true);
    QCOMPARE(r->region(QStringLiteral("north"))->healthy, true);
    QCOMPARE(r->region(QStringLiteral("east")), nullptr);

    r = HaproxySwitch::stateFrom(
        { make(QStringLiteral("west"), QStringLiteral("DOWN"), false, QStringLiteral("L4CON")),
            make(QStringLiteral("north"), QStringLiteral("DRAIN"), true, QStringLiteral("L7OK")) },
        QStringLiteral("bot"), kServers);
    QVERIFY(r);
    QCOMPARE(r->servingRegion, QString());
    QCOMPARE(r->region(QStringLiteral("west"))->enabled, true);
    QCOMPARE(r->region(QStringLiteral("west"))->detail, QStringLiteral("DOWN (L4CON)"));
    QCOMPARE(r->region(QStringLiteral("north"))->enabled, false);
    QCOMPARE(r->region(QStringLiteral("north"))->healthy, true); // draining servers are checked
}

void tst_HaproxySwitch::stateFromMissingServer()
{
    HaproxyServerState s;
    s.server = QStringLiteral("west");
    s.status = QStringLiteral("UP");
    const auto r = HaproxySwitch::stateFrom({ s }, QStringLiteral("bot"), kServers);
    QVERIFY(!r);
    QCOMPARE(r.error(),
        QStringLiteral(
            "HAProxy backend bot has no server north (the routing target of region north)"));
}

void tst_HaproxySwitch::createFromProfile()
{
    Profile p;
    Region west;
    west.id = QStringLiteral("west");
    Region north;
    north.id = QStringLiteral("north");
    north.role = RegionRole::Secondary;
    p.regions = { west, north };
    p.routing.kind = QStringLiteral("haproxy");
    p.routing.settings.insert(QStringLiteral("runtimeApi"), address());
    p.routing.settings.insert(QStringLiteral("backend"), QStringLiteral("bot"));
    p.routing.regionTargets.insert(QStringLiteral("west"), QStringLiteral("west"));

    auto missingTarget = RoutingSwitch::create(p, nullptr, nullptr);
    QVERIFY(!missingTarget);
    QCOMPARE(missingTarget.error(),
        QStringLiteral("routing.regionTargets names no HAProxy server for region north"));

    p.routing.regionTargets.insert(QStringLiteral("north"), QStringLiteral("north"));
    auto created = RoutingSwitch::create(p, nullptr, nullptr);
    QVERIFY2(created, qPrintable(created ? QString() : created.error()));
    RoutingSwitch *sw = created->get();
    const auto st = awaitResult<RoutingState>([sw](auto done) { sw->state(done); });
    QVERIFY(st && *st);
    QCOMPARE((*st)->servingRegion, QStringLiteral("west"));

    p.routing.kind = QStringLiteral("traffic-manager");
    auto tm = RoutingSwitch::create(p, nullptr, nullptr);
    QVERIFY(!tm);
    // The Azure kinds are switched through Resource Manager, as the profile's app.
    QVERIFY2(tm.error().contains(QStringLiteral("needs an \"azure\" section with a clientSecret")), qPrintable(tm.error()));
    p.routing.kind = QStringLiteral("front-door");
    QVERIFY(!RoutingSwitch::create(p, nullptr, nullptr));
}

void tst_HaproxySwitch::readsState()
{
    const auto s = state();
    QVERIFY2(s, qPrintable(s ? QString() : s.error()));
    QCOMPARE(s->servingRegion, QStringLiteral("west"));
    QCOMPARE(s->regions.size(), 2);
    QCOMPARE(s->regions.at(0).regionId, QStringLiteral("west"));
    QCOMPARE(s->regions.at(1).regionId, QStringLiteral("north"));
    for (const RoutingRegionState &r : s->regions) {
        QVERIFY(r.enabled);
        QVERIFY(r.healthy);
        QCOMPARE(r.detail, QStringLiteral("UP"));
    }
}

void tst_HaproxySwitch::disableMovesServingAndEnableBringsItBack()
{
    auto r = disable(QStringLiteral("west"));
    QVERIFY2(r, qPrintable(r ? QString() : r.error()));
    auto s = state();
    QVERIFY(s);
    QCOMPARE(s->servingRegion, QStringLiteral("north"));
    QCOMPARE(s->region(QStringLiteral("west"))->enabled, false);
    QCOMPARE(s->region(QStringLiteral("west"))->detail, QStringLiteral("MAINT"));

    // In maintenance, west's server answering its checks does not bring it back: only enable.
    QTest::qWait(600);
    s = state();
    QVERIFY(s);
    QCOMPARE(s->servingRegion, QStringLiteral("north"));

    r = enable(QStringLiteral("west"), 5000);
    QVERIFY2(r, qPrintable(r ? QString() : r.error()));
    // enable() answers once HAProxy sees it healthy: serving is back at once, not eventually.
    s = state();
    QVERIFY(s);
    QCOMPARE(s->servingRegion, QStringLiteral("west"));
    QVERIFY(s->region(QStringLiteral("west"))->healthy);
}

void tst_HaproxySwitch::refusesToLeaveNoServingRegion()
{
    setServerUp(m_north, m_northPort, false);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const auto s = state();
            return s && !s->region(QStringLiteral("north"))->healthy;
        }(),
        5000);
    const auto r = disable(QStringLiteral("west"));
    QVERIFY(!r);
    QVERIFY2(r.error().startsWith(QStringLiteral(
                 "refused: disabling west would leave no serving region (north is DOWN")),
        qPrintable(r.error()));
    // Nothing was changed: west still serves.
    const auto s = state();
    QVERIFY(s);
    QCOMPARE(s->servingRegion, QStringLiteral("west"));
    QVERIFY(s->region(QStringLiteral("west"))->enabled);
}

void tst_HaproxySwitch::refusesWhenTheOtherIsInMaintenance()
{
    auto r = disable(QStringLiteral("north"));
    QVERIFY2(r, qPrintable(r ? QString() : r.error()));
    r = disable(QStringLiteral("west"));
    QVERIFY(!r);
    QCOMPARE(r.error(),
        QStringLiteral("refused: disabling west would leave no serving region (north is MAINT)"));
    const auto s = state();
    QVERIFY(s);
    QCOMPARE(s->servingRegion, QStringLiteral("west"));
}

void tst_HaproxySwitch::disableIsIdempotent()
{
    QVERIFY(disable(QStringLiteral("west")));
    // Already out of rotation: nothing to do, and nothing to refuse either.
    setServerUp(m_north, m_northPort, true);
    const auto again = disable(QStringLiteral("west"));
    QVERIFY2(again, qPrintable(again ? QString() : again.error()));
    const auto s = state();
    QVERIFY(s);
    QCOMPARE(s->servingRegion, QStringLiteral("north"));
}

void tst_HaproxySwitch::enableTimesOutWhileTheServerStaysDown()
{
    // In maintenance HAProxy runs no check, and leaving it restores the UP seen before: the
    // server died meanwhile, and enable() must not take that stale UP for an answer.
    QVERIFY(disable(QStringLiteral("north")));
    setServerUp(m_north, m_northPort, false);
    QElapsedTimer timer;
    timer.start();
    const auto r = enable(QStringLiteral("north"), 1500);
    const qint64 took = timer.elapsed();
    QVERIFY(!r);
    QVERIFY2(r.error().startsWith(QStringLiteral(
                 "enabling north: not healthy after 1500 ms: HAProxy still reports DOWN")),
        qPrintable(r.error()));
    QVERIFY2(r.error().endsWith(QStringLiteral("; left in maintenance")), qPrintable(r.error()));
    QVERIFY2(took >= 1500 && took < 4000, qPrintable(QString::number(took)));
    // Back out of rotation, so it cannot take traffic by itself once its server answers again.
    setServerUp(m_north, m_northPort, true);
    QTest::qWait(600);
    auto s = state();
    QVERIFY(s);
    QCOMPARE(s->region(QStringLiteral("north"))->detail, QStringLiteral("MAINT"));
    const auto again = enable(QStringLiteral("north"), 5000);
    QVERIFY2(again, qPrintable(again ? QString() : again.error()));
    s = state();
    QVERIFY(s);
    QVERIFY(s->region(QStringLiteral("north"))->enabled);
    QVERIFY(s->region(QStringLiteral("north"))->healthy);
}

void tst_HaproxySwitch::enableWaitsForADownServerInRotation()
{
    // In rotation but down (its checks running): enable() waits for the check, and leaves it
    // in rotation when the time is up (it was there before).
    setServerUp(m_north, m_northPort, false);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const auto s = state();
            return s && !s->region(QStringLiteral("north"))->healthy;
        }(),
        5000);
    auto r = enable(QStringLiteral("north"), 600);
    QVERIFY(!r);
    QVERIFY2(!r.error().contains(QStringLiteral("left in")), qPrintable(r.error()));
    auto s = state();
    QVERIFY(s && s->region(QStringLiteral("north"))->enabled);
    QTimer::singleShot(500, this, [this] { setServerUp(m_north, m_northPort, true); });
    r = enable(QStringLiteral("north"), 5000);
    QVERIFY2(r, qPrintable(r ? QString() : r.error()));
}

void tst_HaproxySwitch::unknownRegion()
{
    HaproxySwitch *sw = makeSwitch();
    const auto e
        = awaitResult<void>([&](auto done) { sw->enable(QStringLiteral("east"), 1000, done); });
    QVERIFY(e && !*e);
    QCOMPARE(
        e->error(), QStringLiteral("enabling east: the routing has no server for that region"));
    const auto d = awaitResult<void>([&](auto done) { sw->disable(QStringLiteral("east"), done); });
    QVERIFY(d && !*d);
    QCOMPARE(
        d->error(), QStringLiteral("disabling east: the routing has no server for that region"));
    delete sw;
}

void tst_HaproxySwitch::deadRuntimeApi()
{
    HaproxySwitch sw(
        QStringLiteral("127.0.0.1:%1").arg(deadPort()), QStringLiteral("bot"), kServers);
    const auto d = awaitResult<void>([&](auto done) { sw.disable(QStringLiteral("west"), done); });
    QVERIFY(d && !*d);
    QVERIFY2(d->error().startsWith(QStringLiteral(
                 "disabling west: cannot reach the HAProxy runtime API at 127.0.0.1:")),
        qPrintable(d->error()));
    const auto e
        = awaitResult<void>([&](auto done) { sw.enable(QStringLiteral("west"), 500, done); });
    QVERIFY(e && !*e);
    QVERIFY2(e->error().startsWith(
                 QStringLiteral("enabling west: cannot reach the HAProxy runtime API")),
        qPrintable(e->error()));
}

void tst_HaproxySwitch::trafficNeverFailsDuringASwitch()
{
    TrafficLoop traffic(
        QUrl(QStringLiteral("http://127.0.0.1:%1/api/messages").arg(m_frontPort)), 2);
    QTest::qWait(300);
    // Planned failover as the runbook does it: the target in rotation, then the source out.
    auto r = enable(QStringLiteral("north"), 5000);
    QVERIFY2(r, qPrintable(r ? QString() : r.error()));
    r = disable(QStringLiteral("west"));
    QVERIFY2(r, qPrintable(r ? QString() : r.error()));
    QTest::qWait(500);
    const int westBeforeFailback = traffic.answeredBy.value(QStringLiteral("west"));
    const int northAfterFailover = traffic.answeredBy.value(QStringLiteral("north"));
    // Failback.
    r = enable(QStringLiteral("west"), 5000);
    QVERIFY2(r, qPrintable(r ? QString() : r.error()));
    r = disable(QStringLiteral("north"));
    QVERIFY2(r, qPrintable(r ? QString() : r.error()));
    QTest::qWait(500);
    traffic.stop();
    QTRY_VERIFY_WITH_TIMEOUT(traffic.idle(), 10000);

    QVERIFY2(traffic.failures == 0,
        qPrintable(QStringLiteral("%1 of %2 requests failed: %3")
                       .arg(traffic.failures)
                       .arg(traffic.requests)
                       .arg(traffic.failureReasons.join(QStringLiteral("; ")))));
    QVERIFY2(traffic.requests > 50, qPrintable(QString::number(traffic.requests)));
    QVERIFY(northAfterFailover > 0); // answers moved to the target...
    QVERIFY(traffic.answeredBy.value(QStringLiteral("west")) > westBeforeFailback); // ...and back
    QCOMPARE(traffic.answeredBy.keys(),
        (QStringList { QStringLiteral("north"), QStringLiteral("west") }));
}

QTEST_GUILESS_MAIN(tst_HaproxySwitch)
#include "tst_haproxyswitch.moc"
