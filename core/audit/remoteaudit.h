#pragma once

// The off-workstation copy of the audit trail: every entry is also appended to an append blob
// in EACH region's storage account, so the record survives the loss of the workstation, and
// replacing the local trail with an older copy of itself (which the local file alone cannot
// reveal) shows up as entries the remote copies have and the local trail has not.
//
// Where: container "drconsole-audit" (created when missing; the lab's replicator leaves it
// alone, since each region's copy is written by the consoles), append blob
// "PROFILE-NAME/audit.jsonl", created with If-None-Match: * so an existing copy is never
// truncated. One line per entry: the compact JSON of auditEntryToJson(entry) and "\n". Each line
// carries seq, prevHash and hash, so a copy is verified with the audit key exactly as the local
// chain is, and compared with the local trail entry by entry. Many lines go in one append block
// (at most kBatchBytes), so a blob stays far below the service's 50,000 blocks.
//
// The queue is the local trail itself: what is not yet in a region's copy is every local entry
// after that region's cursor, so nothing is lost while a region's storage is down. The cursor
// (last seq and hash pushed, and the blob's length after it = the next append position) is a
// JSON file beside audit.sqlite ("audit-remote.json"), not a table in it: the cursor is only a
// cache, checked against the blob's length and the entries' hashes at every push, so it needs no
// transaction, and the trail's schema stays AuditTrail's alone. Each cursor names the blob it is
// for (endpoint, container, blob), so a profile pointed at another account starts again at 0.
//
// Several pushers (two consoles, drctl) are safe: every append carries
// x-ms-blob-condition-appendpos, so a writer that lost the race gets 412
// AppendPositionConditionNotMet, reads what the other appended, checks each entry's hash against
// its own trail and resumes after it. An entry is never appended twice.
//
// A region's copy "diverged" when its content disagrees with the local trail (a different hash
// for a seq, entries the local trail lacks, a broken line): push then appends nothing more to
// it, because appending would bury the evidence; verifyRemote() says exactly where.
//
// Asynchronous, answered exactly once, never inside the call; if the RemoteAuditCopy is
// destroyed first, the answer never comes. Used from one thread (it opens the trail there).

#include "common/result.h"
#include "profile/profile.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace dr {

namespace azure {
class BlobClient;
}
class SecretStore;

struct RemoteAuditPush
{
    enum class State {
        Pushed,      // the copy holds every local entry now (pushed may be 0)
        Unreachable, // no answer (down, timed out); the entries wait for the next push
        Diverged,    // the copy disagrees with the local trail; nothing appended
        Error,       // the service refused (authentication, a wrong blob type) or no key
    };
    QString regionId;
    State state = State::Pushed;
    qint64 pushed = 0;        // entries appended by this push
    qint64 remoteEntries = 0; // the copy's last seq as this push knows it (unreachable: as the
                              // last push left it)
    QString detail;           // why, for anything but Pushed
};

struct RemoteAuditPushReport
{
    qint64 localEntries = 0;
    QList<RemoteAuditPush> regions; // the regions with a storage component, in profile order
};

struct RemoteAuditCheck
{
    enum class State {
        Matches,        // every remote entry equals the local one; the rest is not yet pushed
        Missing,        // the copy lacks entries: a gap in it, or entries pushed earlier are gone
        MissingLocally, // the copy has entries the local trail lacks (older file restored)
        Differs,        // an entry differs, or the copy's own chain is broken, at firstSeq
        Unreachable,
        Error,
    };
    QString regionId;
    State state = State::Matches;
    qint64 remoteEntries = 0; // lines in the copy
    qint64 localEntries = 0;
    qint64 notYetPushed = 0;
    qint64 firstSeq = 0; // Missing/MissingLocally: the range; Differs: the entry
    qint64 lastSeq = 0;
    QString detail; // "matches: 50 entries (local has 70; 20 not yet pushed)", "DIFFERS at
                    // entry 12: ...", "MISSING entries 5-9 ...", "unreachable: ..."
};

QString remoteAuditPushStateName(RemoteAuditPush::State state);   // pushed, unreachable, ...
QString remoteAuditCheckStateName(RemoteAuditCheck::State state); // matches, missing, ...

class RemoteAuditCopy : public QObject
{
    Q_OBJECT

public:
    static constexpr char kContainer[] = "drconsole-audit";
    static constexpr qint64 kBatchBytes = 1024 * 1024; // per append block (the limit is 4 MiB)
    static constexpr int kPushDelayMs = 3000;          // pushSoon() coalesces this long
    static constexpr int kRequestTimeoutMs = 8000;     // per storage request
    static constexpr int kMaxRaceRetries = 8;          // lost append races in one push

    // `auditKey` may be empty for pushing (it needs none); verifyRemote() needs it. `network`
    // and `secrets` must outlive this object. The trail is AuditTrail::defaultPath(profile)
    // unless setTrailPath() says otherwise.
    RemoteAuditCopy(const Profile &profile, const QByteArray &auditKey,
        QNetworkAccessManager *network, SecretStore *secrets, QObject *parent = nullptr);
    ~RemoteAuditCopy() override;

    void setTrailPath(const QString &path) { m_trailPath = path; }
    QString trailPath() const { return m_trailPath; }
    QString cursorPath() const; // audit-remote.json beside the trail
    static QString blobName(const Profile &profile); // "NAME/audit.jsonl"

    // Pushes pending entries to every region's copy, the regions in parallel. Err only when
    // nothing could be tried: the local trail unreadable, or no region has a storage component.
    void push(std::function<void(Result<RemoteAuditPushReport>)> done);
    // Downloads every region's copy and checks it against the local trail and its own chain.
    void verifyRemote(std::function<void(Result<QList<RemoteAuditCheck>>)> done);

    // Best effort for call sites that must not wait or fail (after an audit append, after a
    // sign-in, on the console's timer): pushes within kPushDelayMs, coalescing every call made
    // meanwhile; a call during a push schedules one more after it. Failures are logged
    // (spdlog "audit"), never raised.
    void pushSoon();
    // pushSoon() every intervalMs (0 stops), for the console.
    void setPeriodicPush(int intervalMs);
    bool isPushing() const { return m_pushing; }

Q_SIGNALS:
    // After each push started by pushSoon() or the periodic timer (tests, status displays).
    void backgroundPushFinished();

private:
    struct Target;
    struct PushRun;
    struct VerifyRun;

    void withClients(std::function<void(QList<Target>, QString)> done);
    void pushRegion(std::shared_ptr<PushRun> run, int index);
    void verifyRegion(std::shared_ptr<VerifyRun> run, int index);
    void startBackgroundPush();

    Profile m_profile;
    QByteArray m_key;
    QNetworkAccessManager *m_network;
    QPointer<SecretStore> m_secrets;
    QString m_trailPath;
    QMap<QString, azure::BlobClient *> m_clients; // region id -> client, made once
    QTimer m_soon;
    QTimer m_periodic;
    bool m_pushing = false;
    bool m_again = false;
};

} // namespace dr
