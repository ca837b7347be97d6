#pragma once

// The runbooks DR Console runs, built from the profile: planned and unplanned failover,
// failback, drill (failover, hold, failback, scorecard) and the non-disruptive readiness
// check. A FlowRequest says what the operator asked; buildRunbook() turns it into steps whose
// work uses the FlowServices (routing switch, run lock, index sync, status snapshots). The
// request is kept in the run's params so an interrupted run is built again identically on
// resume.

#include "auth/operatordirectory.h"
#include "gates.h"
#include "runbook/runbook.h"

#include <QJsonObject>
#include <QString>

#include <optional>

namespace dr {

struct FlowRequest
{
    Flow flow = Flow::PlannedFailover;
    QString source;             // serving region now (failover) / the standby now (failback)
    QString target;             // where traffic goes
    QString breakGlassReason;   // non-empty: break-glass (audited) for overridable gates and the cooldown
    SignedInOperator operatorSignedIn;
    std::optional<SignedInOperator> approver;

    QJsonObject toParams() const;                  // no passphrase, no secret
    static Result<FlowRequest> fromParams(const QJsonObject &params);
};

// The default request for a flow on this profile and the current serving region: failover
// goes from the serving region to the other one; failback returns to the profile's primary.
// An error when the flow makes no sense now ("failback: west (the primary) already serves").
Result<FlowRequest> defaultRequest(const Profile &profile, Flow flow, const QString &servingRegion);

} // namespace dr
