// RemoteAuditCopy against two real Azurite processes (one per region, Shared Key over HTTPS):
// push and check both copies, a region down while entries are written (queued, then flushed),
// two pushers at once (no entry twice), a changed remote entry, a copy deleted, and the local
// trail replaced by an older copy of itself (the case the copy exists for). The slots build on
// one another in declaration order.

#include "../azure/azuretestutil.h"
#include "audit/audittrail.h"
#include "audit/remoteaudit.h"
#include "azure/blobclient.h"
#include "secrets/secretstore.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QSet>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::test;

namespace {

const QByteArray kAuditKey = QByteArrayLiteral("remote-audit-test-key-0123456789");

} // namespace

class tst_RemoteAudit : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void pushAndMatch();
    void regionDownQueuesThenFlushes();
    void concurrentPushersNeverDuplicate();
    void changedRemoteEntryDiffers();
    void deletedCopyIsMissingThenRestored();
    void olderLocalTrailIsFound();
    void backgroundPushCoalesces();

private:
    void append(int count);
    std::unique_ptr<RemoteAuditCopy> copy(const QByteArray &key = kAuditKey);
    Result<RemoteAuditPushReport> push(RemoteAuditCopy &c);
    Result<QList<RemoteAuditCheck>> verify(RemoteAuditCopy &c);
    azure::BlobClient *client(AzuriteProcess &azurite);
    QByteArray remoteBytes(AzuriteProcess &azurite);
    void snapshot(const QString &to);
    void restore(const QString &from);

    std::unique_ptr<TestPki> m_pki;
    std::unique_ptr<AzuriteProcess> m_west, m_north;
    QByteArray m_storageKey;
    QTemporaryDir m_dir;
    QString m_trail;
    Profile m_profile;
    QNetworkAccessManager *m_network = nullptr;
    SecretStore *m_secrets = nullptr;
    int m_appended = 0;
};

void tst_RemoteAudit::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_pki = std::make_unique<TestPki>();
    QVERIFY2(m_pki->isValid(), qPrintable(m_pki->error()));
    m_storageKey = QByteArray(64, 's').toBase64();
    QString error;
    m_west = startAzurite(*m_pki, QStringLiteral("west"), m_storageKey, &error);
    QVERIFY2(m_west, qPrintable(error));
    m_north = startAzurite(*m_pki, QStringLiteral("north"), m_storageKey, &error);
    QVERIFY2(m_north, qPrintable(error));
    m_network = new QNetworkAccessManager(this);
    m_secrets = new SecretStore(this);

    const QString keyFile = m_dir.filePath(QStringLiteral("storage.key"));
    QFile f(keyFile);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(m_storageKey);
    f.close();
    QVERIFY(f.setPermissions(QFile::ReadOwner | QFile::WriteOwner));

    m_profile.name = QStringLiteral("remote-test");
    m_profile.caCertificates = { m_pki->caCertPath() };
    const auto region = [&](const QString &id, RegionRole role, AzuriteProcess &azurite) {
        Region r;
        r.id = id;
        r.role = role;
        Component c;
        c.id = QStringLiteral("storage");
        c.kind = QStringLiteral("storage");
        c.endpoint = azurite.endpoint();
        c.storage = StorageSettings { azurite.accountName(),
            SecretRef { SecretRef::Source::File, keyFile }, {} };
        r.components.append(c);
        return r;
    };
    m_profile.regions.append(region(QStringLiteral("west"), RegionRole::Primary, *m_west));
    m_profile.regions.append(region(QStringLiteral("north"), RegionRole::Secondary, *m_north));
    m_trail = m_dir.filePath(QStringLiteral("audit.sqlite"));
}

void tst_RemoteAudit::cleanupTestCase()
{
    m_west.reset();
    m_north.reset();
}

void tst_RemoteAudit::append(int count)
{
    AuditTrail trail(m_trail, kAuditKey);
    auto opened = trail.open();
    QVERIFY2(opened.has_value(), qPrintable(opened ? QString() : opened.error()));
    for (int i = 0; i < count; ++i) {
        ++m_appended;
        auto e = trail.append(QStringLiteral("note"), QStringLiteral("alice"), QStringLiteral("run-1"),
            QStringLiteral("entry number %1 with some text").arg(m_appended),
            QJsonObject { { QStringLiteral("n"), m_appended } });
        QVERIFY2(e.has_value(), qPrintable(e ? QString() : e.error()));
    }
}

