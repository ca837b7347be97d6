// The audit trail on a real SQLite file: appends chain, verify() finds each kind of tampering
// (done with raw SQL, as an attacker with the file would) at the right entry, two writers on
// one file keep one chain, and the hashed bytes are stable.

#include "audit/audittrail.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QMessageAuthenticationCode>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QUuid>

#include <memory>

using namespace dr;

namespace {

const QByteArray kKey = QByteArrayLiteral("0123456789abcdef0123456789abcdef");

// Runs SQL on the file behind the trail's back, on a connection of its own.
QString tamper(const QString &path, const QStringList &statements)
{
    const QString name = QUuid::createUuid().toString();
    QString error;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        if (!db.open()) {
            error = db.lastError().text();
        } else {
            QSqlQuery q(db);
            for (const QString &sql : statements) {
                if (!q.exec(sql)) {
                    error = sql + QStringLiteral(": ") + q.lastError().text();
                    break;
                }
            }
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return error;
}

} // namespace

class tst_AuditTrail : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void appendAndVerify();
    void emptyTrailIsIntact();
    void tampering_data();
    void tampering();
    void wrongKey();
    void twoWritersKeepOneChain();
    void processesAppendingAtOnceKeepOneChain();
    void writerChild();
    void filters();
    void canonicalIsStable();
    void refusesWithoutKeyOrOpen();
    void notADatabase();

private:
    QString fill(int count);
    QTemporaryDir m_dir;
    QString m_path;
    std::unique_ptr<ManualClock> m_clock;
};

void tst_AuditTrail::init()
{
    QVERIFY(m_dir.isValid());
    m_clock = std::make_unique<ManualClock>();
    m_path = m_dir.filePath(
        QStringLiteral("%1/audit.sqlite").arg(QString::fromLatin1(QTest::currentTestFunction())));
    if (const char *tag = QTest::currentDataTag())
        m_path = m_dir.filePath(
            QStringLiteral("%1-%2/audit.sqlite")
                .arg(QString::fromLatin1(QTest::currentTestFunction()), QString::fromLatin1(tag))
                .replace(u' ', u'-'));
}

// Appends `count` entries and returns an empty string, or what went wrong.
QString tst_AuditTrail::fill(int count)
{
    AuditTrail trail(m_path, kKey, m_clock.get());
    if (auto ok = trail.open(); !ok)
        return ok.error();
    for (int i = 1; i <= count; ++i) {
        m_clock->advance(1500);
        const auto e = trail.append(i % 2 ? QStringLiteral("step") : QStringLiteral("gate"),
            i % 3 ? QStringLiteral("alice") : QStringLiteral("bob"),
            i <= 3 ? QStringLiteral("run-a") : QStringLiteral("run-b"),
            QStringLiteral("Entry number %1").arg(i),
            QJsonObject { { QStringLiteral("n"), i }, { QStringLiteral("ok"), true } });
        if (!e)
            return e.error();
    }
    return {};
}

