#include "audittrail.h"

#include "common/constanttime.h"
#include "common/sqliteretry.h"

#include "common/datapaths.h"
#include "logging/logging.h"
#include "secrets/secretstore.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

#include <algorithm>
#include <array>

namespace dr {

namespace {

constexpr int kMinKeyBytes = 16;
constexpr int kCreatedKeyBytes = 32;

const QByteArray &zeroHash()
{
    static const QByteArray zeros(64, '0');
    return zeros;
}

QString describe(const QSqlError &error)
{
    const QString text = error.text().trimmed();
    return text.isEmpty() ? QStringLiteral("unknown SQLite error") : text;
}

QString isoMs(const QDateTime &at)
{
    return at.toUTC().toString(Qt::ISODateWithMs);
}

// A null QString binds as SQL NULL; every column holds text, empty when there is nothing.
QString text(const QString &value)
{
    return value.isNull() ? QStringLiteral("") : value;
}

QByteArray compactJson(const QJsonObject &data)
{
    return QJsonDocument(data).toJson(QJsonDocument::Compact);
}

// Each field as "LENGTH:BYTES," (a netstring), so no choice of field contents can make two
// different entries serialise to the same bytes. The tag names the format: a future format
// gets a new tag rather than a silently different meaning.
void appendField(QByteArray &out, const QByteArray &field)
{
    out += QByteArray::number(field.size());
    out += ':';
    out += field;
    out += ',';
}

struct RawEntry
{
    qint64 seq = 0;
    QByteArray at, kind, actor, runId, summary, data, prevHash, hash;
};

QByteArray canonicalRaw(const RawEntry &e)
{
    QByteArray out("drconsole-audit/1\n");
    for (const QByteArray &field : { QByteArray::number(e.seq), e.at, e.kind, e.actor, e.runId,
             e.summary, e.data, e.prevHash })
        appendField(out, field);
    return out;
}

QByteArray headCanonical(qint64 seq, const QByteArray &hash)
{
    QByteArray out("drconsole-audit-head/1\n");
    appendField(out, QByteArray::number(seq));
    appendField(out, hash);
    return out;
}

QByteArray mac(const QByteArray &key, const QByteArray &message)
{
    return QMessageAuthenticationCode::hash(message, key, QCryptographicHash::Sha256).toHex();
}

QString missingRange(qint64 first, qint64 last)
{
    return first == last ? QStringLiteral("entry %1 is missing").arg(first)
                         : QStringLiteral("entries %1..%2 are missing").arg(first).arg(last);
}

} // namespace

AuditTrail::AuditTrail(const QString &databasePath, const QByteArray &key, const Clock *clock)
    : m_path(databasePath)
    , m_key(key)
    , m_clock(clock ? clock : Clock::system())
    // One connection per instance: two trails on one file (or drconsole and a test) must
    // each have their own, so their transactions exclude each other.
    , m_connection(QStringLiteral("audit-") + QUuid::createUuid().toString(QUuid::WithoutBraces))
{ }

AuditTrail::~AuditTrail()
{
    if (QSqlDatabase::contains(m_connection)) {
        {
            QSqlDatabase db = QSqlDatabase::database(m_connection, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_connection);
    }
}

QString AuditTrail::defaultPath(const Profile &profile)
{
    return profileDataDir(profile) + QStringLiteral("/audit.sqlite");
}

QString AuditTrail::keychainEntry(const Profile &profile)
{
    return QStringLiteral("audit-key/") + profile.name;
}

Result<void> AuditTrail::open()
{
    if (QSqlDatabase::contains(m_connection)
        && QSqlDatabase::database(m_connection, false).isOpen())
        return {};
    const QString where = QDir::toNativeSeparators(m_path);
    const auto refuse = [this, &where](const QString &why) {
        const QString message
            = QStringLiteral("cannot open the audit trail %1: %2").arg(where, why);
        log::get("audit")->warn("{}", message.toStdString());
        if (QSqlDatabase::contains(m_connection)) {
            {
                QSqlDatabase db = QSqlDatabase::database(m_connection, false);
                db.close();
            }
            QSqlDatabase::removeDatabase(m_connection);
        }
        return fail(message);
    };
    const QString folder = QFileInfo(m_path).absolutePath();
    if (!QDir().mkpath(folder))
        return refuse(
            QStringLiteral("cannot create the folder %1").arg(QDir::toNativeSeparators(folder)));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
        if (!db.isValid())
            return refuse(QStringLiteral("the Qt SQLite driver is missing"));
        db.setDatabaseName(m_path);
        // drconsole and drctl append to one trail: a writer waits for the other's short
        // transaction instead of failing.
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
        if (!db.open())
            return refuse(describe(db.lastError()));
    }
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    // WAL: readers (a viewer, verify) never block the appending console. synchronous=FULL:
    // an acknowledged audit entry must survive a power cut, and appends are rare.
    for (const char *sql :
        {
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=FULL",
            "CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, kind "
            "TEXT NOT NULL,"
            " actor TEXT NOT NULL, run_id TEXT NOT NULL, summary TEXT NOT NULL, data TEXT NOT NULL,"
            " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS entries_run ON entries (run_id)",
            // The last entry as the last writer saw it, with its own HMAC: finds removal of
            // entries from the end, which the chain alone cannot.
            "CREATE TABLE IF NOT EXISTS head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER "
            "NOT NULL,"
            " hash TEXT NOT NULL, mac TEXT NOT NULL)",
        }) {
        // A file that is not a database opens fine: the first statement is where SQLite notices.
        if (!execRetryingLocked(q, QString::fromLatin1(sql)))
            return refuse(describe(q.lastError()));
    }
    return {};
}

Result<AuditEntry> AuditTrail::append(const QString &kind, const QString &actor,
    const QString &runId, const QString &summary, const QJsonObject &data)
{
    if (m_key.isEmpty())
        return fail(QStringLiteral("cannot append to the audit trail %1: no audit key was given")
                        .arg(m_path));
    if (kind.isEmpty() || actor.isEmpty())
        return fail(QStringLiteral(
            "cannot append to the audit trail %1: an entry needs a kind and an actor")
                        .arg(m_path));
    if (auto ok = open(); !ok)
        return fail(ok.error());
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery q(db);
    const auto refuse = [this, &q](const QString &why) {
        q.finish();
        q.exec(QStringLiteral("ROLLBACK"));
        const QString message
            = QStringLiteral("cannot append to the audit trail %1: %2").arg(m_path, why);
        log::get("audit")->error("{}", message.toStdString());
        return fail(message);
    };
    // IMMEDIATE takes the write lock before reading the last hash, so two processes cannot
    // both chain onto the same entry.
    if (!q.exec(QStringLiteral("BEGIN IMMEDIATE"))) {
        const QString message = QStringLiteral("cannot append to the audit trail %1: %2")
                                    .arg(m_path, describe(q.lastError()));
        log::get("audit")->error("{}", message.toStdString());
        return fail(message);
    }
    if (!q.exec(QStringLiteral("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1")))
        return refuse(describe(q.lastError()));
    AuditEntry e;
    e.seq = 1;
    e.prevHash = zeroHash();
    if (q.next()) {
        e.seq = q.value(0).toLongLong() + 1;
        e.prevHash = q.value(1).toString().toLatin1();
    }
    q.finish();
    // Stored and hashed at millisecond precision, so the entry read back hashes the same.
    const QDateTime now = m_clock->nowUtc().toUTC();
    e.at = QDateTime::fromMSecsSinceEpoch(now.toMSecsSinceEpoch(), Qt::UTC);
    e.kind = kind;
    e.actor = actor;
    e.runId = runId;
    e.summary = summary;
    e.data = data;
    e.hash = mac(m_key, canonical(e));

    q.prepare(QStringLiteral(
        "INSERT INTO entries (seq, at, kind, actor, run_id, summary, data, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    q.addBindValue(e.seq);
    q.addBindValue(isoMs(e.at));
    q.addBindValue(text(e.kind));
    q.addBindValue(text(e.actor));
    q.addBindValue(text(e.runId));
    q.addBindValue(text(e.summary));
    q.addBindValue(QString::fromUtf8(compactJson(e.data)));
    q.addBindValue(QString::fromLatin1(e.prevHash));
    q.addBindValue(QString::fromLatin1(e.hash));
    if (!q.exec())
        return refuse(describe(q.lastError()));
    q.prepare(
        QStringLiteral("INSERT OR REPLACE INTO head (id, seq, hash, mac) VALUES (1, ?, ?, ?)"));
    q.addBindValue(e.seq);
    q.addBindValue(QString::fromLatin1(e.hash));
    q.addBindValue(QString::fromLatin1(mac(m_key, headCanonical(e.seq, e.hash))));
    if (!q.exec())
        return refuse(describe(q.lastError()));
    if (!q.exec(QStringLiteral("COMMIT")))
        return refuse(describe(q.lastError()));
    return e;
}

Result<QList<AuditEntry>> AuditTrail::entries(const AuditFilter &filter) const
{
    if (!QSqlDatabase::contains(m_connection)
        || !QSqlDatabase::database(m_connection, false).isOpen())
        return fail(QStringLiteral("the audit trail %1 is not open").arg(m_path));
    QStringList where;
    QVariantList values;
    if (filter.from.isValid()) {
        // ISO 8601 UTC with milliseconds sorts as text in time order.
        where << QStringLiteral("at >= ?");
        values << isoMs(filter.from);
    }
    if (filter.to.isValid()) {
        where << QStringLiteral("at <= ?");
        values << isoMs(filter.to);
    }
    const std::array<std::pair<const char *, const QString *>, 3> exact { {
        { "actor = ?", &filter.actor },
        { "run_id = ?", &filter.runId },
        { "kind = ?", &filter.kind },
    } };
    for (const auto &[clause, value] : exact) {
        if (!value->isEmpty()) {
            where << QString::fromLatin1(clause);
            values << *value;
        }
    }
    QString sql = QStringLiteral(
        "SELECT seq, at, kind, actor, run_id, summary, data, prev_hash, hash FROM entries");
    if (!where.isEmpty())
        sql += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    // Newest first so that a limit keeps the most recent; the text match is done here rather
    // than with LIKE, which folds case for ASCII only.
    sql += QStringLiteral(" ORDER BY seq DESC");
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(sql);
    for (const QVariant &v : std::as_const(values))
        q.addBindValue(v);
    if (!q.exec())
        return fail(QStringLiteral("cannot read the audit trail %1: %2")
                        .arg(m_path, describe(q.lastError())));
    QList<AuditEntry> out;
    while (q.next()) {
        AuditEntry e;
        e.seq = q.value(0).toLongLong();
        e.at = QDateTime::fromString(q.value(1).toString(), Qt::ISODateWithMs).toUTC();
        e.kind = q.value(2).toString();
        e.actor = q.value(3).toString();
        e.runId = q.value(4).toString();
        e.summary = q.value(5).toString();
        e.data = QJsonDocument::fromJson(q.value(6).toString().toUtf8()).object();
        e.prevHash = q.value(7).toString().toLatin1();
        e.hash = q.value(8).toString().toLatin1();
        if (!filter.text.isEmpty() && !e.summary.contains(filter.text, Qt::CaseInsensitive))
            continue;
        out.append(std::move(e));
        if (filter.limit > 0 && out.size() >= filter.limit)
            break;
    }
    std::reverse(out.begin(), out.end());
    return out;
}

Result<AuditVerification> AuditTrail::verify() const
{
    if (m_key.isEmpty())
        return fail(
            QStringLiteral("cannot verify the audit trail %1: no audit key was given").arg(m_path));
    if (!QSqlDatabase::contains(m_connection)
        || !QSqlDatabase::database(m_connection, false).isOpen())
        return fail(QStringLiteral("the audit trail %1 is not open").arg(m_path));
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery q(db);
    // One read transaction: the entries and the head are seen as of one moment, even while
    // another process appends.
    if (!q.exec(QStringLiteral("BEGIN")))
        return fail(QStringLiteral("cannot read the audit trail %1: %2")
                        .arg(m_path, describe(q.lastError())));
    const auto finish = [&q](AuditVerification v) {
        q.finish();
        q.exec(QStringLiteral("COMMIT"));
        return v;
    };
    const auto broken = [&finish](qint64 count, qint64 seq, const QString &problem) {
        AuditVerification v;
        v.intact = false;
        v.entries = count;
        v.firstBadSeq = seq;
        v.problem = problem;
        return finish(v);
    };

    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT seq, at, kind, actor, run_id, summary, data, prev_hash, "
                               "hash FROM entries ORDER BY seq"))) {
        const QString why = describe(q.lastError());
        q.exec(QStringLiteral("ROLLBACK"));
        return fail(QStringLiteral("cannot read the audit trail %1: %2").arg(m_path, why));
    }
    qint64 count = 0;
    qint64 expectedSeq = 1;
    QByteArray expectedPrev = zeroHash();
    while (q.next()) {
        RawEntry e;
        e.seq = q.value(0).toLongLong();
        e.at = q.value(1).toString().toUtf8();
        e.kind = q.value(2).toString().toUtf8();
        e.actor = q.value(3).toString().toUtf8();
        e.runId = q.value(4).toString().toUtf8();
        e.summary = q.value(5).toString().toUtf8();
        e.data = q.value(6).toString().toUtf8();
        e.prevHash = q.value(7).toString().toUtf8();
        e.hash = q.value(8).toString().toUtf8();
        ++count;
        if (e.seq != expectedSeq) {
            const QString where = expectedSeq == 1
                ? QStringLiteral("entry %1 is the first entry").arg(e.seq)
                : QStringLiteral("entry %1 follows entry %2").arg(e.seq).arg(expectedSeq - 1);
            return broken(count, expectedSeq,
                QStringLiteral("%1 (%2: removed or renumbered)")
                    .arg(missingRange(expectedSeq, e.seq - 1), where));
        }
        if (!constantTimeEquals(e.prevHash, expectedPrev)) {
            return broken(count, e.seq,
                e.seq == 1
                    ? QStringLiteral("entry 1: its previous hash is not the start of a trail (rows "
                                     "were replaced or reordered)")
                    : QStringLiteral(
                        "entry %1: its previous hash does not match entry %2 (rows were removed, "
                        "reordered or replaced)")
                          .arg(e.seq)
                          .arg(e.seq - 1));
        }
        if (!constantTimeEquals(mac(m_key, canonicalRaw(e)), e.hash)) {
            return broken(count, e.seq,
                e.seq == 1 ? QStringLiteral(
                    "entry 1: its hash does not match its content (changed after it was written, "
                    "or the audit key is not the one this trail was written with)")
                           : QStringLiteral("entry %1: its hash does not match its content "
                                            "(changed after it was written)")
                                 .arg(e.seq));
        }
        expectedPrev = e.hash;
        ++expectedSeq;
    }
    q.finish();
    const qint64 lastSeq = expectedSeq - 1;

