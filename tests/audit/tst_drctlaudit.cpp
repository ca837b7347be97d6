// `drctl audit verify|list` as an auditor's script meets them: the real binary on a profile
// whose audit key is a 0600 file, a trail written through the AuditTrail API, then tampered
// with directly in SQLite.

#include "audit/audittrail.h"
#include "profile/profileloader.h"
#include "toolrun.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::test;

namespace {

const QByteArray kKey = QByteArrayLiteral("drctl-audit-test-key-0123456789abcdef");

} // namespace

class tst_DrctlAudit : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void help();
    void noTrailYet();
    void intactTrail();
    void list();
    void tamperedTrail();
    void looseKeyFileRefused();
    void missingKeychainKeyCannotVerify();

private:
    ToolRun drctl(const QStringList &args);
    // A profile named `name` in `fileName`; its audit key is `keyFile`, or the keychain when empty.
    QString writeProfile(const QString &fileName, const QString &name, const QString &keyFile);
    QString writeKey(const QString &name, QFile::Permissions permissions);

    QTemporaryDir m_dir;
    QString m_profile;
    QString m_trail;
};

void tst_DrctlAudit::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // drctl (a child) inherits these: data and logs go to the temporary folder.
    qputenv("DRCONSOLE_DATA_DIR", QFile::encodeName(m_dir.filePath(QStringLiteral("data"))));
    qputenv("XDG_DATA_HOME", QFile::encodeName(m_dir.filePath(QStringLiteral("xdg"))));
    // No keychain for drctl: the key-file path must not need one.
    qunsetenv("DBUS_SESSION_BUS_ADDRESS");
    qunsetenv("DISPLAY");
    const QString runtime = m_dir.filePath(QStringLiteral("runtime"));
    QVERIFY(QDir().mkpath(runtime));
    qputenv("XDG_RUNTIME_DIR", QFile::encodeName(runtime));
    const QString key = writeKey(QStringLiteral("audit.key"), QFile::ReadOwner | QFile::WriteOwner);
    QVERIFY(!key.isEmpty());
    m_profile = writeProfile(QStringLiteral("audit-cli.json"), QStringLiteral("audit-cli"), key);
    QVERIFY(!m_profile.isEmpty());
    const auto loaded = ProfileLoader::loadFile(m_profile);
    QVERIFY2(loaded, "the test profile is valid");
    m_trail = AuditTrail::defaultPath(*loaded);
    QVERIFY(m_trail.startsWith(m_dir.filePath(QStringLiteral("data"))));
}

ToolRun tst_DrctlAudit::drctl(const QStringList &args)
{
    return runTool(QStringLiteral(DRCTL_PATH), args, 30000);
}

QString tst_DrctlAudit::writeKey(const QString &name, QFile::Permissions permissions)
{
    const QString path = m_dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    f.write(kKey + '\n');
    f.close();
    f.setPermissions(permissions);
    return path;
}

QString tst_DrctlAudit::writeProfile(
    const QString &fileName, const QString &name, const QString &keyFile)
{
    // Plain literals rather than raw strings: moc misreads "//" inside a raw string.
    const QString audit = keyFile.isEmpty()
        ? QString()
        : QStringLiteral("\"audit\": {\"key\": {\"file\": \"%1\"}},").arg(keyFile);
    const QString component = QStringLiteral("\"components\": [{\"id\": \"bot-api\", \"kind\": "
                                             "\"bot-api\", \"endpoint\": \"http:/")
        + QStringLiteral("/127.0.0.1:9/health\"}]");
    const QString json
        = QStringLiteral(
              "{\"schemaVersion\": 1, \"name\": \"%1\", \"environment\": \"lab\",\n"
              " \"objectives\": {\"rpoSeconds\": 900, \"rtoSeconds\": 1800},\n %2\n"
              " \"regions\": [{\"id\": \"west\", \"displayName\": \"West\", \"role\": \"primary\", "
              "%3},\n"
              "  {\"id\": \"north\", \"displayName\": \"North\", \"role\": \"secondary\", %3}],\n"
              " \"routing\": {\"kind\": \"traffic-manager\", \"publicUrl\": \"https:/")
        + QStringLiteral(
            "/localhost:8443/\",\n"
            "  \"settings\": {\"subscriptionId\": \"00000000-0000-0000-0000-000000000000\",\n"
            "   \"resourceGroup\": \"rg-bot\", \"profileName\": \"tm-bot\"},\n"
            "  \"targets\": {\"west\": \"west\", \"north\": \"north\"}}}\n");
    const QString path = m_dir.filePath(fileName);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    f.write(json.arg(name, audit, component).toUtf8());
    return path;
}

