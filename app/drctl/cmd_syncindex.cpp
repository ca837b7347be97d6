// drctl sync-index: copy one region's search index to the other's (delta, or --full).

#include "cli.h"
#include "commands.h"

#include "indexsync/indexsync.h"
#include "logging/logging.h"
#include "secrets/secretstore.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QTimer>

#include <cstdio>
#include <optional>
#include <unistd.h>

namespace drctl {

namespace {

QString progressLine(const dr::IndexSyncProgress &p)
{
    QString line = p.phase;
    if (p.phase == u"copying" || p.copied > 0)
        line += QStringLiteral("  copied %1%2").arg(p.copied).arg(p.toCopy >= 0 ? QStringLiteral("/%1").arg(p.toCopy) : QString());
    if (p.toDelete > 0 || p.deleted > 0)
        line += QStringLiteral("  deleted %1%2").arg(p.deleted).arg(p.toDelete >= 0 ? QStringLiteral("/%1").arg(p.toDelete) : QString());
    if (p.failed > 0)
        line += QStringLiteral("  failed %1").arg(p.failed);
    return line;
}

} // namespace

int runSyncIndex(QCoreApplication &app, const QStringList &args)
{
    QCommandLineParser parser;
    Common common;
    parser.setApplicationDescription(QStringLiteral(
        "Copy one region's search index to the other's: the documents changed since the target's newest watermark "
        "and the deletions (a key diff), or everything with --full; then verify counts and a sample by checksum."));
    parser.addHelpOption();
    const QCommandLineOption from(QStringLiteral("from"), QStringLiteral("The source region."), QStringLiteral("REGION"));
    const QCommandLineOption to(QStringLiteral("to"), QStringLiteral("The target region (its admin key is needed)."), QStringLiteral("REGION"));
    const QCommandLineOption full(QStringLiteral("full"), QStringLiteral("Copy every document, not only the delta."));
    const QCommandLineOption concurrency(QStringLiteral("concurrency"),
                                         QStringLiteral("Index batches in flight (default: the profile's runbook.syncConcurrency)."),
                                         QStringLiteral("N"));
    parser.addOptions({common.profile, from, to, full, concurrency, common.json, common.verbose});
    parser.process(args);
    dr::log::init({parser.isSet(common.verbose), true, {}});

    if (!parser.isSet(from) || !parser.isSet(to))
        return failWith(1, QStringLiteral("sync-index needs --from REGION and --to REGION"));
    int exitCode = 0;
    const auto profile = loadProfile(parser.value(common.profile), &exitCode);
    if (!profile)
        return exitCode;
    if (!profile->indexSync)
        return failWith(1, QStringLiteral("the profile has no indexSync section"));

    dr::IndexSyncOptions options;
    options.full = parser.isSet(full);
    options.concurrency = profile->runbook.syncConcurrency;
    if (parser.isSet(concurrency)) {
        bool ok = false;
        options.concurrency = parser.value(concurrency).toInt(&ok);
        if (!ok || options.concurrency < 1 || options.concurrency > 64)
            return failWith(1, QStringLiteral("--concurrency must be a number from 1 to 64"));
    }

    dr::SecretStore secrets;
    std::optional<dr::Result<std::pair<dr::SearchEndpoint, dr::SearchEndpoint>>> endpoints;
    dr::IndexSync::endpointsFor(*profile, parser.value(from), parser.value(to), &secrets, [&](auto r) {
        endpoints = std::move(r);
        app.quit();
    });
    app.exec();
    if (!*endpoints)
        return failWith(1, endpoints->error());

    QNetworkAccessManager network;
    dr::IndexSync sync(&network, (*endpoints)->first, (*endpoints)->second, *profile->indexSync, options);
    sync.setSideNames(parser.value(from), parser.value(to));

    const bool tty = ::isatty(STDERR_FILENO);
    if (tty) {
        QObject::connect(&sync, &dr::IndexSync::progress, &app, [](const dr::IndexSyncProgress &p) {
            std::fprintf(stderr, "\r\x1b[2K%s", qPrintable(progressLine(p)));
            std::fflush(stderr);
        });
    }
    // Ctrl+C: stop after the batches in flight, then answer "cancelled".
    QTimer interrupt;
    bool cancelling = false;
    QObject::connect(&interrupt, &QTimer::timeout, &app, [&] {
        if (g_interrupted && !cancelling) {
            cancelling = true;
            sync.cancel();
        }
    });
    interrupt.start(100);

    std::optional<dr::Result<dr::IndexSyncReport>> result;
    sync.start([&](dr::Result<dr::IndexSyncReport> r) {
        result = std::move(r);
        app.quit();
    });
    app.exec();
    if (tty)
        std::fprintf(stderr, "\r\x1b[2K");

    if (!*result)
        return failWith(1, QStringLiteral("index sync %1 -> %2: %3").arg(parser.value(from), parser.value(to), result->error()));
    const dr::IndexSyncReport &report = **result;
    if (parser.isSet(common.json)) {
        printOut(QString::fromUtf8(QJsonDocument(report.toJson()).toJson(QJsonDocument::Indented)));
    } else {
        printOut(QStringLiteral("%1 index sync %2 -> %3: copied %4, deleted %5 in %6 s\n%7: %8\n")
                     .arg(report.full ? QStringLiteral("Full") : QStringLiteral("Delta"), parser.value(from), parser.value(to))
                     .arg(report.copied)
                     .arg(report.deleted)
                     .arg(double(report.elapsedMs) / 1000.0, 0, 'f', 1)
                     .arg(report.verified ? QStringLiteral("Verified") : QStringLiteral("NOT verified"), report.verification));
    }
    if (!report.verified)
        return failWith(1, QStringLiteral("index sync %1 -> %2 did not verify: %3").arg(parser.value(from), parser.value(to), report.verification));
    return 0;
}

} // namespace drctl