    if (!q.exec(QStringLiteral("SELECT seq, hash, mac FROM head WHERE id = 1"))) {
        const QString why = describe(q.lastError());
        q.exec(QStringLiteral("ROLLBACK"));
        return fail(QStringLiteral("cannot read the audit trail %1: %2").arg(m_path, why));
    }
    if (!q.next()) {
        if (count == 0)
            return finish(AuditVerification { true, 0, 0, {} });
        return broken(count, lastSeq,
            QStringLiteral("entry %1: the trail's head record is missing (entries may have been "
                           "removed from the end)")
                .arg(lastSeq));
    }
    const qint64 headSeq = q.value(0).toLongLong();
    const QByteArray headHash = q.value(1).toString().toUtf8();
    const QByteArray headMac = q.value(2).toString().toUtf8();
    if (!constantTimeEquals(mac(m_key, headCanonical(headSeq, headHash)), headMac))
        return broken(count, std::max<qint64>(lastSeq, 1),
            QStringLiteral("the trail's head record does not match its content (changed after it "
                           "was written)"));
    if (headSeq > lastSeq)
        return broken(count, lastSeq + 1,
            QStringLiteral("%1 (removed from the end of the trail; the last entry written was %2)")
                .arg(missingRange(lastSeq + 1, headSeq))
                .arg(headSeq));
    if (headSeq < lastSeq)
        return broken(count, headSeq + 1,
            QStringLiteral(
                "entry %1: it was not recorded in the trail's head (entries %1..%2 were added "
                "outside DR Console)")
                .arg(headSeq + 1)
                .arg(lastSeq));
    if (!constantTimeEquals(headHash, expectedPrev))
        return broken(count, lastSeq,
            QStringLiteral("entry %1: its hash does not match the trail's head record (the entry "
                           "was replaced)")
                .arg(lastSeq));
    return finish(AuditVerification { true, count, 0, {} });
}

