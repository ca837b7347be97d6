#pragma once

// HTTP(S) health: one GET to the target's endpoint. Healthy when the status is in an
// expected range and the body matches (bodyContains, or a JSON field's value). Redirects are
// not followed (a 3xx is a status like any other). The response body is capped at
// maxResponseBytes and the whole exchange at timeoutMs, so a server that never answers or
// never stops talking still ends in a result. Headers: User-Agent and Accept, then the
// target's headers (which may replace them), then its resolved secret headers.
//
// Two clients, chosen by the URL's scheme:
//   http://   the probe's own HTTP/1.1 client (httpwire.h) on a QTcpSocket on the calling
//             thread: one request per connection ("Connection: close"), the socket closed
//             as soon as the answer is judged. A monitor of 1,000 endpoints at 1 s spends
//             most of QNetworkAccessManager's cost on its extra thread and on polling the
//             idle keep-alive sockets it keeps (docs/BENCHMARKS.md); this client keeps none.
//   https://  QNetworkAccessManager (the engine's, from ProbeContext): TLS is verified
//             against the system store plus the profile's and the target's CAs, the peer's
//             name is settings.serverName or the URL's host, and a failed handshake reads
//             "TLS error: <every verification error>". Its kept-alive connections spare a
//             TLS handshake per probe, which costs more than the idle sockets
//             (docs/BENCHMARKS.md, "HTTPS").
// Failures read the same with either client: "connection refused", "host not found: HOST",
// "timed out after N ms", "connection closed by the server before a response",
// "response larger than N bytes". The http:// client also names what is wrong with an answer
// that is not proper HTTP ("not an HTTP response: \"SSH-2.0-...\"", "malformed HTTP status
// line ...", "response headers larger than 65536 bytes", "connection closed by the server in
// the middle of the response (10 of 100 body bytes)"), and reports a header it cannot send
// safely (CR or LF in a value) by name, without sending anything.

#include "probe.h"

#include <QAbstractSocket>
#include <QBasicTimer>
#include <QElapsedTimer>
#include <QPointer>

#include <memory>

class QNetworkReply;
class QTcpSocket;

namespace dr {

namespace httpwire {
class ResponseParser;
}

class HttpProbe final : public Probe
{
    Q_OBJECT

public:
    HttpProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent = nullptr);
    ~HttpProbe() override;

    void start() override;
    void abort() override;

    // Pure: judge a complete response. Public for unit tests.
    static ProbeResult evaluate(const ProbeSettings &settings, int status, const QByteArray &body);
    static QString jsonFieldText(const QByteArray &body, const QString &dottedPath, bool *found);

    // The response head limit of the http:// client (status line and headers, interim 1xx
    // responses included): a server that never ends its headers fails with
    // "response headers larger than N bytes".
    static constexpr qint64 maxResponseHeadBytes = 64 * 1024;

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    // http://: the probe's own client.
    void startDirect();
    void onSocketConnected();
    void onSocketReadyRead();
    void onSocketError(QAbstractSocket::SocketError error);
    bool readFromSocket(); // false once the response is complete or failed (and finished)
    void finishDirect();
    void failDirect(const QString &reason);
    void closeSocket();

    // https://: QNetworkAccessManager.
    void startNetworkAccess();
    void onReplyReadyRead();
    void onReplyFinished();

    void finish(ProbeResult result);

    QTcpSocket *m_socket = nullptr;
    std::unique_ptr<httpwire::ResponseParser> m_parser;
    QByteArray m_request;
    QPointer<QNetworkReply> m_reply;
    QBasicTimer m_timeout; // a timer id, not a QObject: one fewer object per probe
    QElapsedTimer m_elapsed;
    QByteArray m_body;
    QString m_abortReason;
    QStringList m_sslErrors;
    bool m_done = false;
};

} // namespace dr
