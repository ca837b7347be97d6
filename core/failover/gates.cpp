#include "gates.h"

#include <QJsonArray>

namespace dr {

namespace {

struct FlowNames
{
    Flow flow;
    const char16_t *name;
    const char16_t *title;
};

constexpr FlowNames kFlows[] = {
    {Flow::PlannedFailover, u"planned-failover", u"Planned failover"},
    {Flow::UnplannedFailover, u"unplanned-failover", u"Unplanned failover"},
    {Flow::Failback, u"failback", u"Failback"},
    {Flow::Drill, u"drill", u"Drill"},
    {Flow::Readiness, u"readiness", u"Readiness check"},
};

GateResult gate(const QString &id, const QString &title)
{
    GateResult g;
    g.id = id;
    g.title = title;
    return g;
}

GateResult &pass(GateResult &g, const QString &reason)
{
    g.outcome = GateOutcome::Pass;
    g.reason = reason;
    return g;
}

GateResult &failed(GateResult &g, const QString &reason, const QString &remedy = {})
{
    g.outcome = GateOutcome::Fail;
    g.reason = reason;
    g.remedy = remedy;
    return g;
}

GateResult &skipped(GateResult &g, const QString &reason)
{
    g.outcome = GateOutcome::Skipped;
    g.reason = reason;
    return g;
}

QJsonObject regionOf(const QJsonObject &snapshot, const QString &regionId)
{
    for (const QJsonValue &r : snapshot.value(QStringLiteral("regions")).toArray()) {
        if (r.toObject().value(QStringLiteral("id")).toString() == regionId)
            return r.toObject();
    }
    return {};
}

bool movesTraffic(Flow flow)
{
    return flow != Flow::Readiness;
}

GateResult operatorRole(const GateInputs &in)
{
    GateResult g = gate(QStringLiteral("gate.operator-role"), QStringLiteral("The operator may run it"));
    // The readiness page comes before the sign-in: this gate is judged then (and again as a
    // step of the run, where someone has always signed in).
    if (!in.operatorSignedIn)
        return skipped(g, QStringLiteral("judged when an operator signs in"));
    const SignedInOperator &op = *in.operatorSignedIn;
    if (in.flow == Flow::Readiness)
        return pass(g, QStringLiteral("%1 (%2) signed in; a readiness check changes nothing, any role may run it").arg(op.name, roleName(op.role)));
    if (const auto allowed = authorise(op, Permission::RunFailover); !allowed)
        return failed(g, allowed.error(), QStringLiteral("sign in as an operator or an admin"));
    if (!in.breakGlassReason.isEmpty()) {
        if (const auto allowed = authorise(op, Permission::BreakGlass); !allowed)
            return failed(g, allowed.error());
    }
    return pass(g, QStringLiteral("%1 signed in with the role %2").arg(op.name, roleName(op.role)));
}

GateResult approval(const GateInputs &in)
{
    GateResult g = gate(QStringLiteral("gate.approval"), QStringLiteral("Approval (two-person rule)"));
    if (in.flow == Flow::Readiness)
        return skipped(g, QStringLiteral("a readiness check changes nothing and needs no approval"));
    if (!in.operatorSignedIn)
        return skipped(g, QStringLiteral("judged when the operator (and approver) sign in"));
    if (const auto ok = checkTwoPersonRule(*in.profile, *in.operatorSignedIn, in.approver); !ok)
        return failed(g, ok.error(), QStringLiteral("an approver (a different person) signs in too"));
    if (in.approver)
        return pass(g, QStringLiteral("approved by %1").arg(in.approver->name));
    return pass(g, QStringLiteral("no approver needed: the profile's environment is %1").arg(toString(in.profile->environment)));
}

GateResult routing(const GateInputs &in)
{
    GateResult g = gate(QStringLiteral("gate.routing"), QStringLiteral("The global routing serves from the source"));
    const QJsonObject r = in.snapshot.value(QStringLiteral("routing")).toObject();
    const QString active = in.snapshot.value(QStringLiteral("activeRegion")).toString();
    const QString detail = r.value(QStringLiteral("detail")).toString();
    if (in.flow == Flow::UnplannedFailover) {
        // The source is presumed lost: whoever serves now, the switch pins the target.
        if (active.isEmpty())
            return pass(g, QStringLiteral("no region serves now (%1): the switch will send traffic to %2").arg(detail.isEmpty() ? QStringLiteral("routing unknown") : detail, in.target));
        return pass(g, QStringLiteral("%1 serves now (%2); the switch pins traffic to %3").arg(active, detail, in.target));
    }
    if (r.isEmpty() || r.value(QStringLiteral("state")).toString() == u"unknown")
        return failed(g, QStringLiteral("the routing state cannot be read: %1").arg(detail.isEmpty() ? QStringLiteral("no routing sample") : detail),
                      QStringLiteral("check the router's management interface (routing.settings in the profile)"));
    if (active == in.source)
        return pass(g, QStringLiteral("%1 serves (%2)").arg(active, detail));
    if (active == in.target)
        return failed(g, QStringLiteral("%1 already serves (%2): there is nothing to move").arg(active, detail));
    return failed(g, QStringLiteral("no region serves (%1)").arg(detail), QStringLiteral("an unplanned failover moves traffic when the source is lost"));
}

GateResult cooldown(const GateInputs &in)
{
    GateResult g = gate(QStringLiteral("gate.cooldown"), QStringLiteral("No switch too recently"));
    if (in.flow == Flow::Readiness)
        return skipped(g, QStringLiteral("a readiness check does not switch"));
    if (in.sameRunSwitched)
        return skipped(g, QStringLiteral("the way back of this drill: the cooldown applies between runs"));
    const int cooldownS = in.profile->runbook.cooldownMs / 1000;
    if (!in.lastSwitchAt.isValid())
        return pass(g, QStringLiteral("no earlier switch recorded on this workstation"));
    const QDateTime until = in.lastSwitchAt.addMSecs(in.profile->runbook.cooldownMs);
    if (in.now >= until)
        return pass(g, QStringLiteral("the last switch was at %1, more than %2 s ago").arg(in.lastSwitchAt.toString(Qt::ISODate)).arg(cooldownS));
    g.overridable = true;
    return failed(g, QStringLiteral("the last switch was at %1; the cooldown of %2 s lasts until %3")
                         .arg(in.lastSwitchAt.toString(Qt::ISODate)).arg(cooldownS).arg(until.toString(Qt::ISODate)),
                  QStringLiteral("wait, or use break-glass with a reason"));
}

GateResult targetComponents(const GateInputs &in)
{
    GateResult g = gate(QStringLiteral("gate.target-components"), QStringLiteral("Target components are healthy"));
    g.overridable = true;
    const QJsonObject region = regionOf(in.snapshot, in.target);
    if (region.isEmpty())
        return failed(g, QStringLiteral("no status of region %1 was taken").arg(in.target));
    QStringList bad;
    int count = 0;
    for (const QJsonValue &v : region.value(QStringLiteral("components")).toArray()) {
        const QJsonObject c = v.toObject();
        ++count;
        const QString state = c.value(QStringLiteral("state")).toString();
        if (state != u"ok")
            bad.append(QStringLiteral("%1 %2 (%3)").arg(c.value(QStringLiteral("id")).toString(), state, c.value(QStringLiteral("detail")).toString()));
    }
    if (!bad.isEmpty())
        return failed(g, QStringLiteral("%1: %2").arg(in.target, bad.join(QStringLiteral("; "))),
                      QStringLiteral("repair %1 first, or (unplanned) use break-glass").arg(in.target));
    return pass(g, QStringLiteral("all %1 components of %2 are ok").arg(count).arg(in.target));
}

GateResult targetCertificates(const GateInputs &in)
{
    GateResult g = gate(QStringLiteral("gate.target-certificates"), QStringLiteral("Target certificates are valid"));
    g.overridable = true;
    const int warningDays = in.profile->objectives.certificateWarningDays;
    QStringList bad;
    int count = 0;
    for (const QJsonValue &v : in.snapshot.value(QStringLiteral("certificates")).toArray()) {
        const QJsonObject c = v.toObject();
        const QJsonValue region = c.value(QStringLiteral("region"));
        // The target's own endpoints and the global endpoint (which keeps serving after the switch).
        if (!region.isNull() && region.toString() != in.target)
            continue;
        ++count;
        const QString state = c.value(QStringLiteral("state")).toString();
        const QJsonValue days = c.value(QStringLiteral("daysLeft"));
        if (state == u"unknown" || days.isUndefined() || days.isNull())
            bad.append(QStringLiteral("%1: %2").arg(c.value(QStringLiteral("id")).toString(), c.value(QStringLiteral("detail")).toString()));
        else if (days.toInt() < 0 || state == u"expired")
            bad.append(QStringLiteral("%1 has expired (%2)").arg(c.value(QStringLiteral("id")).toString(), c.value(QStringLiteral("detail")).toString()));
        else if (days.toInt() <= warningDays || state != u"ok")
            bad.append(QStringLiteral("%1 expires in %2 days (%3; warning threshold %4 days)")
                           .arg(c.value(QStringLiteral("id")).toString()).arg(days.toInt()).arg(c.value(QStringLiteral("detail")).toString()).arg(warningDays));
    }
    if (!bad.isEmpty())
        return failed(g, bad.join(QStringLiteral("; ")), QStringLiteral("renew the certificate before moving traffic"));
    if (count == 0)
        return skipped(g, QStringLiteral("the profile lists no certificate for %1").arg(in.target));
    return pass(g, QStringLiteral("%1 certificate%2 valid for more than %3 days").arg(count).arg(count == 1 ? QString() : QStringLiteral("s")).arg(warningDays));
}

GateResult storageReplication(const GateInputs &in)
{
    GateResult g = gate(QStringLiteral("gate.storage-replication"), QStringLiteral("Storage replication is live within the RPO"));
    g.overridable = true;
    const QJsonObject s = in.snapshot.value(QStringLiteral("storageReplication")).toObject();
    if (!in.profile->storageReplication)
        return skipped(g, QStringLiteral("the profile does not monitor storage replication"));
    const QString lastSync = s.value(QStringLiteral("lastSyncTime")).toString();
    if (in.flow == Flow::UnplannedFailover) {
        return skipped(g, QStringLiteral("the source is presumed lost; the last known Last Sync Time %1 is recorded as the RPO exposure")
                              .arg(lastSync.isEmpty() ? QStringLiteral("(unknown)") : lastSync));
    }
    const int rpo = in.profile->objectives.rpoSeconds;
    const QString state = s.value(QStringLiteral("state")).toString();
    const QJsonValue lag = s.value(QStringLiteral("lagSeconds"));
    if (state == u"ok" && lag.isDouble() && lag.toDouble() <= rpo)
        return pass(g, QStringLiteral("%1 (lag %2 s, RPO %3 s)").arg(s.value(QStringLiteral("detail")).toString()).arg(lag.toDouble()).arg(rpo));
    return failed(g, QStringLiteral("%1 (state %2, RPO %3 s)").arg(s.value(QStringLiteral("detail")).toString(), state.isEmpty() ? QStringLiteral("unknown") : state).arg(rpo),
                  QStringLiteral("wait for replication to catch up; a failover now would lose the writes not yet replicated"));
}

GateResult indexLag(const GateInputs &in)
{
    GateResult g = gate(QStringLiteral("gate.index-lag"), QStringLiteral("The target's search index is in sync"));
    g.overridable = true;
    if (!in.profile->indexSync)
        return skipped(g, QStringLiteral("the profile does not sync a search index"));
    const QJsonObject s = in.snapshot.value(QStringLiteral("indexSync")).toObject();
    const QJsonValue docs = s.value(QStringLiteral("lagDocuments"));
    if (in.flow == Flow::UnplannedFailover) {
        return skipped(g, QStringLiteral("the source is presumed lost; the index lag at the last check (%1 documents) is recorded as RPO exposure")
                              .arg(docs.isDouble() ? QString::number(docs.toInteger()) : QStringLiteral("unknown")));
    }
    if (in.flow == Flow::Failback)
        return skipped(g, QStringLiteral("the failback's reverse index sync brings %1 up to date first").arg(in.target));
    const Objectives &o = in.profile->objectives;
    const QJsonValue secs = s.value(QStringLiteral("lagSeconds"));
    const QString remedy = QStringLiteral("sync the index first: drctl sync-index --profile %1 --from %2 --to %3").arg(in.profile->filePath, in.source, in.target);
    if (!docs.isDouble() || !secs.isDouble())
        return failed(g, QStringLiteral("the index lag is unknown: %1").arg(s.value(QStringLiteral("detail")).toString()), remedy);
    if (docs.toInteger() <= o.indexLagDocuments && secs.toDouble() <= o.indexLagSeconds)
        return pass(g, QStringLiteral("%1 documents and %2 s behind (thresholds %3 and %4 s)").arg(docs.toInteger()).arg(secs.toDouble()).arg(o.indexLagDocuments).arg(o.indexLagSeconds));
    return failed(g, QStringLiteral("%1 documents and %2 s behind (thresholds %3 and %4 s)").arg(docs.toInteger()).arg(secs.toDouble()).arg(o.indexLagDocuments).arg(o.indexLagSeconds), remedy);
}

} // namespace

QString flowName(Flow flow)
{
    for (const FlowNames &f : kFlows) {
        if (f.flow == flow)
            return QString::fromUtf16(f.name);
    }
    return {};
}

std::optional<Flow> flowFromName(const QString &name)
{
    for (const FlowNames &f : kFlows) {
        if (name == QStringView(f.name))
            return f.flow;
    }
    return std::nullopt;
}

QString flowTitle(Flow flow)
{
    for (const FlowNames &f : kFlows) {
        if (f.flow == flow)
            return QString::fromUtf16(f.title);
    }
    return {};
}

QString gateOutcomeName(GateOutcome outcome)
{
    switch (outcome) {
    case GateOutcome::Pass: return QStringLiteral("pass");
    case GateOutcome::Fail: return QStringLiteral("fail");
    case GateOutcome::Skipped: return QStringLiteral("skipped");
    case GateOutcome::Overridden: return QStringLiteral("overridden");
    }
    return {};
}

QJsonObject GateResult::toJson() const
{
    QJsonObject o{{QStringLiteral("id"), id},
                  {QStringLiteral("title"), title},
                  {QStringLiteral("outcome"), gateOutcomeName(outcome)},
                  {QStringLiteral("reason"), reason},
                  {QStringLiteral("overridable"), overridable}};
    if (!remedy.isEmpty())
        o.insert(QStringLiteral("remedy"), remedy);
    return o;
}

QList<GateResult> evaluateGates(const GateInputs &in)
{
    QList<GateResult> gates{operatorRole(in), approval(in)};
    if (movesTraffic(in.flow) || in.flow == Flow::Readiness)
        gates.append(routing(in));
    gates.append(cooldown(in));
    gates.append(targetComponents(in));
    gates.append(targetCertificates(in));
    gates.append(storageReplication(in));
    gates.append(indexLag(in));
    if (!in.breakGlassReason.isEmpty()) {
        for (GateResult &g : gates) {
            if (g.outcome == GateOutcome::Fail && g.overridable) {
                g.outcome = GateOutcome::Overridden;
                g.reason = QStringLiteral("%1 — overridden by break-glass: %2").arg(g.reason, in.breakGlassReason);
            }
        }
    }
    return gates;
}

bool gatesAllow(const QList<GateResult> &gates)
{
    return std::all_of(gates.cbegin(), gates.cend(), [](const GateResult &g) { return g.outcome != GateOutcome::Fail; });
}

} // namespace dr