std::unique_ptr<RemoteAuditCopy> tst_RemoteAudit::copy(const QByteArray &key)
{
    auto c = std::make_unique<RemoteAuditCopy>(m_profile, key, m_network, m_secrets);
    c->setTrailPath(m_trail);
    return c;
}

Result<RemoteAuditPushReport> tst_RemoteAudit::push(RemoteAuditCopy &c)
{
    return await<RemoteAuditPushReport>([&](auto done) { c.push(done); }, 40000);
}

Result<QList<RemoteAuditCheck>> tst_RemoteAudit::verify(RemoteAuditCopy &c)
{
    return await<QList<RemoteAuditCheck>>([&](auto done) { c.verifyRemote(done); }, 40000);
}

azure::BlobClient *tst_RemoteAudit::client(AzuriteProcess &azurite)
{
    const auto credential = azure::StorageCredential::fromBase64(azurite.accountName(), m_storageKey);
    auto *c = new azure::BlobClient(m_network, azurite.endpoint(), *credential, this);
    c->setCaCertificates(caOf(*m_pki));
    return c;
}

QByteArray tst_RemoteAudit::remoteBytes(AzuriteProcess &azurite)
{
    azure::BlobClient *c = client(azurite);
    auto got = await<std::optional<azure::Blob>>([&](auto done) {
        c->getBlob(QString::fromLatin1(RemoteAuditCopy::kContainer),
            RemoteAuditCopy::blobName(m_profile), done);
    });
    c->deleteLater();
    if (!got || !*got)
        return {};
    return (*got)->data;
}

void tst_RemoteAudit::snapshot(const QString &to)
{
    // No AuditTrail is open here, so the WAL has been checkpointed into the file.
    QFile::remove(to);
    QVERIFY(!QFile::exists(m_trail + QStringLiteral("-wal"))
        || QFile(m_trail + QStringLiteral("-wal")).size() == 0);
    QVERIFY(QFile::copy(m_trail, to));
}

void tst_RemoteAudit::restore(const QString &from)
{
    QFile::remove(m_trail + QStringLiteral("-wal"));
    QFile::remove(m_trail + QStringLiteral("-shm"));
    QVERIFY(QFile::remove(m_trail));
    QVERIFY(QFile::copy(from, m_trail));
}

void tst_RemoteAudit::pushAndMatch()
{
    append(50);
    auto c = copy();
    auto report = push(*c);
    DR_VERIFY_OK(report);
    QCOMPARE(report->localEntries, 50);
    QCOMPARE(report->regions.size(), 2);
    for (const RemoteAuditPush &r : report->regions) {
        QVERIFY2(r.state == RemoteAuditPush::State::Pushed, qPrintable(r.regionId + u' ' + r.detail));
        QCOMPARE(r.pushed, 50);
        QCOMPARE(r.remoteEntries, 50);
    }
    QCOMPARE(report->regions.at(0).regionId, QStringLiteral("west"));

    // What is in the blob: one compact JSON entry per line, in seq order, as the trail has it.
    const QList<QByteArray> lines = remoteBytes(*m_north).split('\n');
    QCOMPARE(lines.size(), 51);
    QVERIFY(lines.last().isEmpty());
    const QJsonObject first = QJsonDocument::fromJson(lines.at(0)).object();
    QCOMPARE(first.value(QStringLiteral("seq")).toInteger(), 1);
    QCOMPARE(first.value(QStringLiteral("summary")).toString(),
        QStringLiteral("entry number 1 with some text"));
    QCOMPARE(first.value(QStringLiteral("prevHash")).toString(), QString(64, u'0'));
    QCOMPARE(QJsonDocument::fromJson(lines.at(49)).object().value(QStringLiteral("seq")).toInteger(), 50);

    auto checks = verify(*c);
    DR_VERIFY_OK(checks);
    QCOMPARE(checks->size(), 2);
    for (const RemoteAuditCheck &k : *checks) {
        QVERIFY2(k.state == RemoteAuditCheck::State::Matches, qPrintable(k.detail));
        QCOMPARE(k.remoteEntries, 50);
        QCOMPARE(k.detail, QStringLiteral("matches: 50 entries (local has 50; 0 not yet pushed)"));
    }

    // Nothing new: nothing appended.
    report = push(*c);
    DR_VERIFY_OK(report);
    for (const RemoteAuditPush &r : report->regions) {
        QVERIFY2(r.state == RemoteAuditPush::State::Pushed, qPrintable(r.detail));
        QCOMPARE(r.pushed, 0);
    }
    QCOMPARE(remoteBytes(*m_west).count('\n'), 50);

    // The key is checked: with another key every remote entry is "changed".
    auto wrongKey = copy(QByteArrayLiteral("another-key-another-key-another"));
    checks = verify(*wrongKey);
    DR_VERIFY_OK(checks);
    QCOMPARE(checks->at(0).state, RemoteAuditCheck::State::Differs);
    QCOMPARE(checks->at(0).firstSeq, 1);
}

