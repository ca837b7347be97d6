#include "jsonlocator.h"

#include <QRegularExpression>

#include <algorithm>

namespace dr {

namespace {

const QByteArray kBom = QByteArrayLiteral("\xEF\xBB\xBF");

bool isContinuationByte(char c)
{
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Characters of a bare token (number or literal); reading the whole run lets a message quote
// what was written ("got \"tru\"") instead of one character.
bool isTokenChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+'
        || c == '-' || c == '.' || c == '_';
}

// QJsonDocument rejects strings that are not UTF-8; saying so at the string (rather than
// at QJsonParseError's offset) tells the operator which value to retype.
bool isValidUtf8(const char *data, qsizetype size)
{
    const auto *p = reinterpret_cast<const unsigned char *>(data);
    const auto *end = p + size;
    while (p < end) {
        const unsigned char c = *p;
        int extra = 0;
        char32_t cp = 0;
        if (c < 0x80) {
            ++p;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            extra = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            extra = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (end - p <= extra)
            return false;
        for (int i = 1; i <= extra; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        static constexpr char32_t kMinimum[] = { 0, 0x80, 0x800, 0x10000 };
        if (cp < kMinimum[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += extra + 1;
    }
    return true;
}

class Scanner
{
public:
    Scanner(const JsonLocator &locator, const QByteArray &text, QHash<QString, qsizetype> &offsets,
        std::optional<JsonSyntaxError> &error, QList<JsonDuplicateKey> &duplicates)
        : m_locator(locator)
        , m_text(text)
        , m_offsets(offsets)
        , m_error(error)
        , m_duplicates(duplicates)
    { }

    void scanDocument()
    {
        if (m_text.startsWith(kBom))
            m_pos = kBom.size();
        skipSpace();
        if (atEnd()) {
            fail(QString(), m_pos, QStringLiteral("the text is empty; expected a JSON value"));
            return;
        }
        m_offsets.insert(QString(), m_pos);
        if (peek() != '{' && peek() != '[') {
            fail(QString(), m_pos,
                QStringLiteral("expected an object or an array as the document; got %1")
                    .arg(describeNext()));
            return;
        }
        if (!value(QString(), 0, true))
            return;
        skipSpace();
        if (!atEnd()) {
            fail(QString(), m_pos,
                QStringLiteral("expected the end of the document after the top-level value; got %1")
                    .arg(describeNext()));
        }
    }

private:
    bool atEnd() const { return m_pos >= m_text.size(); }
    char peek() const { return atEnd() ? '\0' : m_text.at(m_pos); }

    void skipSpace()
    {
        while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
            ++m_pos;
    }

    bool fail(const QString &pointer, qsizetype offset, const QString &message)
    {
        if (m_error)
            return false;
        QString text = message;
        // QJsonDocument lets a string run over a line break, so a missing closing quote shows
        // up later, somewhere else: name the string that probably lacks it.
        if (m_lineBrokenString >= 0 && m_lineBrokenString < offset) {
            const TextPosition at = m_locator.positionAt(m_lineBrokenString);
            text += QStringLiteral(" (the string at line %1, column %2 runs over a line break: is "
                                   "its closing '\"' missing?)")
                        .arg(at.line)
                        .arg(at.column);
        }
        m_error = JsonSyntaxError { pointer, m_locator.positionAt(offset), text };
        return false;
    }

    // Where the text runs out is after its last visible character, not on the empty line
    // that a final newline opens.
    bool failAtEnd(const QString &pointer, qsizetype open, const QString &what, char close)
    {
        qsizetype end = m_text.size();
        while (end > 0 && QByteArrayView(" \t\r\n").contains(m_text.at(end - 1)))
            --end;
        const TextPosition opened = m_locator.positionAt(open);
        return fail(pointer, end,
            QStringLiteral("the file ends before the %1 that starts at line %2, column %3 "
                           "is closed with '%4'")
                .arg(what)
                .arg(opened.line)
                .arg(opened.column)
                .arg(QLatin1Char(close)));
    }

    // A short quote of the text at the current position, for "got ..." in messages.
    QString describeNext() const
    {
        if (atEnd())
            return QStringLiteral("the end of the file");
        const char c = peek();
        if (isTokenChar(c)) {
            qsizetype end = m_pos;
            while (end < m_text.size() && end - m_pos < 24 && isTokenChar(m_text.at(end)))
                ++end;
            return QStringLiteral("\"%1\"").arg(QString::fromUtf8(m_text.mid(m_pos, end - m_pos)));
        }
        if (c == '/')
            return QStringLiteral("'/' (comments are not allowed in JSON)");
        if (c == '\'')
            return QStringLiteral("'\\'' (JSON strings and names take double quotes)");
        qsizetype end = m_pos + 1;
        while (end < m_text.size() && isContinuationByte(m_text.at(end)))
            ++end;
        return QStringLiteral("'%1'").arg(QString::fromUtf8(m_text.mid(m_pos, end - m_pos)));
    }

    bool value(const QString &pointer, int depth, bool record)
    {
        skipSpace();
        // A member is located at its key (recorded by object()); elements and the document
        // at their first character.
        if (record)
            m_offsets.insert(pointer, m_pos);
        switch (peek()) {
        case '{':
            return object(pointer, depth + 1);
        case '[':
            return array(pointer, depth + 1);
        case '"':
            return string(pointer, nullptr);
        default:
            return scalar(pointer);
        }
    }

    bool scalar(const QString &pointer)
    {
        static const QRegularExpression number(QStringLiteral(
            "^-?(?:(?:0|[1-9][0-9]*)(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"));
        const qsizetype start = m_pos;
        while (!atEnd() && isTokenChar(peek()))
            ++m_pos;
        const QByteArray token = m_text.mid(start, m_pos - start);
        if (token == "true" || token == "false" || token == "null")
            return true;
        const char first = token.isEmpty() ? '\0' : token.at(0);
        if ((first >= '0' && first <= '9') || first == '-' || first == '.') {
            if (number.match(QString::fromLatin1(token)).hasMatch())
                return true;
            return fail(pointer, start,
                QStringLiteral("\"%1\" is not a valid number").arg(QString::fromLatin1(token)));
        }
        m_pos = start;
        return fail(pointer, start,
            QStringLiteral("expected a value (an object, array, string, number, true, false "
                           "or null); got %1")
                .arg(describeNext()));
    }

    bool string(const QString &pointer, QString *out)
    {
        const qsizetype start = m_pos++;
        QString decoded;
        qsizetype run = m_pos;
        const auto flush = [&] {
            if (out)
                decoded += QString::fromUtf8(m_text.constData() + run, m_pos - run);
        };
        while (!atEnd()) {
            const char c = peek();
            if (c == '"') {
                flush();
                ++m_pos;
                if (!isValidUtf8(m_text.constData() + start + 1, m_pos - start - 2)) {
                    return fail(pointer, start,
                        QStringLiteral("this string holds bytes that are not UTF-8; save "
                                       "the file as UTF-8"));
                }
                if (out)
                    *out = decoded;
                return true;
            }
            if (c != '\\') {
                if (c == '\n' && m_lineBrokenString < 0)
                    m_lineBrokenString = start;
                ++m_pos;
                continue;
            }
            flush();
            if (m_pos + 1 >= m_text.size())
                break;
            const char e = m_text.at(m_pos + 1);
            if (e == 'u') {
                // Decoded as UTF-16 code units, so that a surrogate pair becomes one character
                // exactly as QJsonDocument decodes it; keys must compare equal.
                bool ok = m_pos + 6 <= m_text.size();
                const QByteArray hex = m_text.mid(m_pos + 2, 4);
                for (const char h : hex)
                    ok = ok && QByteArrayView("0123456789abcdefABCDEF").contains(h);
                if (!ok) {
                    return fail(pointer, m_pos,
                        QStringLiteral("invalid escape: \\u must be followed by four "
                                       "hexadecimal digits"));
                }
                decoded += QChar(hex.toUShort(nullptr, 16));
                m_pos += 6;
            } else {
                // QJsonDocument takes an unknown escape as the character itself; so do we.
                switch (e) {
                case 'n':
                    decoded += u'\n';
                    break;
                case 't':
                    decoded += u'\t';
                    break;
                case 'r':
                    decoded += u'\r';
                    break;
                case 'b':
                    decoded += u'\b';
                    break;
                case 'f':
                    decoded += u'\f';
                    break;
                default:
                    decoded += QLatin1Char(e);
                    break;
                }
                m_pos += 2;
            }
            run = m_pos;
        }
        return fail(
            pointer, start, QStringLiteral("the string that starts here is not closed with '\"'"));
    }

    void forgetBelow(const QString &pointer)
    {
        const QString prefix = pointer + u'/';
        m_offsets.removeIf(
            [&](QHash<QString, qsizetype>::iterator it) { return it.key().startsWith(prefix); });
    }

    bool object(const QString &pointer, int depth)
    {
        if (depth > JsonLocator::kMaxDepth) {
            return fail(pointer, m_pos,
                QStringLiteral("the document is nested more than %1 levels deep")
                    .arg(JsonLocator::kMaxDepth));
        }
        const qsizetype open = m_pos++;
        QHash<QString, qsizetype> seen;
        bool afterComma = false;
        for (;;) {
            skipSpace();
            if (peek() == '}') {
                if (afterComma) {
                    return fail(pointer, m_pos,
                        QStringLiteral("expected another member after ','; a trailing comma "
                                       "is not allowed in JSON"));
                }
                ++m_pos;
                return true;
            }
            if (atEnd())
                return failAtEnd(pointer, open, QStringLiteral("object"), '}');
            if (peek() != '"') {
                return fail(pointer, m_pos,
                    QStringLiteral("expected a member name in double quotes; got %1")
                        .arg(describeNext()));
            }
            const qsizetype keyOffset = m_pos;
            QString key;
            if (!string(pointer, &key))
                return false;
            const QString child = pointer + u'/' + JsonLocator::escapeToken(key);
            if (const auto it = seen.constFind(key); it != seen.constEnd()) {
                // QJsonDocument keeps the last value: locate that one, forget the first's insides.
                m_duplicates.append(
                    { child, m_locator.positionAt(it.value()), m_locator.positionAt(keyOffset) });
                forgetBelow(child);
            }
            seen.insert(key, keyOffset);
            // A member's location is its key: that is where an editor should put the cursor.
            m_offsets.insert(child, keyOffset);
            skipSpace();
            if (peek() != ':') {
                return fail(pointer, m_pos,
                    QStringLiteral("expected ':' after the member name \"%1\"; got %2")
                        .arg(key, describeNext()));
            }
            ++m_pos;
            if (!value(child, depth, false))
                return false;
            skipSpace();
            if (peek() == ',') {
                ++m_pos;
                afterComma = true;
                continue;
            }
            if (peek() == '}') {
                ++m_pos;
                return true;
            }
            if (atEnd())
                return failAtEnd(pointer, open, QStringLiteral("object"), '}');
            return fail(pointer, m_pos,
                QStringLiteral("expected ',' or '}' after the member \"%1\"; got %2%3")
                    .arg(key, describeNext(),
                        peek() == '"' ? QStringLiteral(" (is a comma missing?)") : QString()));
        }
    }

    bool array(const QString &pointer, int depth)
    {
        if (depth > JsonLocator::kMaxDepth) {
            return fail(pointer, m_pos,
                QStringLiteral("the document is nested more than %1 levels deep")
                    .arg(JsonLocator::kMaxDepth));
        }
        const qsizetype open = m_pos++;
        bool afterComma = false;
        for (int index = 0;; ++index) {
            skipSpace();
            if (peek() == ']') {
                if (afterComma) {
                    return fail(pointer, m_pos,
                        QStringLiteral("expected another element after ','; a trailing comma "
                                       "is not allowed in JSON"));
                }
                ++m_pos;
                return true;
            }
            if (atEnd())
                return failAtEnd(pointer, open, QStringLiteral("array"), ']');
            if (!value(pointer + u'/' + QString::number(index), depth, true))
                return false;
            skipSpace();
            if (peek() == ',') {
                ++m_pos;
                afterComma = true;
                continue;
            }
            if (peek() == ']') {
                ++m_pos;
                return true;
            }
            if (atEnd())
                return failAtEnd(pointer, open, QStringLiteral("array"), ']');
            const bool valueStart = QByteArrayView("{[\"").contains(peek()) || isTokenChar(peek());
            return fail(pointer, m_pos,
                QStringLiteral("expected ',' or ']' after an array element; got %1%2")
                    .arg(describeNext(),
                        valueStart ? QStringLiteral(" (is a comma missing?)") : QString()));
        }
    }

    const JsonLocator &m_locator;
    const QByteArray &m_text;
    QHash<QString, qsizetype> &m_offsets;
    std::optional<JsonSyntaxError> &m_error;
    QList<JsonDuplicateKey> &m_duplicates;
    qsizetype m_pos = 0;
    qsizetype m_lineBrokenString = -1; // offset of the first string holding a raw line break
};

QList<qsizetype> lineStarts(const QByteArray &text)
{
    QList<qsizetype> starts { 0 };
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text.at(i) == '\n')
            starts.append(i + 1);
    }
    return starts;
}

TextPosition positionIn(const QByteArray &text, const QList<qsizetype> &starts, qsizetype offset)
{
    offset = std::clamp<qsizetype>(offset, 0, text.size());
    const auto it = std::upper_bound(starts.cbegin(), starts.cend(), offset) - 1;
    qsizetype from = *it;
    // An editor does not show a byte order mark: it takes no column.
    if (from == 0 && text.startsWith(kBom) && offset >= kBom.size())
        from = kBom.size();
    int column = 1;
    for (qsizetype i = from; i < offset; ++i) {
        if (!isContinuationByte(text.at(i)))
            ++column; // count characters, not UTF-8 continuation bytes
    }
    return { int(it - starts.cbegin()) + 1, column };
}

} // namespace

JsonLocator::JsonLocator(const QByteArray &text)
    : m_text(text)
    , m_lineStarts(lineStarts(text))
{
    Scanner(*this, m_text, m_offsets, m_error, m_duplicates).scanDocument();
}

TextPosition JsonLocator::position(const QString &pointer) const
{
    QString p = pointer;
    for (;;) {
        const auto it = m_offsets.constFind(p);
        if (it != m_offsets.constEnd())
            return positionAt(it.value());
        if (p.isEmpty())
            return {};
        p.truncate(std::max<qsizetype>(p.lastIndexOf(u'/'), 0));
    }
}

TextPosition JsonLocator::positionAt(qsizetype offset) const
{
    return positionIn(m_text, m_lineStarts, offset);
}

TextPosition JsonLocator::positionOfOffset(const QByteArray &text, qsizetype offset)
{
    return positionIn(text, lineStarts(text), offset);
}

QString JsonLocator::escapeToken(const QString &token)
{
    QString t = token;
    t.replace(u'~', QStringLiteral("~0"));
    t.replace(u'/', QStringLiteral("~1"));
    return t;
}

} // namespace dr
