// HaproxyRuntime against a real HAProxy (Debian's), started by the test with a backend of two
// servers (one answering, one dead) and its runtime API on a loopback port.

#include "asyncwait.h"
#include "routing/haproxyruntime.h"
#include "testhttpserver.h"

#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::test;


class tst_HaproxyRuntime : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void parseStat_data();
    void parseStat();
    void servingServer();
    void checkInProgressKeepsLastResult();
    void readsTheRealBackend();
    void switchesAServerToMaintenanceAndBack();
    void refusesWhatHaproxyRefuses();
    void refusesASecondCommand();
    void deadRuntimeApi();

private:
    QString address() const { return QStringLiteral("127.0.0.1:%1").arg(m_runtimePort); }
    QList<HaproxyServerState> states();

    QTemporaryDir m_dir;
    TestHttpServer m_west;
    quint16 m_runtimePort = 0;
    QProcess m_haproxy;
};

void tst_HaproxyRuntime::initTestCase()
{
    QString exe = QStandardPaths::findExecutable(QStringLiteral("haproxy"), {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin")});
    QVERIFY2(!exe.isEmpty(), "haproxy is not installed: bash .ci/deps");
    m_west.setResponse(200, QByteArrayLiteral("ok"), QByteArrayLiteral("text/plain"));
    QVERIFY(m_west.listen());
    m_runtimePort = deadPort();
    const QString cfg = m_dir.filePath(QStringLiteral("haproxy.cfg"));
    QFile f(cfg);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QStringLiteral("global\n    stats socket ipv4@127.0.0.1:%1 level admin\n"
                           "defaults\n    mode http\n    timeout connect 1s\n    timeout client 5s\n    timeout server 5s\n"
                           "backend bot\n    option httpchk GET /healthz\n"
                           "    default-server inter 300ms fall 1 rise 1 check\n"
                           "    server west 127.0.0.1:%2\n    server north 127.0.0.1:%3 backup\n")
                .arg(m_runtimePort)
                .arg(m_west.port())
                .arg(deadPort())
                .toUtf8());
    f.close();
    m_haproxy.start(exe, {QStringLiteral("-db"), QStringLiteral("-f"), cfg});
    QVERIFY(m_haproxy.waitForStarted(5000));
    // Ready when the runtime API answers and both checks have run.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const auto s = states();
            return s.size() == 2 && s.at(0).status == u"UP" && s.at(1).status.startsWith(QStringLiteral("DOWN"));
        }(),
        10000);
}

void tst_HaproxyRuntime::cleanupTestCase()
{
    m_haproxy.terminate();
    if (!m_haproxy.waitForFinished(3000))
        m_haproxy.kill();
}

QList<HaproxyServerState> tst_HaproxyRuntime::states()
{
    HaproxyRuntime runtime(address());
    const auto r = awaitResult<QList<HaproxyServerState>>([&](auto done) { runtime.serverStates(QStringLiteral("bot"), done); });
    return r && *r ? **r : QList<HaproxyServerState>();
}

void tst_HaproxyRuntime::parseStat_data()
{
    QTest::addColumn<QString>("csv");
    QTest::addColumn<int>("servers");
    QTest::addColumn<QString>("error");

    const QString header = QStringLiteral("# pxname,svname,qcur,status,weight,act,bck,check_status,lastchg,\n");
    QTest::newRow("two servers") << header + QStringLiteral("bot,west,0,UP,1,1,0,L7OK,5,\nbot,north,0,DOWN,1,0,1,L4CON,3,\nbot,BACKEND,0,UP,1,1,1,,5,\n") << 2 << QString();
    QTest::newRow("check in progress") << header + QStringLiteral("bot,west,0,UP,1,1,0,* L7OK,5,\n") << 1 << QString();
    QTest::newRow("other backends ignored") << header + QStringLiteral("stats,FRONTEND,,OPEN,,,,,,\nbot,west,0,MAINT,0,1,0,,9,\n") << 1 << QString();
    QTest::newRow("no such backend") << header + QStringLiteral("web,a,0,UP,1,1,0,L7OK,5,\n") << 0 << QStringLiteral("HAProxy has no backend 'bot'");
    QTest::newRow("not stat output") << QStringLiteral("Unknown command.\n") << 0 << QStringLiteral("unexpected answer to 'show stat'");
    QTest::newRow("columns missing") << QStringLiteral("# pxname,svname\nbot,west\n") << 0 << QStringLiteral("lacks the pxname, svname, status or bck column");
}

void tst_HaproxyRuntime::parseStat()
{
    QFETCH(QString, csv);
    QFETCH(int, servers);
    QFETCH(QString, error);
    const auto r = HaproxyRuntime::parseStat(csv, QStringLiteral("bot"));
    if (error.isEmpty()) {
        QVERIFY(r);
        QCOMPARE(r->size(), servers);
    } else {
        QVERIFY(!r);
        QVERIFY2(r.error().contains(error), qPrintable(r.error()));
    }
}

