// drlab: a real two-region lab on this machine (loopback only), for trying DR Console without
// Azure, for drills and for integration tests. Wiring only: the parts live in lab/, search/
// and storage/. The command-line contract is in README.md.

#include "lab/armstandin.h"
#include "lab/faultcommand.h"
#include "lab/faults.h"
#include "lab/labpki.h"
#include "lab/labstate.h"
#include "lab/labsupervisor.h"
#include "lab/regionserver.h"
#include "lab/traffic.h"
#include "storage/replicator.h"
#include "storage/storagefront.h"

#include "azure/blobclient.h"
#include "common/opensslexit.h"
#include "logging/logging.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QSocketNotifier>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

using namespace drlab;

namespace {

void printOut(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

int failWith(const QString &message, int code = 1)
{
    const QByteArray bytes = (QStringLiteral("drlab: ") + message + u'\n').toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
    return code;
}

const char *const kUsage = R"(Usage: drlab COMMAND [--dir DIR] [OPTIONS]

A real two-region lab on this machine (loopback only): HAProxy as the global endpoint,
Azurite as each region's storage, the lab's region services (bot API, knowledge base,
Azure AI Search REST subset) and a storage replicator.

Commands:
  up       start the lab; return when every part is healthy (--json: the lab's document);
           --routing trafficmanager adds a stand-in for Azure Traffic Manager's control
           plane (Entra ID tokens, ARM GET profile / PATCH endpoint) driving HAProxy
  down     stop every lab process, leave nothing listening (--purge: also delete the lab)
  status   each part: running, healthy (--json)
  fault    NAME ARGS: region-down REGION | region-up REGION |
           component-down REGION COMPONENT | component-up REGION COMPONENT |
           slow REGION MS | replication-lag SECONDS | index-drift REGION COUNT |
           cert-expiry REGION DAYS | heal
  traffic  chat requests through the global endpoint (--seconds N [--rate R] [--json])

Regions: west (primary), north (secondary). Components: knowledge-base, search-index, storage.
The lab lives in DIR (default: ~/.local/share/drconsole/lab). Run 'drlab COMMAND --help'.
)";

QCommandLineOption dirOption()
{
    return QCommandLineOption(QStringLiteral("dir"), QStringLiteral("The lab folder (default %1).").arg(LabState::defaultDir()),
                              QStringLiteral("DIR"), LabState::defaultDir());
}

QCommandLineOption jsonOption()
{
    return QCommandLineOption(QStringLiteral("json"), QStringLiteral("Print one JSON document on stdout."));
}

// SIGINT/SIGTERM end the event loop of the long-running parts cleanly.
int g_signalPipe[2] = {-1, -1};
void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] const auto n = ::write(g_signalPipe[1], &c, 1);
}

void quitOnSignals(QCoreApplication &app)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalPipe) != 0)
        return;
    auto *notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, &app);
    QObject::connect(notifier, &QSocketNotifier::activated, &app, [&app] { app.quit(); });
    std::signal(SIGTERM, onSignal);
    std::signal(SIGINT, onSignal);
}

QByteArray secret(const LabState &state, const QString &name)
{
    const auto value = readFile(state.secretFile(name));
    return value ? value->trimmed() : QByteArray();
}

int cmdUp(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Start the lab; return when every part is healthy. Idempotent."));
    p.addHelpOption();
    const auto dir = dirOption();
    const auto json = jsonOption();
    QCommandLineOption timeout(QStringLiteral("timeout"), QStringLiteral("Give up after SECONDS (default 120)."),
                               QStringLiteral("SECONDS"), QStringLiteral("120"));
    QCommandLineOption routing(QStringLiteral("routing"),
                               QStringLiteral("What the profile switches traffic through: haproxy (HAProxy's runtime API) or "
                                              "trafficmanager (the lab's stand-in for Azure Traffic Manager and Entra ID, which drives "
                                              "HAProxy; see docs/LAB-TRAFFICMANAGER.md). Default: what the lab ran last, haproxy for a new lab."),
                               QStringLiteral("KIND"));
    p.addOptions({dir, json, timeout, routing});
    p.process(args);
    if (p.isSet(routing) && p.value(routing) != u"haproxy" && p.value(routing) != u"trafficmanager")
        return failWith(QStringLiteral("--routing must be haproxy or trafficmanager, not '%1'").arg(p.value(routing)));
    LabSupervisor lab(p.value(dir));
    const auto doc = lab.up(p.value(timeout).toInt(), p.value(routing));
    if (!doc)
        return failWith(doc.error());
    if (p.isSet(json)) {
        printOut(QString::fromUtf8(QJsonDocument(*doc).toJson(QJsonDocument::Indented)));
    } else {
        printOut(QStringLiteral("The lab is up.\n  profile:          %1\n  global endpoint:  %2\n  CA certificate:   %3\n"
                                "Watch it:  drctl watch --profile %1\n")
                     .arg(doc->value(QStringLiteral("profile")).toString(), doc->value(QStringLiteral("globalEndpoint")).toString(),
                          doc->value(QStringLiteral("caCertificate")).toString()));
    }
    return 0;
}

