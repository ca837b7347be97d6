// loadAuditKey() against the real things: a real Secret Service (gnome-keyring, started for
// this test by with-keyring), key files with their permissions, and a child process that has
// no D-Bus session at all, as on a headless server.

#include "asyncwait.h"
#include "audit/audittrail.h"
#include "secrets/secretstore.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::test;

class tst_AuditKey : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void keychainKeyCreatedOnce();
    void missingKeyNotCreatedUnlessAsked();
    void existingTrailWithoutKeyIsNotGivenANewOne();
    void keyFile_data();
    void keyFile();
    void noKeychain_data();
    void noKeychain();
    void noKeychainChild();

private:
    std::optional<Result<QByteArray>> load(const Profile &profile, bool create);
    Profile profile(const QString &name) const;

    QTemporaryDir m_dir;
    SecretStore m_store;
};

void tst_AuditKey::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // A service of this test's own: nothing a user keeps under "drconsole" is touched.
    m_store.setService(
        QStringLiteral("drconsole-audit-test-%1").arg(QCoreApplication::applicationPid()));
    qputenv("DRCONSOLE_DATA_DIR", QFile::encodeName(m_dir.filePath(QStringLiteral("data"))));
}

std::optional<Result<QByteArray>> tst_AuditKey::load(const Profile &profile, bool create)
{
    return awaitResult<QByteArray>(
        [&](auto done) { loadAuditKey(&m_store, profile, create, done); }, 20000);
}

Profile tst_AuditKey::profile(const QString &name) const
{
    Profile p;
    p.name = name;
    return p;
}

void tst_AuditKey::keychainKeyCreatedOnce()
{
    const Profile p = profile(QStringLiteral("created-once"));
    const auto first = load(p, true);
    QVERIFY(first.has_value());
    QVERIFY2(*first, *first ? "" : qPrintable(first->error()));
    QCOMPARE(first->value().size(), 44); // base64 of 32 random bytes
    QCOMPARE(QByteArray::fromBase64(first->value()).size(), 32);

    const auto again = load(p, true);
    QVERIFY(again.has_value() && *again);
    QCOMPARE(again->value(), first->value());
    const auto readOnly = load(p, false);
    QVERIFY(readOnly.has_value() && *readOnly);
    QCOMPARE(readOnly->value(), first->value());

    // It is in the keychain under the documented entry, not anywhere else.
    const auto stored = awaitResult<QByteArray>([&](auto done) {
        m_store.read(
            SecretRef { SecretRef::Source::Keychain, QStringLiteral("audit-key/created-once") },
            done);
    });
    QVERIFY(stored.has_value() && *stored);
    QCOMPARE(stored->value(), first->value());
    QVERIFY2(!QDir(m_dir.filePath(QStringLiteral("data"))).exists()
            || QDir(m_dir.filePath(QStringLiteral("data"))).isEmpty(),
        "no key or trail was written to disk");

    // Another profile gets a key of its own.
    const auto other = load(profile(QStringLiteral("created-once-2")), true);
    QVERIFY(other.has_value() && *other);
    QVERIFY(other->value() != first->value());

    // The key signs a trail that verifies with the key read back later.
    AuditTrail trail(AuditTrail::defaultPath(p), first->value());
    QVERIFY(trail.open());
    QVERIFY(trail.append(
        QStringLiteral("note"), QStringLiteral("alice"), {}, QStringLiteral("signed")));
    AuditTrail later(AuditTrail::defaultPath(p), readOnly->value());
    QVERIFY(later.open());
    QVERIFY(later.verify()->intact);
}

void tst_AuditKey::missingKeyNotCreatedUnlessAsked()
{
    const auto r = load(profile(QStringLiteral("never-created")), false);
    QVERIFY(r.has_value());
    QVERIFY(!*r);
    QVERIFY2(r->error().contains(QStringLiteral("no audit key yet"))
            && r->error().contains(QStringLiteral("audit-key/never-created")),
        qPrintable(r->error()));
    const auto stored = awaitResult<QByteArray>([&](auto done) {
        m_store.read(
            SecretRef { SecretRef::Source::Keychain, QStringLiteral("audit-key/never-created") },
            done);
    });
    QVERIFY(stored.has_value() && !*stored);
}

