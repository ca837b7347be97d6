// The index sync engine on the real lab: drlab up in a temporary folder, the two regions'
// search services made to differ (drlab fault index-drift, direct index batches: documents
// added, changed and deleted on either side), then IndexSync (and `drctl sync-index`) must
// make them equal: counts, sampled checksums, and `drctl status` reporting no index lag.
// The pure parts (filters, checksums, key diff) are checked first, without the lab.

#include "indexsync/indexsync.h"
#include "profile/profileloader.h"
#include "secrets/secretstore.h"

#include "asyncwait.h"
#include "toolrun.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using dr::test::awaitResult;
using dr::test::runTool;

namespace {

const QString kWest = QStringLiteral("west");
const QString kNorth = QStringLiteral("north");

QJsonObject doc(const QString &id, const QString &answer, const QString &lastUpdated)
{
    return QJsonObject{{QStringLiteral("id"), id},
                       {QStringLiteral("question"), QStringLiteral("Test question %1").arg(id)},
                       {QStringLiteral("answer"), answer},
                       {QStringLiteral("category"), QStringLiteral("test")},
                       {QStringLiteral("lastUpdated"), lastUpdated}};
}

QJsonObject action(const QString &name, QJsonObject document)
{
    document.insert(QStringLiteral("@search.action"), name);
    return document;
}

QString nowText()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

} // namespace

class tst_IndexSync : public QObject
{
    Q_OBJECT

private slots:
    void pageFilter_data();
    void pageFilter();
    void keysFilterEscapesQuotes();
    void checksumIsCanonical();
    void retryable();
    void missingFrom();
    void rangeFilter();
    void parseKeyPage();
    void parseKeyPageRefusesBadText_data();
    void parseKeyPageRefusesBadText();

    void initTestCase();
    void cleanupTestCase();
    void clientPagesAndBatches();
    void deltaSyncCopiesChangesAndDeletes();
    void deltaCopiesDocumentsTheTargetLacks();
    void deltaInKeyRanges();
    void deltaPastATargetOnlyWatermark();
    void fullSync();
    void cancelStopsAfterInFlightBatches();
    void targetWithoutAdminKey();
    void deadTarget();
    void endpointsForRefusesBadRegions();
    void drctlSyncIndexJson();

private:
    SearchEndpoint endpoint(const QString &region, bool admin) const;
    QList<IndexItemResult> batch(const QString &region, const QJsonArray &actions);
    qint64 count(const QString &region);
    QJsonObject fetch(const QString &region, const QString &key);
    Result<IndexSyncReport> sync(const SearchEndpoint &source, const SearchEndpoint &target, IndexSyncOptions options,
                                 IndexSync **keep = nullptr, int timeoutMs = 90000);
    QJsonObject status();

    QTemporaryDir m_dir;
    QString m_profilePath;
    std::optional<Profile> m_profile;
    QNetworkAccessManager m_network;
    QHash<QString, QByteArray> m_keys; // "west-admin", "north-query", ...
};

// ---- pure parts ----

void tst_IndexSync::pageFilter_data()
{
    QTest::addColumn<QString>("base");
    QTest::addColumn<QString>("lastKey");
    QTest::addColumn<QString>("expected");
    QTest::newRow("first page, no filter") << QString() << QString() << QString();
    QTest::newRow("first page, watermark") << QStringLiteral("lastUpdated ge 2024-01-01T00:00:00.000Z") << QString()
                                           << QStringLiteral("lastUpdated ge 2024-01-01T00:00:00.000Z");
    QTest::newRow("next page") << QString() << QStringLiteral("faq-01000") << QStringLiteral("id gt 'faq-01000'");
    QTest::newRow("next page, watermark") << QStringLiteral("lastUpdated ge 2024-01-01T00:00:00.000Z") << QStringLiteral("k")
                                          << QStringLiteral("(lastUpdated ge 2024-01-01T00:00:00.000Z) and id gt 'k'");
    QTest::newRow("quote in key") << QString() << QStringLiteral("o'brien") << QStringLiteral("id gt 'o''brien'");
}

void tst_IndexSync::pageFilter()
{
    QFETCH(QString, base);
    QFETCH(QString, lastKey);
    QFETCH(QString, expected);
    QCOMPARE(IndexSync::pageFilter(QStringLiteral("id"), base, lastKey), expected);
}

void tst_IndexSync::keysFilterEscapesQuotes()
{
    QCOMPARE(IndexSync::keysFilter(QStringLiteral("id"), {QStringLiteral("a"), QStringLiteral("b'c")}),
             QStringLiteral("search.in(id, 'a,b''c', ',')"));
    QCOMPARE(SearchClient::odataString(QStringLiteral("''")), QStringLiteral("''''''"));
}

