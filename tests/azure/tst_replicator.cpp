// The lab's storage replicator between two real Azurites (West primary, North replica, one
// account name and key as the lab runs them): copies, updates, deletes, append blobs; lag that
// holds changes back and shows in Last Sync Time; a Last Sync Time that is true while writes
// keep coming; status bootstrap -> live -> unavailable -> live.

#include "azuretestutil.h"
#include "storage/replicator.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using namespace dr;
using namespace dr::azure;
using namespace dr::test;
using drlab::Replicator;
using drlab::StorageEndpoint;

Q_DECLARE_METATYPE(dr::azure::GeoReplicationStats)

class tst_Replicator : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void copiesNewChangedAndDeleted();
    void restartedReplicatorDoesNotCopyAgain();
    void excludedContainersAreLeftAlone();
    void lagHoldsChangesBack();
    void lastSyncTimeHoldsUnderConcurrentWrites();
    void largeBlobHoldsLastSyncTimeBack();
    void statusTransitions();

private:
    StorageEndpoint endpoint(const AzuriteProcess &azurite) const;
    std::unique_ptr<Replicator> replicator(int pollMs = 200);
    Result<WriteResult> put(const QString &container, const QString &name, const QByteArray &data);
    Result<std::optional<Blob>> replicaBlob(const QString &container, const QString &name);
    bool waitForReplica(const QString &container, const QString &name,
        const std::function<bool(const std::optional<Blob> &)> &ok, int timeoutMs = 10000);

    std::unique_ptr<TestPki> m_pki;
    std::unique_ptr<AzuriteProcess> m_west;
    std::unique_ptr<AzuriteProcess> m_north;
    QNetworkAccessManager *m_network = nullptr;
    BlobClient *m_primary = nullptr;
    BlobClient *m_replica = nullptr;
    QByteArray m_key;
};

StorageEndpoint tst_Replicator::endpoint(const AzuriteProcess &azurite) const
{
    return { azurite.endpoint(), *StorageCredential::fromBase64(azurite.accountName(), m_key),
        caOf(*m_pki) };
}

std::unique_ptr<Replicator> tst_Replicator::replicator(int pollMs)
{
    auto r = std::make_unique<Replicator>(endpoint(*m_west), endpoint(*m_north));
    r->setPollIntervalMs(pollMs);
    r->setRequestTimeoutMs(3000);
    return r;
}

Result<WriteResult> tst_Replicator::put(
    const QString &container, const QString &name, const QByteArray &data)
{
    return await<WriteResult>([&](auto done) {
        m_primary->putBlockBlob(container, name, data, QStringLiteral("text/plain"), done);
    });
}

Result<std::optional<Blob>> tst_Replicator::replicaBlob(
    const QString &container, const QString &name)
{
    return await<std::optional<Blob>>(
        [&](auto done) { m_replica->getBlob(container, name, done); });
}

bool tst_Replicator::waitForReplica(const QString &container, const QString &name,
    const std::function<bool(const std::optional<Blob> &)> &ok, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        const auto blob = replicaBlob(container, name);
        if (blob && ok(*blob))
            return true;
        QTest::qWait(50);
    }
    return false;
}

void tst_Replicator::initTestCase()
{
    qRegisterMetaType<dr::azure::GeoReplicationStats>();
    m_pki = std::make_unique<TestPki>();
    QVERIFY2(m_pki->isValid(), qPrintable(m_pki->error()));
    m_key = QByteArray(64, 'r').toBase64();
    QString error;
    m_west = startAzurite(*m_pki, QStringLiteral("west"), m_key, &error);
    QVERIFY2(m_west, qPrintable(error));
    m_north = startAzurite(*m_pki, QStringLiteral("north"), m_key, &error);
    QVERIFY2(m_north, qPrintable(error));
    m_network = new QNetworkAccessManager(this);
    const auto credential = *StorageCredential::fromBase64(QStringLiteral("drlabstore"), m_key);
    m_primary = new BlobClient(m_network, m_west->endpoint(), credential, this);
    m_primary->setCaCertificates(caOf(*m_pki));
    m_replica = new BlobClient(m_network, m_north->endpoint(), credential, this);
    m_replica->setCaCertificates(caOf(*m_pki));
}

