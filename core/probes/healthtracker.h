#pragma once

// Turns a stream of probe results into a component state, with hysteresis so that one lost
// packet does not page anybody and one lucky answer does not declare a region healthy:
//   unknown  before the first result;
//   ok       success within the latency threshold;
//   degraded success above the latency threshold, a Degraded result, a failure streak shorter
//            than failuresBeforeDown, or a recovery streak shorter than successesBeforeUp;
//   down     after failuresBeforeDown consecutive failures, until successesBeforeUp
//            consecutive successes.

#include "probe.h"

namespace dr {

enum class HealthState { Unknown, Ok, Degraded, Down };
QString stateName(HealthState state); // "ok", "degraded", ... as in the status document
// Higher is worse: unknown < ok < degraded < down is not useful; this orders by severity
// for "the worst component" roll-ups: ok < unknown < degraded < down.
int severity(HealthState state);

class HealthTracker
{
public:
    explicit HealthTracker(int failuresBeforeDown = 3, int successesBeforeUp = 2, int latencyDegradedMs = 1500);

    // Records a result; returns true when the state changed.
    bool record(const ProbeResult &result);

    HealthState state() const { return m_state; }
    QString reason() const { return m_reason; }
    int consecutiveFailures() const { return m_failures; }

private:
    int m_failuresBeforeDown;
    int m_successesBeforeUp;
    int m_latencyDegradedMs;
    HealthState m_state = HealthState::Unknown;
    QString m_reason = QStringLiteral("not probed yet");
    int m_failures = 0;
    int m_successes = 0;
};

} // namespace dr
