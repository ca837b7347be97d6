// drctl --operator-entra as an operator meets it: the real binary on a temporary profile whose
// azure.authority is a loopback Entra ID served by this test (tests/auth/entraendpoint.h), so
// the test's event loop keeps answering while drctl waits. `drctl resume` on a halted run made
// here is the cheapest command that signs in (no lab): it signs in, then stops at the
// confirmation it cannot ask without a terminal. The audit trail must hold the Entra sign-in.

#include "audit/audittrail.h"
#include "common/datapaths.h"
#include "entraendpoint.h"
#include "runbook/runjournal.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::test;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

const QByteArray kAuditKey = QByteArrayLiteral("drctl-entra-test-audit-key-0123456789");

} // namespace

class TestDrctlEntra : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void help();
    void resumeSignsInWithEntra();
    void recordSignsInWithEntra();
    void approverSignsInToo();
    void declinedSignInFails();
    void interruptCancelsTheWait();
    void refusedWhenTheProfileDoesNotEnableIt();
    void operatorAndOperatorEntraExcludeEachOther();

private:
    QString writeProfile(const QString &file, const QString &name, bool signIn);
    QString haltedRun(const QString &profileName);
    // Runs drctl while this event loop serves the endpoint; `whileRunning` is called with the
    // process once its stderr holds `waitFor` (when given).
    Run drctl(const QStringList &args, const QByteArray &waitFor = {},
              const std::function<void(QProcess &)> &whileRunning = {});
    QList<AuditEntry> signIns(const QString &profileName);

    QTemporaryDir m_dir;
    QProcessEnvironment m_env;
    EntraEndpoint m_entra;
    QString m_profile;
    QString m_keyFile;
};

void TestDrctlEntra::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_entra.listen());
    const QString data = m_dir.filePath(QStringLiteral("data"));
    // drctl and this test read the same journals and trails.
    qputenv("DRCONSOLE_DATA_DIR", data.toUtf8());
    m_env = QProcessEnvironment::systemEnvironment();
    m_env.insert(QStringLiteral("DRCONSOLE_DATA_DIR"), data);
    m_env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("xdg")));
    m_env.insert(QStringLiteral("NO_COLOR"), QStringLiteral("1"));

    m_keyFile = m_dir.filePath(QStringLiteral("audit.key"));
    QFile key(m_keyFile);
    QVERIFY(key.open(QIODevice::WriteOnly));
    key.write(kAuditKey);
    key.close();
    key.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    m_profile = writeProfile(QStringLiteral("profile.json"), QStringLiteral("entra-drctl"), true);
    QVERIFY(!m_profile.isEmpty());
}

void TestDrctlEntra::init()
{
    m_entra.outcome = QStringLiteral("token");
    m_entra.pendingPolls = 1;
    m_entra.deviceCodeRequests = 0;
    m_entra.tokenRequests = 0;
    m_entra.idClaims = EntraEndpoint::defaultClaims(QStringLiteral("alice@contoso.com"), {QStringLiteral("DR.Operator")});
}

