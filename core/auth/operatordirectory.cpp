#include "operatordirectory.h"

#include "logging/logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSaveFile>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

namespace dr {

namespace {

constexpr int kHashBytes = 32;
constexpr qint64 kFirstLockoutMs = 30 * 1000;
constexpr qint64 kMaxLockoutMs = 15 * 60 * 1000;
constexpr qint64 kMaxFileBytes = 4 * 1024 * 1024;
constexpr int kLockWaitMs = 5000;

QString kdfName()
{
    return QStringLiteral("pbkdf2-sha256");
}

QString iso(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODate);
}

// How long the n-th failure in a row locks an operator out (0: not yet).
qint64 lockoutMs(int failedAttempts)
{
    if (failedAttempts < OperatorDirectory::kFailuresBeforeLockout)
        return 0;
    qint64 ms = kFirstLockoutMs;
    for (int i = OperatorDirectory::kFailuresBeforeLockout; i < failedAttempts && ms < kMaxLockoutMs; ++i)
        ms *= 2;
    return std::min(ms, kMaxLockoutMs);
}

QString roleList(const QList<Role> &roles)
{
    QStringList names;
    for (Role r : roles)
        names << roleName(r);
    return names.join(QStringLiteral(" or "));
}

QString article(Role role)
{
    return role == Role::Operator || role == Role::Approver || role == Role::Admin ? QStringLiteral("an")
                                                                                    : QStringLiteral("a");
}

} // namespace

QString roleName(Role role)
{
    switch (role) {
    case Role::Viewer:
        return QStringLiteral("viewer");
    case Role::Operator:
        return QStringLiteral("operator");
    case Role::Approver:
        return QStringLiteral("approver");
    case Role::Admin:
        return QStringLiteral("admin");
    }
    return QStringLiteral("viewer");
}

std::optional<Role> roleFromName(const QString &name)
{
    for (Role r : {Role::Viewer, Role::Operator, Role::Approver, Role::Admin}) {
        if (roleName(r) == name)
            return r;
    }
    return std::nullopt;
}

QString permissionDescription(Permission permission)
{
    switch (permission) {
    case Permission::ViewStatus:
        return QStringLiteral("view the status");
    case Permission::RunFailover:
        return QStringLiteral("run a failover, failback, drill or readiness check");
    case Permission::SyncIndex:
        return QStringLiteral("sync an index");
    case Permission::Approve:
        return QStringLiteral("approve a run");
    case Permission::BreakGlass:
        return QStringLiteral("override a gate (break-glass)");
    case Permission::ManageOperators:
        return QStringLiteral("manage operators");
    }
    return QStringLiteral("do this");
}

// The roles that hold a permission: the one table of who may do what.
QList<Role> rolesFor(Permission permission)
{
    switch (permission) {
    case Permission::ViewStatus:
        return {Role::Viewer, Role::Operator, Role::Approver, Role::Admin};
    case Permission::RunFailover:
    case Permission::SyncIndex:
    case Permission::BreakGlass:
        return {Role::Operator, Role::Admin};
    case Permission::Approve:
        return {Role::Approver, Role::Admin};
    case Permission::ManageOperators:
        return {Role::Admin};
    }
    return {};
}

Result<void> authorise(const SignedInOperator &who, Permission permission)
{
    const QList<Role> allowed = rolesFor(permission);
    if (allowed.contains(who.role))
        return {};
    return fail(QStringLiteral("%1 is %2 %3 and may not %4: that needs the %5 role")
                    .arg(who.name, article(who.role), roleName(who.role), permissionDescription(permission),
                         roleList(allowed)));
}

