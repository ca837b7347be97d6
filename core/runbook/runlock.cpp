#include "runlock.h"

#include "azure/entra.h"

#include "logging/logging.h"
#include "probes/tlsprobe.h"
#include "secrets/secretstore.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>

namespace dr {

namespace {

// The namespace of the run lock's name-based lease ids. Fixed for ever: changing it would make
// a resumed run of an older version a stranger to its own lock.
const QUuid kLeaseNamespace(QStringLiteral("{5b0f4d6e-3c1a-4f0b-9a51-7d2e8c4b1f03}"));

constexpr int kMaxHolderBytes = 64 * 1024;
// A retried renewal must reach the service this long before the lease runs out.
constexpr int kRenewMarginMs = 1000;

QString iso(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODate) : QString();
}

} // namespace

QJsonObject LockHolder::toJson() const
{
    return QJsonObject { { QStringLiteral("operator"), operatorName },
        { QStringLiteral("host"), host }, { QStringLiteral("runId"), runId },
        { QStringLiteral("runKind"), runKind }, { QStringLiteral("since"), iso(since) } };
}

std::optional<LockHolder> LockHolder::fromJson(const QByteArray &json)
{
    if (json.size() > kMaxHolderBytes)
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    const QJsonObject o = doc.object();
    LockHolder h;
    h.operatorName = o.value(QStringLiteral("operator")).toString();
    h.host = o.value(QStringLiteral("host")).toString();
    h.runId = o.value(QStringLiteral("runId")).toString();
    h.runKind = o.value(QStringLiteral("runKind")).toString();
    h.since = QDateTime::fromString(o.value(QStringLiteral("since")).toString(), Qt::ISODate);
    if (h.operatorName.isEmpty() && h.host.isEmpty() && h.runId.isEmpty())
        return std::nullopt;
    return h;
}

QString LockHolder::describe() const
{
    const QString who
        = operatorName.isEmpty() ? QStringLiteral("an unknown operator") : operatorName;
    QString out = who + QStringLiteral(" on host ") + (host.isEmpty() ? QStringLiteral("?") : host);
    if (!runId.isEmpty()) {
        out += QStringLiteral(", run ") + runId;
        if (!runKind.isEmpty())
            out += QStringLiteral(" (") + runKind + u')';
    }
    if (since.isValid())
        out += QStringLiteral(" since ") + iso(since);
    return out;
}

