#include "failovercontroller.h"

#include "audit/remoteaudit.h"
#include "azure/armclient.h"
#include "azure/armresources.h"
#include "azure/entra.h"
#include "auth/entrasignin.h"
#include "indexsync/indexsync.h"
#include "logging/logging.h"
#include "net/httpexchange.h"
#include "probes/syntheticchatprobe.h"
#include "probes/tlsprobe.h"
#include "routing/routingswitch.h"
#include "runbook/runlock.h"
#include "secrets/secretstore.h"
#include "status/statusmonitor.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QPointer>
#include <QSysInfo>
#include <QTimer>
#include <QUuid>

namespace dr {

namespace {

constexpr int kSnapshotReuseMs = 15000; // gate steps of one pass share one snapshot

QString iso(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODateWithMs);
}

using Done = std::function<void(StepOutcome)>;

} // namespace

struct FailoverController::Private
{
    FailoverController *q = nullptr;
    Profile profile;
    QNetworkAccessManager *network = nullptr;
    SecretStore *secrets = nullptr;
    QList<QSslCertificate> caCertificates;
    std::unique_ptr<RunJournal> journal;
    std::unique_ptr<AuditTrail> audit;
    RemoteAuditCopy *remoteAudit = nullptr; // the off-workstation copies
    bool pushAuditCopies = false;           // after every append (the console turns it on)
    std::unique_ptr<OperatorDirectory> operators;
    RunbookEngine *engine = nullptr;
    std::unique_ptr<RoutingSwitch> routing;
    QString routingError;
    ArmClient *arm = nullptr; // the optional Azure steps' (storage account, Cosmos DB)
    int armPollMs = 5000;     // between polls of a long-running Azure operation
    bool prepared = false;
    QString lastSignedIn; // who acts on a finished run (verdict, traffic) in this session

    // The run in progress.
    FlowRequest request;
    QString runId;
    QDateTime runStarted;
    azure::BlobClient *lockClient = nullptr;
    RunLock *lock = nullptr;
    QJsonObject snapshot;
    qint64 snapshotAtMs = -1;

    QString actor() const { return request.operatorSignedIn.name.isEmpty() ? QStringLiteral("system") : request.operatorSignedIn.name; }

    void record(const QString &kind, const QString &actor, const QString &run, const QString &summary, const QJsonObject &data = {})
    {
        if (!audit)
            return;
        if (const auto r = audit->append(kind, actor, run, summary, data); !r)
            log::get("audit")->error("cannot append to the audit trail: {}", r.error().toStdString());
        else if (remoteAudit && pushAuditCopies)
            remoteAudit->pushSoon(); // best effort: never blocks or fails the run
    }

    // A fresh status snapshot (one sample of every probe), reused for kSnapshotReuseMs so the
    // gate steps of one pass judge the same moment.
    void takeSnapshot(bool reuse, std::function<void(QJsonObject)> done)
    {
        if (reuse && snapshotAtMs >= 0 && Clock::system()->elapsedMs() - snapshotAtMs < kSnapshotReuseMs) {
            QTimer::singleShot(0, q, [this, done] { done(snapshot); });
            return;
        }
        auto *monitor = new StatusMonitor(profile, Clock::system(), StatusMonitor::Mode::OneShot, q);
        QObject::connect(monitor, &StatusMonitor::sampled, q, [this, monitor, done] {
            snapshot = monitor->snapshot();
            snapshotAtMs = Clock::system()->elapsedMs();
            monitor->deleteLater();
            done(snapshot);
        });
        QTimer::singleShot(0, monitor, &StatusMonitor::sampleOnce);
    }

    QJsonObject gateSnapshot() const
    {
        QJsonObject o{{QStringLiteral("at"), snapshot.value(QStringLiteral("takenAt"))}};
        for (const QString &key : {QStringLiteral("certificates"), QStringLiteral("storageReplication"), QStringLiteral("indexSync")})
            o.insert(key, snapshot.value(key));
        return o;
    }

    // A run's record, for changes made after it ran (verdict, traffic).
    Result<RunRecord> finishedRun(const QString &runId) const
    {
        if (!prepared)
            return fail(QStringLiteral("the controller is not prepared (journal and audit trail not open)"));
        if (engine->isRunning() && engine->runId() == runId)
            return fail(QStringLiteral("run %1 is still in progress: record it once it has ended").arg(runId));
        const auto run = journal->run(runId);
        if (!run)
            return fail(run.error());
        if (!*run)
            return fail(QStringLiteral("no run %1 in the journal of profile %2").arg(runId, profile.name));
        return **run;
    }

    QDateTime lastSwitchAt(const QString &exceptRun) const
    {
        QDateTime last;
        const auto runs = journal->runs(200);
        if (!runs)
            return last;
        for (const RunRecord &r : *runs) {
            if (r.id == exceptRun)
                continue;
            for (const QString &key : {QStringLiteral("switchAt"), QStringLiteral("backSwitchAt")}) {
                const QDateTime at = QDateTime::fromString(r.data.value(key).toString(), Qt::ISODateWithMs);
                if (at.isValid() && (!last.isValid() || at > last))
                    last = at;
            }
        }
        return last;
    }

    GateInputs gateInputs(const FlowRequest &req, Flow flow, const QString &source, const QString &target, bool sameRun) const
    {
        GateInputs in;
        in.profile = &profile;
        in.flow = flow;
        in.source = source;
        in.target = target;
        in.snapshot = snapshot;
        in.now = Clock::system()->nowUtc();
        // Before the sign-in (the wizard's readiness page) nobody is signed in yet.
        if (!req.operatorSignedIn.name.isEmpty())
            in.operatorSignedIn = req.operatorSignedIn;
        in.approver = req.approver;
        in.lastSwitchAt = lastSwitchAt(runId);
        in.breakGlassReason = req.breakGlassReason;
        in.sameRunSwitched = sameRun;
        return in;
    }

    // ---- steps ------------------------------------------------------------------------

    Step lockAcquireStep(const FlowRequest &req)
    {
        Step s;
        s.id = QStringLiteral("lock.acquire");
        s.kind = StepKind::Action;
        s.title = QStringLiteral("Take the run lock in %1's storage").arg(req.target);
        s.description = QStringLiteral("A blob lease in %1's storage account (container %2), renewed while the run lasts: "
                                       "no other console or script can start a run meanwhile.")
                            .arg(req.target, profile.runbook.lockContainer);
        s.timeoutMs = 30000;
        s.retries = 1;
        s.rerunOnResume = true;
        s.run = [this, target = req.target, flow = req.flow](const StepContext &ctx, Done done) {
            const auto acquire = [this, ctx, flow, done] {
                LockHolder holder;
                holder.operatorName = actor();
                holder.host = QSysInfo::machineHostName();
                holder.runId = ctx.runId;
                holder.runKind = flowName(flow);
                holder.since = Clock::system()->nowUtc();
                lock->acquire(holder, [done, holder](Result<void> r) {
                    done(r ? StepOutcome::success(QStringLiteral("run lock taken (%1)").arg(holder.describe()))
                           : StepOutcome::failure(r.error()));
                });
            };
            if (lock) {
                acquire();
                return;
            }
            RunLock::clientFor(profile, target, network, secrets, q, [this, acquire, done](Result<azure::BlobClient *> client) {
                if (!client) {
                    done(StepOutcome::failure(QStringLiteral("cannot reach the lock's storage: %1").arg(client.error())));
                    return;
                }
                lockClient = *client;
                lock = new RunLock(lockClient, profile.runbook.lockContainer, profile.runbook.lockLeaseMs, q);
                QObject::connect(lock, &RunLock::lost, q, [this](const QString &reason) {
                    record(QStringLiteral("run-state"), QStringLiteral("system"), runId,
                           QStringLiteral("The run lock was lost: %1. The run halts after the current step.").arg(reason));
                    if (engine->isRunning())
                        engine->halt(QStringLiteral("system"));
                });
                acquire();
            });
        };
        s.undo = [this](const StepContext &, Done done) { releaseLock(done); };
        return s;
    }

