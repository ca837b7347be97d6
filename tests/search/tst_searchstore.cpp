// SearchStore against a real SQLite file: index actions and their per-item statuses, merge
// semantics, OData filters and ordering, select, paging bounds, facets, full-text modes and
// highlights, vector and hybrid queries, persistence across reopen, index updates, and the
// knowledge base's determinism and relevance (the bot's best answer to a password question
// is about passwords).

#include "search/indexdefinition.h"
#include "search/knowledgebase.h"
#include "search/searchstore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace drlab;

namespace {

template<typename T>
QString errorText(const SearchResult<T> &r)
{
    return r.has_value() ? QString()
                         : QStringLiteral("%1 %2").arg(r.error().status).arg(r.error().message);
}

QJsonObject field(const char *name, const char *type, QJsonObject extra = {})
{
    extra.insert(QStringLiteral("name"), QLatin1String(name));
    extra.insert(QStringLiteral("type"), QLatin1String(type));
    return extra;
}

QJsonObject hotelsDefinition()
{
    const QJsonArray fields {
        field("id", "Edm.String",
            { { QStringLiteral("key"), true }, { QStringLiteral("searchable"), false } }),
        field("name", "Edm.String"),
        field("description", "Edm.String",
            { { QStringLiteral("sortable"), false }, { QStringLiteral("filterable"), false } }),
        field("category", "Edm.String", { { QStringLiteral("searchable"), false } }),
        field("rating", "Edm.Int32"),
        field("price", "Edm.Double"),
        field("open", "Edm.Boolean"),
        field("opened", "Edm.DateTimeOffset"),
        field("tags", "Collection(Edm.String)"),
        field("secret", "Edm.String",
            { { QStringLiteral("retrievable"), false }, { QStringLiteral("filterable"), false },
                { QStringLiteral("facetable"), false } }),
        field("embedding", "Collection(Edm.Single)",
            { { QStringLiteral("dimensions"), 3 },
                { QStringLiteral("vectorSearchProfile"), QStringLiteral("vp") } }),
    };
    const QJsonObject vectorSearch {
        { QStringLiteral("profiles"),
            QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("vp") },
                { QStringLiteral("algorithm"), QStringLiteral("knn") } } } },
        { QStringLiteral("algorithms"),
            QJsonArray { QJsonObject { { QStringLiteral("name"), QStringLiteral("knn") },
                { QStringLiteral("kind"), QStringLiteral("exhaustiveKnn") } } } }
    };
    return QJsonObject { { QStringLiteral("name"), QStringLiteral("hotels") },
        { QStringLiteral("fields"), fields }, { QStringLiteral("vectorSearch"), vectorSearch } };
}

QJsonArray hotels()
{
    const auto doc = [](const QByteArray &json) { return QJsonDocument::fromJson(json).object(); };
    return QJsonArray {
        doc(R"({"id": "1", "name": "Nice Hotel", "description": "Cheapest hotel in town", "category": "Economy",
                "rating": 3, "price": 59.5, "open": true, "opened": "2019-05-01T00:00:00Z", "tags": ["pool", "wifi"],
                "secret": "s1", "embedding": [1, 0, 0]})"),
        doc(R"({"id": "2", "name": "Fancy Hotel", "description": "Best hotel in town", "category": "Luxury",
                "rating": 5, "price": 250.0, "open": true, "opened": "2021-01-15T12:00:00Z", "tags": ["spa", "wifi"],
                "embedding": [0, 1, 0]})"),
        doc(R"({"id": "3", "name": "Roach Motel", "description": "Cheap and cheerful motel near the station",
                "category": "Economy", "rating": 1, "price": 35.0, "open": false, "opened": "2010-03-01T00:00:00Z",
                "tags": ["parking"], "embedding": [0, 0, 1]})"),
        doc(R"({"id": "4", "name": "Budget Inn", "description": "Simple rooms, free parking", "category": "Budget",
                "rating": 2, "price": 49, "open": true, "tags": [], "embedding": [0.7, 0.7, 0]})"),
        doc(R"({"id": "5", "name": "Grand Palace", "description": "Historic luxury hotel with a rooftop bar",
                "category": "Luxury", "rating": 4, "price": 199.99, "open": false, "opened": "2015-07-04T18:30:00+02:00",
                "tags": ["bar", "spa"]})"),
        doc(R"({"id": "6", "name": "Motel Six", "description": null, "category": null, "rating": null})"),
    };
}

QStringList ids(const SearchResults &r)
{
    QStringList out;
    for (const SearchHit &h : r.hits)
        out << h.document.value(QLatin1String("id")).toString();
    return out;
}

// The keys of a page read with SearchOptions::keysOnly, packed or not.
QStringList keysOf(const SearchResults &r)
{
    QStringList out;
    qsizetype begin = 0;
    for (qsizetype i = 0; i < r.hitCount(); ++i) {
        if (r.keysPacked) {
            out << QString::fromUtf8(QByteArrayView(r.keyText).sliced(begin, r.keyEnds.at(i) - begin));
            begin = r.keyEnds.at(i);
        } else {
            out << r.hits.at(i).key;
        }
    }
    return out;
}

QStringList sorted(QStringList list)
{
    list.sort();
    return list;
}

} // namespace

class tst_SearchStore : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void definitionDefaults();
    void invalidDefinitions_data();
    void invalidDefinitions();
    void indexActionStatuses();
    void mergeSemantics();
    void invalidBatchesChangeNothing_data();
    void invalidBatchesChangeNothing();
    void invalidKeyFailsOnlyItsItem();
    void filters_data();
    void filters();
    void filterErrors_data();
    void filterErrors();
    void orderBy_data();
    void orderBy();
    void orderByErrors_data();
    void orderByErrors();
    void select();
    void keyOnlySelect_data();
    void keyOnlySelect();
    void keyOnlyPaging();
    void topAndSkip();
    void count();
    void facets_data();
    void facets();
    void fullText_data();
    void fullText();
    void highlights();
    void vectorAndHybrid();
    void lookup();
    void statistics();
    void persistsAcrossReopen();
    void updateIndexAddsFields();
    void deleteIndex();
    void knowledgeBaseIsDeterministic();
    void knowledgeBaseAnswers_data();
    void knowledgeBaseAnswers();

private:
    void seed();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<SearchStore> m_store;
};

void tst_SearchStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_store = std::make_unique<SearchStore>(m_dir->filePath(QStringLiteral("search.db")));
    QVERIFY2(m_store->isOpen(), qPrintable(m_store->errorString()));
}

void tst_SearchStore::cleanup()
{
    m_store.reset();
    m_dir.reset();
}

void tst_SearchStore::seed()
{
    const auto created = m_store->createIndex(hotelsDefinition());
    QVERIFY2(created.has_value(), qPrintable(errorText(created)));
    const auto indexed = m_store->indexDocuments(QStringLiteral("hotels"), hotels());
    QVERIFY2(indexed.has_value(), qPrintable(errorText(indexed)));
}

