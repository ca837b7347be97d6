#include "remoteaudit.h"

#include "audittrail.h"
#include "azure/blobclient.h"
#include "logging/logging.h"
#include "runbook/runlock.h"
#include "secrets/secretstore.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QRegularExpression>
#include <QSaveFile>

#include <algorithm>

namespace dr {

namespace {

const QByteArray &zeroHash()
{
    static const QByteArray zeros(64, '0');
    return zeros;
}

QString container()
{
    return QString::fromLatin1(RemoteAuditCopy::kContainer);
}

// What a region's copy holds up to, as far as this workstation knows: the last entry pushed
// and the blob's length after it (the next append position).
struct Cursor
{
    qint64 seq = 0;
    QByteArray hash = zeroHash();
    qint64 offset = 0;
};

// The local trail, read once per push or check.
struct LocalTrail
{
    QList<AuditEntry> entries;
    QHash<qint64, qsizetype> index;

    const AuditEntry *bySeq(qint64 seq) const
    {
        const auto it = index.constFind(seq);
        return it == index.constEnd() ? nullptr : &entries.at(*it);
    }
    qint64 lastSeq() const { return entries.isEmpty() ? 0 : entries.constLast().seq; }
};

Result<std::shared_ptr<const LocalTrail>> loadLocal(const QString &path)
{
    auto local = std::make_shared<LocalTrail>();
    // open() would create a missing trail; an absent trail is simply an empty one here.
    if (!QFileInfo::exists(path))
        return std::shared_ptr<const LocalTrail>(local);
    AuditTrail trail(path, {});
    if (auto ok = trail.open(); !ok)
        return fail(ok.error());
    auto entries = trail.entries();
    if (!entries)
        return fail(entries.error());
    local->entries = std::move(*entries);
    for (qsizetype i = 0; i < local->entries.size(); ++i)
        local->index.insert(local->entries.at(i).seq, i);
    return std::shared_ptr<const LocalTrail>(local);
}

QByteArray lineOf(const AuditEntry &entry)
{
    return QJsonDocument(auditEntryToJson(entry)).toJson(QJsonDocument::Compact) + '\n';
}

bool isHexHash(const QByteArray &hash)
{
    static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{64}$"));
    return hex.match(QString::fromLatin1(hash)).hasMatch();
}

Result<AuditEntry> entryFromLine(const QByteArray &line)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
    if (error.error != QJsonParseError::NoError)
        return fail(QStringLiteral("not JSON (%1)").arg(error.errorString()));
    if (!doc.isObject())
        return fail(QStringLiteral("not a JSON object"));
    const QJsonObject o = doc.object();
    AuditEntry e;
    const QJsonValue seq = o.value(QStringLiteral("seq"));
    e.seq = seq.toInteger(-1);
    if (!seq.isDouble() || e.seq < 1)
        return fail(QStringLiteral("no valid \"seq\""));
    const QString at = o.value(QStringLiteral("at")).toString();
    e.at = QDateTime::fromString(at, Qt::ISODateWithMs).toUTC();
    if (!e.at.isValid())
        return fail(QStringLiteral("entry %1: no valid \"at\"").arg(e.seq));
    e.kind = o.value(QStringLiteral("kind")).toString();
    e.actor = o.value(QStringLiteral("actor")).toString();
    e.runId = o.value(QStringLiteral("runId")).toString();
    e.summary = o.value(QStringLiteral("summary")).toString();
    e.data = o.value(QStringLiteral("data")).toObject();
    e.prevHash = o.value(QStringLiteral("prevHash")).toString().toLatin1();
    e.hash = o.value(QStringLiteral("hash")).toString().toLatin1();
    if (!isHexHash(e.prevHash) || !isHexHash(e.hash))
        return fail(QStringLiteral("entry %1: \"prevHash\" or \"hash\" is not 64 hex digits")
                        .arg(e.seq));
    return e;
}

// "unreachable" is for no answer or a server in trouble (the entries wait); a refusal with a
// reason (403 AuthenticationFailed, 409 ...) needs someone to act.
bool unreachable(const QString &error)
{
    static const QRegularExpression status(QStringLiteral(": HTTP ([1-5][0-9][0-9])"));
    const auto match = status.match(error);
    return !match.hasMatch() || match.captured(1).toInt() >= 500;
}

// The cursor file: {"version": 1, "cursors": {TARGET: {"region", "seq", "hash", "offset"}}}.
QJsonObject readCursorFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QJsonObject root = QJsonDocument::fromJson(file.read(1024 * 1024)).object();
    return root.value(QStringLiteral("cursors")).toObject();
}

