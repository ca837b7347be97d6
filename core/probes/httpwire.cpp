#include "httpwire.h"

#include <QByteArrayView>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

namespace dr::httpwire {

namespace {

bool isTokenChar(char c)
{
    // RFC 9110 5.6.2: tchar.
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isToken(const QByteArray &name)
{
    if (name.isEmpty())
        return false;
    return std::all_of(name.cbegin(), name.cend(), isTokenChar);
}

bool isSafeValue(const QByteArray &value)
{
    return !value.contains('\r') && !value.contains('\n') && !value.contains('\0');
}

qsizetype indexOfName(const QList<Header> &headers, const QByteArray &name)
{
    for (qsizetype i = 0; i < headers.size(); ++i) {
        if (headers.at(i).first.compare(name, Qt::CaseInsensitive) == 0)
            return i;
    }
    return -1;
}

// Digits only, no sign, no overflow (a body over 10^18 bytes is not a body we read anyway).
bool parseLength(QByteArrayView text, qint64 *out)
{
    text = text.trimmed();
    if (text.isEmpty() || text.size() > 18)
        return false;
    qint64 v = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
}

} // namespace

QByteArray buildGetRequest(const QUrl &url, const QList<Header> &headers, QString *error)
{
    QList<Header> merged;
    merged.reserve(headers.size() + 2);
    for (const Header &h : headers) {
        if (!isToken(h.first) || !isSafeValue(h.second)) {
            // The name only: the value may be a secret.
            *error = QStringLiteral("invalid request header %1 (a header name must be an HTTP token and a value "
                                    "must not contain CR, LF or NUL)")
                         .arg(excerpt(h.first, 40));
            return {};
        }
        // One request per connection is what keeps the event loop free of idle sockets: the
        // probe, not the profile, decides this header.
        if (h.first.compare("connection", Qt::CaseInsensitive) == 0)
            continue;
        const qsizetype at = indexOfName(merged, h.first);
        if (at >= 0)
            merged[at].second = h.second; // as QNetworkRequest::setRawHeader: the last one wins
        else
            merged.append(h);
    }

    QByteArray target = url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
    if (!target.startsWith('/'))
        target.prepend('/');

    QByteArray out;
    out.reserve(256);
    out += "GET " + target + " HTTP/1.1\r\n";
    if (indexOfName(merged, "host") < 0) {
        QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
        if (host.contains(':'))
            host = '[' + host + ']'; // an IPv6 literal
        const int port = url.port(-1);
        if (port >= 0 && port != 80)
            host += ':' + QByteArray::number(port);
        out += "Host: " + host + "\r\n";
    }
    if (indexOfName(merged, "authorization") < 0 && (!url.userName().isEmpty() || !url.password().isEmpty())) {
        // QNetworkAccessManager answers a 401 with the URL's credentials; a probe sends one
        // request, so it offers them at once.
        const QByteArray credentials = url.userName(QUrl::FullyDecoded).toUtf8() + ':'
                                       + url.password(QUrl::FullyDecoded).toUtf8();
        out += "Authorization: Basic " + credentials.toBase64() + "\r\n";
    }
    for (const Header &h : std::as_const(merged))
        out += h.first + ": " + h.second + "\r\n";
    out += "Connection: close\r\n\r\n";
    return out;
}

QString excerpt(const QByteArray &bytes, int max)
{
    QString out;
    out.reserve(qMin<qsizetype>(bytes.size(), max) + 8);
    out += u'"';
    const qsizetype n = qMin<qsizetype>(bytes.size(), max);
    for (qsizetype i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(bytes.at(i));
        if (c == '"' || c == '\\') {
            out += u'\\';
            out += QLatin1Char(char(c));
        } else if (c == '\r') {
            out += QStringLiteral("\\r");
        } else if (c == '\n') {
            out += QStringLiteral("\\n");
        } else if (c == '\t') {
            out += QStringLiteral("\\t");
        } else if (c >= 0x20 && c < 0x7f) {
            out += QLatin1Char(char(c));
        } else {
            out += QStringLiteral("\\x%1").arg(uint(c), 2, 16, QLatin1Char('0'));
        }
    }
    out += u'"';
    if (bytes.size() > n)
        out += QStringLiteral("...");
    return out;
}

ResponseParser::ResponseParser(Limits limits)
    : m_limits(limits)
{}

void ResponseParser::fail(const QString &reason)
{
    m_state = State::Failed;
    m_error = reason;
    m_head.clear();
    m_line.clear();
}

ResponseParser::State ResponseParser::feed(const char *data, qsizetype size)
{
    while (size > 0 && !isDone()) {
        if (m_state == State::Head) {
            const qsizetype old = m_head.size();
            m_head.append(data, size);
            // The head ends at the first empty line: "\n\n" or "\n\r\n". Lines may end in a
            // bare LF: servers that do are broken, but still answered.
            qsizetype end = -1;
            for (qsizetype i = qMax<qsizetype>(0, old - 2); i < m_head.size(); ++i) {
                if (m_head.at(i) != '\n')
                    continue;
                if (i + 1 < m_head.size() && m_head.at(i + 1) == '\n') {
                    end = i + 2;
                    break;
                }
                if (i + 2 < m_head.size() && m_head.at(i + 1) == '\r' && m_head.at(i + 2) == '\n') {
                    end = i + 3;
                    break;
                }
            }
            if (!looksLikeHttp(false))
                break;
            const qint64 headSize = end < 0 ? m_head.size() : end;
            if (m_headBytes + headSize > m_limits.maxHeadBytes) {
                fail(QStringLiteral("response headers larger than %1 bytes").arg(m_limits.maxHeadBytes));
                break;
            }
            if (end < 0)
                break; // all consumed into m_head; wait for more
            const qsizetype used = end - old;
            data += used;
            size -= used;
            m_head.truncate(end);
            m_headBytes += end;
            const QByteArray head = std::exchange(m_head, QByteArray());
            if (!parseHead(head))
                break;
            continue; // a body, or the next head after an interim 1xx
        }
        const qsizetype used = feedBody(data, size);
        data += used;
        size -= used;
    }
    return m_state;
}

bool ResponseParser::looksLikeHttp(bool atEof)
{
    // Something that is not HTTP (an SSH banner, a TLS alert from an https-only port) is
    // told apart by its first bytes: fail as soon as its first line (or 60 bytes of it, or
    // the end of the stream) is in, so that the reason shows it, rather than wait for a
    // blank line that a non-HTTP server never sends and end in a timeout that says nothing.
    QByteArrayView start(m_head);
    while (!start.isEmpty() && (start.front() == '\r' || start.front() == '\n'))
        start = start.sliced(1);
    const QByteArrayView prefix("HTTP/");
    const qsizetype n = qMin(start.size(), prefix.size());
    if (start.first(n) == prefix.first(n))
        return true;
    const qsizetype nl = start.indexOf('\n');
    if (nl < 0 && start.size() < 60 && !atEof)
        return true; // not HTTP, but wait for a line worth showing
    QByteArrayView line = nl < 0 ? start : start.first(nl);
    if (line.endsWith('\r'))
        line.chop(1);
    fail(QStringLiteral("not an HTTP response: %1").arg(excerpt(line.toByteArray())));
    return false;
}

bool ResponseParser::parseHead(const QByteArray &head)
{
    QList<QByteArrayView> lines;
    {
        QByteArrayView rest(head);
        // Some servers send a stray CRLF before the status line: skip it, as browsers do.
        while (!rest.isEmpty() && (rest.front() == '\r' || rest.front() == '\n'))
            rest = rest.sliced(1);
        while (!rest.isEmpty()) {
            const qsizetype nl = rest.indexOf('\n');
            QByteArrayView line = nl < 0 ? rest : rest.first(nl);
            if (line.endsWith('\r'))
                line.chop(1);
            if (!line.isEmpty())
                lines.append(line);
            rest = nl < 0 ? QByteArrayView() : rest.sliced(nl + 1);
        }
    }
    if (lines.isEmpty()) {
        fail(QStringLiteral("not an HTTP response: nothing before the empty line"));
        return false;
    }

    // Status line: HTTP/1.x SP 3DIGIT [SP reason-phrase]
    const QByteArrayView statusLine = lines.first();
    if (!statusLine.startsWith("HTTP/")) {
        fail(QStringLiteral("not an HTTP response: %1").arg(excerpt(statusLine.toByteArray())));
        return false;
    }
    if (statusLine.size() < 8 || statusLine.at(5) != '1' || statusLine.at(6) != '.' || statusLine.at(7) < '0'
        || statusLine.at(7) > '9') {
        fail(QStringLiteral("unsupported HTTP version in the status line %1").arg(excerpt(statusLine.toByteArray())));
        return false;
    }
    const auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
    if (statusLine.size() < 12 || statusLine.at(8) != ' ' || !isDigit(statusLine.at(9)) || !isDigit(statusLine.at(10))
        || !isDigit(statusLine.at(11)) || (statusLine.size() > 12 && statusLine.at(12) != ' ')) {
        fail(QStringLiteral("malformed HTTP status line %1").arg(excerpt(statusLine.toByteArray())));
        return false;
    }
    const int status = (statusLine.at(9) - '0') * 100 + (statusLine.at(10) - '0') * 10 + (statusLine.at(11) - '0');
    if (status < 100) {
        fail(QStringLiteral("malformed HTTP status line %1").arg(excerpt(statusLine.toByteArray())));
        return false;
    }

    // Only framing matters here: Content-Length and Transfer-Encoding. Lines without a colon
    // are ignored (as browsers do); an obsolete folded line continues the previous header.
    QByteArray contentLength;
    QByteArray transferEncoding;
    bool hasLength = false;
    bool hasEncoding = false;
    QByteArray *previous = nullptr;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArrayView line = lines.at(i);
        if (line.front() == ' ' || line.front() == '\t') {
            if (previous)
                *previous += ' ' + line.trimmed().toByteArray();
            continue;
        }
        previous = nullptr;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArrayView name = line.first(colon).trimmed();
        const QByteArrayView value = line.sliced(colon + 1).trimmed();
        if (name.compare("content-length", Qt::CaseInsensitive) == 0) {
            contentLength += (hasLength ? "," : "") + value.toByteArray();
            hasLength = true;
            previous = &contentLength;
        } else if (name.compare("transfer-encoding", Qt::CaseInsensitive) == 0) {
            transferEncoding += (hasEncoding ? "," : "") + value.toByteArray();
            hasEncoding = true;
            previous = &transferEncoding;
        }
    }

