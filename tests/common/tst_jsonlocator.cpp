// JsonLocator: every value of a document is found at the line:column an editor shows, and a
// syntax error is placed on the offending token with what was expected there. The scan must
// never call valid JSON broken (QJsonDocument is the judge of validity), so each error row
// also checks that QJsonDocument rejects the text, and each valid row that it accepts it.

#include "common/jsonlocator.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace dr;

namespace {

const QByteArray kDocument = QByteArrayLiteral(R"json({
  "name": "bot",
  "list": [1, {"a": true}, [null, "x"]],
  "nested": {
    "a/b": {"c~d": -1.5e3},
    "": "empty key"
  }
})json");

} // namespace

class tst_JsonLocator : public QObject
{
    Q_OBJECT

private slots:
    void position_data();
    void position();
    void fallsBackToClosestAncestor();
    void countsCharactersNotBytes();
    void byteOrderMarkTakesNoColumn();
    void crlfLineEnds();
    void escapedKeysMatchQJsonDocument();
    void duplicateKeys();
    void syntaxError_data();
    void syntaxError();
    void acceptsWhatQJsonDocumentAccepts_data();
    void acceptsWhatQJsonDocumentAccepts();
    void deepNestingStopsWithoutCrashing();
    void positionOfOffset();
    void escapeToken_data();
    void escapeToken();
};

void tst_JsonLocator::position_data()
{
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");

    // A member is at its key; an array element and the document at their first character.
    QTest::newRow("document") << QString() << 1 << 1;
    QTest::newRow("member") << QStringLiteral("/name") << 2 << 3;
    QTest::newRow("array") << QStringLiteral("/list") << 3 << 3;
    QTest::newRow("number element") << QStringLiteral("/list/0") << 3 << 12;
    QTest::newRow("object element") << QStringLiteral("/list/1") << 3 << 15;
    QTest::newRow("member of element") << QStringLiteral("/list/1/a") << 3 << 16;
    QTest::newRow("nested array element") << QStringLiteral("/list/2/1") << 3 << 35;
    QTest::newRow("escaped slash") << QStringLiteral("/nested/a~1b") << 5 << 5;
    QTest::newRow("escaped tilde") << QStringLiteral("/nested/a~1b/c~0d") << 5 << 13;
    QTest::newRow("empty key") << QStringLiteral("/nested/") << 6 << 5;
}

void tst_JsonLocator::position()
{
    QFETCH(QString, pointer);
    QFETCH(int, line);
    QFETCH(int, column);

    const JsonLocator locator(kDocument);
    QVERIFY(!locator.syntaxError());
    QVERIFY(locator.contains(pointer));
    QCOMPARE(locator.position(pointer), (TextPosition{line, column}));
}

void tst_JsonLocator::fallsBackToClosestAncestor()
{
    const JsonLocator locator(kDocument);
    // A missing key is reported at the object that should hold it.
    QVERIFY(!locator.contains(QStringLiteral("/nested/a~1b/missing")));
    QCOMPARE(locator.position(QStringLiteral("/nested/a~1b/missing")), (TextPosition{5, 5}));
    QCOMPARE(locator.position(QStringLiteral("/list/7/x")), (TextPosition{3, 3}));
    QCOMPARE(locator.position(QStringLiteral("/nowhere")), (TextPosition{1, 1}));
    // Not a pointer at all (no leading '/'): the document, not a crash.
    QCOMPARE(locator.position(QStringLiteral("name")), (TextPosition{1, 1}));
}

void tst_JsonLocator::countsCharactersNotBytes()
{
    // "é" and "€" are 2 and 3 bytes in UTF-8 but one column each in an editor.
    const QByteArray text = QStringLiteral("{\"é€\": 1, \"b\": 2}").toUtf8();
    const JsonLocator locator(text);
    QCOMPARE(locator.position(QStringLiteral("/b")), (TextPosition{1, 11}));
}

void tst_JsonLocator::byteOrderMarkTakesNoColumn()
{
    const QByteArray text = QByteArrayLiteral("\xEF\xBB\xBF{\"a\": 1}");
    QVERIFY(!QJsonDocument::fromJson(text).isNull()); // QJsonDocument accepts a BOM
    const JsonLocator locator(text);
    QVERIFY(!locator.syntaxError());
    QCOMPARE(locator.position(QString()), (TextPosition{1, 1}));
    QCOMPARE(locator.position(QStringLiteral("/a")), (TextPosition{1, 2}));
}