void tst_SearchStore::definitionDefaults()
{
    const auto def = IndexDefinition::fromJson(hotelsDefinition());
    QVERIFY2(def.has_value(), qPrintable(errorText(def)));
    const QJsonArray fields = def->toJson().value(QLatin1String("fields")).toArray();
    const QJsonObject name = fields.at(1).toObject();
    // The service fills every attribute in: a plain string is searchable, filterable,
    // sortable, facetable and retrievable.
    for (const char *attr : { "searchable", "filterable", "sortable", "facetable", "retrievable" })
        QCOMPARE(name.value(QLatin1String(attr)), QJsonValue(true));
    QCOMPARE(name.value(QLatin1String("key")), QJsonValue(false));
    QVERIFY(name.value(QLatin1String("analyzer")).isNull());
    QVERIFY(name.value(QLatin1String("synonymMaps")).isArray());
    const QJsonObject rating = fields.at(4).toObject();
    QCOMPARE(rating.value(QLatin1String("searchable")), QJsonValue(false));
    const QJsonObject tags = fields.at(8).toObject();
    QCOMPARE(tags.value(QLatin1String("sortable")), QJsonValue(false));
    const QJsonObject embedding = fields.at(10).toObject();
    QCOMPARE(embedding.value(QLatin1String("filterable")), QJsonValue(false));
    QCOMPARE(embedding.value(QLatin1String("dimensions")), QJsonValue(3));
    QCOMPARE(def->keyField().name, QStringLiteral("id"));
    QCOMPARE(def->searchableFields(),
        (QStringList { QStringLiteral("name"), QStringLiteral("description"),
            QStringLiteral("tags"), QStringLiteral("secret") }));
    for (const char *section : { "scoringProfiles", "suggesters", "analyzers", "tokenizers",
             "tokenFilters", "charFilters" })
        QVERIFY2(def->toJson().value(QLatin1String(section)).isArray(), section);
}

void tst_SearchStore::invalidDefinitions_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("message");
    QTest::newRow("no key") << QByteArray(
        R"({"name": "x", "fields": [{"name": "a", "type": "Edm.String"}]})")
                            << QStringLiteral("no key field");
    QTest::newRow("two keys") << QByteArray(
        R"({"name": "x", "fields": [{"name": "a", "type": "Edm.String", "key": true},
                                                {"name": "b", "type": "Edm.String", "key": true}]})")
                              << QStringLiteral("more than one key");
    QTest::newRow("int key") << QByteArray(
        R"({"name": "x", "fields": [{"name": "a", "type": "Edm.Int32", "key": true}]})")
                             << QStringLiteral("cannot be key");
    QTest::newRow("upper-case name") << QByteArray(
        R"({"name": "Hotels", "fields": [{"name": "a", "type": "Edm.String", "key": true}]})")
                                     << QStringLiteral("Invalid index name");
    QTest::newRow("unknown type") << QByteArray(
        R"({"name": "x", "fields": [{"name": "a", "type": "Edm.String", "key": true},
                                                    {"name": "b", "type": "Edm.Decimal"}]})")
                                  << QStringLiteral("invalid or unsupported type");
    QTest::newRow("unknown property") << QByteArray(
        R"({"name": "x", "colour": "red", "fields": [{"name": "a", "type": "Edm.String", "key": true}]})")
                                      << QStringLiteral("The property 'colour' does not exist");
    QTest::newRow("searchable int")
        << QByteArray(R"({"name": "x", "fields": [{"name": "a", "type": "Edm.String", "key": true},
                                                      {"name": "b", "type": "Edm.Int32", "searchable": true}]})")
        << QStringLiteral("cannot be searchable");
    QTest::newRow("vector without profile") << QByteArray(
        R"json({"name": "x", "fields": [{"name": "a", "type": "Edm.String", "key": true},
                                                              {"name": "v", "type": "Collection(Edm.Single)", "dimensions": 3}]})json")
                                            << QStringLiteral("vectorSearchProfile");
    QTest::newRow("duplicate field")
        << QByteArray(R"({"name": "x", "fields": [{"name": "a", "type": "Edm.String", "key": true},
                                                       {"name": "a", "type": "Edm.String"}]})")
        << QStringLiteral("more than once");
    QTest::newRow("unknown default profile")
        << QByteArray(R"({"name": "x", "defaultScoringProfile": "p",
                                                               "fields": [{"name": "a", "type": "Edm.String", "key": true}]})")
        << QStringLiteral("default scoring profile 'p'");
}

void tst_SearchStore::invalidDefinitions()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, message);
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    QVERIFY(doc.isObject());
    const auto r = m_store->createIndex(doc.object());
    QVERIFY(!r.has_value());
    QCOMPARE(r.error().status, 400);
    QVERIFY2(r.error().message.contains(message), qPrintable(r.error().message));
    QVERIFY(m_store->indexNames().isEmpty());
}

void tst_SearchStore::indexActionStatuses()
{
    QVERIFY(m_store->createIndex(hotelsDefinition()).has_value());
    const QString index = QStringLiteral("hotels");
    const auto first = m_store->indexDocuments(index,
        QJsonDocument::fromJson(R"([
        {"@search.action": "upload", "id": "1", "name": "A"},
        {"@search.action": "merge", "id": "2", "name": "B"},
        {"@search.action": "mergeOrUpload", "id": "3", "name": "C"},
        {"@search.action": "delete", "id": "4"},
        {"id": "5", "name": "E"}
    ])")
            .array());
    QVERIFY2(first.has_value(), qPrintable(errorText(first)));
    QCOMPARE(first->size(), 5);
    const QList<int> codes { 201, 404, 201, 200, 201 };
    for (int i = 0; i < codes.size(); ++i) {
        QCOMPARE(first->at(i).key, QString::number(i + 1));
        QCOMPARE(first->at(i).statusCode, codes.at(i));
        QCOMPARE(first->at(i).status, codes.at(i) != 404);
    }
    QCOMPARE(first->at(1).errorMessage, QStringLiteral("Document not found."));
    QVERIFY(first->at(0).errorMessage.isEmpty());
    QCOMPARE(*m_store->count(index), 3);

    const auto second = m_store->indexDocuments(index,
        QJsonDocument::fromJson(R"([
        {"@search.action": "upload", "id": "1", "name": "A2"},
        {"@search.action": "merge", "id": "3", "name": "C2"},
        {"@search.action": "mergeOrUpload", "id": "5", "name": "E2"},
        {"@search.action": "delete", "id": "1"}
    ])")
            .array());
    QVERIFY2(second.has_value(), qPrintable(errorText(second)));
    for (const IndexingResult &r : *second)
        QCOMPARE(r.statusCode, 200);
    QCOMPARE(*m_store->count(index), 2);
    QVERIFY(!m_store->lookup(index, QStringLiteral("1")).has_value());
    QCOMPARE(m_store->lookup(index, QStringLiteral("3"))->value(QLatin1String("name")).toString(),
        QStringLiteral("C2"));
}

void tst_SearchStore::mergeSemantics()
{
    seed();
    const QString index = QStringLiteral("hotels");
    const auto r = m_store->indexDocuments(index,
        QJsonDocument::fromJson(R"([
        {"@search.action": "merge", "id": "1", "rating": 4, "tags": ["gym"], "category": null}
    ])")
            .array());
    QVERIFY2(r.has_value(), qPrintable(errorText(r)));
    const auto doc = m_store->lookup(index, QStringLiteral("1"));
    QVERIFY(doc.has_value());
    QCOMPARE(
        doc->value(QLatin1String("name")).toString(), QStringLiteral("Nice Hotel")); // untouched
    QCOMPARE(doc->value(QLatin1String("rating")).toInt(), 4); // updated
    QCOMPARE(doc->value(QLatin1String("tags")).toArray(),
        QJsonArray { QStringLiteral("gym") }); // collection replaced
    QVERIFY(doc->value(QLatin1String("category")).isNull()); // null clears
    // The typed columns follow the merge: filters see the new values.
    SearchOptions o;
    o.filter = QStringLiteral("rating eq 4");
    QCOMPARE(sorted(ids(*m_store->search(index, o))),
        (QStringList { QStringLiteral("1"), QStringLiteral("5") }));
    o.filter = QStringLiteral("category eq 'Economy'");
    QCOMPARE(ids(*m_store->search(index, o)), QStringList { QStringLiteral("3") });
    // And so does the full-text index after an upload replaces the document.
    QVERIFY(m_store->indexDocuments(
        index, QJsonDocument::fromJson(R"([{"id": "1", "name": "Renamed Lodge"}])").array()));
    SearchOptions text;
    text.search = QStringLiteral("lodge");
    QCOMPARE(ids(*m_store->search(index, text)), QStringList { QStringLiteral("1") });
    text.search = QStringLiteral("cheapest");
    QVERIFY(m_store->search(index, text)->hits.isEmpty());
    QVERIFY(m_store->lookup(index, QStringLiteral("1"))
                ->value(QLatin1String("rating"))
                .isNull()); // upload replaced all
}

