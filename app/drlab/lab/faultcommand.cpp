#include "faultcommand.h"

#include "faults.h"
#include "labpki.h"
#include "labstate.h"

#include "net/httpexchange.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>

#include <csignal>

namespace drlab {

namespace {

const QStringList kComponents = {QStringLiteral("knowledge-base"), QStringLiteral("search-index"), QStringLiteral("storage")};

dr::Result<int> number(const QString &text, const QString &what, int min, int max)
{
    bool ok = false;
    const int n = text.toInt(&ok);
    if (!ok || n < min || n > max)
        return dr::fail(QStringLiteral("%1 must be a whole number from %2 to %3; got '%4'").arg(what).arg(min).arg(max).arg(text));
    return n;
}

dr::Result<void> checkRegion(const QString &region)
{
    if (!kRegions.contains(region))
        return dr::fail(QStringLiteral("unknown region '%1'; the lab's regions are %2").arg(region, kRegions.join(QStringLiteral(", "))));
    return {};
}

// Index actions against one region's search service, through its Search REST API.
dr::Result<void> indexActions(const LabState &state, const QString &region, const QJsonArray &actions)
{
    const auto key = readFile(state.secretFile(QStringLiteral("search-%1-admin").arg(region)));
    if (!key)
        return std::unexpected(key.error());
    QNetworkAccessManager network;
    QObject context;
    dr::HttpRequestSpec spec;
    spec.method = QByteArrayLiteral("POST");
    spec.url = QUrl(QStringLiteral("https://localhost:%1/indexes/%2/docs/index?api-version=2024-07-01")
                        .arg(state.port(QStringLiteral("service-") + region))
                        .arg(QLatin1String(kIndexName)));
    spec.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}, {QByteArrayLiteral("api-key"), key->trimmed()}};
    spec.body = QJsonDocument(QJsonObject{{QStringLiteral("value"), actions}}).toJson(QJsonDocument::Compact);
    spec.caCertificates = QSslCertificate::fromPath(state.caCertificate());
    spec.timeoutMs = 30000;
    QEventLoop loop;
    dr::Result<void> result;
    dr::HttpExchange::run(&network, spec, &context, [&](dr::Result<dr::HttpReply> reply) {
        if (!reply)
            result = dr::fail(QStringLiteral("region %1's search service: %2").arg(region, reply.error()));
        else if (reply->status != 200 && reply->status != 207)
            result = dr::fail(QStringLiteral("region %1's search service answered HTTP %2: %3")
                                  .arg(region)
                                  .arg(reply->status)
                                  .arg(QString::fromUtf8(reply->body.left(300))));
        loop.quit();
    });
    loop.exec();
    return result;
}

QJsonArray driftActions(int from, int to, bool remove)
{
    QJsonArray actions;
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    for (int i = from; i < to; ++i) {
        QJsonObject doc{{QStringLiteral("@search.action"), remove ? QStringLiteral("delete") : QStringLiteral("upload")},
                        {QStringLiteral("id"), QStringLiteral("drift-%1").arg(i)}};
        if (!remove) {
            doc.insert(QStringLiteral("question"), QStringLiteral("Drift question %1: is this only in one region?").arg(i));
            doc.insert(QStringLiteral("answer"), QStringLiteral("This entry was added to one region's index only (drlab index-drift)."));
            doc.insert(QStringLiteral("category"), QStringLiteral("drift"));
            doc.insert(QStringLiteral("lastUpdated"), now);
        }
        actions.append(doc);
    }
    return actions;
}

void signalStorage(const LabState &state, const QString &region, int signal)
{
    const LabProcess azurite = state.processes.value(QStringLiteral("azurite-") + region);
    if (processAlive(azurite))
        ::kill(pid_t(azurite.pid), signal);
}

} // namespace