void tst_JsonLocator::crlfLineEnds()
{
    const JsonLocator locator(QByteArrayLiteral("{\r\n  \"a\": 1,\r\n  \"b\": 2\r\n}\r\n"));
    QVERIFY(!locator.syntaxError());
    QCOMPARE(locator.position(QStringLiteral("/a")), (TextPosition{2, 3}));
    QCOMPARE(locator.position(QStringLiteral("/b")), (TextPosition{3, 3}));
}

void tst_JsonLocator::escapedKeysMatchQJsonDocument()
{
    // The pointer built from a key must equal the one built from QJsonObject's key, or the
    // lookup silently falls back to the parent: \u escapes, surrogate pairs, \" and \\.
    const QByteArray text = QByteArrayLiteral(R"({"caf\u00e9": 1, "\ud83d\ude00": 2, "q\"\\": 3})");
    const QJsonObject object = QJsonDocument::fromJson(text).object();
    QCOMPARE(object.size(), 3);
    const JsonLocator locator(text);
    QVERIFY(!locator.syntaxError());
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        const QString pointer = u'/' + JsonLocator::escapeToken(it.key());
        QVERIFY2(locator.contains(pointer), qPrintable(pointer));
    }
    QCOMPARE(locator.position(QStringLiteral("/\U0001F600")), (TextPosition{1, 18}));
}

void tst_JsonLocator::duplicateKeys()
{
    const QByteArray text = QByteArrayLiteral("{\n  \"a\": {\"x\": 1},\n  \"b\": 2,\n  \"a\": {\"y\": 3}\n}");
    // QJsonDocument keeps the last value: the locator must point there, not at the first.
    QCOMPARE(QJsonDocument::fromJson(text).object().value(QStringLiteral("a")).toObject().keys(),
             QStringList{QStringLiteral("y")});
    const JsonLocator locator(text);
    QVERIFY(!locator.syntaxError());
    QCOMPARE(locator.position(QStringLiteral("/a")), (TextPosition{4, 3}));
    QCOMPARE(locator.position(QStringLiteral("/a/y")), (TextPosition{4, 9}));
    QVERIFY(!locator.contains(QStringLiteral("/a/x"))); // the dropped value is forgotten
    QCOMPARE(locator.duplicateKeys().size(), 1);
    const JsonDuplicateKey &dup = locator.duplicateKeys().constFirst();
    QCOMPARE(dup.pointer, QStringLiteral("/a"));
    QCOMPARE(dup.first, (TextPosition{2, 3}));
    QCOMPARE(dup.repeated, (TextPosition{4, 3}));

    // The same key in two different objects is not a duplicate.
    QVERIFY(JsonLocator(QByteArrayLiteral(R"({"a": {"id": 1}, "b": {"id": 2}})")).duplicateKeys().isEmpty());
}

