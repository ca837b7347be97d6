// The off-workstation audit copy on the live lab, through the real drctl and drlab binaries:
// after a drill the copy in each region's storage equals the local trail; while north's
// storage is down new entries wait (push exits 3), and once it is back verify --remote says
// how many are not yet pushed and the next push catches up; a changed entry in north's copy is
// named by verify --remote. The copies are also read straight from the lab's Azurite, so the
// test does not only take drctl's word for what is in them. The slots build on one another.

#include "../azure/azuretestutil.h"
#include "audit/remoteaudit.h"
#include "azure/blobclient.h"
#include "profile/profileloader.h"
#include "runbook/runlock.h"
#include "secrets/secretstore.h"
#include "labsession.h"
#include "toolrun.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using dr::test::await;
using dr::test::runTool;
using dr::test::ToolRun;

namespace {

QByteArray said(const ToolRun &run)
{
    return "exit " + QByteArray::number(run.exitCode) + "\nstdout: " + run.out + "\nstderr: " + run.err;
}

// The element of a drctl "remote"/"regions" array for one region.
QJsonObject regionOf(const QJsonArray &regions, const QString &id)
{
    for (const QJsonValue &v : regions) {
        if (v.toObject().value(QStringLiteral("region")).toString() == id)
            return v.toObject();
    }
    return {};
}

} // namespace

class tst_DrctlRemoteAudit : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void afterADrillBothCopiesMatch();
    void storageDownQueuesThenCatchesUp();
    void changedRemoteEntryIsNamed();

private:
    // `drctl audit list --json`: the local trail, oldest first.
    QJsonArray localEntries();
    // Runs `drctl audit push|verify --remote --json`: true when it exited `expectedExit` with a
    // JSON document (in *doc); else *why says what it did.
    bool auditJson(const QStringList &action, int expectedExit, QJsonObject *doc, QByteArray *why);
    // North's or west's copy, read from the lab's Azurite with the profile's own key reference.
    Result<QByteArray> remoteBytes(const QString &region);
    // The copy holds exactly the local entries, line by line (seq and hash).
    void copyEqualsLocal(const QString &region, const QJsonArray &local);

    dr::test::LabSession m_lab{QStringLiteral(DRLAB_PATH), QStringLiteral(DRCTL_PATH)};
    Profile m_profile;
    QNetworkAccessManager *m_network = nullptr;
    SecretStore *m_secrets = nullptr;
    QMap<QString, azure::BlobClient *> m_clients;
    qint64 m_afterDrill = 0; // local entries once the drill's were pushed
    qint64 m_afterOutage = 0;
};

void tst_DrctlRemoteAudit::initTestCase()
{
    const QString up = m_lab.up();
    QVERIFY2(up.isEmpty(), qPrintable(up));
    QVERIFY(!m_lab.passphraseFile(QStringLiteral("lab-viewer")).isEmpty());

    const auto profile = ProfileLoader::loadFile(m_lab.profilePath());
    QVERIFY2(profile.has_value(), qPrintable(profile ? QString() : ProfileLoader::formatIssues(profile.error(), m_lab.profilePath())));
    m_profile = *profile;
    m_network = new QNetworkAccessManager(this);
    m_secrets = new SecretStore(this);

    // A drill's gates want every component ok and the index in sync.
    QJsonObject last;
    QVERIFY2(m_lab.waitReady(&last), QJsonDocument(last).toJson().constData());
}

void tst_DrctlRemoteAudit::cleanupTestCase()
{
    m_lab.down();
}

QJsonArray tst_DrctlRemoteAudit::localEntries()
{
    const ToolRun run = m_lab.drctl({ QStringLiteral("audit"), QStringLiteral("list"), QStringLiteral("--json") });
    if (run.exitCode != 0)
        qWarning("drctl audit list: %s", said(run).constData());
    return QJsonDocument::fromJson(run.out).array();
}

bool tst_DrctlRemoteAudit::auditJson(const QStringList &action, int expectedExit, QJsonObject *doc, QByteArray *why)
{
    const ToolRun run = m_lab.drctl(QStringList { QStringLiteral("audit") } + action + QStringList { QStringLiteral("--json") });
    *doc = QJsonDocument::fromJson(run.out).object();
    *why = "drctl audit " + action.join(u' ').toUtf8() + ": expected exit " + QByteArray::number(expectedExit) + " and a JSON document; got "
        + said(run);
    return run.exitCode == expectedExit && !doc->isEmpty();
}

