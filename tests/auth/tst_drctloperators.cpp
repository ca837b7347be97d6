// `drctl operators` as an administrator meets it: the real binary on a temporary profile, with
// real 600,000-iteration hashes (so the cases are few) and passphrase files with their modes.

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

const QByteArray kRootPass = "root passphrase 1";
const QByteArray kAlicePass = "alice passphrase 1";
const QByteArray kBobPass = "bob passphrase 12";

} // namespace

class tst_DrctlOperators : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void help();
    void usageErrors();
    void bootstrapNeedsAnAdmin();
    void bootstrap();
    void addNeedsAnAdmin();
    void addWithAdmin();
    void passphraseFromStdin();
    void looseFilesRefused();
    void list();
    void removeAndLastAdmin();

private:
    Run drctl(const QStringList &args, const QByteArray &input = {});
    QString secretFile(const QString &name, const QByteArray &value, QFile::Permissions perms = QFile::ReadOwner | QFile::WriteOwner);
    QStringList withProfile(QStringList args) const { return args << QStringLiteral("--profile") << m_profile; }
    QJsonArray listed();

    QTemporaryDir m_dir;
    QString m_profile;
    QProcessEnvironment m_env;
};

void tst_DrctlOperators::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_env = QProcessEnvironment::systemEnvironment();
    m_env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("data")));
    m_env.insert(QStringLiteral("NO_COLOR"), QStringLiteral("1"));

    const auto region = [](const char *id, const char *role, int port) {
        return QJsonObject{{QStringLiteral("id"), QLatin1String(id)},
                           {QStringLiteral("role"), QLatin1String(role)},
                           {QStringLiteral("components"),
                            QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("bot-api")},
                                                   {QStringLiteral("kind"), QStringLiteral("bot-api")},
                                                   {QStringLiteral("endpoint"), QStringLiteral("http://127.0.0.1:%1/").arg(port)}}}}};
    };
    const QJsonObject profile{
        {QStringLiteral("schemaVersion"), 1},
        {QStringLiteral("name"), QStringLiteral("operators-test")},
        {QStringLiteral("environment"), QStringLiteral("staging")},
        {QStringLiteral("objectives"), QJsonObject{{QStringLiteral("rpoSeconds"), 900}, {QStringLiteral("rtoSeconds"), 1800}}},
        {QStringLiteral("regions"), QJsonArray{region("west", "primary", 9), region("north", "secondary", 10)}},
        {QStringLiteral("routing"),
         QJsonObject{{QStringLiteral("kind"), QStringLiteral("traffic-manager")},
                     {QStringLiteral("publicUrl"), QStringLiteral("https://localhost:8443/")},
                     {QStringLiteral("settings"), QJsonObject{{QStringLiteral("subscriptionId"), QStringLiteral("00000000-0000-0000-0000-000000000000")},
                                                              {QStringLiteral("resourceGroup"), QStringLiteral("rg-bot")},
                                                              {QStringLiteral("profileName"), QStringLiteral("tm-bot")}}},
                     {QStringLiteral("targets"), QJsonObject{{QStringLiteral("west"), QStringLiteral("west")},
                                                             {QStringLiteral("north"), QStringLiteral("north")}}}}},
        {QStringLiteral("operators"), QStringLiteral("team/operators.json")},
    };
    m_profile = m_dir.filePath(QStringLiteral("profile.json"));
    QFile f(m_profile);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QJsonDocument(profile).toJson());
}

Run tst_DrctlOperators::drctl(const QStringList &args, const QByteArray &input)
{
    QProcess p;
    p.setProcessEnvironment(m_env);
    p.start(QStringLiteral(DRCTL_PATH), QStringList{QStringLiteral("operators")} + args);
    Run run;
    if (!p.waitForStarted(5000))
        return run;
    p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(30000)) {
        p.kill();
        p.waitForFinished(2000);
        return run;
    }
    run.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    run.out = p.readAllStandardOutput();
    run.err = p.readAllStandardError();
    return run;
}