void tst_AuditTrail::appendAndVerify()
{
    AuditTrail trail(m_path, kKey, m_clock.get());
    QVERIFY(trail.open());
    const auto first = trail.append(
        QStringLiteral("sign-in"), QStringLiteral("alice"), {}, QStringLiteral("Alice signed in"));
    QVERIFY2(first, first ? "" : qPrintable(first.error()));
    QCOMPARE(first->seq, qint64(1));
    QCOMPARE(first->prevHash, QByteArray(64, '0'));
    QCOMPARE(first->hash.size(), 64);
    QCOMPARE(first->at, m_clock->nowUtc());
    // The hash is what the header promises: HMAC-SHA256 of the canonical bytes.
    QCOMPARE(first->hash,
        QMessageAuthenticationCode::hash(
            AuditTrail::canonical(*first), kKey, QCryptographicHash::Sha256)
            .toHex());

    m_clock->advance(1234);
    const QJsonObject data { { QStringLiteral("zeta"), 1 },
        { QStringLiteral("alpha"), QJsonArray { 1, 2 } },
        { QStringLiteral("text"), QStringLiteral("é ✓") } };
    const auto second = trail.append(QStringLiteral("gate"), QStringLiteral("system"),
        QStringLiteral("run-1"), QStringLiteral("Target ok"), data);
    QVERIFY(second);
    QCOMPARE(second->seq, qint64(2));
    QCOMPARE(second->prevHash, first->hash);

    const auto all = trail.entries();
    QVERIFY(all);
    QCOMPARE(all->size(), 2);
    const AuditEntry &back = all->at(1);
    QCOMPARE(back.seq, qint64(2));
    QCOMPARE(back.at, m_clock->nowUtc());
    QCOMPARE(back.kind, QStringLiteral("gate"));
    QCOMPARE(back.actor, QStringLiteral("system"));
    QCOMPARE(back.runId, QStringLiteral("run-1"));
    QCOMPARE(back.summary, QStringLiteral("Target ok"));
    QCOMPARE(back.data, data);
    QCOMPARE(back.prevHash, first->hash);
    QCOMPARE(back.hash, second->hash);

    const auto v = trail.verify();
    QVERIFY(v);
    QVERIFY2(v->intact, qPrintable(v->problem));
    QCOMPARE(v->entries, qint64(2));
    QCOMPARE(v->firstBadSeq, qint64(0));

    // A reopened trail continues the same chain.
    AuditTrail again(m_path, kKey, m_clock.get());
    QVERIFY(again.open());
    const auto third = again.append(
        QStringLiteral("note"), QStringLiteral("bob"), {}, QStringLiteral("After reopening"));
    QVERIFY(third);
    QCOMPARE(third->seq, qint64(3));
    QCOMPARE(third->prevHash, second->hash);
    QCOMPARE(again.verify()->entries, qint64(3));
    QVERIFY(again.verify()->intact);
}

void tst_AuditTrail::emptyTrailIsIntact()
{
    AuditTrail trail(m_path, kKey, m_clock.get());
    QVERIFY(trail.open());
    const auto v = trail.verify();
    QVERIFY(v);
    QVERIFY(v->intact);
    QCOMPARE(v->entries, qint64(0));
}

void tst_AuditTrail::tampering_data()
{
    QTest::addColumn<QStringList>("sql");
    QTest::addColumn<qint64>("badSeq");
    QTest::addColumn<QString>("problem");

    QTest::newRow("summary byte")
        << QStringList { QStringLiteral(
               "UPDATE entries SET summary = 'Entry numbeR 4' WHERE seq = 4") }
        << qint64(4)
        << QStringLiteral(
               "entry 4: its hash does not match its content (changed after it was written)");
    QTest::newRow("data byte") << QStringList { QStringLiteral(
        "UPDATE entries SET data = replace(data, '\"n\":6', '\"n\":7') WHERE seq = 6") }
                               << qint64(6)
                               << QStringLiteral("entry 6: its hash does not match its content");
    QTest::newRow("time") << QStringList {
        QStringLiteral("UPDATE entries SET at = replace(at, '.000Z', '.001Z') WHERE seq = 2")
    } << qint64(2) << QStringLiteral("entry 2: its hash does not match its content");
    QTest::newRow("actor of first")
        << QStringList { QStringLiteral("UPDATE entries SET actor = 'mallory' WHERE seq = 1") }
        << qint64(1) << QStringLiteral("entry 1: its hash does not match its content");
    QTest::newRow("stored hash") << QStringList { QStringLiteral(
        "UPDATE entries SET hash = replace(hash, substr(hash, 1, 1), 'x') WHERE seq = 3") }
                                 << qint64(3)
                                 << QStringLiteral("entry 3: its hash does not match its content");
    QTest::newRow("deleted middle")
        << QStringList { QStringLiteral("DELETE FROM entries WHERE seq = 5") } << qint64(5)
        << QStringLiteral("entry 5 is missing (entry 6 follows entry 4: removed or renumbered)");
    QTest::newRow("deleted two") << QStringList {
        QStringLiteral("DELETE FROM entries WHERE seq IN (3, 4)")
    } << qint64(3) << QStringLiteral("entries 3..4 are missing (entry 5 follows entry 2");
    QTest::newRow("deleted first")
        << QStringList { QStringLiteral("DELETE FROM entries WHERE seq = 1") } << qint64(1)
        << QStringLiteral("entry 1 is missing (entry 2 is the first entry");
    QTest::newRow("deleted last") << QStringList { QStringLiteral(
        "DELETE FROM entries WHERE seq = 8") }
                                  << qint64(8)
                                  << QStringLiteral("entry 8 is missing (removed from the end of "
                                                    "the trail; the last entry written was 8)");
    QTest::newRow("deleted last and head") << QStringList {
        QStringLiteral("DELETE FROM entries WHERE seq = 8"), QStringLiteral("DELETE FROM head")
    } << qint64(7) << QStringLiteral("head record is missing");
    QTest::newRow("head rewound") << QStringList {
        QStringLiteral("DELETE FROM entries WHERE seq = 8"),
        QStringLiteral("UPDATE head SET seq = 7, hash = (SELECT hash FROM entries WHERE seq = 7)")
    } << qint64(7) << QStringLiteral("head record does not match its content");
    // Deleted and renumbered so that seq has no gap: the chain link names the place.
    QTest::newRow("deleted and renumbered")
        << QStringList { QStringLiteral("DELETE FROM entries WHERE seq = 5"),
               QStringLiteral("UPDATE entries SET seq = seq + 100 WHERE seq > 5"),
               QStringLiteral("UPDATE entries SET seq = seq - 101 WHERE seq > 100") }
        << qint64(5) << QStringLiteral("entry 5: its previous hash does not match entry 4");
    QTest::newRow("swapped rows")
        << QStringList { QStringLiteral("UPDATE entries SET seq = 100 WHERE seq = 3"),
               QStringLiteral("UPDATE entries SET seq = 3 WHERE seq = 4"),
               QStringLiteral("UPDATE entries SET seq = 4 WHERE seq = 100") }
        << qint64(3)
        << QStringLiteral("entry 3: its previous hash does not match entry 2 (rows were removed, "
                          "reordered or replaced)");
    QTest::newRow("row added without key")
        << QStringList { QStringLiteral(
               "INSERT INTO entries SELECT 9, at, kind, actor, run_id, summary, data, "
               "(SELECT hash FROM entries WHERE seq = 8), hash FROM entries WHERE seq = 8") }
        << qint64(9) << QStringLiteral("entry 9: its hash does not match its content");
}