Result<void> checkTwoPersonRule(const Profile &profile, const SignedInOperator &operatorSignedIn,
                                const std::optional<SignedInOperator> &approver)
{
    if (!approver) {
        if (profile.environment == Environment::Production)
            return fail(QStringLiteral("the profile %1 is a production profile: the two-person rule needs an "
                                       "approver (a different person with the approver or admin role) to sign "
                                       "in besides the operator %2")
                            .arg(profile.name, operatorSignedIn.name));
        return {};
    }
    if (approver->name.compare(operatorSignedIn.name, Qt::CaseInsensitive) == 0)
        return fail(QStringLiteral("the approver must be a different person from the operator (both are %1)")
                        .arg(operatorSignedIn.name));
    if (auto ok = authorise(*approver, Permission::Approve); !ok)
        return fail(QStringLiteral("approver refused: %1").arg(ok.error()));
    return {};
}

OperatorDirectory::OperatorDirectory(const QString &filePath, const Clock *clock)
    : m_filePath(filePath)
    , m_clock(clock ? clock : Clock::system())
{}

QString OperatorDirectory::where() const
{
    return QStringLiteral("operator directory %1").arg(QDir::toNativeSeparators(m_filePath));
}

Result<void> OperatorDirectory::validateName(const QString &name)
{
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9._@-]{1,64}$"));
    if (!valid.match(name).hasMatch())
        return fail(QStringLiteral("'%1' is not a valid operator name: use 1-64 letters, digits and . _ @ -")
                        .arg(name.left(80)));
    return {};
}

Result<void> OperatorDirectory::validatePassphrase(const QByteArray &passphrase)
{
    if (QString::fromUtf8(passphrase).size() < kMinPassphraseLength)
        return fail(QStringLiteral("a passphrase needs at least %1 characters").arg(kMinPassphraseLength));
    return {};
}

QByteArray OperatorDirectory::derive(const QByteArray &passphrase, const QByteArray &salt, int iterations)
{
    QByteArray out(kHashBytes, '\0');
    const int ok = PKCS5_PBKDF2_HMAC(passphrase.constData(), int(passphrase.size()),
                                     reinterpret_cast<const unsigned char *>(salt.constData()), int(salt.size()),
                                     iterations, EVP_sha256(), kHashBytes, reinterpret_cast<unsigned char *>(out.data()));
    return ok == 1 ? out : QByteArray();
}

int OperatorDirectory::indexOf(const QString &name) const
{
    for (qsizetype i = 0; i < m_operators.size(); ++i) {
        if (m_operators.at(i).name.compare(name, Qt::CaseInsensitive) == 0)
            return int(i);
    }
    return -1;
}

std::optional<OperatorRecord> OperatorDirectory::find(const QString &name) const
{
    const int i = indexOf(name);
    if (i < 0)
        return std::nullopt;
    return m_operators.at(i);
}

