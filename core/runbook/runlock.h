#pragma once

// The run lock: only one failover, failback or drill at a time per deployment, whichever
// workstation starts it. A blob lease on "drconsole-run.lock" in a container
// (RunbookSettings::lockContainer) of the target region's storage account: acquired with a
// lease id derived from the run id (so a resumed run takes its own lock back), renewed every
// third of the lease duration while held, released at the end. The blob's content names the
// holder, so a refusal can say who holds it.

#include "azure/blobclient.h"
#include "common/result.h"
#include "profile/profile.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <QUuid>

#include <functional>
#include <optional>

namespace dr {

class SecretStore;

struct LockHolder
{
    QString operatorName;
    QString host;
    QString runId;
    QString runKind;
    QDateTime since;
    QJsonObject toJson() const;
    static std::optional<LockHolder> fromJson(const QByteArray &json);
    QString describe() const; // "lab-operator on host nocws-3, run R (planned-failover) since T"
};

class RunLock : public QObject
{
    Q_OBJECT

public:
    static constexpr auto kBlobName = "drconsole-run.lock";

    // `client` outlives the lock (the caller owns both).
    RunLock(azure::BlobClient *client, const QString &container, int leaseMs,
        QObject *parent = nullptr);
    ~RunLock() override;

    // The lease id a run uses: a name-based UUID of the run id.
    static QUuid leaseIdFor(const QString &runId);

    // Creates the container and blob when missing, acquires (or, for the same run, takes
    // back) the lease and writes the holder. Refused while another run holds it: "the run lock
    // is held by HOLDER" (with the holder read from the blob). Every call answers once, later;
    // not at all when the lock is destroyed first. The destructor does not release the lease:
    // it expires leaseMs after the last renewal, and the same run can take it back at once.
    void acquire(const LockHolder &holder, std::function<void(Result<void>)> done);
    void release(std::function<void(Result<void>)> done);
    void readHolder(std::function<void(Result<std::optional<LockHolder>>)> done);
    bool isHeld() const { return m_held; }

    // A BlobClient for `regionId`'s storage component (the first with "storage" settings),
    // with its account key read from the secret store and the profile's CA certificates
    // trusted. The client is a child of `parent` (the caller owns it when parent is null).
    static void clientFor(const Profile &profile, const QString &regionId,
        QNetworkAccessManager *network, SecretStore *secrets, QObject *parent,
        std::function<void(Result<azure::BlobClient *>)> done);

Q_SIGNALS:
    // Renewal failed: the lock may be taken by someone else now. Said once, at once when the
    // service refuses the renewal (broken, taken), and for a renewal that got no answer only
    // when the next try would come after the lease ran out.
    void lost(const QString &reason);

private:
    void tryAcquire(const LockHolder &holder, const QString &leaseId, bool mayCreate,
        std::function<void(Result<void>)> done);
    void writeHolder(
        const LockHolder &holder, const QString &leaseId, std::function<void(Result<void>)> done);
    void refuseHeld(std::function<void(Result<void>)> done);
    void renewNow();
    void answerLater(std::function<void(Result<void>)> done, Result<void> result);

    azure::BlobClient *m_client;
    QString m_container;
    int m_leaseMs;
    QString m_leaseId;
    bool m_held = false;
    bool m_renewing = false; // one renewal in flight at a time
    QElapsedTimer m_sinceRenewal;
    QTimer m_renew;
};

} // namespace dr
