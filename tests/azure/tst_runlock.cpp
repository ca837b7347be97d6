// RunLock against a real Azurite over HTTPS: a blob lease taken, refused to a second run with
// the holder named, taken back by the same run after a crash, kept alive by renewals beyond
// its duration, and reported lost when someone breaks it. clientFor() builds its client from a
// profile and a secret store, as a console would.

#include "azure/blobclient.h"
#include "azuretestutil.h"
#include "profile/profile.h"
#include "runbook/runlock.h"
#include "secrets/secretstore.h"

#include <QFile>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::azure;
using namespace dr::test;

class tst_RunLock : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void leaseIdFor();
    void holderJson();
    void holderDescribe();
    void acquireAndRelease();
    void secondRunRefusedWithTheHolderNamed();
    void unknownHolder();
    void sameRunTakesItBack();
    void renewalKeepsItBeyondTheLeaseTime();
    void lostWhenBroken();
    void refusesBadSettings();
    void clientForRegion();
    void clientForErrors();

private:
    BlobClient *client();
    LockHolder holder(
        const QString &runId, const QString &operatorName = QStringLiteral("lab-operator")) const;
    Result<void> acquire(RunLock &lock, const LockHolder &h);
    Result<void> release(RunLock &lock);

    std::unique_ptr<TestPki> m_pki;
    std::unique_ptr<AzuriteProcess> m_azurite;
    QNetworkAccessManager *m_network = nullptr;
    QByteArray m_key;
    QTemporaryDir m_dir;
};

void tst_RunLock::initTestCase()
{
    m_pki = std::make_unique<TestPki>();
    QVERIFY2(m_pki->isValid(), qPrintable(m_pki->error()));
    m_key = QByteArray(64, 'r').toBase64();
    QString error;
    m_azurite = startAzurite(*m_pki, QStringLiteral("azurite"), m_key, &error);
    QVERIFY2(m_azurite, qPrintable(error));
    m_network = new QNetworkAccessManager(this);
}

void tst_RunLock::cleanupTestCase()
{
    m_azurite.reset();
}

BlobClient *tst_RunLock::client()
{
    const auto credential = StorageCredential::fromBase64(QStringLiteral("drlabstore"), m_key);
    auto *c = new BlobClient(m_network, m_azurite->endpoint(), *credential, this);
    c->setCaCertificates(caOf(*m_pki));
    return c;
}

LockHolder tst_RunLock::holder(const QString &runId, const QString &operatorName) const
{
    LockHolder h;
    h.operatorName = operatorName;
    h.host = QStringLiteral("nocws-3");
    h.runId = runId;
    h.runKind = QStringLiteral("planned-failover");
    h.since = QDateTime(QDate(2025, 3, 1), QTime(10, 0), Qt::UTC);
    return h;
}

Result<void> tst_RunLock::acquire(RunLock &lock, const LockHolder &h)
{
    return await<void>([&](auto done) { lock.acquire(h, done); });
}

Result<void> tst_RunLock::release(RunLock &lock)
{
    return await<void>([&](auto done) { lock.release(done); });
}

void tst_RunLock::leaseIdFor()
{
    const QUuid a = RunLock::leaseIdFor(QStringLiteral("run-1"));
    QCOMPARE(a, RunLock::leaseIdFor(QStringLiteral("run-1")));
    QVERIFY(a != RunLock::leaseIdFor(QStringLiteral("run-2")));
    QCOMPARE(a.version(), QUuid::Sha1);
    QVERIFY(!a.isNull());
}

void tst_RunLock::holderJson()
{
    const LockHolder h = holder(QStringLiteral("R1"));
    const auto back = LockHolder::fromJson(QJsonDocument(h.toJson()).toJson());
    QVERIFY(back);
    QCOMPARE(back->operatorName, h.operatorName);
    QCOMPARE(back->host, h.host);
    QCOMPARE(back->runId, h.runId);
    QCOMPARE(back->runKind, h.runKind);
    QCOMPARE(back->since, h.since);
    QVERIFY(!LockHolder::fromJson(QByteArray()));
    QVERIFY(!LockHolder::fromJson(QByteArrayLiteral("not json")));
    QVERIFY(!LockHolder::fromJson(QByteArrayLiteral("[1]")));
    QVERIFY(!LockHolder::fromJson(QByteArrayLiteral("{}")));
}