void tst_Replicator::cleanupTestCase()
{
    m_west.reset();
    m_north.reset();
}

void tst_Replicator::copiesNewChangedAndDeleted()
{
    const QString c = QStringLiteral("transcripts");
    DR_VERIFY_OK(await<bool>([&](auto done) { m_primary->createContainer(c, done); }));
    const auto a = await<WriteResult>([&](auto done) {
        m_primary->putBlockBlob(c, QStringLiteral("a.json"), "one",
            QStringLiteral("application/json"),
            { { QStringLiteral("origin"), QStringLiteral("west") } }, done);
    });
    DR_VERIFY_OK(a);
    DR_VERIFY_OK(put(c, QStringLiteral("dir/b.txt"), "bee"));
    DR_VERIFY_OK(await<WriteResult>([&](auto done) {
        m_primary->createAppendBlob(
            c, QStringLiteral("audit.log"), QStringLiteral("text/plain"), {}, done);
    }));
    DR_VERIFY_OK(await<WriteResult>([&](auto done) {
        m_primary->appendBlock(c, QStringLiteral("audit.log"), "1\n", 0, done);
    }));
    DR_VERIFY_OK(await<WriteResult>([&](auto done) {
        m_primary->appendBlock(c, QStringLiteral("audit.log"), "2\n", 2, done);
    }));
    DR_VERIFY_OK(await<bool>(
        [&](auto done) { m_primary->createContainer(QStringLiteral("emptyone"), done); }));

    auto r = replicator();
    QCOMPARE(r->stats().status, QStringLiteral("bootstrap"));
    QVERIFY(!r->stats().lastSyncTime.isValid());
    r->start();

    QVERIFY(waitForReplica(
        c, QStringLiteral("a.json"), [](const auto &b) { return b && b->data == "one"; }));
    const auto copyA = replicaBlob(c, QStringLiteral("a.json"));
    DR_VERIFY_OK(copyA);
    const BlobItem &props = (*copyA)->properties;
    QCOMPARE(props.contentType, QStringLiteral("application/json"));
    QCOMPARE(props.metadata.value(QStringLiteral("origin")), QStringLiteral("west"));
    QCOMPARE(props.metadata.value(QLatin1String(Replicator::kSourceEtagKey)), a->etag);
    QVERIFY(waitForReplica(
        c, QStringLiteral("dir/b.txt"), [](const auto &b) { return b && b->data == "bee"; }));
    QVERIFY(waitForReplica(c, QStringLiteral("audit.log"), [](const auto &b) {
        return b && b->data == "1\n2\n" && b->properties.blobType == u"AppendBlob";
    }));
    const auto containers
        = await<QList<ContainerItem>>([&](auto done) { m_replica->listAllContainers(done); });
    DR_VERIFY_OK(containers);
    QVERIFY(std::any_of(containers->cbegin(), containers->cend(),
        [](const auto &x) { return x.name == u"emptyone"; }));
    QTRY_COMPARE_WITH_TIMEOUT(r->stats().status, QStringLiteral("live"), 5000);

    // Changed on the primary: changed on the replica.
    DR_VERIFY_OK(put(c, QStringLiteral("a.json"), "two"));
    QVERIFY(waitForReplica(
        c, QStringLiteral("a.json"), [](const auto &b) { return b && b->data == "two"; }));
    DR_VERIFY_OK(await<WriteResult>([&](auto done) {
        m_primary->appendBlock(c, QStringLiteral("audit.log"), "3\n", 4, done);
    }));
    QVERIFY(waitForReplica(
        c, QStringLiteral("audit.log"), [](const auto &b) { return b && b->data == "1\n2\n3\n"; }));

    // Deleted on the primary: deleted on the replica.
    DR_VERIFY_OK(await<bool>(
        [&](auto done) { m_primary->deleteBlob(c, QStringLiteral("dir/b.txt"), done); }));
    QVERIFY(waitForReplica(
        c, QStringLiteral("dir/b.txt"), [](const auto &b) { return !b.has_value(); }));

    // In sync, nothing is copied again.
    QSignalSpy passes(r.get(), &Replicator::passFinished);
    QVERIFY(passes.wait(3000));
    const qint64 copied = r->counters().blobsCopied;
    QVERIFY(passes.wait(3000));
    QVERIFY(passes.wait(3000));
    QCOMPARE(r->counters().blobsCopied, copied);
    QVERIFY(copied >= 5);
    QVERIFY(r->counters().blobsDeleted >= 1);
    QVERIFY(r->counters().bytesCopied >= 3 + 3 + 4);
    QCOMPARE(r->counters().failedPasses, 0);

    // A container deleted on the primary goes on the replica too.
    DR_VERIFY_OK(await<bool>(
        [&](auto done) { m_primary->deleteContainer(QStringLiteral("emptyone"), done); }));
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
        const auto now
            = await<QList<ContainerItem>>([&](auto done) { m_replica->listAllContainers(done); });
        return now && std::none_of(now->cbegin(), now->cend(), [](const auto &x) {
            return x.name == u"emptyone";
        });
    }()),
        5000);
    r->stop();
}