    void releaseLock(Done done)
    {
        if (!lock) {
            done(StepOutcome::success(QStringLiteral("no run lock was held by this process")));
            return;
        }
        lock->release([done](Result<void> r) {
            done(r ? StepOutcome::success(QStringLiteral("run lock released")) : StepOutcome::failure(r.error()));
        });
    }

    Step lockReleaseStep()
    {
        Step s;
        s.id = QStringLiteral("lock.release");
        s.kind = StepKind::Action;
        s.title = QStringLiteral("Release the run lock");
        s.description = QStringLiteral("Another run may start once this one is complete.");
        s.timeoutMs = 30000;
        s.retries = 2;
        s.critical = false;
        s.run = [this](const StepContext &, Done done) { releaseLock(done); };
        return s;
    }

    QList<Step> gateSteps(const FlowRequest &req, Flow flow, const QString &source, const QString &target,
                          const QString &prefix, bool sameRun)
    {
        // The gate ids and titles, judged once now to list them; each step judges again live.
        GateInputs probe = gateInputs(req, flow, source, target, sameRun);
        QList<Step> steps;
        for (const GateResult &g : evaluateGates(probe)) {
            Step s;
            s.id = prefix + g.id;
            s.kind = g.id == u"gate.approval" ? StepKind::Approval : StepKind::Gate;
            s.title = g.title + (prefix.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(target));
            s.description = QStringLiteral("Checked live before anything moves; a failure stops the run with its reason%1.")
                                .arg(g.overridable ? QStringLiteral(" (break-glass may override it)") : QString());
            s.timeoutMs = 60000;
            // A probe can read a passing moment badly (a replication sample between two
            // syncs): a failed gate looks again, with a fresh snapshot, before it stops the run.
            s.retries = 2;
            s.retryDelayMs = 2000;
            s.run = [this, req, flow, source, target, sameRun, id = g.id](const StepContext &ctx, Done done) {
                const bool keepSnapshot = !ctx.runData.contains(QStringLiteral("gateSnapshot"));
                takeSnapshot(ctx.attempt == 1, [this, req, flow, source, target, sameRun, id, keepSnapshot, done](const QJsonObject &) {
                    const QList<GateResult> gates = evaluateGates(gateInputs(req, flow, source, target, sameRun));
                    const auto it = std::find_if(gates.cbegin(), gates.cend(), [&](const GateResult &g) { return g.id == id; });
                    if (it == gates.cend()) {
                        done(StepOutcome::skip(QStringLiteral("this gate does not apply")));
                        return;
                    }
                    QJsonObject data{{QStringLiteral("gate"), it->toJson()}};
                    // The first gate of a run keeps what it saw, so a report shows the
                    // certificates and lags as they were then, not as they are when it is read.
                    if (keepSnapshot)
                        data.insert(QStringLiteral("gateSnapshot"), gateSnapshot());
                    if (id == u"gate.storage-replication") {
                        const QJsonObject s = snapshot.value(QStringLiteral("storageReplication")).toObject();
                        data.insert(QStringLiteral("lastSyncTime"), s.value(QStringLiteral("lastSyncTime")));
                    }
                    if (id == u"gate.index-lag") {
                        const QJsonObject s = snapshot.value(QStringLiteral("indexSync")).toObject();
                        data.insert(QStringLiteral("indexLagAtGate"), s.value(QStringLiteral("lagDocuments")));
                    }
                    switch (it->outcome) {
                    case GateOutcome::Pass:
                        done(StepOutcome::success(it->reason, data));
                        return;
                    case GateOutcome::Skipped: {
                        StepOutcome o = StepOutcome::skip(it->reason);
                        o.data = data;
                        done(o);
                        return;
                    }
                    case GateOutcome::Overridden:
                        record(QStringLiteral("override"), actor(), runId,
                               QStringLiteral("%1 overridden by break-glass (%2): %3").arg(it->title, req.breakGlassReason, it->reason),
                               data);
                        data.insert(QStringLiteral("overridden"), true);
                        done(StepOutcome::success(it->reason, data));
                        return;
                    case GateOutcome::Fail:
                        done(StepOutcome::failure(it->remedy.isEmpty() ? it->reason : QStringLiteral("%1 (%2)").arg(it->reason, it->remedy), data));
                        return;
                    }
                });
            };
            steps.append(s);
        }
        return steps;
    }

    Step freezeStep(const QString &source, const QString &prefix)
    {
        Step s;
        s.id = prefix + QStringLiteral("ack.kb-freeze");
        s.kind = StepKind::Acknowledge;
        s.title = QStringLiteral("Freeze knowledge-base edits in %1").arg(source);
        s.prompt = QStringLiteral("Knowledge-base and index edits in %1 are frozen until this run completes: "
                                  "edits made after the final sync would be lost.").arg(source);
        s.description = s.prompt;
        s.timeoutMs = 0;
        return s;
    }

    Step syncStep(const QString &from, const QString &to, bool skipBecauseLost, const QString &prefix, const QString &title)
    {
        Step s;
        s.id = prefix + QStringLiteral("sync.index");
        s.kind = StepKind::Action;
        s.title = title;
        s.description = QStringLiteral("A delta copy of the search index from %1 to %2 (changed documents by watermark, "
                                       "deletions by key), verified by counts and sampled checksums.").arg(from, to);
        s.timeoutMs = profile.runbook.syncTimeoutMs;
        s.retries = 1;
        s.run = [this, from, to, skipBecauseLost](const StepContext &ctx, Done done) {
            if (!profile.indexSync) {
                done(StepOutcome::skip(QStringLiteral("the profile does not sync a search index")));
                return;
            }
            if (skipBecauseLost) {
                done(StepOutcome::skip(QStringLiteral("%1 is presumed lost: no final sync; its unsynced changes are the RPO exposure").arg(from)));
                return;
            }
            IndexSync::endpointsFor(profile, from, to, secrets, [this, ctx, from, to, done](Result<std::pair<SearchEndpoint, SearchEndpoint>> ends) {
                if (!ends) {
                    done(StepOutcome::failure(ends.error()));
                    return;
                }
                IndexSyncOptions options;
                options.concurrency = profile.runbook.syncConcurrency;
                auto *sync = new IndexSync(network, ends->first, ends->second, *profile.indexSync, options, q);
                auto lastLog = std::make_shared<qint64>(-1);
                QObject::connect(sync, &IndexSync::progress, q, [ctx, lastLog](const IndexSyncProgress &p) {
                    const qint64 now = Clock::system()->elapsedMs();
                    if (*lastLog >= 0 && now - *lastLog < 2000)
                        return;
                    *lastLog = now;
                    if (ctx.log)
                        ctx.log(QStringLiteral("index sync %1: %2 copied, %3 deleted").arg(p.phase).arg(p.copied).arg(p.deleted));
                });
                sync->start([sync, from, to, done](Result<IndexSyncReport> report) {
                    sync->deleteLater();
                    if (!report) {
                        done(StepOutcome::failure(QStringLiteral("index sync %1 -> %2: %3").arg(from, to, report.error())));
                        return;
                    }
                    const QString detail = QStringLiteral("%1 copied, %2 deleted in %3 ms; %4")
                                               .arg(report->copied).arg(report->deleted).arg(report->elapsedMs).arg(report->verification);
                    if (!report->verified) {
                        done(StepOutcome::failure(QStringLiteral("index sync %1 -> %2 did not verify: %3").arg(from, to, detail)));
                        return;
                    }
                    done(StepOutcome::success(detail, {{QStringLiteral("indexSync"), report->toJson()}}));
                });
            });
        };
        return s;
    }

