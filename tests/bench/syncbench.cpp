// The index sync benchmark, on a running lab (tests/bench/run-sync-bench starts one):
//   1. reference: the lab's raw ingest rate over HTTPS, the same path a sync writes through:
//      N knowledge-base documents uploaded to the source region in batches of B with C
//      batches in flight (request bodies built before the clock starts);
//   2. a full sync of the source to the target (the target holds only the lab's own 2,400);
//   3. 1% of the documents changed in the source (outside the clock), then a delta sync.
// The engine must reach >= 80% of the reference rate on the full copy, and the delta must take
// <= 5% of the full copy's time. One table, reference and engine side by side, same run.
//
//   drbench-sync --lab DIR [--documents N] [--batch B] [--concurrency C] [--json]

#include "indexsync/indexsync.h"
#include "profile/profileloader.h"
#include "search/knowledgebase.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QSslCertificate>
#include <QTimer>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>

using namespace dr;

namespace {

// CPU milliseconds (user + system) used so far by the bench (all threads) and by the lab's
// two region servers, so that each phase's cost shows apart from the waiting a shared machine
// adds to its wall time.
struct CpuClock
{
    QList<qint64> regionPids; // source, target

    static qint64 self()
    {
        rusage u{};
        getrusage(RUSAGE_SELF, &u);
        return qint64(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000;
    }
    static qint64 of(qint64 pid)
    {
        QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
        if (pid <= 0 || !f.open(QIODevice::ReadOnly))
            return -1;
        const QByteArray stat = f.readAll();
        // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
        const QList<QByteArray> rest = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
        if (rest.size() < 13)
            return -1;
        return (rest.at(11).toLongLong() + rest.at(12).toLongLong()) * 1000 / sysconf(_SC_CLK_TCK);
    }
    QString now() const
    {
        QStringList parts{QStringLiteral("engine %1").arg(self())};
        const QStringList names{QStringLiteral("source"), QStringLiteral("target")};
        for (int i = 0; i < regionPids.size(); ++i)
            parts << QStringLiteral("%1 %2").arg(names.value(i)).arg(of(regionPids.at(i)));
        return parts.join(QStringLiteral(", "));
    }
};

CpuClock g_cpu;

SearchEndpoint endpointOf(const Profile &profile, const QString &labDir, const QString &region)
{
    const Component *c = profile.region(region)->component(QStringLiteral("search-index"));
    SearchEndpoint e;
    e.serviceUrl = c->endpoint;
    e.indexName = c->search->indexName;
    e.apiVersion = c->search->apiVersion;
    QFile key(labDir + QStringLiteral("/secrets/search-%1-admin").arg(region));
    if (key.open(QIODevice::ReadOnly))
        e.apiKey = key.readAll().trimmed();
    for (const QString &path : profile.caCertificates)
        e.caCertificates += QSslCertificate::fromPath(path);
    e.timeoutMs = 120000;
    return e;
}

// Uploads the batches with `concurrency` in flight; the elapsed milliseconds, or the error.
Result<qint64> ingest(QNetworkAccessManager *network, const SearchEndpoint &endpoint, const QList<QJsonArray> &batches, int concurrency)
{
    SearchClient client(network, endpoint);
    QElapsedTimer clock;
    clock.start();
    qsizetype next = 0;
    int inFlight = 0;
    QString error;
    QEventLoop loop;
    std::function<void()> pump = [&] {
        while (error.isEmpty() && inFlight < concurrency && next < batches.size()) {
            ++inFlight;
            client.indexBatch(batches.at(next++), [&](Result<QList<IndexItemResult>> r) {
                --inFlight;
                if (!r && error.isEmpty())
                    error = r.error();
                else if (r) {
                    for (const IndexItemResult &item : *r) {
                        if (!item.succeeded && error.isEmpty())
                            error = QStringLiteral("%1: %2").arg(item.key, item.errorMessage);
                    }
                }
                if (inFlight == 0 && (next == batches.size() || !error.isEmpty()))
                    loop.quit();
                else
                    pump();
            });
        }
    };
    QTimer::singleShot(0, &loop, pump);
    loop.exec();
    if (!error.isEmpty())
        return fail(error);
    return clock.elapsed();
}

Result<IndexSyncReport> runSync(QNetworkAccessManager *network, const SearchEndpoint &source, const SearchEndpoint &target,
                                const IndexSyncSettings &settings, const IndexSyncOptions &options)
{
    IndexSync sync(network, source, target, settings, options);
    // Where the time goes: the moment each phase starts.
    QElapsedTimer clock;
    clock.start();
    QString phase;
    QObject::connect(&sync, &IndexSync::progress, &sync, [&](const IndexSyncProgress &p) {
        if (p.phase != phase) {
            phase = p.phase;
            std::fprintf(stderr, "  %s %s at %lld ms (CPU ms so far: %s)\n", options.full ? "full" : "delta", qPrintable(phase),
                         static_cast<long long>(clock.elapsed()), qPrintable(g_cpu.now()));
        }
    });
    std::optional<Result<IndexSyncReport>> result;
    QEventLoop loop;
    sync.start([&](Result<IndexSyncReport> r) {
        result = std::move(r);
        loop.quit();
    });
    loop.exec();
    std::fprintf(stderr, "  %s done at %lld ms (CPU ms so far: %s)\n", options.full ? "full" : "delta", static_cast<long long>(clock.elapsed()),
                 qPrintable(g_cpu.now()));
    return *result;
}

QList<QJsonArray> batchesOf(const QList<QJsonObject> &docs, int batchSize)
{
    QList<QJsonArray> out;
    for (qsizetype i = 0; i < docs.size(); i += batchSize) {
        QJsonArray batch;
        for (qsizetype j = i; j < std::min<qsizetype>(docs.size(), i + batchSize); ++j) {
            QJsonObject d = docs.at(j);
            d.insert(QStringLiteral("@search.action"), QStringLiteral("upload"));
            batch.append(d);
        }
        out.append(batch);
    }
    return out;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Index sync of N documents (full and 1% delta) against the lab's ingest rate."));
    parser.addHelpOption();
    const QCommandLineOption labOption(QStringLiteral("lab"), QStringLiteral("A running lab's folder (drlab up --dir)."), QStringLiteral("DIR"));
    const QCommandLineOption documentsOption(QStringLiteral("documents"), QStringLiteral("Documents."), QStringLiteral("N"), QStringLiteral("100000"));
    const QCommandLineOption batchOption(QStringLiteral("batch"), QStringLiteral("Batch size."), QStringLiteral("N"), QStringLiteral("1000"));
    const QCommandLineOption concurrencyOption(QStringLiteral("concurrency"), QStringLiteral("Batches in flight."), QStringLiteral("N"),
                                               QStringLiteral("4"));
    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Print one JSON document."));
    const QCommandLineOption deltasOption(QStringLiteral("deltas"), QStringLiteral("Delta syncs to run (each after a fresh 1%); the median counts."),
                                          QStringLiteral("N"), QStringLiteral("3"));
    parser.addOptions({labOption, documentsOption, batchOption, concurrencyOption, jsonOption, deltasOption});
    parser.process(app);
    const QString lab = parser.value(labOption);
    const int documents = parser.value(documentsOption).toInt();
    const int batchSize = parser.value(batchOption).toInt();
    const int concurrency = parser.value(concurrencyOption).toInt();
    const int deltaRounds = parser.value(deltasOption).toInt();
    if (lab.isEmpty() || documents < 100 || batchSize < 1 || batchSize > 1000 || concurrency < 1 || deltaRounds < 1 || deltaRounds > 99) {
        std::fprintf(stderr, "drbench-sync: --lab DIR is needed; --documents >= 100, --batch 1..1000, --concurrency >= 1, --deltas 1..99\n");
        return 2;
    }
    const auto profile = ProfileLoader::loadFile(lab + QStringLiteral("/profile.json"));
    if (!profile || !profile->indexSync) {
        std::fprintf(stderr, "drbench-sync: cannot load %s/profile.json with an indexSync section\n", qPrintable(lab));
        return 1;
    }
    const QString from = profile->primary()->id;
    const QString to = profile->secondary()->id;
    {
        QFile state(lab + QStringLiteral("/lab.json"));
        const QJsonObject processes = state.open(QIODevice::ReadOnly)
                                          ? QJsonDocument::fromJson(state.readAll()).object().value(QStringLiteral("processes")).toObject()
                                          : QJsonObject();
        for (const QString &region : {from, to})
            g_cpu.regionPids << processes.value(QStringLiteral("region-") + region).toObject().value(QStringLiteral("pid")).toInteger();
    }
    const SearchEndpoint source = endpointOf(*profile, lab, from);
    const SearchEndpoint target = endpointOf(*profile, lab, to);
    QNetworkAccessManager network;

    // 1. The reference.
    const QList<QJsonObject> docs = drlab::generateKnowledgeBase(documents);
    const QList<QJsonArray> bodies = batchesOf(docs, batchSize);
    const auto ingestMs = ingest(&network, source, bodies, concurrency);
    if (!ingestMs) {
        std::fprintf(stderr, "drbench-sync: ingest failed: %s\n", qPrintable(ingestMs.error()));
        return 1;
    }
    const double ingestRate = documents * 1000.0 / double(std::max<qint64>(1, *ingestMs));

    // 2. Full sync.
    IndexSyncOptions options;
    options.batchSize = batchSize;
    options.concurrency = concurrency;
    options.full = true;
    const auto full = runSync(&network, source, target, *profile->indexSync, options);
    if (!full || !full->verified) {
        std::fprintf(stderr, "drbench-sync: full sync failed: %s\n", qPrintable(full ? full->verification : full.error()));
        return 1;
    }
    const double fullRate = full->copied * 1000.0 / double(std::max<qint64>(1, full->elapsedMs));

    // 3. 1% changed, then a delta; `--deltas N` times (a fresh 1% each time), the median counts.
    options.full = false;
    QList<IndexSyncReport> deltas;
    QList<qint64> deltaTimes;
    // Each change gets its own millisecond, later than any before, as edits made one by one
    // would: the watermark then re-reads one document, not a whole round sharing its time.
    QDateTime stamp = QDateTime::currentDateTimeUtc();
    for (int round = 0; round < deltaRounds; ++round) {
        QList<QJsonObject> changed;
        stamp = std::max(stamp, QDateTime::currentDateTimeUtc());
        for (qsizetype i = round % 100; i < docs.size(); i += 100) {
            QJsonObject d = docs.at(i);
            d.insert(QStringLiteral("answer"),
                     QString(d.value(QStringLiteral("answer")).toString() + QStringLiteral(" (revised %1)").arg(round + 1)));
            stamp = stamp.addMSecs(1);
            d.insert(QStringLiteral("lastUpdated"), stamp.toString(Qt::ISODateWithMs));
            changed.append(d);
        }
        if (auto r = ingest(&network, source, batchesOf(changed, batchSize), concurrency); !r) {
            std::fprintf(stderr, "drbench-sync: changing 1%% failed: %s\n", qPrintable(r.error()));
            return 1;
        }
        const auto d = runSync(&network, source, target, *profile->indexSync, options);
        if (!d || !d->verified) {
            std::fprintf(stderr, "drbench-sync: delta sync failed: %s\n", qPrintable(d ? d->verification : d.error()));
            return 1;
        }
        deltas << *d;
        deltaTimes << d->elapsedMs;
    }
    QList<qint64> sorted = deltaTimes;
    std::sort(sorted.begin(), sorted.end());
    const qint64 medianMs = sorted.at(sorted.size() / 2);
    const IndexSyncReport *delta = &deltas.at(deltaTimes.indexOf(medianMs));
    QStringList allDeltas;
    for (const qint64 ms : std::as_const(deltaTimes))
        allDeltas << QString::number(ms);
    const double deltaShare = 100.0 * double(delta->elapsedMs) / double(std::max<qint64>(1, full->elapsedMs));
    const bool fullOk = fullRate >= 0.8 * ingestRate;
    const bool deltaOk = deltaShare <= 5.0;

    if (parser.isSet(jsonOption)) {
        const QJsonObject out{{QStringLiteral("documents"), documents},
                              {QStringLiteral("batch"), batchSize},
                              {QStringLiteral("concurrency"), concurrency},
                              {QStringLiteral("ingestMs"), *ingestMs},
                              {QStringLiteral("ingestDocumentsPerSecond"), ingestRate},
                              {QStringLiteral("full"), full->toJson()},
                              {QStringLiteral("fullDocumentsPerSecond"), fullRate},
                              {QStringLiteral("fullShareOfIngest"), fullRate / ingestRate},
                              {QStringLiteral("delta"), delta->toJson()},
                              {QStringLiteral("deltaMs"), QJsonArray::fromStringList(allDeltas)},
                              {QStringLiteral("deltaShareOfFull"), deltaShare / 100.0},
                              {QStringLiteral("pass"), fullOk && deltaOk}};
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    } else {
        std::printf("\nDR Console index sync benchmark  (%d documents, batches of %d, %d in flight, %s -> %s)\n\n", documents, batchSize,
                    concurrency, qPrintable(from), qPrintable(to));
        std::printf("%-34s %16s %16s %10s %6s\n", "measure", "reference", "index sync", "target", "met");
        std::printf("%-34s %16s %16s %10s %6s\n", "----------------------------------", "----------------", "----------------", "----------",
                    "------");
        std::printf("%-34s %12.0f /s %12.0f /s %9s %6s\n", "full copy rate (docs/s)", ingestRate, fullRate, ">= 80%", fullOk ? "yes" : "NO");
        std::printf("%-34s %13lld ms %13lld ms %10s\n", "full copy time", static_cast<long long>(*ingestMs),
                    static_cast<long long>(full->elapsedMs), "");
        std::printf("%-34s %13lld ms %13lld ms %9s %6s\n", "1% delta time, median (vs full)", static_cast<long long>(full->elapsedMs),
                    static_cast<long long>(delta->elapsedMs), "<= 5%", deltaOk ? "yes" : "NO");
        std::printf("\nfull: copied %lld, deleted %lld, %s\n", static_cast<long long>(full->copied), static_cast<long long>(full->deleted),
                    qPrintable(full->verification));
        std::printf("delta runs (ms): %s\n", qPrintable(allDeltas.join(QStringLiteral(", "))));
        std::printf("delta (median): copied %lld, deleted %lld, %.1f%% of the full copy, %s\n", static_cast<long long>(delta->copied),
                    static_cast<long long>(delta->deleted), deltaShare, qPrintable(delta->verification));
        std::printf("reference: the lab's raw ingest over HTTPS into %s, same batch size and concurrency\n", qPrintable(from));
    }
    return fullOk && deltaOk ? 0 : 3;
}