    if (status < 200 && status != 101)
        return true; // interim (100 Continue, 103 Early Hints...): the real head follows

    m_status = status;
    m_minor = statusLine.at(7) - '0';
    m_state = State::Body;
    if (status < 200 || status == 204 || status == 304) {
        // No body by definition (RFC 9112 6.3), whatever the headers say.
        m_state = State::Complete;
        return true;
    }
    if (hasEncoding) {
        // RFC 9112 6.3: Transfer-Encoding wins over Content-Length; chunked must be the last
        // coding, otherwise the body runs to the close. Other codings are not undone.
        const QList<QByteArray> codings = transferEncoding.split(',');
        const QByteArray last = codings.last().trimmed().toLower();
        m_mode = last == "chunked" ? BodyMode::Chunked : BodyMode::UntilClose;
        m_chunkStep = ChunkStep::Size;
        return true;
    }
    if (hasLength) {
        // "5, 5" (a repeated header) is fine; differing values are not (RFC 9112 6.3).
        qint64 length = -1;
        for (const QByteArray &part : contentLength.split(',')) {
            qint64 v = 0;
            if (!parseLength(part, &v) || (length >= 0 && v != length)) {
                fail(QStringLiteral("malformed HTTP response: invalid Content-Length %1").arg(excerpt(contentLength)));
                return false;
            }
            length = v;
        }
        if (length > m_limits.maxBodyBytes) {
            // No need to read what would be thrown away.
            fail(QStringLiteral("response larger than %1 bytes").arg(m_limits.maxBodyBytes));
            return false;
        }
        m_mode = BodyMode::Length;
        m_remaining = length;
        m_body.reserve(length);
        if (length == 0)
            m_state = State::Complete;
        return true;
    }
    m_mode = BodyMode::UntilClose;
    return true;
}

bool ResponseParser::appendBody(const char *data, qsizetype size)
{
    if (m_body.size() + size > m_limits.maxBodyBytes) {
        fail(QStringLiteral("response larger than %1 bytes").arg(m_limits.maxBodyBytes));
        return false;
    }
    m_body.append(data, size);
    return true;
}

qsizetype ResponseParser::feedBody(const char *data, qsizetype size)
{
    switch (m_mode) {
    case BodyMode::None:
        m_state = State::Complete;
        return size;
    case BodyMode::Length: {
        const qsizetype n = qsizetype(qMin<qint64>(size, m_remaining));
        if (!appendBody(data, n))
            return size;
        m_remaining -= n;
        if (m_remaining == 0)
            m_state = State::Complete; // anything after the body is ignored
        return size;
    }
    case BodyMode::UntilClose:
        appendBody(data, size);
        return size;
    case BodyMode::Chunked:
        return feedChunked(data, size);
    }
    return size;
}

bool ResponseParser::takeLine(const char *data, qsizetype size, qsizetype *used, QByteArray *line, qint64 maxLine)
{
    const auto *nl = static_cast<const char *>(std::memchr(data, '\n', size_t(size)));
    const qsizetype take = nl ? qsizetype(nl - data) : size;
    if (m_line.size() + take > maxLine) {
        *used = size;
        *line = m_line + QByteArray(data, qMin<qsizetype>(take, 60));
        m_line.clear();
        return false;
    }
    m_line.append(data, take);
    *used = nl ? take + 1 : take;
    if (!nl) {
        line->clear();
        return false;
    }
    if (m_line.endsWith('\r'))
        m_line.chop(1);
    *line = std::exchange(m_line, QByteArray());
    return true;
}

qsizetype ResponseParser::feedChunked(const char *data, qsizetype size)
{
    qsizetype total = 0;
    while (total < size && m_state == State::Body) {
        const char *p = data + total;
        const qsizetype n = size - total;
        qsizetype used = 0;
        QByteArray line;
        switch (m_chunkStep) {
        case ChunkStep::Size: {
            // A size line is hex digits and perhaps ";extensions": 1 KiB is plenty.
            if (!takeLine(p, n, &used, &line, 1024)) {
                if (!line.isEmpty())
                    fail(QStringLiteral("malformed chunked body: chunk size line too long %1").arg(excerpt(line)));
                break;
            }
            const qsizetype semicolon = line.indexOf(';');
            const QByteArray digits = (semicolon >= 0 ? line.left(semicolon) : line).trimmed();
            bool ok = !digits.isEmpty() && digits.size() <= 15;
            const qint64 chunk = ok ? digits.toLongLong(&ok, 16) : 0;
            if (!ok || chunk < 0 || digits.startsWith('+') || digits.startsWith('-') || digits.startsWith("0x")
                || digits.startsWith("0X")) {
                fail(QStringLiteral("malformed chunked body: bad chunk size %1").arg(excerpt(line)));
                break;
            }
            if (chunk == 0) {
                m_chunkStep = ChunkStep::Trailer;
            } else if (m_body.size() + chunk > m_limits.maxBodyBytes) {
                fail(QStringLiteral("response larger than %1 bytes").arg(m_limits.maxBodyBytes));
            } else {
                m_remaining = chunk;
                m_chunkStep = ChunkStep::Data;
            }
            break;
        }
        case ChunkStep::Data: {
            used = qsizetype(qMin<qint64>(n, m_remaining));
            if (!appendBody(p, used))
                break;
            m_remaining -= used;
            if (m_remaining == 0)
                m_chunkStep = ChunkStep::DataEnd;
            break;
        }
        case ChunkStep::DataEnd:
            if (!takeLine(p, n, &used, &line, 1)) {
                if (!line.isEmpty())
                    fail(QStringLiteral("malformed chunked body: a chunk is longer than its size"));
                break;
            }
            if (!line.isEmpty())
                fail(QStringLiteral("malformed chunked body: a chunk is longer than its size"));
            else
                m_chunkStep = ChunkStep::Size;
            break;
        case ChunkStep::Trailer: {
            // Trailer fields are read and dropped; they count against the head limit.
            const qint64 room = m_limits.maxHeadBytes - m_headBytes;
            if (!takeLine(p, n, &used, &line, qMax<qint64>(room, 1))) {
                if (!line.isEmpty())
                    fail(QStringLiteral("response headers larger than %1 bytes").arg(m_limits.maxHeadBytes));
                break;
            }
            m_headBytes += line.size() + 2;
            if (line.isEmpty())
                m_state = State::Complete;
            break;
        }
        }
        total += used;
    }
    return size; // bytes after the last chunk are ignored, as after any complete response
}

ResponseParser::State ResponseParser::finishAtEof()
{
    if (isDone())
        return m_state;
    if (m_state == State::Head) {
        if (looksLikeHttp(true))
            fail(QStringLiteral("connection closed by the server before a response"));
    } else if (m_mode == BodyMode::UntilClose) {
        m_state = State::Complete;
    } else if (m_mode == BodyMode::Length) {
        fail(QStringLiteral("connection closed by the server in the middle of the response (%1 of %2 body bytes)")
                 .arg(m_body.size())
                 .arg(m_body.size() + m_remaining));
    } else {
        fail(QStringLiteral("connection closed by the server in the middle of the response (chunked body not finished)"));
    }
    return m_state;
}

} // namespace dr::httpwire