void tst_RemoteAudit::regionDownQueuesThenFlushes()
{
    m_north->stop();
    append(20);
    auto c = copy();
    auto report = push(*c);
    DR_VERIFY_OK(report);
    QCOMPARE(report->localEntries, 70);
    QCOMPARE(report->regions.at(0).state, RemoteAuditPush::State::Pushed);
    QCOMPARE(report->regions.at(0).pushed, 20);
    QCOMPARE(report->regions.at(1).regionId, QStringLiteral("north"));
    QVERIFY2(report->regions.at(1).state == RemoteAuditPush::State::Unreachable,
        qPrintable(report->regions.at(1).detail));
    QVERIFY2(report->regions.at(1).detail.contains(QStringLiteral("connection refused")),
        qPrintable(report->regions.at(1).detail));

    auto checks = verify(*c);
    DR_VERIFY_OK(checks);
    QCOMPARE(checks->at(0).state, RemoteAuditCheck::State::Matches);
    QCOMPARE(checks->at(1).state, RemoteAuditCheck::State::Unreachable);
    QVERIFY(checks->at(1).detail.startsWith(QStringLiteral("unreachable: ")));

    QString error;
    QVERIFY2(m_north->start(&error), qPrintable(error));
    checks = verify(*c);
    DR_VERIFY_OK(checks);
    QCOMPARE(checks->at(1).state, RemoteAuditCheck::State::Matches);
    QCOMPARE(checks->at(1).detail, QStringLiteral("matches: 50 entries (local has 70; 20 not yet pushed)"));

    report = push(*c);
    DR_VERIFY_OK(report);
    QCOMPARE(report->regions.at(0).pushed, 0);
    QCOMPARE(report->regions.at(1).state, RemoteAuditPush::State::Pushed);
    QCOMPARE(report->regions.at(1).pushed, 20);
    checks = verify(*c);
    DR_VERIFY_OK(checks);
    for (const RemoteAuditCheck &k : *checks)
        QCOMPARE(k.detail, QStringLiteral("matches: 70 entries (local has 70; 0 not yet pushed)"));
}