void tst_IndexSync::checksumIsCanonical()
{
    const QJsonObject a{{QStringLiteral("id"), QStringLiteral("1")}, {QStringLiteral("answer"), QStringLiteral("x")}};
    QJsonObject b;
    b.insert(QStringLiteral("answer"), QStringLiteral("x"));
    b.insert(QStringLiteral("@search.score"), 1.0);
    b.insert(QStringLiteral("id"), QStringLiteral("1"));
    QCOMPARE(IndexSync::checksum(a), IndexSync::checksum(b));
    QCOMPARE(IndexSync::checksum(a).size(), 64);
    QJsonObject c = a;
    c.insert(QStringLiteral("answer"), QStringLiteral("y"));
    QVERIFY(IndexSync::checksum(a) != IndexSync::checksum(c));
}

void tst_IndexSync::retryable()
{
    for (int code : {409, 422, 429, 500, 503})
        QVERIFY2(IndexSync::retryable(code), qPrintable(QString::number(code)));
    for (int code : {200, 201, 400, 403, 404, 413})
        QVERIFY2(!IndexSync::retryable(code), qPrintable(QString::number(code)));
}

void tst_IndexSync::missingFrom()
{
    const auto keys = [](const QStringList &list) {
        IndexKeys k;
        for (const QString &s : list)
            k.append(s);
        k.seal();
        return k;
    };
    // Out of order and repeated, as two ranges of a service with its own order could give.
    const IndexKeys a = keys({QStringLiteral("c"), QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("a")});
    const IndexKeys b = keys({QStringLiteral("d"), QStringLiteral("b")});
    QCOMPARE(a.size(), 3);
    QCOMPARE(a.key(0), QStringLiteral("a"));
    QCOMPARE(a.key(2), QStringLiteral("c"));
    QCOMPARE(IndexKeys::missingFrom(a, b), (QList<QString>{QStringLiteral("a"), QStringLiteral("c")}));
    QCOMPARE(IndexKeys::missingFrom(b, a), (QList<QString>{QStringLiteral("d")}));
    QVERIFY(IndexKeys::missingFrom(a, a).isEmpty());
    QVERIFY(IndexKeys::missingFrom(a, IndexKeys()).size() == 3);
    QVERIFY(IndexKeys::missingFrom(IndexKeys(), a).isEmpty());
    QVERIFY(a.contains("b"));
    QVERIFY(!a.contains("bb"));
    QVERIFY(!b.contains("a"));

    // Non-ASCII keys, and key pages appended whole, range after range.
    const auto page = SearchClient::parseKeyPage(QByteArray(R"({"value":[{"id":"é"},{"id":"z"}]})"), QStringLiteral("id"));
    QVERIFY(page);
    IndexKeys first;
    first.append(*page);
    IndexKeys ranges = keys({QStringLiteral("m")});
    ranges.append(std::move(first));
    QVERIFY(first.isEmpty());
    ranges.seal();
    QCOMPARE(ranges.size(), 3);
    QCOMPARE(ranges.key(0), QStringLiteral("m"));
    QCOMPARE(ranges.key(1), QStringLiteral("z"));
    QCOMPARE(ranges.key(2), QString::fromUtf8("\u00e9"));
    QCOMPARE(IndexKeys::missingFrom(ranges, a), (QList<QString>{QStringLiteral("m"), QStringLiteral("z"), QString::fromUtf8("\u00e9")}));
}

void tst_IndexSync::rangeFilter()
{
    const QString id = QStringLiteral("id");
    QCOMPARE(IndexSync::rangeFilter(id, {}, 0), QString());
    const QStringList bounds{QStringLiteral("b"), QStringLiteral("o'k")};
    QCOMPARE(IndexSync::rangeFilter(id, bounds, 0), QStringLiteral("id lt 'b'"));
    QCOMPARE(IndexSync::rangeFilter(id, bounds, 1), QStringLiteral("id ge 'b' and id lt 'o''k'"));
    QCOMPARE(IndexSync::rangeFilter(id, bounds, 2), QStringLiteral("id ge 'o''k'"));
    // Past the first page, the last key is the lower bound: one bound per side to seek.
    QCOMPARE(IndexSync::rangeFilter(id, bounds, 0, QStringLiteral("a1")), QStringLiteral("id gt 'a1' and id lt 'b'"));
    QCOMPARE(IndexSync::rangeFilter(id, bounds, 1, QStringLiteral("d")), QStringLiteral("id gt 'd' and id lt 'o''k'"));
    QCOMPARE(IndexSync::rangeFilter(id, bounds, 2, QStringLiteral("z'")), QStringLiteral("id gt 'z'''"));
    QCOMPARE(IndexSync::rangeFilter(id, {}, 0, QStringLiteral("k")), QStringLiteral("id gt 'k'"));
    QCOMPARE(IndexSync::rangeFilter(id, bounds, 1, QString()), QStringLiteral("id ge 'b' and id lt 'o''k'"));
}