    Step enableStep(const QString &region, const QString &prefix, const QString &why)
    {
        Step s;
        s.id = prefix + QStringLiteral("switch.enable-target");
        s.kind = StepKind::Action;
        s.title = QStringLiteral("Put %1 in the global routing").arg(region);
        s.description = why;
        s.timeoutMs = 60000;
        s.retries = 1;
        s.run = [this, region, key = QString(prefix + QStringLiteral("enableWasEnabled"))](const StepContext &ctx, Done done) {
            if (!routing) {
                done(StepOutcome::failure(routingError));
                return;
            }
            snapshotAtMs = -1; // the routing changes: later gates must look again
            routing->state([this, ctx, region, key, done](Result<RoutingState> before) {
                if (!before) {
                    done(StepOutcome::failure(QStringLiteral("cannot read the routing: %1").arg(before.error())));
                    return;
                }
                const RoutingRegionState *r = before->region(region);
                // On resume the step runs again: what it found the first time is what undo restores.
                const bool wasEnabled = ctx.runData.contains(key) ? ctx.runData.value(key).toBool() : (r && r->enabled);
                routing->enable(region, 45000, [region, key, wasEnabled, done](Result<void> ok) {
                    if (!ok) {
                        done(StepOutcome::failure(ok.error()));
                        return;
                    }
                    done(StepOutcome::success(QStringLiteral("%1 is in the routing and healthy").arg(region), {{key, wasEnabled}}));
                });
            });
        };
        s.undo = [this, region, key = QString(prefix + QStringLiteral("enableWasEnabled"))](const StepContext &ctx, Done done) {
            if (ctx.runData.value(key).toBool(true)) {
                done(StepOutcome::success(QStringLiteral("%1 was in the routing before: left as it is").arg(region)));
                return;
            }
            routing->disable(region, [region, done](Result<void> ok) {
                done(ok ? StepOutcome::success(QStringLiteral("%1 is out of the routing again").arg(region)) : StepOutcome::failure(ok.error()));
            });
        };
        return s;
    }

    Step disableStep(const QString &region, const QString &prefix, const QString &switchKey)
    {
        Step s;
        s.id = prefix + QStringLiteral("switch.disable-source");
        s.kind = StepKind::Action;
        s.title = QStringLiteral("Put %1 in maintenance in the global routing").arg(region);
        s.description = QStringLiteral("Traffic moves to the other region; %1 stays out of rotation so the router cannot "
                                       "flap back to it. Refused if it would leave no serving region.").arg(region);
        s.timeoutMs = 30000;
        s.retries = 1;
        s.run = [this, region, switchKey](const StepContext &, Done done) {
            if (!routing) {
                done(StepOutcome::failure(routingError));
                return;
            }
            snapshotAtMs = -1; // the routing changes: later gates must look again
            routing->disable(region, [region, switchKey, done](Result<void> ok) {
                if (!ok) {
                    done(StepOutcome::failure(ok.error()));
                    return;
                }
                const QDateTime now = Clock::system()->nowUtc();
                done(StepOutcome::success(QStringLiteral("%1 is in maintenance; traffic has moved").arg(region), {{switchKey, iso(now)}}));
            });
        };
        s.undo = [this, region](const StepContext &, Done done) {
            routing->enable(region, 45000, [region, done](Result<void> ok) {
                done(ok ? StepOutcome::success(QStringLiteral("%1 is back in the routing").arg(region)) : StepOutcome::failure(ok.error()));
            });
        };
        return s;
    }

    // One chat through the global endpoint (or straight to a region's bot): which region answered.
    void chat(const QUrl &url, std::function<void(Result<QString>)> done)
    {
        HttpRequestSpec spec;
        spec.method = QByteArrayLiteral("POST");
        spec.url = url;
        spec.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
        const QString text = profile.syntheticChat ? profile.syntheticChat->text : QStringLiteral("DR Console verification");
        spec.body = QJsonDocument(SyntheticChatProbe::activity(text, QStringLiteral("drconsole-verify-") + QUuid::createUuid().toString(QUuid::Id128),
                                                               Clock::system()->nowUtc()))
                        .toJson(QJsonDocument::Compact);
        spec.timeoutMs = profile.syntheticChat ? profile.syntheticChat->timeoutMs : 10000;
        spec.caCertificates = caCertificates;
        HttpExchange::run(network, spec, q, [done](Result<HttpReply> reply) {
            if (!reply) {
                done(fail(reply.error()));
                return;
            }
            if (reply->status != 200) {
                done(fail(QStringLiteral("HTTP %1 from the bot").arg(reply->status)));
                return;
            }
            QString region = QString::fromUtf8(reply->header(QByteArrayLiteral("X-DR-Region")));
            if (region.isEmpty()) {
                const QJsonObject body = QJsonDocument::fromJson(reply->body).object();
                region = body.value(QStringLiteral("channelData")).toObject().value(QStringLiteral("region")).toString();
            }
            done(region.isEmpty() ? Result<QString>(fail(QStringLiteral("the answer names no region"))) : Result<QString>(region));
        });
    }

    QUrl chatUrlThroughGlobal() const
    {
        QUrl url = profile.routing.publicUrl;
        url.setPath(profile.syntheticChat ? profile.syntheticChat->path : QStringLiteral("/api/messages"));
        return url;
    }

    QUrl chatUrlStraightTo(const QString &regionId) const
    {
        const Region *region = profile.region(regionId);
        if (!region)
            return {};
        for (const Component &c : region->components) {
            if (c.kind == u"bot-api") {
                QUrl url = c.endpoint;
                url.setPath(profile.syntheticChat ? profile.syntheticChat->path : QStringLiteral("/api/messages"));
                url.setQuery(QString());
                return url;
            }
        }
        return {};
    }

    // N answers in a row from `target`; retried until the step's time runs out.
    void verifyChats(const QUrl &url, const QString &target, int needed, qint64 deadlineMs, std::shared_ptr<int> inRow,
                     std::shared_ptr<int> sent, std::function<void(const QString &)> log, Done done)
    {
        chat(url, [=, this](Result<QString> region) {
            ++*sent;
            if (region && *region == target) {
                ++*inRow;
            } else {
                if (*inRow > 0 || *sent % 5 == 1) {
                    if (log)
                        log(QStringLiteral("verification chat %1: %2").arg(*sent).arg(region ? QStringLiteral("answered by %1").arg(*region) : region.error()));
                }
                *inRow = 0;
            }
            if (*inRow >= needed) {
                const QDateTime now = Clock::system()->nowUtc();
                done(StepOutcome::success(QStringLiteral("%1 chats in a row answered by %2 (%3 sent)").arg(needed).arg(target).arg(*sent),
                                          {{QStringLiteral("verifiedAtMs"), now.toMSecsSinceEpoch()}}));
                return;
            }
            if (Clock::system()->elapsedMs() >= deadlineMs) {
                done(StepOutcome::failure(QStringLiteral("no %1 answers in a row from %2 within the time (%3 sent; last: %4)")
                                              .arg(needed).arg(target).arg(*sent)
                                              .arg(region ? QStringLiteral("answered by %1").arg(*region) : region.error())));
                return;
            }
            QTimer::singleShot(region && *region == target ? 0 : 200, q, [=, this] { verifyChats(url, target, needed, deadlineMs, inRow, sent, log, done); });
        });
    }