void tst_AuditKey::existingTrailWithoutKeyIsNotGivenANewOne()
{
    const Profile p = profile(QStringLiteral("lost-key"));
    {
        AuditTrail trail(
            AuditTrail::defaultPath(p), QByteArrayLiteral("a key that was lost, 32 bytes.."));
        QVERIFY(trail.open());
        QVERIFY(trail.append(QStringLiteral("note"), QStringLiteral("alice"), {},
            QStringLiteral("before the key was lost")));
    }
    const auto r = load(p, true);
    QVERIFY(r.has_value());
    QVERIFY(!*r);
    QVERIFY2(r->error().contains(QStringLiteral(
                 "has 1 entries but its key (keychain entry 'audit-key/lost-key') is missing")),
        qPrintable(r->error()));
    const auto stored = awaitResult<QByteArray>([&](auto done) {
        m_store.read(
            SecretRef { SecretRef::Source::Keychain, QStringLiteral("audit-key/lost-key") }, done);
    });
    QVERIFY2(stored.has_value() && !*stored, "no key was created");
}

void tst_AuditKey::keyFile_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("permissions");
    QTest::addColumn<QString>("error");
    const int owner = int(QFile::ReadOwner | QFile::WriteOwner);
    QTest::newRow("0600") << QByteArray("0123456789abcdef0123456789abcdef\n") << owner << QString();
    QTest::newRow("0400") << QByteArray("0123456789abcdef0123456789abcdef") << int(QFile::ReadOwner)
                          << QString();
    QTest::newRow("0644") << QByteArray("0123456789abcdef0123456789abcdef")
                          << int(owner | QFile::ReadGroup | QFile::ReadOther)
                          << QStringLiteral("may be read by others than its owner: chmod 600");
    QTest::newRow("0640") << QByteArray("0123456789abcdef0123456789abcdef")
                          << int(owner | QFile::ReadGroup)
                          << QStringLiteral("may be read by others than its owner: chmod 600");
    QTest::newRow("short") << QByteArray("k3y!x") << owner
                           << QStringLiteral("is 5 bytes; it must be at least 16 random bytes");
    QTest::newRow("missing") << QByteArray() << owner << QStringLiteral("does not exist");
}

void tst_AuditKey::keyFile()
{
    QFETCH(QByteArray, content);
    QFETCH(int, permissions);
    QFETCH(QString, error);
    const QString path
        = m_dir.filePath(QStringLiteral("key-") + QString::fromLatin1(QTest::currentDataTag()));
    if (!content.isEmpty()) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(content);
        f.close();
        QVERIFY(f.setPermissions(QFile::Permissions(permissions)));
    }
    Profile p = profile(QStringLiteral("with-key-file"));
    p.audit.key = SecretRef { SecretRef::Source::File, path };
    const auto r = load(p, true);
    QVERIFY(r.has_value());
    if (error.isEmpty()) {
        QVERIFY2(*r, *r ? "" : qPrintable(r->error()));
        QCOMPARE(r->value(), content.trimmed());
    } else {
        QVERIFY(!*r);
        QVERIFY2(r->error().contains(error), qPrintable(r->error()));
        QVERIFY2(r->error().contains(path), "the error names the file");
        QVERIFY2(content.isEmpty() || !r->error().contains(QString::fromLatin1(content)),
            "the error never holds the key");
    }
    // A file reference never falls back to the keychain, nor creates anything there.
    const auto stored = awaitResult<QByteArray>([&](auto done) {
        m_store.read(
            SecretRef { SecretRef::Source::Keychain, QStringLiteral("audit-key/with-key-file") },
            done);
    });
    QVERIFY(stored.has_value() && !*stored);
}