void tst_SearchStore::invalidBatchesChangeNothing_data()
{
    QTest::addColumn<QByteArray>("batch");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown field")
        << QByteArray(R"([{"id": "9", "name": "x"}, {"id": "10", "colour": "red"}])")
        << QStringLiteral("The property 'colour' does not exist on type 'search.documentFields'");
    QTest::newRow("string for Int32")
        << QByteArray(R"([{"id": "9", "rating": "three"}])")
        << QStringLiteral("Cannot convert the literal 'three' to the expected type 'Edm.Int32'");
    QTest::newRow("fraction for Int32")
        << QByteArray(R"([{"id": "9", "rating": 3.5}])") << QStringLiteral("Edm.Int32");
    QTest::newRow("date without offset")
        << QByteArray(R"([{"id": "9", "opened": "2020-01-01T00:00:00"}])")
        << QStringLiteral("Edm.DateTimeOffset");
    QTest::newRow("scalar for collection") << QByteArray(R"([{"id": "9", "tags": "spa"}])")
                                           << QStringLiteral("Collection(Edm.String)");
    QTest::newRow("wrong vector size")
        << QByteArray(R"([{"id": "9", "embedding": [1, 2]}])") << QStringLiteral("3 dimensions");
    QTest::newRow("missing key") << QByteArray(R"([{"id": "9"}, {"name": "no key"}])")
                                 << QStringLiteral("key field 'id'");
    QTest::newRow("bad action") << QByteArray(R"([{"@search.action": "insert", "id": "9"}])")
                                << QStringLiteral("@search.action");
    QTest::newRow("not an object") << QByteArray(R"([42])") << QStringLiteral("JSON object");
}

void tst_SearchStore::invalidBatchesChangeNothing()
{
    QFETCH(QByteArray, batch);
    QFETCH(QString, message);
    seed();
    const auto r
        = m_store->indexDocuments(QStringLiteral("hotels"), QJsonDocument::fromJson(batch).array());
    QVERIFY(!r.has_value());
    QCOMPARE(r.error().status, 400);
    QVERIFY2(r.error().message.contains(message), qPrintable(r.error().message));
    QCOMPARE(*m_store->count(QStringLiteral("hotels")), 6);
}

void tst_SearchStore::invalidKeyFailsOnlyItsItem()
{
    seed();
    const auto r = m_store->indexDocuments(QStringLiteral("hotels"),
        QJsonDocument::fromJson(R"([{"id": "bad key!"}, {"id": "ok-key_1="}])").array());
    QVERIFY2(r.has_value(), qPrintable(errorText(r)));
    QCOMPARE(r->at(0).statusCode, 400);
    QVERIFY(!r->at(0).status);
    QVERIFY(r->at(0).errorMessage.contains(QStringLiteral("Invalid document key")));
    QCOMPARE(r->at(1).statusCode, 201);
    QCOMPARE(*m_store->count(QStringLiteral("hotels")), 7);
}

void tst_SearchStore::filters_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("expected");
    QTest::newRow("eq int") << QStringLiteral("rating eq 3") << QStringLiteral("1");
    QTest::newRow("ne int keeps null")
        << QStringLiteral("rating ne 3") << QStringLiteral("2,3,4,5,6");
    QTest::newRow("gt") << QStringLiteral("rating gt 3") << QStringLiteral("2,5");
    QTest::newRow("ge") << QStringLiteral("rating ge 3") << QStringLiteral("1,2,5");
    QTest::newRow("lt") << QStringLiteral("rating lt 3") << QStringLiteral("3,4");
    QTest::newRow("le") << QStringLiteral("rating le 3") << QStringLiteral("1,3,4");
    QTest::newRow("literal first") << QStringLiteral("3 lt rating") << QStringLiteral("2,5");
    QTest::newRow("double gt") << QStringLiteral("price gt 100.5") << QStringLiteral("2,5");
    QTest::newRow("double le int literal")
        << QStringLiteral("price le 49") << QStringLiteral("3,4");
    QTest::newRow("exponent") << QStringLiteral("price ge 2.5e2") << QStringLiteral("2");
    QTest::newRow("string eq") << QStringLiteral("category eq 'Economy'") << QStringLiteral("1,3");
    QTest::newRow("string ne keeps null")
        << QStringLiteral("category ne 'Economy'") << QStringLiteral("2,4,5,6");
    QTest::newRow("key gt") << QStringLiteral("id gt '3'") << QStringLiteral("4,5,6");
    QTest::newRow("key range") << QStringLiteral("id ge '2' and id lt '5'")
                               << QStringLiteral("2,3,4");
    QTest::newRow("not key le") << QStringLiteral("not (id le '4')") << QStringLiteral("5,6");
    QTest::newRow("key lt literal first") << QStringLiteral("'3' gt id") << QStringLiteral("1,2");
    QTest::newRow("string case-sensitive") << QStringLiteral("category eq 'economy'") << QString();
    QTest::newRow("string range") << QStringLiteral("category ge 'C' and category lt 'M'")
                                  << QStringLiteral("1,2,3,5");
    QTest::newRow("string with spaces")
        << QStringLiteral("name eq 'Nice Hotel'") << QStringLiteral("1");
    QTest::newRow("bool eq true") << QStringLiteral("open eq true") << QStringLiteral("1,2,4");
    QTest::newRow("bool eq false") << QStringLiteral("open eq false") << QStringLiteral("3,5");
    QTest::newRow("bare bool") << QStringLiteral("open") << QStringLiteral("1,2,4");
    QTest::newRow("date gt") << QStringLiteral("opened gt 2016-01-01T00:00:00Z")
                             << QStringLiteral("1,2");
    QTest::newRow("date offset normalised")
        << QStringLiteral("opened eq 2015-07-04T16:30:00Z") << QStringLiteral("5");
    QTest::newRow("date literal with offset")
        << QStringLiteral("opened lt 2015-07-04T19:00:00+02:00") << QStringLiteral("3,5");
    QTest::newRow("eq null") << QStringLiteral("opened eq null") << QStringLiteral("4,6");
    QTest::newRow("ne null") << QStringLiteral("rating ne null") << QStringLiteral("1,2,3,4,5");
    QTest::newRow("and") << QStringLiteral("category ne null and rating ge 2")
                         << QStringLiteral("1,2,4,5");
    QTest::newRow("and chain") << QStringLiteral("rating ge 2 and rating le 4 and open eq true")
                               << QStringLiteral("1,4");
    QTest::newRow("or") << QStringLiteral("category eq 'Luxury' or rating eq 1")
                        << QStringLiteral("2,3,5");
    QTest::newRow("parentheses") << QStringLiteral(
        "(category eq 'Luxury' or category eq 'Budget') and price lt 200")
                                 << QStringLiteral("4,5");
    QTest::newRow("not") << QStringLiteral("not (rating gt 2)") << QStringLiteral("3,4,6");
    QTest::newRow("search.in") << QStringLiteral("search.in(category, 'Luxury,Budget')")
                               << QStringLiteral("2,4,5");
    QTest::newRow("search.in delimiter")
        << QStringLiteral("search.in(name, 'Nice Hotel|Budget Inn', '|')") << QStringLiteral("1,4");
    QTest::newRow("true") << QStringLiteral("true") << QStringLiteral("1,2,3,4,5,6");
    QTest::newRow("false") << QStringLiteral("false") << QString();
    QTest::newRow("key field") << QStringLiteral("id eq '6'") << QStringLiteral("6");
}