void tst_Replicator::restartedReplicatorDoesNotCopyAgain()
{
    auto r = replicator();
    QSignalSpy passes(r.get(), &Replicator::passFinished);
    r->start();
    QVERIFY(passes.wait(5000));
    QCOMPARE(passes.at(0).at(0).toBool(), true);
    // Everything the previous replicator copied is known by its replica metadata.
    QCOMPARE(r->counters().blobsCopied, 0);
    QCOMPARE(r->stats().status, QStringLiteral("live"));
}

// A region's own container (the run lock's) on the replica side, leased as a running failover
// leaves it, is neither deleted nor overwritten, and replication stays live.
void tst_Replicator::excludedContainersAreLeftAlone()
{
    const QString lock = QStringLiteral("drconsole-lock");
    DR_VERIFY_OK(await<bool>([&](auto done) { m_replica->createContainer(lock, done); }));
    DR_VERIFY_OK(await<WriteResult>([&](auto done) {
        m_replica->putBlockBlob(lock, QStringLiteral("north.lock"), "north's own", QStringLiteral("text/plain"), done);
    }));
    DR_VERIFY_OK(await<LeaseResult>([&](auto done) {
        m_replica->leaseBlob(lock, QStringLiteral("north.lock"), LeaseAction::Acquire, QString(), -1, QString(), done);
    }));
    DR_VERIFY_OK(await<bool>([&](auto done) { m_primary->createContainer(lock, done); }));
    DR_VERIFY_OK(put(lock, QStringLiteral("west.lock"), "west's own"));

    auto r = replicator();
    r->setExcludedContainers({lock});
    QSignalSpy passes(r.get(), &Replicator::passFinished);
    r->start();
    QVERIFY(passes.wait(5000));
    QVERIFY(passes.wait(5000));
    QCOMPARE(passes.last().at(0).toBool(), true);
    QCOMPARE(r->stats().status, QStringLiteral("live"));
    const auto kept = replicaBlob(lock, QStringLiteral("north.lock"));
    QVERIFY(kept && *kept);
    QCOMPARE((*kept)->data, QByteArray("north's own"));
    const auto notCopied = replicaBlob(lock, QStringLiteral("west.lock"));
    QVERIFY(notCopied && !*notCopied);

    // Without the exclusion the leased blob stops replication: what the lab used to do.
    auto plain = replicator();
    QSignalSpy plainPasses(plain.get(), &Replicator::passFinished);
    plain->start();
    QVERIFY(plainPasses.wait(5000));
    QCOMPARE(plainPasses.at(0).at(0).toBool(), false);
    QCOMPARE(plain->stats().status, QStringLiteral("unavailable"));
    plain.reset();
    DR_VERIFY_OK(await<LeaseResult>([&](auto done) {
        m_replica->leaseBlob(lock, QStringLiteral("north.lock"), LeaseAction::Break, QString(), 0, QString(), done);
    }));
    DR_VERIFY_OK(await<bool>([&](auto done) { m_replica->deleteBlob(lock, QStringLiteral("north.lock"), done); }));
}