void tst_IndexSync::parseKeyPage()
{
    // Other fields and annotations of any shape are skipped; escapes are resolved.
    const QByteArray text = R"({"@odata.count": 3, "@search.facets": {"c": [{"count": 1, "value": null}]},
        "value": [ {"@search.score": 1.0, "id": "a-1", "tags": ["x", {"y": [true, false, -1.5e3]}]},
                   {"id": "b\"q\u00e9\ud83d\ude00", "@search.score": 0.25},
                   {"n": null, "id": "c=3"} ],
        "@search.nextPageParameters": {"skip": 3}})";
    const auto page = SearchClient::parseKeyPage(text, QStringLiteral("id"));
    QVERIFY2(page, qPrintable(page ? QString() : page.error()));
    QCOMPARE(page->keys(), (QStringList{QStringLiteral("a-1"), QString::fromUtf8("b\"q\u00e9\U0001F600"), QStringLiteral("c=3")}));
    QCOMPARE(page->size(), 3);
    QCOMPARE(page->at(2), QByteArrayView("c=3"));
    QVERIFY(page->more);

    const auto last = SearchClient::parseKeyPage(R"({"value":[]})", QStringLiteral("id"));
    QVERIFY(last);
    QVERIFY(last->isEmpty());
    QVERIFY(!last->more);

    // The same answer read both ways, as the lab writes it.
    QByteArray answer = "{\"value\":[";
    QStringList expected;
    for (int i = 0; i < 1000; ++i) {
        expected << QStringLiteral("kb-%1").arg(i, 6, 10, QLatin1Char('0'));
        answer += (i ? "," : "") + QJsonDocument(QJsonObject{{QStringLiteral("@search.score"), 1.0}, {QStringLiteral("id"), expected.last()}})
                                        .toJson(QJsonDocument::Compact);
    }
    answer += "]}";
    const auto big = SearchClient::parseKeyPage(answer, QStringLiteral("id"));
    QVERIFY(big);
    QCOMPARE(big->keys(), expected);
}

void tst_IndexSync::parseKeyPageRefusesBadText_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("not json") << QByteArray("<html>busy</html>");
    QTest::newRow("no value") << QByteArray(R"({"error":{"code":"x"}})");
    QTest::newRow("value not an array") << QByteArray(R"({"value":{}})");
    QTest::newRow("truncated") << QByteArray(R"({"value":[{"id":"a"},{"id":"b)");
    QTest::newRow("trailing text") << QByteArray(R"({"value":[]} x)");
    QTest::newRow("no key") << QByteArray(R"({"value":[{"id":"a"},{"other":"b"}]})");
    QTest::newRow("key not a string") << QByteArray(R"({"value":[{"id":7}]})");
    QTest::newRow("bad escape") << QByteArray(R"({"value":[{"id":"a\x"}]})");
    QTest::newRow("lone surrogate") << QByteArray(R"({"value":[{"id":"\udc00"}]})");
    QTest::newRow("control character") << QByteArray("{\"value\":[{\"id\":\"a\nb\"}]}");
    QTest::newRow("too deep") << (QByteArray(R"({"value":[{"id":"a","x":)") + QByteArray(100, '[') + QByteArray(100, ']') + "}]}");
}

void tst_IndexSync::parseKeyPageRefusesBadText()
{
    QFETCH(QByteArray, text);
    const auto page = SearchClient::parseKeyPage(text, QStringLiteral("id"));
    QVERIFY(!page);
    QVERIFY(!page.error().isEmpty());
}

// ---- on the lab ----

void tst_IndexSync::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const auto up = runTool(QStringLiteral(DRLAB_PATH), {QStringLiteral("up"), QStringLiteral("--dir"), m_dir.path(), QStringLiteral("--json")});
    QVERIFY2(up.exitCode == 0, up.err.constData());
    m_profilePath = QJsonDocument::fromJson(up.out).object().value(QStringLiteral("profile")).toString();
    auto loaded = ProfileLoader::loadFile(m_profilePath);
    QVERIFY(loaded.has_value());
    m_profile = *loaded;
    for (const QString &region : {kWest, kNorth}) {
        for (const QString &kind : {QStringLiteral("admin"), QStringLiteral("query")}) {
            QFile f(m_dir.filePath(QStringLiteral("secrets/search-%1-%2").arg(region, kind)));
            QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
            m_keys.insert(region + u'-' + kind, f.readAll().trimmed());
        }
    }
}

void tst_IndexSync::cleanupTestCase()
{
    runTool(QStringLiteral(DRLAB_PATH), {QStringLiteral("down"), QStringLiteral("--dir"), m_dir.path()});
}