QString TestDrctlEntra::writeProfile(const QString &file, const QString &name, bool signIn)
{
    const auto region = [](const char *id, const char *role, int port) {
        return QJsonObject{{QStringLiteral("id"), QLatin1String(id)},
                           {QStringLiteral("role"), QLatin1String(role)},
                           {QStringLiteral("components"),
                            QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("bot-api")},
                                                   {QStringLiteral("kind"), QStringLiteral("bot-api")},
                                                   {QStringLiteral("endpoint"), QStringLiteral("http://127.0.0.1:%1/").arg(port)}}}}};
    };
    // The shape docs/PROFILE.md gives azure.signIn; the authority is this test's endpoint.
    QJsonObject azure{{QStringLiteral("authority"), m_entra.authority().toString()},
                      {QStringLiteral("tenantId"), EntraEndpoint::kTenant},
                      {QStringLiteral("clientId"), EntraEndpoint::kClient}};
    if (signIn) {
        azure.insert(QStringLiteral("signIn"),
                     QJsonObject{{QStringLiteral("enabled"), true},
                                 {QStringLiteral("claim"), QStringLiteral("roles")},
                                 {QStringLiteral("roles"), QJsonObject{{QStringLiteral("DR.Operator"), QStringLiteral("operator")},
                                                                       {QStringLiteral("DR.Approver"), QStringLiteral("approver")},
                                                                       {QStringLiteral("DR.Admin"), QStringLiteral("admin")}}}});
    }
    const QJsonObject profile{
        {QStringLiteral("schemaVersion"), 1},
        {QStringLiteral("name"), name},
        {QStringLiteral("environment"), QStringLiteral("production")},
        {QStringLiteral("objectives"), QJsonObject{{QStringLiteral("rpoSeconds"), 900}, {QStringLiteral("rtoSeconds"), 1800}}},
        {QStringLiteral("regions"), QJsonArray{region("west", "primary", 9), region("north", "secondary", 10)}},
        {QStringLiteral("routing"),
         QJsonObject{{QStringLiteral("kind"), QStringLiteral("haproxy")},
                     {QStringLiteral("publicUrl"), QStringLiteral("https://localhost:18000")},
                     {QStringLiteral("settings"), QJsonObject{{QStringLiteral("runtimeApi"), QStringLiteral("127.0.0.1:9")},
                                                              {QStringLiteral("backend"), QStringLiteral("bot")}}},
                     {QStringLiteral("targets"), QJsonObject{{QStringLiteral("west"), QStringLiteral("west")},
                                                             {QStringLiteral("north"), QStringLiteral("north")}}}}},
        {QStringLiteral("azure"), azure},
        {QStringLiteral("audit"), QJsonObject{{QStringLiteral("key"), QJsonObject{{QStringLiteral("file"), m_keyFile}}}}},
    };
    const QString path = m_dir.filePath(file);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    f.write(QJsonDocument(profile).toJson());
    return path;
}

QString TestDrctlEntra::haltedRun(const QString &profileName)
{
    Profile p;
    p.name = profileName;
    RunJournal journal(RunJournal::defaultPath(p));
    if (!journal.open())
        return {};
    RunRecord run;
    run.id = RunJournal::newRunId(QStringLiteral("planned-failover"), QDateTime::currentDateTimeUtc());
    run.kind = QStringLiteral("planned-failover");
    run.mode = QStringLiteral("planned");
    run.source = QStringLiteral("west");
    run.target = QStringLiteral("north");
    run.profileName = profileName;
    run.operatorName = QStringLiteral("someone");
    run.host = QStringLiteral("workstation");
    run.started = QDateTime::currentDateTimeUtc();
    Step step;
    step.id = QStringLiteral("gate.standby");
    step.title = QStringLiteral("The standby is ready");
    step.kind = StepKind::Gate;
    if (!journal.createRun(run, {step}))
        return {};
    run.state = RunState::Halted;
    run.outcome = QStringLiteral("halted by the test");
    if (!journal.updateRun(run))
        return {};
    return run.id;
}

Run TestDrctlEntra::drctl(const QStringList &args, const QByteArray &waitFor, const std::function<void(QProcess &)> &whileRunning)
{
    QProcess p;
    p.setProcessEnvironment(m_env);
    p.start(QStringLiteral(DRCTL_PATH), args);
    Run run;
    if (!p.waitForStarted(5000))
        return run;
    p.closeWriteChannel(); // no terminal, nothing to read: drctl must not ask
    QByteArray err;
    bool called = false;
    // Asynchronous on purpose: the endpoint answers on this thread's event loop.
    const bool finished = QTest::qWaitFor([&] {
        err += p.readAllStandardError();
        if (!called && whileRunning && err.contains(waitFor)) {
            called = true;
            whileRunning(p);
        }
        return p.state() == QProcess::NotRunning;
    }, 30000);
    if (!finished) {
        p.kill();
        p.waitForFinished(2000);
        return run;
    }
    run.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    run.out = QString::fromUtf8(p.readAllStandardOutput());
    run.err = QString::fromUtf8(err + p.readAllStandardError());
    return run;
}