    Step verifyStep(const QString &target, const QString &prefix, bool throughGlobal)
    {
        Step s;
        s.id = prefix + (throughGlobal ? QStringLiteral("verify.synthetic-chat") : QStringLiteral("verify.standby-chat"));
        s.kind = StepKind::Verify;
        const int n = profile.runbook.verifyCount;
        s.title = throughGlobal ? QStringLiteral("Verify %1 answers through the global endpoint").arg(target)
                                : QStringLiteral("Verify %1 answers a chat sent straight to it").arg(target);
        s.description = QStringLiteral("%1 synthetic chat%2 in a row must be answered by %3.").arg(n).arg(n == 1 ? QString() : QStringLiteral("s")).arg(target);
        s.timeoutMs = profile.runbook.verifyTimeoutMs + 5000;
        s.run = [this, target, throughGlobal, n, prefix](const StepContext &ctx, Done done) {
            const QUrl url = throughGlobal ? chatUrlThroughGlobal() : chatUrlStraightTo(target);
            if (!url.isValid() || url.isEmpty()) {
                done(StepOutcome::failure(QStringLiteral("the profile has no bot-api component in %1 to send a chat to").arg(target)));
                return;
            }
            const qint64 deadline = Clock::system()->elapsedMs() + profile.runbook.verifyTimeoutMs;
            verifyChats(url, target, n, deadline, std::make_shared<int>(0), std::make_shared<int>(0), ctx.log,
                        [this, prefix, done](StepOutcome o) {
                            if (o.ok) {
                                const qint64 at = o.data.value(QStringLiteral("verifiedAtMs")).toInteger();
                                o.data = {{prefix + QStringLiteral("verifiedAt"), iso(QDateTime::fromMSecsSinceEpoch(at, Qt::UTC))}};
                            }
                            done(o);
                        });
        };
        return s;
    }

    Step recordStep(const QString &prefix, Flow flow)
    {
        Step s;
        s.id = prefix + QStringLiteral("record.objectives");
        s.kind = StepKind::Action;
        s.title = QStringLiteral("Record the measured RTO and the RPO exposure");
        s.description = QStringLiteral("RTO: from the start of the run to verified service from the target. "
                                       "RPO exposure: storage not yet replicated at the switch, and the index lag.");
        s.timeoutMs = 10000;
        s.critical = false;
        s.run = [this, prefix, flow](const StepContext &ctx, Done done) {
            const QDateTime verified = QDateTime::fromString(ctx.runData.value(prefix + QStringLiteral("verifiedAt")).toString(), Qt::ISODateWithMs);
            const QString switchKey = prefix == u"back." ? QStringLiteral("backSwitchAt") : QStringLiteral("switchAt");
            const QDateTime switched = QDateTime::fromString(ctx.runData.value(switchKey).toString(), Qt::ISODateWithMs);
            // The leg's start: the run's start, or for a drill's way back the end of the hold.
            QDateTime start = runStarted;
            if (prefix == u"back.") {
                const QDateTime held = QDateTime::fromString(ctx.runData.value(QStringLiteral("holdEndedAt")).toString(), Qt::ISODateWithMs);
                if (held.isValid())
                    start = held;
            }
            QJsonObject data;
            QStringList words;
            if (verified.isValid() && start.isValid()) {
                const qint64 rto = start.msecsTo(verified);
                data.insert(prefix + QStringLiteral("rtoMs"), rto);
                words.append(QStringLiteral("RTO %1 s (objective %2 s: %3)").arg(rto / 1000.0, 0, 'f', 1).arg(profile.objectives.rtoSeconds)
                                 .arg(rto <= qint64(profile.objectives.rtoSeconds) * 1000 ? QStringLiteral("PASS") : QStringLiteral("FAIL")));
            }
            if (verified.isValid() && switched.isValid())
                data.insert(prefix + QStringLiteral("switchToVerifiedMs"), switched.msecsTo(verified));
            // Storage: what was not replicated at the switch (planned: the same check the gate made).
            const QDateTime lastSync = QDateTime::fromString(ctx.runData.value(QStringLiteral("lastSyncTime")).toString(), Qt::ISODate);
            if (lastSync.isValid() && switched.isValid()) {
                const qint64 exposure = std::max<qint64>(0, lastSync.secsTo(switched));
                data.insert(prefix + QStringLiteral("rpoExposureSeconds"), exposure);
                words.append(QStringLiteral("RPO exposure %1 s (objective %2 s: %3)").arg(exposure).arg(profile.objectives.rpoSeconds)
                                 .arg(exposure <= profile.objectives.rpoSeconds ? QStringLiteral("PASS") : QStringLiteral("FAIL")));
            }
            // Index: a verified final sync leaves nothing behind; without one, the lag last seen.
            const QJsonObject sync = ctx.runData.value(QStringLiteral("indexSync")).toObject();
            qint64 indexLag = -1;
            if (flow == Flow::UnplannedFailover)
                indexLag = ctx.runData.value(QStringLiteral("indexLagAtGate")).toInteger(-1);
            else if (sync.value(QStringLiteral("verified")).toBool())
                indexLag = 0;
            if (indexLag >= 0) {
                data.insert(prefix + QStringLiteral("indexLagDocuments"), indexLag);
                words.append(QStringLiteral("index lag %1 documents").arg(indexLag));
            }
            // The run's one-line outcome (the engine takes the last one given).
            const QString serving = QStringLiteral("%1 serves").arg(prefix == u"back." ? request.source : request.target);
            data.insert(QStringLiteral("runOutcome"), words.isEmpty() ? serving : QString(serving + QStringLiteral("; ") + words.join(QStringLiteral("; "))));
            done(StepOutcome::success(words.isEmpty() ? QStringLiteral("nothing to measure") : words.join(QStringLiteral("; ")), data));
        };
        return s;
    }

    Step holdStep()
    {
        Step s;
        s.id = QStringLiteral("drill.hold");
        s.kind = StepKind::Action;
        const int holdS = profile.runbook.drillHoldMs / 1000;
        s.title = QStringLiteral("Hold the failover for %1 s").arg(holdS);
        s.description = QStringLiteral("The drill serves from the standby for a while before failing back.");
        s.timeoutMs = profile.runbook.drillHoldMs + 10000;
        s.run = [this](const StepContext &, Done done) {
            QTimer::singleShot(profile.runbook.drillHoldMs, q, [done] {
                done(StepOutcome::success(QStringLiteral("held"), {{QStringLiteral("holdEndedAt"), iso(Clock::system()->nowUtc())}}));
            });
        };
        return s;
    }

    Step scorecardStep()
    {
        Step s;
        s.id = QStringLiteral("drill.scorecard");
        s.kind = StepKind::Action;
        s.title = QStringLiteral("Score the drill against the objectives");
        s.description = QStringLiteral("Measured RTO of both switches and the RPO exposure, each against its objective.");
        s.timeoutMs = 10000;
        s.critical = false;
        s.run = [this](const StepContext &ctx, Done done) {
            const qint64 rtoLimit = qint64(profile.objectives.rtoSeconds) * 1000;
            QJsonArray items;
            bool pass = true;
            const auto add = [&](const QString &name, const QJsonValue &value, qint64 limit, const QString &unit) {
                if (!value.isDouble())
                    return;
                const bool ok = value.toInteger() <= limit;
                pass = pass && ok;
                items.append(QJsonObject{{QStringLiteral("measure"), name}, {QStringLiteral("value"), value},
                                         {QStringLiteral("objective"), limit}, {QStringLiteral("unit"), unit},
                                         {QStringLiteral("verdict"), ok ? QStringLiteral("PASS") : QStringLiteral("FAIL")}});
            };
            add(QStringLiteral("failover RTO"), ctx.runData.value(QStringLiteral("rtoMs")), rtoLimit, QStringLiteral("ms"));
            add(QStringLiteral("failback RTO"), ctx.runData.value(QStringLiteral("back.rtoMs")), rtoLimit, QStringLiteral("ms"));
            add(QStringLiteral("RPO exposure"), ctx.runData.value(QStringLiteral("rpoExposureSeconds")), profile.objectives.rpoSeconds, QStringLiteral("s"));
            const QJsonObject card{{QStringLiteral("items"), items}, {QStringLiteral("verdict"), pass ? QStringLiteral("PASS") : QStringLiteral("FAIL")}};
            const QString verdict = QStringLiteral("drill %1 (%2 measures against the objectives)").arg(pass ? QStringLiteral("PASS") : QStringLiteral("FAIL")).arg(items.size());
            done(StepOutcome::success(verdict, {{QStringLiteral("scorecard"), card},
                                                {QStringLiteral("runOutcome"), QString(request.source + QStringLiteral(" serves again; ") + verdict)}}));
        };
        return s;
    }

