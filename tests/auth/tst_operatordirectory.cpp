// The operator directory on real files: bootstrap and admin rules, sign-in, lockout timing (a
// ManualClock), the file format and its corruption, roles and the two-person rule. Most cases
// hash with few iterations through the test hook; productionIterations() proves that the
// production path always records and demands 600,000.

#include "auth/operatordirectory.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;

namespace {

constexpr int kFastIterations = 1000;

// The test hook: the same directory, hashing with fewer iterations.
class FastDirectory : public OperatorDirectory
{
public:
    explicit FastDirectory(const QString &path, const Clock *clock)
        : OperatorDirectory(path, clock)
    {
        setIterations(kFastIterations);
    }
};

const QByteArray kAdminPass = "admin passphrase 1";
const QByteArray kAlicePass = "alice passphrase 1";

SignedInOperator who(const QString &name, Role role)
{
    return SignedInOperator{name, role, QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC)};
}

QJsonObject readJson(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

} // namespace

class tst_OperatorDirectory : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void roleNames();
    void permissions_data();
    void permissions();
    void deriveMatchesRfcVectors();
    void missingFileIsEmpty();
    void bootstrap();
    void addRules_data();
    void addRules();
    void removeRules();
    void signIn();
    void lockoutGrowsAndExpires();
    void lockoutIsSharedBetweenWorkstations();
    void fileRoundTrip();
    void corruptFile_data();
    void corruptFile();
    void productionIterations();
    void twoPersonRule_data();
    void twoPersonRule();

private:
    QString path() const { return m_dir->filePath(QStringLiteral("operators.json")); }
    // A directory holding admin "root" and operator "alice".
    void seed(OperatorDirectory &d);

    std::unique_ptr<QTemporaryDir> m_dir;
    ManualClock m_clock;
};

void tst_OperatorDirectory::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_clock = ManualClock();
}

void tst_OperatorDirectory::seed(OperatorDirectory &d)
{
    auto a = d.add(QStringLiteral("root"), Role::Admin, kAdminPass, std::nullopt);
    QVERIFY2(a, qPrintable(a ? QString() : a.error()));
    auto b = d.add(QStringLiteral("alice"), Role::Operator, kAlicePass, who(QStringLiteral("root"), Role::Admin));
    QVERIFY2(b, qPrintable(b ? QString() : b.error()));
}

void tst_OperatorDirectory::roleNames()
{
    for (Role r : {Role::Viewer, Role::Operator, Role::Approver, Role::Admin})
        QCOMPARE(roleFromName(roleName(r)), std::optional<Role>(r));
    QCOMPARE(roleName(Role::Approver), QStringLiteral("approver"));
    QVERIFY(!roleFromName(QStringLiteral("Admin")));
    QVERIFY(!roleFromName(QStringLiteral("root")));
    QVERIFY(!roleFromName(QString()));
}

void tst_OperatorDirectory::permissions_data()
{
    QTest::addColumn<Role>("role");
    QTest::addColumn<Permission>("permission");
    QTest::addColumn<bool>("allowed");
    const struct
    {
        Permission permission;
        const char *name;
        bool viewer, op, approver, admin;
    } table[] = {
        {Permission::ViewStatus, "view", true, true, true, true},
        {Permission::RunFailover, "failover", false, true, false, true},
        {Permission::SyncIndex, "sync", false, true, false, true},
        {Permission::Approve, "approve", false, false, true, true},
        {Permission::BreakGlass, "break-glass", false, true, false, true},
        {Permission::ManageOperators, "manage", false, false, false, true},
    };
    for (const auto &row : table) {
        const std::pair<Role, bool> cells[] = {
            {Role::Viewer, row.viewer}, {Role::Operator, row.op}, {Role::Approver, row.approver}, {Role::Admin, row.admin}};
        for (const auto &[role, allowed] : cells)
            QTest::addRow("%s %s", qPrintable(roleName(role)), row.name) << role << row.permission << allowed;
    }
}