std::optional<Cursor> loadCursor(const QString &path, const QString &target)
{
    const QJsonObject o = readCursorFile(path).value(target).toObject();
    if (o.isEmpty())
        return std::nullopt;
    Cursor c;
    c.seq = o.value(QStringLiteral("seq")).toInteger(-1);
    c.hash = o.value(QStringLiteral("hash")).toString().toLatin1();
    c.offset = o.value(QStringLiteral("offset")).toInteger(-1);
    // A damaged cursor is as good as none: the copy is read from its start instead.
    if (c.seq < 0 || c.offset < 0 || !isHexHash(c.hash) || (c.seq == 0) != (c.offset == 0))
        return std::nullopt;
    return c;
}

void saveCursor(const QString &path, const QString &target, const QString &regionId,
    const Cursor &cursor)
{
    // Read again just before writing, so another region's (or process's) cursor is kept; a
    // lost update only costs the next push a read of the copy's tail.
    QJsonObject cursors = readCursorFile(path);
    cursors.insert(target,
        QJsonObject { { QStringLiteral("region"), regionId },
            { QStringLiteral("seq"), cursor.seq },
            { QStringLiteral("hash"), QString::fromLatin1(cursor.hash) },
            { QStringLiteral("offset"), cursor.offset } });
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        log::get("audit")->warn("cannot write the audit copy cursor {}: {}", path.toStdString(),
            file.errorString().toStdString());
        return;
    }
    file.write(QJsonDocument(QJsonObject { { QStringLiteral("version"), 1 },
                                 { QStringLiteral("cursors"), cursors } })
            .toJson());
    if (!file.commit())
        log::get("audit")->warn("cannot write the audit copy cursor {}: {}", path.toStdString(),
            file.errorString().toStdString());
}

// Reads [from, to) of a blob in pieces a response may hold.
void readRange(azure::BlobClient *client, const QString &blob, qint64 from, qint64 to,
    QByteArray collected, std::function<void(Result<QByteArray>)> done)
{
    constexpr qint64 kPiece = 4 * 1024 * 1024;
    if (from >= to)
        return done(std::move(collected));
    const qint64 length = std::min(kPiece, to - from);
    client->getBlobRange(container(), blob, from, length,
        [client, blob, from, to, collected = std::move(collected), done](
            Result<std::optional<azure::Blob>> r) mutable {
            if (!r)
                return done(fail(r.error()));
            if (!*r)
                return done(fail(QStringLiteral("%1/%2 disappeared while it was read")
                                     .arg(container(), blob)));
            if ((*r)->data.isEmpty())
                return done(fail(QStringLiteral("%1/%2 ended at byte %3 while it was read")
                                     .arg(container(), blob)
                                     .arg(from)));
            const qint64 next = from + (*r)->data.size();
            collected += (*r)->data;
            readRange(client, blob, next, to, std::move(collected), std::move(done));
        });
}

QString rangeText(qint64 first, qint64 last)
{
    return first == last ? QStringLiteral("entry %1").arg(first)
                         : QStringLiteral("entries %1-%2").arg(first).arg(last);
}