Result<QByteArray> tst_DrctlRemoteAudit::remoteBytes(const QString &region)
{
    if (!m_clients.contains(region)) {
        auto client = await<azure::BlobClient *>([&](auto done) {
            RunLock::clientFor(m_profile, region, m_network, m_secrets, this, done);
        });
        if (!client)
            return fail(client.error());
        m_clients.insert(region, *client);
    }
    auto got = await<std::optional<azure::Blob>>([&](auto done) {
        m_clients.value(region)->getBlob(QString::fromLatin1(RemoteAuditCopy::kContainer), RemoteAuditCopy::blobName(m_profile), done);
    });
    if (!got)
        return fail(got.error());
    if (!*got)
        return fail(QStringLiteral("%1: no blob %2/%3").arg(region, QString::fromLatin1(RemoteAuditCopy::kContainer), RemoteAuditCopy::blobName(m_profile)));
    return (*got)->data;
}

void tst_DrctlRemoteAudit::copyEqualsLocal(const QString &region, const QJsonArray &local)
{
    const auto bytes = remoteBytes(region);
    DR_VERIFY_OK(bytes);
    QVERIFY2(bytes->endsWith('\n'), qPrintable(region));
    const QList<QByteArray> lines = bytes->chopped(1).split('\n');
    QCOMPARE(lines.size(), local.size());
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QJsonObject remote = QJsonDocument::fromJson(lines.at(i)).object();
        const QJsonObject mine = local.at(i).toObject();
        QCOMPARE(remote.value(QStringLiteral("seq")).toInteger(), qint64(i + 1));
        QCOMPARE(remote.value(QStringLiteral("hash")).toString(), mine.value(QStringLiteral("hash")).toString());
        QCOMPARE(remote, mine);
    }
}

void tst_DrctlRemoteAudit::afterADrillBothCopiesMatch()
{
    const ToolRun drill = m_lab.drctl(QStringList { QStringLiteral("drill"), QStringLiteral("--yes"), QStringLiteral("--json") } + m_lab.as(QStringLiteral("lab-operator")),
        180000);
    QVERIFY2(drill.exitCode == 0, said(drill).constData());
    const QJsonObject run = QJsonDocument::fromJson(drill.out).object();
    QCOMPARE(run.value(QStringLiteral("state")).toString(), QStringLiteral("succeeded"));
    const QString runId = run.value(QStringLiteral("id")).toString();
    QVERIFY2(!runId.isEmpty(), drill.out.constData());

    const QJsonArray local = localEntries();
    int ofTheDrill = 0;
    for (const QJsonValue &v : local)
        ofTheDrill += v.toObject().value(QStringLiteral("runId")).toString() == runId ? 1 : 0;
    QVERIFY2(ofTheDrill >= 5, qPrintable(QStringLiteral("%1 entries of run %2 in %3").arg(ofTheDrill).arg(runId).arg(local.size())));
    const qint64 n = local.size();
    QByteArray why;

    QJsonObject pushed;
    QVERIFY2(auditJson({ QStringLiteral("push") }, 0, &pushed, &why), why.constData());
    QCOMPARE(pushed.value(QStringLiteral("localEntries")).toInteger(), n);
    const QJsonArray regions = pushed.value(QStringLiteral("regions")).toArray();
    QCOMPARE(regions.size(), 2);
    for (const QString &id : { QStringLiteral("west"), QStringLiteral("north") }) {
        const QJsonObject r = regionOf(regions, id);
        QVERIFY2(r.value(QStringLiteral("state")).toString() == u"pushed", QJsonDocument(r).toJson().constData());
        // drctl drill pushes at its end too (best effort), so this push may find little to do.
        QVERIFY2(r.value(QStringLiteral("pushed")).toInteger() <= n, QJsonDocument(r).toJson().constData());
        QCOMPARE(r.value(QStringLiteral("remoteEntries")).toInteger(), n);
    }

    QJsonObject verified;
    QVERIFY2(auditJson({ QStringLiteral("verify"), QStringLiteral("--remote") }, 0, &verified, &why), why.constData());
    QCOMPARE(verified.value(QStringLiteral("intact")).toBool(), true);
    QCOMPARE(verified.value(QStringLiteral("entries")).toInteger(), n);
    const QJsonArray remote = verified.value(QStringLiteral("remote")).toArray();
    QCOMPARE(remote.size(), 2);
    for (const QString &id : { QStringLiteral("west"), QStringLiteral("north") }) {
        const QJsonObject r = regionOf(remote, id);
        QVERIFY2(r.value(QStringLiteral("state")).toString() == u"matches", QJsonDocument(r).toJson().constData());
        QCOMPARE(r.value(QStringLiteral("remoteEntries")).toInteger(), n);
        QCOMPARE(r.value(QStringLiteral("localEntries")).toInteger(), n);
        QCOMPARE(r.value(QStringLiteral("notYetPushed")).toInteger(), 0);
    }

    // What is really in each region's storage.
    copyEqualsLocal(QStringLiteral("west"), local);
    copyEqualsLocal(QStringLiteral("north"), local);
    m_afterDrill = n;
}

