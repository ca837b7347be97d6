// SecretStore against the real thing: environment variables, files with their permissions,
// and a real Secret Service (gnome-keyring, started for this test by with-keyring).

#include "asyncwait.h"
#include "secrets/secretstore.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::test;


class tst_SecretStore : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void environment();
    void file_data();
    void file();
    void keychainRoundTrip();
    void keychainMissingEntry();
    void readAnswersAsynchronously();

private:
    QString writeFile(const QString &name, const QByteArray &data, QFile::Permissions perms);
    QTemporaryDir m_dir;
    SecretStore m_store;
};

void tst_SecretStore::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // A service of this test's own: nothing a user keeps under "drconsole" is touched.
    m_store.setService(QStringLiteral("drconsole-test-%1").arg(QCoreApplication::applicationPid()));
}

QString tst_SecretStore::writeFile(const QString &name, const QByteArray &data, QFile::Permissions perms)
{
    const QString path = m_dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    f.write(data);
    f.close();
    f.setPermissions(perms);
    return path;
}

void tst_SecretStore::environment()
{
    qputenv("DR_TEST_SECRET", "s3cret\n");
    auto r = SecretStore::readEnv(QStringLiteral("DR_TEST_SECRET"));
    QVERIFY(r);
    QCOMPARE(*r, QByteArray("s3cret"));
    qputenv("DR_TEST_SECRET", "");
    r = SecretStore::readEnv(QStringLiteral("DR_TEST_SECRET"));
    QVERIFY(!r);
    QCOMPARE(r.error(), QStringLiteral("environment variable DR_TEST_SECRET is empty"));
    qunsetenv("DR_TEST_SECRET");
    r = SecretStore::readEnv(QStringLiteral("DR_TEST_SECRET"));
    QVERIFY(!r);
    QCOMPARE(r.error(), QStringLiteral("environment variable DR_TEST_SECRET is not set"));
}

void tst_SecretStore::file_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<int>("permissions");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QString>("error");

    const int owner = int(QFile::ReadOwner | QFile::WriteOwner);
    QTest::newRow("owner only") << QByteArray("key-1\n") << owner << QByteArray("key-1") << QString();
    QTest::newRow("CRLF trimmed") << QByteArray("key-2\r\n") << owner << QByteArray("key-2") << QString();
    QTest::newRow("readable by group") << QByteArray("key") << int(owner | QFile::ReadGroup) << QByteArray()
                                       << QStringLiteral("may be read by others than its owner: chmod 600");
    QTest::newRow("readable by all") << QByteArray("key") << int(owner | QFile::ReadOther) << QByteArray()
                                     << QStringLiteral("may be read by others than its owner");
    QTest::newRow("empty") << QByteArray("\n") << owner << QByteArray() << QStringLiteral("is empty");
    QTest::newRow("too large") << QByteArray(SecretStore::kMaxSecretBytes + 1, 'k') << owner << QByteArray()
                               << QStringLiteral("a secret may be at most 65536 bytes");
}

void tst_SecretStore::file()
{
    QFETCH(QByteArray, content);
    QFETCH(int, permissions);
    QFETCH(QByteArray, value);
    QFETCH(QString, error);
    const QString path = writeFile(QStringLiteral("secret-%1").arg(QString::fromLatin1(QTest::currentDataTag())).replace(u' ', u'-'), content,
                                   QFile::Permissions(permissions));
    const auto r = SecretStore::readFile(path);
    if (error.isEmpty()) {
        QVERIFY2(r, r ? "" : qPrintable(r.error()));
        QCOMPARE(*r, value);
    } else {
        QVERIFY(!r);
        QVERIFY2(r.error().contains(error), qPrintable(r.error()));
        QVERIFY2(r.error().contains(path), "the error names the file");
    }
    const auto missing = SecretStore::readFile(m_dir.filePath(QStringLiteral("nope")));
    QVERIFY(!missing);
    QCOMPARE(missing.error(), QStringLiteral("secret file %1 does not exist").arg(m_dir.filePath(QStringLiteral("nope"))));
}

void tst_SecretStore::keychainRoundTrip()
{
    const QString name = QStringLiteral("search-admin-key");
    const auto written = awaitResult<void>([&](auto done) { m_store.writeKeychain(name, QByteArrayLiteral("k3y\x01value"), done); });
    QVERIFY(written.has_value());
    QVERIFY2(*written, *written ? "" : qPrintable(written->error()));

    const SecretRef ref{SecretRef::Source::Keychain, name};
    auto read = awaitResult<QByteArray>([&](auto done) { m_store.read(ref, done); });
    QVERIFY(read.has_value() && *read);
    QCOMPARE(**read, QByteArrayLiteral("k3y\x01value"));

    const auto removed = awaitResult<void>([&](auto done) { m_store.removeKeychain(name, done); });
    QVERIFY(removed.has_value() && *removed);
    read = awaitResult<QByteArray>([&](auto done) { m_store.read(ref, done); });
    QVERIFY(read.has_value());
    QVERIFY(!*read);
}

void tst_SecretStore::keychainMissingEntry()
{
    const SecretRef ref{SecretRef::Source::Keychain, QStringLiteral("never-stored")};
    const auto read = awaitResult<QByteArray>([&](auto done) { m_store.read(ref, done); });
    QVERIFY(read.has_value());
    QVERIFY(!*read);
    QCOMPARE(read->error(), QStringLiteral("keychain entry 'never-stored': no such entry in the keychain"));
}

void tst_SecretStore::readAnswersAsynchronously()
{
    // Callers meet one behaviour for every source: the answer never comes inside read().
    qputenv("DR_TEST_ASYNC", "v");
    bool answered = false;
    m_store.read(SecretRef{SecretRef::Source::Env, QStringLiteral("DR_TEST_ASYNC")},
                 [&answered](Result<QByteArray>) { answered = true; });
    QVERIFY(!answered);
    QTRY_VERIFY(answered);
}

QTEST_GUILESS_MAIN(tst_SecretStore)
#include "tst_secretstore.moc"