    Step restoreStandbyStep(const QString &region)
    {
        Step s = enableStep(region, QStringLiteral("standby."), QString());
        s.id = QStringLiteral("switch.restore-standby");
        s.title = QStringLiteral("Return %1 to standby in the global routing").arg(region);
        s.description = QStringLiteral("%1 goes back into rotation as the standby, ready for the next failover.").arg(region);
        s.critical = false;
        s.undo = nullptr;
        return s;
    }

    // ---- optional Azure steps (storage account failover, Cosmos DB write region) ----------

    // The profile's app speaking to ARM, made once (prepare(), or the first step needing it).
    ArmClient *armClient(QString *error)
    {
        if (arm)
            return arm;
        if (!profile.azure || !profile.azure->clientSecret) {
            *error = QStringLiteral("no Azure credentials: the profile needs an \"azure\" section with a clientSecret");
            return nullptr;
        }
        const AzureSettings &azure = *profile.azure;
        auto *tokens = new EntraTokenSource(network, secrets, entraSettings(azure, caCertificates), q);
        tokens->setClock(Clock::system());
        arm = new ArmClient(network, tokens, azure.armEndpoint, azure.armScope, q);
        arm->setCaCertificates(caCertificates);
        arm->setClock(Clock::system());
        return arm;
    }

    // The Azure resource of a component named by the runbook settings: the primary region's (the
    // account that geo-replicates between the two), else the secondary's.
    Result<QString> azureResourceOf(const QString &componentId) const
    {
        for (const Region *region : {profile.primary(), profile.secondary()}) {
            const Component *c = region ? region->component(componentId) : nullptr;
            if (c && c->azure && !c->azure->resourceId.isEmpty())
                return c->azure->resourceId;
        }
        return fail(QStringLiteral("no component \"%1\" with an \"azure\" resourceId in either region").arg(componentId));
    }

    QString azureApiVersionOf(const QString &componentId) const
    {
        for (const Region *region : {profile.primary(), profile.secondary()}) {
            const Component *c = region ? region->component(componentId) : nullptr;
            if (c && c->azure)
                return c->azure->apiVersion;
        }
        return {};
    }

    QString locationOf(const QString &regionId) const
    {
        const Region *r = profile.region(regionId);
        return r ? r->location : QString();
    }

    // A failed Azure step leaves the switch in place and halts the run with its exact state:
    // the operator resumes (the step runs again) or rolls back (the switch is undone).
    void haltWith(const Done &done, const QString &why, const QJsonObject &data = {})
    {
        if (engine->isRunning())
            engine->halt(QStringLiteral("system"));
        done(StepOutcome::failure(QStringLiteral("%1; the run halts with the routing switched: resume to try again, or roll back").arg(why), data));
    }

    Step storageFailoverStep(const QString &target, const QString &prefix, bool planned)
    {
        Step s;
        s.id = prefix + QStringLiteral("azure.storage-failover");
        s.kind = StepKind::Action;
        s.title = QStringLiteral("Fail the storage account over to %1").arg(target);
        s.description = planned
            ? QStringLiteral("A planned failover of the storage account (failoverType=Planned): its secondary in %1 becomes the "
                             "primary without data loss and the account stays geo-redundant. Needs canPlannedFailover. It can take "
                             "up to an hour; a failure halts the run with the routing switched.").arg(target)
            : QStringLiteral("A customer-initiated (unplanned) failover of the storage account: its secondary in %1 becomes the "
                             "primary; writes after the Last Sync Time are lost. WARNING: the account is left locally redundant "
                             "(LRS) until geo-redundancy is configured again. Needs canFailover. It can take up to an hour; a "
                             "failure halts the run with the routing switched.").arg(target);
        s.timeoutMs = std::max(profile.runbook.stepTimeoutMs, 3600 * 1000);
        s.critical = false;
        const int pollTimeoutMs = s.timeoutMs - 60000;
        s.run = [this, target, prefix, planned, pollTimeoutMs](const StepContext &, Done done) {
            QString error;
            ArmClient *client = armClient(&error);
            const auto resourceId = azureResourceOf(profile.runbook.storageAccountComponent);
            if (!client || !resourceId) {
                haltWith(done, client ? resourceId.error() : error);
                return;
            }
            const QString apiVersion = azureApiVersionOf(profile.runbook.storageAccountComponent);
            const QString targetLocation = locationOf(target);
            azure::sendRequest(client, azure::storageAccountGet(*resourceId, apiVersion),
                               [this, client, target, prefix, planned, pollTimeoutMs, id = *resourceId, apiVersion, targetLocation, done](Result<ArmResponse> r) {
                const auto before = r ? azure::parseStorageAccount(r->body) : Result<azure::StorageAccountInfo>(fail(r.error()));
                if (!before) {
                    haltWith(done, QStringLiteral("cannot read the storage account: %1").arg(before.error()));
                    return;
                }
                const QString key = prefix + QStringLiteral("storageFailover");
                QJsonObject record{{QStringLiteral("account"), before->name},
                                   {QStringLiteral("type"), planned ? QStringLiteral("planned") : QStringLiteral("unplanned")},
                                   {QStringLiteral("before"), before->toJson()}};
                // Run again on resume, or a failover already done: nothing left to do.
                if (!targetLocation.isEmpty() && azure::normalisedLocation(before->primaryLocation) == azure::normalisedLocation(targetLocation)) {
                    record.insert(QStringLiteral("alreadyPrimary"), true);
                    done(StepOutcome::success(QStringLiteral("storage account %1 already has its primary in %2 (%3)").arg(before->name, target, before->primaryLocation),
                                              {{key, record}}));
                    return;
                }
                if (!targetLocation.isEmpty() && !before->secondaryLocation.isEmpty()
                    && azure::normalisedLocation(before->secondaryLocation) != azure::normalisedLocation(targetLocation)) {
                    haltWith(done, QStringLiteral("storage account %1 replicates to %2, not to %3's location %4: a failover would not land there")
                                       .arg(before->name, before->secondaryLocation, target, targetLocation), {{key, record}});
                    return;
                }
                if (before->failoverInProgress == true) {
                    haltWith(done, QStringLiteral("storage account %1 has a failover in progress already").arg(before->name), {{key, record}});
                    return;
                }
                const std::optional<bool> can = before->geo ? (planned ? before->geo->canPlannedFailover : before->geo->canFailover) : std::nullopt;
                if (can != true) {
                    haltWith(done, QStringLiteral("storage account %1 cannot fail over %2 now: %3 is %4 (geo-replication %5)")
                                       .arg(before->name, planned ? QStringLiteral("planned") : QStringLiteral("unplanned"),
                                            planned ? QStringLiteral("canPlannedFailover") : QStringLiteral("canFailover"),
                                            can ? QStringLiteral("false") : QStringLiteral("not reported"),
                                            before->geo ? before->geo->status : QStringLiteral("not reported")),
                             {{key, record}});
                    return;
                }
                const QString lastSync = before->geo->lastSyncTime.isValid() ? before->geo->lastSyncTime.toUTC().toString(Qt::ISODate) : QStringLiteral("unknown");
                record.insert(QStringLiteral("lastSyncTimeAtFailover"), lastSync);
                record.insert(QStringLiteral("requestedAt"), iso(Clock::system()->nowUtc()));
                azure::sendAndFollow(client, azure::storageAccountFailover(id, planned, apiVersion), armPollMs, pollTimeoutMs,
                                     [this, client, target, planned, id, apiVersion, key, record, lastSync, name = before->name, done](Result<ArmResponse> r) mutable {
                    if (!r) {
                        haltWith(done, QStringLiteral("storage account %1 failover: %2").arg(name, r.error()), {{key, record}});
                        return;
                    }
                    record.insert(QStringLiteral("completedAt"), iso(Clock::system()->nowUtc()));
                    azure::sendRequest(client, azure::storageAccountGet(id, apiVersion), [target, planned, key, record, lastSync, name, done](Result<ArmResponse> r) mutable {
                        const auto after = r ? azure::parseStorageAccount(r->body) : Result<azure::StorageAccountInfo>(fail(r.error()));
                        QString where = target;
                        if (after) {
                            record.insert(QStringLiteral("after"), after->toJson());
                            where = QStringLiteral("%1 (%2)").arg(target, after->primaryLocation);
                        }
                        QString detail = planned
                            ? QStringLiteral("storage account %1 failed over (planned): primary now in %2, still geo-redundant").arg(name, where)
                            : QStringLiteral("storage account %1 failed over (unplanned): primary now in %2; writes after the Last Sync Time %3 are lost. "
                                             "WARNING: the account is now locally redundant (LRS) until geo-redundancy is configured again")
                                  .arg(name, where, lastSync);
                        if (!after)
                            detail += QStringLiteral(" (the account could not be read again: %1)").arg(after.error());
                        record.insert(QStringLiteral("locallyRedundant"), !planned);
                        done(StepOutcome::success(detail, {{key, record}}));
                    });
                });
            });
        };
        return s;
    }