void tst_AuditTrail::tampering()
{
    QFETCH(QStringList, sql);
    QFETCH(qint64, badSeq);
    QFETCH(QString, problem);

    const QString filled = fill(8);
    QVERIFY2(filled.isEmpty(), qPrintable(filled));
    {
        AuditTrail trail(m_path, kKey, m_clock.get());
        QVERIFY(trail.open());
        QVERIFY(trail.verify()->intact);
    }
    const QString error = tamper(m_path, sql);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    AuditTrail trail(m_path, kKey, m_clock.get());
    QVERIFY(trail.open());
    const auto v = trail.verify();
    QVERIFY2(v, v ? "" : qPrintable(v.error()));
    QVERIFY(!v->intact);
    QCOMPARE(v->firstBadSeq, badSeq);
    QVERIFY2(v->problem.contains(problem), qPrintable(v->problem));
}

void tst_AuditTrail::wrongKey()
{
    const QString filled = fill(3);
    QVERIFY2(filled.isEmpty(), qPrintable(filled));
    AuditTrail trail(
        m_path, QByteArrayLiteral("not-the-key-this-trail-was-written-with"), m_clock.get());
    QVERIFY(trail.open());
    const auto v = trail.verify();
    QVERIFY(v);
    QVERIFY(!v->intact);
    QCOMPARE(v->firstBadSeq, qint64(1));
    QVERIFY2(v->problem.contains(
                 QStringLiteral("or the audit key is not the one this trail was written with")),
        qPrintable(v->problem));
    QVERIFY2(!v->problem.contains(QString::fromLatin1(kKey)), "the key never appears in a message");
}