// Walks the copy's lines from `start` (the copy's content before them is known) and checks each
// against the local trail; the answer is where the copy ends, or why it diverged.
Result<Cursor> reconcile(const Cursor &start, const QByteArray &bytes, const LocalTrail &local)
{
    Cursor cur = start;
    qsizetype pos = 0;
    while (pos < bytes.size()) {
        const qsizetype nl = bytes.indexOf('\n', pos);
        if (nl < 0)
            return fail(QStringLiteral("the copy ends in an incomplete line at byte %1")
                            .arg(start.offset + pos));
        const auto e = entryFromLine(bytes.mid(pos, nl - pos));
        if (!e)
            return fail(QStringLiteral("the line at byte %1 of the copy is not an audit entry: %2")
                            .arg(start.offset + pos)
                            .arg(e.error()));
        if (e->seq != cur.seq + 1)
            return fail(e->seq > cur.seq + 1
                    ? QStringLiteral("MISSING %1 in the copy (entry %2 follows entry %3)")
                          .arg(rangeText(cur.seq + 1, e->seq - 1))
                          .arg(e->seq)
                          .arg(cur.seq)
                    : QStringLiteral("entry %1 appears again in the copy after entry %2")
                          .arg(e->seq)
                          .arg(cur.seq));
        if (e->prevHash != cur.hash)
            return fail(QStringLiteral("DIFFERS at entry %1: in the copy it does not follow entry %2")
                            .arg(e->seq)
                            .arg(cur.seq));
        const AuditEntry *mine = local.bySeq(e->seq);
        if (!mine)
            return fail(QStringLiteral("the copy has entry %1, which the local trail lacks (it "
                                       "ends at entry %2): the local trail was replaced by an "
                                       "older copy or cut")
                            .arg(e->seq)
                            .arg(local.lastSeq()));
        // The content too, not just the hash field: a rewritten line that kept its hash would
        // otherwise pass here (verifyRemote() would catch it with the key; pushing needs none).
        if (mine->hash != e->hash || AuditTrail::canonical(*mine) != AuditTrail::canonical(*e))
            return fail(QStringLiteral("DIFFERS at entry %1: the copy's entry is not the local one")
                            .arg(e->seq));
        cur.seq = e->seq;
        cur.hash = e->hash;
        cur.offset = start.offset + nl + 1;
        pos = nl + 1;
    }
    return cur;
}

// One region's push: find where the copy ends, then append what follows in batches, each at
// the position it expects.
class RegionPusher : public std::enable_shared_from_this<RegionPusher>
{
public:
    RegionPusher(azure::BlobClient *client, QString regionId, QString blob, QString cursorPath,
        QString target, std::shared_ptr<const LocalTrail> local,
        std::function<void(RemoteAuditPush)> done)
        : m_client(client)
        , m_blob(std::move(blob))
        , m_cursorPath(std::move(cursorPath))
        , m_target(std::move(target))
        , m_local(std::move(local))
        , m_done(std::move(done))
    {
        m_result.regionId = std::move(regionId);
    }

    void start()
    {
        // What the copy held at the last push: the answer when the region cannot be reached
        // now (0 would read as an empty copy).
        if (const auto saved = loadCursor(m_cursorPath, m_target))
            m_result.remoteEntries = saved->seq;
        properties();
    }

private:
    void properties()
    {
        auto self = shared_from_this();
        m_client->getBlobProperties(
            container(), m_blob, [self](Result<std::optional<azure::BlobItem>> r) {
                if (!r)
                    return self->failed(r.error());
                if (!*r) {
                    if (self->m_created)
                        return self->finish(RemoteAuditPush::State::Error,
                            QStringLiteral("%1/%2 is missing just after it was created")
                                .arg(container(), self->m_blob));
                    return self->create();
                }
                const QString type = (*r)->blobType;
                if (!type.isEmpty() && type != u"AppendBlob")
                    return self->finish(RemoteAuditPush::State::Error,
                        QStringLiteral("%1/%2 is a %3, not an append blob: DR Console did not "
                                       "write it as it is")
                            .arg(container(), self->m_blob, type));
                const qint64 length = (*r)->contentLength;
                const auto saved = loadCursor(self->m_cursorPath, self->m_target);
                const Cursor from = saved && saved->offset <= length ? *saved : Cursor {};
                self->readTail(from, length);
            });
    }