void tst_JsonLocator::syntaxError_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message");

    QTest::newRow("missing comma between members")
        << QByteArrayLiteral("{\n  \"a\": 1\n  \"b\": 2\n}") << QString() << 3 << 3
        << QStringLiteral("expected ',' or '}' after the member \"a\"; got '\"' (is a comma missing?)");
    QTest::newRow("missing comma between elements")
        << QByteArrayLiteral("{\"a\": [1 2]}") << QStringLiteral("/a") << 1 << 10
        << QStringLiteral("expected ',' or ']' after an array element; got \"2\" (is a comma missing?)");
    QTest::newRow("trailing comma in object")
        << QByteArrayLiteral("{\n  \"a\": {\"b\": 1,\n  }\n}") << QStringLiteral("/a") << 3 << 3
        << QStringLiteral("a trailing comma is not allowed");
    QTest::newRow("trailing comma in array")
        << QByteArrayLiteral("{\"a\": [1, 2, ]}") << QStringLiteral("/a") << 1 << 14
        << QStringLiteral("a trailing comma is not allowed");
    QTest::newRow("missing colon")
        << QByteArrayLiteral("{\"a\" 1}") << QString() << 1 << 6
        << QStringLiteral("expected ':' after the member name \"a\"; got \"1\"");
    QTest::newRow("unquoted name")
        << QByteArrayLiteral("{\"a\": 1, b: 2}") << QString() << 1 << 10
        << QStringLiteral("expected a member name in double quotes; got \"b\"");
    QTest::newRow("single quotes")
        << QByteArrayLiteral("{\"a\": 'x'}") << QStringLiteral("/a") << 1 << 7
        << QStringLiteral("JSON strings and names take double quotes");
    QTest::newRow("misspelt literal")
        << QByteArrayLiteral("{\n  \"on\": tru\n}") << QStringLiteral("/on") << 2 << 9
        << QStringLiteral("expected a value (an object, array, string, number, true, false or null); got \"tru\"");
    QTest::newRow("bad number")
        << QByteArrayLiteral("{\"a\": 1e}") << QStringLiteral("/a") << 1 << 7
        << QStringLiteral("\"1e\" is not a valid number");
    QTest::newRow("leading zero")
        << QByteArrayLiteral("{\"a\": 012}") << QStringLiteral("/a") << 1 << 7
        << QStringLiteral("\"012\" is not a valid number");
    QTest::newRow("missing value")
        << QByteArrayLiteral("{\"a\": }") << QStringLiteral("/a") << 1 << 7
        << QStringLiteral("expected a value (an object, array, string, number, true, false or null); got '}'");
    QTest::newRow("unterminated string")
        << QByteArrayLiteral("{\"a\": \"abc}") << QStringLiteral("/a") << 1 << 7
        << QStringLiteral("the string that starts here is not closed");
    QTest::newRow("bad unicode escape")
        << QByteArrayLiteral("{\"a\": \"x\\u12\"}") << QStringLiteral("/a") << 1 << 9
        << QStringLiteral("\\u must be followed by four hexadecimal digits");
    QTest::newRow("not UTF-8")
        << QByteArrayLiteral("{\"a\": \"caf\xE9\"}") << QStringLiteral("/a") << 1 << 7
        << QStringLiteral("not UTF-8");
    QTest::newRow("object not closed")
        << QByteArrayLiteral("{\n  \"a\": {\"b\": 1}\n\n") << QString() << 2 << 16
        << QStringLiteral("the file ends before the object that starts at line 1, column 1 is closed with '}'");
    QTest::newRow("array not closed")
        << QByteArrayLiteral("{\"a\": [1, 2") << QStringLiteral("/a") << 1 << 12
        << QStringLiteral("the file ends before the array that starts at line 1, column 7 is closed with ']'");
    QTest::newRow("comment")
        << QByteArrayLiteral("{\n  // the bot\n  \"a\": 1\n}") << QString() << 2 << 3
        << QStringLiteral("comments are not allowed in JSON");
    QTest::newRow("text after the document")
        << QByteArrayLiteral("{\"a\": 1}\n}") << QString() << 2 << 1
        << QStringLiteral("expected the end of the document after the top-level value; got '}'");
    // QJsonDocument (6.4) takes only an object or an array as a document.
    QTest::newRow("top-level scalar")
        << QByteArrayLiteral("\n  42") << QString() << 2 << 3
        << QStringLiteral("expected an object or an array as the document; got \"42\"");
    QTest::newRow("empty") << QByteArrayLiteral(" \n ") << QString() << 2 << 2
                           << QStringLiteral("the text is empty");
}

void tst_JsonLocator::syntaxError()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, pointer);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);

    QJsonParseError qtError;
    QJsonDocument::fromJson(text, &qtError);
    QVERIFY2(qtError.error != QJsonParseError::NoError, "QJsonDocument accepts this text");

    const JsonLocator locator(text);
    QVERIFY(locator.syntaxError().has_value());
    const JsonSyntaxError &error = *locator.syntaxError();
    QCOMPARE(error.pointer, pointer);
    QCOMPARE(error.position, (TextPosition{line, column}));
    QVERIFY2(error.message.contains(message), qPrintable(error.message));
}