void tst_RemoteAudit::concurrentPushersNeverDuplicate()
{
    append(30);
    // Two pushers (as two consoles would be) that both start from the same blob length: one of
    // them loses each append race and must skip what the other wrote.
    auto a = copy();
    auto b = copy();
    std::optional<Result<RemoteAuditPushReport>> ra, rb;
    a->push([&](Result<RemoteAuditPushReport> r) { ra = r; });
    b->push([&](Result<RemoteAuditPushReport> r) { rb = r; });
    QTRY_VERIFY_WITH_TIMEOUT(ra && rb, 40000);
    DR_VERIFY_OK(*ra);
    DR_VERIFY_OK(*rb);
    for (int i = 0; i < 2; ++i) {
        const RemoteAuditPush &x = (*ra)->regions.at(i);
        const RemoteAuditPush &y = (*rb)->regions.at(i);
        QVERIFY2(x.state == RemoteAuditPush::State::Pushed, qPrintable(x.detail));
        QVERIFY2(y.state == RemoteAuditPush::State::Pushed, qPrintable(y.detail));
        QCOMPARE(x.pushed + y.pushed, 30);
    }
    for (AzuriteProcess *azurite : { m_west.get(), m_north.get() }) {
        QSet<qint64> seqs;
        const QList<QByteArray> lines = remoteBytes(*azurite).split('\n');
        QCOMPARE(lines.size(), 101);
        for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
            const qint64 seq = QJsonDocument::fromJson(lines.at(i)).object().value(QStringLiteral("seq")).toInteger();
            QCOMPARE(seq, i + 1);
            seqs.insert(seq);
        }
        QCOMPARE(seqs.size(), 100);
    }
    auto checks = verify(*a);
    DR_VERIFY_OK(checks);
    for (const RemoteAuditCheck &k : *checks)
        QVERIFY2(k.state == RemoteAuditCheck::State::Matches, qPrintable(k.detail));

    // A stale cursor (another process wrote after it) is caught up by reading, not re-pushed.
    QVERIFY(QFile::remove(a->cursorPath()));
    append(1);
    auto report = push(*a);
    DR_VERIFY_OK(report);
    for (const RemoteAuditPush &r : report->regions) {
        QVERIFY2(r.state == RemoteAuditPush::State::Pushed, qPrintable(r.detail));
        QCOMPARE(r.pushed, 1);
        QCOMPARE(r.remoteEntries, 101);
    }
}

void tst_RemoteAudit::changedRemoteEntryDiffers()
{
    // Rewrite west's copy with entry 42's summary changed (same length, hash kept).
    QByteArray bytes = remoteBytes(*m_west);
    const QByteArray from = "entry number 42 with some text";
    QVERIFY(bytes.contains(from));
    bytes.replace(from, "entry number 42 with SOME text");
    azure::BlobClient *w = client(*m_west);
    const QString box = QString::fromLatin1(RemoteAuditCopy::kContainer);
    const QString name = RemoteAuditCopy::blobName(m_profile);
    DR_VERIFY_OK(await<bool>([&](auto done) { w->deleteBlob(box, name, done); }));
    DR_VERIFY_OK(await<azure::WriteResult>(
        [&](auto done) { w->createAppendBlob(box, name, {}, {}, done); }));
    DR_VERIFY_OK(await<azure::WriteResult>(
        [&](auto done) { w->appendBlock(box, name, bytes, qint64(0), done); }));

    auto c = copy();
    auto checks = verify(*c);
    DR_VERIFY_OK(checks);
    QCOMPARE(checks->at(0).state, RemoteAuditCheck::State::Differs);
    QCOMPARE(checks->at(0).firstSeq, 42);
    QVERIFY2(checks->at(0).detail.startsWith(QStringLiteral("DIFFERS at entry 42")),
        qPrintable(checks->at(0).detail));
    QCOMPARE(checks->at(0).remoteEntries, 41);
    QCOMPARE(checks->at(1).state, RemoteAuditCheck::State::Matches);

    // Put it back as it was, for the slots after this one.
    bytes.replace("entry number 42 with SOME text", from);
    DR_VERIFY_OK(await<bool>([&](auto done) { w->deleteBlob(box, name, done); }));
    DR_VERIFY_OK(await<azure::WriteResult>(
        [&](auto done) { w->createAppendBlob(box, name, {}, {}, done); }));
    DR_VERIFY_OK(await<azure::WriteResult>(
        [&](auto done) { w->appendBlock(box, name, bytes, qint64(0), done); }));
    checks = verify(*c);
    DR_VERIFY_OK(checks);
    QVERIFY2(checks->at(0).state == RemoteAuditCheck::State::Matches, qPrintable(checks->at(0).detail));
}