int cmdDown(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Stop every lab process and leave nothing listening; the lab's data stays unless --purge."));
    p.addHelpOption();
    const auto dir = dirOption();
    QCommandLineOption purge(QStringLiteral("purge"), QStringLiteral("Also delete the lab folder."));
    p.addOptions({dir, purge});
    p.process(args);
    LabSupervisor lab(p.value(dir));
    if (const auto r = lab.down(p.isSet(purge)); !r)
        return failWith(r.error());
    printOut(p.isSet(purge) ? QStringLiteral("The lab is down and deleted.\n") : QStringLiteral("The lab is down.\n"));
    return 0;
}

int cmdStatus(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Each part of the lab: running, healthy. Exit 0 when all are."));
    p.addHelpOption();
    const auto dir = dirOption();
    const auto json = jsonOption();
    p.addOptions({dir, json});
    p.process(args);
    LabSupervisor lab(p.value(dir));
    const auto parts = lab.status();
    bool allHealthy = true;
    QJsonArray list;
    QString table = QStringLiteral("PART           STATE     DETAIL\n");
    for (const PartStatus &part : parts) {
        allHealthy = allHealthy && part.healthy;
        const QString state = part.healthy ? QStringLiteral("ok") : part.running ? QStringLiteral("unhealthy") : QStringLiteral("stopped");
        list.append(QJsonObject{{QStringLiteral("name"), part.name}, {QStringLiteral("running"), part.running},
                                {QStringLiteral("healthy"), part.healthy}, {QStringLiteral("state"), state},
                                {QStringLiteral("detail"), part.detail}});
        table += QStringLiteral("%1 %2 %3\n").arg(part.name.leftJustified(14), state.leftJustified(9), part.detail);
    }
    if (p.isSet(json))
        printOut(QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("parts"), list},
                                                             {QStringLiteral("healthy"), allHealthy},
                                                             {QStringLiteral("routing"), lab.routing()}})
                                       .toJson(QJsonDocument::Indented)));
    else
        printOut(table + QStringLiteral("routing: %1\n").arg(lab.routing()));
    return allHealthy ? 0 : 3;
}

