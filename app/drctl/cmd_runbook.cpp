// drctl failover, failback, drill, resume and runs: the runbooks of core/failover, driven
// from a terminal or a script. Non-interactive with --yes and passphrase files; a TTY is asked
// for what is missing. Ctrl+C halts the run after the step in progress (resume continues it).

#include "cli.h"
#include "commands.h"

#include "failover/failovercontroller.h"
#include "logging/logging.h"
#include "secrets/secretstore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

#include <cstdio>
#include <unistd.h>

namespace drctl {

namespace {

struct RunOptions
{
    Common common;
    QCommandLineOption to{QStringLiteral("to"), QStringLiteral("The region that takes over."), QStringLiteral("REGION")};
    QCommandLineOption mode{QStringLiteral("mode"), QStringLiteral("planned (both regions up) or unplanned (the source is lost)."), QStringLiteral("MODE")};
    QCommandLineOption operatorName{QStringLiteral("operator"), QStringLiteral("The operator running it (operator directory)."), QStringLiteral("NAME")};
    QCommandLineOption passphraseFile{QStringLiteral("passphrase-file"), QStringLiteral("The operator's passphrase (a 0600 file); else asked at the terminal."), QStringLiteral("FILE")};
    QCommandLineOption approver{QStringLiteral("approver"), QStringLiteral("The approver (two-person rule; required for production profiles)."), QStringLiteral("NAME")};
    QCommandLineOption approverPassphraseFile{QStringLiteral("approver-passphrase-file"), QStringLiteral("The approver's passphrase (a 0600 file); else asked at the terminal."), QStringLiteral("FILE")};
    QCommandLineOption operatorEntra{QStringLiteral("operator-entra"), QStringLiteral("The operator signs in with Entra ID (device code; the profile's azure.signIn) instead of --operator.")};
    QCommandLineOption approverEntra{QStringLiteral("approver-entra"), QStringLiteral("The approver signs in with Entra ID (device code) instead of --approver.")};
    QCommandLineOption breakGlass{QStringLiteral("break-glass"), QStringLiteral("Override failing gates and the cooldown, for this reason (audited)."), QStringLiteral("REASON")};
    QCommandLineOption yes{QStringLiteral("yes"), QStringLiteral("Do not ask: confirm the plan and acknowledge its steps (the edit freeze).")};
    QCommandLineOption note{QStringLiteral("note"), QStringLiteral("An operator's note recorded with the run."), QStringLiteral("TEXT")};
    QCommandLineOption run{QStringLiteral("run"), QStringLiteral("The run to resume (drctl runs lists them)."), QStringLiteral("ID")};
    QCommandLineOption rollback{QStringLiteral("rollback"), QStringLiteral("Roll the run back instead of continuing it.")};
};

bool askYes(const QString &question)
{
    if (!::isatty(STDIN_FILENO))
        return false;
    std::fputs(qPrintable(question + QStringLiteral(" [y/N] ")), stderr);
    std::fflush(stderr);
    char buffer[64];
    if (!std::fgets(buffer, sizeof buffer, stdin))
        return false;
    const QString answer = QString::fromLocal8Bit(buffer).trimmed().toLower();
    return answer == u"y" || answer == u"yes";
}

QString planText(const dr::Runbook &rb)
{
    QString text = QStringLiteral("%1 from %2 to %3, %4 steps:\n").arg(rb.kind, rb.source, rb.target).arg(rb.steps.size());
    int i = 0;
    for (const dr::Step &s : rb.steps) {
        text += QStringLiteral("  %1. [%2] %3%4\n").arg(++i, 2).arg(dr::stepKindName(s.kind), s.title,
                                                         s.undo ? QStringLiteral(" (reversible)") : QString());
    }
    return text;
}

QJsonObject runDocument(dr::RunJournal *journal, const QString &runId)
{
    QJsonObject doc;
    if (const auto run = journal->run(runId); run && *run)
        doc = (*run)->toJson();
    QJsonArray steps;
    if (const auto list = journal->steps(runId); list) {
        for (const dr::StepRecord &s : *list)
            steps.append(s.toJson());
    }
    doc.insert(QStringLiteral("steps"), steps);
    return doc;
}

// Everything a run command shares once the options are parsed: the controller, sign-in,
// progress output, Ctrl+C, the final document and the exit code.
class RunDriver
{
public:
    RunDriver(QCoreApplication &app, const QCommandLineParser &parser, const RunOptions &o, const dr::Profile &profile)
        : m_app(app), m_parser(parser), m_o(o), m_controller(profile), m_json(parser.isSet(o.common.json))
    { }

