#pragma once

// The tamper-evident audit trail of one profile on this workstation: every sign-in, gate
// result, step, approval, override and run state change, appended to a SQLite table (WAL)
// where each entry carries the previous entry's hash, and its own hash is
// HMAC-SHA256(key, canonical bytes of the entry including prevHash). A changed byte, a deleted
// row or a reordered row breaks the chain at a definite entry, which verify() names. The key
// lives in the OS keychain (entry "audit-key/PROFILE-NAME"), or where the profile's
// audit.key reference says (a 0600 file for headless automation); see loadAuditKey().
//
// Location: profileDataDir(profile)/audit.sqlite (common/datapaths.h).
//
// Besides the chain, the file keeps a "head" record (last seq and hash, with an HMAC of its
// own), so that removing entries from the END of the trail is found too; a chain alone cannot
// tell a truncated trail from a short one. Replacing the whole file with an older copy of
// itself is not detectable from the file alone (that needs a copy elsewhere, issue 6).
//
// An AuditTrail is used from the thread that opened it (a Qt Sql connection is per thread).
// Listing entries needs no key (viewers may read the trail); append() and verify() do.

#include "common/clock.h"
#include "common/result.h"
#include "profile/profile.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>

namespace dr {

class SecretStore;

struct AuditEntry
{
    qint64 seq = 0;        // 1, 2, 3, ... in append order
    QDateTime at;          // UTC, millisecond precision
    QString kind;          // sign-in, sign-in-failed, run-state, gate, step, approval, override,
                           // acknowledgement, operator-added, operator-removed, sync, note
    QString actor;         // operator name, or "system"
    QString runId;         // empty outside a run
    QString summary;       // one line for people
    QJsonObject data;      // details for tools
    QByteArray prevHash;   // hex; 64 zeros for the first entry
    QByteArray hash;       // hex HMAC-SHA256
};

struct AuditFilter
{
    QDateTime from, to;  // invalid: unbounded
    QString actor, runId, kind, text; // empty: any; text matches summary (case-insensitive)
    int limit = 0;       // 0: all; else the last `limit` matching entries (still in seq order)
};

struct AuditVerification
{
    bool intact = true;
    qint64 entries = 0;
    qint64 firstBadSeq = 0; // 0 when intact
    QString problem;        // "entry 12: its hash does not match its content (changed after it
                            // was written)", "entry 5 is missing (entry 6 follows entry 4: ...)"
};

class AuditTrail
{
public:
    AuditTrail(const QString &databasePath, const QByteArray &key, const Clock *clock = Clock::system());
    ~AuditTrail();
    AuditTrail(const AuditTrail &) = delete;
    AuditTrail &operator=(const AuditTrail &) = delete;

    static QString defaultPath(const Profile &profile);
    static QString keychainEntry(const Profile &profile); // "audit-key/NAME"

    // Creates the file and table when missing (WAL mode). Several processes may append to one
    // trail: appends run in an IMMEDIATE transaction that reads the last hash and writes the
    // next entry atomically.
    Result<void> open();
    Result<AuditEntry> append(const QString &kind, const QString &actor, const QString &runId,
                              const QString &summary, const QJsonObject &data = {});
    Result<QList<AuditEntry>> entries(const AuditFilter &filter = {}) const;
    // Walks the whole trail in seq order and names the first bad entry; an Err result means
    // the trail could not be read at all, not that it is broken.
    Result<AuditVerification> verify() const;

    // The bytes that are hashed: public for tests and for remote copies (issue 6).
    static QByteArray canonical(const AuditEntry &entry);

private:
    QString m_path;
    QByteArray m_key;
    const Clock *m_clock;
    QString m_connection;
};

// Finds the audit key: the profile's audit.key reference when it has one (file/env: must
// exist; a file must be 0600), else the OS keychain entry AuditTrail::keychainEntry(profile).
// When the keychain entry is missing and `createIfMissing`, a random 32-byte key is created
// there. When no keychain is available, the error says so and names the alternative (a
// key-file reference with 0600 permissions in the profile's "audit": {"key": {"file": ...}});
// it never writes a key to disk by itself. A key is created only when no trail exists yet for
// the profile: a new key for an existing trail would make it unverifiable. The key is the
// secret's bytes as stored (at least 16); a created key is the base64 text of 32 random
// bytes, so it can be copied into a key file as is. `store` must outlive the call.
void loadAuditKey(SecretStore *store, const Profile &profile, bool createIfMissing,
                  std::function<void(Result<QByteArray>)> done);

// An entry for tools: {"seq", "at", "kind", "actor", "runId", "summary", "data", "prevHash",
// "hash"}.
QJsonObject auditEntryToJson(const AuditEntry &entry);

} // namespace dr