QString tst_DrctlOperators::secretFile(const QString &name, const QByteArray &value, QFile::Permissions perms)
{
    const QString path = m_dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    f.write(value + '\n');
    f.close();
    f.setPermissions(perms);
    return path;
}

QJsonArray tst_DrctlOperators::listed()
{
    const Run run = drctl(withProfile({QStringLiteral("list"), QStringLiteral("--json")}));
    if (run.exitCode != 0)
        return {};
    return QJsonDocument::fromJson(run.out).object().value(QStringLiteral("operators")).toArray();
}

#define QVERIFY_FAILS_WITH(run, text)                                                                                  \
    do {                                                                                                               \
        QVERIFY2((run).exitCode == 1, (run).err.constData());                                                          \
        QVERIFY2((run).err.contains(text), (run).err.constData());                                                     \
        QCOMPARE((run).err.count('\n'), 1);                                                                            \
    } while (false)

void tst_DrctlOperators::help()
{
    const Run run = drctl({QStringLiteral("--help")});
    QCOMPARE(run.exitCode, 0);
    for (const char *word : {"list", "add NAME", "remove NAME", "--role", "--passphrase-file", "--admin", "--admin-passphrase-file", "--profile"})
        QVERIFY2(run.out.contains(word), word);
}

void tst_DrctlOperators::usageErrors()
{
    QVERIFY_FAILS_WITH(drctl(withProfile({QStringLiteral("promote"), QStringLiteral("x")})), "usage: drctl operators");
    QVERIFY_FAILS_WITH(drctl(withProfile({QStringLiteral("add")})), "usage: drctl operators");
    QVERIFY_FAILS_WITH(drctl({QStringLiteral("list")}), "--profile FILE is required");
    QVERIFY_FAILS_WITH(drctl(withProfile({QStringLiteral("add"), QStringLiteral("bob smith"), QStringLiteral("--role"), QStringLiteral("admin")})),
                       "not a valid operator name");
    QVERIFY_FAILS_WITH(drctl(withProfile({QStringLiteral("add"), QStringLiteral("bob"), QStringLiteral("--role"), QStringLiteral("boss")})),
                       "'boss' is not a role");
    QVERIFY_FAILS_WITH(drctl(withProfile({QStringLiteral("add"), QStringLiteral("bob")})), "--role");
}

void tst_DrctlOperators::bootstrapNeedsAnAdmin()
{
    const Run run = drctl(withProfile({QStringLiteral("add"), QStringLiteral("vera"), QStringLiteral("--role"), QStringLiteral("viewer"),
                                       QStringLiteral("--passphrase-file"), secretFile(QStringLiteral("vera.pass"), kAlicePass)}));
    QVERIFY_FAILS_WITH(run, "first operator must be an admin");
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("team/operators.json"))));
}

void tst_DrctlOperators::bootstrap()
{
    const Run run = drctl(withProfile({QStringLiteral("add"), QStringLiteral("root"), QStringLiteral("--role"), QStringLiteral("admin"),
                                       QStringLiteral("--passphrase-file"), secretFile(QStringLiteral("root.pass"), kRootPass)}));
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY(run.out.contains("added operator root (admin)"));
    QFile f(m_dir.filePath(QStringLiteral("team/operators.json")));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    QVERIFY(!text.contains(kRootPass));
    const QJsonObject record = QJsonDocument::fromJson(text).object().value(QStringLiteral("operators")).toArray().at(0).toObject();
    QCOMPARE(record.value(QStringLiteral("name")).toString(), QStringLiteral("root"));
    QVERIFY(record.value(QStringLiteral("iterations")).toInt() >= 600000);
}