void tst_OperatorDirectory::permissions()
{
    QFETCH(Role, role);
    QFETCH(Permission, permission);
    QFETCH(bool, allowed);
    const auto r = authorise(who(QStringLiteral("bob"), role), permission);
    QCOMPARE(bool(r), allowed);
    if (!r) {
        QVERIFY(r.error().contains(QStringLiteral("bob")));
        QVERIFY(r.error().contains(roleName(role)));
        QVERIFY(r.error().contains(permissionDescription(permission)));
    }
}

void tst_OperatorDirectory::deriveMatchesRfcVectors()
{
    // PBKDF2-HMAC-SHA256 test vectors (RFC 7914 section 11 and the widely published c=1, c=2 ones).
    QCOMPARE(OperatorDirectory::derive("password", "salt", 1).toHex(),
             QByteArray("120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"));
    QCOMPARE(OperatorDirectory::derive("password", "salt", 2).toHex(),
             QByteArray("ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"));
    QCOMPARE(OperatorDirectory::derive("passwd", "salt", 1).left(32).toHex(),
             QByteArray("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"));
}

void tst_OperatorDirectory::missingFileIsEmpty()
{
    FastDirectory d(path(), &m_clock);
    QVERIFY(d.load());
    QVERIFY(d.operators().isEmpty());
    QVERIFY(!QFile::exists(path()));
}

void tst_OperatorDirectory::bootstrap()
{
    FastDirectory d(path(), &m_clock);
    auto r = d.add(QStringLiteral("vera"), Role::Viewer, kAlicePass, std::nullopt);
    QVERIFY(!r);
    QVERIFY2(r.error().contains(QStringLiteral("first operator must be an admin")), qPrintable(r.error()));
    QVERIFY(!QFile::exists(path()));

    r = d.add(QStringLiteral("root"), Role::Admin, kAdminPass, who(QStringLiteral("ghost"), Role::Admin));
    QVERIFY(!r);
    QVERIFY2(r.error().contains(QStringLiteral("ghost")), qPrintable(r.error()));

    r = d.add(QStringLiteral("root"), Role::Admin, kAdminPass, std::nullopt);
    QVERIFY2(r, qPrintable(r ? QString() : r.error()));
    QCOMPARE(d.operators().size(), 1);
    QCOMPARE(d.operators().at(0).role, Role::Admin);
    QCOMPARE(d.operators().at(0).created, m_clock.nowUtc());

    // Once there is an admin, nobody is added without one.
    r = d.add(QStringLiteral("mallory"), Role::Admin, kAlicePass, std::nullopt);
    QVERIFY(!r);
    QVERIFY2(r.error().contains(QStringLiteral("needs a signed-in admin")), qPrintable(r.error()));
    QCOMPARE(d.operators().size(), 1);
}

void tst_OperatorDirectory::addRules_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("passphrase");
    QTest::addColumn<QString>("byName");
    QTest::addColumn<Role>("byRole");
    QTest::addColumn<QString>("error"); // empty: accepted

    const QString root = QStringLiteral("root");
    QTest::newRow("ok") << QStringLiteral("bob.smith@ops-1") << kAlicePass << root << Role::Admin << QString();
    QTest::newRow("empty name") << QString() << kAlicePass << root << Role::Admin << QStringLiteral("not a valid operator name");
    QTest::newRow("space") << QStringLiteral("bob smith") << kAlicePass << root << Role::Admin << QStringLiteral("not a valid operator name");
    QTest::newRow("slash") << QStringLiteral("bob/x") << kAlicePass << root << Role::Admin << QStringLiteral("not a valid operator name");
    QTest::newRow("65 chars") << QString(65, u'a') << kAlicePass << root << Role::Admin << QStringLiteral("not a valid operator name");
    QTest::newRow("64 chars") << QString(64, u'a') << kAlicePass << root << Role::Admin << QString();
    QTest::newRow("short passphrase") << QStringLiteral("bob") << QByteArray("11 chars...") << root << Role::Admin
                                      << QStringLiteral("at least 12 characters");
    QTest::newRow("12 chars") << QStringLiteral("bob") << QByteArray("12 chars....") << root << Role::Admin << QString();
    QTest::newRow("duplicate, other case") << QStringLiteral("ALICE") << kAlicePass << root << Role::Admin
                                           << QStringLiteral("already has an operator alice");
    QTest::newRow("by an operator") << QStringLiteral("bob") << kAlicePass << QStringLiteral("alice") << Role::Operator
                                    << QStringLiteral("needs the admin role");
    // A caller claiming the admin role for someone the file does not hold as admin.
    QTest::newRow("by a fake admin") << QStringLiteral("bob") << kAlicePass << QStringLiteral("alice") << Role::Admin
                                     << QStringLiteral("alice is not an admin");
    QTest::newRow("by a stranger") << QStringLiteral("bob") << kAlicePass << QStringLiteral("ghost") << Role::Admin
                                   << QStringLiteral("ghost is not an admin");
}