    void create()
    {
        auto self = shared_from_this();
        m_client->createContainer(container(), [self](Result<bool> made) {
            if (!made)
                return self->failed(made.error());
            self->m_client->createAppendBlobIfMissing(container(), self->m_blob,
                QStringLiteral("application/x-ndjson"),
                { { QStringLiteral("format"), QStringLiteral("drconsole-audit-jsonl/1") } },
                [self](Result<bool> r) {
                    if (!r)
                        return self->failed(r.error());
                    self->m_created = true;
                    self->properties();
                });
        });
    }

    void readTail(const Cursor &from, qint64 length)
    {
        if (from.offset == length) {
            m_cursor = from;
            return appendNext();
        }
        auto self = shared_from_this();
        readRange(m_client, m_blob, from.offset, length, {}, [self, from](Result<QByteArray> r) {
            if (!r)
                return self->failed(r.error());
            const auto reached = reconcile(from, *r, *self->m_local);
            if (!reached)
                return self->finish(RemoteAuditPush::State::Diverged, reached.error());
            self->m_cursor = *reached;
            self->save();
            self->appendNext();
        });
    }

    void appendNext()
    {
        m_result.remoteEntries = m_cursor.seq;
        if (m_cursor.seq > m_local->lastSeq())
            return finish(RemoteAuditPush::State::Diverged,
                QStringLiteral("the copy has entries up to %1, the local trail only up to %2: the "
                               "local trail was replaced by an older copy or cut")
                    .arg(m_cursor.seq)
                    .arg(m_local->lastSeq()));
        if (m_cursor.seq > 0) {
            const AuditEntry *mine = m_local->bySeq(m_cursor.seq);
            if (!mine || mine->hash != m_cursor.hash)
                return finish(RemoteAuditPush::State::Diverged,
                    QStringLiteral("DIFFERS at entry %1: the copy's entry is not the local one")
                        .arg(m_cursor.seq));
        }
        QByteArray batch;
        Cursor next = m_cursor;
        int count = 0;
        for (qint64 seq = m_cursor.seq + 1; seq <= m_local->lastSeq(); ++seq) {
            const AuditEntry *e = m_local->bySeq(seq);
            if (!e)
                return finish(RemoteAuditPush::State::Error,
                    QStringLiteral("local entry %1 is missing: run drctl audit verify").arg(seq));
            if (e->prevHash != next.hash)
                return finish(RemoteAuditPush::State::Error,
                    QStringLiteral("local entry %1 does not follow entry %2: run drctl audit "
                                   "verify")
                        .arg(seq)
                        .arg(next.seq));
            const QByteArray line = lineOf(*e);
            if (!batch.isEmpty() && batch.size() + line.size() > RemoteAuditCopy::kBatchBytes)
                break;
            if (line.size() > azure::BlobClient::kMaxAppendBlockBytes)
                return finish(RemoteAuditPush::State::Error,
                    QStringLiteral("local entry %1 is larger than an append block").arg(seq));
            batch += line;
            next.seq = e->seq;
            next.hash = e->hash;
            ++count;
        }
        if (count == 0)
            return finish(RemoteAuditPush::State::Pushed, {});
        next.offset = m_cursor.offset + batch.size();
        auto self = shared_from_this();
        m_client->appendBlock(container(), m_blob, batch, m_cursor.offset,
            [self, next, count](Result<azure::WriteResult> r) {
                if (r) {
                    self->m_cursor = next;
                    self->m_result.pushed += count;
                    self->save();
                    return self->appendNext();
                }
                if (azure::BlobClient::serviceErrorCode(r.error())
                    != u"AppendPositionConditionNotMet")
                    return self->failed(r.error());
                // Someone else appended first: read what they wrote, check it, go on after it.
                if (++self->m_races > RemoteAuditCopy::kMaxRaceRetries)
                    return self->finish(RemoteAuditPush::State::Unreachable,
                        QStringLiteral("other writers kept appending first (%1 tries); the "
                                       "entries wait for the next push")
                            .arg(self->m_races));
                self->properties();
            });
    }