Result<void> OperatorDirectory::load()
{
    QFile f(m_filePath);
    if (!f.exists()) {
        m_operators.clear();
        return {};
    }
    if (!f.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read the %1: %2").arg(where(), f.errorString()));
    if (f.size() > kMaxFileBytes)
        return fail(QStringLiteral("the %1 is %2 bytes; more than %3 is not an operator directory")
                        .arg(where())
                        .arg(f.size())
                        .arg(kMaxFileBytes));
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return fail(QStringLiteral("the %1 is not valid JSON: %2 at offset %3")
                        .arg(where(), parseError.errorString())
                        .arg(parseError.offset));
    if (!doc.isObject())
        return fail(QStringLiteral("the %1 is not a JSON object").arg(where()));
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("schemaVersion")).toInt(-1) != 1)
        return fail(QStringLiteral("the %1 has schemaVersion %2; this version reads 1")
                        .arg(where(), root.value(QStringLiteral("schemaVersion")).toVariant().toString()));
    if (!root.value(QStringLiteral("operators")).isArray())
        return fail(QStringLiteral("the %1 has no \"operators\" array").arg(where()));

    QList<OperatorRecord> loaded;
    const QJsonArray list = root.value(QStringLiteral("operators")).toArray();
    for (qsizetype i = 0; i < list.size(); ++i) {
        const auto bad = [&](const QString &field, const QString &why) {
            return fail(QStringLiteral("the %1 is corrupt: operators[%2].%3 %4").arg(where()).arg(i).arg(field, why));
        };
        if (!list.at(i).isObject())
            return fail(QStringLiteral("the %1 is corrupt: operators[%2] is not an object").arg(where()).arg(i));
        const QJsonObject o = list.at(i).toObject();
        OperatorRecord r;
        r.name = o.value(QStringLiteral("name")).toString();
        if (auto ok = validateName(r.name); !ok)
            return bad(QStringLiteral("name"), QStringLiteral("is missing or invalid"));
        const auto role = roleFromName(o.value(QStringLiteral("role")).toString());
        if (!role)
            return bad(QStringLiteral("role"), QStringLiteral("is not one of viewer, operator, approver, admin"));
        r.role = *role;
        r.kdf = o.value(QStringLiteral("kdf")).toString();
        if (r.kdf != kdfName())
            return bad(QStringLiteral("kdf"), QStringLiteral("is not \"%1\"").arg(kdfName()));
        r.iterations = o.value(QStringLiteral("iterations")).toInt(0);
        if (r.iterations < m_iterations)
            return bad(QStringLiteral("iterations"),
                       QStringLiteral("is below %1: re-add the operator %2 to hash the passphrase again")
                           .arg(m_iterations)
                           .arg(r.name));
        r.salt = QByteArray::fromBase64(o.value(QStringLiteral("salt")).toString().toLatin1());
        if (r.salt.size() < kSaltBytes)
            return bad(QStringLiteral("salt"), QStringLiteral("is not base64 of at least %1 bytes").arg(kSaltBytes));
        r.hash = QByteArray::fromBase64(o.value(QStringLiteral("hash")).toString().toLatin1());
        if (r.hash.size() != kHashBytes)
            return bad(QStringLiteral("hash"), QStringLiteral("is not base64 of %1 bytes").arg(kHashBytes));
        r.failedAttempts = o.value(QStringLiteral("failedAttempts")).toInt(0);
        if (r.failedAttempts < 0)
            return bad(QStringLiteral("failedAttempts"), QStringLiteral("is negative"));
        if (o.contains(QStringLiteral("lockedUntil"))) {
            r.lockedUntil = QDateTime::fromString(o.value(QStringLiteral("lockedUntil")).toString(), Qt::ISODate);
            if (!r.lockedUntil.isValid())
                return bad(QStringLiteral("lockedUntil"), QStringLiteral("is not an ISO 8601 time"));
            r.lockedUntil = r.lockedUntil.toUTC();
        }
        r.created = QDateTime::fromString(o.value(QStringLiteral("created")).toString(), Qt::ISODate).toUTC();
        for (const OperatorRecord &other : std::as_const(loaded)) {
            if (other.name.compare(r.name, Qt::CaseInsensitive) == 0)
                return bad(QStringLiteral("name"), QStringLiteral("repeats the operator %1").arg(other.name));
        }
        loaded << r;
    }
    m_operators = loaded;
    return {};
}

Result<void> OperatorDirectory::save() const
{
    QJsonArray list;
    for (const OperatorRecord &r : m_operators) {
        QJsonObject o{{QStringLiteral("name"), r.name},
                      {QStringLiteral("role"), roleName(r.role)},
                      {QStringLiteral("kdf"), r.kdf},
                      {QStringLiteral("iterations"), r.iterations},
                      {QStringLiteral("salt"), QString::fromLatin1(r.salt.toBase64())},
                      {QStringLiteral("hash"), QString::fromLatin1(r.hash.toBase64())},
                      {QStringLiteral("failedAttempts"), r.failedAttempts},
                      {QStringLiteral("created"), iso(r.created)}};
        if (r.lockedUntil.isValid())
            o.insert(QStringLiteral("lockedUntil"), iso(r.lockedUntil));
        list.append(o);
    }
    const QJsonObject root{{QStringLiteral("schemaVersion"), 1}, {QStringLiteral("operators"), list}};

    const QString folder = QFileInfo(m_filePath).absolutePath();
    if (!QDir().mkpath(folder))
        return fail(QStringLiteral("cannot create the folder %1 for the %2").arg(QDir::toNativeSeparators(folder), where()));
    QSaveFile f(m_filePath);
    if (!f.open(QIODevice::WriteOnly))
        return fail(QStringLiteral("cannot write the %1: %2").arg(where(), f.errorString()));
    f.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!f.commit())
        return fail(QStringLiteral("cannot write the %1: %2").arg(where(), f.errorString()));
    QFile::setPermissions(m_filePath, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
    return {};
}

