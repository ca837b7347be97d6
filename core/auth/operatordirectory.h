#pragma once

// The operator directory: who may act on a deployment, with which role. One JSON file beside
// the profile (Profile::operatorsFile), so every workstation opening the profile shares it;
// `drlab up` writes one for the lab. Passphrases are stored as PBKDF2-HMAC-SHA256 (600,000
// iterations, 16-byte random salt), never in clear; repeated failures lock the operator out
// for a growing delay (recorded in the file, so every workstation honours it).
//
// Role checks live here, in core: the UI and drctl only reflect what authorise() answers.
//
// File shape (schemaVersion 1):
//   {"schemaVersion": 1, "operators": [{"name", "role", "kdf": "pbkdf2-sha256", "iterations",
//     "salt" (base64), "hash" (base64), "failedAttempts", "lockedUntil" (ISO 8601 or absent),
//     "created" (ISO 8601)}]}

#include "common/clock.h"
#include "common/result.h"
#include "profile/profile.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace dr {

enum class Role { Viewer, Operator, Approver, Admin };

QString roleName(Role role);                          // "viewer", "operator", ...
std::optional<Role> roleFromName(const QString &name);

struct OperatorRecord
{
    QString name;
    Role role = Role::Viewer;
    QString kdf = QStringLiteral("pbkdf2-sha256");
    int iterations = 0;
    QByteArray salt;
    QByteArray hash;
    int failedAttempts = 0;
    QDateTime lockedUntil; // invalid: not locked
    QDateTime created;
};

// An operator whose passphrase was verified just now.
struct SignedInOperator
{
    QString name;
    Role role = Role::Viewer;
    QDateTime at;
};

// What an operator may do; authorise() says whether a role may.
enum class Permission {
    ViewStatus,      // everyone
    RunFailover,     // operator, admin: failover, failback, drill, resume, readiness
    SyncIndex,       // operator, admin
    Approve,         // approver, admin
    BreakGlass,      // operator, admin (always with a reason, always audited)
    ManageOperators, // admin
};

Result<void> authorise(const SignedInOperator &who, Permission permission);
// The roles that hold `permission` (what authorise() checks), for the UI to show.
QList<Role> rolesFor(Permission permission);
// What a permission lets an operator do, for messages ("run a failover").
QString permissionDescription(Permission permission);

// The two-person rule: a production profile needs an approver who is a different person from
// the operator, holds the approver (or admin) role, and signed in too. Other environments
// accept a missing approver but still check one that is given.
Result<void> checkTwoPersonRule(const Profile &profile, const SignedInOperator &operatorSignedIn,
                                const std::optional<SignedInOperator> &approver);

class OperatorDirectory
{
public:
    static constexpr int kIterations = 600000;
    static constexpr int kSaltBytes = 16;
    static constexpr int kFailuresBeforeLockout = 5;
    static constexpr int kMinPassphraseLength = 12;

    explicit OperatorDirectory(const QString &filePath, const Clock *clock = Clock::system());

    QString filePath() const { return m_filePath; }

    // Reads the file; a missing file is an empty directory. Errors name the file and what is
    // wrong with it.
    Result<void> load();
    const QList<OperatorRecord> &operators() const { return m_operators; }
    std::optional<OperatorRecord> find(const QString &name) const;

    // The first operator bootstraps the directory and must be an admin (`by` empty); every
    // later change needs a signed-in admin. Names: [A-Za-z0-9._@-], 1-64 characters;
    // passphrases at least kMinPassphraseLength characters. Writes the file atomically (0644:
    // it holds no secret a brute force could use cheaply).
    Result<void> add(const QString &name, Role role, const QByteArray &passphrase,
                     const std::optional<SignedInOperator> &by);
    // Refuses to remove the last admin.
    Result<void> remove(const QString &name, const SignedInOperator &by);

    // Verifies a passphrase. A locked-out operator is refused without checking (the message
    // says until when); the kFailuresBeforeLockout-th failure in a row locks the operator for
    // 30 s, doubling with each further failure up to 15 min; a success resets the count.
    // Failure messages never say whether the name or the passphrase was wrong.
    Result<SignedInOperator> signIn(const QString &name, const QByteArray &passphrase);

    // PBKDF2-HMAC-SHA256 (OpenSSL), 32 bytes; empty when OpenSSL refuses.
    static QByteArray derive(const QByteArray &passphrase, const QByteArray &salt, int iterations);

    // Names compare without case: "Alice" and "alice" are one person.
    static Result<void> validateName(const QString &name);
    static Result<void> validatePassphrase(const QByteArray &passphrase);

protected:
    // For unit tests only (a subclass exposes it): hash new passphrases with fewer iterations
    // so a test can sign in dozens of times. It is also the minimum load() accepts, so a
    // production directory (always kIterations) refuses a file with weaker hashes.
    void setIterations(int iterations) { m_iterations = iterations; }

private:
    Result<void> save() const;
    // Runs `change` on freshly reloaded records under a lock file beside the directory, then
    // saves: two workstations updating the shared file must not overwrite each other.
    Result<void> update(const std::function<Result<void>()> &change);
    int indexOf(const QString &name) const;
    QString where() const;

    QString m_filePath;
    const Clock *m_clock;
    int m_iterations = kIterations;
    QList<OperatorRecord> m_operators;
};

} // namespace dr