void tst_DrctlOperators::addNeedsAnAdmin()
{
    const QString alicePass = secretFile(QStringLiteral("alice.pass"), kAlicePass);
    Run run = drctl(withProfile({QStringLiteral("add"), QStringLiteral("alice"), QStringLiteral("--role"), QStringLiteral("operator"),
                                 QStringLiteral("--passphrase-file"), alicePass}));
    QVERIFY_FAILS_WITH(run, "needs --admin NAME");
    run = drctl(withProfile({QStringLiteral("add"), QStringLiteral("alice"), QStringLiteral("--role"), QStringLiteral("operator"),
                             QStringLiteral("--passphrase-file"), alicePass, QStringLiteral("--admin"), QStringLiteral("root"),
                             QStringLiteral("--admin-passphrase-file"), secretFile(QStringLiteral("wrong.pass"), "not the passphrase")}));
    QVERIFY_FAILS_WITH(run, "unknown operator or wrong passphrase for root");
    run = drctl(withProfile({QStringLiteral("add"), QStringLiteral("alice"), QStringLiteral("--role"), QStringLiteral("operator"),
                             QStringLiteral("--passphrase-file"), alicePass, QStringLiteral("--admin"), QStringLiteral("nobody"),
                             QStringLiteral("--admin-passphrase-file"), m_dir.filePath(QStringLiteral("root.pass"))}));
    QVERIFY_FAILS_WITH(run, "unknown operator or wrong passphrase for nobody");
    QCOMPARE(listed().size(), 1);
}

void tst_DrctlOperators::addWithAdmin()
{
    const Run run = drctl(withProfile({QStringLiteral("add"), QStringLiteral("alice"), QStringLiteral("--role"), QStringLiteral("operator"),
                                       QStringLiteral("--passphrase-file"), m_dir.filePath(QStringLiteral("alice.pass")), QStringLiteral("--admin"),
                                       QStringLiteral("root"), QStringLiteral("--admin-passphrase-file"), m_dir.filePath(QStringLiteral("root.pass"))}));
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY(run.out.contains("added operator alice (operator)"));
    QCOMPARE(listed().size(), 2);

    // An operator is not an admin, whatever the passphrase.
    const Run refused = drctl(withProfile({QStringLiteral("add"), QStringLiteral("carol"), QStringLiteral("--role"), QStringLiteral("viewer"),
                                           QStringLiteral("--passphrase-file"), m_dir.filePath(QStringLiteral("alice.pass")), QStringLiteral("--admin"),
                                           QStringLiteral("alice"), QStringLiteral("--admin-passphrase-file"), m_dir.filePath(QStringLiteral("alice.pass"))}));
    QVERIFY_FAILS_WITH(refused, "needs the admin role");
}

void tst_DrctlOperators::passphraseFromStdin()
{
    const Run run = drctl(withProfile({QStringLiteral("add"), QStringLiteral("bob"), QStringLiteral("--role"), QStringLiteral("approver"),
                                       QStringLiteral("--admin"), QStringLiteral("root"), QStringLiteral("--admin-passphrase-file"),
                                       m_dir.filePath(QStringLiteral("root.pass"))}),
                          kBobPass + '\n');
    QVERIFY2(run.exitCode == 0, run.err.constData());
    // bob signs in with the piped passphrase: the refusal comes after the sign-in, from his role.
    const Run asBob = drctl(withProfile({QStringLiteral("remove"), QStringLiteral("alice"), QStringLiteral("--admin"), QStringLiteral("bob"),
                                         QStringLiteral("--admin-passphrase-file"), secretFile(QStringLiteral("bob.pass"), kBobPass)}));
    QVERIFY_FAILS_WITH(asBob, "bob is an approver");

    // Two passphrases cannot both come from one pipe.
    const Run both = drctl(withProfile({QStringLiteral("add"), QStringLiteral("dave"), QStringLiteral("--role"), QStringLiteral("viewer"),
                                        QStringLiteral("--admin"), QStringLiteral("root")}),
                           kBobPass + '\n');
    QVERIFY_FAILS_WITH(both, "stdin can carry only one passphrase");
    // A short passphrase is refused before anything is written.
    const Run shortOne = drctl(withProfile({QStringLiteral("add"), QStringLiteral("dave"), QStringLiteral("--role"), QStringLiteral("viewer"),
                                            QStringLiteral("--admin"), QStringLiteral("root"), QStringLiteral("--admin-passphrase-file"),
                                            m_dir.filePath(QStringLiteral("root.pass"))}),
                               "short\n");
    QVERIFY_FAILS_WITH(shortOne, "at least 12 characters");
    QCOMPARE(listed().size(), 3);
}