    void save() { saveCursor(m_cursorPath, m_target, m_result.regionId, m_cursor); }

    void failed(const QString &error)
    {
        finish(unreachable(error) ? RemoteAuditPush::State::Unreachable
                                  : RemoteAuditPush::State::Error,
            error);
    }

    void finish(RemoteAuditPush::State state, const QString &detail)
    {
        if (!m_done)
            return;
        m_result.state = state;
        m_result.detail = detail;
        auto done = std::move(m_done);
        m_done = nullptr;
        done(m_result);
    }

    azure::BlobClient *m_client;
    QString m_blob;
    QString m_cursorPath;
    QString m_target;
    std::shared_ptr<const LocalTrail> m_local;
    std::function<void(RemoteAuditPush)> m_done;
    RemoteAuditPush m_result;
    Cursor m_cursor;
    bool m_created = false;
    int m_races = 0;
};

// One region's check: the whole copy, line by line, against its own chain and the local trail.
RemoteAuditCheck checkCopy(const QString &regionId, const QByteArray &bytes,
    const LocalTrail &local, const QByteArray &key, const std::optional<Cursor> &cursor)
{
    RemoteAuditCheck check;
    check.regionId = regionId;
    check.localEntries = local.lastSeq();
    const auto stop = [&check](RemoteAuditCheck::State state, qint64 first, qint64 last,
                          const QString &detail) {
        check.state = state;
        check.firstSeq = first;
        check.lastSeq = last;
        check.detail = detail;
        return check;
    };
    qint64 prevSeq = 0;
    QByteArray prevHash = zeroHash();
    qint64 missingLocallyFrom = 0;
    qsizetype pos = 0;
    while (pos < bytes.size()) {
        qsizetype nl = bytes.indexOf('\n', pos);
        if (nl < 0)
            nl = bytes.size();
        const auto e = entryFromLine(bytes.mid(pos, nl - pos));
        if (!e)
            return stop(RemoteAuditCheck::State::Differs, prevSeq + 1, prevSeq + 1,
                QStringLiteral("DIFFERS at entry %1: the line at byte %2 of the copy is not an "
                               "audit entry (%3)")
                    .arg(prevSeq + 1)
                    .arg(pos)
                    .arg(e.error()));
        if (e->seq > prevSeq + 1)
            return stop(RemoteAuditCheck::State::Missing, prevSeq + 1, e->seq - 1,
                QStringLiteral("MISSING %1 in the copy (entry %2 follows entry %3)")
                    .arg(rangeText(prevSeq + 1, e->seq - 1))
                    .arg(e->seq)
                    .arg(prevSeq));
        if (e->seq <= prevSeq)
            return stop(RemoteAuditCheck::State::Differs, e->seq, e->seq,
                QStringLiteral("DIFFERS at entry %1: it appears again in the copy after entry %2")
                    .arg(e->seq)
                    .arg(prevSeq));
        if (e->prevHash != prevHash)
            return stop(RemoteAuditCheck::State::Differs, e->seq, e->seq,
                QStringLiteral("DIFFERS at entry %1: in the copy it does not follow entry %2")
                    .arg(e->seq)
                    .arg(prevSeq));
        const QByteArray mac = QMessageAuthenticationCode::hash(
            AuditTrail::canonical(*e), key, QCryptographicHash::Sha256)
                                   .toHex();
        if (mac != e->hash)
            return stop(RemoteAuditCheck::State::Differs, e->seq, e->seq,
                QStringLiteral("DIFFERS at entry %1: the copy's entry was changed (its hash does "
                               "not match its content)")
                    .arg(e->seq));
        const AuditEntry *mine = local.bySeq(e->seq);
        if (!mine) {
            if (missingLocallyFrom == 0)
                missingLocallyFrom = e->seq;
        } else if (missingLocallyFrom != 0 || mine->hash != e->hash) {
            return stop(RemoteAuditCheck::State::Differs, e->seq, e->seq,
                QStringLiteral("DIFFERS at entry %1: the copy's entry and the local one are not "
                               "the same")
                    .arg(e->seq));
        }
        prevSeq = e->seq;
        prevHash = e->hash;
        ++check.remoteEntries;
        pos = nl + 1;
    }
    if (missingLocallyFrom != 0)
        return stop(RemoteAuditCheck::State::MissingLocally, missingLocallyFrom, prevSeq,
            QStringLiteral("MISSING locally: %1 in the copy but not in the local trail (it ends "
                           "at entry %2): the local trail was replaced by an older copy or cut")
                .arg(rangeText(missingLocallyFrom, prevSeq))
                .arg(local.lastSeq()));
    if (cursor && cursor->seq > prevSeq)
        return stop(RemoteAuditCheck::State::Missing, prevSeq + 1, cursor->seq,
            QStringLiteral("MISSING %1 in the copy: pushed from this workstation earlier, gone "
                           "from the copy now")
                .arg(rangeText(prevSeq + 1, cursor->seq)));
    check.notYetPushed = local.lastSeq() - prevSeq;
    return stop(RemoteAuditCheck::State::Matches, 0, 0,
        QStringLiteral("matches: %1 entries (local has %2; %3 not yet pushed)")
            .arg(check.remoteEntries)
            .arg(check.localEntries)
            .arg(check.notYetPushed));
}

} // namespace

