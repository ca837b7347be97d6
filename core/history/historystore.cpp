#include "historystore.h"

#include "logging/logging.h"

#include <QDir>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

#include <algorithm>
#include <cmath>

namespace dr {

namespace {

QString describe(const QSqlError &error)
{
    const QString text = error.text().trimmed();
    return text.isEmpty() ? QStringLiteral("unknown SQLite error") : text;
}

} // namespace

HistoryStore::HistoryStore(Clock *clock, const Options &options, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
    , m_options(options)
    // One connection per store: two stores (or a test reopening the file) must not share one.
    , m_connection(QStringLiteral("history-") + QUuid::createUuid().toString(QUuid::WithoutBraces))
{
    m_flushTimer.setSingleShot(true);
    connect(&m_flushTimer, &QTimer::timeout, this, [this] { flush(); });
    connect(&m_compactTimer, &QTimer::timeout, this, [this] { compact(); });
}

HistoryStore::HistoryStore(Clock *clock, QObject *parent)
    : HistoryStore(clock, Options(), parent)
{}

HistoryStore::~HistoryStore()
{
    close();
}

Result<void> HistoryStore::open(const QString &path)
{
    close();
    m_path = path;
    m_error.clear();
    const auto refuse = [this, &path](const QString &why) {
        m_error = QStringLiteral("history is not available (%1): %2").arg(QDir::toNativeSeparators(path), why);
        log::get("history")->warn("{}", m_error.toStdString());
        {
            QSqlDatabase db = QSqlDatabase::database(m_connection, false);
            if (db.isOpen())
                db.close();
        }
        QSqlDatabase::removeDatabase(m_connection);
        return dr::fail(m_error);
    };
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return refuse(QStringLiteral("cannot create the folder %1").arg(QFileInfo(path).absolutePath()));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
        if (!db.isValid())
            return refuse(QStringLiteral("the Qt SQLite driver is missing"));
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=2000"));
        if (!db.open())
            return refuse(describe(db.lastError()));
    }
    // A file that is not a database opens fine: the first statement is where SQLite notices.
    if (auto ok = createSchema(); !ok)
        return refuse(ok.error());
    m_open = true;
    if (auto ok = compact(); !ok)
        return refuse(ok.error());
    if (m_options.compactIntervalMs > 0)
        m_compactTimer.start(m_options.compactIntervalMs);
    return {};
}

void HistoryStore::close()
{
    if (m_open)
        flush();
    m_open = false;
    m_flushTimer.stop();
    m_compactTimer.stop();
    m_seriesIds.clear();
    if (QSqlDatabase::contains(m_connection)) {
        {
            QSqlDatabase db = QSqlDatabase::database(m_connection, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_connection);
    }
}

Result<void> HistoryStore::exec(const QString &sql)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(sql))
        return dr::fail(describe(q.lastError()));
    return {};
}

Result<void> HistoryStore::createSchema()
{
    // WAL: the writer does not block readers, and a crash loses at most the last batch.
    // synchronous=NORMAL is safe with WAL and avoids an fsync per transaction.
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(QStringLiteral("PRAGMA journal_mode=WAL")))
        return dr::fail(describe(q.lastError()));
    for (const char *sql : {
             "PRAGMA synchronous=NORMAL",
             "CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE)",
             // Raw samples: t in ms since the epoch (UTC).
             "CREATE TABLE IF NOT EXISTS raw (series INTEGER NOT NULL, t INTEGER NOT NULL, v REAL NOT NULL)",
             "CREATE INDEX IF NOT EXISTS raw_series_t ON raw (series, t)",
             // Compaction scans by age across all series.
             "CREATE INDEX IF NOT EXISTS raw_t ON raw (t)",
             // Compacted buckets: t is the bucket start; the sum (not the average) is kept so
             // that buckets fold into query slices exactly.
             "CREATE TABLE IF NOT EXISTS bucket (series INTEGER NOT NULL, t INTEGER NOT NULL,"
             " vmin REAL NOT NULL, vmax REAL NOT NULL, vsum REAL NOT NULL, n INTEGER NOT NULL,"
             " PRIMARY KEY (series, t))",
             "CREATE INDEX IF NOT EXISTS bucket_t ON bucket (t)",
         }) {
        if (auto ok = exec(QString::fromLatin1(sql)); !ok)
            return ok;
    }
    return {};
}

QString HistoryStore::notOpen() const
{
    return m_error.isEmpty() ? QStringLiteral("history is not open") : m_error;
}