void tst_SearchStore::filters()
{
    QFETCH(QString, filter);
    QFETCH(QString, expected);
    seed();
    SearchOptions o;
    o.filter = filter;
    const auto r = m_store->search(QStringLiteral("hotels"), o);
    QVERIFY2(r.has_value(), qPrintable(errorText(r)));
    QCOMPARE(sorted(ids(*r)).join(QLatin1Char(',')), expected);
}

void tst_SearchStore::filterErrors_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown field")
        << QStringLiteral("nosuch eq 1")
        << QStringLiteral("Could not find a property named 'nosuch' on type 'search.document'");
    QTest::newRow("not filterable")
        << QStringLiteral("description eq 'x'") << QStringLiteral("is not filterable");
    QTest::newRow("type mismatch")
        << QStringLiteral("rating eq 'three'") << QStringLiteral("incompatible types");
    QTest::newRow("number for string")
        << QStringLiteral("name eq 3") << QStringLiteral("incompatible types");
    QTest::newRow("quoted date") << QStringLiteral("opened gt '2020-01-01T00:00:00Z'")
                                 << QStringLiteral("incompatible types");
    QTest::newRow("missing operand")
        << QStringLiteral("rating eq") << QStringLiteral("Syntax error");
    QTest::newRow("dangling and") << QStringLiteral("rating eq 3 and")
                                  << QStringLiteral("Syntax error");
    QTest::newRow("unbalanced") << QStringLiteral("(rating eq 3") << QStringLiteral("Syntax error");
    QTest::newRow("unknown operator")
        << QStringLiteral("rating equals 3") << QStringLiteral("Syntax error");
    QTest::newRow("unterminated string")
        << QStringLiteral("category eq 'Lux") << QStringLiteral("Syntax error");
    QTest::newRow("lambda") << QStringLiteral("tags/any(t: t eq 'spa')")
                            << QStringLiteral("not supported");
    QTest::newRow("null ordering") << QStringLiteral("rating gt null") << QStringLiteral("null");
    QTest::newRow("field vs field")
        << QStringLiteral("rating eq price") << QStringLiteral("field and a constant");
    QTest::newRow("non-boolean bare field")
        << QStringLiteral("rating") << QStringLiteral("Boolean expression");
    QTest::newRow("deep nesting") << QString(
        QString(5000, QLatin1Char('(')) + QStringLiteral("rating eq 1"))
                                  << QStringLiteral("nested more than");
    QTest::newRow("deep not") << QString(
        QStringLiteral("not ").repeated(5000) + QStringLiteral("open"))
                              << QStringLiteral("nested more than");
    QTest::newRow("too many clauses")
        << QStringList(1000, QStringLiteral("rating eq 1")).join(QStringLiteral(" and "))
        << QStringLiteral("clauses");
    QTest::newRow("stray character")
        << QStringLiteral("rating eq 3 ; drop") << QStringLiteral("Syntax error");
}

void tst_SearchStore::filterErrors()
{
    QFETCH(QString, filter);
    QFETCH(QString, message);
    seed();
    SearchOptions o;
    o.filter = filter;
    const auto r = m_store->search(QStringLiteral("hotels"), o);
    QVERIFY(!r.has_value());
    QCOMPARE(r.error().status, 400);
    QVERIFY2(r.error().message.startsWith(QStringLiteral("Invalid expression: ")),
        qPrintable(r.error().message));
    QVERIFY2(r.error().message.contains(message), qPrintable(r.error().message));
    QVERIFY(r.error().message.endsWith(QStringLiteral("Parameter name: $filter")));
}

void tst_SearchStore::orderBy_data()
{
    QTest::addColumn<QString>("orderBy");
    QTest::addColumn<QString>("expected");
    QTest::newRow("asc") << QStringLiteral("rating asc") << QStringLiteral("3,4,1,5,2");
    QTest::newRow("default asc") << QStringLiteral("rating") << QStringLiteral("3,4,1,5,2");
    QTest::newRow("desc") << QStringLiteral("rating desc") << QStringLiteral("2,5,1,4,3");
    QTest::newRow("two clauses") << QStringLiteral("category asc, rating desc")
                                 << QStringLiteral("4,1,3,2,5");
    QTest::newRow("string desc, double asc")
        << QStringLiteral("category desc,price asc") << QStringLiteral("5,2,3,1,4");
    QTest::newRow("date desc, nulls last")
        << QStringLiteral("opened desc") << QStringLiteral("2,1,5,3,4");
    QTest::newRow("date asc, nulls first")
        << QStringLiteral("opened") << QStringLiteral("4,3,5,1,2");
    QTest::newRow("bool then key")
        << QStringLiteral("open desc, id desc") << QStringLiteral("4,2,1,5,3");
}

void tst_SearchStore::orderBy()
{
    QFETCH(QString, orderBy);
    QFETCH(QString, expected);
    seed();
    SearchOptions o;
    o.filter = QStringLiteral("rating ne null");
    o.orderBy = orderBy;
    const auto r = m_store->search(QStringLiteral("hotels"), o);
    QVERIFY2(r.has_value(), qPrintable(errorText(r)));
    QCOMPARE(ids(*r).join(QLatin1Char(',')), expected);
}

void tst_SearchStore::orderByErrors_data()
{
    QTest::addColumn<QString>("orderBy");
    QTest::addColumn<QString>("message");
    QTest::newRow("not sortable") << QStringLiteral("description asc")
                                  << QStringLiteral("not sortable");
    QTest::newRow("collection") << QStringLiteral("tags") << QStringLiteral("not sortable");
    QTest::newRow("unknown") << QStringLiteral("stars desc")
                             << QStringLiteral("Could not find a property named 'stars'");
    QTest::newRow("bad direction")
        << QStringLiteral("rating sideways") << QStringLiteral("Syntax error");
    QTest::newRow("geo") << QStringLiteral("geo.distance(location, geography'POINT(0 0)')")
                         << QStringLiteral("not supported");
}

void tst_SearchStore::orderByErrors()
{
    QFETCH(QString, orderBy);
    QFETCH(QString, message);
    seed();
    SearchOptions o;
    o.orderBy = orderBy;
    const auto r = m_store->search(QStringLiteral("hotels"), o);
    QVERIFY(!r.has_value());
    QCOMPARE(r.error().status, 400);
    QVERIFY2(r.error().message.contains(message), qPrintable(r.error().message));
    QVERIFY(r.error().message.endsWith(QStringLiteral("Parameter name: $orderby")));
}