QString remoteAuditPushStateName(RemoteAuditPush::State state)
{
    switch (state) {
    case RemoteAuditPush::State::Pushed:
        return QStringLiteral("pushed");
    case RemoteAuditPush::State::Unreachable:
        return QStringLiteral("unreachable");
    case RemoteAuditPush::State::Diverged:
        return QStringLiteral("diverged");
    case RemoteAuditPush::State::Error:
        break;
    }
    return QStringLiteral("error");
}

QString remoteAuditCheckStateName(RemoteAuditCheck::State state)
{
    switch (state) {
    case RemoteAuditCheck::State::Matches:
        return QStringLiteral("matches");
    case RemoteAuditCheck::State::Missing:
        return QStringLiteral("missing");
    case RemoteAuditCheck::State::MissingLocally:
        return QStringLiteral("missing-locally");
    case RemoteAuditCheck::State::Differs:
        return QStringLiteral("differs");
    case RemoteAuditCheck::State::Unreachable:
        return QStringLiteral("unreachable");
    case RemoteAuditCheck::State::Error:
        break;
    }
    return QStringLiteral("error");
}

struct RemoteAuditCopy::Target
{
    QString regionId;
    azure::BlobClient *client = nullptr; // null: error says why
    QString error;
    QString id; // names the blob, for the cursor
};

struct RemoteAuditCopy::PushRun
{
    std::shared_ptr<const LocalTrail> local;
    QList<Target> targets;
    QList<RemoteAuditPush> results;
    int remaining = 0;
    std::function<void(Result<RemoteAuditPushReport>)> done;
};

struct RemoteAuditCopy::VerifyRun
{
    std::shared_ptr<const LocalTrail> local;
    QList<Target> targets;
    QList<RemoteAuditCheck> results;
    int remaining = 0;
    std::function<void(Result<QList<RemoteAuditCheck>>)> done;
};

RemoteAuditCopy::RemoteAuditCopy(const Profile &profile, const QByteArray &auditKey,
    QNetworkAccessManager *network, SecretStore *secrets, QObject *parent)
    : QObject(parent)
    , m_profile(profile)
    , m_key(auditKey)
    , m_network(network)
    , m_secrets(secrets)
    , m_trailPath(AuditTrail::defaultPath(profile))
{
    m_soon.setSingleShot(true);
    m_soon.setInterval(kPushDelayMs);
    connect(&m_soon, &QTimer::timeout, this, &RemoteAuditCopy::startBackgroundPush);
    connect(&m_periodic, &QTimer::timeout, this, &RemoteAuditCopy::pushSoon);
}

RemoteAuditCopy::~RemoteAuditCopy() = default;