void tst_OperatorDirectory::addRules()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, passphrase);
    QFETCH(QString, byName);
    QFETCH(Role, byRole);
    QFETCH(QString, error);
    FastDirectory d(path(), &m_clock);
    seed(d);
    const auto r = d.add(name, Role::Viewer, passphrase, who(byName, byRole));
    if (error.isEmpty()) {
        QVERIFY2(r, qPrintable(r ? QString() : r.error()));
        QCOMPARE(d.operators().size(), 3);
        QVERIFY(d.find(name));
    } else {
        QVERIFY(!r);
        QVERIFY2(r.error().contains(error), qPrintable(r.error()));
        QCOMPARE(d.operators().size(), 2);
    }
}

void tst_OperatorDirectory::removeRules()
{
    FastDirectory d(path(), &m_clock);
    seed(d);
    const auto root = who(QStringLiteral("root"), Role::Admin);

    auto r = d.remove(QStringLiteral("root"), who(QStringLiteral("alice"), Role::Operator));
    QVERIFY(!r);
    QVERIFY2(r.error().contains(QStringLiteral("needs the admin role")), qPrintable(r.error()));

    r = d.remove(QStringLiteral("nobody"), root);
    QVERIFY(!r);
    QVERIFY2(r.error().contains(QStringLiteral("has no operator nobody")), qPrintable(r.error()));

    r = d.remove(QStringLiteral("root"), root);
    QVERIFY(!r);
    QVERIFY2(r.error().contains(QStringLiteral("last admin")), qPrintable(r.error()));
    QVERIFY(d.find(QStringLiteral("root")));

    QVERIFY(d.add(QStringLiteral("second"), Role::Admin, kAdminPass, root));
    r = d.remove(QStringLiteral("ROOT"), who(QStringLiteral("second"), Role::Admin));
    QVERIFY2(r, qPrintable(r ? QString() : r.error()));
    QVERIFY(!d.find(QStringLiteral("root")));

    // The removed admin cannot act any more, whatever the caller claims.
    r = d.remove(QStringLiteral("alice"), root);
    QVERIFY(!r);
    QVERIFY2(r.error().contains(QStringLiteral("root is not an admin")), qPrintable(r.error()));

    QVERIFY(d.remove(QStringLiteral("alice"), who(QStringLiteral("second"), Role::Admin)));
    FastDirectory reread(path(), &m_clock);
    QVERIFY(reread.load());
    QCOMPARE(reread.operators().size(), 1);
    QCOMPARE(reread.operators().at(0).name, QStringLiteral("second"));
}

