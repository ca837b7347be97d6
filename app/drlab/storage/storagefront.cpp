#include "storagefront.h"

#include "azure/httpdate.h"

#include <QFile>
#include <QSslConfiguration>
#include <QSslServer>
#include <QSslSocket>
#include <QTimer>
#include <QUuid>

#include <optional>

namespace drlab {

namespace {

constexpr char kServerHeader[] = "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0";
constexpr qsizetype kMaxResponseHeadBytes = 64 * 1024;

// The real service's words for these answers.
const QString kAuthenticationFailedMessage
    = QStringLiteral("Server failed to authenticate the request. Make sure the value of "
                     "Authorization header is formed correctly "
                     "including the signature.");
const QString kWriteRefusedMessage
    = QStringLiteral("Write operations to the secondary location are not allowed.");

bool isWriteMethod(const QByteArray &method)
{
    return method == "PUT" || method == "POST" || method == "DELETE" || method == "PATCH"
        || method == "MERGE";
}

struct Request
{
    QByteArray method;
    QByteArray target;
    QByteArray path;
    QByteArray query;
    dr::azure::RawHeaders headers;
    QByteArray rawHead; // exactly as received, blank line included
    QByteArray body;
    bool keepAlive = true;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[n, v] : headers) {
            if (n.compare(name, Qt::CaseInsensitive) == 0)
                return v;
        }
        return {};
    }
    bool hasHeader(const QByteArray &name) const
    {
        return std::any_of(headers.cbegin(), headers.cend(),
            [&name](const auto &h) { return h.first.compare(name, Qt::CaseInsensitive) == 0; });
    }
};

// Parses a request head (without its blank line); nullopt when it is not HTTP/1.x.
std::optional<Request> parseHead(const QByteArray &head)
{
    const QByteArrayList lines = head.split('\n');
    Request r;
    const QByteArrayList requestLine = lines.value(0).trimmed().split(' ');
    if (requestLine.size() != 3 || requestLine[0].isEmpty() || !requestLine[1].startsWith('/'))
        return std::nullopt;
    const QByteArray version = requestLine[2];
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return std::nullopt;
    r.method = requestLine[0];
    r.target = requestLine[1];
    const qsizetype question = r.target.indexOf('?');
    r.path = question < 0 ? r.target : r.target.left(question);
    r.query = question < 0 ? QByteArray() : r.target.mid(question + 1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].endsWith('\r') ? lines[i].chopped(1) : lines[i];
        if (line.isEmpty())
            continue;
        const qsizetype colon = line.indexOf(':');
        // No obsolete line folding, no space before the colon: both are request smuggling tools.
        if (colon <= 0 || line.startsWith(' ') || line.startsWith('\t')
            || line.at(colon - 1) == ' ')
            return std::nullopt;
        r.headers.append({ line.left(colon), line.mid(colon + 1).trimmed() });
    }
    const QByteArray connection = r.header("Connection").toLower();
    r.keepAlive
        = version == "HTTP/1.1" ? !connection.contains("close") : connection.contains("keep-alive");
    return r;
}

QByteArray queryValue(const QByteArray &query, const QByteArray &name)
{
    for (const QByteArray &pair : query.split('&')) {
        const qsizetype eq = pair.indexOf('=');
        const QByteArray n = QByteArray::fromPercentEncoding(eq < 0 ? pair : pair.left(eq));
        if (n.compare(name, Qt::CaseInsensitive) == 0)
            return eq < 0 ? QByteArray() : QByteArray::fromPercentEncoding(pair.mid(eq + 1));
    }
    return {};
}

// Where one HTTP/1.x response from upstream ends, fed as it arrives, so a response can be
// relayed byte for byte and the connection reused for the next request.
class ResponseFramer
{
public:
    explicit ResponseFramer(bool headRequest)
        : m_headRequest(headRequest)
    { }

    bool done() const { return m_state == State::Done; }
    bool failed() const { return m_state == State::Failed; }
    bool untilClose() const { return m_state == State::UntilClose; }