void tst_RemoteAudit::deletedCopyIsMissingThenRestored()
{
    azure::BlobClient *n = client(*m_north);
    DR_VERIFY_OK(await<bool>([&](auto done) {
        n->deleteBlob(QString::fromLatin1(RemoteAuditCopy::kContainer),
            RemoteAuditCopy::blobName(m_profile), done);
    }));
    auto c = copy();
    auto checks = verify(*c);
    DR_VERIFY_OK(checks);
    QCOMPARE(checks->at(1).state, RemoteAuditCheck::State::Missing);
    QCOMPARE(checks->at(1).firstSeq, 1);
    QCOMPARE(checks->at(1).lastSeq, 101);
    QVERIFY2(checks->at(1).detail.startsWith(QStringLiteral("MISSING entries 1-101")),
        qPrintable(checks->at(1).detail));

    auto report = push(*c);
    DR_VERIFY_OK(report);
    QCOMPARE(report->regions.at(1).state, RemoteAuditPush::State::Pushed);
    QCOMPARE(report->regions.at(1).pushed, 101);
    checks = verify(*c);
    DR_VERIFY_OK(checks);
    QVERIFY2(checks->at(1).state == RemoteAuditCheck::State::Matches, qPrintable(checks->at(1).detail));
}

void tst_RemoteAudit::olderLocalTrailIsFound()
{
    const QString older = m_dir.filePath(QStringLiteral("older.sqlite"));
    const QString current = m_dir.filePath(QStringLiteral("current.sqlite"));
    snapshot(current);
    // An older trail: the current one cut back to 91 entries is what an older copy of the file
    // looks like (its head record would say 91 too); made here by deleting the newest rows.
    {
        const QString connection = QStringLiteral("tst_remoteaudit_cut");
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
            db.setDatabaseName(m_trail);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("DELETE FROM entries WHERE seq > 91")));
            db.close();
        }
        QSqlDatabase::removeDatabase(connection);
    }
    snapshot(older);

    auto c = copy();
    auto checks = verify(*c);
    DR_VERIFY_OK(checks);
    for (const RemoteAuditCheck &k : *checks) {
        QVERIFY2(k.state == RemoteAuditCheck::State::MissingLocally, qPrintable(k.detail));
        QCOMPARE(k.firstSeq, 92);
        QCOMPARE(k.lastSeq, 101);
        QVERIFY2(k.detail.startsWith(QStringLiteral("MISSING locally: entries 92-101")),
            qPrintable(k.detail));
    }
    // Pushing does not paper over it.
    auto report = push(*c);
    DR_VERIFY_OK(report);
    for (const RemoteAuditPush &r : report->regions)
        QVERIFY2(r.state == RemoteAuditPush::State::Diverged, qPrintable(r.detail));
    // New entries written to the older trail: the copy and the trail now differ at 92.
    append(2);
    checks = verify(*c);
    DR_VERIFY_OK(checks);
    QCOMPARE(checks->at(0).state, RemoteAuditCheck::State::Differs);
    QCOMPARE(checks->at(0).firstSeq, 92);
    report = push(*c);
    DR_VERIFY_OK(report);
    QCOMPARE(report->regions.at(0).state, RemoteAuditPush::State::Diverged);
    QCOMPARE(remoteBytes(*m_west).count('\n'), 101);

    restore(current);
    m_appended = 101;
    checks = verify(*c);
    DR_VERIFY_OK(checks);
    for (const RemoteAuditCheck &k : *checks)
        QVERIFY2(k.state == RemoteAuditCheck::State::Matches, qPrintable(k.detail));
}

void tst_RemoteAudit::backgroundPushCoalesces()
{
    auto c = copy();
    QSignalSpy finished(c.get(), &RemoteAuditCopy::backgroundPushFinished);
    append(3);
    for (int i = 0; i < 10; ++i)
        c->pushSoon();
    QVERIFY(finished.wait(RemoteAuditCopy::kPushDelayMs + 20000));
    QTest::qWait(RemoteAuditCopy::kPushDelayMs + 500);
    QCOMPARE(finished.size(), 1);
    auto checks = verify(*c);
    DR_VERIFY_OK(checks);
    for (const RemoteAuditCheck &k : *checks)
        QCOMPARE(k.detail, QStringLiteral("matches: 104 entries (local has 104; 0 not yet pushed)"));
}

QTEST_GUILESS_MAIN(tst_RemoteAudit)
#include "tst_remoteaudit.moc"