void tst_Replicator::lagHoldsChangesBack()
{
    const QString c = QStringLiteral("lagged");
    DR_VERIFY_OK(await<bool>([&](auto done) { m_primary->createContainer(c, done); }));
    auto r = replicator();
    r->setLagSeconds(2);
    QSignalSpy passes(r.get(), &Replicator::passFinished);
    r->start();
    QVERIFY(passes.wait(5000));
    QVERIFY(passes.wait(5000));

    // Last Sync Time trails now by the lag (plus at most a poll and a pass).
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const qint64 behind = r->stats().lastSyncTime.msecsTo(now);
    QCOMPARE(r->stats().status, QStringLiteral("live"));
    QVERIFY2(behind >= 2000 && behind <= 3500, qPrintable(QString::number(behind)));

    // A new blob appears on the replica no sooner than the lag.
    QElapsedTimer timer;
    timer.start();
    DR_VERIFY_OK(put(c, QStringLiteral("new.txt"), "late"));
    QVERIFY(waitForReplica(
        c, QStringLiteral("new.txt"), [](const auto &b) { return b.has_value(); }, 8000));
    const qint64 appeared = timer.elapsed();
    QVERIFY2(appeared >= 1900 && appeared <= 4500, qPrintable(QString::number(appeared)));

    // So does a deletion.
    timer.restart();
    DR_VERIFY_OK(
        await<bool>([&](auto done) { m_primary->deleteBlob(c, QStringLiteral("new.txt"), done); }));
    QVERIFY(waitForReplica(
        c, QStringLiteral("new.txt"), [](const auto &b) { return !b.has_value(); }, 8000));
    const qint64 deleted = timer.elapsed();
    QVERIFY2(deleted >= 1900 && deleted <= 4500, qPrintable(QString::number(deleted)));

    // Healing the fault: the replica catches up at once.
    r->setLagSeconds(0);
    DR_VERIFY_OK(put(c, QStringLiteral("prompt.txt"), "now"));
    timer.restart();
    QVERIFY(waitForReplica(
        c, QStringLiteral("prompt.txt"), [](const auto &b) { return b.has_value(); }, 5000));
    QVERIFY(timer.elapsed() < 1500);
    QTRY_VERIFY_WITH_TIMEOUT(
        r->stats().lastSyncTime.msecsTo(QDateTime::currentDateTimeUtc()) < 1500, 3000);
}

void tst_Replicator::lastSyncTimeHoldsUnderConcurrentWrites()
{
    const QString c = QStringLiteral("busy");
    DR_VERIFY_OK(await<bool>([&](auto done) { m_primary->createContainer(c, done); }));
    auto r = replicator(150);
    r->setLagSeconds(1);
    QSignalSpy statsSpy(r.get(), &Replicator::statsChanged);

    // A writer adding a blob every 100 ms while the replicator runs.
    int written = 0;
    QTimer writer;
    connect(&writer, &QTimer::timeout, this, [&] {
        m_primary->putBlockBlob(c, QStringLiteral("w-%1").arg(written++, 3, 10, QChar(u'0')), "x",
            QString(), [](Result<WriteResult>) {});
    });
    writer.start(100);
    r->start();

    int checks = 0;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 3500) {
        if (!statsSpy.wait(2000))
            continue;
        const auto stats = statsSpy.takeLast().at(0).value<GeoReplicationStats>();
        if (!stats.lastSyncTime.isValid())
            continue;
        // Every blob created (whole seconds, rounded down) a second before Last Sync Time must be
        // on the replica.
        const auto primary = await<QList<BlobItem>>(
            [&](auto done) { m_primary->listAllBlobs(c, {}, false, done); });
        const auto replica = await<QList<BlobItem>>(
            [&](auto done) { m_replica->listAllBlobs(c, {}, false, done); });
        DR_VERIFY_OK(primary);
        if (!replica)
            continue; // container not created on the replica yet
        QSet<QString> onReplica;
        for (const BlobItem &b : *replica)
            onReplica.insert(b.name);
        for (const BlobItem &b : *primary) {
            if (b.creationTime.addSecs(1) <= stats.lastSyncTime)
                QVERIFY2(onReplica.contains(b.name),
                    qPrintable(QStringLiteral("%1 created %2 missing at Last Sync Time %3")
                                   .arg(b.name, b.creationTime.toString(Qt::ISODate),
                                       stats.lastSyncTime.toString(Qt::ISODateWithMs))));
        }
        ++checks;
    }
    writer.stop();
    QVERIFY2(checks >= 3, qPrintable(QString::number(checks)));
    QVERIFY(written >= 20);
    QCOMPARE(r->counters().failedPasses, 0);
    r->stop();
}

