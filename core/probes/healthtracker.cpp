#include "healthtracker.h"

namespace dr {

QString stateName(HealthState state)
{
    switch (state) {
    case HealthState::Unknown:
        return QStringLiteral("unknown");
    case HealthState::Ok:
        return QStringLiteral("ok");
    case HealthState::Degraded:
        return QStringLiteral("degraded");
    case HealthState::Down:
        return QStringLiteral("down");
    }
    return {};
}

int severity(HealthState state)
{
    switch (state) {
    case HealthState::Ok:
        return 0;
    case HealthState::Unknown:
        return 1;
    case HealthState::Degraded:
        return 2;
    case HealthState::Down:
        return 3;
    }
    return 1;
}

HealthTracker::HealthTracker(int failuresBeforeDown, int successesBeforeUp, int latencyDegradedMs)
    : m_failuresBeforeDown(qMax(1, failuresBeforeDown))
    , m_successesBeforeUp(qMax(1, successesBeforeUp))
    , m_latencyDegradedMs(latencyDegradedMs)
{}

bool HealthTracker::record(const ProbeResult &result)
{
    const HealthState before = m_state;
    if (result.outcome == ProbeResult::Outcome::Failure) {
        ++m_failures;
        m_successes = 0;
        if (m_failures >= m_failuresBeforeDown || m_state == HealthState::Down) {
            m_state = HealthState::Down;
            m_reason = result.detail;
        } else {
            m_state = HealthState::Degraded;
            m_reason = QStringLiteral("%1 (failure %2 of %3 before down)")
                           .arg(result.detail)
                           .arg(m_failures)
                           .arg(m_failuresBeforeDown);
        }
        return m_state != before;
    }

    m_failures = 0;
    ++m_successes;
    if (m_state == HealthState::Down && m_successes < m_successesBeforeUp) {
        // Still down: one good answer after an outage is not recovery yet.
        m_reason = QStringLiteral("recovering: %1 of %2 good answers (%3)")
                       .arg(m_successes)
                       .arg(m_successesBeforeUp)
                       .arg(result.detail);
        return false;
    }
    if (result.outcome == ProbeResult::Outcome::Degraded) {
        m_state = HealthState::Degraded;
        m_reason = result.detail;
    } else if (m_latencyDegradedMs > 0 && result.latencyMs > m_latencyDegradedMs) {
        m_state = HealthState::Degraded;
        m_reason = QStringLiteral("%1, slow: %2 ms (degraded above %3 ms)")
                       .arg(result.detail)
                       .arg(result.latencyMs)
                       .arg(m_latencyDegradedMs);
    } else {
        m_state = HealthState::Ok;
        m_reason = result.detail;
    }
    return m_state != before;
}

} // namespace dr