void tst_DrctlOperators::looseFilesRefused()
{
    const QString loose = secretFile(QStringLiteral("loose.pass"), kAlicePass, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
    Run run = drctl(withProfile({QStringLiteral("add"), QStringLiteral("erin"), QStringLiteral("--role"), QStringLiteral("viewer"),
                                 QStringLiteral("--passphrase-file"), loose, QStringLiteral("--admin"), QStringLiteral("root"),
                                 QStringLiteral("--admin-passphrase-file"), m_dir.filePath(QStringLiteral("root.pass"))}));
    QVERIFY_FAILS_WITH(run, "chmod 600");
    const QString looseRoot = secretFile(QStringLiteral("root-loose.pass"), kRootPass, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther);
    run = drctl(withProfile({QStringLiteral("add"), QStringLiteral("erin"), QStringLiteral("--role"), QStringLiteral("viewer"),
                             QStringLiteral("--passphrase-file"), m_dir.filePath(QStringLiteral("alice.pass")), QStringLiteral("--admin"),
                             QStringLiteral("root"), QStringLiteral("--admin-passphrase-file"), looseRoot}));
    QVERIFY_FAILS_WITH(run, "chmod 600");
    QCOMPARE(listed().size(), 3);
}

void tst_DrctlOperators::list()
{
    const QJsonArray operators = listed();
    QCOMPARE(operators.size(), 3);
    QStringList seen;
    for (const QJsonValue &v : operators) {
        const QJsonObject o = v.toObject();
        seen << o.value(QStringLiteral("name")).toString() + u':' + o.value(QStringLiteral("role")).toString();
        QVERIFY(o.contains(QStringLiteral("lockedUntil")));
        QVERIFY(o.value(QStringLiteral("lockedUntil")).isNull());
        QVERIFY(!o.contains(QStringLiteral("hash")));
        QVERIFY(!o.contains(QStringLiteral("salt")));
    }
    QCOMPARE(seen, (QStringList{QStringLiteral("root:admin"), QStringLiteral("alice:operator"), QStringLiteral("bob:approver")}));

    const Run table = drctl(withProfile({QStringLiteral("list")}));
    QCOMPARE(table.exitCode, 0);
    QVERIFY(table.out.startsWith("NAME"));
    QVERIFY(table.out.contains("alice"));
    QVERIFY(table.out.contains("approver"));
    QCOMPARE(table.out.count('\n'), 4);
}

void tst_DrctlOperators::removeAndLastAdmin()
{
    const QString rootPass = m_dir.filePath(QStringLiteral("root.pass"));
    Run run = drctl(withProfile({QStringLiteral("remove"), QStringLiteral("alice")}));
    QVERIFY_FAILS_WITH(run, "needs --admin NAME");
    run = drctl(withProfile({QStringLiteral("remove"), QStringLiteral("alice"), QStringLiteral("--admin"), QStringLiteral("root"),
                             QStringLiteral("--admin-passphrase-file"), rootPass}));
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY(run.out.contains("removed operator alice"));
    QCOMPARE(listed().size(), 2);

    run = drctl(withProfile({QStringLiteral("remove"), QStringLiteral("root"), QStringLiteral("--admin"), QStringLiteral("root"),
                             QStringLiteral("--admin-passphrase-file"), rootPass}));
    QVERIFY_FAILS_WITH(run, "last admin");
    run = drctl(withProfile({QStringLiteral("remove"), QStringLiteral("ghost"), QStringLiteral("--admin"), QStringLiteral("root"),
                             QStringLiteral("--admin-passphrase-file"), rootPass}));
    QVERIFY_FAILS_WITH(run, "has no operator ghost");
    QCOMPARE(listed().size(), 2);
}

QTEST_GUILESS_MAIN(tst_DrctlOperators)
#include "tst_drctloperators.moc"
