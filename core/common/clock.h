#pragma once

// The one source of time for core/. Core never asks QDateTime for "now" directly: it asks a
// Clock, so tests can hold time still or move it on. nowUtc() is wall time (for records and
// certificate expiry); elapsedMs() is monotonic (for scheduling and latency).

#include <QDateTime>

namespace dr {

class Clock
{
public:
    virtual ~Clock() = default;
    virtual QDateTime nowUtc() const = 0;
    virtual qint64 elapsedMs() const = 0;

    // The process-wide real clock.
    static Clock *system();
};

// A clock that moves only when told: for tests and deterministic replays.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(const QDateTime &start = QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC))
        : m_start(start)
    {}
    QDateTime nowUtc() const override { return m_start.addMSecs(m_elapsed); }
    qint64 elapsedMs() const override { return m_elapsed; }
    void advance(qint64 ms) { m_elapsed += ms; }

private:
    QDateTime m_start;
    qint64 m_elapsed = 0;
};

} // namespace dr