    Step cosmosFailoverStep(const QString &source, const QString &target, const QString &prefix, bool lost)
    {
        Step s;
        s.id = prefix + QStringLiteral("azure.cosmos-failover");
        s.kind = StepKind::Action;
        s.title = QStringLiteral("Make %1 Cosmos DB's write region").arg(target);
        s.description = lost
            ? QStringLiteral("Takes %1 offline in the Cosmos DB account, then changes the failover priorities so that %2 "
                             "writes (priority 0) and %1 comes last. A failure halts the run with the routing switched.").arg(source, target)
            : QStringLiteral("Changes the Cosmos DB account's failover priorities so that %1 writes (priority 0), the other "
                             "regions after it. A failure halts the run with the routing switched.").arg(target);
        s.timeoutMs = std::max(profile.runbook.stepTimeoutMs, 1800 * 1000);
        s.critical = false;
        const int pollTimeoutMs = s.timeoutMs - 60000;
        s.run = [this, source, target, prefix, lost, pollTimeoutMs](const StepContext &, Done done) {
            QString error;
            ArmClient *client = armClient(&error);
            const auto resourceId = azureResourceOf(profile.runbook.cosmosComponent);
            if (!client || !resourceId) {
                haltWith(done, client ? resourceId.error() : error);
                return;
            }
            const QString targetLocation = locationOf(target);
            const QString sourceLocation = locationOf(source);
            if (targetLocation.isEmpty()) {
                haltWith(done, QStringLiteral("region %1 has no \"location\" in the profile: Cosmos DB names its write region by it").arg(target));
                return;
            }
            const QString apiVersion = azureApiVersionOf(profile.runbook.cosmosComponent);
            const QString key = prefix + QStringLiteral("cosmosFailover");
            auto record = std::make_shared<QJsonObject>();
            // The last step of both ways: the new priorities, then the account as it is now.
            auto changePriorities = [this, client, id = *resourceId, apiVersion, key, record, target, targetLocation, pollTimeoutMs, done](
                                        const azure::CosmosAccountInfo &account, const QString &last) {
                const auto policies = azure::cosmosPrioritiesFor(account, targetLocation, last);
                if (!policies) {
                    haltWith(done, policies.error(), {{key, *record}});
                    return;
                }
                QJsonArray asked;
                for (const auto &p : *policies)
                    asked.append(QJsonObject{{QStringLiteral("locationName"), p.locationName}, {QStringLiteral("failoverPriority"), p.failoverPriority}});
                record->insert(QStringLiteral("failoverPolicies"), asked);
                azure::sendAndFollow(client, azure::cosmosFailoverPriorityChange(id, *policies, apiVersion), armPollMs, pollTimeoutMs,
                                     [client, id, apiVersion, key, record, target, done, this](Result<ArmResponse> r) {
                    if (!r) {
                        haltWith(done, QStringLiteral("Cosmos DB failover priority change: %1").arg(r.error()), {{key, *record}});
                        return;
                    }
                    azure::sendRequest(client, azure::cosmosAccountGet(id, apiVersion), [key, record, target, done](Result<ArmResponse> r) {
                        const auto after = r ? azure::parseCosmosAccount(r->body) : Result<azure::CosmosAccountInfo>(fail(r.error()));
                        if (after)
                            record->insert(QStringLiteral("after"), after->toJson());
                        done(StepOutcome::success(after ? QStringLiteral("Cosmos DB account %1 writes in %2; failover priorities %3")
                                                              .arg(after->name, after->writeRegion(), after->describePriorities())
                                                        : QStringLiteral("Cosmos DB failover priorities changed for %1 (the account could not be read again: %2)")
                                                              .arg(target, after.error()),
                                                  {{key, *record}}));
                    });
                });
            };
            azure::sendRequest(client, azure::cosmosAccountGet(*resourceId, apiVersion),
                               [this, client, id = *resourceId, apiVersion, key, record, target, targetLocation, source, sourceLocation, lost,
                                pollTimeoutMs, changePriorities, done](Result<ArmResponse> r) {
                const auto before = r ? azure::parseCosmosAccount(r->body) : Result<azure::CosmosAccountInfo>(fail(r.error()));
                if (!before) {
                    haltWith(done, QStringLiteral("cannot read the Cosmos DB account: %1").arg(before.error()));
                    return;
                }
                record->insert(QStringLiteral("account"), before->name);
                record->insert(QStringLiteral("before"), before->toJson());
                if (azure::normalisedLocation(before->writeRegion()) == azure::normalisedLocation(targetLocation)) {
                    record->insert(QStringLiteral("alreadyWriteRegion"), true);
                    done(StepOutcome::success(QStringLiteral("Cosmos DB account %1 already writes in %2 (%3)").arg(before->name, target, before->writeRegion()),
                                              {{key, *record}}));
                    return;
                }
                if (!before->location(targetLocation)) {
                    haltWith(done, QStringLiteral("Cosmos DB account %1 has no region %2 (%3's location); its write region stays %4")
                                       .arg(before->name, targetLocation, target, before->writeRegion()), {{key, *record}});
                    return;
                }
                const azure::CosmosLocation *lostLocation = sourceLocation.isEmpty() ? nullptr : before->location(sourceLocation);
                if (!lost || !lostLocation) {
                    if (lost)
                        record->insert(QStringLiteral("offlineRegion"), QStringLiteral("not asked: %1 has no location in the account").arg(source));
                    changePriorities(*before, QString());
                    return;
                }
                // The region is lost: take it offline first, so the account stops waiting on it.
                const QString offline = lostLocation->locationName;
                record->insert(QStringLiteral("offlineRegion"), offline);
                azure::sendAndFollow(client, azure::cosmosOfflineRegion(id, offline, apiVersion), armPollMs, pollTimeoutMs,
                                     [this, key, record, offline, changePriorities, account = *before, done](Result<ArmResponse> r) {
                    if (!r) {
                        haltWith(done, QStringLiteral("Cosmos DB offline region %1: %2").arg(offline, r.error()), {{key, *record}});
                        return;
                    }
                    changePriorities(account, offline);
                });
            });
        };
        return s;
    }

    void appendAzureSteps(QList<Step> &steps, Flow flow, const QString &source, const QString &target, const QString &prefix)
    {
        const QString storage = profile.runbook.storageAccountFailover;
        if (storage == u"planned" || storage == u"unplanned")
            steps.append(storageFailoverStep(target, prefix, storage == u"planned"));
        if (profile.runbook.cosmosFailover)
            steps.append(cosmosFailoverStep(source, target, prefix, flow == Flow::UnplannedFailover));
    }