void tst_SearchStore::select()
{
    seed();
    SearchOptions o;
    o.filter = QStringLiteral("id eq '1'");
    auto r = m_store->search(QStringLiteral("hotels"), o);
    QVERIFY(r.has_value());
    const QJsonObject all = r->hits.at(0).document;
    QVERIFY(!all.contains(QLatin1String("secret"))); // not retrievable
    QCOMPARE(all.size(), 10);
    QCOMPARE(all.value(QLatin1String("opened")).toString(), QStringLiteral("2019-05-01T00:00:00Z"));

    o.select = { QStringLiteral("name"), QStringLiteral(" rating ") };
    r = m_store->search(QStringLiteral("hotels"), o);
    QVERIFY(r.has_value());
    QCOMPARE(r->hits.at(0).document.keys(),
        (QStringList { QStringLiteral("name"), QStringLiteral("rating") }));

    o.filter = QStringLiteral("id eq '4'");
    o.select = { QStringLiteral("opened"), QStringLiteral("name") };
    r = m_store->search(QStringLiteral("hotels"), o);
    QVERIFY(
        r->hits.at(0).document.value(QLatin1String("opened")).isNull()); // never set: null, as the
                                                                         // service returns it

    o.select = { QStringLiteral("secret") };
    r = m_store->search(QStringLiteral("hotels"), o);
    QVERIFY(!r.has_value());
    QVERIFY(r.error().message.contains(QStringLiteral("$select")));
    o.select = { QStringLiteral("nosuch") };
    QCOMPARE(m_store->search(QStringLiteral("hotels"), o).error().status, 400);
}

void tst_SearchStore::keyOnlySelect_data()
{
    QTest::addColumn<QString>("search");
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("orderBy");
    QTest::addColumn<int>("skip");
    QTest::addColumn<int>("limit");
    QTest::newRow("everything") << QString() << QString() << QString() << 0 << 50;
    QTest::newRow("key order") << QString() << QString() << QStringLiteral("id asc") << 0 << 50;
    QTest::newRow("key order desc")
        << QString() << QString() << QStringLiteral("id desc") << 0 << 50;
    QTest::newRow("past a key") << QString() << QStringLiteral("id gt '2'")
                                << QStringLiteral("id asc") << 0 << 2;
    QTest::newRow("key and other field") << QString() << QStringLiteral("id ge '2' and rating ge 2")
                                         << QStringLiteral("price desc") << 1 << 50;
    QTest::newRow("search.in keys")
        << QString() << QStringLiteral("search.in(id, '6,1,4')") << QString() << 0 << 50;
    QTest::newRow("full text") << QStringLiteral("hotel") << QString() << QString() << 0 << 50;
    QTest::newRow("full text by score") << QStringLiteral("motel cheap") << QString()
                                        << QStringLiteral("search.score() desc") << 0 << 1;
    QTest::newRow("null order") << QString() << QString() << QStringLiteral("category asc, id desc")
                                << 0 << 50;
    QTest::newRow("none") << QString() << QStringLiteral("id eq 'nosuch'") << QString() << 0 << 50;
    // An empty literal is a null string, which binds as SQL NULL: every way must agree.
    QTest::newRow("empty literal, key") << QString() << QStringLiteral("id gt ''") << QStringLiteral("id asc") << 0 << 50;
    QTest::newRow("empty literal, field") << QString() << QStringLiteral("category gt ''") << QString() << 0 << 50;
}

// The lab answers a key-only select from the key column, not from the stored document: the
// answer (documents, order, scores, count) must be the one the documents give.
void tst_SearchStore::keyOnlySelect()
{
    QFETCH(QString, search);
    QFETCH(QString, filter);
    QFETCH(QString, orderBy);
    QFETCH(int, skip);
    QFETCH(int, limit);
    seed();
    // A merged and a deleted document: the key column must follow the documents.
    QVERIFY(
        m_store
            ->indexDocuments(QStringLiteral("hotels"),
                QJsonArray {
                    QJsonObject { { QStringLiteral("@search.action"), QStringLiteral("merge") },
                        { QStringLiteral("id"), QStringLiteral("3") },
                        { QStringLiteral("rating"), 4 } },
                    QJsonObject { { QStringLiteral("@search.action"), QStringLiteral("delete") },
                        { QStringLiteral("id"), QStringLiteral("5") } } })
            .has_value());
    SearchOptions o;
    o.search = search;
    o.filter = filter;
    o.orderBy = orderBy;
    o.skip = skip;
    o.limit = limit;
    o.includeCount = true;
    const auto all = m_store->search(QStringLiteral("hotels"), o);
    QVERIFY2(all.has_value(), qPrintable(errorText(all)));
    for (const QStringList &select :
        { QStringList { QStringLiteral("id") }, QStringList { QStringLiteral(" id ") },
            QStringList { QStringLiteral("id"), QStringLiteral("id") } }) {
        o.select = select;
        const auto keys = m_store->search(QStringLiteral("hotels"), o);
        QVERIFY2(keys.has_value(), qPrintable(errorText(keys)));
        QVERIFY(keys->count == all->count);
        QCOMPARE(keys->hits.size(), all->hits.size());
        for (qsizetype i = 0; i < keys->hits.size(); ++i) {
            const QJsonObject expected { { QStringLiteral("id"),
                all->hits.at(i).document.value(QLatin1String("id")) } };
            QCOMPARE(keys->hits.at(i).document, expected);
            QCOMPARE(keys->hits.at(i).score, all->hits.at(i).score);
        }
    }
    QVERIFY(!ids(*all).contains(QStringLiteral("5")));

    // Keys alone, as the search API asks for a key-only page: packed straight from SQLite
    // when nothing is scored (every score 1), the same keys in the same order either way.
    o.select = { QStringLiteral("id") };
    o.keysOnly = true;
    const auto packed = m_store->search(QStringLiteral("hotels"), o);
    QVERIFY2(packed.has_value(), qPrintable(errorText(packed)));
    QCOMPARE(packed->keysPacked, search.isEmpty());
    QVERIFY(packed->count == all->count);
    QCOMPARE(keysOf(*packed), ids(*all));
    if (packed->keysPacked) {
        for (const SearchHit &h : all->hits)
            QCOMPARE(h.score, 1.0);
    }
}

// Deep paging by key over a few thousand documents, as an index diff reads it: the key-only
// pages give exactly the keys the full pages give, in the same order.
void tst_SearchStore::keyOnlyPaging()
{
    QVERIFY(m_store->createIndex(drlab::knowledgeBaseIndexDefinition()).has_value());
    const QList<QJsonObject> docs = drlab::generateKnowledgeBase(2500);
    const QString index
        = drlab::knowledgeBaseIndexDefinition().value(QLatin1String("name")).toString();
    QVERIFY(m_store->uploadDocuments(index, docs).has_value());
    const auto walk = [&](const QStringList &select) {
        QStringList out;
        QString last;
        for (;;) {
            SearchOptions o;
            o.select = select;
            o.orderBy = QStringLiteral("id asc");
            o.filter = last.isEmpty() ? QString() : QStringLiteral("id gt '%1'").arg(last);
            o.limit = 1000;
            const auto page = m_store->search(index, o);
            if (!page || page->hits.isEmpty())
                break;
            for (const SearchHit &h : page->hits)
                out << h.document.value(QLatin1String("id")).toString();
            last = out.constLast();
        }
        return out;
    };
    const QStringList keys = walk({ QStringLiteral("id") });
    QCOMPARE(keys.size(), docs.size());
    QCOMPARE(keys, walk({}));

    // The packed pages, one more than asked to learn whether another follows (as the API
    // asks): the same keys, and a page cut back to its size keeps exactly its first keys.
    QStringList packed;
    QString last;
    for (int pages = 0; pages < 10; ++pages) {
        SearchOptions o;
        o.select = { QStringLiteral("id") };
        o.keysOnly = true;
        o.orderBy = QStringLiteral("id asc");
        o.filter = last.isEmpty() ? QString() : QStringLiteral("id gt '%1'").arg(last);
        o.limit = 1001;
        auto page = m_store->search(index, o);
        QVERIFY2(page.has_value(), qPrintable(errorText(page)));
        QVERIFY(page->keysPacked);
        const QStringList all = keysOf(*page);
        page->truncateHits(1000);
        QCOMPARE(keysOf(*page), all.mid(0, 1000));
        QCOMPARE(page->keyText.size(), page->keyEnds.isEmpty() ? 0 : page->keyEnds.constLast());
        if (all.isEmpty())
            break;
        packed += keysOf(*page);
        last = packed.constLast();
    }
    QCOMPARE(packed, keys);
}