void tst_DrctlAudit::help()
{
    const ToolRun r = drctl({ QStringLiteral("audit"), QStringLiteral("--help") });
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains("exits 0 with\n           0 entries"), r.out.constData());
    QVERIFY(r.out.contains("3 the trail could not be checked"));
    const ToolRun bad = drctl({ QStringLiteral("audit"), QStringLiteral("sign"),
        QStringLiteral("--profile"), m_profile });
    QCOMPARE(bad.exitCode, 1);
    QVERIFY2(bad.err.startsWith("drctl: usage: drctl audit verify [--remote]|list|push"), bad.err.constData());
    QVERIFY(r.out.contains("push"));
    QVERIFY(r.out.contains("--remote"));
}

void tst_DrctlAudit::noTrailYet()
{
    QVERIFY(!QFile::exists(m_trail));
    ToolRun r = drctl({ QStringLiteral("audit"), QStringLiteral("verify"),
        QStringLiteral("--profile"), m_profile });
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.startsWith(QByteArray(
                 "no audit trail yet for profile audit-cli (" + m_trail.toUtf8() + ")\n")),
        r.out.constData());
    QVERIFY(r.out.contains("audit trail intact: 0 entries"));
    r = drctl({ QStringLiteral("audit"), QStringLiteral("list"), QStringLiteral("--profile"),
        m_profile, QStringLiteral("--json") });
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out, QByteArray("[]\n"));
    QVERIFY2(!QFile::exists(m_trail), "verify and list do not create a trail");
}

void tst_DrctlAudit::intactTrail()
{
    {
        AuditTrail trail(m_trail, kKey);
        QVERIFY(trail.open());
        for (int i = 1; i <= 6; ++i) {
            const auto e = trail.append(i == 1 ? QStringLiteral("sign-in") : QStringLiteral("step"),
                i % 2 ? QStringLiteral("alice") : QStringLiteral("system"),
                i == 1 ? QString() : QStringLiteral("run-%1").arg(i <= 3 ? 1 : 2),
                QStringLiteral("Entry %1").arg(i), QJsonObject { { QStringLiteral("i"), i } });
            QVERIFY2(e, e ? "" : qPrintable(e.error()));
        }
    }
    ToolRun r = drctl({ QStringLiteral("audit"), QStringLiteral("verify"),
        QStringLiteral("--profile"), m_profile });
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("audit trail intact: 6 entries\n"));
    QVERIFY(r.err.isEmpty());

    r = drctl({ QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--profile"),
        m_profile, QStringLiteral("--json") });
    QCOMPARE(r.exitCode, 0);
    QJsonParseError error;
    const QJsonObject o = QJsonDocument::fromJson(r.out, &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, r.out.constData());
    QCOMPARE(o.value(QStringLiteral("intact")).toBool(), true);
    QCOMPARE(o.value(QStringLiteral("entries")).toInt(), 6);
    QCOMPARE(o.value(QStringLiteral("profile")).toString(), QStringLiteral("audit-cli"));
    QVERIFY2(!r.out.contains(kKey), "the key is never printed");
}