void tst_Replicator::largeBlobHoldsLastSyncTimeBack()
{
    const QString c = QStringLiteral("large");
    DR_VERIFY_OK(await<bool>([&](auto done) { m_primary->createContainer(c, done); }));
    DR_VERIFY_OK(put(c, QStringLiteral("huge.bin"), QByteArray(4000, 'h')));
    const auto props = await<std::optional<BlobItem>>(
        [&](auto done) { m_primary->getBlobProperties(c, QStringLiteral("huge.bin"), done); });
    DR_VERIFY_OK(props);
    const QDateTime created = (*props)->creationTime;
    QTest::qWait(1500); // so that an unbounded Last Sync Time would be well past its creation

    auto r = replicator();
    r->setMaxBlobBytes(1000);
    QSignalSpy passes(r.get(), &Replicator::passFinished);
    r->start();
    QVERIFY(passes.wait(5000));
    QVERIFY(passes.wait(5000));
    QCOMPARE(r->stats().status, QStringLiteral("live"));
    QVERIFY(r->counters().blobsSkipped >= 1);
    QVERIFY2(r->counters().lastError.contains(QStringLiteral("large/huge.bin")),
        qPrintable(r->counters().lastError));
    // Never on the replica, so Last Sync Time cannot pass its creation.
    QVERIFY2(r->stats().lastSyncTime <= created.addSecs(1),
        qPrintable(r->stats().lastSyncTime.toString(Qt::ISODateWithMs) + u' '
            + created.toString(Qt::ISODate)));
    const auto copy = replicaBlob(c, QStringLiteral("huge.bin"));
    DR_VERIFY_OK(copy);
    QVERIFY(!copy->has_value());

    // Once it is gone from the primary, nothing holds Last Sync Time back.
    DR_VERIFY_OK(await<bool>(
        [&](auto done) { m_primary->deleteBlob(c, QStringLiteral("huge.bin"), done); }));
    QTRY_VERIFY_WITH_TIMEOUT(
        r->stats().lastSyncTime.msecsTo(QDateTime::currentDateTimeUtc()) < 1500, 5000);
    r->stop();
}

void tst_Replicator::statusTransitions()
{
    auto r = replicator();
    r->setRequestTimeoutMs(700);
    QSignalSpy statsSpy(r.get(), &Replicator::statsChanged);
    QCOMPARE(r->stats().status, QStringLiteral("bootstrap"));
    r->start();
    QVERIFY(statsSpy.wait(5000));
    QCOMPARE(r->stats().status, QStringLiteral("live"));
    QVERIFY(r->stats().lastSyncTime.isValid());

    // The primary goes away: unavailable, and the last Last Sync Time stays.
    m_west->stop();
    QTRY_COMPARE_WITH_TIMEOUT(r->stats().status, QStringLiteral("unavailable"), 5000);
    const QDateTime kept = r->stats().lastSyncTime;
    QVERIFY(kept.isValid());
    QVERIFY2(r->counters().lastError.contains(QStringLiteral("connection refused")),
        qPrintable(r->counters().lastError));
    QVERIFY(r->counters().failedPasses >= 1);
    QTest::qWait(600);
    QCOMPARE(r->stats().status, QStringLiteral("unavailable"));
    QCOMPARE(r->stats().lastSyncTime, kept);

    // Back (same port, same data): live again, and Last Sync Time moves on.
    QString error;
    QVERIFY2(m_west->start(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(r->stats().status, QStringLiteral("live"), 8000);
    QVERIFY(r->stats().lastSyncTime > kept);

    // A replica that hangs (paused, as the lab's component-down fault does): unavailable too.
    QVERIFY(m_north->pause());
    QTRY_COMPARE_WITH_TIMEOUT(r->stats().status, QStringLiteral("unavailable"), 5000);
    QVERIFY2(r->counters().lastError.contains(QStringLiteral("timed out")),
        qPrintable(r->counters().lastError));
    QVERIFY(m_north->resume());
    QTRY_COMPARE_WITH_TIMEOUT(r->stats().status, QStringLiteral("live"), 8000);
    r->stop();
}

QTEST_MAIN(tst_Replicator)
#include "tst_replicator.moc"