RunLock::RunLock(azure::BlobClient *client, const QString &container, int leaseMs, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_container(container)
    , m_leaseMs(leaseMs)
{
    m_renew.setSingleShot(false);
    connect(&m_renew, &QTimer::timeout, this, &RunLock::renewNow);
}

void RunLock::renewNow()
{
    if (!m_held || m_renewing)
        return;
    m_renewing = true;
    QPointer<RunLock> self(this);
    m_client->leaseBlob(m_container, QString::fromLatin1(kBlobName), azure::LeaseAction::Renew,
        m_leaseId, 0, {}, [self](Result<azure::LeaseResult> r) {
            if (!self)
                return;
            self->m_renewing = false;
            if (!self->m_held)
                return;
            if (r) {
                self->m_sinceRenewal.start();
                return;
            }
            // The service said no (broken, taken): it is gone. No answer at all
            // (a blip) is retried at the next tick while the lease still lasts.
            const bool refused = !azure::BlobClient::serviceErrorCode(r.error()).isEmpty();
            const qint64 nextTry = self->m_sinceRenewal.elapsed() + self->m_renew.interval();
            if (!refused && nextTry + kRenewMarginMs < self->m_leaseMs) {
                log::get("runbook")->warn(
                    "run lock renewal failed, retrying: {}", r.error().toStdString());
                return;
            }
            self->m_held = false;
            self->m_renew.stop();
            emit self->lost(QStringLiteral("the run lock could not be renewed: %1").arg(r.error()));
        });
}

// The lease is not released here: that needs the network and an answer. It expires within
// leaseMs of the last renewal, and the same run takes it back with acquire().
RunLock::~RunLock() = default;

QUuid RunLock::leaseIdFor(const QString &runId)
{
    return QUuid::createUuidV5(kLeaseNamespace, runId);
}

void RunLock::answerLater(std::function<void(Result<void>)> done, Result<void> result)
{
    QPointer<RunLock> self(this);
    QMetaObject::invokeMethod(
        this,
        [self, done = std::move(done), result = std::move(result)] {
            if (self)
                done(result);
        },
        Qt::QueuedConnection);
}

void RunLock::acquire(const LockHolder &holder, std::function<void(Result<void>)> done)
{
    const int seconds = m_leaseMs / 1000;
    if (m_leaseMs % 1000 != 0 || seconds < 15 || seconds > 60)
        return answerLater(std::move(done),
            fail(QStringLiteral("the run lock's lease of %1 ms is not a whole number of "
                                "seconds between 15 and 60 (runbook.lockLeaseMs)")
                     .arg(m_leaseMs)));
    if (holder.runId.isEmpty())
        return answerLater(
            std::move(done), fail(QStringLiteral("the run lock needs the run id of its holder")));
    const QString leaseId = leaseIdFor(holder.runId).toString(QUuid::WithoutBraces);
    QPointer<RunLock> self(this);
    m_client->createContainer(m_container, [self, holder, leaseId, done](Result<bool> created) {
        if (!self)
            return;
        if (!created)
            return done(fail(
                QStringLiteral("cannot create the run lock's container: %1").arg(created.error())));
        self->tryAcquire(holder, leaseId, true, done);
    });
}

void RunLock::tryAcquire(const LockHolder &holder, const QString &leaseId, bool mayCreate,
    std::function<void(Result<void>)> done)
{
    QPointer<RunLock> self(this);
    const QString blob = QString::fromLatin1(kBlobName);
    m_client->leaseBlob(m_container, blob, azure::LeaseAction::Acquire, {}, m_leaseMs / 1000,
        leaseId, [self, holder, leaseId, mayCreate, blob, done](Result<azure::LeaseResult> r) {
            if (!self)
                return;
            if (r)
                return self->writeHolder(holder, leaseId, done);
            const QString code = azure::BlobClient::serviceErrorCode(r.error());
            if (code == u"BlobNotFound" && mayCreate) {
                // Written without a lease id: if another console created and leased it in the
                // meantime, this write is refused and the second acquire names that holder.
                self->m_client->putBlockBlob(self->m_container, blob, QByteArray(),
                    QStringLiteral("application/json"),
                    [self, holder, leaseId, done](Result<azure::WriteResult> w) {
                        if (!self)
                            return;
                        const QString wcode
                            = w ? QString() : azure::BlobClient::serviceErrorCode(w.error());
                        if (!w && wcode != u"LeaseIdMissing")
                            return done(fail(QStringLiteral("cannot create the run lock blob: %1")
                                                 .arg(w.error())));
                        self->tryAcquire(holder, leaseId, false, done);
                    });
                return;
            }
            if (code == u"LeaseAlreadyPresent") {
                // The service lets the holder acquire again with its own id; where that is
                // refused anyway, a renewal with our id tells whether it is ours.
                self->m_client->leaseBlob(self->m_container, blob, azure::LeaseAction::Renew,
                    leaseId, 0, {},
                    [self, holder, leaseId, done](Result<azure::LeaseResult> renewed) {
                        if (!self)
                            return;
                        if (renewed)
                            return self->writeHolder(holder, leaseId, done);
                        self->refuseHeld(done);
                    });
                return;
            }
            if (code.startsWith(QStringLiteral("LeaseIs"))) // breaking, broken: not free yet
                return self->refuseHeld(done);
            done(fail(QStringLiteral("cannot acquire the run lock: %1").arg(r.error())));
        });
}

void RunLock::writeHolder(
    const LockHolder &holder, const QString &leaseId, std::function<void(Result<void>)> done)
{
    m_leaseId = leaseId;
    m_held = true;
    m_sinceRenewal.start();
    m_renew.start(m_leaseMs / 3);
    QPointer<RunLock> self(this);
    const QByteArray json = QJsonDocument(holder.toJson()).toJson(QJsonDocument::Compact);
    m_client->putBlockBlob(m_container, QString::fromLatin1(kBlobName), json,
        QStringLiteral("application/json"), {}, leaseId,
        [self, leaseId, done](Result<azure::WriteResult> w) {
            if (!self)
                return;
            if (w)
                return done({});
            // Holding a lock nobody can attribute helps no one: give it back.
            const QString why = w.error();
            self->m_held = false;
            self->m_renew.stop();
            self->m_client->leaseBlob(self->m_container, QString::fromLatin1(kBlobName),
                azure::LeaseAction::Release, leaseId, 0, {},
                [self, why, done](Result<azure::LeaseResult>) {
                    if (self)
                        done(fail(
                            QStringLiteral("cannot write the run lock's holder: %1").arg(why)));
                });
        });
}

void RunLock::refuseHeld(std::function<void(Result<void>)> done)
{
    const int seconds = m_leaseMs / 1000;
    readHolder([done, seconds](Result<std::optional<LockHolder>> holder) {
        if (holder && *holder)
            return done(
                fail(QStringLiteral("the run lock is held by %1").arg((*holder)->describe())));
        done(fail(QStringLiteral("the run lock is held by an unknown holder (its lease expires "
                                 "within %1 s unless renewed)")
                      .arg(seconds)));
    });
}

void RunLock::release(std::function<void(Result<void>)> done)
{
    m_renew.stop();
    if (m_leaseId.isEmpty())
        return answerLater(std::move(done), {});
    const bool wasHeld = m_held;
    m_held = false;
    QPointer<RunLock> self(this);
    m_client->leaseBlob(m_container, QString::fromLatin1(kBlobName), azure::LeaseAction::Release,
        m_leaseId, 0, {}, [self, wasHeld, done](Result<azure::LeaseResult> r) {
            if (!self)
                return;
            if (r) {
                self->m_leaseId.clear();
                return done({});
            }
            const QString code = azure::BlobClient::serviceErrorCode(r.error());
            // Lost already (broken or taken): nothing of ours is left to give back.
            if (!wasHeld
                && (code == u"LeaseIdMismatchWithLeaseOperation"
                    || code == u"LeaseNotPresentWithLeaseOperation")) {
                self->m_leaseId.clear();
                return done({});
            }
            done(fail(QStringLiteral("cannot release the run lock: %1").arg(r.error())));
        });
}

void RunLock::readHolder(std::function<void(Result<std::optional<LockHolder>>)> done)
{
    QPointer<RunLock> self(this);
    m_client->getBlob(m_container, QString::fromLatin1(kBlobName),
        [self, done](Result<std::optional<azure::Blob>> blob) {
            if (!self)
                return;
            if (!blob)
                return done(fail(
                    QStringLiteral("cannot read the run lock's holder: %1").arg(blob.error())));
            if (!*blob)
                return done(std::optional<LockHolder>());
            done(LockHolder::fromJson((*blob)->data));
        });
}

void RunLock::clientFor(const Profile &profile, const QString &regionId,
    QNetworkAccessManager *network, SecretStore *secrets, QObject *parent,
    std::function<void(Result<azure::BlobClient *>)> done)
{
    // Always answered later, as every asynchronous call here; the context keeps a gone parent
    // from being called back.
    QObject *context = parent ? parent
        : secrets             ? static_cast<QObject *>(secrets)
                              : QCoreApplication::instance();
    const auto later = [context, done](const QString &error) {
        QMetaObject::invokeMethod(
            context, [done, error] { done(fail(error)); }, Qt::QueuedConnection);
    };
    if (!network || !secrets)
        return later(
            QStringLiteral("the run lock needs a network access manager and a secret store"));
    const Region *region = profile.region(regionId);
    if (!region)
        return later(
            QStringLiteral("the profile has no region \"%1\" for the run lock").arg(regionId));
    const Component *storage = nullptr;
    for (const Component &c : region->components) {
        if (c.storage) {
            storage = &c;
            break;
        }
    }
    if (!storage)
        return later(QStringLiteral("region %1 has no storage component (one with \"storage\" "
                                    "settings) to hold the run lock")
                         .arg(regionId));
    const QString where = regionId + u'/' + storage->id;
    const QUrl endpoint = storage->endpoint;
    const QString account = storage->storage->accountName;
    QList<QSslCertificate> cas;
    for (const QString &path : profile.caCertificates)
        cas += TlsProbe::loadCaFile(path);
    QPointer<QObject> alive(parent);
    const bool hadParent = parent != nullptr;
    if (storage->storage->entra()) {
        // The app's token instead of the account key: a token source per client, whose tokens
        // the keychain cache shares between them.
        if (!profile.azure || !profile.azure->clientSecret)
            return later(QStringLiteral("%1 uses storage auth entra: the profile needs an \"azure\" "
                                        "section with a clientSecret")
                             .arg(where));
        auto *tokens = new EntraTokenSource(network, secrets, entraSettings(*profile.azure, cas));
        const auto credential = azure::StorageCredential::fromTokens(account, tokens, profile.azure->storageScope);
        if (!credential) {
            delete tokens;
            return later(QStringLiteral("the token credential of %1: %2").arg(where, credential.error()));
        }
        auto *client = new azure::BlobClient(network, endpoint, *credential, parent);
        tokens->setParent(client); // lives as long as the client that uses it
        client->setCaCertificates(cas);
        QMetaObject::invokeMethod(context, [done, client] { done(client); }, Qt::QueuedConnection);
        return;
    }
    secrets->read(storage->storage->accountKey,
        [network, parent, alive, hadParent, where, endpoint, account, cas, done](
            Result<QByteArray> key) {
            if (hadParent && !alive)
                return;
            if (!key)
                return done(fail(QStringLiteral("cannot read the account key of %1: %2")
                                     .arg(where, key.error())));
            const auto credential = azure::StorageCredential::fromBase64(account, key->trimmed());
            if (!credential)
                return done(fail(
                    QStringLiteral("the account key of %1: %2").arg(where, credential.error())));
            auto *client = new azure::BlobClient(network, endpoint, *credential, parent);
            client->setCaCertificates(cas);
            done(client);
        });
}

} // namespace dr