void tst_DrctlAudit::list()
{
    ToolRun r = drctl({ QStringLiteral("audit"), QStringLiteral("list"),
        QStringLiteral("--profile"), m_profile, QStringLiteral("--json") });
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QJsonParseError error;
    const QJsonArray all = QJsonDocument::fromJson(r.out, &error).array();
    QVERIFY2(error.error == QJsonParseError::NoError, r.out.constData());
    QCOMPARE(all.size(), 6);
    const QJsonObject first = all.at(0).toObject();
    QCOMPARE(first.value(QStringLiteral("seq")).toInt(), 1);
    QCOMPARE(first.value(QStringLiteral("kind")).toString(), QStringLiteral("sign-in"));
    QCOMPARE(first.value(QStringLiteral("actor")).toString(), QStringLiteral("alice"));
    QCOMPARE(first.value(QStringLiteral("summary")).toString(), QStringLiteral("Entry 1"));
    QCOMPARE(first.value(QStringLiteral("data")).toObject().value(QStringLiteral("i")).toInt(), 1);
    QCOMPARE(first.value(QStringLiteral("prevHash")).toString(), QString(64, u'0'));
    QCOMPARE(all.at(1).toObject().value(QStringLiteral("prevHash")),
        first.value(QStringLiteral("hash")));
    QVERIFY(first.value(QStringLiteral("at")).toString().endsWith(u'Z'));

    r = drctl({ QStringLiteral("audit"), QStringLiteral("list"), QStringLiteral("--profile"),
        m_profile, QStringLiteral("--json"), QStringLiteral("--run"), QStringLiteral("run-2") });
    QCOMPARE(r.exitCode, 0);
    QJsonArray run2 = QJsonDocument::fromJson(r.out).array();
    QCOMPARE(run2.size(), 3);
    QCOMPARE(run2.at(0).toObject().value(QStringLiteral("seq")).toInt(), 4);

    r = drctl({ QStringLiteral("audit"), QStringLiteral("list"), QStringLiteral("--profile"),
        m_profile, QStringLiteral("--kind"), QStringLiteral("step"), QStringLiteral("--actor"),
        QStringLiteral("alice") });
    QCOMPARE(r.exitCode, 0);
    const QList<QByteArray> lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 2); // entries 3 and 5
    QVERIFY2(lines.at(0).startsWith("3  ") && lines.at(0).contains("  step  alice  run-1  Entry 3"),
        lines.at(0).constData());
    QVERIFY2(lines.at(1).startsWith("5  ") && lines.at(1).endsWith("  step  alice  run-2  Entry 5"),
        lines.at(1).constData());

    r = drctl({ QStringLiteral("audit"), QStringLiteral("list"), QStringLiteral("--profile"),
        m_profile, QStringLiteral("--limit"), QStringLiteral("0") });
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("--limit expects a positive number"), r.err.constData());
}

void tst_DrctlAudit::tamperedTrail()
{
    {
        QSqlDatabase db
            = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tamper"));
        db.setDatabaseName(m_trail);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY2(q.exec(QStringLiteral("UPDATE entries SET summary = 'Entry 4!' WHERE seq = 4")),
            qPrintable(q.lastError().text()));
        QCOMPARE(q.numRowsAffected(), 1);
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("tamper"));

    ToolRun r = drctl({ QStringLiteral("audit"), QStringLiteral("verify"),
        QStringLiteral("--profile"), m_profile });
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.out.isEmpty());
    QCOMPARE(r.err,
        QByteArray(
            "drctl: audit trail broken at entry 4: entry 4: its hash does not match its content "
            "(changed after it was written)\n"));

    r = drctl({ QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--profile"),
        m_profile, QStringLiteral("--json") });
    QCOMPARE(r.exitCode, 1);
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(o.value(QStringLiteral("intact")).toBool(true), false);
    QCOMPARE(o.value(QStringLiteral("firstBadSeq")).toInt(), 4);
    QCOMPARE(o.value(QStringLiteral("entries")).toInt(), 4);
    QVERIFY(r.err.startsWith("drctl: audit trail broken at entry 4"));
}

void tst_DrctlAudit::looseKeyFileRefused()
{
    const QString key = writeKey(QStringLiteral("loose.key"),
        QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
    const QString profile
        = writeProfile(QStringLiteral("loose.json"), QStringLiteral("audit-cli"), key);
    const ToolRun r = drctl({ QStringLiteral("audit"), QStringLiteral("verify"),
        QStringLiteral("--profile"), profile });
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(
                 QByteArray("may be read by others than its owner: chmod 600 " + key.toUtf8())),
        r.err.constData());
    QVERIFY(!r.err.contains(kKey));
}

void tst_DrctlAudit::missingKeychainKeyCannotVerify()
{
    // A trail exists but the profile names no key file, and this run has no keychain: drctl
    // says it cannot check (exit 3) and how to give it a key, rather than "broken".
    const QString profile = writeProfile(
        QStringLiteral("keychain-less.json"), QStringLiteral("keychain-less"), QString());
    const auto loaded = ProfileLoader::loadFile(profile);
    QVERIFY(loaded);
    {
        AuditTrail trail(AuditTrail::defaultPath(*loaded), kKey);
        QVERIFY(trail.open());
        QVERIFY(
            trail.append(QStringLiteral("note"), QStringLiteral("alice"), {}, QStringLiteral("x")));
    }
    const ToolRun r = drctl({ QStringLiteral("audit"), QStringLiteral("verify"),
        QStringLiteral("--profile"), profile });
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(
        r.err.contains("no OS keychain is available") && r.err.contains("{\"file\": \"PATH\"}"),
        r.err.constData());
}

QTEST_GUILESS_MAIN(tst_DrctlAudit)
#include "tst_drctlaudit.moc"