void tst_RunLock::holderDescribe()
{
    QCOMPARE(holder(QStringLiteral("R")).describe(),
        QStringLiteral(
            "lab-operator on host nocws-3, run R (planned-failover) since 2025-03-01T10:00:00Z"));
    LockHolder partial;
    partial.host = QStringLiteral("h");
    QCOMPARE(partial.describe(), QStringLiteral("an unknown operator on host h"));
}

void tst_RunLock::acquireAndRelease()
{
    BlobClient *c = client();
    const QString container = QStringLiteral("lock-basic");
    RunLock lock(c, container, 15000);
    QVERIFY(!lock.isHeld());
    DR_VERIFY_OK(acquire(lock, holder(QStringLiteral("R1"))));
    QVERIFY(lock.isHeld());

    // The blob names the holder, for whoever is refused.
    auto read = await<std::optional<LockHolder>>([&](auto done) { lock.readHolder(done); });
    DR_VERIFY_OK(read);
    QVERIFY(read->has_value());
    QCOMPARE((*read)->runId, QStringLiteral("R1"));
    QCOMPARE((*read)->operatorName, QStringLiteral("lab-operator"));

    // Leased with the run's own id: a stranger cannot write it.
    auto intruder = await<WriteResult>([&](auto done) {
        c->putBlockBlob(container, QString::fromLatin1(RunLock::kBlobName), QByteArrayLiteral("{}"),
            QString(), done);
    });
    QVERIFY(!intruder);
    QCOMPARE(BlobClient::serviceErrorCode(intruder.error()), QStringLiteral("LeaseIdMissing"));

    DR_VERIFY_OK(release(lock));
    QVERIFY(!lock.isHeld());
    // The blob stays; the lease is free for the next run.
    auto props = await<std::optional<BlobItem>>([&](auto done) {
        c->getBlobProperties(container, QString::fromLatin1(RunLock::kBlobName), done);
    });
    DR_VERIFY_OK(props);
    QVERIFY(props->has_value());
    RunLock next(c, container, 15000);
    DR_VERIFY_OK(acquire(next, holder(QStringLiteral("R2"))));
    DR_VERIFY_OK(release(next));
    // Releasing what is not held is nothing to do.
    DR_VERIFY_OK(release(next));
}

void tst_RunLock::secondRunRefusedWithTheHolderNamed()
{
    const QString container = QStringLiteral("lock-refused");
    RunLock first(client(), container, 15000);
    DR_VERIFY_OK(acquire(first, holder(QStringLiteral("R1"))));
    // Another console, its own client.
    RunLock second(client(), container, 15000);
    const auto r = acquire(second, holder(QStringLiteral("R2"), QStringLiteral("night-shift")));
    QVERIFY(!r);
    QCOMPARE(r.error(),
        QStringLiteral(
            "the run lock is held by lab-operator on host nocws-3, run R1 (planned-failover) "
            "since 2025-03-01T10:00:00Z"));
    QVERIFY(!second.isHeld());
    QVERIFY(first.isHeld());
    DR_VERIFY_OK(release(first));
    DR_VERIFY_OK(acquire(second, holder(QStringLiteral("R2"), QStringLiteral("night-shift"))));
    DR_VERIFY_OK(release(second));
}

void tst_RunLock::unknownHolder()
{
    // Leased by something that never wrote a holder (an older tool, a hand-made lease).
    BlobClient *c = client();
    const QString container = QStringLiteral("lock-unknown");
    const QString blob = QString::fromLatin1(RunLock::kBlobName);
    QVERIFY(await<bool>([&](auto done) { c->createContainer(container, done); }).has_value());
    DR_VERIFY_OK(await<WriteResult>(
        [&](auto done) { c->putBlockBlob(container, blob, QByteArray(), QString(), done); }));
    const QString other = QUuid::createUuid().toString(QUuid::WithoutBraces);
    DR_VERIFY_OK(await<LeaseResult>([&](auto done) {
        c->leaseBlob(container, blob, LeaseAction::Acquire, {}, 15, other, done);
    }));
    RunLock lock(c, container, 15000);
    const auto r = acquire(lock, holder(QStringLiteral("R1")));
    QVERIFY(!r);
    QCOMPARE(r.error(),
        QStringLiteral("the run lock is held by an unknown holder (its lease expires within 15 s "
                       "unless renewed)"));
    DR_VERIFY_OK(await<LeaseResult>([&](auto done) {
        c->leaseBlob(container, blob, LeaseAction::Release, other, 0, {}, done);
    }));
}