    // Opens the journal and the audit trail; false (with the message printed) on failure.
    bool prepare()
    {
        std::optional<dr::Result<void>> prepared;
        m_controller.prepare([&](dr::Result<void> r) {
            prepared = r;
            m_app.quit();
        });
        if (!prepared)
            m_app.exec();
        if (!*prepared) {
            m_exit = failWith(1, prepared->error());
            return false;
        }
        return true;
    }

    std::optional<dr::SignedInOperator> signIn(const QString &name, const QString &file)
    {
        const auto secret = readPassphrase(file, name);
        if (!secret) {
            m_exit = failWith(1, secret.error());
            return std::nullopt;
        }
        auto who = m_controller.signIn(name, *secret);
        if (!who) {
            m_exit = failWith(1, QStringLiteral("sign-in refused: %1").arg(who.error()));
            return std::nullopt;
        }
        return *who;
    }

    std::optional<dr::SignedInOperator> signInWithEntra(const QString &who)
    {
        const auto token = entraDeviceCodeToken(m_controller.profile(), who);
        if (!token) {
            m_exit = failWith(1, QStringLiteral("sign-in refused: %1").arg(token.error()));
            return std::nullopt;
        }
        auto signedIn = m_controller.signInWithEntra(*token);
        if (!signedIn) {
            m_exit = failWith(1, QStringLiteral("sign-in refused: %1").arg(signedIn.error()));
            return std::nullopt;
        }
        std::fputs(qPrintable(QStringLiteral("signed in with Entra ID as %1 (%2)\n").arg(signedIn->name, dr::roleName(signedIn->role))), stderr);
        return *signedIn;
    }

    // The operator and, when named, the approver: by passphrase or with Entra ID.
    bool signInBoth(dr::SignedInOperator *op, std::optional<dr::SignedInOperator> *approver)
    {
        const bool entra = m_parser.isSet(m_o.operatorEntra);
        if (entra == m_parser.isSet(m_o.operatorName)) {
            m_exit = failWith(1, entra ? QStringLiteral("give --operator NAME or --operator-entra, not both")
                                       : QStringLiteral("--operator NAME (or --operator-entra) is required"));
            return false;
        }
        if (m_parser.isSet(m_o.approverEntra) && m_parser.isSet(m_o.approver)) {
            m_exit = failWith(1, QStringLiteral("give --approver NAME or --approver-entra, not both"));
            return false;
        }
        const auto who = entra ? signInWithEntra(QStringLiteral("the operator"))
                               : signIn(m_parser.value(m_o.operatorName), m_parser.value(m_o.passphraseFile));
        if (!who)
            return false;
        *op = *who;
        m_operatorName = who->name;
        if (m_parser.isSet(m_o.approverEntra)) {
            const auto a = signInWithEntra(QStringLiteral("the approver"));
            if (!a)
                return false;
            *approver = *a;
        } else if (m_parser.isSet(m_o.approver)) {
            const auto a = signIn(m_parser.value(m_o.approver), m_parser.value(m_o.approverPassphraseFile));
            if (!a)
                return false;
            *approver = *a;
        }
        return true;
    }

    QString servingRegion()
    {
        std::optional<dr::Result<QString>> serving;
        m_controller.servingRegion([&](dr::Result<QString> r) {
            serving = r;
            m_app.quit();
        });
        if (!serving)
            m_app.exec();
        return *serving ? **serving : QString();
    }

    // Shows the plan and asks, unless --yes; acknowledgements are given with the confirmation.
    bool confirm(const dr::Runbook &rb, const QString &operatorName)
    {
        QStringList acks;
        for (const dr::Step &s : rb.steps) {
            if (s.kind == dr::StepKind::Acknowledge)
                acks.append(s.prompt);
        }
        if (!m_parser.isSet(m_o.yes)) {
            if (!::isatty(STDIN_FILENO)) {
                m_exit = failWith(1, QStringLiteral("not confirmed: run at a terminal, or add --yes to confirm the plan and its acknowledgements"));
                return false;
            }
            std::fputs(qPrintable(planText(rb)), stderr);
            for (const QString &a : acks)
                std::fputs(qPrintable(QStringLiteral("You acknowledge: %1\n").arg(a)), stderr);
            if (!askYes(QStringLiteral("Run it?"))) {
                m_exit = failWith(1, QStringLiteral("not confirmed: nothing was changed"));
                return false;
            }
        }
        m_controller.engine()->setAutoAcknowledge(operatorName);
        return true;
    }

