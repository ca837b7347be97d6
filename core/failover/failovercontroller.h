#pragma once

// What drconsole's wizards and drctl drive: one profile's failovers, failbacks, drills and
// readiness checks on this workstation. It owns the run journal, the audit trail, the
// operator directory, the routing switch, the run lock and the engine; it signs operators in
// (audited), judges the gates live, shows the plan, starts, resumes and rolls back runs, and
// records measured RTO and RPO exposure in the run's data:
//
//   data.rtoMs              start of the run -> verified service from the target (for an
//                           unplanned failover the outage began earlier: the run cannot know
//                           when users first saw it; the console's history and drlab traffic can)
//   data.switchAt           when the source left the routing (ISO 8601)
//   data.verifiedAt         when the Nth synthetic chat in a row was answered by the target
//   data.rpoExposureSeconds storage lag at the switch (now - Last Sync Time)
//   data.indexLagDocuments  index lag at the switch
//   data.scorecard          drills: objectives against what was achieved
//   data.gateSnapshot       {at, certificates, storageReplication, indexSync} as the first
//                           gate of the run saw them (the report's inventory "at the time")
//   data.verdict            {pass, author, at, note}: recordVerdict(), after the run
//   data.traffic            a `drlab traffic --json` summary: attachTraffic(), after the run
//
// Role checks are in core: signIn() answers who, the gates and start() refuse what the role
// may not do. Everything is asynchronous and answers exactly once.

#include "audit/audittrail.h"
#include "auth/operatordirectory.h"
#include "common/clock.h"
#include "failover/flows.h"
#include "failover/gates.h"
#include "profile/profile.h"
#include "runbook/runbookengine.h"
#include "runbook/runjournal.h"

#include <QObject>

#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace dr {

class SecretStore;
class RemoteAuditCopy;
struct AccessToken;

class FailoverController : public QObject
{
    Q_OBJECT

public:
    explicit FailoverController(const Profile &profile, QObject *parent = nullptr);
    ~FailoverController() override;

    const Profile &profile() const;

    // Opens the journal and the audit trail (reading or creating the audit key) and loads the
    // operator directory. Call once before anything else.
    void prepare(std::function<void(Result<void>)> done);

    // Verifies the passphrase against the operator directory; audited either way.
    Result<SignedInOperator> signIn(const QString &name, const QByteArray &passphrase);
    // Signs in an operator from an Entra ID token (device code flow), its role mapped by the
    // profile's azure.signIn (core/auth/entrasignin.h); audited either way, "method": "entra".
    Result<SignedInOperator> signInWithEntra(const AccessToken &token);

    // Takes a fresh status snapshot and judges every gate for the request.
    void checkReadiness(const FlowRequest &request,
                        std::function<void(Result<QList<GateResult>>, QJsonObject snapshot)> done);
    // The serving region now (from a fresh routing read), for defaultRequest().
    void servingRegion(std::function<void(Result<QString>)> done);

    // The runbook the request would run (for the plan review); nothing starts.
    Result<Runbook> plan(const FlowRequest &request);
    // Checks the operator may run it, records the run and starts it; the engine's signals
    // follow. Refused while this controller runs another run.
    Result<QString> start(const FlowRequest &request);
    // Continues (or rolls back) an interrupted or halted run; the operator (and approver)
    // must sign in again, as for a new run.
    Result<void> resume(const QString &runId, const SignedInOperator &operatorSignedIn,
                        const std::optional<SignedInOperator> &approver, bool rollback);

    RunbookEngine *engine() const;
    RunJournal *journal() const;
    AuditTrail *audit() const;
    // The copies of the trail in each region's storage (null before prepare() succeeded).
    RemoteAuditCopy *remoteAudit() const;
    // Ask for a push (coalesced, best effort) after every append: on in the console, which
    // lives long enough for it; off by default, for short-lived processes like drctl, which
    // leave the copies to `drctl audit push` and the console.
    void setPushAuditCopies(bool on);
    OperatorDirectory *operators() const;

    // An operator's note on a run (the wizard's last page, drctl --note); audited.
    Result<void> addNote(const QString &runId, const QString &author, const QString &note);
    // The operator's pass/fail verdict on a run (a drill's end, drctl record --verdict): kept
    // in the run's data.verdict (a later verdict replaces it; the trail keeps both) and audited
    // (kind "verdict"). Refused for a run this controller is still running. Who may record it
    // is the caller's check (authorise(Permission::RunFailover), as drctl record does).
    Result<void> recordVerdict(const QString &runId, const QString &author, bool pass, const QString &note);
    // The traffic measured during a run (`drlab traffic --json`: sent, succeeded, failed,
    // longestOutageMs, ...), kept in data.traffic for the report's downtime; audited (kind
    // "traffic"). Refused for a run in progress here, and for a summary without longestOutageMs.
    Result<void> attachTraffic(const QString &runId, const QJsonObject &summary);

Q_SIGNALS:
    void runFinished(const QString &runId, dr::RunState state, const QString &outcome);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace dr