void HistoryStore::markFailed(const QString &message)
{
    if (!m_open)
        return;
    m_error = QStringLiteral("history stopped: %1").arg(message);
    log::get("history")->error("{}", m_error.toStdString());
    m_pending.clear();
    m_open = false;
    m_flushTimer.stop();
    m_compactTimer.stop();
    emit failed(m_error);
}

void HistoryStore::record(const QString &seriesKey, const QDateTime &at, double value)
{
    if (!m_open || !std::isfinite(value) || !at.isValid())
        return;
    m_pending.append(Pending{seriesKey, at.toMSecsSinceEpoch(), value});
    emit recorded(seriesKey, at, value);
    if (m_pending.size() >= m_options.flushBatch)
        flush();
    else if (m_options.flushIntervalMs > 0 && !m_flushTimer.isActive())
        m_flushTimer.start(m_options.flushIntervalMs);
}

Result<qint64> HistoryStore::seriesId(const QString &key, bool create)
{
    if (const auto it = m_seriesIds.constFind(key); it != m_seriesIds.constEnd())
        return *it;
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery q(db);
    if (create) {
        q.prepare(QStringLiteral("INSERT OR IGNORE INTO series (key) VALUES (?)"));
        q.addBindValue(key);
        if (!q.exec())
            return dr::fail(describe(q.lastError()));
    }
    q.prepare(QStringLiteral("SELECT id FROM series WHERE key = ?"));
    q.addBindValue(key);
    if (!q.exec())
        return dr::fail(describe(q.lastError()));
    if (!q.next())
        return qint64(-1); // not created, and never recorded
    const qint64 id = q.value(0).toLongLong();
    m_seriesIds.insert(key, id);
    return id;
}

Result<void> HistoryStore::flush()
{
    m_flushTimer.stop();
    if (!m_open)
        return dr::fail(notOpen());
    if (m_pending.isEmpty())
        return {};
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    const auto abort = [this, &db](const QString &why) {
        db.rollback();
        markFailed(why);
        return dr::fail(m_error);
    };
    if (!db.transaction())
        return abort(describe(db.lastError()));
    {
        QSqlQuery q(db);
        if (!q.prepare(QStringLiteral("INSERT INTO raw (series, t, v) VALUES (?, ?, ?)")))
            return abort(describe(q.lastError()));
        for (const Pending &p : std::as_const(m_pending)) {
            const auto id = seriesId(p.key, true);
            if (!id)
                return abort(id.error());
            q.bindValue(0, *id);
            q.bindValue(1, p.atMs);
            q.bindValue(2, p.value);
            if (!q.exec())
                return abort(describe(q.lastError()));
        }
    }
    if (!db.commit())
        return abort(describe(db.lastError()));
    m_pending.clear();
    return {};
}

Result<void> HistoryStore::foldRawBefore(qint64 cutoffMs)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery q(db);
    // A bucket may already hold samples folded earlier (or straddle the cutoff): merge.
    q.prepare(QStringLiteral(
        "INSERT INTO bucket (series, t, vmin, vmax, vsum, n) "
        "SELECT series, (t / ?) * ?, MIN(v), MAX(v), SUM(v), COUNT(*) FROM raw WHERE t < ? "
        "GROUP BY series, t / ? "
        "ON CONFLICT (series, t) DO UPDATE SET vmin = MIN(vmin, excluded.vmin), "
        "vmax = MAX(vmax, excluded.vmax), vsum = vsum + excluded.vsum, n = n + excluded.n"));
    q.addBindValue(m_options.bucketMs);
    q.addBindValue(m_options.bucketMs);
    q.addBindValue(cutoffMs);
    q.addBindValue(m_options.bucketMs);
    if (!q.exec())
        return dr::fail(describe(q.lastError()));
    q.prepare(QStringLiteral("DELETE FROM raw WHERE t < ?"));
    q.addBindValue(cutoffMs);
    if (!q.exec())
        return dr::fail(describe(q.lastError()));
    return {};
}

Result<qint64> HistoryStore::count(const QString &table)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(QStringLiteral("SELECT COUNT(*) FROM ") + table) || !q.next())
        return dr::fail(describe(q.lastError()));
    return q.value(0).toLongLong();
}

