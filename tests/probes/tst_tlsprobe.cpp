// TlsProbe against real TLS servers on loopback with certificates made at test time: each
// kind of certificate trouble is named, and days left are counted by the engine's clock.

#include "probes/tlsprobe.h"
#include "probetestutil.h"
#include "testhttpserver.h"
#include "testpki.h"

#include <QTest>

using namespace dr;
using namespace dr::test;

class tst_TlsProbe : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void certificates_data();
    void certificates();
    void chainFromProfileCa();
    void daysLeftFollowTheClock();
    void deadPort();
    void notTls();
    void judgeWithoutChain();

private:
    ProbeTarget tlsTarget(quint16 port, const QString &serverName = {}) const;
    std::unique_ptr<TestPki> m_pki;
};

void tst_TlsProbe::initTestCase()
{
    qRegisterMetaType<ProbeResult>();
    m_pki = std::make_unique<TestPki>();
    QVERIFY2(m_pki->isValid(), qPrintable(m_pki->error()));
}

ProbeTarget tst_TlsProbe::tlsTarget(quint16 port, const QString &serverName) const
{
    ProbeTarget t;
    t.id = QStringLiteral("cert/test");
    t.endpoint = QUrl(QStringLiteral("https://localhost:%1").arg(port));
    t.settings.kind = QStringLiteral("tls");
    t.settings.timeoutMs = 3000;
    t.settings.serverName = serverName;
    t.settings.caCertificate = m_pki->caCertPath();
    t.certificateWarningDays = 30;
    t.certificateCriticalDays = 7;
    return t;
}

void tst_TlsProbe::certificates_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("startDays"); // relative to now
    QTest::addColumn<int>("endDays");
    QTest::addColumn<QStringList>("altNames");
    QTest::addColumn<bool>("selfSigned");
    QTest::addColumn<QString>("state");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<int>("outcome");

    const QStringList local = TestPki::defaultNames();
    const int success = int(ProbeResult::Outcome::Success);
    const int degraded = int(ProbeResult::Outcome::Degraded);
    const int failure = int(ProbeResult::Outcome::Failure);
    QTest::newRow("valid") << QStringLiteral("valid") << -1 << 90 << local << false << QStringLiteral("ok") << QStringLiteral("valid for 90 more days") << success;
    QTest::newRow("warning") << QStringLiteral("warning") << -1 << 20 << local << false << QStringLiteral("warning") << QStringLiteral("expires in 20 days (warning at 30)") << degraded;
    QTest::newRow("expiring in 3 days") << QStringLiteral("three") << -1 << 3 << local << false << QStringLiteral("critical") << QStringLiteral("expires in 3 days (critical at 7)") << degraded;
    QTest::newRow("expired") << QStringLiteral("expired") << -30 << -2 << local << false << QStringLiteral("expired") << QStringLiteral("expired on") << failure;
    QTest::newRow("not yet valid") << QStringLiteral("future") << 5 << 90 << local << false << QStringLiteral("invalid") << QStringLiteral("not valid before") << failure;
    QTest::newRow("wrong host") << QStringLiteral("wronghost") << -1 << 90 << QStringList{QStringLiteral("DNS:bot.example.org")} << false << QStringLiteral("invalid") << QStringLiteral("issued for bot.example.org, not this host") << failure;
    QTest::newRow("self-signed") << QStringLiteral("selfsigned") << -1 << 90 << local << true << QStringLiteral("invalid") << QStringLiteral("self-signed and not trusted") << failure;
}

void tst_TlsProbe::certificates()
{
    QFETCH(QString, name);
    QFETCH(int, startDays);
    QFETCH(int, endDays);
    QFETCH(QStringList, altNames);
    QFETCH(bool, selfSigned);
    QFETCH(QString, state);
    QFETCH(QString, reason);
    QFETCH(int, outcome);

    const QDateTime now = QDateTime::currentDateTimeUtc();
    const IssuedCertificate issued = m_pki->issue(QStringLiteral("tls-") + name, altNames, now.addDays(startDays),
                                                  now.addDays(endDays).addSecs(3600), selfSigned);
    QVERIFY2(!issued.certPath.isEmpty(), qPrintable(m_pki->error()));
    TestHttpServer server;
    server.setTls({issued.certificate()}, issued.key());
    QVERIFY(server.listen());

    const ProbeRun run = runProbe(tlsTarget(server.port()));
    QVERIFY(run.result);
    const QJsonObject data = run.result->data;
    QCOMPARE(data.value(QStringLiteral("state")).toString(), state);
    QVERIFY2(data.value(QStringLiteral("reason")).toString().contains(reason),
             qPrintable(data.value(QStringLiteral("reason")).toString()));
    QCOMPARE(int(run.result->outcome), outcome);
    QCOMPARE(data.value(QStringLiteral("notAfter")).toString(),
             issued.certificate().expiryDate().toUTC().toString(Qt::ISODate));
    if (endDays > 0)
        QCOMPARE(data.value(QStringLiteral("daysLeft")).toInt(), endDays);
    else
        QVERIFY(data.value(QStringLiteral("daysLeft")).toInt() < 0);
    QCOMPARE(data.value(QStringLiteral("issuer")).toString(),
             selfSigned ? QStringLiteral("tls-%1 (DR Console Tests)").arg(name) : QStringLiteral("DR Test CA (DR Console Tests)"));
    QCOMPARE(data.value(QStringLiteral("endpoint")).toString(), QStringLiteral("localhost:%1").arg(server.port()));
}