QString RemoteAuditCopy::cursorPath() const
{
    return QFileInfo(m_trailPath).absolutePath() + QStringLiteral("/audit-remote.json");
}

QString RemoteAuditCopy::blobName(const Profile &profile)
{
    return profile.name + QStringLiteral("/audit.jsonl");
}

void RemoteAuditCopy::withClients(std::function<void(QList<Target>, QString)> done)
{
    struct Gather
    {
        QList<Target> targets;
        int remaining = 0;
    };
    auto gather = std::make_shared<Gather>();
    for (const Region &region : m_profile.regions) {
        for (const Component &c : region.components) {
            if (!c.storage)
                continue;
            Target t;
            t.regionId = region.id;
            t.id = c.endpoint.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery
                       | QUrl::RemoveFragment | QUrl::StripTrailingSlash)
                + u'/' + container() + u'/' + blobName(m_profile);
            gather->targets.append(t);
            break;
        }
    }
    if (gather->targets.isEmpty())
        return done({}, QStringLiteral("no region of profile %1 has a storage component (one "
                                        "with \"storage\" settings) to hold the audit copy")
                            .arg(m_profile.name));
    gather->remaining = int(gather->targets.size());
    QPointer<RemoteAuditCopy> self(this);
    for (int i = 0; i < gather->targets.size(); ++i) {
        const QString regionId = gather->targets.at(i).regionId;
        const auto answer = [gather, i, done](azure::BlobClient *client, const QString &error) {
            gather->targets[i].client = client;
            gather->targets[i].error = error;
            if (--gather->remaining == 0)
                done(gather->targets, {});
        };
        if (azure::BlobClient *client = m_clients.value(regionId)) {
            answer(client, {});
            continue;
        }
        RunLock::clientFor(m_profile, regionId, m_network, m_secrets, this,
            [self, regionId, answer](Result<azure::BlobClient *> client) {
                if (!self)
                    return;
                if (!client)
                    return answer(nullptr, client.error());
                (*client)->setTimeoutMs(kRequestTimeoutMs);
                self->m_clients.insert(regionId, *client);
                answer(*client, {});
            });
    }
}

void RemoteAuditCopy::push(std::function<void(Result<RemoteAuditPushReport>)> done)
{
    // Everything starts from the event loop, so even an answer that needs no request comes
    // after this call returns.
    QMetaObject::invokeMethod(
        this,
        [this, done] {
            auto local = loadLocal(m_trailPath);
            if (!local)
                return done(fail(QStringLiteral("cannot read the local audit trail to push it: ")
                    + local.error()));
            withClients([this, local = *local, done](QList<Target> targets, QString error) {
                if (targets.isEmpty())
                    return done(fail(error));
                auto run = std::make_shared<PushRun>();
                run->local = local;
                run->targets = std::move(targets);
                run->results.resize(run->targets.size());
                run->remaining = int(run->targets.size());
                run->done = done;
                for (int i = 0; i < run->targets.size(); ++i)
                    pushRegion(run, i);
            });
        },
        Qt::QueuedConnection);
}

void RemoteAuditCopy::pushRegion(std::shared_ptr<PushRun> run, int index)
{
    const Target &t = run->targets.at(index);
    const auto answer = [run, index](RemoteAuditPush result) {
        run->results[index] = std::move(result);
        if (--run->remaining == 0) {
            RemoteAuditPushReport report;
            report.localEntries = run->local->lastSeq();
            report.regions = run->results;
            run->done(std::move(report));
        }
    };
    if (!t.client) {
        RemoteAuditPush r;
        r.regionId = t.regionId;
        r.state = RemoteAuditPush::State::Error;
        r.detail = t.error;
        // Later, as every answer: another region may answer inside this loop otherwise.
        QMetaObject::invokeMethod(
            this, [answer, r] { answer(r); }, Qt::QueuedConnection);
        return;
    }
    auto pusher = std::make_shared<RegionPusher>(
        t.client, t.regionId, blobName(m_profile), cursorPath(), t.id, run->local, answer);
    pusher->start();
}