void tst_OperatorDirectory::signIn()
{
    FastDirectory d(path(), &m_clock);
    seed(d);
    m_clock.advance(1234);

    auto ok = d.signIn(QStringLiteral("Alice"), kAlicePass);
    QVERIFY2(ok, qPrintable(ok ? QString() : ok.error()));
    QCOMPARE(ok->name, QStringLiteral("alice"));
    QCOMPARE(ok->role, Role::Operator);
    QCOMPARE(ok->at, m_clock.nowUtc());

    const auto wrong = d.signIn(QStringLiteral("alice"), "alice passphrase 2");
    QVERIFY(!wrong);
    QCOMPARE(wrong.error(), QStringLiteral("unknown operator or wrong passphrase for alice"));
    const auto unknown = d.signIn(QStringLiteral("bob"), kAlicePass);
    QVERIFY(!unknown);
    QCOMPARE(unknown.error(), QStringLiteral("unknown operator or wrong passphrase for bob"));
    const auto empty = d.signIn(QStringLiteral("alice"), QByteArray());
    QVERIFY(!empty);
    QCOMPARE(empty.error(), QStringLiteral("unknown operator or wrong passphrase for alice"));
    QCOMPARE(d.find(QStringLiteral("alice"))->failedAttempts, 2);

    // A success resets the count.
    QVERIFY(d.signIn(QStringLiteral("alice"), kAlicePass));
    QCOMPARE(d.find(QStringLiteral("alice"))->failedAttempts, 0);

    // The same passphrase hashes differently for two operators: each has its own salt.
    QVERIFY(d.add(QStringLiteral("bob"), Role::Approver, kAlicePass, who(QStringLiteral("root"), Role::Admin)));
    QVERIFY(d.find(QStringLiteral("bob"))->salt != d.find(QStringLiteral("alice"))->salt);
    QVERIFY(d.find(QStringLiteral("bob"))->hash != d.find(QStringLiteral("alice"))->hash);
    QCOMPARE(d.signIn(QStringLiteral("bob"), kAlicePass)->role, Role::Approver);
}

void tst_OperatorDirectory::lockoutGrowsAndExpires()
{
    FastDirectory d(path(), &m_clock);
    seed(d);
    const QByteArray bad = "not the passphrase";
    for (int i = 1; i < OperatorDirectory::kFailuresBeforeLockout; ++i) {
        QVERIFY(!d.signIn(QStringLiteral("alice"), bad));
        QVERIFY(!d.find(QStringLiteral("alice"))->lockedUntil.isValid());
    }
    const QDateTime t0 = m_clock.nowUtc();
    auto r = d.signIn(QStringLiteral("alice"), bad);
    QVERIFY(!r);
    QCOMPARE(d.find(QStringLiteral("alice"))->lockedUntil, t0.addSecs(30));

    // Locked: even the right passphrase is refused, and the message says until when and why.
    m_clock.advance(29 * 1000);
    r = d.signIn(QStringLiteral("alice"), kAlicePass);
    QVERIFY(!r);
    QCOMPARE(r.error().left(59), QStringLiteral("alice is locked out until 2026-01-01T00:00:30Z after 5 fail"));
    QVERIFY2(r.error().contains(QStringLiteral("5 failed sign-ins in a row")), qPrintable(r.error()));
    QCOMPARE(d.find(QStringLiteral("alice"))->failedAttempts, 5); // not counted while locked

    // Each further failure doubles the delay, up to 15 minutes.
    const qint64 expected[] = {60, 120, 240, 480, 900, 900};
    qint64 previous = 1;
    for (qint64 seconds : expected) {
        m_clock.advance(previous * 1000);
        QVERIFY(!d.signIn(QStringLiteral("alice"), bad));
        QCOMPARE(d.find(QStringLiteral("alice"))->lockedUntil, m_clock.nowUtc().addSecs(seconds));
        previous = seconds;
    }
    QCOMPARE(d.find(QStringLiteral("alice"))->failedAttempts, 11);

    // Expired: the right passphrase signs in and clears the record.
    m_clock.advance(900 * 1000);
    r = d.signIn(QStringLiteral("alice"), kAlicePass);
    QVERIFY2(r, qPrintable(r ? QString() : r.error()));
    QCOMPARE(d.find(QStringLiteral("alice"))->failedAttempts, 0);
    QVERIFY(!d.find(QStringLiteral("alice"))->lockedUntil.isValid());
    QVERIFY(!readJson(path()).value(QStringLiteral("operators")).toArray().at(1).toObject().contains(QStringLiteral("lockedUntil")));

    // Other operators were never affected.
    QVERIFY(d.signIn(QStringLiteral("root"), kAdminPass));
}