SearchEndpoint tst_IndexSync::endpoint(const QString &region, bool admin) const
{
    const Component *c = m_profile->region(region)->component(QStringLiteral("search-index"));
    SearchEndpoint e;
    e.serviceUrl = c->endpoint;
    e.indexName = c->search->indexName;
    e.apiVersion = c->search->apiVersion;
    e.apiKey = m_keys.value(region + (admin ? QStringLiteral("-admin") : QStringLiteral("-query")));
    for (const QString &path : m_profile->caCertificates)
        e.caCertificates += QSslCertificate::fromPath(path);
    e.timeoutMs = 30000;
    return e;
}

QList<IndexItemResult> tst_IndexSync::batch(const QString &region, const QJsonArray &actions)
{
    SearchClient client(&m_network, endpoint(region, true));
    const auto r = awaitResult<QList<IndexItemResult>>([&](auto done) { client.indexBatch(actions, done); }, 30000);
    if (!r || !*r) {
        qWarning("index batch on %s failed: %s", qPrintable(region), r ? qPrintable(r->error()) : "no answer");
        return {};
    }
    return **r;
}

qint64 count(SearchClient &client)
{
    const auto r = awaitResult<qint64>([&](auto done) { client.count(done); }, 30000);
    return r && *r ? **r : -1;
}

qint64 tst_IndexSync::count(const QString &region)
{
    SearchClient client(&m_network, endpoint(region, false));
    return ::count(client);
}

QJsonObject tst_IndexSync::fetch(const QString &region, const QString &key)
{
    SearchClient client(&m_network, endpoint(region, false));
    SearchQuery q;
    q.filter = IndexSync::keysFilter(QStringLiteral("id"), {key});
    const auto r = awaitResult<SearchPage>([&](auto done) { client.page(q, done); }, 30000);
    if (!r || !*r || (*r)->documents.isEmpty())
        return {};
    QJsonObject d = (*r)->documents.first();
    d.remove(QStringLiteral("@search.score"));
    return d;
}

Result<IndexSyncReport> tst_IndexSync::sync(const SearchEndpoint &source, const SearchEndpoint &target, IndexSyncOptions options,
                                            IndexSync **keep, int timeoutMs)
{
    IndexSync s(&m_network, source, target, *m_profile->indexSync, options);
    if (keep)
        *keep = &s;
    QSignalSpy progress(&s, &IndexSync::progress);
    const auto r = awaitResult<IndexSyncReport>([&](auto done) { s.start(done); }, timeoutMs);
    if (keep)
        *keep = nullptr;
    if (!r)
        return fail(QStringLiteral("no answer within %1 ms").arg(timeoutMs));
    if (*r && progress.isEmpty())
        return fail(QStringLiteral("no progress was reported"));
    return *r;
}

QJsonObject tst_IndexSync::status()
{
    const auto run = runTool(QStringLiteral(DRCTL_PATH), {QStringLiteral("status"), QStringLiteral("--profile"), m_profilePath, QStringLiteral("--json")}, 60000);
    return QJsonDocument::fromJson(run.out).object();
}

void tst_IndexSync::clientPagesAndBatches()
{
    SearchClient reader(&m_network, endpoint(kWest, false));
    SearchQuery q;
    q.filter = QStringLiteral("id gt 'faq-00010'");
    q.orderBy = QStringLiteral("id asc");
    q.select = {QStringLiteral("id")};
    q.top = 5;
    q.count = true;
    const auto page = awaitResult<SearchPage>([&](auto done) { reader.page(q, done); });
    QVERIFY(page && *page);
    QCOMPARE((*page)->documents.size(), 5);
    QCOMPARE((*page)->documents.first().value(QStringLiteral("id")).toString(), QStringLiteral("faq-00011"));
    QVERIFY(!(*page)->documents.first().contains(QStringLiteral("answer")));
    QVERIFY((*page)->count.has_value());
    QCOMPARE(*(*page)->count, count(kWest) - 10);
    // The keys alone, read from the same answer without building documents.
    const auto keys = awaitResult<KeyPage>([&](auto done) { reader.keyPage(q, QStringLiteral("id"), done); });
    QVERIFY(keys && *keys);
    QStringList pageKeys;
    for (const QJsonObject &d : (*page)->documents)
        pageKeys << d.value(QStringLiteral("id")).toString();
    QCOMPARE((*keys)->keys(), pageKeys);
    QCOMPARE((*keys)->more, (*page)->more);

    // A query key may not write: the service's own words come back.
    const auto denied = awaitResult<QList<IndexItemResult>>(
        [&](auto done) { reader.indexBatch({action(QStringLiteral("upload"), doc(QStringLiteral("t-1"), QStringLiteral("a"), nowText()))}, done); });
    QVERIFY(denied && !*denied);
    QVERIFY2(denied->error().contains(QStringLiteral("403")), qPrintable(denied->error()));

    // 200: every item succeeded; 207: one refused, per item.
    const QList<IndexItemResult> ok = batch(kWest, {action(QStringLiteral("upload"), doc(QStringLiteral("t-1"), QStringLiteral("a"), nowText()))});
    QCOMPARE(ok.size(), 1);
    QVERIFY(ok.first().succeeded);
    QCOMPARE(ok.first().key, QStringLiteral("t-1"));
    const QList<IndexItemResult> mixed = batch(kWest, {action(QStringLiteral("delete"), QJsonObject{{QStringLiteral("id"), QStringLiteral("t-1")}}),
                                                       action(QStringLiteral("merge"), doc(QStringLiteral("no-such-doc"), QStringLiteral("a"), nowText()))});
    QCOMPARE(mixed.size(), 2);
    QVERIFY(mixed.at(0).succeeded);
    QVERIFY(!mixed.at(1).succeeded);
    QCOMPARE(mixed.at(1).statusCode, 404);
    QVERIFY(!mixed.at(1).errorMessage.isEmpty());
}