QByteArray AuditTrail::canonical(const AuditEntry &entry)
{
    RawEntry e;
    e.seq = entry.seq;
    e.at = isoMs(entry.at).toUtf8();
    e.kind = entry.kind.toUtf8();
    e.actor = entry.actor.toUtf8();
    e.runId = entry.runId.toUtf8();
    e.summary = entry.summary.toUtf8();
    e.data = compactJson(entry.data);
    e.prevHash = entry.prevHash;
    return canonicalRaw(e);
}

QJsonObject auditEntryToJson(const AuditEntry &entry)
{
    return QJsonObject {
        { QStringLiteral("seq"), entry.seq },
        { QStringLiteral("at"), isoMs(entry.at) },
        { QStringLiteral("kind"), entry.kind },
        { QStringLiteral("actor"), entry.actor },
        { QStringLiteral("runId"), entry.runId },
        { QStringLiteral("summary"), entry.summary },
        { QStringLiteral("data"), entry.data },
        { QStringLiteral("prevHash"), QString::fromLatin1(entry.prevHash) },
        { QStringLiteral("hash"), QString::fromLatin1(entry.hash) },
    };
}

namespace {

// The alternative for machines without a keychain, spelled out so an operator can act on it.
QString keyFileAlternative()
{
    return QStringLiteral("add \"audit\": {\"key\": {\"file\": \"PATH\"}} to the profile, a file "
                          "with a random key and "
                          "permissions 0600 (e.g. head -c 32 /dev/urandom > PATH; chmod 600 PATH)");
}

// SecretStore reports a missing entry with this phrase (secretstore.cpp, EntryNotFound).
bool isMissingEntry(const QString &error)
{
    return error.endsWith(QStringLiteral("no such entry in the keychain"));
}

QString keychainProblem(const QString &entry, const QString &error)
{
    // SecretStore says "refused access" when a keychain exists but is locked or said no;
    // anything else (no D-Bus session, no Secret Service) means there is none to use.
    if (error.contains(QStringLiteral("refused access")))
        return QStringLiteral(
            "the OS keychain refused access to the audit key (%1); unlock it, or on a machine "
            "without a keychain, %2")
            .arg(error, keyFileAlternative());
    return QStringLiteral(
        "no OS keychain is available for the audit key (entry '%1': %2); on a machine without one "
        "(a headless server, CI), %3")
        .arg(entry, error, keyFileAlternative());
}

Result<QByteArray> checkedKey(const QString &source, Result<QByteArray> key)
{
    if (!key)
        return fail(QStringLiteral("cannot read the audit key: %1").arg(key.error()));
    if (key->size() < kMinKeyBytes)
        return fail(
            QStringLiteral("the audit key in %1 is %2 bytes; it must be at least %3 random bytes")
                .arg(source)
                .arg(key->size())
                .arg(kMinKeyBytes));
    return key;
}

// Whether the profile's trail already holds entries, read on a connection of its own.
Result<qint64> existingEntries(const QString &path)
{
    if (!QFileInfo::exists(path))
        return 0;
    const QString name
        = QStringLiteral("audit-count-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    Result<qint64> out = 0;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=10000"));
        if (!db.open()) {
            out = fail(QStringLiteral("cannot open the audit trail %1: %2")
                           .arg(path, describe(db.lastError())));
        } else {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("SELECT count(*) FROM entries")) && q.next())
                out = q.value(0).toLongLong();
            else if (!q.lastError().text().contains(QStringLiteral("no such table")))
                out = fail(QStringLiteral("cannot read the audit trail %1: %2")
                               .arg(path, describe(q.lastError())));
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
    return out;
}

} // namespace