void tst_AuditTrail::twoWritersKeepOneChain()
{
    AuditTrail a(m_path, kKey, m_clock.get());
    AuditTrail b(m_path, kKey, m_clock.get());
    QVERIFY(a.open());
    QVERIFY(b.open());
    for (int i = 0; i < 10; ++i) {
        AuditTrail &writer = i % 2 ? b : a;
        const auto e = writer.append(QStringLiteral("note"),
            i % 2 ? QStringLiteral("bob") : QStringLiteral("alice"), {},
            QStringLiteral("n%1").arg(i));
        QVERIFY2(e, e ? "" : qPrintable(e.error()));
        QCOMPARE(e->seq, qint64(i + 1));
    }
    // A reader sees what both wrote, and the chain is whole.
    const auto v = a.verify();
    QVERIFY(v);
    QVERIFY2(v->intact, qPrintable(v->problem));
    QCOMPARE(v->entries, qint64(10));
    QCOMPARE(b.entries()->size(), qsizetype(10));
}

void tst_AuditTrail::processesAppendingAtOnceKeepOneChain()
{
    // As drconsole and drctl do: separate processes appending to one file at the same moment.
    constexpr int kWriters = 4;
    constexpr int kEach = 40;
    // Every writer starts appending at the same moment, so that they contend.
    const qint64 start = QDateTime::currentMSecsSinceEpoch() + 1500;
    QList<QProcess *> writers;
    for (int i = 0; i < kWriters; ++i) {
        auto *p = new QProcess(this);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("DR_AUDIT_WRITER_PATH"), m_path);
        env.insert(QStringLiteral("DR_AUDIT_WRITER_NAME"), QStringLiteral("writer-%1").arg(i));
        env.insert(QStringLiteral("DR_AUDIT_WRITER_COUNT"), QString::number(kEach));
        env.insert(QStringLiteral("DR_AUDIT_WRITER_START"), QString::number(start));
        p->setProcessEnvironment(env);
        writers << p;
    }
    for (QProcess *p : writers)
        p->start(QCoreApplication::applicationFilePath(), { QStringLiteral("writerChild") });
    for (QProcess *p : writers) {
        QVERIFY(p->waitForFinished(60000));
        const QByteArray out = p->readAll();
        QVERIFY2(p->exitCode() == 0 && out.contains("PASS   : tst_AuditTrail::writerChild()"),
            out.constData());
    }
    qDeleteAll(writers);

    AuditTrail trail(m_path, kKey, m_clock.get());
    QVERIFY(trail.open());
    const auto v = trail.verify();
    QVERIFY(v);
    QVERIFY2(v->intact, qPrintable(v->problem));
    QCOMPARE(v->entries, qint64(kWriters * kEach));
    for (int i = 0; i < kWriters; ++i) {
        AuditFilter f;
        f.actor = QStringLiteral("writer-%1").arg(i);
        QCOMPARE(trail.entries(f)->size(), qsizetype(kEach));
    }
}

void tst_AuditTrail::writerChild()
{
    const QString path = qEnvironmentVariable("DR_AUDIT_WRITER_PATH");
    if (path.isEmpty())
        QSKIP("run by processesAppendingAtOnceKeepOneChain() in child processes");
    AuditTrail trail(path, kKey);
    QVERIFY(trail.open());
    const qint64 start = qEnvironmentVariable("DR_AUDIT_WRITER_START").toLongLong();
    while (QDateTime::currentMSecsSinceEpoch() < start)
        QThread::usleep(200);
    const int count = qEnvironmentVariableIntValue("DR_AUDIT_WRITER_COUNT");
    for (int i = 0; i < count; ++i) {
        const auto e = trail.append(QStringLiteral("note"),
            qEnvironmentVariable("DR_AUDIT_WRITER_NAME"), {}, QStringLiteral("n%1").arg(i));
        QVERIFY2(e, e ? "" : qPrintable(e.error()));
    }
}