    int execute(const std::function<dr::Result<QString>()> &begin)
    {
        dr::RunbookEngine *engine = m_controller.engine();
        const dr::Runbook *rb = nullptr;
        // The connections below capture this function's locals: they end with it, not with the
        // application (the engine outlives this call, inside the controller).
        QObject scope;
        QObject::connect(engine, &dr::RunbookEngine::stepStarted, &scope, [&](int index, int attempt) {
            rb = &engine->runbook();
            if (index < rb->steps.size())
                progress(QStringLiteral("[%1/%2] %3: %4%5").arg(index + 1).arg(rb->steps.size()).arg(rb->steps.at(index).id, rb->steps.at(index).title,
                                                                                                      attempt > 1 ? QStringLiteral(" (attempt %1)").arg(attempt) : QString()));
        });
        QObject::connect(engine, &dr::RunbookEngine::stepFinished, &scope, [&](int index, dr::StepState state, const QString &detail) {
            Q_UNUSED(index)
            progress(QStringLiteral("       %1: %2").arg(dr::stepStateName(state), detail));
        });
        // The engine narrates every step and run state too; those are printed above already.
        const bool verbose = m_parser.isSet(m_o.common.verbose);
        QObject::connect(engine, &dr::RunbookEngine::logLine, &scope, [&, verbose](const QString &line) {
            if (verbose || !(line.startsWith(QStringLiteral("Step ")) || line.startsWith(QStringLiteral("Run "))))
                progress(QStringLiteral("       ") + line);
        });
        std::optional<std::pair<dr::RunState, QString>> finished;
        QObject::connect(&m_controller, &dr::FailoverController::runFinished, &scope,
                         [&](const QString &, dr::RunState state, const QString &outcome) {
                             finished = {state, outcome};
                             m_app.quit();
                         });
        QTimer interrupt;
        bool halting = false;
        QObject::connect(&interrupt, &QTimer::timeout, &scope, [&] {
            if (g_interrupted && !halting) {
                halting = true;
                progress(QStringLiteral("interrupted: halting after the step in progress"));
                engine->halt(m_operatorName);
            }
        });
        interrupt.start(200);

        const auto started = begin();
        if (!started)
            return failWith(1, QStringLiteral("refused: %1").arg(started.error()));
        const QString runId = *started;
        progress(QStringLiteral("run %1").arg(runId));
        m_app.exec();

        if (m_parser.isSet(m_o.note))
            m_controller.addNote(runId, m_operatorName, m_parser.value(m_o.note));
        if (m_json)
            printOut(QString::fromUtf8(QJsonDocument(runDocument(m_controller.journal(), runId)).toJson(QJsonDocument::Indented)));
        if (!finished)
            return failWith(1, QStringLiteral("run %1 ended without an outcome").arg(runId));
        if (!m_json)
            printOut(QStringLiteral("run %1 %2: %3\n").arg(runId, dr::runStateName(finished->first), finished->second));
        if (finished->first == dr::RunState::Succeeded)
            return 0;
        if (finished->first == dr::RunState::Halted)
            return failWith(1, QStringLiteral("run %1 halted: %2 (drctl resume --profile %3 --run %1 [--rollback])")
                                   .arg(runId, finished->second, m_controller.profile().filePath));
        return failWith(1, QStringLiteral("run %1 %2: %3").arg(runId, dr::runStateName(finished->first), finished->second));
    }

    dr::FailoverController &controller() { return m_controller; }
    int exitCode() const { return m_exit; }

private:
    void progress(const QString &line)
    {
        // --json keeps stdout for the one document; progress goes to stderr then.
        if (m_json)
            std::fputs(qPrintable(line + u'\n'), stderr);
        else
            printOut(line + u'\n');
    }