void tst_DrctlRemoteAudit::storageDownQueuesThenCatchesUp()
{
    QVERIFY(m_afterDrill > 0);
    const qint64 before = m_afterDrill;
    QByteArray why;
    const ToolRun down = m_lab.drlab({ QStringLiteral("fault"), QStringLiteral("component-down"), QStringLiteral("north"), QStringLiteral("storage") });
    QVERIFY2(down.exitCode == 0, said(down).constData());

    // New entries while north's storage hangs: a refused sign-in, and a viewer's refused
    // failover (its sign-in and the refusal).
    const QString wrong = QDir(m_lab.dataDir()).filePath(QStringLiteral("wrong-passphrase"));
    {
        QFile f(wrong);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not the passphrase\n");
        f.close();
        QVERIFY(f.setPermissions(QFile::ReadOwner | QFile::WriteOwner)); // drctl reads no other
    }
    ToolRun refused = m_lab.drctl({ QStringLiteral("failover"), QStringLiteral("--mode"), QStringLiteral("planned"), QStringLiteral("--to"), QStringLiteral("north"),
        QStringLiteral("--yes"), QStringLiteral("--operator"), QStringLiteral("lab-operator"), QStringLiteral("--passphrase-file"), wrong });
    QCOMPARE(refused.exitCode, 1);
    QVERIFY2(refused.err.contains("sign-in refused"), said(refused).constData());
    refused = m_lab.drctl(QStringList { QStringLiteral("failover"), QStringLiteral("--mode"), QStringLiteral("planned"), QStringLiteral("--to"), QStringLiteral("north"),
                        QStringLiteral("--yes") }
        + m_lab.as(QStringLiteral("lab-viewer")));
    QCOMPARE(refused.exitCode, 1);
    QVERIFY2(refused.err.contains("viewer"), said(refused).constData());
    const QJsonArray written = localEntries();
    const qint64 during = written.size();
    QStringList kinds;
    for (qsizetype i = before; i < during; ++i)
        kinds << written.at(i).toObject().value(QStringLiteral("kind")).toString() + u':' + written.at(i).toObject().value(QStringLiteral("summary")).toString();
    QVERIFY2(during >= before + 3, qPrintable(QStringLiteral("%1 entries before, %2 after: %3").arg(before).arg(during).arg(kinds.join(QStringLiteral(" | ")))));

    // West takes them; north's wait (exit 3: queued, not an error).
    QJsonObject pushed;
    QVERIFY2(auditJson({ QStringLiteral("push") }, 3, &pushed, &why), why.constData());
    QCOMPARE(pushed.value(QStringLiteral("localEntries")).toInteger(), during);
    QJsonObject west = regionOf(pushed.value(QStringLiteral("regions")).toArray(), QStringLiteral("west"));
    QJsonObject north = regionOf(pushed.value(QStringLiteral("regions")).toArray(), QStringLiteral("north"));
    QVERIFY2(west.value(QStringLiteral("state")).toString() == u"pushed", QJsonDocument(west).toJson().constData());
    QVERIFY2(west.value(QStringLiteral("pushed")).toInteger() <= during - before, QJsonDocument(west).toJson().constData());
    QCOMPARE(west.value(QStringLiteral("remoteEntries")).toInteger(), during);
    QVERIFY2(north.value(QStringLiteral("state")).toString() == u"unreachable", QJsonDocument(north).toJson().constData());
    QCOMPARE(north.value(QStringLiteral("pushed")).toInteger(), 0);
    // Not 0 (an empty copy): what north held after the last push that reached it.
    QCOMPARE(north.value(QStringLiteral("remoteEntries")).toInteger(), before);

    // Checking north cannot be done now: exit 3, west still matches.
    QJsonObject verified;
    QVERIFY2(auditJson({ QStringLiteral("verify"), QStringLiteral("--remote") }, 3, &verified, &why), why.constData());
    west = regionOf(verified.value(QStringLiteral("remote")).toArray(), QStringLiteral("west"));
    north = regionOf(verified.value(QStringLiteral("remote")).toArray(), QStringLiteral("north"));
    QVERIFY2(west.value(QStringLiteral("state")).toString() == u"matches", QJsonDocument(west).toJson().constData());
    QVERIFY2(north.value(QStringLiteral("state")).toString() == u"unreachable", QJsonDocument(north).toJson().constData());

    const ToolRun up = m_lab.drlab({ QStringLiteral("fault"), QStringLiteral("component-up"), QStringLiteral("north"), QStringLiteral("storage") });
    QVERIFY2(up.exitCode == 0, said(up).constData());

    // Back, but behind: a copy that is only behind matches (exit 0) and says by how much.
    QVERIFY2(auditJson({ QStringLiteral("verify"), QStringLiteral("--remote") }, 0, &verified, &why), why.constData());
    west = regionOf(verified.value(QStringLiteral("remote")).toArray(), QStringLiteral("west"));
    north = regionOf(verified.value(QStringLiteral("remote")).toArray(), QStringLiteral("north"));
    QVERIFY2(north.value(QStringLiteral("state")).toString() == u"matches", QJsonDocument(north).toJson().constData());
    QCOMPARE(north.value(QStringLiteral("remoteEntries")).toInteger(), before);
    QCOMPARE(north.value(QStringLiteral("localEntries")).toInteger(), during);
    QCOMPARE(north.value(QStringLiteral("notYetPushed")).toInteger(), during - before);
    QVERIFY2(north.value(QStringLiteral("detail")).toString().contains(QStringLiteral("%1 not yet pushed").arg(during - before)),
        QJsonDocument(north).toJson().constData());
    QCOMPARE(west.value(QStringLiteral("remoteEntries")).toInteger(), during);
    QCOMPARE(west.value(QStringLiteral("notYetPushed")).toInteger(), 0);

    QVERIFY2(auditJson({ QStringLiteral("push") }, 0, &pushed, &why), why.constData());
    west = regionOf(pushed.value(QStringLiteral("regions")).toArray(), QStringLiteral("west"));
    north = regionOf(pushed.value(QStringLiteral("regions")).toArray(), QStringLiteral("north"));
    QVERIFY2(north.value(QStringLiteral("state")).toString() == u"pushed", QJsonDocument(north).toJson().constData());
    QCOMPARE(north.value(QStringLiteral("pushed")).toInteger(), during - before);
    QCOMPARE(north.value(QStringLiteral("remoteEntries")).toInteger(), during);
    QVERIFY2(west.value(QStringLiteral("state")).toString() == u"pushed", QJsonDocument(west).toJson().constData());
    QCOMPARE(west.value(QStringLiteral("pushed")).toInteger(), 0);

    QVERIFY2(auditJson({ QStringLiteral("verify"), QStringLiteral("--remote") }, 0, &verified, &why), why.constData());
    for (const QString &id : { QStringLiteral("west"), QStringLiteral("north") }) {
        const QJsonObject r = regionOf(verified.value(QStringLiteral("remote")).toArray(), id);
        QVERIFY2(r.value(QStringLiteral("state")).toString() == u"matches", QJsonDocument(r).toJson().constData());
        QCOMPARE(r.value(QStringLiteral("remoteEntries")).toInteger(), during);
        QCOMPARE(r.value(QStringLiteral("notYetPushed")).toInteger(), 0);
    }
    const QJsonArray local = localEntries();
    QCOMPARE(local.size(), during);
    copyEqualsLocal(QStringLiteral("west"), local);
    copyEqualsLocal(QStringLiteral("north"), local);
    m_afterOutage = during;
}