int cmdServeRegion(QCoreApplication &app, const QStringList &args)
{
    QCommandLineParser p;
    p.addHelpOption();
    const auto dir = dirOption();
    QCommandLineOption region(QStringLiteral("region"), QStringLiteral("west or north"), QStringLiteral("REGION"));
    p.addOptions({dir, region});
    p.process(args);
    const auto state = LabState::load(p.value(dir));
    if (!state)
        return failWith(state.error());
    const QString id = p.value(region);
    if (!kRegions.contains(id))
        return failWith(QStringLiteral("unknown region '%1' (west or north)").arg(id));
    dr::log::init({false, true, state->path(QStringLiteral("logs/region-%1.diag.log").arg(id))});

    RegionServerConfig config;
    config.regionId = id;
    config.labDir = state->dir;
    config.certificatePath = state->certificate(id);
    config.privateKeyPath = state->privateKey(id);
    config.databasePath = state->path(QStringLiteral("region/%1-search.db").arg(id));
    config.searchAdminKey = secret(*state, QStringLiteral("search-%1-admin").arg(id));
    config.searchQueryKey = secret(*state, QStringLiteral("search-%1-query").arg(id));
    config.port = state->port(QStringLiteral("service-") + id);
    RegionServer server(config);

    // Transcripts go to this region's storage, so replication carries real data. Best effort:
    // a storage outage must not stop the bot answering.
    QNetworkAccessManager network;
    const auto credential = dr::azure::StorageCredential::fromBase64(QString::fromLatin1(kAccountName),
                                                                    secret(*state, QStringLiteral("storage-account-key")));
    std::unique_ptr<dr::azure::BlobClient> blobs;
    if (credential) {
        blobs = std::make_unique<dr::azure::BlobClient>(
            &network, QUrl(QStringLiteral("https://localhost:%1/%2").arg(state->port(QStringLiteral("blob-") + id)).arg(QLatin1String(kAccountName))),
            *credential);
        blobs->setCaCertificates(QSslCertificate::fromPath(state->caCertificate()));
        blobs->setTimeoutMs(5000);
        blobs->createContainer(QStringLiteral("transcripts"), [](dr::Result<bool>) {});
        server.setTranscriptSink([&blobs, id](const QString &conversation, const QByteArray &json) {
            const QString name = QStringLiteral("%1/%2-%3.json").arg(conversation, id,
                                                                    QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMddTHHmmsszzz")));
            blobs->putBlockBlob(QStringLiteral("transcripts"), name, json, QStringLiteral("application/json"),
                                [](dr::Result<dr::azure::WriteResult> r) {
                                    if (!r)
                                        dr::log::get("lab")->warn("transcript not stored: {}", r.error().toStdString());
                                });
        });
    }

    FaultWatcher faults(state->faultsPath());
    server.setFaults(faults.faults());
    QObject::connect(&faults, &FaultWatcher::changed, &server, [&server](const Faults &f) { server.setFaults(f); });
    const auto port = server.start();
    if (!port)
        return failWith(port.error());
    quitOnSignals(app);
    return app.exec();
}

// The lab a child part of `up` serves (its only option: --dir), with its diagnostics in
// DIR/logs/LOG.
dr::Result<LabState> childLab(const QStringList &args, const QString &log)
{
    QCommandLineParser p;
    p.addHelpOption();
    const auto dir = dirOption();
    p.addOption(dir);
    p.process(args);
    auto state = LabState::load(p.value(dir));
    if (state)
        dr::log::init({false, true, state->path(QStringLiteral("logs/") + log)});
    return state;
}

int cmdReplicate(QCoreApplication &app, const QStringList &args)
{
    const auto state = childLab(args, QStringLiteral("replicator.diag.log"));
    if (!state)
        return failWith(state.error());
    const auto credential = dr::azure::StorageCredential::fromBase64(QString::fromLatin1(kAccountName),
                                                                    secret(*state, QStringLiteral("storage-account-key")));
    if (!credential)
        return failWith(credential.error());
    const QList<QSslCertificate> cas = QSslCertificate::fromPath(state->caCertificate());
    const auto endpoint = [&](const QString &region) {
        return StorageEndpoint{QUrl(QStringLiteral("https://localhost:%1/%2")
                                        .arg(state->port(QStringLiteral("blob-") + region))
                                        .arg(QLatin1String(kAccountName))),
                               *credential, cas};
    };
    // West's account is the primary; north holds its replica, read through the front.
    Replicator replicator(endpoint(QStringLiteral("west")), endpoint(QStringLiteral("north")));
    const auto tls = StorageFront::loadTls(state->certificate(QStringLiteral("north")), state->privateKey(QStringLiteral("north")));
    if (!tls)
        return failWith(tls.error());
    StorageFrontConfig config;
    config.credential = *credential;
    config.upstream = QUrl(QStringLiteral("https://localhost:%1").arg(state->port(QStringLiteral("blob-north"))));
    config.upstreamCaCertificates = cas;
    config.certificateChain = tls->first;
    config.privateKey = tls->second;
    StorageFront front(config, [&replicator] { return replicator.stats(); });
    if (const auto r = front.listen(state->port(QStringLiteral("front"))); !r)
        return failWith(r.error());
    FaultWatcher faults(state->faultsPath());
    replicator.setLagSeconds(faults.faults().replicationLagSeconds);
    // The run lock of failovers lives in each region's own account (the lab profile's
    // runbook.lockContainer): the lab's replica account doubles as north's own storage.
    // So is the off-workstation audit copy (core/audit/remoteaudit.h): each region's copy is
    // written by the consoles, and a replicated west copy would overwrite north's.
    replicator.setExcludedContainers({QStringLiteral("drconsole-lock"), QStringLiteral("drconsole-audit")});
    QObject::connect(&faults, &FaultWatcher::changed, &replicator,
                     [&replicator](const Faults &f) { replicator.setLagSeconds(f.replicationLagSeconds); });
    replicator.start();
    quitOnSignals(app);
    return app.exec();
}

// The ARM stand-in of a `--routing trafficmanager` lab (a child of `up`, like serve-region).
int cmdServeArm(QCoreApplication &app, const QStringList &args)
{
    const auto state = childLab(args, QStringLiteral("arm-standin.diag.log"));
    if (!state)
        return failWith(state.error());
    const auto config = ArmStandInConfig::forLab(*state);
    if (!config)
        return failWith(config.error());
    ArmStandIn server(*config);
    const auto port = server.start();
    if (!port)
        return failWith(port.error());
    quitOnSignals(app);
    return app.exec();
}

int cmdFault(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QString::fromUtf8(
        "Break the lab as real incidents do, and heal it.\n\n"
        "  region-down REGION               the region service stops answering\n"
        "  region-up REGION\n"
        "  component-down REGION COMPONENT  knowledge-base, search-index or storage\n"
        "  component-up REGION COMPONENT\n"
        "  slow REGION MS                   every answer of the region waits MS ms\n"
        "  replication-lag SECONDS          the storage replica falls that far behind\n"
        "  index-drift REGION COUNT         add COUNT documents to that region's index only\n"
        "  cert-expiry REGION DAYS          reissue the region's certificate to expire in DAYS days\n"
        "  heal                             undo every fault"));
    p.addHelpOption();
    const auto dir = dirOption();
    p.addOption(dir);
    p.addPositionalArgument(QStringLiteral("fault"), QStringLiteral("The fault and its arguments."), QStringLiteral("NAME ARGS..."));
    p.process(args);
    const auto done = applyFault(p.value(dir), p.positionalArguments());
    if (!done)
        return failWith(done.error());
    printOut(*done + u'\n');
    return 0;
}