void tst_OperatorDirectory::lockoutIsSharedBetweenWorkstations()
{
    FastDirectory a(path(), &m_clock);
    seed(a);
    FastDirectory b(path(), &m_clock);
    QVERIFY(b.load());
    const QByteArray bad = "not the passphrase";
    for (int i = 0; i < 3; ++i)
        QVERIFY(!a.signIn(QStringLiteral("alice"), bad));
    // b loaded before a's failures; it must count on top of them, not from its stale copy.
    QVERIFY(!b.signIn(QStringLiteral("alice"), bad));
    auto r = b.signIn(QStringLiteral("alice"), bad);
    QVERIFY(!r);
    QVERIFY2(r.error().contains(QStringLiteral("locked out until")), qPrintable(r.error()));
    r = a.signIn(QStringLiteral("alice"), kAlicePass);
    QVERIFY(!r);
    QVERIFY2(r.error().contains(QStringLiteral("locked out until 2026-01-01T00:00:30Z")), qPrintable(r.error()));
}

void tst_OperatorDirectory::fileRoundTrip()
{
    FastDirectory d(path(), &m_clock);
    seed(d);
    QVERIFY(!d.signIn(QStringLiteral("alice"), "wrong passphrase"));

    FastDirectory e(path(), &m_clock);
    QVERIFY(e.load());
    QCOMPARE(e.operators().size(), 2);
    for (qsizetype i = 0; i < 2; ++i) {
        const OperatorRecord &x = d.operators().at(i);
        const OperatorRecord &y = e.operators().at(i);
        QCOMPARE(y.name, x.name);
        QCOMPARE(y.role, x.role);
        QCOMPARE(y.kdf, QStringLiteral("pbkdf2-sha256"));
        QCOMPARE(y.iterations, kFastIterations);
        QCOMPARE(y.salt, x.salt);
        QCOMPARE(y.salt.size(), OperatorDirectory::kSaltBytes);
        QCOMPARE(y.hash, x.hash);
        QCOMPARE(y.hash.size(), 32);
        QCOMPARE(y.failedAttempts, x.failedAttempts);
        QCOMPARE(y.created, x.created);
    }
    QCOMPARE(e.find(QStringLiteral("alice"))->failedAttempts, 1);

    QFile f(path());
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    QVERIFY(!text.contains(kAlicePass));
    QVERIFY(!text.contains(kAdminPass));
    const QJsonObject root = QJsonDocument::fromJson(text).object();
    QCOMPARE(root.value(QStringLiteral("schemaVersion")).toInt(), 1);
    QCOMPARE(root.value(QStringLiteral("operators")).toArray().at(0).toObject().value(QStringLiteral("role")).toString(),
             QStringLiteral("admin"));
    QCOMPARE(QFile::permissions(path()) & (QFile::WriteGroup | QFile::WriteOther), QFile::Permissions());
    QVERIFY(!QFile::exists(path() + QStringLiteral(".lock")));
}