Result<void> HistoryStore::compact()
{
    if (!m_open)
        return dr::fail(notOpen());
    if (auto ok = flush(); !ok)
        return ok;
    const qint64 now = m_clock->nowUtc().toMSecsSinceEpoch();
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    const auto abort = [this, &db](const QString &why) {
        db.rollback();
        markFailed(why);
        return dr::fail(m_error);
    };
    if (!db.transaction())
        return abort(describe(db.lastError()));
    // Raw rows beyond the cap are folded as if they were old: the cap moves the cutoff.
    qint64 rawCutoff = (now - m_options.rawRetentionMs) / m_options.bucketMs * m_options.bucketMs;
    const auto rawRows = count(QStringLiteral("raw"));
    if (!rawRows)
        return abort(rawRows.error());
    if (*rawRows > m_options.maxRawRows) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("SELECT t FROM raw ORDER BY t LIMIT 1 OFFSET ?"));
        q.addBindValue(*rawRows - m_options.maxRawRows);
        if (!q.exec())
            return abort(describe(q.lastError()));
        if (q.next())
            rawCutoff = std::max(rawCutoff, q.value(0).toLongLong());
    }
    if (auto ok = foldRawBefore(rawCutoff); !ok)
        return abort(ok.error());
    {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("DELETE FROM bucket WHERE t < ?"));
        q.addBindValue(now - m_options.bucketRetentionMs);
        if (!q.exec())
            return abort(describe(q.lastError()));
    }
    const auto bucketRows = count(QStringLiteral("bucket"));
    if (!bucketRows)
        return abort(bucketRows.error());
    if (*bucketRows > m_options.maxBucketRows) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("DELETE FROM bucket WHERE rowid IN (SELECT rowid FROM bucket ORDER BY t LIMIT ?)"));
        q.addBindValue(*bucketRows - m_options.maxBucketRows);
        if (!q.exec())
            return abort(describe(q.lastError()));
    }
    if (!db.commit())
        return abort(describe(db.lastError()));
    // Give the WAL back to the main file so that it does not grow between checkpoints.
    exec(QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)"));
    return {};
}

Result<QList<HistoryPoint>> HistoryStore::query(const QString &seriesKey, const QDateTime &from,
                                                const QDateTime &to, int maxPoints)
{
    if (!m_open)
        return dr::fail(notOpen());
    if (auto ok = flush(); !ok)
        return std::unexpected(ok.error());
    const auto id = seriesId(seriesKey, false);
    if (!id)
        return std::unexpected(id.error());
    QList<HistoryPoint> points;
    if (*id < 0 || !from.isValid() || !to.isValid() || to < from)
        return points;
    const qint64 fromMs = from.toMSecsSinceEpoch();
    const qint64 toMs = to.toMSecsSinceEpoch();
    // Equal slices of the range, at least 1 ms wide; ceil so that maxPoints is never exceeded.
    const qint64 span = toMs - fromMs + 1;
    const qint64 width = std::max<qint64>(1, (span + std::max(1, maxPoints) - 1) / std::max(1, maxPoints));
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral(
        "SELECT (t - ?) / ? AS slice, MIN(lo), MAX(hi), SUM(s), SUM(n), MIN(t) FROM ("
        " SELECT t, v AS lo, v AS hi, v AS s, 1 AS n FROM raw WHERE series = ? AND t >= ? AND t <= ?"
        " UNION ALL"
        " SELECT t, vmin, vmax, vsum, n FROM bucket WHERE series = ? AND t >= ? AND t <= ?"
        ") GROUP BY slice ORDER BY slice"));
    for (const qint64 v : {fromMs, width, *id, fromMs, toMs, *id, fromMs, toMs})
        q.addBindValue(v);
    if (!q.exec())
        return dr::fail(describe(q.lastError()));
    while (q.next()) {
        HistoryPoint p;
        // The earliest sample's time, not the slice's start: a live append of a later sample
        // must not land before the points already drawn, nor slide out of the window early.
        p.atMs = q.value(5).toLongLong();
        p.min = q.value(1).toDouble();
        p.max = q.value(2).toDouble();
        p.count = q.value(4).toLongLong();
        p.avg = p.count > 0 ? q.value(3).toDouble() / double(p.count) : 0.0;
        points.append(p);
    }
    return points;
}

QStringList HistoryStore::seriesKeys()
{
    QStringList keys;
    if (!m_open || !flush())
        return keys;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (q.exec(QStringLiteral("SELECT key FROM series ORDER BY key"))) {
        while (q.next())
            keys.append(q.value(0).toString());
    }
    return keys;
}

qint64 HistoryStore::rawRowCount()
{
    if (!m_open || !flush())
        return -1;
    return count(QStringLiteral("raw")).value_or(-1);
}

qint64 HistoryStore::bucketRowCount()
{
    if (!m_open || !flush())
        return -1;
    return count(QStringLiteral("bucket")).value_or(-1);
}

} // namespace dr