dr::Result<QString> applyFault(const QString &labDir, const QStringList &args)
{
    const auto loadedState = LabState::load(labDir);
    if (!loadedState)
        return std::unexpected(loadedState.error());
    const LabState &state = *loadedState;
    if (state.processes.isEmpty())
        return dr::fail(QStringLiteral("no lab runs in %1: start one with 'drlab up --dir %1'").arg(state.dir));
    auto loaded = Faults::load(state.faultsPath());
    if (!loaded)
        return std::unexpected(loaded.error());
    Faults faults = *loaded;
    if (args.isEmpty())
        return dr::fail(QStringLiteral("name a fault; see 'drlab fault --help'"));
    const QString name = args.first();
    const auto needArgs = [&](int n, const QString &usage) -> dr::Result<void> {
        if (args.size() != n + 1)
            return dr::fail(QStringLiteral("usage: drlab fault %1").arg(usage));
        return {};
    };
    QString done;

    if (name == u"region-down" || name == u"region-up") {
        if (auto r = needArgs(1, name + QStringLiteral(" REGION")); !r)
            return std::unexpected(r.error());
        if (auto r = checkRegion(args.at(1)); !r)
            return std::unexpected(r.error());
        faults.regions[args.at(1)].down = name == u"region-down";
        done = QStringLiteral("region %1 is %2").arg(args.at(1), name == u"region-down" ? QStringLiteral("down (its service stops answering)")
                                                                                          : QStringLiteral("up"));
    } else if (name == u"component-down" || name == u"component-up") {
        if (auto r = needArgs(2, name + QStringLiteral(" REGION COMPONENT")); !r)
            return std::unexpected(r.error());
        if (auto r = checkRegion(args.at(1)); !r)
            return std::unexpected(r.error());
        const QString component = args.at(2);
        if (!kComponents.contains(component))
            return dr::fail(QStringLiteral("unknown component '%1'; expected one of %2").arg(component, kComponents.join(QStringLiteral(", "))));
        const bool down = name == u"component-down";
        if (down)
            faults.regions[args.at(1)].componentsDown.insert(component);
        else
            faults.regions[args.at(1)].componentsDown.remove(component);
        if (component == u"storage")
            signalStorage(state, args.at(1), down ? SIGSTOP : SIGCONT); // a storage service that hangs, as real outages do
        done = QStringLiteral("%1 in region %2 is %3").arg(component, args.at(1), down ? QStringLiteral("down") : QStringLiteral("up"));
    } else if (name == u"slow") {
        if (auto r = needArgs(2, QStringLiteral("slow REGION MS")); !r)
            return std::unexpected(r.error());
        if (auto r = checkRegion(args.at(1)); !r)
            return std::unexpected(r.error());
        const auto ms = number(args.at(2), QStringLiteral("MS"), 0, 600000);
        if (!ms)
            return std::unexpected(ms.error());
        faults.regions[args.at(1)].slowMs = *ms;
        done = QStringLiteral("region %1 answers after %2 ms").arg(args.at(1)).arg(*ms);
    } else if (name == u"replication-lag") {
        if (auto r = needArgs(1, QStringLiteral("replication-lag SECONDS")); !r)
            return std::unexpected(r.error());
        const auto seconds = number(args.at(1), QStringLiteral("SECONDS"), 0, 7 * 86400);
        if (!seconds)
            return std::unexpected(seconds.error());
        faults.replicationLagSeconds = *seconds;
        done = QStringLiteral("replication runs %1 s behind").arg(*seconds);
    } else if (name == u"index-drift") {
        if (auto r = needArgs(2, QStringLiteral("index-drift REGION COUNT")); !r)
            return std::unexpected(r.error());
        if (auto r = checkRegion(args.at(1)); !r)
            return std::unexpected(r.error());
        const auto count = number(args.at(2), QStringLiteral("COUNT"), 1, 1000);
        if (!count)
            return std::unexpected(count.error());
        const int before = faults.indexDrift.value(args.at(1));
        if (auto r = indexActions(state, args.at(1), driftActions(before, before + *count, false)); !r)
            return std::unexpected(r.error());
        faults.indexDrift[args.at(1)] = before + *count;
        done = QStringLiteral("%1 documents added to region %2's index only").arg(*count).arg(args.at(1));
    } else if (name == u"cert-expiry") {
        if (auto r = needArgs(2, QStringLiteral("cert-expiry REGION DAYS")); !r)
            return std::unexpected(r.error());
        if (auto r = checkRegion(args.at(1)); !r)
            return std::unexpected(r.error());
        const auto days = number(args.at(2), QStringLiteral("DAYS"), -3650, 3650);
        if (!days)
            return std::unexpected(days.error());
        if (auto r = LabPki(state.dir).issueForDays(args.at(1), *days); !r)
            return std::unexpected(r.error());
        faults.certificateDays[args.at(1)] = *days;
        done = QStringLiteral("region %1's certificate now expires in %2 days (reloaded without a restart)").arg(args.at(1)).arg(*days);
    } else if (name == u"heal") {
        if (auto r = needArgs(0, QStringLiteral("heal")); !r)
            return std::unexpected(r.error());
        QStringList undone;
        for (auto it = faults.indexDrift.cbegin(); it != faults.indexDrift.cend(); ++it) {
            if (auto r = indexActions(state, it.key(), driftActions(0, it.value(), true)); !r)
                return std::unexpected(r.error());
            undone << QStringLiteral("removed %1 drift documents from %2").arg(it.value()).arg(it.key());
        }
        for (auto it = faults.certificateDays.cbegin(); it != faults.certificateDays.cend(); ++it) {
            if (auto r = LabPki(state.dir).issueForDays(it.key(), 90); !r)
                return std::unexpected(r.error());
            undone << QStringLiteral("reissued %1's certificate for 90 days").arg(it.key());
        }
        for (const QString &region : kRegions)
            signalStorage(state, region, SIGCONT);
        faults = Faults{};
        done = QStringLiteral("every fault is undone") + (undone.isEmpty() ? QString() : QStringLiteral(" (") + undone.join(QStringLiteral("; ")) + u')');
    } else {
        return dr::fail(QStringLiteral("unknown fault '%1'; see 'drlab fault --help'").arg(name));
    }
    if (auto r = faults.save(state.faultsPath()); !r)
        return std::unexpected(r.error());
    return done;
}

} // namespace drlab