void tst_OperatorDirectory::corruptFile_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("error");
    const QByteArray salt = QByteArray(16, 's').toBase64();
    const QByteArray hash = QByteArray(32, 'h').toBase64();
    const auto one = [&](const QByteArray &fields) -> QByteArray {
        return "{\"schemaVersion\": 1, \"operators\": [{" + fields + "}]}";
    };
    const QByteArray good = "\"name\": \"a\", \"role\": \"admin\", \"kdf\": \"pbkdf2-sha256\", \"iterations\": 1000, "
                            "\"salt\": \"" + salt + "\", \"hash\": \"" + hash + "\"";
    QTest::newRow("empty") << QByteArray() << QStringLiteral("not valid JSON");
    QTest::newRow("truncated") << QByteArray("{\"schemaVersion\": 1, \"operators\": [") << QStringLiteral("not valid JSON");
    QTest::newRow("binary") << QByteArray("\x00\xff\xfe garbage", 12) << QStringLiteral("not valid JSON");
    QTest::newRow("array") << QByteArray("[]") << QStringLiteral("not a JSON object");
    QTest::newRow("schema 2") << QByteArray("{\"schemaVersion\": 2, \"operators\": []}") << QStringLiteral("schemaVersion 2");
    QTest::newRow("no operators") << QByteArray("{\"schemaVersion\": 1}") << QStringLiteral("no \"operators\" array");
    QTest::newRow("operator not object") << QByteArray("{\"schemaVersion\": 1, \"operators\": [3]}")
                                         << QStringLiteral("operators[0] is not an object");
    QTest::newRow("bad role") << one(QByteArray(good).replace("admin", "root")) << QStringLiteral("operators[0].role");
    QTest::newRow("bad name") << one(QByteArray(good).replace("\"a\"", "\"a b\"")) << QStringLiteral("operators[0].name");
    QTest::newRow("bad kdf") << one(QByteArray(good).replace("pbkdf2-sha256", "md5")) << QStringLiteral("operators[0].kdf");
    QTest::newRow("weak iterations") << one(QByteArray(good).replace("1000", "999")) << QStringLiteral("operators[0].iterations");
    QTest::newRow("short hash") << one(QByteArray(good).replace(hash, "aGFzaA==")) << QStringLiteral("operators[0].hash");
    QTest::newRow("no salt") << one(QByteArray(good).replace(salt, "")) << QStringLiteral("operators[0].salt");
    QTest::newRow("bad lockedUntil") << one(QByteArray(good + ", \"lockedUntil\": \"soon\"")) << QStringLiteral("operators[0].lockedUntil");
    QTest::newRow("negative failures") << one(QByteArray(good + ", \"failedAttempts\": -1")) << QStringLiteral("operators[0].failedAttempts");
    QTest::newRow("duplicate") << QByteArray("{\"schemaVersion\": 1, \"operators\": [{" + good + "}, {"
                                             + QByteArray(good).replace("\"a\"", "\"A\"") + "}]}")
                               << QStringLiteral("operators[1].name repeats the operator a");
    QTest::newRow("valid") << one(good) << QString();
}

void tst_OperatorDirectory::corruptFile()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, error);
    QFile f(path());
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(content);
    f.close();

    FastDirectory d(path(), &m_clock);
    const auto loaded = d.load();
    if (error.isEmpty()) {
        QVERIFY2(loaded, qPrintable(loaded ? QString() : loaded.error()));
        QCOMPARE(d.operators().size(), 1);
        return;
    }
    QVERIFY(!loaded);
    QVERIFY2(loaded.error().contains(path()), qPrintable(loaded.error()));
    QVERIFY2(loaded.error().contains(error), qPrintable(loaded.error()));

    // Nothing that writes may replace a file it could not read.
    const auto signedIn = d.signIn(QStringLiteral("a"), kAdminPass);
    QVERIFY(!signedIn);
    QVERIFY2(signedIn.error().contains(path()), qPrintable(signedIn.error()));
    QVERIFY(!d.add(QStringLiteral("b"), Role::Admin, kAdminPass, std::nullopt));
    QVERIFY(!d.remove(QStringLiteral("a"), who(QStringLiteral("a"), Role::Admin)));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), content);
}