void tst_TlsProbe::chainFromProfileCa()
{
    // The same valid certificate is untrusted without the lab CA and trusted with it.
    const IssuedCertificate issued = m_pki->issueForDays(QStringLiteral("tls-chain"), 90);
    TestHttpServer server;
    server.setTls({issued.certificate()}, issued.key());
    QVERIFY(server.listen());

    ProbeTarget t = tlsTarget(server.port());
    t.settings.caCertificate.clear();
    ProbeRun run = runProbe(t);
    QVERIFY(run.result);
    QCOMPARE(run.result->data.value(QStringLiteral("state")).toString(), QStringLiteral("invalid"));
    QVERIFY2(run.result->data.value(QStringLiteral("reason")).toString().contains(QStringLiteral("not trusted")),
             qPrintable(run.result->detail));

    run = runProbe(t, QSslCertificate::fromPath(m_pki->caCertPath()));
    QVERIFY(run.result);
    QCOMPARE(run.result->data.value(QStringLiteral("state")).toString(), QStringLiteral("ok"));
}

void tst_TlsProbe::daysLeftFollowTheClock()
{
    const IssuedCertificate issued = m_pki->issueForDays(QStringLiteral("tls-clock"), 40);
    TestHttpServer server;
    server.setTls({issued.certificate()}, issued.key());
    QVERIFY(server.listen());

    ManualClock clock(QDateTime::currentDateTimeUtc());
    clock.advance(qint64(35) * 86400 * 1000); // five days before expiry, by the clock
    const ProbeRun run = runProbe(tlsTarget(server.port()), {}, &clock);
    QVERIFY(run.result);
    QCOMPARE(run.result->data.value(QStringLiteral("daysLeft")).toInt(), 5);
    QCOMPARE(run.result->data.value(QStringLiteral("state")).toString(), QStringLiteral("critical"));
}

void tst_TlsProbe::deadPort()
{
    const ProbeRun run = runProbe(tlsTarget(dr::test::deadPort()));
    QVERIFY(run.result);
    QCOMPARE(run.result->outcome, ProbeResult::Outcome::Failure);
    QCOMPARE(run.result->detail, QStringLiteral("connection refused"));
    QCOMPARE(run.result->data.value(QStringLiteral("state")).toString(), QStringLiteral("unknown"));
}

void tst_TlsProbe::notTls()
{
    // A plain HTTP server where TLS was expected: the handshake fails and says so.
    TestHttpServer server;
    server.setBehaviour(TestHttpServer::Behaviour::BadRequestToAnything);
    QVERIFY(server.listen());
    const ProbeRun run = runProbe(tlsTarget(server.port()));
    QVERIFY(run.result);
    QCOMPARE(run.result->outcome, ProbeResult::Outcome::Failure);
    QVERIFY2(run.result->detail.startsWith(QStringLiteral("TLS handshake failed")), qPrintable(run.result->detail));
    QCOMPARE(run.result->data.value(QStringLiteral("state")).toString(), QStringLiteral("invalid"));
    QVERIFY2(run.elapsedMs < 3500, "a failed handshake must not wait for the timeout");
}

void tst_TlsProbe::judgeWithoutChain()
{
    const auto v = TlsProbe::judge({}, {}, QDateTime::currentDateTimeUtc(), 30, 7);
    QCOMPARE(v.state, QStringLiteral("invalid"));
    QCOMPARE(v.reason, QStringLiteral("the server presented no certificate"));
}

QTEST_GUILESS_MAIN(tst_TlsProbe)
#include "tst_tlsprobe.moc"