void tst_JsonLocator::acceptsWhatQJsonDocumentAccepts_data()
{
    QTest::addColumn<QByteArray>("text");

    // QJsonDocument is more lenient than RFC 8259 in these; the scan must not disagree, or
    // every position after them would be lost.
    QTest::newRow("raw tab in string") << QByteArrayLiteral("{\"a\": \"x\ty\", \"b\": 1}");
    QTest::newRow("raw newline in string") << QByteArrayLiteral("{\"a\": \"x\ny\", \"b\": 1}");
    QTest::newRow("number ending in dot") << QByteArrayLiteral("{\"a\": 1., \"b\": 1}");
    QTest::newRow("number starting with dot") << QByteArrayLiteral("{\"a\": .5, \"b\": 1}");
    QTest::newRow("unknown escape") << QByteArrayLiteral("{\"a\": \"\\x\", \"b\": 1}");
    QTest::newRow("lone surrogate escape") << QByteArrayLiteral("{\"a\": \"\\ud83d\", \"b\": 1}");
    QTest::newRow("exponent") << QByteArrayLiteral("{\"a\": -0.5E+3, \"b\": 1}");
    QTest::newRow("empty containers") << QByteArrayLiteral("{\"a\": {}, \"c\": [], \"b\": 1}");
    QTest::newRow("top-level array") << QByteArrayLiteral("[{\"b\": 1}]");
}

void tst_JsonLocator::acceptsWhatQJsonDocumentAccepts()
{
    QFETCH(QByteArray, text);

    QJsonParseError qtError;
    QJsonDocument::fromJson(text, &qtError);
    QCOMPARE(qtError.error, QJsonParseError::NoError);
    const JsonLocator locator(text);
    // QVERIFY2 evaluates its message even when the check passes: never dereference there.
    QVERIFY2(!locator.syntaxError(), locator.syntaxError() ? qPrintable(locator.syntaxError()->message) : "");
    QVERIFY(locator.contains(QString()));
}

void tst_JsonLocator::deepNestingStopsWithoutCrashing()
{
    // A hostile profile must not exhaust the stack: the scan gives up where QJsonDocument does.
    const int depth = 100000;
    const QByteArray text = QByteArray(depth, '[') + QByteArray(depth, ']');
    QVERIFY(QJsonDocument::fromJson(text).isNull());
    const JsonLocator locator(text);
    QVERIFY(locator.syntaxError().has_value());
    QVERIFY(locator.syntaxError()->message.contains(QStringLiteral("nested more than")));
    QCOMPARE(locator.syntaxError()->position, (TextPosition{1, JsonLocator::kMaxDepth + 1}));

    const QByteArray fine = QByteArray(100, '[') + QByteArray(100, ']');
    QVERIFY(!JsonLocator(fine).syntaxError());
}

void tst_JsonLocator::positionOfOffset()
{
    const QByteArray text = QByteArrayLiteral("ab\ncd\n\nxé");
    QCOMPARE(JsonLocator::positionOfOffset(text, 0), (TextPosition{1, 1}));
    QCOMPARE(JsonLocator::positionOfOffset(text, 2), (TextPosition{1, 3})); // the newline itself
    QCOMPARE(JsonLocator::positionOfOffset(text, 3), (TextPosition{2, 1}));
    QCOMPARE(JsonLocator::positionOfOffset(text, 6), (TextPosition{3, 1}));
    QCOMPARE(JsonLocator::positionOfOffset(text, 8), (TextPosition{4, 2}));
    QCOMPARE(JsonLocator::positionOfOffset(text, text.size()), (TextPosition{4, 3}));
    // Out of range offsets are clamped, not read past the end.
    QCOMPARE(JsonLocator::positionOfOffset(text, 1000), (TextPosition{4, 3}));
    QCOMPARE(JsonLocator::positionOfOffset(text, -5), (TextPosition{1, 1}));
    QCOMPARE(JsonLocator::positionOfOffset(QByteArray(), 0), (TextPosition{1, 1}));
}

void tst_JsonLocator::escapeToken_data()
{
    QTest::addColumn<QString>("token");
    QTest::addColumn<QString>("escaped");

    QTest::newRow("plain") << QStringLiteral("regions") << QStringLiteral("regions");
    QTest::newRow("slash") << QStringLiteral("a/b") << QStringLiteral("a~1b");
    QTest::newRow("tilde") << QStringLiteral("a~b") << QStringLiteral("a~0b");
    // RFC 6901: "~1" in a key must become "~01", not "~1" read back as "/".
    QTest::newRow("tilde one") << QStringLiteral("~1") << QStringLiteral("~01");
    QTest::newRow("empty") << QString() << QString();
}

void tst_JsonLocator::escapeToken()
{
    QFETCH(QString, token);
    QFETCH(QString, escaped);
    QCOMPARE(JsonLocator::escapeToken(token), escaped);
}

QTEST_APPLESS_MAIN(tst_JsonLocator)
#include "tst_jsonlocator.moc"