    QCoreApplication &m_app;
    const QCommandLineParser &m_parser;
    const RunOptions &m_o;
    dr::FailoverController m_controller;
    bool m_json;
    int m_exit = 1;
    QString m_operatorName; // who signed in (an Entra ID operator is named by the token)
};

int runFlow(QCoreApplication &app, const QStringList &args, std::optional<dr::Flow> fixedFlow, const QString &description)
{
    QCommandLineParser parser;
    RunOptions o;
    parser.setApplicationDescription(description);
    parser.addHelpOption();
    parser.addOptions({o.common.profile, o.to, o.operatorName, o.passphraseFile, o.approver, o.approverPassphraseFile,
                       o.operatorEntra, o.approverEntra, o.breakGlass, o.yes, o.note, o.common.json, o.common.verbose});
    if (!fixedFlow)
        parser.addOption(o.mode);
    parser.process(args);
    dr::log::init({parser.isSet(o.common.verbose), true, {}});

    dr::Flow flow = fixedFlow.value_or(dr::Flow::PlannedFailover);
    if (!fixedFlow) {
        const QString mode = parser.value(o.mode);
        if (mode == u"planned")
            flow = dr::Flow::PlannedFailover;
        else if (mode == u"unplanned")
            flow = dr::Flow::UnplannedFailover;
        else
            return failWith(1, QStringLiteral("--mode planned|unplanned is required"));
    }
    int exitCode = 0;
    const auto profile = loadProfile(parser.value(o.common.profile), &exitCode);
    if (!profile)
        return exitCode;
    if (parser.isSet(o.to) && !profile->region(parser.value(o.to)))
        return failWith(1, QStringLiteral("--to %1: the profile has no such region").arg(parser.value(o.to)));

    RunDriver driver(app, parser, o, *profile);
    if (!driver.prepare())
        return driver.exitCode();
    dr::SignedInOperator op;
    std::optional<dr::SignedInOperator> approver;
    if (!driver.signInBoth(&op, &approver))
        return driver.exitCode();

    auto request = dr::defaultRequest(*profile, flow, driver.servingRegion());
    if (!request)
        return failWith(1, request.error());
    if (parser.isSet(o.to)) {
        const QString to = parser.value(o.to);
        if (flow == dr::Flow::Failback && to != request->target)
            return failWith(1, QStringLiteral("failback returns to the original primary %1, not %2").arg(request->target, to));
        request->target = to;
        request->source = to == profile->primary()->id ? profile->secondary()->id : profile->primary()->id;
    }
    request->operatorSignedIn = op;
    request->approver = approver;
    request->breakGlassReason = parser.value(o.breakGlass).trimmed();

    const auto plan = driver.controller().plan(*request);
    if (!plan)
        return failWith(1, plan.error());
    if (!driver.confirm(*plan, op.name))
        return driver.exitCode();
    return driver.execute([&] { return driver.controller().start(*request); });
}

} // namespace

int runFailover(QCoreApplication &app, const QStringList &args)
{
    return runFlow(app, args, std::nullopt,
                   QStringLiteral("Move the service to the other region: lock, gates, edit freeze, final index sync,\n"
                                  "routing switch, verification, measured RTO and RPO exposure, all on the record.\n"
                                  "Exit 0 when the target serves, verified; 1 with the reason otherwise."));
}

int runFailback(QCoreApplication &app, const QStringList &args)
{
    return runFlow(app, args, dr::Flow::Failback,
                   QStringLiteral("Return the service to the original primary: reverse index sync of what changed\n"
                                  "while failed over, gates on the primary, switch back, verification."));
}

int runDrill(QCoreApplication &app, const QStringList &args)
{
    return runFlow(app, args, dr::Flow::Drill,
                   QStringLiteral("A DR drill: planned failover, hold (runbook.drillHoldSeconds), failback, and a\n"
                                  "scorecard of the measured RTO and RPO exposure against the objectives."));
}

int runResume(QCoreApplication &app, const QStringList &args)
{
    QCommandLineParser parser;
    RunOptions o;
    parser.setApplicationDescription(QStringLiteral(
        "Continue an interrupted or halted run where it stopped, or roll it back (--rollback).\n"
        "The operator (and approver) sign in again, as for a new run. Without --run, lists the\n"
        "runs that can be resumed."));
    parser.addHelpOption();
    parser.addOptions({o.common.profile, o.run, o.rollback, o.operatorName, o.passphraseFile, o.approver,
                       o.approverPassphraseFile, o.operatorEntra, o.approverEntra, o.yes, o.note, o.common.json, o.common.verbose});
    parser.process(args);
    dr::log::init({parser.isSet(o.common.verbose), true, {}});
    int exitCode = 0;
    const auto profile = loadProfile(parser.value(o.common.profile), &exitCode);
    if (!profile)
        return exitCode;

    RunDriver driver(app, parser, o, *profile);
    if (!driver.prepare())
        return driver.exitCode();
    if (!parser.isSet(o.run)) {
        const auto runs = driver.controller().journal()->interruptedRuns();
        if (!runs)
            return failWith(1, runs.error());
        for (const dr::RunRecord &r : *runs)
            printOut(QStringLiteral("%1  %2 %3 -> %4, started %5 by %6\n").arg(r.id, r.kind, r.source, r.target, r.started.toString(Qt::ISODate), r.operatorName));
        return failWith(1, runs->isEmpty() ? QStringLiteral("no interrupted run to resume") : QStringLiteral("name the run: --run ID"));
    }
    const QString runId = parser.value(o.run);
    const auto run = driver.controller().journal()->run(runId);
    if (!run)
        return failWith(1, run.error());
    if (!*run)
        return failWith(1, QStringLiteral("no run %1 in the journal of profile %2").arg(runId, profile->name));
    if ((*run)->state != dr::RunState::Running && (*run)->state != dr::RunState::Halted)
        return failWith(1, QStringLiteral("run %1 is %2: there is nothing to resume").arg(runId, dr::runStateName((*run)->state)));
    dr::SignedInOperator op;
    std::optional<dr::SignedInOperator> approver;
    if (!driver.signInBoth(&op, &approver))
        return driver.exitCode();
    const bool rollback = parser.isSet(o.rollback);
    if (!parser.isSet(o.yes)) {
        if (!askYes(QStringLiteral("%1 run %2 (%3 %4 -> %5)?").arg(rollback ? QStringLiteral("Roll back") : QStringLiteral("Resume"), runId, (*run)->kind, (*run)->source, (*run)->target)))
            return failWith(1, QStringLiteral("not confirmed: run at a terminal, or add --yes"));
    }
    driver.controller().engine()->setAutoAcknowledge(op.name);
    return driver.execute([&]() -> dr::Result<QString> {
        if (const auto ok = driver.controller().resume(runId, op, approver, rollback); !ok)
            return dr::fail(ok.error());
        return runId;
    });
}

int runRuns(QCoreApplication &app, const QStringList &args)
{
    QCommandLineParser parser;
    Common common;
    parser.setApplicationDescription(QStringLiteral("Past runs of the profile on this workstation: id, kind, mode, started, ended, outcome.\n"
                                                    "Runs whose process is gone while running are marked interrupted."));
    parser.addHelpOption();
    QCommandLineOption limit(QStringLiteral("limit"), QStringLiteral("At most N runs, newest first (default 50)."), QStringLiteral("N"), QStringLiteral("50"));
    parser.addOptions({common.profile, common.json, common.verbose, limit});
    parser.process(args);
    dr::log::init({parser.isSet(common.verbose), true, {}});
    int exitCode = 0;
    const auto profile = loadProfile(parser.value(common.profile), &exitCode);
    if (!profile)
        return exitCode;
    dr::RunJournal journal(dr::RunJournal::defaultPath(*profile));
    if (const auto ok = journal.open(); !ok)
        return failWith(1, ok.error());
    const auto runs = journal.runs(parser.value(limit).toInt());
    if (!runs)
        return failWith(1, runs.error());
    QSet<QString> interrupted;
    if (const auto list = journal.interruptedRuns(); list) {
        for (const dr::RunRecord &r : *list)
            interrupted.insert(r.id);
    }
    Q_UNUSED(app)
    if (parser.isSet(common.json)) {
        QJsonArray array;
        for (const dr::RunRecord &r : *runs) {
            QJsonObject o = r.toJson();
            o.insert(QStringLiteral("interrupted"), interrupted.contains(r.id));
            array.append(o);
        }
        printOut(QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("runs"), array}}).toJson(QJsonDocument::Indented)));
        return 0;
    }
    if (runs->isEmpty()) {
        printOut(QStringLiteral("no runs yet for profile %1\n").arg(profile->name));
        return 0;
    }
    for (const dr::RunRecord &r : *runs) {
        printOut(QStringLiteral("%1  %2 %3  %4 -> %5  started %6  ended %7  %8: %9\n")
                     .arg(r.id, r.kind, r.mode, r.source, r.target, r.started.toString(Qt::ISODate),
                          r.ended.isValid() ? r.ended.toString(Qt::ISODate) : QStringLiteral("-"),
                          interrupted.contains(r.id) ? QStringLiteral("INTERRUPTED") : dr::runStateName(r.state), r.outcome));
    }
    return 0;
}

} // namespace drctl