void loadAuditKey(SecretStore *store, const Profile &profile, bool createIfMissing,
    std::function<void(Result<QByteArray>)> done)
{
    if (profile.audit.key) {
        const SecretRef ref = *profile.audit.key;
        store->read(ref, [done = std::move(done), ref](Result<QByteArray> key) {
            done(checkedKey(ref.describe(), std::move(key)));
        });
        return;
    }
    const QString entry = AuditTrail::keychainEntry(profile);
    const SecretRef ref { SecretRef::Source::Keychain, entry };
    const QString trailPath = AuditTrail::defaultPath(profile);
    store->read(ref,
        [store, ref, entry, trailPath, createIfMissing, done = std::move(done)](
            Result<QByteArray> key) mutable {
            if (key) {
                done(checkedKey(ref.describe(), std::move(key)));
                return;
            }
            if (!isMissingEntry(key.error())) {
                done(fail(keychainProblem(entry, key.error())));
                return;
            }
            if (!createIfMissing) {
                done(fail(QStringLiteral("no audit key yet: the OS keychain has no entry '%1' (it "
                                         "is created when the first "
                                         "audit entry is written)")
                              .arg(entry)));
                return;
            }
            // A new key for a trail that has entries would make every old entry fail verification:
            // the missing key must be restored instead.
            const auto existing = existingEntries(trailPath);
            if (!existing) {
                done(fail(existing.error()));
                return;
            }
            if (*existing > 0) {
                done(fail(
                    QStringLiteral("the audit trail %1 has %2 entries but its key (keychain entry "
                                   "'%3') is missing: "
                                   "restore the key, or move the trail aside to start a new one")
                        .arg(trailPath)
                        .arg(*existing)
                        .arg(entry)));
                return;
            }
            std::array<quint32, kCreatedKeyBytes / sizeof(quint32)> words {};
            QRandomGenerator::system()->fillRange(words.data(), qsizetype(words.size()));
            const QByteArray created
                = QByteArray(reinterpret_cast<const char *>(words.data()), kCreatedKeyBytes)
                      .toBase64();
            words.fill(0);
            store->writeKeychain(entry, created,
                [store, ref, entry, done = std::move(done)](Result<void> written) mutable {
                    if (!written) {
                        done(fail(keychainProblem(entry, written.error())));
                        return;
                    }
                    // Read back rather than trust what was written: a concurrent first run
                    // elsewhere may have written its own key a moment later, and the keychain's
                    // copy is the one every later run will use.
                    store->read(ref, [ref, done = std::move(done)](Result<QByteArray> key) {
                        done(checkedKey(ref.describe(), std::move(key)));
                    });
                });
        });
}

} // namespace dr