Result<void> OperatorDirectory::update(const std::function<Result<void>()> &change)
{
    const QString folder = QFileInfo(m_filePath).absolutePath();
    if (!QDir().mkpath(folder))
        return fail(QStringLiteral("cannot create the folder %1 for the %2").arg(QDir::toNativeSeparators(folder), where()));
    QLockFile lock(m_filePath + QStringLiteral(".lock"));
    if (!lock.tryLock(kLockWaitMs)) {
        qint64 pid = 0;
        QString host;
        QString app;
        lock.getLockInfo(&pid, &host, &app);
        return fail(QStringLiteral("the %1 is being changed by another process (pid %2 on %3); try again")
                        .arg(where())
                        .arg(pid)
                        .arg(host.isEmpty() ? QStringLiteral("an unknown host") : host));
    }
    if (auto ok = load(); !ok)
        return ok;
    if (auto ok = change(); !ok)
        return ok;
    return save();
}

Result<void> OperatorDirectory::add(const QString &name, Role role, const QByteArray &passphrase,
                                    const std::optional<SignedInOperator> &by)
{
    if (auto ok = validateName(name); !ok)
        return ok;
    if (auto ok = validatePassphrase(passphrase); !ok)
        return ok;
    if (by) {
        if (auto ok = authorise(*by, Permission::ManageOperators); !ok)
            return ok;
    }
    // Hash outside the lock: it takes a noticeable fraction of a second.
    QByteArray salt(kSaltBytes, '\0');
    QRandomGenerator::system()->generate(salt.begin(), salt.end());
    const QByteArray hash = derive(passphrase, salt, m_iterations);
    if (hash.isEmpty())
        return fail(QStringLiteral("cannot hash the passphrase of %1: OpenSSL refused PBKDF2").arg(name));

    auto result = update([&]() -> Result<void> {
        if (m_operators.isEmpty()) {
            if (role != Role::Admin)
                return fail(QStringLiteral("the %1 is empty: its first operator must be an admin, not %2 %3")
                                .arg(where(), article(role), roleName(role)));
            if (by)
                return fail(QStringLiteral("the %1 is empty: %2 is not an admin there; add the first admin without one")
                                .arg(where(), by->name));
        } else {
            if (!by)
                return fail(QStringLiteral("adding %1 to the %2 needs a signed-in admin").arg(name, where()));
            const int admin = indexOf(by->name);
            if (admin < 0 || m_operators.at(admin).role != Role::Admin)
                return fail(QStringLiteral("%1 is not an admin in the %2").arg(by->name, where()));
        }
        if (const int existing = indexOf(name); existing >= 0)
            return fail(QStringLiteral("the %1 already has an operator %2").arg(where(), m_operators.at(existing).name));
        OperatorRecord r;
        r.name = name;
        r.role = role;
        r.kdf = kdfName();
        r.iterations = m_iterations;
        r.salt = salt;
        r.hash = hash;
        r.created = m_clock->nowUtc();
        m_operators << r;
        return {};
    });
    if (result)
        log::get("auth")->info("operator {} added as {}{}", name.toStdString(), roleName(role).toStdString(),
                               by ? (" by " + by->name.toStdString()) : std::string(" (bootstrap)"));
    return result;
}