void tst_AuditKey::noKeychain_data()
{
    QTest::addColumn<bool>("sessionBus");
    QTest::newRow("no D-Bus session") << false;
    // A session bus but no Secret Service on it: a server with D-Bus and no keyring.
    QTest::newRow("no Secret Service") << true;
}

void tst_AuditKey::noKeychain()
{
    QFETCH(bool, sessionBus);
    // The child runs noKeychainChild where QtKeychain's first use finds no Secret Service. A
    // fresh process, because the keychain backend binds to the session bus once per process.
    QTemporaryDir runtime;
    QVERIFY(runtime.isValid());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtime.path());
    env.insert(QStringLiteral("DR_AUDIT_NO_KEYCHAIN_CHILD"),
        sessionBus ? QStringLiteral("no-service") : QStringLiteral("no-bus"));
    const QString data = m_dir.filePath(QStringLiteral("child-data-%1").arg(sessionBus));
    env.insert(QStringLiteral("DRCONSOLE_DATA_DIR"), data);
    QStringList command { QCoreApplication::applicationFilePath(),
        QStringLiteral("noKeychainChild") };
    if (sessionBus) {
        if (QStandardPaths::findExecutable(QStringLiteral("dbus-run-session")).isEmpty())
            QSKIP("dbus-run-session is not installed");
        command.prepend(QStringLiteral("--"));
        command.prepend(QStringLiteral("dbus-run-session"));
    }
    QProcess child;
    child.setProcessEnvironment(env);
    child.start(command.takeFirst(), command);
    QVERIFY(child.waitForStarted(5000));
    QVERIFY2(child.waitForFinished(60000), "the child answered (no hang without a keychain)");
    const QByteArray out = child.readAllStandardOutput() + child.readAllStandardError();
    QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0, out.constData());
    QVERIFY2(out.contains("PASS   : tst_AuditKey::noKeychainChild()"), out.constData());
    QVERIFY2(!QDir(data).exists(), "nothing was written to disk");
}

void tst_AuditKey::noKeychainChild()
{
    if (qEnvironmentVariableIsEmpty("DR_AUDIT_NO_KEYCHAIN_CHILD"))
        QSKIP("run by noKeychain() in a process without D-Bus");
    // With a bus but no usable Secret Service, reading finds no entry (as in an empty
    // keychain); it is creating the key that fails, and must say why.
    const QList<bool> modes = qgetenv("DR_AUDIT_NO_KEYCHAIN_CHILD") == "no-bus"
        ? QList<bool> { false, true }
        : QList<bool> { true };
    for (const bool create : modes) {
        const auto r = load(profile(QStringLiteral("headless")), create);
        QVERIFY2(r.has_value(), "loadAuditKey answered");
        QVERIFY(!*r);
        const QString e = r->error();
        qInfo("%s", qPrintable(e));
        // Without a bus there is no keychain at all; with one, gnome-keyring may be activated
        // with no unlocked collection, which is a keychain that refuses. Either way the message
        // says which, and names the way out.
        if (qgetenv("DR_AUDIT_NO_KEYCHAIN_CHILD") == "no-bus")
            QVERIFY2(e.startsWith(QStringLiteral("no OS keychain is available for the audit key")),
                qPrintable(e));
        else
            QVERIFY2(e.contains(QStringLiteral("no OS keychain is available"))
                    || e.contains(QStringLiteral("the OS keychain refused access")),
                qPrintable(e));
        QVERIFY2(e.contains(QStringLiteral(
                     "add \"audit\": {\"key\": {\"file\": \"PATH\"}} to the profile")),
            qPrintable(e));
        QVERIFY2(e.contains(QStringLiteral("permissions 0600")), qPrintable(e));
        QVERIFY2(e.contains(QStringLiteral("chmod 600 PATH")), qPrintable(e));
    }
}

QTEST_GUILESS_MAIN(tst_AuditKey)
#include "tst_auditkey.moc"
