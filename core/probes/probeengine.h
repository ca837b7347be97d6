#pragma once

// Runs probes on a schedule, on the thread that owns it, without blocking: one timer for the
// whole schedule (a min-heap of due times, which also holds each probe's watchdog deadline),
// at most maxConcurrent probes in flight, the rest queued in due order. Each target has its
// own interval and timeout, a little jitter so that probes do not march in lockstep, and
// exponential backoff while it is down. Results feed a HealthTracker per target (hysteresis)
// and a bounded in-memory history.
//
// start() spreads the first round so that a thousand targets do not all launch at once, yet
// a console with a few targets shows every first result within about a second (see start()).
// A probe that has not reported watchdogGraceMs after its own timeout is cut off and counted
// as failed ("no result within N ms").
//
// Time comes from the Clock given at construction, for schedules and watchdogs alike: with a
// ManualClock, tests advance time and call tick() themselves.

#include "healthtracker.h"
#include "probe.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <deque>
#include <queue>
#include <vector>

class QNetworkAccessManager;

namespace dr {

struct HistoryEntry
{
    QDateTime at;
    ProbeResult::Outcome outcome = ProbeResult::Outcome::Failure;
    qint64 latencyMs = -1;
    HealthState state = HealthState::Unknown;
};

struct TargetStatus
{
    ProbeTarget target;
    HealthState state = HealthState::Unknown;
    QString reason = QStringLiteral("not probed yet");
    std::optional<ProbeResult> last;
    std::deque<HistoryEntry> history; // oldest first, at most Options::historySize
    int consecutiveFailures = 0;
};

class ProbeEngine : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int maxConcurrent = 64;
        double jitter = 0.1;         // +/- fraction of the interval
        int historySize = 720;       // results kept per target
        int maxBackoffFactor = 8;    // a down target is probed at most this much less often
        int latencyDegradedMs = 1500;
        int watchdogGraceMs = 2000;  // beyond a probe's own timeout
    };

    explicit ProbeEngine(Clock *clock, QObject *parent = nullptr);
    ~ProbeEngine() override;

    void setOptions(const Options &options) { m_options = options; }
    const Options &options() const { return m_options; }
    void setExtraCaCertificates(const QList<QSslCertificate> &cas) { m_context.extraCaCertificates = cas; }
    // The profile's Azure app: tokens for "entra" data-plane auth and ARM for the Azure probe
    // kinds (owned by the caller, outliving the engine's probes).
    void setAzure(TokenSource *tokens, ArmClient *arm, const QString &storageScope, const QString &searchScope)
    {
        m_context.azureTokens = tokens;
        m_context.arm = arm;
        m_context.storageScope = storageScope;
        m_context.searchScope = searchScope;
    }
    QNetworkAccessManager *network() const { return m_context.network; }

    // False (with the reason in *error) for a duplicate id or an unknown probe kind.
    bool addTarget(const ProbeTarget &target, QString *error = nullptr);
    QStringList targetIds() const { return m_order; }
    const TargetStatus *status(const QString &id) const;

    void start(); // probe every target on its schedule until stop()
    void stop();  // aborts probes in flight; states and history stay
    bool isRunning() const { return m_started; }

    // Probe every target as soon as a slot is free; cycleFinished() follows when each of
    // them has reported.
    void probeAllNow();

    // Launch whatever is due by the clock. The engine's timer calls it; tests may too.
    void tick();

    int inFlight() const { return m_inFlight; }
    int queued() const { return int(m_ready.size()); }

signals:
    void probeStarted(const QString &id, qint64 schedulingDelayMs);
    void resultRecorded(const QString &id, const dr::ProbeResult &result);
    void stateChanged(const QString &id, dr::HealthState from, dr::HealthState to, const QString &reason);
    void cycleFinished();

private:
    struct Entry
    {
        TargetStatus status;
        HealthTracker tracker;
        qint64 dueMs = 0;
        quint64 generation = 0;
        quint64 launches = 0; // identifies the probe in flight, for its watchdog
        bool queued = false;
        QPointer<Probe> probe;
    };
    // A heap entry: a target's next probe (generation: Entry::generation when scheduled), or
    // the watchdog of the probe in flight (generation: Entry::launches when launched). Entries
    // made obsolete by a later schedule or an earlier result stay in the heap until they
    // reach its top, where they are dropped unseen.
    struct Due
    {
        qint64 dueMs;
        quint64 generation;
        QString id;
        bool watchdog = false;
        bool operator>(const Due &o) const { return dueMs > o.dueMs; }
    };

    void schedule(Entry &entry, const QString &id, qint64 dueMs);
    void launch(const QString &id);
    void cutOff(const QString &id, Entry &entry);
    void onProbeFinished(const QString &id, ProbeResult result);
    qint64 nextInterval(const Entry &entry) const;
    bool isObsolete(const Due &due) const;
    void rearm();

    Clock *m_clock;
    Options m_options;
    ProbeContext m_context;
    QHash<QString, Entry> m_entries;
    QStringList m_order;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> m_heap;
    std::deque<QString> m_ready; // due, waiting for a free slot
    int m_inFlight = 0;
    bool m_started = false;
    QSet<QString> m_cycle;
    QTimer m_timer;
    qint64 m_armedForMs = -1; // the due time m_timer is running for
    bool m_ticking = false;   // tick() is on the stack: a nested call only asks for another pass
    bool m_tickAgain = false;
};

} // namespace dr