Result<void> OperatorDirectory::remove(const QString &name, const SignedInOperator &by)
{
    if (auto ok = authorise(by, Permission::ManageOperators); !ok)
        return ok;
    auto result = update([&]() -> Result<void> {
        const int admin = indexOf(by.name);
        if (admin < 0 || m_operators.at(admin).role != Role::Admin)
            return fail(QStringLiteral("%1 is not an admin in the %2").arg(by.name, where()));
        const int i = indexOf(name);
        if (i < 0)
            return fail(QStringLiteral("the %1 has no operator %2").arg(where(), name));
        if (m_operators.at(i).role == Role::Admin) {
            const auto admins = std::count_if(m_operators.cbegin(), m_operators.cend(),
                                              [](const OperatorRecord &r) { return r.role == Role::Admin; });
            if (admins <= 1)
                return fail(QStringLiteral("%1 is the last admin of the %2 and cannot be removed; add another admin first")
                                .arg(m_operators.at(i).name, where()));
        }
        m_operators.removeAt(i);
        return {};
    });
    if (result)
        log::get("auth")->info("operator {} removed by {}", name.toStdString(), by.name.toStdString());
    return result;
}

Result<SignedInOperator> OperatorDirectory::signIn(const QString &name, const QByteArray &passphrase)
{
    const QString refused = QStringLiteral("unknown operator or wrong passphrase for %1").arg(name.left(80));
    if (auto ok = load(); !ok)
        return fail(ok.error());
    const auto lockedMessage = [this](const OperatorRecord &r) {
        return QStringLiteral("%1 is locked out until %2 after %3 failed sign-ins in a row (%4)")
            .arg(r.name, iso(r.lockedUntil))
            .arg(r.failedAttempts)
            .arg(where());
    };
    const auto found = find(name);
    if (!found) {
        // Spend the same time as a real check, so timing does not tell whether the name exists.
        derive(passphrase, QByteArray(kSaltBytes, '\0'), m_iterations);
        return fail(refused);
    }
    if (found->lockedUntil.isValid() && m_clock->nowUtc() < found->lockedUntil)
        return fail(lockedMessage(*found));

    const QByteArray hash = derive(passphrase, found->salt, found->iterations);
    const bool match = !passphrase.isEmpty() && hash.size() == found->hash.size()
                       && CRYPTO_memcmp(hash.constData(), found->hash.constData(), size_t(hash.size())) == 0;

    // Count on the file as it is now: another workstation may have changed it meanwhile.
    OperatorRecord after;
    bool removed = false;
    auto saved = update([&]() -> Result<void> {
        const int i = indexOf(name);
        if (i < 0) {
            removed = true;
            return {};
        }
        OperatorRecord &r = m_operators[i];
        if (match) {
            r.failedAttempts = 0;
            r.lockedUntil = QDateTime();
        } else {
            ++r.failedAttempts;
            if (const qint64 ms = lockoutMs(r.failedAttempts); ms > 0)
                r.lockedUntil = m_clock->nowUtc().addMSecs(ms);
        }
        after = r;
        return {};
    });
    if (!saved) {
        // A verified passphrase still fails closed: the lockout count must be recorded.
        return fail(QStringLiteral("cannot record the sign-in of %1: %2").arg(name, saved.error()));
    }
    if (removed)
        return fail(refused);
    if (!match) {
        log::get("auth")->info("failed sign-in for {} ({} in a row)", after.name.toStdString(), after.failedAttempts);
        if (after.lockedUntil.isValid() && m_clock->nowUtc() < after.lockedUntil)
            return fail(refused + QStringLiteral("; ") + lockedMessage(after));
        return fail(refused);
    }
    return SignedInOperator{after.name, after.role, m_clock->nowUtc()};
}

} // namespace dr