    // Consumes what belongs to this response; returns how many bytes that is.
    qsizetype feed(const QByteArray &data)
    {
        qsizetype pos = 0;
        while (pos < data.size() && m_state != State::Done && m_state != State::Failed) {
            switch (m_state) {
            case State::Head:
                m_line += data.at(pos++);
                if (m_line.endsWith("\r\n\r\n"))
                    onHead();
                else if (m_line.size() > kMaxResponseHeadBytes)
                    m_state = State::Failed;
                break;
            case State::Body:
            case State::ChunkData: {
                const qsizetype take = std::min<qsizetype>(m_remaining, data.size() - pos);
                pos += take;
                m_remaining -= take;
                if (m_remaining == 0)
                    m_state = m_state == State::Body ? State::Done : State::ChunkEnd;
                break;
            }
            case State::ChunkSize:
            case State::ChunkEnd:
            case State::Trailer:
                m_line += data.at(pos++);
                if (m_line.endsWith("\r\n"))
                    onLine();
                else if (m_line.size() > 4096)
                    m_state = State::Failed;
                break;
            case State::UntilClose:
                pos = data.size();
                break;
            case State::Done:
            case State::Failed:
                break;
            }
        }
        return pos;
    }

private:
    enum class State {
        Head,
        Body,
        ChunkSize,
        ChunkData,
        ChunkEnd,
        Trailer,
        UntilClose,
        Done,
        Failed
    };

    void onHead()
    {
        const QByteArray head = m_line;
        m_line.clear();
        const QByteArrayList lines = head.split('\n');
        const QByteArrayList statusLine = lines.value(0).trimmed().split(' ');
        bool ok = false;
        const int status = statusLine.value(1).toInt(&ok);
        if (!statusLine.value(0).startsWith("HTTP/1.") || !ok) {
            m_state = State::Failed;
            return;
        }
        if (status >= 100 && status < 200 && status != 101)
            return; // an interim answer: the real one follows
        QByteArray transferEncoding;
        QByteArray contentLength;
        for (const QByteArray &l : lines) {
            const qsizetype colon = l.indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArray name = l.left(colon).trimmed().toLower();
            if (name == "transfer-encoding")
                transferEncoding = l.mid(colon + 1).trimmed().toLower();
            else if (name == "content-length")
                contentLength = l.mid(colon + 1).trimmed();
        }
        if (m_headRequest || status == 204 || status == 304) {
            m_state = State::Done;
        } else if (transferEncoding.contains("chunked")) {
            m_state = State::ChunkSize;
        } else if (!contentLength.isEmpty()) {
            m_remaining = contentLength.toLongLong(&ok);
            if (!ok || m_remaining < 0)
                m_state = State::Failed;
            else
                m_state = m_remaining == 0 ? State::Done : State::Body;
        } else {
            m_state = State::UntilClose;
        }
    }

    void onLine()
    {
        const QByteArray line = m_line.chopped(2);
        m_line.clear();
        if (m_state == State::ChunkEnd) {
            m_state = line.isEmpty() ? State::ChunkSize : State::Failed;
        } else if (m_state == State::ChunkSize) {
            bool ok = false;
            m_remaining = line.split(';').value(0).trimmed().toLongLong(&ok, 16);
            if (!ok || m_remaining < 0)
                m_state = State::Failed;
            else
                m_state = m_remaining == 0 ? State::Trailer : State::ChunkData;
        } else if (line.isEmpty()) { // the blank line after the trailers
            m_state = State::Done;
        }
    }

    bool m_headRequest;
    State m_state = State::Head;
    QByteArray m_line;
    qint64 m_remaining = 0;
};

} // namespace

// One client connection: reads a request, answers it (itself or through upstream), then the
// next; never two at once.
class FrontConnection : public QObject
{
public:
    FrontConnection(StorageFront *front, QSslSocket *socket)
        : QObject(front)
        , m_front(front)
        , m_socket(socket)
    {
        socket->setParent(this);
        m_clientTimer.setSingleShot(true);
        m_upstreamTimer.setSingleShot(true);
        connect(&m_clientTimer, &QTimer::timeout, this, [this] { m_socket->abort(); });
        connect(&m_upstreamTimer, &QTimer::timeout, this, [this] { upstreamEnded(true); });
        connect(socket, &QSslSocket::readyRead, this, [this] {
            m_buffer += m_socket->readAll();
            processBuffer();
        });
        connect(socket, &QSslSocket::disconnected, this, &QObject::deleteLater);
        m_buffer = socket->readAll();
        processBuffer();
    }

    ~FrontConnection() override
    {
        dropUpstream();
        m_socket->disconnect(this);
        m_socket->abort();
    }

private:
    const StorageFrontConfig &config() const { return m_front->m_config; }

    // Idle between requests: idleTimeoutMs. Once a request has started, it has requestTimeoutMs
    // from its first byte to arrive whole; more bytes do not buy more time (no slow drip).
    void armClientTimer()
    {
        if (m_buffer.isEmpty()) {
            m_receiving = false;
            m_clientTimer.start(config().idleTimeoutMs);
        } else if (!m_receiving || !m_clientTimer.isActive()) {
            m_receiving = true;
            m_clientTimer.start(config().requestTimeoutMs);
        }
    }