void tst_RunLock::sameRunTakesItBack()
{
    const QString container = QStringLiteral("lock-resume");
    {
        // The console dies holding the lock: no release.
        auto crashed = std::make_unique<RunLock>(client(), container, 15000);
        DR_VERIFY_OK(acquire(*crashed, holder(QStringLiteral("R1"))));
    }
    RunLock other(client(), container, 15000);
    QVERIFY(!acquire(other, holder(QStringLiteral("R9"))));
    // `drctl resume --run R1` on any workstation: the same lease id, so the lock is its own.
    RunLock resumed(client(), container, 15000);
    LockHolder again = holder(QStringLiteral("R1"), QStringLiteral("day-shift"));
    DR_VERIFY_OK(acquire(resumed, again));
    QVERIFY(resumed.isHeld());
    auto read = await<std::optional<LockHolder>>([&](auto done) { resumed.readHolder(done); });
    DR_VERIFY_OK(read);
    QVERIFY(read->has_value());
    QCOMPARE((*read)->operatorName, QStringLiteral("day-shift"));
    DR_VERIFY_OK(release(resumed));
}

void tst_RunLock::renewalKeepsItBeyondTheLeaseTime()
{
    const QString container = QStringLiteral("lock-renewed");
    BlobClient *c = client();
    c->setTimeoutMs(2000);
    RunLock lock(c, container, 15000);
    QSignalSpy lost(&lock, &RunLock::lost);
    DR_VERIFY_OK(acquire(lock, holder(QStringLiteral("R1"))));
    // A blip: the storage hangs through the first renewal (at 5 s, timing out at 7 s). The
    // lease still lasts until 15 s, so the lock is not given up: the next tick renews it.
    QTest::qWait(1000);
    QVERIFY(m_azurite->pause());
    QTest::qWait(6000);
    QVERIFY(m_azurite->resume());
    QCOMPARE(lost.count(), 0);
    // Past the 15 s lease: only renewals (every 5 s) keep it.
    QTest::qWait(10000);
    RunLock other(client(), container, 15000);
    const auto r = acquire(other, holder(QStringLiteral("R2")));
    QVERIFY(!r);
    QVERIFY2(r.error().startsWith(QStringLiteral("the run lock is held by lab-operator")),
        qPrintable(r.error()));
    QCOMPARE(lost.count(), 0);
    QVERIFY(lock.isHeld());
    DR_VERIFY_OK(release(lock));
}

void tst_RunLock::lostWhenBroken()
{
    BlobClient *c = client();
    const QString container = QStringLiteral("lock-broken");
    RunLock lock(c, container, 15000);
    QSignalSpy lost(&lock, &RunLock::lost);
    DR_VERIFY_OK(acquire(lock, holder(QStringLiteral("R1"))));
    // Someone breaks it (as an administrator would, from the portal).
    DR_VERIFY_OK(await<LeaseResult>([&](auto done) {
        c->leaseBlob(container, QString::fromLatin1(RunLock::kBlobName), LeaseAction::Break, {}, 0,
            {}, done);
    }));
    QTRY_COMPARE_WITH_TIMEOUT(lost.count(), 1, 7000);
    QVERIFY2(lost.first().first().toString().startsWith(
                 QStringLiteral("the run lock could not be renewed: ")),
        qPrintable(lost.first().first().toString()));
    QVERIFY(!lock.isHeld());
    QTest::qWait(100);
    QCOMPARE(lost.count(), 1); // said once, not at every tick
    // The broken lease is free: another run takes it.
    RunLock other(c, container, 15000);
    DR_VERIFY_OK(acquire(other, holder(QStringLiteral("R2"))));
    DR_VERIFY_OK(release(other));
    DR_VERIFY_OK(release(lock)); // nothing of ours is left to give back
}

