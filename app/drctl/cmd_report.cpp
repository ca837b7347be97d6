// drctl report and drctl record: the evidence of a run (or of the readiness over a period)
// as PDF, HTML, CSV or JSON, and what an operator adds to a run after it ended: a pass/fail
// verdict, a note, the traffic measured during it. Reports read only; record signs in.

#include "cli.h"
#include "commands.h"

#include "auth/operatordirectory.h"
#include "common/datapaths.h"
#include "failover/failovercontroller.h"
#include "history/historystore.h"
#include "logging/logging.h"
#include "report/render.h"
#include "report/report.h"
#include "secrets/secretstore.h"
#include "status/statusmonitor.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QTimer>

#include <unistd.h>

namespace drctl {

namespace {

dr::Result<QJsonObject> readTraffic(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return dr::fail(QStringLiteral("--traffic %1: %2").arg(path, file.errorString()));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
    if (!doc.isObject())
        return dr::fail(QStringLiteral("--traffic %1: not a JSON object (%2 at offset %3); expected the output of drlab traffic --json")
                            .arg(path, error.errorString())
                            .arg(error.offset));
    return doc.object();
}

// The status now (one sample of every probe), for the readiness report and for a run that
// kept no certificate snapshot.
QJsonObject takeSnapshot(QCoreApplication &app, const dr::Profile &profile)
{
    dr::StatusMonitor monitor(profile, dr::Clock::system(), dr::StatusMonitor::Mode::OneShot);
    QObject::connect(&monitor, &dr::StatusMonitor::sampled, &app, [&] { app.quit(); });
    QTimer::singleShot(0, &monitor, &dr::StatusMonitor::sampleOnce);
    app.exec();
    return monitor.snapshot();
}

} // namespace

int runReport(QCoreApplication &app, const QStringList &args)
{
    QCommandLineParser parser;
    Common common;
    parser.setApplicationDescription(QStringLiteral(
        "A compliance report from this workstation's record: a run's evidence (--run ID) or the\n"
        "readiness over the last days (--readiness). Formats: pdf, html (self-contained), csv, json\n"
        "(docs/REPORTS.md). Reads the run journal, the audit trail (verified when its key is\n"
        "available), the console's history file and, for readiness, a fresh status sample.\n"
        "Exit 0 when the report is written, 1 on an error, 2 when the profile is invalid."));
    parser.addHelpOption();
    QCommandLineOption run(QStringLiteral("run"), QStringLiteral("The run to report (drctl runs lists them)."), QStringLiteral("ID"));
    QCommandLineOption readiness(QStringLiteral("readiness"), QStringLiteral("The readiness report instead of a run's."));
    QCommandLineOption days(QStringLiteral("days"), QStringLiteral("Readiness: the period, in days up to now (default 30)."), QStringLiteral("N"), QStringLiteral("30"));
    QCommandLineOption format(QStringLiteral("format"), QStringLiteral("pdf, html, csv or json."), QStringLiteral("FORMAT"));
    QCommandLineOption out(QStringLiteral("out"), QStringLiteral("The file to write (replaced atomically)."), QStringLiteral("FILE"));
    QCommandLineOption pageSize(QStringLiteral("page-size"), QStringLiteral("PDF: a4 (default) or letter."), QStringLiteral("SIZE"), QStringLiteral("a4"));
    QCommandLineOption history(QStringLiteral("history"),
                               QStringLiteral("The history file for the charts and uptime (default: the console's, when it exists)."),
                               QStringLiteral("FILE"));
    QCommandLineOption traffic(QStringLiteral("traffic"), QStringLiteral("Run: a drlab traffic --json summary measured during the run."),
                               QStringLiteral("FILE"));
    parser.addOptions({common.profile, run, readiness, days, format, out, pageSize, history, traffic, common.json, common.verbose});
    parser.process(args);
    dr::log::init({parser.isSet(common.verbose), true, {}});

    if (parser.isSet(run) == parser.isSet(readiness))
        return failWith(1, QStringLiteral("give either --run ID or --readiness"));
    if (!parser.isSet(format))
        return failWith(1, QStringLiteral("--format pdf|html|csv|json is required"));
    const auto fmt = dr::report::formatFromName(parser.value(format));
    if (!fmt)
        return failWith(1, QStringLiteral("--format: %1").arg(fmt.error()));
    if (parser.value(out).isEmpty())
        return failWith(1, QStringLiteral("--out FILE is required"));
    dr::report::RenderOptions options;
    const QString size = parser.value(pageSize).toLower();
    if (size == u"a4")
        options.pageSize = dr::report::PageSize::A4;
    else if (size == u"letter")
        options.pageSize = dr::report::PageSize::Letter;
    else
        return failWith(1, QStringLiteral("--page-size %1: expected a4 or letter").arg(parser.value(pageSize)));
    bool daysOk = false;
    const int period = parser.value(days).toInt(&daysOk);
    if (!daysOk || period < 1 || period > 3650)
        return failWith(1, QStringLiteral("--days %1: expected a number of days from 1 to 3650").arg(parser.value(days)));

    int exitCode = 0;
    const auto profile = loadProfile(parser.value(common.profile), &exitCode);
    if (!profile)
        return exitCode;

    dr::report::ReportSources sources;
    sources.profile = &*profile;
    dr::RunJournal journal(dr::RunJournal::defaultPath(*profile));
    if (const auto ok = journal.open(); !ok)
        return failWith(1, ok.error());
    sources.journal = &journal;

    if (parser.isSet(traffic)) {
        if (!parser.isSet(run))
            return failWith(1, QStringLiteral("--traffic belongs to a run report (--run ID)"));
        const auto summary = readTraffic(parser.value(traffic));
        if (!summary)
            return failWith(1, summary.error());
        sources.traffic = *summary;
    }

    // The audit trail: verified with its key when the key can be had (never created here: a
    // report must not start a new trail), else read without it and said so.
    dr::SecretStore secrets;
    std::optional<dr::Result<QByteArray>> key;
    dr::loadAuditKey(&secrets, *profile, false, [&](dr::Result<QByteArray> k) {
        key = std::move(k);
        app.quit();
    });
    if (!key)
        app.exec();
    std::unique_ptr<dr::AuditTrail> audit;
    const QString auditPath = dr::AuditTrail::defaultPath(*profile);
    if (*key && QFileInfo::exists(auditPath)) {
        audit = std::make_unique<dr::AuditTrail>(auditPath, **key);
        if (const auto ok = audit->open(); !ok)
            return failWith(1, ok.error());
        sources.audit = audit.get();
    } else {
        if (!*key)
            dr::log::get("report")->warn("the audit chain is not verified: {}", key->error().toStdString());
        sources.auditPath = auditPath;
    }

    const QString historyPath = parser.isSet(history) ? parser.value(history) : dr::defaultHistoryPath();
    if (parser.isSet(history) && !QFileInfo::exists(historyPath))
        return failWith(1, QStringLiteral("--history %1: no such file").arg(historyPath));
    std::unique_ptr<dr::HistoryStore> store;
    if (QFileInfo::exists(historyPath)) {
        dr::HistoryStore::Options o;
        o.flushIntervalMs = 0;
        o.compactIntervalMs = 0;
        store = std::make_unique<dr::HistoryStore>(dr::Clock::system(), o);
        if (const auto ok = store->open(historyPath); !ok)
            dr::log::get("report")->warn("the history at {} cannot be read: {}", historyPath.toStdString(), ok.error().toStdString());
        sources.history = store.get();
    }

    const QString path = parser.value(out);
    dr::Result<void> written;
    QString sha;
    if (parser.isSet(run)) {
        const QString runId = parser.value(run);
        const auto record = journal.run(runId);
        if (!record)
            return failWith(1, record.error());
        if (!*record)
            return failWith(1, QStringLiteral("--run %1: no such run in the journal of profile %2 (%3); drctl runs lists them")
                                   .arg(runId, profile->name, journal.path()));
        if (!(*record)->data.value(QStringLiteral("gateSnapshot")).isObject())
            sources.statusSnapshot = takeSnapshot(app, *profile);
        const auto report = dr::report::buildRunReport(sources, runId);
        if (!report)
            return failWith(1, report.error());
        sha = report->contentSha256;
        written = dr::report::writeReport(*report, *fmt, path, options);
    } else {
        sources.statusSnapshot = takeSnapshot(app, *profile);
        const QDateTime to = dr::Clock::system()->nowUtc();
        const auto report = dr::report::buildReadinessReport(sources, to.addDays(-period), to);
        if (!report)
            return failWith(1, report.error());
        sha = report->contentSha256;
        written = dr::report::writeReport(*report, *fmt, path, options);
    }
    if (!written)
        return failWith(1, written.error());
    if (parser.isSet(common.json)) {
        printOut(QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("path"), QFileInfo(path).absoluteFilePath()},
                                                             {QStringLiteral("format"), dr::report::formatName(*fmt)},
                                                             {QStringLiteral("contentSha256"), sha}})
                                       .toJson(QJsonDocument::Indented)));
    } else {
        printOut(QStringLiteral("wrote %1 (%2, content SHA-256 %3)\n").arg(path, dr::report::formatName(*fmt), sha));
    }
    return 0;
}

