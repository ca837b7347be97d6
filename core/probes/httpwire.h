#pragma once

// HTTP/1.1 on the wire, for HttpProbe's own client (plain http:// probes; see httpprobe.h for
// why it does not use QNetworkAccessManager there). Two pure pieces, no sockets:
//
//   buildGetRequest()   the bytes of one "GET ... HTTP/1.1" request with "Connection: close":
//                       one request per connection, so no idle connection outlives a probe.
//   ResponseParser      an incremental parser of the response: status line (HTTP/1.0 or 1.1),
//                       interim 1xx heads skipped, then a body delimited by Content-Length,
//                       chunked transfer coding, or the end of the connection. It never holds
//                       more than its limits (head bytes, body bytes), and every way it can
//                       fail ends in a reason an operator can read.
//
// Contract: the parser consumes whatever it is fed; once it reports Complete or Failed it
// ignores further input. Reasons never include header values (they may carry secrets), only
// a short, printable excerpt of what did not parse.

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

namespace dr::httpwire {

using Header = QPair<QByteArray, QByteArray>;

// "GET <path?query> HTTP/1.1", Host (from the URL unless `headers` has one), Authorization:
// Basic from the URL's user info (unless `headers` has one), `headers` in order (a later
// header replaces an earlier one of the same name, case-insensitively), then
// "Connection: close" (a Connection header in `headers` is dropped: the probe owns it).
// Returns an empty array and sets *error for a header name that is not an HTTP token or a
// value with CR, LF or NUL (request splitting), naming the header, never its value.
QByteArray buildGetRequest(const QUrl &url, const QList<Header> &headers, QString *error);

class ResponseParser
{
public:
    struct Limits
    {
        qint64 maxHeadBytes = 64 * 1024; // all response heads together, interim 1xx included
        qint64 maxBodyBytes = 1024 * 1024;
    };
    enum class State { Head, Body, Complete, Failed };

    explicit ResponseParser(Limits limits);

    // Feeds the next bytes received. Returns the state afterwards.
    State feed(const char *data, qsizetype size);
    // The server closed the connection (end of stream): completes a body that runs to the
    // close; anything else still expected becomes a failure. Returns the state afterwards.
    State finishAtEof();

    State state() const { return m_state; }
    bool isDone() const { return m_state == State::Complete || m_state == State::Failed; }
    // Valid once the final (non-1xx) status line has been parsed, i.e. from State::Body on.
    int status() const { return m_status; }
    int httpMinorVersion() const { return m_minor; } // 0 for HTTP/1.0, 1 for HTTP/1.1
    const QByteArray &body() const { return m_body; }
    // Why it failed, in an operator's words; empty unless State::Failed.
    const QString &error() const { return m_error; }

private:
    enum class BodyMode { None, Length, Chunked, UntilClose };
    enum class ChunkStep { Size, Data, DataEnd, Trailer };

    bool looksLikeHttp(bool atEof);
    bool parseHead(const QByteArray &head);
    qsizetype feedBody(const char *data, qsizetype size);
    qsizetype feedChunked(const char *data, qsizetype size);
    bool appendBody(const char *data, qsizetype size);
    // Takes one line (without CR LF) from the front of data into m_line; false if none yet.
    bool takeLine(const char *data, qsizetype size, qsizetype *used, QByteArray *line, qint64 maxLine);
    void fail(const QString &reason);

    Limits m_limits;
    State m_state = State::Head;
    QByteArray m_head;      // the head being received
    qint64 m_headBytes = 0; // bytes of complete heads so far (interim 1xx included)
    int m_status = 0;
    int m_minor = 1;
    BodyMode m_mode = BodyMode::None;
    qint64 m_remaining = 0; // Length: body bytes still expected; Chunked: of the current chunk
    ChunkStep m_chunkStep = ChunkStep::Size;
    QByteArray m_line;      // a chunk-size or trailer line being received
    QByteArray m_body;
    QString m_error;
};

// A short, printable excerpt of bytes received, for a reason: quoted, control and non-ASCII
// bytes escaped, at most `max` bytes shown.
QString excerpt(const QByteArray &bytes, int max = 60);

} // namespace dr::httpwire