    void processBuffer()
    {
        if (m_busy || m_closing)
            return;
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0 || end + 4 > config().maxHeaderBytes) {
            if (m_buffer.size() > config().maxHeaderBytes)
                return refuse(431, "RequestHeaderFieldsTooLarge",
                    QStringLiteral("The request head is too large."));
            return armClientTimer();
        }
        std::optional<Request> parsed = parseHead(m_buffer.left(end));
        if (!parsed)
            return refuse(400, "InvalidHttpRequest",
                QStringLiteral("The request is not a valid HTTP/1.1 request."));
        Request request = std::move(*parsed);
        request.rawHead = m_buffer.left(end + 4);
        if (request.hasHeader("Transfer-Encoding"))
            return refuse(411, "MissingContentLengthHeader",
                QStringLiteral("The Content-Length header is required."));
        bool ok = true;
        const QByteArray lengthText = request.header("Content-Length");
        const qint64 length = lengthText.isEmpty() ? 0 : lengthText.toLongLong(&ok);
        if (!ok || length < 0)
            return refuse(400, "InvalidHeaderValue",
                QStringLiteral("The Content-Length header is not valid."));
        const bool write = isWriteMethod(request.method);
        const bool expectsContinue = request.header("Expect").toLower() == "100-continue";
        if (write && (expectsContinue || length > config().maxBodyBytes)) {
            // Refused before its body is sent (or rather than read all of it): then the
            // connection cannot carry another request.
            m_clientTimer.stop();
            m_busy = true;
            m_buffer.clear();
            m_closeAfter = true;
            ++m_front->m_counters.writesRefused;
            return sendError(request, 403, QStringLiteral("InsufficientAccountPermissions"),
                kWriteRefusedMessage);
        }
        if (length > config().maxBodyBytes)
            return refuse(
                413, "RequestBodyTooLarge", QStringLiteral("The request body is too large."));
        if (m_buffer.size() < end + 4 + length) {
            if (expectsContinue && !m_continued) {
                m_continued = true;
                m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
            }
            return armClientTimer();
        }
        m_clientTimer.stop();
        m_receiving = false;
        m_busy = true;
        m_continued = false;
        request.body = m_buffer.mid(end + 4, length);
        m_buffer.remove(0, end + 4 + length);
        m_closeAfter = !request.keepAlive;
        if (write) {
            // Read whole, as HTTP clients expect, and refused as the real secondary refuses.
            ++m_front->m_counters.writesRefused;
            return sendError(request, 403, QStringLiteral("InsufficientAccountPermissions"),
                kWriteRefusedMessage);
        }
        handle(request);
    }

    void handle(const Request &request)
    {
        const QByteArray account = m_front->m_config.credential.accountName.toUtf8();
        QByteArray path = request.path;
        if (path.endsWith('/'))
            path.chop(1);
        const bool accountPath = path == '/' + account || path == '/' + account + "-secondary";
        const bool stats = request.method == "GET" && accountPath
            && queryValue(request.query, "restype") == "service"
            && queryValue(request.query, "comp") == "stats";
        if (stats)
            return answerStats(request);
        passThrough(request);
    }

    void answerStats(const Request &request)
    {
        const auto verified = dr::azure::verify(request.method, request.path, request.query,
            request.headers, m_front->m_config.credential, m_front->m_clock->nowUtc());
        if (!verified) {
            ++m_front->m_counters.authenticationFailures;
            return sendError(request, 403, QStringLiteral("AuthenticationFailed"),
                kAuthenticationFailedMessage, verified.error());
        }
        ++m_front->m_counters.statsAnswered;
        const QByteArray body = dr::azure::formatServiceStats(m_front->m_stats());
        sendResponse(request, 200, "OK",
            { { QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/xml") } }, body);
    }

    QByteArray commonHeaders(const Request &request, const QByteArray &requestId) const
    {
        QByteArray version = request.header("x-ms-version");
        if (version.isEmpty())
            version = dr::azure::kStorageApiVersion;
        QByteArray out = "Server: " + QByteArray(kServerHeader)
            + "\r\nx-ms-request-id: " + requestId + "\r\nx-ms-version: " + version
            + "\r\nDate: " + dr::azure::httpDate(m_front->m_clock->nowUtc()) + "\r\n";
        const QByteArray clientRequestId = request.header("x-ms-client-request-id");
        if (!clientRequestId.isEmpty())
            out += "x-ms-client-request-id: " + clientRequestId + "\r\n";
        return out;
    }

    void sendResponse(const Request &request, int status, const QByteArray &reason,
        const dr::azure::RawHeaders &headers, const QByteArray &body,
        const QByteArray &requestId = {})
    {
        const QByteArray id = requestId.isEmpty()
            ? QUuid::createUuid().toByteArray(QUuid::WithoutBraces)
            : requestId;
        QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\n";
        for (const auto &[name, value] : headers)
            out += name + ": " + value + "\r\n";
        out += commonHeaders(request, id);
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        if (m_closeAfter)
            out += "Connection: close\r\n";
        out += "\r\n" + body;
        m_socket->write(out);
        finishExchange();
    }

    void sendError(const Request &request, int status, const QString &code, const QString &message,
        const QString &detail = {})
    {
        const QByteArray id = QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
        const QByteArray body = dr::azure::formatErrorBody(
            code, message, QString::fromLatin1(id), m_front->m_clock->nowUtc(), detail);
        // The service puts its message in the status line too.
        sendResponse(request, status, message.toUtf8().replace('\r', ' ').replace('\n', ' '),
            { { QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/xml") },
                { QByteArrayLiteral("x-ms-error-code"), code.toLatin1() } },
            body, id);
    }

    // An answer to a request that could not be read properly: then the connection closes.
    void refuse(int status, const char *code, const QString &message)
    {
        ++m_front->m_counters.badRequests;
        m_busy = true;
        m_closeAfter = true;
        m_buffer.clear();
        sendError(Request {}, status, QLatin1String(code), message);
    }

    void finishExchange()
    {
        m_busy = false;
        if (m_closeAfter) {
            m_closing = true;
            m_socket->disconnectFromHost(); // after what is written has gone
            return;
        }
        armClientTimer();
        if (!m_buffer.isEmpty())
            QTimer::singleShot(0, this, [this] { processBuffer(); });
    }

    void passThrough(const Request &request)
    {
        ++m_front->m_counters.passedThrough;
        const QUrl upstream = config().upstream;
        m_request = request;
        m_framer.emplace(request.method == "HEAD");
        m_responseStarted = false;
        m_upstream = new QSslSocket(this);
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        if (!config().upstreamCaCertificates.isEmpty())
            ssl.addCaCertificates(config().upstreamCaCertificates);
        ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
        m_upstream->setSslConfiguration(ssl);
        connect(m_upstream, &QSslSocket::encrypted, this,
            [this] { m_upstream->write(m_request.rawHead + m_request.body); });
        connect(m_upstream, &QSslSocket::readyRead, this, &FrontConnection::onUpstreamData);
        connect(m_upstream, &QSslSocket::disconnected, this, [this] { upstreamEnded(false); });
        connect(m_upstream, &QSslSocket::errorOccurred, this, [this] { upstreamEnded(false); });
        m_upstreamTimer.start(config().upstreamTimeoutMs);
        m_upstream->connectToHostEncrypted(upstream.host(), quint16(upstream.port(443)));
    }

    void onUpstreamData()
    {
        if (!m_upstream || !m_framer)
            return;
        m_upstreamTimer.start(config().upstreamTimeoutMs);
        const QByteArray data = m_upstream->readAll();
        const qsizetype used = m_framer->feed(data);
        if (m_framer->failed()) {
            ++m_front->m_counters.upstreamFailures;
            dropUpstream();
            m_socket->abort(); // mid-response: the client must see it broken, not short
            return;
        }
        if (used > 0) {
            m_responseStarted = true;
            m_socket->write(data.left(used));
        }
        if (m_framer->done()) {
            dropUpstream();
            finishExchange();
        }
    }

    void upstreamEnded(bool timedOut)
    {
        if (!m_upstream || !m_framer)
            return;
        if (!timedOut && m_upstream->bytesAvailable() > 0)
            onUpstreamData();
        if (!m_upstream || !m_framer)
            return; // the response completed
        const bool untilClose = m_framer->untilClose();
        const QString reason = m_upstream->errorString();
        dropUpstream();
        if (untilClose && !timedOut) {
            m_closeAfter = true; // only the close marked the end of that response
            return finishExchange();
        }
        ++m_front->m_counters.upstreamFailures;
        if (m_responseStarted) {
            m_socket->abort();
            return;
        }
        if (timedOut)
            return sendError(m_request, 500, QStringLiteral("OperationTimedOut"),
                QStringLiteral("The operation could not be completed within the permitted time."));
        sendError(m_request, 503, QStringLiteral("ServerBusy"),
            QStringLiteral(
                "The server is currently unable to receive requests. Please retry your request."),
            QStringLiteral("replica storage unreachable: %1").arg(reason));
    }

    void dropUpstream()
    {
        m_upstreamTimer.stop();
        m_framer.reset();
        if (m_upstream) {
            QSslSocket *upstream = m_upstream;
            m_upstream = nullptr;
            upstream->disconnect(this);
            upstream->abort();
            upstream->deleteLater();
        }
    }

    StorageFront *m_front;
    QSslSocket *m_socket;
    QByteArray m_buffer;
    QTimer m_clientTimer;
    bool m_busy = false;
    bool m_closing = false;
    bool m_closeAfter = false;
    bool m_continued = false;
    bool m_receiving = false; // the request timer runs, not the idle one

    Request m_request;
    QSslSocket *m_upstream = nullptr;
    QTimer m_upstreamTimer;
    std::optional<ResponseFramer> m_framer;
    bool m_responseStarted = false;
};

StorageFront::StorageFront(
    const StorageFrontConfig &config, StatsSource stats, const dr::Clock *clock, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_stats(std::move(stats))
    , m_clock(clock)
{ }

StorageFront::~StorageFront()
{
    close();
}

dr::Result<std::pair<QList<QSslCertificate>, QSslKey>> StorageFront::loadTls(
    const QString &certPath, const QString &keyPath)
{
    const QList<QSslCertificate> chain = QSslCertificate::fromPath(certPath, QSsl::Pem);
    if (chain.isEmpty())
        return dr::fail(QStringLiteral("no PEM certificate in %1").arg(certPath));
    QFile file(keyPath);
    if (!file.open(QIODevice::ReadOnly))
        return dr::fail(
            QStringLiteral("cannot read the private key %1: %2").arg(keyPath, file.errorString()));
    const QByteArray pem = file.readAll();
    for (const QSsl::KeyAlgorithm algorithm : { QSsl::Ec, QSsl::Rsa }) {
        QSslKey key(pem, algorithm, QSsl::Pem);
        if (!key.isNull())
            return std::pair { chain, key };
    }
    return dr::fail(QStringLiteral("%1 holds no PEM EC or RSA private key").arg(keyPath));
}

dr::Result<void> StorageFront::listen(quint16 port, const QHostAddress &address)
{
    close();
    if (m_config.certificateChain.isEmpty() || m_config.privateKey.isNull())
        return dr::fail(QStringLiteral("the storage front has no TLS certificate and key"));
    if (!m_config.credential.isValid())
        return dr::fail(QStringLiteral("the storage front has no account credential"));
    m_server = new QSslServer(this);
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setLocalCertificateChain(m_config.certificateChain);
    ssl.setPrivateKey(m_config.privateKey);
    ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
    m_server->setSslConfiguration(ssl);
    m_server->setHandshakeTimeout(std::min(m_config.requestTimeoutMs, 10000));
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
        while (m_server && m_server->hasPendingConnections()) {
            auto *socket = qobject_cast<QSslSocket *>(m_server->nextPendingConnection());
            if (!socket)
                continue;
            m_connections.removeAll(nullptr);
            if (m_connections.size() >= m_config.maxConnections) {
                socket->abort();
                socket->deleteLater();
                continue;
            }
            m_connections.append(new FrontConnection(this, socket));
        }
    });
    if (!m_server->listen(address, port)) {
        const QString error = m_server->errorString();
        delete m_server;
        m_server = nullptr;
        return dr::fail(QStringLiteral("cannot listen on %1:%2: %3")
                            .arg(address.toString())
                            .arg(port)
                            .arg(error));
    }
    return {};
}

void StorageFront::close()
{
    if (m_server) {
        m_server->close();
        delete m_server;
        m_server = nullptr;
    }
    for (const QPointer<QObject> &c : std::as_const(m_connections))
        delete c.data();
    m_connections.clear();
}

quint16 StorageFront::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

QUrl StorageFront::secondaryEndpoint() const
{
    QUrl url;
    url.setScheme(QStringLiteral("https"));
    url.setHost(m_server ? m_server->serverAddress().toString() : QStringLiteral("127.0.0.1"));
    url.setPort(port());
    url.setPath(u'/' + m_config.credential.accountName + QStringLiteral("-secondary"));
    return url;
}

} // namespace drlab
