// drctl as a script or an operator meets it: the real binary, run as a process, against real
// HTTP and HTTPS servers on loopback with certificates made at test time.

#include "testhttpserver.h"
#include "testpki.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace dr::test;

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

} // namespace

class tst_Drctl : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void helpAndVersion();
    void unknownCommand();
    void missingProfileOption();
    void brokenProfileListsEveryProblem();
    void liveAndDeadEndpoints();
    void allHealthyExitsZero();
    void exitLeavesOpenSslToTheSystem();
    void humanTable();
    void watchRedrawsUntilInterrupted();
    void secretSetCheckDelete();
    void statusSendsKeychainSecretHeader();
    void unreadableSecretFailsItsComponent();

private:
    Run drctl(const QStringList &args, int timeoutMs = 20000, const QByteArray &input = {});
    QString writeProfile(const QString &name, const QByteArray &json);
    // Two live endpoints, the first over TLS with a certificate valid for 60 days: a profile
    // (NAME.json) whose status is all OK. Empty if a server could not listen.
    QString healthyProfile(const QString &name, TestHttpServer &tls, TestHttpServer &plain);
    QByteArray profileJson(const QString &liveUrl, const QString &deadUrl, quint16 certPort) const;

    QTemporaryDir m_dir;
    std::unique_ptr<TestPki> m_pki;
    QProcessEnvironment m_env;
};

void tst_Drctl::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_pki = std::make_unique<TestPki>();
    QVERIFY2(m_pki->isValid(), qPrintable(m_pki->error()));
    m_env = QProcessEnvironment::systemEnvironment();
    // Logs and data of the run under test go to the temporary folder, not the user's.
    m_env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.path() + QStringLiteral("/data"));
    m_env.insert(QStringLiteral("NO_COLOR"), QStringLiteral("1"));
}

Run tst_Drctl::drctl(const QStringList &args, int timeoutMs, const QByteArray &input)
{
    QProcess p;
    p.setProcessEnvironment(m_env);
    QSignalSpy finished(&p, &QProcess::finished);
    p.start(QStringLiteral(DRCTL_PATH), args);
    Run run;
    if (!p.waitForStarted(5000))
        return run;
    p.write(input);
    p.closeWriteChannel();
    // Spin the event loop while drctl runs: the servers it probes live in this process.
    if (!finished.wait(timeoutMs)) {
        p.kill();
        p.waitForFinished(2000);
        return run;
    }
    run.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    run.out = p.readAllStandardOutput();
    run.err = p.readAllStandardError();
    return run;
}

QString tst_Drctl::writeProfile(const QString &name, const QByteArray &json)
{
    const QString path = m_dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    f.write(json);
    return path;
}

QByteArray tst_Drctl::profileJson(const QString &liveUrl, const QString &deadUrl, quint16 certPort) const
{
    return QStringLiteral(R"({
  "schemaVersion": 1,
  "name": "drctl-test",
  "environment": "lab",
  "objectives": {"rpoSeconds": 900, "rtoSeconds": 1800, "certificateWarningDays": 30, "certificateCriticalDays": 7},
  "tls": {"caCertificates": ["%1"]},
  "probeDefaults": {"timeoutSeconds": 2, "intervalSeconds": 2},
  "regions": [
    {"id": "west", "displayName": "West", "role": "primary",
     "components": [{"id": "bot-api", "kind": "bot-api", "endpoint": "%2", "probe": {"jsonField": "status", "jsonEquals": "ok"}}]},
    {"id": "north", "displayName": "North", "role": "secondary",
     "components": [{"id": "bot-api", "kind": "bot-api", "endpoint": "%3"}]}
  ],
  "routing": {"kind": "traffic-manager", "publicUrl": "https://localhost:8443/",
              "settings": {"subscriptionId": "00000000-0000-0000-0000-000000000000",
                           "resourceGroup": "rg-bot", "profileName": "tm-bot"},
              "targets": {"west": "west", "north": "north"}},
  "certificates": [{"id": "west-bot", "endpoint": "localhost:%4", "region": "west"}]
})")
        .arg(m_pki->caCertPath(), liveUrl, deadUrl)
        .arg(certPort)
        .toUtf8();
}

