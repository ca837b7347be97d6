#pragma once

// Maps JSON pointers (RFC 6901) to line:column positions in the text they were parsed from.
// QJsonDocument keeps no positions, so diagnostics about a value (not only syntax errors)
// would otherwise point nowhere; this scans the text once and remembers where each value
// starts. The scan is tolerant: on malformed text it stops, records what it expected there,
// and lookups fall back to the nearest known ancestor.
//
// Two things QJsonDocument hides are reported here too: the exact place of a syntax error
// (QJsonParseError's offset often lies past the offending token, sometimes on the next line)
// and keys repeated within one object (QJsonDocument silently keeps the last one).
//
// Lines and columns are 1-based; a column counts characters (code points), a tab is one.

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <optional>

namespace dr {

struct TextPosition
{
    int line = 0; // 1-based; 0 when unknown
    int column = 0;
    bool operator==(const TextPosition &) const = default;
};

struct JsonSyntaxError
{
    QString pointer; // innermost value being read when the scan failed ("" = document)
    TextPosition position; // where the offending text starts
    QString message; // what was expected there, e.g. "expected ',' or '}' ..."
};

struct JsonDuplicateKey
{
    QString pointer; // of the member; position(pointer) is its last occurrence
    TextPosition first; // the earlier occurrence, whose value QJsonDocument drops
    TextPosition repeated; // the occurrence that wins
};

class JsonLocator
{
public:
    explicit JsonLocator(const QByteArray &text);

    // Position of the value at pointer (or of its key, for a member), or of the closest
    // ancestor that was found. When a key is repeated, the last occurrence (the one
    // QJsonDocument keeps) is the one located.
    TextPosition position(const QString &pointer) const;
    // Whether pointer itself (not an ancestor) was found.
    bool contains(const QString &pointer) const { return m_offsets.contains(pointer); }

    // The first syntax error, if the text is not well-formed JSON. The scan accepts what
    // QJsonDocument accepts (it is lenient about a few things RFC 8259 forbids, such as raw
    // tabs in strings); when it disagrees, trust QJsonDocument and this as a hint.
    const std::optional<JsonSyntaxError> &syntaxError() const { return m_error; }
    const QList<JsonDuplicateKey> &duplicateKeys() const { return m_duplicates; }

    TextPosition positionAt(qsizetype offset) const;

    static TextPosition positionOfOffset(const QByteArray &text, qsizetype offset);
    static QString escapeToken(const QString &token);

    // QJsonDocument refuses documents nested deeper than this; the scan stops there too,
    // so that a hostile file cannot exhaust the stack.
    static constexpr int kMaxDepth = 1024;

private:
    QByteArray m_text;
    QList<qsizetype> m_lineStarts; // offset of the first byte of each line
    QHash<QString, qsizetype> m_offsets;
    std::optional<JsonSyntaxError> m_error;
    QList<JsonDuplicateKey> m_duplicates;
};

} // namespace dr
