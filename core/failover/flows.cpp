#include "flows.h"

namespace dr {

namespace {

QJsonObject operatorJson(const SignedInOperator &op)
{
    return {{QStringLiteral("name"), op.name}, {QStringLiteral("role"), roleName(op.role)}};
}

} // namespace

QJsonObject FlowRequest::toParams() const
{
    QJsonObject o{{QStringLiteral("flow"), flowName(flow)},
                  {QStringLiteral("source"), source},
                  {QStringLiteral("target"), target},
                  {QStringLiteral("operator"), operatorJson(operatorSignedIn)}};
    if (approver)
        o.insert(QStringLiteral("approver"), operatorJson(*approver));
    if (!breakGlassReason.isEmpty())
        o.insert(QStringLiteral("breakGlassReason"), breakGlassReason);
    return o;
}

Result<FlowRequest> FlowRequest::fromParams(const QJsonObject &params)
{
    FlowRequest r;
    const auto flow = flowFromName(params.value(QStringLiteral("flow")).toString());
    if (!flow)
        return fail(QStringLiteral("the run's params name no known flow (\"%1\")").arg(params.value(QStringLiteral("flow")).toString()));
    r.flow = *flow;
    r.source = params.value(QStringLiteral("source")).toString();
    r.target = params.value(QStringLiteral("target")).toString();
    r.breakGlassReason = params.value(QStringLiteral("breakGlassReason")).toString();
    const QJsonObject op = params.value(QStringLiteral("operator")).toObject();
    r.operatorSignedIn.name = op.value(QStringLiteral("name")).toString();
    r.operatorSignedIn.role = roleFromName(op.value(QStringLiteral("role")).toString()).value_or(Role::Viewer);
    if (params.contains(QStringLiteral("approver"))) {
        const QJsonObject a = params.value(QStringLiteral("approver")).toObject();
        r.approver = SignedInOperator{a.value(QStringLiteral("name")).toString(),
                                      roleFromName(a.value(QStringLiteral("role")).toString()).value_or(Role::Viewer), {}};
    }
    if (r.source.isEmpty() || r.target.isEmpty())
        return fail(QStringLiteral("the run's params name no source or target region"));
    return r;
}

Result<FlowRequest> defaultRequest(const Profile &profile, Flow flow, const QString &servingRegion)
{
    const Region *primary = profile.primary();
    const Region *secondary = profile.secondary();
    if (!primary || !secondary)
        return fail(QStringLiteral("the profile needs a primary and a secondary region"));
    FlowRequest r;
    r.flow = flow;
    const auto other = [&](const QString &id) { return id == primary->id ? secondary->id : primary->id; };
    switch (flow) {
    case Flow::Failback:
        if (servingRegion == primary->id)
            return fail(QStringLiteral("failback: %1 (the primary) already serves").arg(primary->id));
        r.source = secondary->id;
        r.target = primary->id;
        break;
    case Flow::PlannedFailover:
    case Flow::Drill:
    case Flow::Readiness:
        if (servingRegion.isEmpty())
            return fail(QStringLiteral("%1: no region serves now; an unplanned failover moves traffic when the source is lost").arg(flowTitle(flow)));
        r.source = servingRegion;
        r.target = other(servingRegion);
        break;
    case Flow::UnplannedFailover:
        // The primary is presumed lost. The router may already send traffic to the standby on
        // its own (a backup server, a priority list): that is what the switch pins down. The
        // operator picks the other direction explicitly (--to) after a failover.
        r.source = primary->id;
        r.target = secondary->id;
        break;
    }
    return r;
}

} // namespace dr
