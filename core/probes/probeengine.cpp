#include "probeengine.h"

#include "proberegistry.h"

#include "logging/logging.h"

#include <QNetworkAccessManager>
#include <QRandomGenerator>

namespace dr {

ProbeEngine::ProbeEngine(Clock *clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
{
    m_context.clock = clock;
    m_context.network = new QNetworkAccessManager(this);
    m_context.network->setAutoDeleteReplies(false);
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &ProbeEngine::tick);
}

ProbeEngine::~ProbeEngine()
{
    stop();
}

bool ProbeEngine::addTarget(const ProbeTarget &target, QString *error)
{
    if (m_entries.contains(target.id)) {
        if (error)
            *error = QStringLiteral("duplicate probe target id \"%1\"").arg(target.id);
        return false;
    }
    if (!ProbeRegistry::instance().contains(target.settings.kind)) {
        if (error)
            *error = QStringLiteral("unknown probe kind \"%1\" for %2").arg(target.settings.kind, target.id);
        return false;
    }
    Entry entry;
    entry.tracker = HealthTracker(target.settings.failuresBeforeDown, target.settings.successesBeforeUp,
                                  m_options.latencyDegradedMs);
    entry.status.target = target;
    m_entries.insert(target.id, std::move(entry));
    m_order.append(target.id);
    if (m_started) {
        Entry &e = m_entries[target.id];
        schedule(e, target.id, m_clock->elapsedMs());
        rearm();
    }
    return true;
}

const TargetStatus *ProbeEngine::status(const QString &id) const
{
    const auto it = m_entries.constFind(id);
    return it == m_entries.constEnd() ? nullptr : &it->status;
}

void ProbeEngine::start()
{
    if (m_started)
        return;
    m_started = true;
    // The first round is spread so that it never launches faster than the steady state will,
    // nor faster than one probe per millisecond (the benchmark's design point: 1,000 targets
    // at 1 s, which the engine sustains well inside its CPU budget, docs/BENCHMARKS.md):
    //   spread = min(interval, max(min(jitter x interval, 1 s), N x 1 ms))
    // 1,000 targets at 1 s: the whole second, i.e. the steady rate from the first probe on
    // (a tenth of it, as before, piled 1,000 launches into 100 ms). 10 targets at the
    // default 15 s: within 1 s, so that a console shows its first results at once; the
    // jitter window (capped at 1 s) still keeps a few targets from starting in lockstep.
    // Each target gets its own slot (its rank in the order of addition) with a random offset
    // inside it: evenly spaced, where purely random offsets would cluster. No jitter (tests,
    // exact schedules) means no spread: everything is due now.
    constexpr qint64 quickFirstRoundMs = 1000;
    constexpr qint64 startSpacingMs = 1;
    const qint64 now = m_clock->elapsedMs();
    const auto count = qint64(m_order.size());
    for (qint64 rank = 0; rank < count; ++rank) {
        const QString &id = m_order.at(rank);
        Entry &e = m_entries[id];
        const qint64 interval = e.status.target.settings.intervalMs;
        qint64 spread = 0;
        if (m_options.jitter > 0) {
            const qint64 window = qMin(qint64(double(interval) * m_options.jitter), quickFirstRoundMs);
            spread = qMin(interval, qMax(window, count * startSpacingMs));
        }
        const qint64 offset = spread > 0 ? (spread * rank + QRandomGenerator::global()->bounded(spread)) / count : 0;
        schedule(e, id, now + offset);
    }
    tick();
}

void ProbeEngine::stop()
{
    m_started = false;
    m_timer.stop();
    m_armedForMs = -1;
    m_heap = {};
    m_ready.clear();
    for (auto it = m_entries.begin(); it != m_entries.end(); ++it) {
        it->queued = false;
        ++it->generation;
        if (it->probe) {
            it->probe->abort();
            it->probe->deleteLater();
            it->probe = nullptr;
        }
    }
    m_inFlight = 0;
    if (!m_cycle.isEmpty()) {
        m_cycle.clear();
        emit cycleFinished();
    }
}

void ProbeEngine::probeAllNow()
{
    const qint64 now = m_clock->elapsedMs();
    for (const QString &id : std::as_const(m_order)) {
        Entry &e = m_entries[id];
        m_cycle.insert(id);
        if (!e.probe && !e.queued)
            schedule(e, id, now);
    }
    if (m_cycle.isEmpty()) {
        emit cycleFinished();
        return;
    }
    tick();
}

void ProbeEngine::schedule(Entry &entry, const QString &id, qint64 dueMs)
{
    entry.dueMs = dueMs;
    ++entry.generation;
    m_heap.push(Due{dueMs, entry.generation, id});
}

void ProbeEngine::tick()
{
    // A probe can finish inside launch() (a setup error, a refused connection): its result
    // calls tick() again. Instead of recursing (once per such target, a thousand deep at
    // worst), the nested call asks the running one for another pass.
    if (m_ticking) {
        m_tickAgain = true;
        return;
    }
    m_ticking = true;
    do {
        m_tickAgain = false;
        const qint64 now = m_clock->elapsedMs();
        while (!m_heap.empty() && m_heap.top().dueMs <= now) {
            const Due due = m_heap.top();
            m_heap.pop();
            auto it = m_entries.find(due.id);
            if (it == m_entries.end() || isObsolete(due))
                continue; // rescheduled since, already on its way, or its probe reported
            if (due.watchdog) {
                cutOff(due.id, *it);
                continue;
            }
            it->queued = true;
            m_ready.push_back(due.id);
        }
        while (m_inFlight < m_options.maxConcurrent && !m_ready.empty()) {
            const QString id = m_ready.front();
            m_ready.pop_front();
            launch(id);
        }
    } while (m_tickAgain);
    m_ticking = false;
    rearm();
}

bool ProbeEngine::isObsolete(const Due &due) const
{
    const auto it = m_entries.constFind(due.id);
    if (it == m_entries.constEnd())
        return true;
    if (due.watchdog)
        return !it->probe || it->launches != due.generation;
    return it->generation != due.generation || it->probe || it->queued;
}

void ProbeEngine::rearm()
{
    // Obsolete entries (mostly the watchdogs of probes that reported in time) are dropped
    // here rather than woken up for.
    while (!m_heap.empty() && isObsolete(m_heap.top()))
        m_heap.pop();
    if (m_heap.empty()) {
        m_timer.stop();
        m_armedForMs = -1;
        return;
    }
    // Restarting a timer re-registers it with the event dispatcher: only do it when the
    // next due time moved (a result schedules its target an interval away, rarely first).
    const qint64 due = m_heap.top().dueMs;
    if (m_timer.isActive() && due == m_armedForMs)
        return;
    m_armedForMs = due;
    const qint64 wait = qMax<qint64>(0, due - m_clock->elapsedMs());
    m_timer.start(int(qMin<qint64>(wait, 60 * 60 * 1000)));
}

void ProbeEngine::launch(const QString &id)
{
    Entry &e = m_entries[id];
    e.queued = false;
    if (!e.status.target.setupError.isEmpty()) {
        onProbeFinished(id, ProbeResult::failure(e.status.target.setupError));
        return;
    }
    Probe *probe = ProbeRegistry::instance().create(e.status.target, m_context, this);
    if (!probe) {
        onProbeFinished(id, ProbeResult::failure(QStringLiteral("no probe kind \"%1\"").arg(e.status.target.settings.kind)));
        return;
    }
    e.probe = probe;
    ++e.launches;
    ++m_inFlight;
    const qint64 now = m_clock->elapsedMs();
    const qint64 delay = now - e.dueMs;
    connect(probe, &Probe::finished, this, [this, id, probe](const ProbeResult &result) {
        auto it = m_entries.find(id);
        if (it == m_entries.end() || it->probe != probe)
            return;
        it->probe = nullptr;
        probe->deleteLater();
        --m_inFlight;
        onProbeFinished(id, result);
    });
    // The watchdog: a deadline in the schedule's heap rather than a timer object per probe.
    // A probe that overruns its own timeout by the grace is cut off (cutOff()).
    m_heap.push(Due{now + e.status.target.settings.timeoutMs + m_options.watchdogGraceMs, e.launches, id, true});
    emit probeStarted(id, qMax<qint64>(0, delay));
    probe->start();
}

void ProbeEngine::cutOff(const QString &id, Entry &entry)
{
    const int watchdogMs = entry.status.target.settings.timeoutMs + m_options.watchdogGraceMs;
    log::get("probe")->warn("probe {} overran its timeout; cut off after {} ms", id.toStdString(), watchdogMs);
    Probe *probe = entry.probe;
    entry.probe = nullptr;
    probe->abort();
    probe->deleteLater();
    --m_inFlight;
    onProbeFinished(id, ProbeResult::failure(QStringLiteral("no result within %1 ms").arg(watchdogMs)));
}

qint64 ProbeEngine::nextInterval(const Entry &entry) const
{
    const auto &settings = entry.status.target.settings;
    qint64 interval = settings.intervalMs;
    if (entry.status.state == HealthState::Down) {
        const int extra = qMax(0, entry.status.consecutiveFailures - settings.failuresBeforeDown);
        interval *= qMin<qint64>(qint64(1) << qMin(extra, 20), m_options.maxBackoffFactor);
    }
    if (m_options.jitter > 0) {
        const double f = 1.0 + m_options.jitter * (QRandomGenerator::global()->generateDouble() * 2.0 - 1.0);
        interval = qint64(double(interval) * f);
    }
    return qMax<qint64>(interval, 1);
}

void ProbeEngine::onProbeFinished(const QString &id, ProbeResult result)
{
    auto it = m_entries.find(id);
    if (it == m_entries.end())
        return;
    Entry &e = *it;
    if (!result.finishedAt.isValid())
        result.finishedAt = m_clock->nowUtc();
    const HealthState before = e.tracker.state();
    const bool changed = e.tracker.record(result);
    e.status.state = e.tracker.state();
    e.status.reason = e.tracker.reason();
    e.status.consecutiveFailures = e.tracker.consecutiveFailures();
    e.status.last = result;
    e.status.history.push_back(HistoryEntry{result.finishedAt, result.outcome, result.latencyMs, e.status.state});
    while (e.status.history.size() > size_t(qMax(1, m_options.historySize)))
        e.status.history.pop_front();

    if (m_started)
        schedule(e, id, m_clock->elapsedMs() + nextInterval(e));

    emit resultRecorded(id, result);
    if (changed) {
        log::get("probe")->info("{}: {} -> {}: {}", id.toStdString(), stateName(before).toStdString(),
                                stateName(e.status.state).toStdString(), e.status.reason.toStdString());
        emit stateChanged(id, before, e.status.state, e.status.reason);
    }
    if (m_cycle.remove(id) && m_cycle.isEmpty())
        emit cycleFinished();
    tick();
}

} // namespace dr
