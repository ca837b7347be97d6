// The lab's raw ingest rate: knowledge-base documents indexed in batches through
// SearchApi::handle, the path a client's request takes minus the sockets (body parsing,
// validation, one SQLite transaction per batch, FTS5 indexing). Request bodies are built
// before the clock starts, as a client would have them ready; the rate is the reference the
// index-sync engine is measured against.
//
//   bench_ingest [--documents N] [--batch N] [--db FILE] [--json]

#include "search/knowledgebase.h"
#include "search/searchapi.h"
#include "search/searchstore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <cstdio>

using namespace drlab;

namespace {

QString cpuModel()
{
    QFile f(QStringLiteral("/proc/cpuinfo"));
    if (!f.open(QIODevice::ReadOnly))
        return QStringLiteral("unknown CPU");
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("model name"))
            return QString::fromUtf8(line.mid(line.indexOf(':') + 1).trimmed());
    }
    return QStringLiteral("unknown CPU");
}

QString sqliteVersion()
{
    QString version;
    {
        QSqlDatabase db
            = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("bench-version"));
        db.setDatabaseName(QStringLiteral(":memory:"));
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("SELECT sqlite_version()")) && q.next())
                version = q.value(0).toString();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("bench-version"));
    return version;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Ingest rate of the lab's search service through SearchApi::handle."));
    parser.addHelpOption();
    const QCommandLineOption documentsOption(QStringLiteral("documents"),
        QStringLiteral("Documents to index."), QStringLiteral("N"), QStringLiteral("100000"));
    const QCommandLineOption batchOption(QStringLiteral("batch"),
        QStringLiteral("Documents per request (at most 1000)."), QStringLiteral("N"),
        QStringLiteral("1000"));
    const QCommandLineOption dbOption(QStringLiteral("db"),
        QStringLiteral("SQLite file (default: a temporary one)."), QStringLiteral("FILE"));
    const QCommandLineOption jsonOption(
        QStringLiteral("json"), QStringLiteral("Print one JSON document."));
    parser.addOptions({ documentsOption, batchOption, dbOption, jsonOption });
    parser.process(app);

    const int documents = parser.value(documentsOption).toInt();
    const int batchSize = parser.value(batchOption).toInt();
    if (documents <= 0 || batchSize <= 0 || batchSize > SearchApi::MaxBatchActions) {
        std::fprintf(
            stderr, "bench_ingest: --documents must be positive and --batch between 1 and 1000\n");
        return 2;
    }
    QTemporaryDir dir;
    const QString dbPath = parser.isSet(dbOption) ? parser.value(dbOption)
                                                  : dir.filePath(QStringLiteral("bench.db"));
    QFile::remove(dbPath);
    QFile::remove(dbPath + QStringLiteral("-wal"));
    QFile::remove(dbPath + QStringLiteral("-shm"));

    SearchStore store(dbPath);
    if (!store.isOpen()) {
        std::fprintf(stderr, "bench_ingest: %s\n", qPrintable(store.errorString()));
        return 1;
    }
    const QByteArray adminKey = QByteArrayLiteral("bench-admin-key");
    const SearchApi api(&store, adminKey, QByteArray());
    const QHash<QByteArray, QByteArray> headers { { QByteArrayLiteral("api-key"), adminKey },
        { QByteArrayLiteral("content-type"), QByteArrayLiteral("application/json") } };
    const QUrl base(QStringLiteral("https://127.0.0.1:8443"));

    const HttpResponse created
        = api.handle("PUT", QUrl(QStringLiteral("/indexes/kb?api-version=2024-07-01")), headers,
            QJsonDocument(knowledgeBaseIndexDefinition()).toJson(QJsonDocument::Compact), base);
    if (created.status != 201) {
        std::fprintf(
            stderr, "bench_ingest: creating the index failed: %s\n", created.body.constData());
        return 1;
    }

    const QList<QJsonObject> docs = generateKnowledgeBase(documents);
    QList<QByteArray> bodies;
    qint64 bodyBytes = 0;
    for (int i = 0; i < documents; i += batchSize) {
        QJsonArray value;
        for (int j = i; j < std::min(documents, i + batchSize); ++j) {
            QJsonObject action = docs.at(j);
            action.insert(QStringLiteral("@search.action"), QStringLiteral("upload"));
            value.append(action);
        }
        bodies << QJsonDocument(QJsonObject { { QStringLiteral("value"), value } })
                      .toJson(QJsonDocument::Compact);
        bodyBytes += bodies.constLast().size();
    }

    const QUrl indexUrl(QStringLiteral("/indexes/kb/docs/index?api-version=2024-07-01"));
    QList<double> batchMs;
    QElapsedTimer total;
    total.start();
    for (const QByteArray &body : std::as_const(bodies)) {
        QElapsedTimer t;
        t.start();
        const HttpResponse r = api.handle("POST", indexUrl, headers, body, base);
        batchMs << double(t.nsecsElapsed()) / 1e6;
        if (r.status != 200) {
            std::fprintf(stderr, "bench_ingest: batch failed with %d: %s\n", r.status,
                r.body.left(300).constData());
            return 1;
        }
    }
    const double seconds = double(total.nsecsElapsed()) / 1e9;
    const qint64 indexed = store.count(QStringLiteral("kb")).value_or(-1);
    std::sort(batchMs.begin(), batchMs.end());
    const double p50 = batchMs.at(batchMs.size() / 2);
    const double p99
        = batchMs.at(std::min<qsizetype>(batchMs.size() - 1, qsizetype(batchMs.size() * 0.99)));
    const double rate = documents / seconds;
    const qint64 storage
        = store.statistics(QStringLiteral("kb")).value_or(IndexStatistics {}).storageSize;
    const QString machine
        = QStringLiteral("%1, %2 logical CPUs, %3, Qt %4, SQLite %5")
              .arg(cpuModel())
              .arg(QThread::idealThreadCount())
              .arg(QSysInfo::prettyProductName(), QString::fromLatin1(qVersion()), sqliteVersion());

    if (parser.isSet(jsonOption)) {
        const QJsonObject out { { QStringLiteral("documents"), documents },
            { QStringLiteral("batchSize"), batchSize },
            { QStringLiteral("batches"), int(bodies.size()) },
            { QStringLiteral("seconds"), seconds }, { QStringLiteral("documentsPerSecond"), rate },
            { QStringLiteral("batchMsP50"), p50 }, { QStringLiteral("batchMsP99"), p99 },
            { QStringLiteral("requestBytes"), bodyBytes },
            { QStringLiteral("indexedDocuments"), indexed },
            { QStringLiteral("storageSize"), storage }, { QStringLiteral("machine"), machine } };
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    } else {
        std::printf("machine:   %s\n", qPrintable(machine));
        std::printf("ingested:  %d documents in %lld batches of %d (%.1f MB of request bodies)\n",
            documents, qlonglong(bodies.size()), batchSize, double(bodyBytes) / 1e6);
        std::printf("time:      %.2f s\n", seconds);
        std::printf("rate:      %.0f documents/s\n", rate);
        std::printf("per batch: p50 %.1f ms, p99 %.1f ms\n", p50, p99);
        std::printf("index:     %lld documents, %.1f MB on disk\n", qlonglong(indexed),
            double(storage) / 1e6);
    }
    return indexed == documents ? 0 : 1;
}