void tst_SearchStore::topAndSkip()
{
    seed();
    SearchOptions o;
    o.orderBy = QStringLiteral("id asc");
    o.skip = 2;
    o.limit = 2;
    QCOMPARE(ids(*m_store->search(QStringLiteral("hotels"), o)),
        (QStringList { QStringLiteral("3"), QStringLiteral("4") }));
    o.skip = 5;
    QCOMPARE(
        ids(*m_store->search(QStringLiteral("hotels"), o)), QStringList { QStringLiteral("6") });
    o.skip = 10;
    QVERIFY(m_store->search(QStringLiteral("hotels"), o)->hits.isEmpty());
    o.skip = 0;
    o.limit = 0;
    QVERIFY(m_store->search(QStringLiteral("hotels"), o)->hits.isEmpty());
    o.limit = -1;
    QCOMPARE(m_store->search(QStringLiteral("hotels"), o).error().status, 400);
}

void tst_SearchStore::count()
{
    seed();
    QCOMPARE(*m_store->count(QStringLiteral("hotels")), 6);
    SearchOptions o;
    o.includeCount = true;
    o.limit = 1;
    o.filter = QStringLiteral("open eq true");
    auto r = m_store->search(QStringLiteral("hotels"), o);
    QCOMPARE(r->hits.size(), 1);
    QCOMPARE(r->count.value_or(-1), 3); // the count ignores paging
    o.includeCount = false;
    QVERIFY(!m_store->search(QStringLiteral("hotels"), o)->count.has_value());
    o.includeCount = true;
    o.filter.clear();
    o.search = QStringLiteral("hotel");
    QCOMPARE(m_store->search(QStringLiteral("hotels"), o)->count.value_or(-1), 3);
    QCOMPARE(m_store->count(QStringLiteral("nosuch")).error().status, 404);
}

void tst_SearchStore::facets_data()
{
    QTest::addColumn<QString>("facet");
    QTest::addColumn<QString>("expected");
    QTest::newRow("by count") << QStringLiteral("category")
                              << QStringLiteral("Economy:2,Luxury:2,Budget:1");
    QTest::newRow("by value") << QStringLiteral("category,sort:value")
                              << QStringLiteral("Budget:1,Economy:2,Luxury:2");
    QTest::newRow("count limit") << QStringLiteral("category,count:1,sort:count")
                                 << QStringLiteral("Economy:2");
    QTest::newRow("collection") << QStringLiteral("tags")
                                << QStringLiteral("spa:2,wifi:2,bar:1,parking:1,pool:1");
    QTest::newRow("int by value desc")
        << QStringLiteral("rating,sort:-value") << QStringLiteral("5:1,4:1,3:1,2:1,1:1");
    QTest::newRow("bool") << QStringLiteral("open") << QStringLiteral("true:3,false:2");
}

void tst_SearchStore::facets()
{
    QFETCH(QString, facet);
    QFETCH(QString, expected);
    seed();
    SearchOptions o;
    o.facets = { facet };
    const auto r = m_store->search(QStringLiteral("hotels"), o);
    QVERIFY2(r.has_value(), qPrintable(errorText(r)));
    QStringList got;
    const QString name = facet.section(QLatin1Char(','), 0, 0);
    for (const QJsonValue &b : r->facets.value(name).toArray()) {
        const QJsonValue v = b.toObject().value(QLatin1String("value"));
        const QString text = v.isBool()
            ? (v.toBool() ? QStringLiteral("true") : QStringLiteral("false"))
            : v.isDouble() ? QString::number(v.toDouble())
                           : v.toString();
        got << text + QLatin1Char(':')
                + QString::number(b.toObject().value(QLatin1String("count")).toInt());
    }
    QCOMPARE(got.join(QLatin1Char(',')), expected);

    o.facets = { QStringLiteral("secret") };
    QCOMPARE(m_store->search(QStringLiteral("hotels"), o).error().status, 400);
    o.facets = { QStringLiteral("price,interval:10") };
    QCOMPARE(m_store->search(QStringLiteral("hotels"), o).error().status, 400);
}

void tst_SearchStore::fullText_data()
{
    QTest::addColumn<QString>("search");
    QTest::addColumn<bool>("all");
    QTest::addColumn<QStringList>("fields");
    QTest::addColumn<QString>("expected"); // sorted ids
    QTest::addColumn<QString>("first"); // expected best hit, if any
    QTest::newRow("term") << QStringLiteral("hotel") << false << QStringList()
                          << QStringLiteral("1,2,5") << QString();
    QTest::newRow("stemmed") << QStringLiteral("hotels") << false << QStringList()
                             << QStringLiteral("1,2,5") << QString();
    QTest::newRow("case-insensitive")
        << QStringLiteral("MOTEL") << false << QStringList() << QStringLiteral("3,6") << QString();
    QTest::newRow("any") << QStringLiteral("hotel town") << false << QStringList()
                         << QStringLiteral("1,2,5") << QString();
    QTest::newRow("all") << QStringLiteral("hotel town") << true << QStringList()
                         << QStringLiteral("1,2") << QString();
    QTest::newRow("excluded") << QStringLiteral("hotel -cheapest") << false << QStringList()
                              << QStringLiteral("2,5") << QString();
    QTest::newRow("only excluded") << QStringLiteral("-motel") << false << QStringList()
                                   << QStringLiteral("1,2,4,5") << QString();
    QTest::newRow("required") << QStringLiteral("+motel roach") << false << QStringList()
                              << QStringLiteral("3,6") << QStringLiteral("3");
    QTest::newRow("prefix") << QStringLiteral("lux*") << false << QStringList()
                            << QStringLiteral("5") << QString();
    QTest::newRow("phrase") << QStringLiteral("\"free parking\"") << false << QStringList()
                            << QStringLiteral("4") << QString();
    QTest::newRow("phrase order matters")
        << QStringLiteral("\"parking free\"") << false << QStringList() << QString() << QString();
    QTest::newRow("collection field") << QStringLiteral("rooftop spa") << false << QStringList()
                                      << QStringLiteral("2,5") << QStringLiteral("5");
    QTest::newRow("searchFields") << QStringLiteral("hotel") << false
                                  << QStringList { QStringLiteral("name") } << QStringLiteral("1,2")
                                  << QString();
    QTest::newRow("star") << QStringLiteral("*") << false << QStringList()
                          << QStringLiteral("1,2,3,4,5,6") << QString();
    QTest::newRow("punctuation only") << QStringLiteral("?! ()") << false << QStringList()
                                      << QStringLiteral("1,2,3,4,5,6") << QString();
    QTest::newRow("fts syntax is quoted")
        << QStringLiteral("NEAR(hotel town) OR \"") << false << QStringList()
        << QStringLiteral("1,2,3,5") << QString(); // "near" is a word here
    QTest::newRow("no match") << QStringLiteral("xylophone") << false << QStringList() << QString()
                              << QString();
}