void tst_AuditTrail::filters()
{
    const QString filled = fill(8);
    QVERIFY2(filled.isEmpty(), qPrintable(filled));
    AuditTrail trail(m_path, {}, m_clock.get()); // listing needs no key
    QVERIFY(trail.open());
    const auto seqs = [&trail](const AuditFilter &f) {
        QList<qint64> out;
        const auto list = trail.entries(f);
        if (list) {
            for (const AuditEntry &e : *list)
                out << e.seq;
        }
        return out;
    };
    QCOMPARE(seqs({}), (QList<qint64> { 1, 2, 3, 4, 5, 6, 7, 8 }));
    AuditFilter f;
    f.runId = QStringLiteral("run-a");
    QCOMPARE(seqs(f), (QList<qint64> { 1, 2, 3 }));
    f = {};
    f.kind = QStringLiteral("gate");
    QCOMPARE(seqs(f), (QList<qint64> { 2, 4, 6, 8 }));
    f.actor = QStringLiteral("bob");
    QCOMPARE(seqs(f), (QList<qint64> { 6 }));
    f = {};
    f.text = QStringLiteral("NUMBER 7");
    QCOMPARE(seqs(f), (QList<qint64> { 7 }));
    f = {};
    f.limit = 3;
    QCOMPARE(seqs(f), (QList<qint64> { 6, 7, 8 }));
    f.runId = QStringLiteral("run-a");
    QCOMPARE(seqs(f), (QList<qint64> { 1, 2, 3 }));
    // fill() advanced the clock 1.5 s per entry from 2026-01-01T00:00:00Z.
    f = {};
    const QDateTime start(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC);
    f.from = start.addMSecs(3000);
    f.to = start.addMSecs(6000);
    QCOMPARE(seqs(f), (QList<qint64> { 2, 3, 4 }));
    f = {};
    f.actor = QStringLiteral("nobody");
    QCOMPARE(seqs(f), QList<qint64> {});

    QVERIFY(!trail.verify());
    QVERIFY(
        !trail.append(QStringLiteral("note"), QStringLiteral("x"), {}, QStringLiteral("no key")));
}

void tst_AuditTrail::canonicalIsStable()
{
    AuditEntry e;
    e.seq = 7;
    e.at = QDateTime(QDate(2026, 3, 4), QTime(5, 6, 7, 89), Qt::UTC);
    e.kind = QStringLiteral("gate");
    e.actor = QStringLiteral("alice");
    e.runId = QStringLiteral("r1");
    e.summary = QStringLiteral("ok");
    e.data = QJsonObject { { QStringLiteral("b"), 2 }, { QStringLiteral("a"), 1 } };
    e.prevHash = QByteArray(64, 'f');
    const QByteArray expected
        = "drconsole-audit/"
          "1\n1:7,24:2026-03-04T05:06:07.089Z,4:gate,5:alice,2:r1,2:ok,13:{\"a\":1,\"b\":2},64:"
        + QByteArray(64, 'f') + ',';
    QCOMPARE(AuditTrail::canonical(e), expected);
    // The same moment given in another zone hashes the same.
    AuditEntry shifted = e;
    shifted.at = e.at.toOffsetFromUtc(3600);
    QCOMPARE(AuditTrail::canonical(shifted), expected);
    // Moving a separator between fields changes the bytes: fields cannot bleed into each other.
    AuditEntry moved = e;
    moved.kind = QStringLiteral("gate,5:alice");
    moved.actor.clear();
    QVERIFY(AuditTrail::canonical(moved) != expected);
}

void tst_AuditTrail::refusesWithoutKeyOrOpen()
{
    AuditTrail trail(m_path, kKey, m_clock.get());
    const auto listed = trail.entries();
    QVERIFY(!listed);
    QVERIFY2(listed.error().contains(QStringLiteral("is not open")), qPrintable(listed.error()));
    QVERIFY(!trail.verify());
    // append opens on demand.
    QVERIFY(trail.append(QStringLiteral("note"), QStringLiteral("alice"), {}, QStringLiteral("x")));
    const auto empty = trail.append(QString(), QStringLiteral("alice"), {}, QStringLiteral("x"));
    QVERIFY(!empty);
    QVERIFY2(empty.error().contains(QStringLiteral("needs a kind and an actor")),
        qPrintable(empty.error()));
}

void tst_AuditTrail::notADatabase()
{
    QVERIFY(QDir().mkpath(QFileInfo(m_path).absolutePath()));
    QFile f(m_path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(4096, 'x'));
    f.close();
    AuditTrail trail(m_path, kKey, m_clock.get());
    const auto opened = trail.open();
    QVERIFY(!opened);
    QVERIFY2(opened.error().startsWith(QStringLiteral("cannot open the audit trail ") + m_path),
        qPrintable(opened.error()));
    QVERIFY(
        !trail.append(QStringLiteral("note"), QStringLiteral("alice"), {}, QStringLiteral("x")));
}

QTEST_GUILESS_MAIN(tst_AuditTrail)
#include "tst_audittrail.moc"