void tst_IndexSync::deltaSyncCopiesChangesAndDeletes()
{
    QCOMPARE(count(kWest), count(kNorth));
    // Source: 30 new documents (drift), 5 changed, 3 deleted. Target: 4 of its own.
    const auto drift = runTool(QStringLiteral(DRLAB_PATH), {QStringLiteral("fault"), QStringLiteral("--dir"), m_dir.path(),
                                                            QStringLiteral("index-drift"), kWest, QStringLiteral("30")});
    QVERIFY2(drift.exitCode == 0, drift.err.constData());
    QJsonArray sourceChanges;
    for (int i = 1; i <= 5; ++i)
        sourceChanges.append(action(QStringLiteral("upload"), doc(QStringLiteral("faq-%1").arg(100 + i, 5, 10, QLatin1Char('0')),
                                                                   QStringLiteral("Changed answer %1").arg(i), nowText())));
    for (int i = 1; i <= 3; ++i)
        sourceChanges.append(action(QStringLiteral("delete"), QJsonObject{{QStringLiteral("id"), QStringLiteral("faq-%1").arg(200 + i, 5, 10, QLatin1Char('0'))}}));
    QCOMPARE(batch(kWest, sourceChanges).size(), 8);
    QJsonArray targetOnly;
    for (int i = 0; i < 4; ++i)
        targetOnly.append(action(QStringLiteral("upload"), doc(QStringLiteral("only-north-%1").arg(i), QStringLiteral("x"), nowText())));
    QCOMPARE(batch(kNorth, targetOnly).size(), 4);
    QVERIFY(fetch(kWest, QStringLiteral("faq-00101")) != fetch(kNorth, QStringLiteral("faq-00101")));

    const auto r = sync(endpoint(kWest, false), endpoint(kNorth, true), {});
    QVERIFY2(r, r ? "" : qPrintable(r.error()));
    QVERIFY2(r->verified, qPrintable(r->verification));
    QVERIFY(!r->full);
    QVERIFY(r->watermark.isValid());
    QCOMPARE(r->deleted, 3 + 4);
    QVERIFY2(r->copied >= 35, qPrintable(QString::number(r->copied)));
    QVERIFY2(r->copied < 200, "a delta copies the changes, not the index");
    QCOMPARE(r->sourceCount, count(kWest));
    QCOMPARE(r->targetCount, r->sourceCount);
    QVERIFY(r->sampled > 0);
    QCOMPARE(fetch(kNorth, QStringLiteral("faq-00101")), fetch(kWest, QStringLiteral("faq-00101")));
    QCOMPARE(fetch(kNorth, QStringLiteral("drift-29")), fetch(kWest, QStringLiteral("drift-29")));
    QVERIFY(fetch(kNorth, QStringLiteral("faq-00201")).isEmpty());
    QVERIFY(fetch(kNorth, QStringLiteral("only-north-0")).isEmpty());
    const QJsonObject json = r->toJson();
    QCOMPARE(json.value(QStringLiteral("deleted")).toInteger(), 7);
    QCOMPARE(json.value(QStringLiteral("verified")).toBool(), true);

    // The console sees no lag any more.
    const QJsonObject st = status();
    QCOMPARE(st.value(QStringLiteral("indexSync")).toObject().value(QStringLiteral("lagDocuments")).toInt(-1), 0);

    // Nothing left to do: a second delta deletes nothing and stays verified.
    const auto again = sync(endpoint(kWest, false), endpoint(kNorth, true), {});
    QVERIFY2(again, again ? "" : qPrintable(again.error()));
    QVERIFY(again->verified);
    QCOMPARE(again->deleted, 0);
}