void tst_RunLock::refusesBadSettings()
{
    RunLock tooShort(client(), QStringLiteral("lock-bad"), 10000);
    auto r = acquire(tooShort, holder(QStringLiteral("R1")));
    QVERIFY(!r);
    QCOMPARE(r.error(),
        QStringLiteral(
            "the run lock's lease of 10000 ms is not a whole number of seconds between 15 "
            "and 60 (runbook.lockLeaseMs)"));
    RunLock ok(client(), QStringLiteral("lock-bad"), 15000);
    r = acquire(ok, holder(QString()));
    QVERIFY(!r);
    QCOMPARE(r.error(), QStringLiteral("the run lock needs the run id of its holder"));
    RunLock badContainer(client(), QStringLiteral("Bad_Container"), 15000);
    r = acquire(badContainer, holder(QStringLiteral("R1")));
    QVERIFY(!r);
    QVERIFY2(r.error().startsWith(QStringLiteral("cannot create the run lock's container: ")),
        qPrintable(r.error()));
}

namespace {
Profile labProfile(const QUrl &endpoint, const QString &keyFile, const QString &caPath)
{
    // Built in place: copying a Component trips a GCC 12 false -Wmaybe-uninitialized.
    Profile p;
    p.regions.resize(2);
    Region &west = p.regions[0];
    west.id = QStringLiteral("west");
    west.components.resize(2);
    west.components[0].id = QStringLiteral("bot-api");
    west.components[0].kind = QStringLiteral("bot-api");
    Component &storage = west.components[1];
    storage.id = QStringLiteral("storage");
    storage.kind = QStringLiteral("storage");
    storage.endpoint = endpoint;
    storage.storage.emplace();
    storage.storage->accountName = QStringLiteral("drlabstore");
    storage.storage->accountKey = SecretRef { SecretRef::Source::File, keyFile };
    Region &north = p.regions[1];
    north.id = QStringLiteral("north");
    north.role = RegionRole::Secondary;
    north.components.resize(1);
    north.components[0].id = QStringLiteral("bot-api");
    north.components[0].kind = QStringLiteral("bot-api");
    p.caCertificates = { caPath };
    return p;
}
} // namespace

void tst_RunLock::clientForRegion()
{
    const QString keyFile = m_dir.filePath(QStringLiteral("west.key"));
    QFile f(keyFile);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(m_key + '\n');
    f.close();
    QVERIFY(f.setPermissions(QFile::ReadOwner | QFile::WriteOwner));
    const Profile p = labProfile(m_azurite->endpoint(), keyFile, m_pki->caCertPath());
    SecretStore secrets;
    auto made = await<BlobClient *>([&](auto done) {
        RunLock::clientFor(p, QStringLiteral("west"), m_network, &secrets, this, done);
    });
    DR_VERIFY_OK(made);
    BlobClient *c = *made;
    QCOMPARE(c->parent(), this);
    QCOMPARE(c->accountName(), QStringLiteral("drlabstore"));
    // Trusts the profile's CA and signs with the key from the store: the lock works through it.
    RunLock lock(c, QStringLiteral("lock-profile"), 15000);
    DR_VERIFY_OK(acquire(lock, holder(QStringLiteral("R1"))));
    DR_VERIFY_OK(release(lock));
}

void tst_RunLock::clientForErrors()
{
    const Profile p = labProfile(
        m_azurite->endpoint(), m_dir.filePath(QStringLiteral("missing.key")), m_pki->caCertPath());
    SecretStore secrets;
    const auto attempt = [&](const QString &region) {
        return await<BlobClient *>(
            [&](auto done) { RunLock::clientFor(p, region, m_network, &secrets, this, done); });
    };
    auto r = attempt(QStringLiteral("east"));
    QVERIFY(!r);
    QCOMPARE(r.error(), QStringLiteral("the profile has no region \"east\" for the run lock"));
    r = attempt(QStringLiteral("north"));
    QVERIFY(!r);
    QCOMPARE(r.error(),
        QStringLiteral("region north has no storage component (one with \"storage\" settings) to "
                       "hold the run lock"));
    r = attempt(QStringLiteral("west"));
    QVERIFY(!r);
    QVERIFY2(r.error().startsWith(QStringLiteral("cannot read the account key of west/storage: ")),
        qPrintable(r.error()));
    QVERIFY(!r.error().contains(QString::fromLatin1(m_key)));
}

QTEST_MAIN(tst_RunLock)
#include "tst_runlock.moc"