void tst_DrctlRemoteAudit::changedRemoteEntryIsNamed()
{
    QVERIFY(m_afterOutage > 2);
    // Someone with the storage key rewrites north's copy with one summary changed.
    auto bytes = remoteBytes(QStringLiteral("north"));
    DR_VERIFY_OK(bytes);
    QList<QByteArray> lines = bytes->chopped(1).split('\n');
    QCOMPARE(lines.size(), m_afterOutage);
    const qint64 seq = m_afterOutage / 2;
    QJsonObject entry = QJsonDocument::fromJson(lines.at(seq - 1)).object();
    QCOMPARE(entry.value(QStringLiteral("seq")).toInteger(), seq);
    const QString summary = entry.value(QStringLiteral("summary")).toString();
    entry.insert(QStringLiteral("summary"), QString(summary + QStringLiteral(" (approved)")));
    lines[seq - 1] = QJsonDocument(entry).toJson(QJsonDocument::Compact);
    const QByteArray changed = lines.join('\n') + '\n';

    azure::BlobClient *north = m_clients.value(QStringLiteral("north"));
    QVERIFY(north);
    const QString box = QString::fromLatin1(RemoteAuditCopy::kContainer);
    const QString name = RemoteAuditCopy::blobName(m_profile);
    DR_VERIFY_OK(await<bool>([&](auto done) { north->deleteBlob(box, name, done); }));
    DR_VERIFY_OK(await<azure::WriteResult>([&](auto done) { north->createAppendBlob(box, name, QStringLiteral("application/x-ndjson"), {}, done); }));
    DR_VERIFY_OK(await<azure::WriteResult>([&](auto done) { north->appendBlock(box, name, changed, qint64(0), done); }));

    const ToolRun run = m_lab.drctl({ QStringLiteral("audit"), QStringLiteral("verify"), QStringLiteral("--remote"), QStringLiteral("--json") });
    QVERIFY2(run.exitCode == 1, said(run).constData());
    const QJsonObject verified = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(verified.value(QStringLiteral("intact")).toBool(), true); // the local trail is fine
    const QJsonObject west = regionOf(verified.value(QStringLiteral("remote")).toArray(), QStringLiteral("west"));
    const QJsonObject n = regionOf(verified.value(QStringLiteral("remote")).toArray(), QStringLiteral("north"));
    QVERIFY2(west.value(QStringLiteral("state")).toString() == u"matches", QJsonDocument(west).toJson().constData());
    QVERIFY2(n.value(QStringLiteral("state")).toString() == u"differs", QJsonDocument(n).toJson().constData());
    QCOMPARE(n.value(QStringLiteral("firstSeq")).toInteger(), seq);
    QCOMPARE(n.value(QStringLiteral("remoteEntries")).toInteger(), seq - 1);
    const QString at = QStringLiteral("DIFFERS at entry %1").arg(seq);
    QVERIFY2(n.value(QStringLiteral("detail")).toString().startsWith(at), QJsonDocument(n).toJson().constData());
    // The message a script's log keeps names the region and the entry.
    QVERIFY2(run.err.contains("north") && run.err.contains(at.toUtf8()), said(run).constData());

    // Nor is anything appended after the rewritten copy's end, which would bury it (the copy
    // grew, so the push reads from where it left off and finds no entry there). West goes on.
    QJsonObject pushed;
    QByteArray why;
    QVERIFY2(auditJson({ QStringLiteral("push") }, 1, &pushed, &why), why.constData());
    const QJsonObject northPush = regionOf(pushed.value(QStringLiteral("regions")).toArray(), QStringLiteral("north"));
    QVERIFY2(northPush.value(QStringLiteral("state")).toString() == u"diverged", QJsonDocument(northPush).toJson().constData());
    QCOMPARE(northPush.value(QStringLiteral("pushed")).toInteger(), 0);
    QVERIFY2(regionOf(pushed.value(QStringLiteral("regions")).toArray(), QStringLiteral("west")).value(QStringLiteral("state")).toString() == u"pushed",
        QJsonDocument(pushed).toJson().constData());
    const auto after = remoteBytes(QStringLiteral("north"));
    DR_VERIFY_OK(after);
    QCOMPARE(*after, changed);
}

QTEST_GUILESS_MAIN(tst_DrctlRemoteAudit)
#include "tst_drctlremoteaudit.moc"