void tst_IndexSync::deltaCopiesDocumentsTheTargetLacks()
{
    // Documents deleted from the target with an old watermark: the watermark alone would
    // miss them; the key diff finds them.
    QJsonArray deletes;
    for (int i = 1; i <= 12; ++i)
        deletes.append(action(QStringLiteral("delete"), QJsonObject{{QStringLiteral("id"), QStringLiteral("faq-%1").arg(300 + i, 5, 10, QLatin1Char('0'))}}));
    QCOMPARE(batch(kNorth, deletes).size(), 12);
    QCOMPARE(count(kNorth), count(kWest) - 12);
    const auto r = sync(endpoint(kWest, false), endpoint(kNorth, true), {});
    QVERIFY2(r, r ? "" : qPrintable(r.error()));
    QVERIFY2(r->verified, qPrintable(r->verification));
    QVERIFY(r->copied >= 12);
    QCOMPARE(fetch(kNorth, QStringLiteral("faq-00312")), fetch(kWest, QStringLiteral("faq-00312")));
}

void tst_IndexSync::deltaPastATargetOnlyWatermark()
{
    // The target's newest document is one only the target has, dated far ahead: the copy
    // starts from its date while the keys are read, so the source's changes (older) are
    // passed over until the key diff deletes it. Then the gap below it is copied too.
    QCOMPARE(count(kWest), count(kNorth));
    QJsonArray changes;
    for (int i = 1; i <= 3; ++i)
        changes.append(action(QStringLiteral("upload"), doc(QStringLiteral("faq-%1").arg(400 + i, 5, 10, QLatin1Char('0')),
                                                             QStringLiteral("Changed before the future %1").arg(i), nowText())));
    QCOMPARE(batch(kWest, changes).size(), 3);
    QCOMPARE(batch(kNorth, QJsonArray{action(QStringLiteral("upload"), doc(QStringLiteral("future-north"), QStringLiteral("x"),
                                                                           QStringLiteral("2099-01-01T00:00:00.000Z")))})
                 .size(),
             1);
    QVERIFY(fetch(kNorth, QStringLiteral("faq-00401")) != fetch(kWest, QStringLiteral("faq-00401")));

    const auto r = sync(endpoint(kWest, false), endpoint(kNorth, true), {});
    QVERIFY2(r, r ? "" : qPrintable(r.error()));
    QVERIFY2(r->verified, qPrintable(r->verification));
    QCOMPARE(r->deleted, 1);
    QVERIFY(fetch(kNorth, QStringLiteral("future-north")).isEmpty());
    for (int i = 1; i <= 3; ++i) {
        const QString key = QStringLiteral("faq-%1").arg(400 + i, 5, 10, QLatin1Char('0'));
        QCOMPARE(fetch(kNorth, key), fetch(kWest, key));
    }
    // The watermark reported is the one the changes were copied from, not the deleted one's.
    QVERIFY(r->watermark.isValid());
    QVERIFY2(r->watermark.date().year() < 2099, qPrintable(r->watermark.toString(Qt::ISODate)));
    QVERIFY2(r->copied < 200, "the gap below the deleted watermark, not the index");
}

void tst_IndexSync::deltaInKeyRanges()
{
    // Small key ranges: each index is read in 4 ranges at once. Differences in the first,
    // the middle and the last range, and keys before and after every source key.
    QJsonArray targetChanges;
    for (const int i : {3, 700, 1300, 2399})
        targetChanges.append(action(QStringLiteral("delete"), QJsonObject{{QStringLiteral("id"), QStringLiteral("faq-%1").arg(i, 5, 10, QLatin1Char('0'))}}));
    for (const QString &key : {QStringLiteral("a-north"), QStringLiteral("faq-01234-north"), QStringLiteral("zz-north")})
        targetChanges.append(action(QStringLiteral("upload"), doc(key, QStringLiteral("x"), QStringLiteral("2001-01-01T00:00:00Z"))));
    QCOMPARE(batch(kNorth, targetChanges).size(), 7);
    IndexSyncOptions options;
    options.keysPerRange = 300;
    const auto r = sync(endpoint(kWest, false), endpoint(kNorth, true), options);
    QVERIFY2(r, r ? "" : qPrintable(r.error()));
    QVERIFY2(r->verified, qPrintable(r->verification));
    QCOMPARE(r->deleted, 3);
    QVERIFY2(r->copied >= 4, qPrintable(QString::number(r->copied)));
    QCOMPARE(count(kNorth), count(kWest));
    for (const int i : {3, 700, 1300, 2399}) {
        const QString key = QStringLiteral("faq-%1").arg(i, 5, 10, QLatin1Char('0'));
        QVERIFY2(!fetch(kNorth, key).isEmpty(), qPrintable(key));
        QCOMPARE(fetch(kNorth, key), fetch(kWest, key));
    }
    for (const QString &key : {QStringLiteral("a-north"), QStringLiteral("faq-01234-north"), QStringLiteral("zz-north")})
        QVERIFY2(fetch(kNorth, key).isEmpty(), qPrintable(key));
}