QList<AuditEntry> TestDrctlEntra::signIns(const QString &profileName)
{
    Profile p;
    p.name = profileName;
    AuditTrail trail(AuditTrail::defaultPath(p), kAuditKey);
    QList<AuditEntry> list;
    if (!trail.open())
        return list;
    const auto entries = trail.entries();
    for (const AuditEntry &e : entries.value_or(QList<AuditEntry>())) {
        if (e.kind.startsWith(u"sign-in"))
            list.append(e);
    }
    return list;
}

void TestDrctlEntra::help()
{
    for (const char *command : {"failover", "failback", "drill", "resume"}) {
        const Run run = drctl({QLatin1String(command), QStringLiteral("--help")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains(QStringLiteral("--operator-entra")) && run.out.contains(QStringLiteral("--approver-entra")), command);
    }
}

void TestDrctlEntra::resumeSignsInWithEntra()
{
    const QString runId = haltedRun(QStringLiteral("entra-drctl"));
    QVERIFY(!runId.isEmpty());
    const qsizetype before = signIns(QStringLiteral("entra-drctl")).size();

    const Run run = drctl({QStringLiteral("resume"), QStringLiteral("--profile"), m_profile, QStringLiteral("--run"), runId,
                           QStringLiteral("--operator-entra")});
    QVERIFY2(run.exitCode == 1, qPrintable(run.err));
    QVERIFY2(run.err.contains(QStringLiteral("To sign in, open https://microsoft.com/devicelogin and enter the code %1").arg(EntraEndpoint::kUserCode)),
             qPrintable(run.err));
    QVERIFY2(run.err.contains(QStringLiteral("signed in with Entra ID as entra:alice@contoso.com (operator)")), qPrintable(run.err));
    // Signed in, then stopped where a person must confirm: nothing was resumed.
    QVERIFY2(run.err.contains(QStringLiteral("not confirmed")), qPrintable(run.err));
    QCOMPARE(m_entra.deviceCodeRequests, 1);
    QCOMPARE(m_entra.tokenRequests, 2);
    // Tokens are secrets: none on the terminal.
    QVERIFY(!run.err.contains(QStringLiteral("eyJ")));
    QVERIFY(!run.out.contains(QStringLiteral("eyJ")));

    const QList<AuditEntry> entries = signIns(QStringLiteral("entra-drctl"));
    QCOMPARE(entries.size(), before + 1);
    const AuditEntry &e = entries.last();
    QCOMPARE(e.kind, QStringLiteral("sign-in"));
    QCOMPARE(e.actor, QStringLiteral("entra:alice@contoso.com"));
    QCOMPARE(e.data.value(QStringLiteral("method")).toString(), QStringLiteral("entra"));
    QCOMPARE(e.data.value(QStringLiteral("tenant")).toString(), EntraEndpoint::kTenant);
}

void TestDrctlEntra::recordSignsInWithEntra()
{
    // drctl record takes the same Entra ID sign-in: the note is recorded under the account.
    const QString runId = haltedRun(QStringLiteral("entra-drctl"));
    QVERIFY(!runId.isEmpty());
    const qsizetype before = signIns(QStringLiteral("entra-drctl")).size();
    const Run run = drctl({QStringLiteral("record"), QStringLiteral("--profile"), m_profile, QStringLiteral("--run"), runId,
                           QStringLiteral("--note"), QStringLiteral("seen from the NOC"), QStringLiteral("--operator-entra")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    QVERIFY2(run.out.contains(QStringLiteral("recorded on run %1").arg(runId)), qPrintable(run.out));
    QVERIFY2(run.err.contains(QStringLiteral("To sign in, open")), qPrintable(run.err));
    const QList<AuditEntry> entries = signIns(QStringLiteral("entra-drctl"));
    QCOMPARE(entries.size(), before + 1);
    QCOMPARE(entries.last().actor, QStringLiteral("entra:alice@contoso.com"));

    // One way of signing in, not both and not none.
    const Run both = drctl({QStringLiteral("record"), QStringLiteral("--profile"), m_profile, QStringLiteral("--run"), runId,
                            QStringLiteral("--note"), QStringLiteral("x"), QStringLiteral("--operator"), QStringLiteral("ana"),
                            QStringLiteral("--operator-entra")});
    QCOMPARE(both.exitCode, 1);
    QVERIFY2(both.err.contains(QStringLiteral("give --operator NAME or --operator-entra")), qPrintable(both.err));
}

void TestDrctlEntra::approverSignsInToo()
{
    const QString runId = haltedRun(QStringLiteral("entra-drctl"));
    QVERIFY(!runId.isEmpty());
    // Two device code flows, one after the other, each audited. (The same account signs in
    // twice here; the two-person rule, judged when the run resumes, is tst_entrasignin's.)
    const qsizetype before = signIns(QStringLiteral("entra-drctl")).size();
    const Run run = drctl({QStringLiteral("resume"), QStringLiteral("--profile"), m_profile, QStringLiteral("--run"), runId,
                           QStringLiteral("--operator-entra"), QStringLiteral("--approver-entra")});
    QVERIFY2(run.exitCode == 1, qPrintable(run.err));
    QCOMPARE(run.err.count(QStringLiteral("To sign in, open")), 2);
    QCOMPARE(m_entra.deviceCodeRequests, 2);
    QCOMPARE(signIns(QStringLiteral("entra-drctl")).size(), before + 2);
}

void TestDrctlEntra::declinedSignInFails()
{
    const QString runId = haltedRun(QStringLiteral("entra-drctl"));
    m_entra.outcome = QStringLiteral("authorization_declined");
    m_entra.pendingPolls = 0;
    const qsizetype before = signIns(QStringLiteral("entra-drctl")).size();
    const Run run = drctl({QStringLiteral("resume"), QStringLiteral("--profile"), m_profile, QStringLiteral("--run"), runId,
                           QStringLiteral("--operator-entra"), QStringLiteral("--yes")});
    QCOMPARE(run.exitCode, 1);
    const QStringList lines = run.err.trimmed().split(u'\n');
    QVERIFY2(lines.last().startsWith(QStringLiteral("drctl: sign-in refused: Entra ID sign-in of the operator did not finish:"))
                 && lines.last().contains(QStringLiteral("declined")),
             qPrintable(run.err));
    QCOMPARE(signIns(QStringLiteral("entra-drctl")).size(), before); // no token, nobody to record
}

void TestDrctlEntra::interruptCancelsTheWait()
{
    const QString runId = haltedRun(QStringLiteral("entra-drctl"));
    m_entra.outcome = QStringLiteral("pending");
    const Run run = drctl({QStringLiteral("resume"), QStringLiteral("--profile"), m_profile, QStringLiteral("--run"), runId,
                           QStringLiteral("--operator-entra")},
                          QByteArrayLiteral("To sign in"), [](QProcess &p) { p.terminate(); });
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(QStringLiteral("cancelled")), qPrintable(run.err));
    const int polls = m_entra.tokenRequests;
    QTest::qWait(1500);
    QCOMPARE(m_entra.tokenRequests, polls);
}

void TestDrctlEntra::refusedWhenTheProfileDoesNotEnableIt()
{
    const QString plain = writeProfile(QStringLiteral("plain.json"), QStringLiteral("entra-drctl-plain"), false);
    const Run run = drctl({QStringLiteral("failover"), QStringLiteral("--profile"), plain, QStringLiteral("--mode"), QStringLiteral("planned"),
                           QStringLiteral("--operator-entra"), QStringLiteral("--yes")});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(QStringLiteral("does not enable Entra ID sign-in (azure.signIn.enabled)")), qPrintable(run.err));
    QCOMPARE(m_entra.deviceCodeRequests, 0);
}

void TestDrctlEntra::operatorAndOperatorEntraExcludeEachOther()
{
    const Run run = drctl({QStringLiteral("failover"), QStringLiteral("--profile"), m_profile, QStringLiteral("--mode"), QStringLiteral("planned"),
                           QStringLiteral("--operator"), QStringLiteral("ana"), QStringLiteral("--operator-entra"), QStringLiteral("--yes")});
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.err.contains(QStringLiteral("give --operator NAME or --operator-entra, not both")), qPrintable(run.err));
    QCOMPARE(m_entra.deviceCodeRequests, 0);
}

QTEST_GUILESS_MAIN(TestDrctlEntra)
#include "tst_drctlentra.moc"