    // The legs: out (failover) and back (failback).
    void appendFailoverLeg(QList<Step> &steps, const FlowRequest &req, Flow flow, const QString &source, const QString &target,
                           const QString &prefix, bool sameRun)
    {
        const bool lost = flow == Flow::UnplannedFailover;
        steps += gateSteps(req, flow, source, target, prefix, sameRun);
        if (!lost)
            steps.append(freezeStep(source, prefix));
        if (flow == Flow::Failback)
            steps.append(syncStep(source, target, false, prefix, QStringLiteral("Reverse index sync %1 -> %2 (changes made while failed over)").arg(source, target)));
        else
            steps.append(syncStep(source, target, lost, prefix, QStringLiteral("Final delta index sync %1 -> %2").arg(source, target)));
        steps.append(enableStep(target, prefix, QStringLiteral("%1 enters the routing first and must be healthy there, so there is never a moment without a serving region.").arg(target)));
        steps.append(disableStep(source, prefix, prefix == u"back." ? QStringLiteral("backSwitchAt") : QStringLiteral("switchAt")));
        steps.append(verifyStep(target, prefix, true));
        appendAzureSteps(steps, flow, source, target, prefix);
        steps.append(recordStep(prefix, flow));
    }

    Runbook build(const FlowRequest &req)
    {
        Runbook rb;
        rb.kind = flowName(req.flow);
        rb.mode = req.flow == Flow::UnplannedFailover ? QStringLiteral("unplanned") : QStringLiteral("planned");
        rb.source = req.source;
        rb.target = req.target;
        rb.params = req.toParams();
        switch (req.flow) {
        case Flow::Readiness:
            rb.steps += gateSteps(req, Flow::Readiness, req.source, req.target, QString(), false);
            rb.steps.append(verifyStep(req.target, QString(), false));
            break;
        case Flow::PlannedFailover:
        case Flow::UnplannedFailover:
            rb.steps.append(lockAcquireStep(req));
            appendFailoverLeg(rb.steps, req, req.flow, req.source, req.target, QString(), false);
            rb.steps.append(lockReleaseStep());
            break;
        case Flow::Failback:
            rb.steps.append(lockAcquireStep(req));
            appendFailoverLeg(rb.steps, req, Flow::Failback, req.source, req.target, QString(), false);
            rb.steps.append(restoreStandbyStep(req.source));
            rb.steps.append(lockReleaseStep());
            break;
        case Flow::Drill:
            rb.steps.append(lockAcquireStep(req));
            appendFailoverLeg(rb.steps, req, Flow::PlannedFailover, req.source, req.target, QString(), false);
            rb.steps.append(holdStep());
            appendFailoverLeg(rb.steps, req, Flow::Failback, req.target, req.source, QStringLiteral("back."), true);
            rb.steps.append(restoreStandbyStep(req.target));
            rb.steps.append(scorecardStep());
            rb.steps.append(lockReleaseStep());
            break;
        }
        return rb;
    }

    Result<void> checkMayRun(const FlowRequest &req)
    {
        if (!prepared)
            return fail(QStringLiteral("the controller is not prepared (journal and audit trail not open)"));
        if (engine->isRunning())
            return fail(QStringLiteral("run %1 is in progress in this console").arg(engine->runId()));
        if (!profile.region(req.source) || !profile.region(req.target) || req.source == req.target)
            return fail(QStringLiteral("the run needs two different regions of the profile (source \"%1\", target \"%2\")").arg(req.source, req.target));
        if (req.flow != Flow::Readiness) {
            if (const auto ok = authorise(req.operatorSignedIn, Permission::RunFailover); !ok)
                return ok;
            if (const auto ok = checkTwoPersonRule(profile, req.operatorSignedIn, req.approver); !ok)
                return ok;
            if (!req.breakGlassReason.isEmpty()) {
                if (const auto ok = authorise(req.operatorSignedIn, Permission::BreakGlass); !ok)
                    return ok;
            }
        }
        return {};
    }
};

FailoverController::FailoverController(const Profile &profile, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    d->q = this;
    d->profile = profile;
    d->network = new QNetworkAccessManager(this);
    d->secrets = new SecretStore(this);
    for (const QString &path : profile.caCertificates)
        d->caCertificates += TlsProbe::loadCaFile(path);
    d->journal = std::make_unique<RunJournal>(RunJournal::defaultPath(profile));
    d->operators = std::make_unique<OperatorDirectory>(profile.operatorsFile);
    d->engine = new RunbookEngine(d->journal.get(), Clock::system(), this);
    d->engine->setAuditSink([this](const QString &kind, const QString &summary, const QJsonObject &data) {
        d->record(kind, d->actor(), d->engine->runId(), summary, data);
    });
    connect(d->engine, &RunbookEngine::runFinished, this, [this](RunState state, const QString &outcome) {
        const QString id = d->runId;
        d->runId.clear();
        emit runFinished(id, state, outcome);
    });
}

FailoverController::~FailoverController()
{
    // The engine and the lock go first: their callbacks use the stores.
    delete d->engine;
    d->engine = nullptr;
}

const Profile &FailoverController::profile() const
{
    return d->profile;
}

void FailoverController::prepare(std::function<void(Result<void>)> done)
{
    if (const auto ok = d->journal->open(); !ok) {
        QTimer::singleShot(0, this, [done, ok] { done(fail(ok.error())); });
        return;
    }
    if (const auto ok = d->operators->load(); !ok) {
        QTimer::singleShot(0, this, [done, ok] { done(fail(ok.error())); });
        return;
    }
    auto routing = RoutingSwitch::create(d->profile, d->network, d->secrets, this);
    if (routing)
        d->routing = std::move(*routing);
    else
        d->routingError = routing.error();
    // The optional Azure steps speak to ARM as the profile's app (made later on demand when the
    // profile has no credential, so the step says why).
    if (d->profile.azure && d->profile.azure->clientSecret) {
        QString unused;
        d->armClient(&unused);
    }
    loadAuditKey(d->secrets, d->profile, true, [this, done](Result<QByteArray> key) {
        if (!key) {
            done(fail(QStringLiteral("the audit trail cannot be opened: %1").arg(key.error())));
            return;
        }
        d->audit = std::make_unique<AuditTrail>(AuditTrail::defaultPath(d->profile), *key);
        if (const auto ok = d->audit->open(); !ok) {
            d->audit.reset();
            done(fail(ok.error()));
            return;
        }
        d->remoteAudit = new RemoteAuditCopy(d->profile, *key, d->network, d->secrets, this);
        d->prepared = true;
        done({});
    });
}

Result<SignedInOperator> FailoverController::signIn(const QString &name, const QByteArray &passphrase)
{
    auto who = d->operators->signIn(name, passphrase);
    if (who)
        d->lastSignedIn = who->name;
    if (who)
        d->record(QStringLiteral("sign-in"), who->name, QString(), QStringLiteral("%1 signed in as %2").arg(who->name, roleName(who->role)));
    else
        d->record(QStringLiteral("sign-in-failed"), name, QString(), QStringLiteral("sign-in refused for %1: %2").arg(name, who.error()));
    return who;
}

Result<SignedInOperator> FailoverController::signInWithEntra(const AccessToken &token)
{
    // Who and where, never the token: enough for an auditor to find the account in Entra ID.
    const QJsonObject data{{QStringLiteral("method"), QStringLiteral("entra")},
                           {QStringLiteral("tenant"), token.claims.value(QStringLiteral("tid")).toString()},
                           {QStringLiteral("objectId"), token.claims.value(QStringLiteral("oid")).toString()}};
    auto who = entraOperator(token, d->profile, Clock::system()->nowUtc());
    if (who) {
        d->lastSignedIn = who->name;
        d->record(QStringLiteral("sign-in"), who->name, QString(),
                  QStringLiteral("%1 signed in with Entra ID as %2").arg(who->name, roleName(who->role)), data);
    } else {
        const QString name = entraOperatorName(token.claims);
        d->record(QStringLiteral("sign-in-failed"), name, QString(),
                  QStringLiteral("Entra ID sign-in refused for %1: %2").arg(name, who.error()), data);
    }
    return who;
}