void tst_Drctl::helpAndVersion()
{
    Run run = drctl({QStringLiteral("--help")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.contains("status"));
    QVERIFY(run.out.contains("watch"));
    QVERIFY(run.out.contains("Exit codes"));
    run = drctl({QStringLiteral("status"), QStringLiteral("--help")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.contains("--profile"));
    QVERIFY(run.out.contains("--json"));
    run = drctl({QStringLiteral("--version")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.out.startsWith("drctl " DR_VERSION));
}

void tst_Drctl::unknownCommand()
{
    const Run run = drctl({QStringLiteral("teleport")});
    QCOMPARE(run.exitCode, 1);
    QCOMPARE(run.err, QByteArray("drctl: unknown command 'teleport'; run 'drctl --help' for the list\n"));
}

void tst_Drctl::missingProfileOption()
{
    const Run run = drctl({QStringLiteral("status")});
    QCOMPARE(run.exitCode, 1);
    QCOMPARE(run.err, QByteArray("drctl: --profile FILE is required\n"));
}

void tst_Drctl::brokenProfileListsEveryProblem()
{
    const QString path = writeProfile(QStringLiteral("broken.json"), QByteArrayLiteral(R"({
  "schemaVersion": 1,
  "name": "broken",
  "environment": "prod",
  "objectives": {"rpoSeconds": -5, "rtoSeconds": 60},
  "regions": [
    {"id": "west", "role": "primary", "components": [{"id": "bot", "kind": "bot-api", "endpoint": "not a url"}]},
    {"id": "west", "role": "primary", "components": [{"id": "bot", "kind": "bot-api", "endpoint": "https://b.example.org", "password": "hunter2"}]}
  ],
  "routing": {"kind": "haproxy", "publicUrl": "https://g.example.org", "settings": {"runtimeApi": "127.0.0.1:1", "backend": "bot"},
              "targets": {"west": "a"}}
}
)"));
    const Run run = drctl({QStringLiteral("status"), QStringLiteral("--profile"), path});
    QCOMPARE(run.exitCode, 2);
    const QString err = QString::fromUtf8(run.err);
    QVERIFY2(err.startsWith(QStringLiteral("drctl: the profile %1 is invalid (").arg(path)), qPrintable(err));
    const QStringList expected = {
        path + QStringLiteral(":4:3: /environment: expected one of production, staging, lab; got \"prod\""),
        path + QStringLiteral(":5:18: /objectives/rpoSeconds: expected an integer from 0 to 604800; got -5"),
        path + QStringLiteral(":7:87: /regions/0/components/0/endpoint: expected an absolute https or http URL with a host; got \"not a url\""),
        path + QStringLiteral(":8:6: /regions/1/id: duplicate region id \"west\""),
        path + QStringLiteral(":8:20: /regions/1/role: expected exactly one primary and one secondary region"),
        path + QStringLiteral(":8:124: /regions/1/components/0/password: inline secrets are not allowed"),
    };
    for (const QString &line : expected)
        QVERIFY2(err.contains(line), qPrintable(QStringLiteral("missing: %1\nin:\n%2").arg(line, err)));
    QVERIFY2(!err.contains(QStringLiteral("hunter2")), "a secret must never be echoed");
    QVERIFY(run.out.isEmpty());
}

void tst_Drctl::liveAndDeadEndpoints()
{
    const IssuedCertificate cert = m_pki->issueForDays(QStringLiteral("drctl-live"), 90);
    TestHttpServer live;
    live.setTls({cert.certificate()}, cert.key());
    QVERIFY(live.listen());
    const QString dead = QStringLiteral("https://127.0.0.1:%1/healthz").arg(deadPort());
    const QString path = writeProfile(QStringLiteral("live-dead.json"),
                                      profileJson(live.url(QStringLiteral("/healthz"), QStringLiteral("localhost")), dead, live.port()));

    const Run run = drctl({QStringLiteral("status"), QStringLiteral("--profile"), path, QStringLiteral("--json")});
    QCOMPARE(run.exitCode, 4); // something is down
    QJsonParseError error;
    const QJsonObject doc = QJsonDocument::fromJson(run.out, &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);

    // The contract's shape.
    for (const char *key : {"profile", "activeRegion", "takenAt", "regions", "indexSync", "storageReplication", "certificates"})
        QVERIFY2(doc.contains(QLatin1String(key)), key);
    QCOMPARE(doc.value(QStringLiteral("profile")).toString(), QStringLiteral("drctl-test"));
    QVERIFY(QDateTime::fromString(doc.value(QStringLiteral("takenAt")).toString(), Qt::ISODateWithMs).isValid());
    const QJsonArray regions = doc.value(QStringLiteral("regions")).toArray();
    QCOMPARE(regions.size(), 2);
    const QJsonObject west = regions.at(0).toObject();
    QCOMPARE(west.value(QStringLiteral("id")).toString(), QStringLiteral("west"));
    QCOMPARE(west.value(QStringLiteral("role")).toString(), QStringLiteral("primary"));
    const QJsonObject westBot = west.value(QStringLiteral("components")).toArray().at(0).toObject();
    QCOMPARE(westBot.value(QStringLiteral("state")).toString(), QStringLiteral("ok"));
    QCOMPARE(westBot.value(QStringLiteral("kind")).toString(), QStringLiteral("bot-api"));
    QVERIFY(westBot.value(QStringLiteral("latencyMs")).isDouble());
    QCOMPARE(westBot.value(QStringLiteral("detail")).toString(), QStringLiteral("HTTP 200"));
    const QJsonObject northBot = regions.at(1).toObject().value(QStringLiteral("components")).toArray().at(0).toObject();
    QCOMPARE(northBot.value(QStringLiteral("state")).toString(), QStringLiteral("down"));
    QCOMPARE(northBot.value(QStringLiteral("detail")).toString(), QStringLiteral("connection refused"));

    const QJsonArray certs = doc.value(QStringLiteral("certificates")).toArray();
    QCOMPARE(certs.size(), 1);
    const QJsonObject c = certs.at(0).toObject();
    QCOMPARE(c.value(QStringLiteral("endpoint")).toString(), QStringLiteral("localhost:%1").arg(live.port()));
    QCOMPARE(c.value(QStringLiteral("region")).toString(), QStringLiteral("west"));
    QCOMPARE(c.value(QStringLiteral("daysLeft")).toInt(), 90);
    QCOMPARE(c.value(QStringLiteral("state")).toString(), QStringLiteral("ok"));
    QCOMPARE(c.value(QStringLiteral("notAfter")).toString(), cert.certificate().expiryDate().toUTC().toString(Qt::ISODate));
}

QString tst_Drctl::healthyProfile(const QString &name, TestHttpServer &tls, TestHttpServer &plain)
{
    const IssuedCertificate cert = m_pki->issueForDays(QStringLiteral("drctl-") + name, 60);
    tls.setTls({cert.certificate()}, cert.key());
    if (!tls.listen() || !plain.listen())
        return {};
    return writeProfile(name + QStringLiteral(".json"),
                        profileJson(tls.url(QStringLiteral("/"), QStringLiteral("localhost")), plain.url(), tls.port()));
}

void tst_Drctl::allHealthyExitsZero()
{
    TestHttpServer a;
    TestHttpServer b;
    const QString path = healthyProfile(QStringLiteral("healthy"), a, b);
    QVERIFY(!path.isEmpty());
    const Run run = drctl({QStringLiteral("status"), QStringLiteral("--profile"), path, QStringLiteral("--json")});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(run.err.isEmpty());
}

void tst_Drctl::exitLeavesOpenSslToTheSystem()
{
    // OpenSSL's atexit cleanup frees the state of threads that may still be ending (Qt's
    // network threads are), and drctl then aborted after its work had succeeded. A status
    // over TLS, with a probe that reports at the very end whether that cleanup ran.
    TestHttpServer a;
    TestHttpServer b;
    const QString path = healthyProfile(QStringLiteral("exit"), a, b);
    QVERIFY(!path.isEmpty());
    const QProcessEnvironment plain = m_env;
    m_env.insert(QStringLiteral("LD_PRELOAD"), QStringLiteral(DR_OPENSSLEXITPROBE));
    // An AddressSanitizer build wants its runtime first; the probe is not instrumented.
    m_env.insert(QStringLiteral("ASAN_OPTIONS"),
        m_env.value(QStringLiteral("ASAN_OPTIONS")) + QStringLiteral(":verify_asan_link_order=0"));
    const Run run = drctl({QStringLiteral("status"), QStringLiteral("--profile"), path, QStringLiteral("--json")});
    m_env = plain;
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.err.trimmed(), QByteArrayLiteral("opensslexitprobe: libssl loaded, OpenSSL cleanup at exit did not run"));
}

void tst_Drctl::humanTable()
{
    const IssuedCertificate cert = m_pki->issueForDays(QStringLiteral("drctl-table"), 5);
    TestHttpServer live;
    live.setTls({cert.certificate()}, cert.key());
    QVERIFY(live.listen());
    TestHttpServer b;
    QVERIFY(b.listen());
    const QString path = writeProfile(QStringLiteral("table.json"),
                                      profileJson(live.url(QStringLiteral("/"), QStringLiteral("localhost")), b.url(), live.port()));
    const Run run = drctl({QStringLiteral("status"), QStringLiteral("--profile"), path});
    QCOMPARE(run.exitCode, 3); // a certificate five days from expiry is critical: degraded
    const QString out = QString::fromUtf8(run.out);
    QVERIFY2(out.startsWith(QStringLiteral("Profile drctl-test (lab), taken ")), qPrintable(out));
    QVERIFY(out.contains(QStringLiteral("REGION  ROLE")));
    QVERIFY(out.contains(QRegularExpression(QStringLiteral("west +primary +bot-api +bot-api +OK +\\d+ ms +HTTP 200"))));
    QVERIFY(out.contains(QRegularExpression(QStringLiteral("localhost:\\d+ +west +\\S+ +5 +CRITICAL +certificate critical: expires in 5 days"))));
    QVERIFY2(!out.contains(QStringLiteral("\x1b[")), "NO_COLOR means no colour");
}

void tst_Drctl::watchRedrawsUntilInterrupted()
{
    TestHttpServer a;
    QVERIFY(a.listen());
    TestHttpServer b;
    QVERIFY(b.listen());
    const QString path = writeProfile(QStringLiteral("watch.json"),
                                      profileJson(a.url(), b.url(), dr::test::deadPort()));
    QProcess p;
    p.setProcessEnvironment(m_env);
    p.start(QStringLiteral(DRCTL_PATH), {QStringLiteral("watch"), QStringLiteral("--profile"), path});
    QVERIFY(p.waitForStarted(5000));
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += p.readAllStandardOutput()).contains("HTTP 200"), 10000);
    QVERIFY(out.contains("Profile drctl-test"));
    ::kill(pid_t(p.processId()), SIGINT);
    QSignalSpy finished(&p, &QProcess::finished);
    QVERIFY(p.state() == QProcess::NotRunning || finished.wait(5000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
}

void tst_Drctl::secretSetCheckDelete()
{
    const QString name = QStringLiteral("drctl-test-entry");
    Run run = drctl({QStringLiteral("secret"), QStringLiteral("check"), name});
    QCOMPARE(run.exitCode, 1);
    QCOMPARE(run.err, QByteArray("drctl: keychain entry 'drctl-test-entry': no such entry in the keychain\n"));

    run = drctl({QStringLiteral("secret"), QStringLiteral("set"), name}, 20000, QByteArrayLiteral("piped-value\n"));
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.out, QByteArray("stored keychain entry 'drctl-test-entry'\n"));
    QVERIFY(!run.out.contains("piped-value") && !run.err.contains("piped-value"));

    run = drctl({QStringLiteral("secret"), QStringLiteral("check"), name});
    QCOMPARE(run.exitCode, 0);
    QVERIFY(!run.out.contains("piped-value"));

    const QString file = writeProfile(QStringLiteral("value.txt"), QByteArrayLiteral("from-file\n"));
    run = drctl({QStringLiteral("secret"), QStringLiteral("set"), name, QStringLiteral("--from-file"), file});
    QCOMPARE(run.exitCode, 0);

    run = drctl({QStringLiteral("secret"), QStringLiteral("delete"), name});
    QCOMPARE(run.exitCode, 0);
    QCOMPARE(run.out, QByteArray("deleted keychain entry 'drctl-test-entry'\n"));
    run = drctl({QStringLiteral("secret"), QStringLiteral("check"), name});
    QCOMPARE(run.exitCode, 1);

    run = drctl({QStringLiteral("secret"), QStringLiteral("set"), name}, 20000, QByteArray());
    QCOMPARE(run.exitCode, 1);
    QCOMPARE(run.err, QByteArray("drctl: no secret was given\n"));
    run = drctl({QStringLiteral("secret"), QStringLiteral("rotate"), name});
    QCOMPARE(run.exitCode, 1);
    QCOMPARE(run.err, QByteArray("drctl: usage: drctl secret set|check|delete NAME\n"));
}

void tst_Drctl::statusSendsKeychainSecretHeader()
{
    const QByteArray secret = QByteArrayLiteral("search-admin-7f3a");
    QCOMPARE(drctl({QStringLiteral("secret"), QStringLiteral("set"), QStringLiteral("probe-key")}, 20000, secret).exitCode, 0);
    TestHttpServer a;
    QVERIFY(a.listen());
    TestHttpServer b;
    QVERIFY(b.listen());
    QByteArray json = profileJson(a.url(), b.url(), dr::test::deadPort());
    json.replace("\"probe\": {\"jsonField\": \"status\", \"jsonEquals\": \"ok\"}",
                 "\"probe\": {\"headers\": {\"api-key\": {\"keychain\": \"probe-key\"}}}");
    QVERIFY(json.contains("probe-key"));
    const QString path = writeProfile(QStringLiteral("secret-header.json"), json);
    const Run run = drctl({QStringLiteral("status"), QStringLiteral("--profile"), path, QStringLiteral("--json"), QStringLiteral("--verbose")});
    QCOMPARE(a.requestCount(), 1);
    QVERIFY2(a.requestHeads().first().contains(QByteArray("api-key: " + secret)), a.requestHeads().first().constData());
    QVERIFY2(!run.out.contains(secret) && !run.err.contains(secret), "the secret never appears in output");
    const QJsonObject doc = QJsonDocument::fromJson(run.out).object();
    const QJsonObject westBot = doc.value(QStringLiteral("regions")).toArray().at(0).toObject()
                                    .value(QStringLiteral("components")).toArray().at(0).toObject();
    QCOMPARE(westBot.value(QStringLiteral("state")).toString(), QStringLiteral("ok"));
}

void tst_Drctl::unreadableSecretFailsItsComponent()
{
    TestHttpServer a;
    QVERIFY(a.listen());
    TestHttpServer b;
    QVERIFY(b.listen());
    QByteArray json = profileJson(a.url(), b.url(), dr::test::deadPort());
    json.replace("\"probe\": {\"jsonField\": \"status\", \"jsonEquals\": \"ok\"}",
                 "\"probe\": {\"headers\": {\"api-key\": {\"keychain\": \"never-stored\"}}}");
    const QString path = writeProfile(QStringLiteral("missing-secret.json"), json);
    const Run run = drctl({QStringLiteral("status"), QStringLiteral("--profile"), path, QStringLiteral("--json")});
    QCOMPARE(run.exitCode, 4);
    QCOMPARE(a.requestCount(), 0); // not probed without its key
    const QJsonObject westBot = QJsonDocument::fromJson(run.out).object().value(QStringLiteral("regions")).toArray().at(0)
                                    .toObject().value(QStringLiteral("components")).toArray().at(0).toObject();
    QCOMPARE(westBot.value(QStringLiteral("state")).toString(), QStringLiteral("down"));
    QCOMPARE(westBot.value(QStringLiteral("detail")).toString(),
             QStringLiteral("cannot read the secret for header api-key: keychain entry 'never-stored': no such entry in the keychain"));
}

QTEST_GUILESS_MAIN(tst_Drctl)
#include "tst_drctl.moc"