int cmdTraffic(const QStringList &args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Chat requests through the global endpoint, as users send them."));
    p.addHelpOption();
    const auto dir = dirOption();
    const auto json = jsonOption();
    QCommandLineOption seconds(QStringLiteral("seconds"), QStringLiteral("How long to send (required)."), QStringLiteral("N"));
    QCommandLineOption rate(QStringLiteral("rate"), QStringLiteral("Requests per second (default 5)."), QStringLiteral("R"), QStringLiteral("5"));
    p.addOptions({dir, json, seconds, rate});
    p.process(args);
    bool ok = false;
    const int n = p.value(seconds).toInt(&ok);
    if (!ok || n < 1 || n > 86400)
        return failWith(QStringLiteral("--seconds N is required: a whole number from 1 to 86400"));
    const double r = p.value(rate).toDouble(&ok);
    if (!ok || r <= 0 || r > 1000)
        return failWith(QStringLiteral("--rate R must be a number above 0 and at most 1000"));
    const auto state = LabState::load(p.value(dir));
    if (!state)
        return failWith(state.error());
    if (state->port(QStringLiteral("global")) == 0)
        return failWith(QStringLiteral("no lab in %1: start one with 'drlab up --dir %1'").arg(state->dir));
    TrafficOptions options;
    options.messagesUrl = QUrl(QStringLiteral("https://localhost:%1/api/messages").arg(state->port(QStringLiteral("global"))));
    options.caCertificate = state->caCertificate();
    options.seconds = n;
    options.rate = r;
    const TrafficReport report = runTraffic(options);
    if (p.isSet(json)) {
        printOut(QString::fromUtf8(QJsonDocument(report.toJson()).toJson(QJsonDocument::Indented)));
    } else {
        QStringList regions;
        for (auto it = report.byRegion.cbegin(); it != report.byRegion.cend(); ++it)
            regions << QStringLiteral("%1 %2").arg(it.key()).arg(it.value());
        printOut(QStringLiteral("sent %1, succeeded %2, failed %3; answered by: %4; longest stretch without an answer: %5 ms\n")
                     .arg(report.sent)
                     .arg(report.succeeded)
                     .arg(report.failed)
                     .arg(regions.isEmpty() ? QStringLiteral("nobody") : regions.join(QStringLiteral(", ")))
                     .arg(report.longestOutageMs));
    }
    return report.failed == 0 ? 0 : 3;
}

} // namespace

int main(int argc, char *argv[])
{
    // Before anything uses OpenSSL: see opensslexit.h (a crash at exit otherwise).
    dr::skipOpenSslCleanupAtExit();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("drlab"));
    QCoreApplication::setOrganizationName(QStringLiteral("drconsole"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DR_VERSION));
    QStringList args = app.arguments();
    if (args.size() < 2 || args.at(1) == u"--help" || args.at(1) == u"-h" || args.at(1) == u"help") {
        printOut(QString::fromUtf8(kUsage));
        return args.size() < 2 ? 1 : 0;
    }
    if (args.at(1) == u"--version") {
        printOut(QStringLiteral("drlab %1\n").arg(QStringLiteral(DR_VERSION)));
        return 0;
    }
    const QString command = args.takeAt(1);
    args[0] = QStringLiteral("drlab ") + command;
    if (command != u"serve-region" && command != u"replicate" && command != u"serve-arm")
        dr::log::init({false, true, {}});
    if (command == u"up")
        return cmdUp(args);
    if (command == u"down")
        return cmdDown(args);
    if (command == u"status")
        return cmdStatus(args);
    if (command == u"fault")
        return cmdFault(args);
    if (command == u"traffic")
        return cmdTraffic(args);
    if (command == u"serve-region")
        return cmdServeRegion(app, args);
    if (command == u"replicate")
        return cmdReplicate(app, args);
    if (command == u"serve-arm")
        return cmdServeArm(app, args);
    return failWith(QStringLiteral("unknown command '%1'; run 'drlab --help' for the list").arg(command));
}