void tst_SearchStore::fullText()
{
    QFETCH(QString, search);
    QFETCH(bool, all);
    QFETCH(QStringList, fields);
    QFETCH(QString, expected);
    QFETCH(QString, first);
    seed();
    SearchOptions o;
    o.search = search;
    o.searchModeAll = all;
    o.searchFields = fields;
    const auto r = m_store->search(QStringLiteral("hotels"), o);
    QVERIFY2(r.has_value(), qPrintable(errorText(r)));
    QCOMPARE(sorted(ids(*r)).join(QLatin1Char(',')), expected);
    if (!first.isEmpty())
        QCOMPARE(ids(*r).value(0), first);
    for (int i = 1; i < r->hits.size(); ++i)
        QVERIFY(r->hits.at(i - 1).score >= r->hits.at(i).score);
    if (!r->hits.isEmpty())
        QVERIFY(r->hits.at(0).score > 0);

    o.searchFields = { QStringLiteral("rating") };
    QCOMPARE(m_store->search(QStringLiteral("hotels"), o).error().status, 400);
    o.searchFields.clear();
    o.search = QStringList(300, QStringLiteral("hotel")).join(QLatin1Char(' ')); // a pasted essay
    QCOMPARE(m_store->search(QStringLiteral("hotels"), o).error().status, 400);
}

void tst_SearchStore::highlights()
{
    seed();
    SearchOptions o;
    o.search = QStringLiteral("hotel");
    o.highlightFields = { QStringLiteral("description") };
    o.filter = QStringLiteral("id eq '1' or id eq '4'");
    auto r = m_store->search(QStringLiteral("hotels"), o);
    QVERIFY2(r.has_value(), qPrintable(errorText(r)));
    QCOMPARE(r->hits.size(), 1);
    QCOMPARE(r->hits.at(0).highlights.value(QLatin1String("description")).toArray(),
        QJsonArray { QStringLiteral("Cheapest <em>hotel</em> in town") });
    o.highlightPreTag = QStringLiteral("[");
    o.highlightPostTag = QStringLiteral("]");
    o.highlightFields = { QStringLiteral("name"), QStringLiteral("description") };
    r = m_store->search(QStringLiteral("hotels"), o);
    QCOMPARE(r->hits.at(0).highlights.value(QLatin1String("name")).toArray(),
        QJsonArray { QStringLiteral("Nice [Hotel]") });
    o.highlightFields = { QStringLiteral("rating") };
    QCOMPARE(m_store->search(QStringLiteral("hotels"), o).error().status, 400);
}

void tst_SearchStore::vectorAndHybrid()
{
    seed();
    SearchOptions o;
    VectorQuery vq;
    vq.vector = { 1, 0, 0 };
    vq.fields = { QStringLiteral("embedding") };
    vq.k = 2;
    o.vectorQueries = { vq };
    o.includeCount = true;
    auto r = m_store->search(QStringLiteral("hotels"), o);
    QVERIFY2(r.has_value(), qPrintable(errorText(r)));
    QCOMPARE(ids(*r), (QStringList { QStringLiteral("1"), QStringLiteral("4") }));
    QCOMPARE(r->hits.at(0).score, 1.0); // cosine distance 0
    QCOMPARE(r->count.value_or(-1), 2);

    // A pre-filter applies before the k nearest are chosen.
    o.filter = QStringLiteral("rating ge 2");
    r = m_store->search(QStringLiteral("hotels"), o);
    QCOMPARE(ids(*r), (QStringList { QStringLiteral("1"), QStringLiteral("4") }));
    o.filter = QStringLiteral("rating ne 3");
    r = m_store->search(QStringLiteral("hotels"), o);
    QCOMPARE(ids(*r).value(0), QStringLiteral("4"));
    QCOMPARE(r->hits.size(), 2);
    // A post-filter applies after: fewer results.
    o.vectorPostFilter = true;
    r = m_store->search(QStringLiteral("hotels"), o);
    QCOMPARE(ids(*r), QStringList { QStringLiteral("4") });

    // Hybrid: text and vector rankings fused; a document in both lists ranks first.
    SearchOptions h;
    h.search = QStringLiteral("motel");
    vq.vector = { 0, 0, 1 };
    vq.k = 1;
    h.vectorQueries = { vq };
    r = m_store->search(QStringLiteral("hotels"), h);
    QVERIFY2(r.has_value(), qPrintable(errorText(r)));
    QCOMPARE(ids(*r).value(0), QStringLiteral("3"));
    QCOMPARE(sorted(ids(*r)), (QStringList { QStringLiteral("3"), QStringLiteral("6") }));

    vq.vector = { 1, 0 };
    h.vectorQueries = { vq };
    QCOMPARE(m_store->search(QStringLiteral("hotels"), h).error().status, 400);
    vq.vector = { 1, 0, 0 };
    vq.fields = { QStringLiteral("name") };
    h.vectorQueries = { vq };
    QCOMPARE(m_store->search(QStringLiteral("hotels"), h).error().status, 400);
}

void tst_SearchStore::lookup()
{
    seed();
    const auto doc = m_store->lookup(QStringLiteral("hotels"), QStringLiteral("5"),
        { QStringLiteral("name"), QStringLiteral("opened") });
    QVERIFY2(doc.has_value(), qPrintable(errorText(doc)));
    QCOMPARE(
        doc->value(QLatin1String("opened")).toString(), QStringLiteral("2015-07-04T16:30:00Z"));
    QCOMPARE(doc->size(), 2);
    QCOMPARE(m_store->lookup(QStringLiteral("hotels"), QStringLiteral("404")).error().status, 404);
    QCOMPARE(m_store->lookup(QStringLiteral("nosuch"), QStringLiteral("1")).error().status, 404);
    QCOMPARE(
        m_store->lookup(QStringLiteral("hotels"), QStringLiteral("1"), { QStringLiteral("secret") })
            .error()
            .status,
        400);
}

void tst_SearchStore::statistics()
{
    seed();
    const auto stats = m_store->statistics(QStringLiteral("hotels"));
    QVERIFY2(stats.has_value(), qPrintable(errorText(stats)));
    QCOMPARE(stats->documentCount, 6);
    QVERIFY(stats->storageSize > 0);
    QCOMPARE(stats->vectorIndexSize, qint64(4 * 3 * sizeof(float)));
}

void tst_SearchStore::persistsAcrossReopen()
{
    seed();
    m_store.reset();
    m_store = std::make_unique<SearchStore>(m_dir->filePath(QStringLiteral("search.db")));
    QVERIFY2(m_store->isOpen(), qPrintable(m_store->errorString()));
    QCOMPARE(m_store->indexNames(), QStringList { QStringLiteral("hotels") });
    QCOMPARE(*m_store->count(QStringLiteral("hotels")), 6);
    SearchOptions o;
    o.search = QStringLiteral("motel");
    o.filter = QStringLiteral("rating eq 1");
    QCOMPARE(
        ids(*m_store->search(QStringLiteral("hotels"), o)), QStringList { QStringLiteral("3") });
    // Writes still work after reopening (ids continue, no clash).
    QVERIFY(m_store->indexDocuments(QStringLiteral("hotels"),
        QJsonDocument::fromJson(R"([{"id": "7", "name": "New Motel"}])").array()));
    QCOMPARE(*m_store->count(QStringLiteral("hotels")), 7);
}

