#pragma once

// Readiness gates: the checks that must pass before a failover, failback or drill may move
// traffic, each with the reason an operator can act on. Pure: judged from a status snapshot
// (StatusMonitor::snapshot(), the drctl status --json document) and who signed in, so the
// wizard's live readiness page, the runbook's gate steps and the tests all judge alike.

#include "auth/operatordirectory.h"
#include "profile/profile.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace dr {

enum class Flow { PlannedFailover, UnplannedFailover, Failback, Drill, Readiness };

QString flowName(Flow flow); // planned-failover, unplanned-failover, failback, drill, readiness
std::optional<Flow> flowFromName(const QString &name);
QString flowTitle(Flow flow); // "Planned failover", ...

enum class GateOutcome { Pass, Fail, Skipped, Overridden };
QString gateOutcomeName(GateOutcome outcome); // pass, fail, skipped, overridden

struct GateResult
{
    QString id;          // gate.operator-role, gate.approval, gate.routing, gate.cooldown,
                         // gate.target-components, gate.target-certificates,
                         // gate.storage-replication, gate.index-lag
    QString title;       // "Target components are healthy"
    GateOutcome outcome = GateOutcome::Fail;
    QString reason;      // why it passed, failed or was skipped, in one sentence
    bool overridable = false; // break-glass may override a failure
    QString remedy;      // what to do about a failure ("drctl sync-index --from west --to north")
    QJsonObject toJson() const;
};

struct GateInputs
{
    const Profile *profile = nullptr;
    Flow flow = Flow::PlannedFailover;
    QString source, target;          // region ids
    QJsonObject snapshot;            // the status document
    QDateTime now;
    std::optional<SignedInOperator> operatorSignedIn;
    std::optional<SignedInOperator> approver;
    QDateTime lastSwitchAt;          // the last completed switch on this profile (journal)
    QString breakGlassReason;        // non-empty: overridable failures become Overridden
    bool sameRunSwitched = false;    // a drill's way back: the cooldown does not apply
};

QList<GateResult> evaluateGates(const GateInputs &inputs);
// True when every gate passed, was skipped or was overridden.
bool gatesAllow(const QList<GateResult> &gates);

} // namespace dr