void tst_IndexSync::fullSync()
{
    QJsonArray changes;
    for (int i = 1; i <= 20; ++i)
        changes.append(action(QStringLiteral("delete"), QJsonObject{{QStringLiteral("id"), QStringLiteral("faq-%1").arg(400 + i, 5, 10, QLatin1Char('0'))}}));
    changes.append(action(QStringLiteral("upload"), doc(QStringLiteral("faq-00500"), QStringLiteral("stale"), QStringLiteral("2020-01-01T00:00:00.000Z"))));
    changes.append(action(QStringLiteral("upload"), doc(QStringLiteral("only-north-full"), QStringLiteral("x"), QStringLiteral("2020-01-01T00:00:00.000Z"))));
    QCOMPARE(batch(kNorth, changes).size(), 22);
    IndexSyncOptions options;
    options.full = true;
    options.batchSize = 500;
    const qint64 sourceCount = count(kWest);
    const auto r = sync(endpoint(kWest, false), endpoint(kNorth, true), options);
    QVERIFY2(r, r ? "" : qPrintable(r.error()));
    QVERIFY2(r->verified, qPrintable(r->verification));
    QVERIFY(r->full);
    QCOMPARE(r->copied, sourceCount);
    QCOMPARE(r->deleted, 1);
    QCOMPARE(r->targetCount, sourceCount);
    QCOMPARE(fetch(kNorth, QStringLiteral("faq-00500")), fetch(kWest, QStringLiteral("faq-00500")));
    QCOMPARE(fetch(kNorth, QStringLiteral("faq-00420")), fetch(kWest, QStringLiteral("faq-00420")));
}

void tst_IndexSync::cancelStopsAfterInFlightBatches()
{
    IndexSyncOptions options;
    options.full = true;
    options.batchSize = 100;
    options.concurrency = 1;
    IndexSync s(&m_network, endpoint(kWest, false), endpoint(kNorth, true), *m_profile->indexSync, options);
    connect(&s, &IndexSync::progress, this, [&s](const IndexSyncProgress &p) {
        if (p.copied > 0)
            s.cancel();
    });
    int answers = 0;
    std::optional<Result<IndexSyncReport>> r;
    s.start([&](Result<IndexSyncReport> answer) {
        ++answers;
        r = std::move(answer);
    });
    QVERIFY(QTest::qWaitFor([&] { return r.has_value(); }, 60000));
    QVERIFY(!*r);
    QVERIFY2(r->error().startsWith(QStringLiteral("cancelled after ")), qPrintable(r->error()));
    QVERIFY2(r->error().endsWith(QStringLiteral(" documents copied")), qPrintable(r->error()));
    const qint64 copied = r->error().section(u' ', 2, 2).toLongLong();
    QVERIFY2(copied > 0 && copied < count(kWest), qPrintable(r->error()));
    // Answered exactly once, and cancelling again changes nothing.
    s.cancel();
    QTest::qWait(300);
    QCOMPARE(answers, 1);
}

void tst_IndexSync::targetWithoutAdminKey()
{
    const auto r = sync(endpoint(kWest, false), endpoint(kNorth, false), {});
    QVERIFY(!r);
    QVERIFY2(r.error().contains(QStringLiteral("admin key")) && r.error().contains(QStringLiteral("403")), qPrintable(r.error()));
}

void tst_IndexSync::deadTarget()
{
    // Nothing listens there.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost));
    const quint16 port = probe.serverPort();
    probe.close();
    SearchEndpoint dead = endpoint(kNorth, true);
    dead.serviceUrl.setPort(port);
    auto r = sync(endpoint(kWest, false), dead, {});
    QVERIFY(!r);
    QVERIFY2(r.error().contains(QStringLiteral("refused"), Qt::CaseInsensitive), qPrintable(r.error()));

    // The region's search service down (503): named, not retried forever.
    const QString fault = QStringLiteral(DRLAB_PATH);
    QCOMPARE(runTool(fault, {QStringLiteral("fault"), QStringLiteral("--dir"), m_dir.path(), QStringLiteral("component-down"), kNorth,
                             QStringLiteral("search-index")}).exitCode,
             0);
    // The region reads its faults every 250 ms; a sync of the lab's small index may be
    // over before that.
    QTRY_VERIFY_WITH_TIMEOUT(count(kNorth) < 0, 10000);
    IndexSyncOptions options;
    IndexSync s(&m_network, endpoint(kWest, false), endpoint(kNorth, true), *m_profile->indexSync, options);
    s.setSideNames(kWest, kNorth);
    const auto down = awaitResult<IndexSyncReport>([&](auto done) { s.start(done); }, 30000);
    QCOMPARE(runTool(fault, {QStringLiteral("fault"), QStringLiteral("--dir"), m_dir.path(), QStringLiteral("component-up"), kNorth,
                             QStringLiteral("search-index")}).exitCode,
             0);
    // The region serves again once it has read the healed fault.
    QTRY_VERIFY_WITH_TIMEOUT(count(kNorth) > 0, 20000);
    QVERIFY(down.has_value());
    QVERIFY(!*down);
    QVERIFY2(down->error().contains(QStringLiteral("region north's index")) && down->error().contains(QStringLiteral("503")),
             qPrintable(down->error()));
}