void tst_HaproxyRuntime::checkInProgressKeepsLastResult()
{
    const auto r = HaproxyRuntime::parseStat(QStringLiteral("# pxname,svname,status,weight,bck,check_status,\n"
                                                            "bot,west,UP,1,0,* L7OK,\n"),
                                             QStringLiteral("bot"));
    QVERIFY(r);
    QCOMPARE(r->first().checkStatus, QStringLiteral("L7OK"));
}

void tst_HaproxyRuntime::servingServer()
{
    const auto make = [](const QString &name, const QString &status, bool backup) {
        HaproxyServerState s;
        s.server = name;
        s.status = status;
        s.backup = backup;
        s.weight = 1;
        return s;
    };
    QCOMPARE(HaproxyRuntime::servingServer({make(QStringLiteral("a"), QStringLiteral("UP"), false), make(QStringLiteral("b"), QStringLiteral("UP"), true)}), QStringLiteral("a"));
    QCOMPARE(HaproxyRuntime::servingServer({make(QStringLiteral("a"), QStringLiteral("DOWN"), false), make(QStringLiteral("b"), QStringLiteral("UP"), true)}), QStringLiteral("b"));
    QCOMPARE(HaproxyRuntime::servingServer({make(QStringLiteral("a"), QStringLiteral("MAINT"), false), make(QStringLiteral("b"), QStringLiteral("UP 1/2"), true)}), QStringLiteral("b"));
    QCOMPARE(HaproxyRuntime::servingServer({make(QStringLiteral("a"), QStringLiteral("DOWN"), false), make(QStringLiteral("b"), QStringLiteral("DOWN"), true)}), QString());
}

void tst_HaproxyRuntime::readsTheRealBackend()
{
    const auto s = states();
    QCOMPARE(s.size(), 2);
    QCOMPARE(s.at(0).server, QStringLiteral("west"));
    QCOMPARE(s.at(0).backup, false);
    QCOMPARE(s.at(0).checkStatus, QStringLiteral("L7OK"));
    QCOMPARE(s.at(1).server, QStringLiteral("north"));
    QCOMPARE(s.at(1).backup, true);
    QCOMPARE(s.at(1).checkStatus, QStringLiteral("L4CON"));
    QCOMPARE(HaproxyRuntime::servingServer(s), QStringLiteral("west"));
}

void tst_HaproxyRuntime::switchesAServerToMaintenanceAndBack()
{
    HaproxyRuntime runtime(address());
    auto r = awaitResult<void>([&](auto done) { runtime.setServerState(QStringLiteral("bot"), QStringLiteral("west"), QStringLiteral("maint"), done); });
    QVERIFY(r && *r);
    auto s = states();
    QVERIFY(s.at(0).isMaintenance());
    QCOMPARE(HaproxyRuntime::servingServer(s), QString()); // the backup is dead: nobody serves
    r = awaitResult<void>([&](auto done) { runtime.setServerState(QStringLiteral("bot"), QStringLiteral("west"), QStringLiteral("ready"), done); });
    QVERIFY(r && *r);
    QTRY_COMPARE_WITH_TIMEOUT(HaproxyRuntime::servingServer(states()), QStringLiteral("west"), 5000);
}

void tst_HaproxyRuntime::refusesWhatHaproxyRefuses()
{
    HaproxyRuntime runtime(address());
    const auto r = awaitResult<void>([&](auto done) { runtime.setServerState(QStringLiteral("bot"), QStringLiteral("east"), QStringLiteral("maint"), done); });
    QVERIFY(r && !*r);
    QVERIFY2(r->error().startsWith(QStringLiteral("HAProxy refused: ")), qPrintable(r->error()));
}

void tst_HaproxyRuntime::refusesASecondCommand()
{
    HaproxyRuntime runtime(address());
    const auto r = awaitResult<QString>([&](auto done) { runtime.command(QStringLiteral("show info; shutdown frontend x"), done); });
    QVERIFY(r && !*r);
    QCOMPARE(r->error(), QStringLiteral("a runtime API command is one line without ';'"));
}

void tst_HaproxyRuntime::deadRuntimeApi()
{
    HaproxyRuntime runtime(QStringLiteral("127.0.0.1:%1").arg(deadPort()));
    const auto r = awaitResult<QString>([&](auto done) { runtime.command(QStringLiteral("show info"), done); });
    QVERIFY(r && !*r);
    QVERIFY2(r->error().startsWith(QStringLiteral("cannot reach the HAProxy runtime API at 127.0.0.1:")), qPrintable(r->error()));
}

QTEST_GUILESS_MAIN(tst_HaproxyRuntime)
#include "tst_haproxyruntime.moc"