int runRecord(QCoreApplication &app, const QStringList &args)
{
    QCommandLineParser parser;
    Common common;
    parser.setApplicationDescription(QStringLiteral(
        "Add to a run that has ended: the operator's pass/fail verdict (--verdict), a note (--note),\n"
        "the traffic measured during it (--traffic, a drlab traffic --json summary: the report's\n"
        "user-visible downtime). Audited. Viewers may not record. Exit 0 when all is recorded."));
    parser.addHelpOption();
    QCommandLineOption run(QStringLiteral("run"), QStringLiteral("The run (drctl runs lists them)."), QStringLiteral("ID"));
    QCommandLineOption verdict(QStringLiteral("verdict"), QStringLiteral("pass or fail."), QStringLiteral("VERDICT"));
    QCommandLineOption note(QStringLiteral("note"), QStringLiteral("A note (with --verdict: the verdict's reason)."), QStringLiteral("TEXT"));
    QCommandLineOption traffic(QStringLiteral("traffic"), QStringLiteral("A drlab traffic --json summary measured during the run."), QStringLiteral("FILE"));
    QCommandLineOption operatorName(QStringLiteral("operator"), QStringLiteral("Who records it (operator directory)."), QStringLiteral("NAME"));
    QCommandLineOption passphraseFile(QStringLiteral("passphrase-file"), QStringLiteral("The operator's passphrase (a 0600 file); else asked at the terminal."),
                                      QStringLiteral("FILE"));
    QCommandLineOption operatorEntra(QStringLiteral("operator-entra"),
        QStringLiteral("Sign in with Entra ID (device code) instead of --operator."));
    parser.addOptions({common.profile, run, verdict, note, traffic, operatorName, passphraseFile, operatorEntra, common.verbose});
    parser.process(args);
    dr::log::init({parser.isSet(common.verbose), true, {}});

    if (parser.value(run).isEmpty())
        return failWith(1, QStringLiteral("--run ID is required"));
    if (!parser.isSet(verdict) && !parser.isSet(note) && !parser.isSet(traffic))
        return failWith(1, QStringLiteral("nothing to record: give --verdict, --note or --traffic"));
    const QString verdictName = parser.value(verdict).toLower();
    if (parser.isSet(verdict) && verdictName != u"pass" && verdictName != u"fail")
        return failWith(1, QStringLiteral("--verdict %1: expected pass or fail").arg(parser.value(verdict)));
    if (parser.value(operatorName).isEmpty() == !parser.isSet(operatorEntra))
        return failWith(1, QStringLiteral("give --operator NAME or --operator-entra (one of them)"));
    QJsonObject summary;
    if (parser.isSet(traffic)) {
        const auto t = readTraffic(parser.value(traffic));
        if (!t)
            return failWith(1, t.error());
        summary = *t;
    }
    int exitCode = 0;
    const auto profile = loadProfile(parser.value(common.profile), &exitCode);
    if (!profile)
        return exitCode;

    dr::FailoverController controller(*profile);
    std::optional<dr::Result<void>> prepared;
    controller.prepare([&](dr::Result<void> r) {
        prepared = r;
        app.quit();
    });
    if (!prepared)
        app.exec();
    if (!*prepared)
        return failWith(1, prepared->error());
    const QString runId = parser.value(run);
    const auto record = controller.journal()->run(runId);
    if (!record)
        return failWith(1, record.error());
    if (!*record)
        return failWith(1, QStringLiteral("--run %1: no such run in the journal of profile %2").arg(runId, profile->name));

    dr::Result<dr::SignedInOperator> who = dr::fail(QStringLiteral("not signed in"));
    if (parser.isSet(operatorEntra)) {
        const auto token = entraDeviceCodeToken(*profile, QStringLiteral("the operator"));
        if (!token)
            return failWith(1, QStringLiteral("sign-in refused: %1").arg(token.error()));
        who = controller.signInWithEntra(*token);
    } else {
        const QString name = parser.value(operatorName);
        const auto secret = readPassphrase(parser.value(passphraseFile), name);
        if (!secret)
            return failWith(1, secret.error());
        who = controller.signIn(name, *secret);
    }
    if (!who)
        return failWith(1, QStringLiteral("sign-in refused: %1").arg(who.error()));
    if (const auto ok = dr::authorise(*who, dr::Permission::RunFailover); !ok)
        return failWith(1, QStringLiteral("%1 may not record on a run: %2").arg(who->name, ok.error()));

    if (parser.isSet(traffic)) {
        if (const auto ok = controller.attachTraffic(runId, summary); !ok)
            return failWith(1, ok.error());
    }
    if (parser.isSet(verdict)) {
        if (const auto ok = controller.recordVerdict(runId, who->name, verdictName == u"pass", parser.value(note)); !ok)
            return failWith(1, ok.error());
    } else if (parser.isSet(note)) {
        if (const auto ok = controller.addNote(runId, who->name, parser.value(note)); !ok)
            return failWith(1, ok.error());
    }
    printOut(QStringLiteral("recorded on run %1\n").arg(runId));
    return 0;
}

} // namespace drctl