void tst_SearchStore::updateIndexAddsFields()
{
    seed();
    QJsonObject def = hotelsDefinition();
    QJsonArray fields = def.value(QLatin1String("fields")).toArray();
    fields.append(field("notes", "Edm.String"));
    fields.append(field("stars", "Edm.Int32"));
    def.insert(QStringLiteral("fields"), fields);
    bool created = true;
    const QString before = m_store->etag(QStringLiteral("hotels"));
    const auto updated = m_store->createIndex(def, true, &created);
    QVERIFY2(updated.has_value(), qPrintable(errorText(updated)));
    QVERIFY(!created);
    QVERIFY(m_store->etag(QStringLiteral("hotels")) != before);
    QVERIFY(m_store->indexDocuments(QStringLiteral("hotels"),
        QJsonDocument::fromJson(
            R"([{"@search.action": "merge", "id": "2", "notes": "renovated ballroom", "stars": 5}])")
            .array()));
    SearchOptions o;
    o.search = QStringLiteral("ballroom");
    QCOMPARE(
        ids(*m_store->search(QStringLiteral("hotels"), o)), QStringList { QStringLiteral("2") });
    o.search = QStringLiteral("motel"); // the rebuilt full-text index still holds the old text
    QCOMPARE(sorted(ids(*m_store->search(QStringLiteral("hotels"), o))),
        (QStringList { QStringLiteral("3"), QStringLiteral("6") }));
    o.search.clear();
    o.filter = QStringLiteral("stars eq 5");
    QCOMPARE(
        ids(*m_store->search(QStringLiteral("hotels"), o)), QStringList { QStringLiteral("2") });

    // Changing an existing field is refused, as the service refuses it.
    fields.replace(4, field("rating", "Edm.Double"));
    def.insert(QStringLiteral("fields"), fields);
    QCOMPARE(m_store->createIndex(def, true).error().status, 400);
    // Creating without allowUpdate conflicts.
    QCOMPARE(m_store->createIndex(hotelsDefinition()).error().status, 409);
}

void tst_SearchStore::deleteIndex()
{
    seed();
    QVERIFY(m_store->deleteIndex(QStringLiteral("hotels")).has_value());
    QVERIFY(m_store->indexNames().isEmpty());
    QCOMPARE(m_store->count(QStringLiteral("hotels")).error().status, 404);
    QCOMPARE(m_store->deleteIndex(QStringLiteral("hotels")).error().status, 404);
    seed(); // the name is free again
    QCOMPARE(*m_store->count(QStringLiteral("hotels")), 6);
}

void tst_SearchStore::knowledgeBaseIsDeterministic()
{
    const QList<QJsonObject> a = generateKnowledgeBase();
    QCOMPARE(a.size(), 2400);
    QCOMPARE(generateKnowledgeBase(), a);
    QCOMPARE(generateKnowledgeBase(10), a.mid(0, 10));
    const QList<QJsonObject> other = generateKnowledgeBase(2400, 7);
    QVERIFY(other != a); // the seed moves the dates...
    QCOMPARE(other.at(0).value(QLatin1String("question")),
        a.at(0).value(QLatin1String("question"))); // ...not the content

    static const QRegularExpression idRe(QStringLiteral("^faq-\\d{5}$"));
    QSet<QString> keys, questions, categories;
    for (const QJsonObject &doc : a) {
        QCOMPARE(doc.keys(),
            (QStringList { QStringLiteral("answer"), QStringLiteral("category"),
                QStringLiteral("id"), QStringLiteral("lastUpdated"), QStringLiteral("question") }));
        const QString id = doc.value(QLatin1String("id")).toString();
        QVERIFY2(idRe.match(id).hasMatch(), qPrintable(id));
        keys.insert(id);
        questions.insert(doc.value(QLatin1String("question")).toString());
        categories.insert(doc.value(QLatin1String("category")).toString());
        const QDateTime updated = QDateTime::fromString(
            doc.value(QLatin1String("lastUpdated")).toString(), Qt::ISODate);
        QVERIFY(updated.isValid());
        QCOMPARE(updated.timeSpec(), Qt::UTC);
        QVERIFY(doc.value(QLatin1String("answer")).toString().size() > 80);
    }
    QCOMPARE(keys.size(), 2400);
    QCOMPARE(questions.size(), 2400);
    QVERIFY(categories.size() >= 6);
    QCOMPARE(generateKnowledgeBase(12000).size(), 12000);

    // The definition is one the store (and the service) accepts.
    const auto def = m_store->createIndex(knowledgeBaseIndexDefinition(QStringLiteral("faq")));
    QVERIFY2(def.has_value(), qPrintable(errorText(def)));
    QCOMPARE(def->value(QLatin1String("defaultScoringProfile")).toString(),
        QStringLiteral("questionFirst"));
}

void tst_SearchStore::knowledgeBaseAnswers_data()
{
    QTest::addColumn<QString>("question");
    QTest::addColumn<QString>("questionHas"); // in the matched FAQ question
    QTest::addColumn<QString>("answerHas");
    QTest::addColumn<QString>("category");
    QTest::newRow("password") << QStringLiteral("How do I reset my password?")
                              << QStringLiteral("password") << QStringLiteral("password")
                              << QStringLiteral("IT Support");
    QTest::newRow("password, casual")
        << QStringLiteral("forgot password") << QStringLiteral("password")
        << QStringLiteral("password reset") << QStringLiteral("IT Support");
    QTest::newRow("vpn") << QStringLiteral("my vpn keeps disconnecting") << QStringLiteral("VPN")
                         << QStringLiteral("GlobalProtect") << QStringLiteral("IT Support");
    QTest::newRow("parental leave")
        << QStringLiteral("How much parental leave do I get?") << QStringLiteral("leave")
        << QStringLiteral("26 weeks") << QStringLiteral("HR");
    QTest::newRow("expenses") << QStringLiteral("How do I submit an expense claim?")
                              << QStringLiteral("expense") << QStringLiteral("Expenses app")
                              << QStringLiteral("Finance & Expenses");
    QTest::newRow("mfa") << QStringLiteral("I lost my phone with the authenticator app")
                         << QStringLiteral("authenticator") << QStringLiteral("MFA")
                         << QStringLiteral("IT Support");
    QTest::newRow("meeting room") << QStringLiteral("book a meeting room")
                                  << QStringLiteral("meeting room")
                                  << QStringLiteral("Workplace app")
                                  << QStringLiteral("Facilities");
    QTest::newRow("payday") << QStringLiteral("When is payday?") << QStringLiteral("payday")
                            << QStringLiteral("25th") << QStringLiteral("Payroll & Benefits");
    QTest::newRow("phishing") << QStringLiteral("I think I got a phishing email")
                              << QStringLiteral("phishing") << QStringLiteral("Report phishing")
                              << QStringLiteral("Security");
}

void tst_SearchStore::knowledgeBaseAnswers()
{
    QFETCH(QString, question);
    QFETCH(QString, questionHas);
    QFETCH(QString, answerHas);
    QFETCH(QString, category);
    QVERIFY(m_store->createIndex(knowledgeBaseIndexDefinition()).has_value());
    const auto loaded = m_store->uploadDocuments(QStringLiteral("kb"), generateKnowledgeBase());
    QVERIFY2(loaded.has_value(), qPrintable(errorText(loaded)));
    QCOMPARE(*m_store->count(QStringLiteral("kb")), 2400);

    QString id;
    const QString answer = m_store->bestAnswer(QStringLiteral("kb"), question, &id);
    QVERIFY2(answer.contains(answerHas), qPrintable(answer));
    const auto doc = m_store->lookup(QStringLiteral("kb"), id);
    QVERIFY2(doc.has_value(), qPrintable(id));
    QVERIFY2(
        doc->value(QLatin1String("question")).toString().contains(questionHas, Qt::CaseInsensitive),
        qPrintable(doc->value(QLatin1String("question")).toString()));
    QCOMPARE(doc->value(QLatin1String("category")).toString(), category);
    QCOMPARE(doc->value(QLatin1String("answer")).toString(), answer);

    QVERIFY(
        m_store->bestAnswer(QStringLiteral("kb"), QStringLiteral("xyzzy plugh"), &id).isEmpty());
    QVERIFY(id.isEmpty());
    QVERIFY(m_store->bestAnswer(QStringLiteral("nosuch"), question).isEmpty());
}

QTEST_GUILESS_MAIN(tst_SearchStore)
#include "tst_searchstore.moc"
