#pragma once

// The history behind the charts: numeric samples per series ("latency/west/bot-api",
// "indexSync/lagDocuments", ...) in a local SQLite file, so that reopening the console shows
// the past.
//
// Contract:
// - open() says whether history is available; when it is not (a corrupt or unwritable file)
//   every other call is a harmless no-op and error() says why, so the console runs without
//   history and can tell the operator.
// - record() never touches the disk itself: samples are buffered and written in one
//   transaction by flush() (on a timer, and before every query), so probing is never slowed
//   by SQLite. recorded() is emitted at once, for views that append live.
// - Size is bounded by compact(): raw samples are kept for Options::rawRetentionMs, then
//   folded into Options::bucketMs buckets (min/max/sum/count) kept for
//   Options::bucketRetentionMs, then dropped; a hard row cap on both tables holds even when
//   the clock jumps or a profile has far more targets than expected.
// - query() returns at most maxPoints points, each the min/max/average of the samples (raw
//   or bucketed) falling into an equal slice of [from, to].
// - Time comes from the Clock given at construction; nothing here asks QDateTime for "now".

#include "common/clock.h"
#include "common/result.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

namespace dr {

struct HistoryPoint
{
    qint64 atMs = 0; // ms since the epoch, UTC: the earliest sample (or bucket) in the point's slice
    double min = 0;
    double max = 0;
    double avg = 0;
    qint64 count = 0; // samples folded into this point

    QDateTime at() const { return QDateTime::fromMSecsSinceEpoch(atMs, Qt::UTC); }
};

class HistoryStore : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        qint64 rawRetentionMs = 24LL * 3600 * 1000;        // raw samples, then buckets
        qint64 bucketMs = 60 * 1000;                       // width of a compacted bucket
        qint64 bucketRetentionMs = 7LL * 24 * 3600 * 1000; // buckets, then dropped
        qint64 maxRawRows = 2000000;                       // hard caps, whatever the clock says
        qint64 maxBucketRows = 2000000;
        int flushIntervalMs = 2000;     // 0: only explicit flush() (and before queries)
        int flushBatch = 5000;          // buffered samples that force a flush at once
        int compactIntervalMs = 10 * 60 * 1000; // 0: only explicit compact()
    };

    HistoryStore(Clock *clock, const Options &options, QObject *parent = nullptr);
    explicit HistoryStore(Clock *clock, QObject *parent = nullptr);
    ~HistoryStore() override; // flushes what is buffered

    // Opens (or creates) the file, in WAL mode, and compacts it once. The folder is created.
    Result<void> open(const QString &path);
    void close();
    bool isOpen() const { return m_open; }
    QString path() const { return m_path; }
    QString error() const { return m_error; } // why history is unavailable; empty when it is

    void record(const QString &seriesKey, const QDateTime &at, double value);
    Result<void> flush();
    Result<void> compact();

    Result<QList<HistoryPoint>> query(const QString &seriesKey, const QDateTime &from,
                                      const QDateTime &to, int maxPoints = 500);
    QStringList seriesKeys();

    // Rows in the file (after a flush), for tests and diagnostics.
    qint64 rawRowCount();
    qint64 bucketRowCount();

    Clock *clock() const { return m_clock; }

signals:
    void recorded(const QString &seriesKey, const QDateTime &at, double value);
    // History stopped working (e.g. the disk filled up): the message says why.
    void failed(const QString &message);

private:
    struct Pending
    {
        QString key;
        qint64 atMs;
        double value;
    };

    Result<void> createSchema();
    Result<qint64> seriesId(const QString &key, bool create);
    Result<void> foldRawBefore(qint64 cutoffMs);
    Result<qint64> count(const QString &table);
    Result<void> exec(const QString &sql);
    void markFailed(const QString &message);
    QString notOpen() const;
    QString connection() const { return m_connection; }

    Clock *m_clock;
    Options m_options;
    QString m_connection;
    QString m_path;
    QString m_error;
    bool m_open = false;
    QList<Pending> m_pending;
    QHash<QString, qint64> m_seriesIds;
    QTimer m_flushTimer;
    QTimer m_compactTimer;
};

} // namespace dr