void RemoteAuditCopy::verifyRemote(std::function<void(Result<QList<RemoteAuditCheck>>)> done)
{
    QMetaObject::invokeMethod(
        this,
        [this, done] {
            if (m_key.isEmpty())
                return done(fail(QStringLiteral(
                    "checking the remote audit copies needs the audit key, which was not given")));
            auto local = loadLocal(m_trailPath);
            if (!local)
                return done(fail(QStringLiteral("cannot read the local audit trail: ")
                    + local.error()));
            withClients([this, local = *local, done](QList<Target> targets, QString error) {
                if (targets.isEmpty())
                    return done(fail(error));
                auto run = std::make_shared<VerifyRun>();
                run->local = local;
                run->targets = std::move(targets);
                run->results.resize(run->targets.size());
                run->remaining = int(run->targets.size());
                run->done = done;
                for (int i = 0; i < run->targets.size(); ++i)
                    verifyRegion(run, i);
            });
        },
        Qt::QueuedConnection);
}

void RemoteAuditCopy::verifyRegion(std::shared_ptr<VerifyRun> run, int index)
{
    const Target t = run->targets.at(index);
    const auto answer = [run, index](RemoteAuditCheck result) {
        run->results[index] = std::move(result);
        if (--run->remaining == 0)
            run->done(run->results);
    };
    const auto failed = [t, local = run->local, answer](const QString &error) {
        RemoteAuditCheck c;
        c.regionId = t.regionId;
        c.localEntries = local->lastSeq();
        c.state = unreachable(error) ? RemoteAuditCheck::State::Unreachable
                                     : RemoteAuditCheck::State::Error;
        c.detail = (c.state == RemoteAuditCheck::State::Unreachable ? QStringLiteral("unreachable: ")
                                                                    : QStringLiteral("error: "))
            + error;
        answer(c);
    };
    if (!t.client) {
        QMetaObject::invokeMethod(
            this, [failed, error = t.error] { failed(error); }, Qt::QueuedConnection);
        return;
    }
    const QString blob = blobName(m_profile);
    const QString cursors = cursorPath();
    azure::BlobClient *client = t.client;
    const QByteArray key = m_key;
    client->getBlobProperties(container(), blob,
        [client, blob, cursors, t, key, local = run->local, answer, failed](
            Result<std::optional<azure::BlobItem>> props) {
            if (!props)
                return failed(props.error());
            const qint64 length = *props ? (*props)->contentLength : 0;
            readRange(client, blob, 0, length, {},
                [t, key, local, cursors, answer, failed](Result<QByteArray> bytes) {
                    if (!bytes)
                        return failed(bytes.error());
                    answer(checkCopy(
                        t.regionId, *bytes, *local, key, loadCursor(cursors, t.id)));
                });
        });
}

void RemoteAuditCopy::pushSoon()
{
    if (m_pushing) {
        m_again = true;
        return;
    }
    if (!m_soon.isActive())
        m_soon.start();
}

void RemoteAuditCopy::setPeriodicPush(int intervalMs)
{
    if (intervalMs <= 0)
        return m_periodic.stop();
    m_periodic.start(intervalMs);
}

void RemoteAuditCopy::startBackgroundPush()
{
    m_pushing = true;
    push([this](Result<RemoteAuditPushReport> report) {
        m_pushing = false;
        const auto logger = log::get("audit");
        if (!report) {
            logger->warn("audit copy not pushed: {}", report.error().toStdString());
        } else {
            for (const RemoteAuditPush &r : report->regions) {
                if (r.state == RemoteAuditPush::State::Pushed)
                    logger->debug("audit copy in {}: {} entries pushed, {} in the copy",
                        r.regionId.toStdString(), r.pushed, r.remoteEntries);
                else
                    logger->warn("audit copy in {} {}: {}", r.regionId.toStdString(),
                        remoteAuditPushStateName(r.state).toStdString(), r.detail.toStdString());
            }
        }
        Q_EMIT backgroundPushFinished();
        if (m_again) {
            m_again = false;
            m_soon.start();
        }
    });
}

} // namespace dr