void tst_IndexSync::endpointsForRefusesBadRegions()
{
    SecretStore secrets;
    using Pair = std::pair<SearchEndpoint, SearchEndpoint>;
    auto same = awaitResult<Pair>([&](auto done) { IndexSync::endpointsFor(*m_profile, kWest, kWest, &secrets, done); });
    QVERIFY(same && !*same);
    QVERIFY2(same->error().contains(QStringLiteral("same region")), qPrintable(same->error()));
    auto unknown = awaitResult<Pair>([&](auto done) { IndexSync::endpointsFor(*m_profile, kWest, QStringLiteral("mars"), &secrets, done); });
    QVERIFY(unknown && !*unknown);
    QVERIFY2(unknown->error().contains(QStringLiteral("mars")), qPrintable(unknown->error()));
    Profile noAdmin = *m_profile;
    for (Region &region : noAdmin.regions) {
        for (Component &c : region.components) {
            if (c.search)
                c.search->adminKey.reset();
        }
    }
    auto refused = awaitResult<Pair>([&](auto done) { IndexSync::endpointsFor(noAdmin, kWest, kNorth, &secrets, done); });
    QVERIFY(refused && !*refused);
    QVERIFY2(refused->error().contains(QStringLiteral("adminKey")), qPrintable(refused->error()));
    // The lab's profile resolves: the source's query key, the target's admin key.
    auto ok = awaitResult<Pair>([&](auto done) { IndexSync::endpointsFor(*m_profile, kWest, kNorth, &secrets, done); });
    QVERIFY(ok && *ok);
    QCOMPARE((*ok)->first.apiKey, m_keys.value(QStringLiteral("west-query")));
    QCOMPARE((*ok)->second.apiKey, m_keys.value(QStringLiteral("north-admin")));
    QVERIFY(!(*ok)->second.caCertificates.isEmpty());
}

void tst_IndexSync::drctlSyncIndexJson()
{
    const auto drift = runTool(QStringLiteral(DRLAB_PATH), {QStringLiteral("fault"), QStringLiteral("--dir"), m_dir.path(),
                                                            QStringLiteral("index-drift"), kWest, QStringLiteral("10")});
    QVERIFY2(drift.exitCode == 0, drift.err.constData());
    const auto run = runTool(QStringLiteral(DRCTL_PATH), {QStringLiteral("sync-index"), QStringLiteral("--profile"), m_profilePath,
                                                          QStringLiteral("--from"), kWest, QStringLiteral("--to"), kNorth, QStringLiteral("--json")},
                             120000);
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QJsonParseError error;
    const QJsonObject report = QJsonDocument::fromJson(run.out, &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(report.value(QStringLiteral("verified")).toBool(), true);
    QVERIFY(report.value(QStringLiteral("copied")).toInteger() >= 10);
    QCOMPARE(report.value(QStringLiteral("sourceCount")).toInteger(), report.value(QStringLiteral("targetCount")).toInteger());
    QCOMPARE(report.value(QStringLiteral("sourceCount")).toInteger(), count(kWest));
    QVERIFY(report.contains(QStringLiteral("watermark")));
    QVERIFY(report.contains(QStringLiteral("elapsedMs")));

    // A bad region: exit 1, one line on stderr, nothing on stdout.
    const auto bad = runTool(QStringLiteral(DRCTL_PATH), {QStringLiteral("sync-index"), QStringLiteral("--profile"), m_profilePath,
                                                          QStringLiteral("--from"), kWest, QStringLiteral("--to"), QStringLiteral("mars"), QStringLiteral("--json")});
    QCOMPARE(bad.exitCode, 1);
    QVERIFY(bad.out.isEmpty());
    QCOMPARE(bad.err.trimmed().count('\n'), 0);
    QVERIFY2(bad.err.contains("mars"), bad.err.constData());
}

QTEST_MAIN(tst_IndexSync)
#include "tst_indexsync.moc"