void FailoverController::checkReadiness(const FlowRequest &request,
                                        std::function<void(Result<QList<GateResult>>, QJsonObject)> done)
{
    d->takeSnapshot(false, [this, request, done](const QJsonObject &snapshot) {
        QList<GateResult> gates;
        if (request.flow == Flow::Drill) {
            gates = evaluateGates(d->gateInputs(request, Flow::PlannedFailover, request.source, request.target, false));
        } else {
            gates = evaluateGates(d->gateInputs(request, request.flow, request.source, request.target, false));
        }
        done(gates, snapshot);
    });
}

void FailoverController::servingRegion(std::function<void(Result<QString>)> done)
{
    if (!d->routing) {
        // Without a switch, the status snapshot says who serves.
        d->takeSnapshot(false, [done](const QJsonObject &snapshot) {
            done(snapshot.value(QStringLiteral("activeRegion")).toString());
        });
        return;
    }
    d->routing->state([done](Result<RoutingState> state) {
        done(state ? Result<QString>(state->servingRegion) : Result<QString>(fail(state.error())));
    });
}

Result<Runbook> FailoverController::plan(const FlowRequest &request)
{
    if (!d->profile.region(request.source) || !d->profile.region(request.target) || request.source == request.target)
        return fail(QStringLiteral("the run needs two different regions of the profile (source \"%1\", target \"%2\")").arg(request.source, request.target));
    return d->build(request);
}

Result<QString> FailoverController::start(const FlowRequest &request)
{
    if (const auto ok = d->checkMayRun(request); !ok) {
        d->record(QStringLiteral("run-state"), request.operatorSignedIn.name.isEmpty() ? QStringLiteral("system") : request.operatorSignedIn.name, QString(),
                  QStringLiteral("%1 to %2 refused: %3").arg(flowTitle(request.flow), request.target, ok.error()));
        return fail(ok.error());
    }
    d->request = request;
    d->snapshotAtMs = -1;
    const QDateTime now = Clock::system()->nowUtc();
    RunRecord run;
    run.id = RunJournal::newRunId(flowName(request.flow), now);
    d->runId = run.id;
    d->runStarted = now;
    Runbook rb = d->build(request);
    run.kind = rb.kind;
    run.mode = rb.mode;
    run.source = rb.source;
    run.target = rb.target;
    run.profileName = d->profile.name;
    run.operatorName = request.operatorSignedIn.name;
    run.approverName = request.approver ? request.approver->name : QString();
    run.host = QSysInfo::machineHostName();
    run.pid = QCoreApplication::applicationPid();
    run.params = rb.params;
    run.started = now;
    if (!request.breakGlassReason.isEmpty()) {
        d->record(QStringLiteral("override"), request.operatorSignedIn.name, run.id,
                  QStringLiteral("break-glass declared by %1 for %2: %3").arg(request.operatorSignedIn.name, flowTitle(request.flow), request.breakGlassReason));
    }
    auto started = d->engine->start(run, rb);
    if (!started) {
        d->runId.clear();
        return started;
    }
    return run.id;
}

Result<void> FailoverController::resume(const QString &runId, const SignedInOperator &operatorSignedIn,
                                        const std::optional<SignedInOperator> &approver, bool rollback)
{
    const auto run = d->journal->run(runId);
    if (!run)
        return fail(run.error());
    if (!*run)
        return fail(QStringLiteral("no run %1 in the journal of profile %2").arg(runId, d->profile.name));
    auto request = FlowRequest::fromParams((*run)->params);
    if (!request)
        return fail(request.error());
    request->operatorSignedIn = operatorSignedIn;
    request->approver = approver;
    if (request->flow == Flow::Readiness && rollback)
        return fail(QStringLiteral("a readiness check changes nothing: there is nothing to roll back"));
    if (const auto ok = d->checkMayRun(*request); !ok)
        return ok;
    d->request = *request;
    d->runId = runId;
    d->runStarted = (*run)->started;
    d->snapshotAtMs = -1;
    Runbook rb = d->build(*request);
    d->record(QStringLiteral("run-state"), operatorSignedIn.name, runId,
              QStringLiteral("%1 takes over run %2 to %3").arg(operatorSignedIn.name, runId, rollback ? QStringLiteral("roll it back") : QStringLiteral("continue it")));
    auto ok = rollback ? d->engine->rollback(runId, rb) : d->engine->resume(runId, rb);
    if (!ok)
        d->runId.clear();
    return ok;
}

RunbookEngine *FailoverController::engine() const
{
    return d->engine;
}

RunJournal *FailoverController::journal() const
{
    return d->journal.get();
}

AuditTrail *FailoverController::audit() const
{
    return d->audit.get();
}

RemoteAuditCopy *FailoverController::remoteAudit() const
{
    return d->remoteAudit;
}

void FailoverController::setPushAuditCopies(bool on)
{
    d->pushAuditCopies = on;
}

OperatorDirectory *FailoverController::operators() const
{
    return d->operators.get();
}

Result<void> FailoverController::addNote(const QString &runId, const QString &author, const QString &note)
{
    if (!d->audit)
        return fail(QStringLiteral("the audit trail is not open"));
    if (note.trimmed().isEmpty())
        return fail(QStringLiteral("the note is empty"));
    const auto entry = d->audit->append(QStringLiteral("note"), author, runId, note.trimmed());
    if (!entry)
        return fail(entry.error());
    return {};
}

Result<void> FailoverController::recordVerdict(const QString &runId, const QString &author, bool pass, const QString &note)
{
    auto run = d->finishedRun(runId);
    if (!run)
        return fail(run.error());
    if (author.trimmed().isEmpty())
        return fail(QStringLiteral("a verdict needs its author"));
    const QJsonObject verdict{{QStringLiteral("pass"), pass},
                              {QStringLiteral("author"), author},
                              {QStringLiteral("at"), iso(Clock::system()->nowUtc())},
                              {QStringLiteral("note"), note.trimmed()}};
    // The trail first: a verdict that is not on the record must not show in a report.
    const QString word = pass ? QStringLiteral("PASS") : QStringLiteral("FAIL");
    const auto entry = d->audit->append(QStringLiteral("verdict"), author, runId,
                                        note.trimmed().isEmpty() ? QStringLiteral("%1 recorded the verdict %2 on run %3").arg(author, word, runId)
                                                                 : QStringLiteral("%1 recorded the verdict %2 on run %3: %4").arg(author, word, runId, note.trimmed()),
                                        verdict);
    if (!entry)
        return fail(entry.error());
    run->data.insert(QStringLiteral("verdict"), verdict);
    return d->journal->updateRun(*run);
}

Result<void> FailoverController::attachTraffic(const QString &runId, const QJsonObject &summary)
{
    auto run = d->finishedRun(runId);
    if (!run)
        return fail(run.error());
    if (!summary.value(QStringLiteral("longestOutageMs")).isDouble() || !summary.value(QStringLiteral("sent")).isDouble())
        return fail(QStringLiteral("not a traffic summary (drlab traffic --json): it needs \"sent\" and \"longestOutageMs\""));
    const QString actor = d->lastSignedIn.isEmpty() ? d->actor() : d->lastSignedIn;
    const auto entry = d->audit->append(QStringLiteral("traffic"), actor, runId,
                                        QStringLiteral("traffic during run %1: %2 requests, %3 failed, longest outage %4 ms")
                                            .arg(runId)
                                            .arg(summary.value(QStringLiteral("sent")).toInteger())
                                            .arg(summary.value(QStringLiteral("failed")).toInteger())
                                            .arg(summary.value(QStringLiteral("longestOutageMs")).toInteger()),
                                        summary);
    if (!entry)
        return fail(entry.error());
    run->data.insert(QStringLiteral("traffic"), summary);
    return d->journal->updateRun(*run);
}

} // namespace dr