void tst_OperatorDirectory::productionIterations()
{
    // The real directory, no hook: what it writes and what it demands.
    OperatorDirectory d(path(), &m_clock);
    QVERIFY(d.add(QStringLiteral("root"), Role::Admin, kAdminPass, std::nullopt));
    const QJsonObject record = readJson(path()).value(QStringLiteral("operators")).toArray().at(0).toObject();
    QCOMPARE(record.value(QStringLiteral("kdf")).toString(), QStringLiteral("pbkdf2-sha256"));
    QVERIFY(record.value(QStringLiteral("iterations")).toInt() >= 600000);
    QCOMPARE(record.value(QStringLiteral("iterations")).toInt(), OperatorDirectory::kIterations);
    const QByteArray salt = QByteArray::fromBase64(record.value(QStringLiteral("salt")).toString().toLatin1());
    QCOMPARE(QByteArray::fromBase64(record.value(QStringLiteral("hash")).toString().toLatin1()),
             OperatorDirectory::derive(kAdminPass, salt, 600000));
    auto r = d.signIn(QStringLiteral("root"), kAdminPass);
    QVERIFY2(r, qPrintable(r ? QString() : r.error()));

    // A file with weaker hashes (as the test hook writes) is refused by the production path.
    QVERIFY(QFile::remove(path()));
    FastDirectory weak(path(), &m_clock);
    QVERIFY(weak.add(QStringLiteral("root"), Role::Admin, kAdminPass, std::nullopt));
    OperatorDirectory strict(path(), &m_clock);
    const auto loaded = strict.load();
    QVERIFY(!loaded);
    QVERIFY2(loaded.error().contains(QStringLiteral("below 600000")), qPrintable(loaded.error()));
}

void tst_OperatorDirectory::twoPersonRule_data()
{
    QTest::addColumn<Environment>("environment");
    QTest::addColumn<bool>("hasApprover");
    QTest::addColumn<QString>("approverName");
    QTest::addColumn<Role>("approverRole");
    QTest::addColumn<QString>("error"); // empty: allowed

    const auto prod = Environment::Production;
    QTest::newRow("production, none") << prod << false << QString() << Role::Viewer << QStringLiteral("two-person rule needs an approver");
    QTest::newRow("production, approver") << prod << true << QStringLiteral("bob") << Role::Approver << QString();
    QTest::newRow("production, admin") << prod << true << QStringLiteral("bob") << Role::Admin << QString();
    QTest::newRow("production, self") << prod << true << QStringLiteral("Alice") << Role::Approver
                                      << QStringLiteral("different person");
    QTest::newRow("production, operator") << prod << true << QStringLiteral("bob") << Role::Operator
                                          << QStringLiteral("needs the approver or admin role");
    QTest::newRow("production, viewer") << prod << true << QStringLiteral("bob") << Role::Viewer
                                        << QStringLiteral("needs the approver or admin role");
    for (auto [env, label] : {std::pair{Environment::Staging, "staging"}, std::pair{Environment::Lab, "lab"}}) {
        QTest::addRow("%s, none", label) << env << false << QString() << Role::Viewer << QString();
        QTest::addRow("%s, approver", label) << env << true << QStringLiteral("bob") << Role::Approver << QString();
        QTest::addRow("%s, self", label) << env << true << QStringLiteral("alice") << Role::Admin << QStringLiteral("different person");
        QTest::addRow("%s, viewer", label) << env << true << QStringLiteral("bob") << Role::Viewer
                                           << QStringLiteral("needs the approver or admin role");
    }
}

void tst_OperatorDirectory::twoPersonRule()
{
    QFETCH(Environment, environment);
    QFETCH(bool, hasApprover);
    QFETCH(QString, approverName);
    QFETCH(Role, approverRole);
    QFETCH(QString, error);
    Profile profile;
    profile.name = QStringLiteral("contoso");
    profile.environment = environment;
    std::optional<SignedInOperator> approver;
    if (hasApprover)
        approver = who(approverName, approverRole);
    const auto r = checkTwoPersonRule(profile, who(QStringLiteral("alice"), Role::Operator), approver);
    if (error.isEmpty()) {
        QVERIFY2(r, qPrintable(r ? QString() : r.error()));
    } else {
        QVERIFY(!r);
        QVERIFY2(r.error().contains(error), qPrintable(r.error()));
    }
}

QTEST_APPLESS_MAIN(tst_OperatorDirectory)
#include "tst_operatordirectory.moc"
