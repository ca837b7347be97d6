#include "httpprobe.h"

#include "httpwire.h"
#include "tlsprobe.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslConfiguration>
#include <QTcpSocket>
#include <QTimerEvent>

#include <utility>

namespace dr {

namespace {

QList<httpwire::Header> requestHeaders(const ProbeTarget &target)
{
    QList<httpwire::Header> headers;
    headers.reserve(2 + target.settings.headers.size() + target.secretHeaders.size());
    headers.append({QByteArrayLiteral("User-Agent"), QByteArrayLiteral("DRConsole/" DR_VERSION " probe")});
    headers.append({QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json, text/plain;q=0.9, */*;q=0.5")});
    for (auto it = target.settings.headers.constBegin(); it != target.settings.headers.constEnd(); ++it) {
        // Secret-backed headers come resolved in secretHeaders, below.
        if (!it->secret)
            headers.append({it.key().toUtf8(), it->value.toUtf8()});
    }
    for (auto it = target.secretHeaders.constBegin(); it != target.secretHeaders.constEnd(); ++it)
        headers.append({it.key(), it.value()});
    return headers;
}

} // namespace

HttpProbe::HttpProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent)
    : Probe(target, context, parent)
{}

HttpProbe::~HttpProbe()
{
    abort();
}

void HttpProbe::start()
{
    m_elapsed.start();
    // Coarse, as QTimer's default: a timeout a few ms late is fine and lets the event loop
    // batch wake-ups.
    m_timeout.start(m_target.settings.timeoutMs, Qt::CoarseTimer, this);
    if (m_target.endpoint.scheme() == u"http")
        startDirect();
    else
        startNetworkAccess();
}

void HttpProbe::abort()
{
    m_done = true;
    m_timeout.stop();
    closeSocket();
    if (m_reply) {
        QNetworkReply *reply = m_reply;
        m_reply = nullptr;
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void HttpProbe::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_timeout.timerId()) {
        Probe::timerEvent(event);
        return;
    }
    m_timeout.stop();
    const QString reason = QStringLiteral("timed out after %1 ms").arg(m_target.settings.timeoutMs);
    if (m_socket) {
        failDirect(reason);
    } else if (m_reply) {
        m_abortReason = reason;
        m_reply->abort(); // finished() follows, synchronously
    }
}

// --- http://: the probe's own client ---------------------------------------------------------

void HttpProbe::startDirect()
{
    QString error;
    m_request = httpwire::buildGetRequest(m_target.endpoint, requestHeaders(m_target), &error);
    if (m_request.isEmpty()) {
        // Reported from the event loop, as every other result: a caller may not expect
        // finished() from inside start().
        QMetaObject::invokeMethod(
            this, [this, error] { finish(ProbeResult::failure(error, m_elapsed.elapsed())); }, Qt::QueuedConnection);
        return;
    }
    m_parser = std::make_unique<httpwire::ResponseParser>(
        httpwire::ResponseParser::Limits{maxResponseHeadBytes, m_target.settings.maxResponseBytes});
    m_socket = new QTcpSocket(this);
    connect(m_socket, &QTcpSocket::connected, this, &HttpProbe::onSocketConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpProbe::onSocketReadyRead);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &HttpProbe::onSocketError);
    // An IP literal connects at once; a name is resolved by QHostInfo's thread pool, and
    // every address it yields is tried in turn. Neither blocks.
    m_socket->connectToHost(m_target.endpoint.host(QUrl::FullyEncoded), quint16(m_target.endpoint.port(80)));
}

void HttpProbe::onSocketConnected()
{
    if (m_socket)
        m_socket->write(std::exchange(m_request, QByteArray()));
}

void HttpProbe::onSocketReadyRead()
{
    readFromSocket();
}

bool HttpProbe::readFromSocket()
{
    // A stack buffer: the bytes go straight into the parser, without a QByteArray per read.
    char buffer[16 * 1024];
    while (m_socket && m_socket->bytesAvailable() > 0) {
        const qint64 n = m_socket->read(buffer, sizeof buffer);
        if (n <= 0)
            break;
        m_parser->feed(buffer, qsizetype(n));
        if (m_parser->isDone()) {
            finishDirect();
            return false;
        }
    }
    return m_socket != nullptr;
}

void HttpProbe::onSocketError(QAbstractSocket::SocketError error)
{
    if (!m_socket || m_done)
        return;
    switch (error) {
    case QAbstractSocket::RemoteHostClosedError:
        // The end of the stream: what was received may be the whole answer (a body that runs
        // to the close), or not.
        if (!readFromSocket())
            return;
        m_parser->finishAtEof();
        finishDirect();
        return;
    case QAbstractSocket::ConnectionRefusedError:
        failDirect(QStringLiteral("connection refused"));
        return;
    case QAbstractSocket::HostNotFoundError:
        failDirect(QStringLiteral("host not found: %1").arg(m_target.endpoint.host()));
        return;
    case QAbstractSocket::SocketTimeoutError:
        failDirect(QStringLiteral("timed out after %1 ms").arg(m_target.settings.timeoutMs));
        return;
    default:
        failDirect(m_socket->errorString());
        return;
    }
}

void HttpProbe::finishDirect()
{
    const qint64 latency = m_elapsed.elapsed();
    m_timeout.stop();
    closeSocket();
    if (m_parser->state() == httpwire::ResponseParser::State::Failed) {
        finish(ProbeResult::failure(m_parser->error(), latency));
        return;
    }
    ProbeResult result = evaluate(m_target.settings, m_parser->status(), m_parser->body());
    result.latencyMs = latency;
    finish(result);
}

void HttpProbe::failDirect(const QString &reason)
{
    const qint64 latency = m_elapsed.elapsed();
    m_timeout.stop();
    closeSocket();
    finish(ProbeResult::failure(reason, latency));
}

void HttpProbe::closeSocket()
{
    if (!m_socket)
        return;
    // Closed at once, so that the socket leaves the event loop's poll set now; the object
    // goes with the probe (it may be inside one of its own signals here).
    QTcpSocket *socket = std::exchange(m_socket, nullptr);
    socket->disconnect(this);
    socket->abort();
}

// --- https://: QNetworkAccessManager -------------------------------------------------------

void HttpProbe::startNetworkAccess()
{
    QNetworkRequest request(m_target.endpoint);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    for (const httpwire::Header &h : requestHeaders(m_target))
        request.setRawHeader(h.first, h.second);
    if (m_target.endpoint.scheme() == u"https") {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        QList<QSslCertificate> cas = m_context.extraCaCertificates;
        if (!m_target.settings.caCertificate.isEmpty())
            cas += TlsProbe::loadCaFile(m_target.settings.caCertificate);
        if (!cas.isEmpty())
            ssl.addCaCertificates(cas);
        ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
        request.setSslConfiguration(ssl);
        if (!m_target.settings.serverName.isEmpty())
            request.setPeerVerifyName(m_target.settings.serverName);
    }

    m_reply = m_context.network->get(request);
    m_reply->setReadBufferSize(0);
    connect(m_reply, &QNetworkReply::readyRead, this, &HttpProbe::onReplyReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &HttpProbe::onReplyFinished);
    connect(m_reply, &QNetworkReply::sslErrors, this, [this](const QList<QSslError> &errors) {
        for (const QSslError &e : errors)
            m_sslErrors.append(e.errorString());
    });
}

void HttpProbe::onReplyReadyRead()
{
    if (!m_reply)
        return;
    const qint64 cap = m_target.settings.maxResponseBytes;
    m_body += m_reply->read(cap + 1 - m_body.size());
    if (m_body.size() > cap) {
        m_abortReason = QStringLiteral("response larger than %1 bytes").arg(cap);
        m_reply->abort();
    }
}

void HttpProbe::onReplyFinished()
{
    if (!m_reply || m_done)
        return;
    const qint64 latency = m_elapsed.elapsed();
    m_timeout.stop();
    QNetworkReply *reply = m_reply;
    m_reply = nullptr;
    reply->deleteLater();

    if (!m_abortReason.isEmpty()) {
        finish(ProbeResult::failure(m_abortReason, latency));
        return;
    }
    const QVariant statusAttr = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    const QNetworkReply::NetworkError error = reply->error();
    if (!statusAttr.isValid()) {
        QString reason;
        switch (error) {
        case QNetworkReply::ConnectionRefusedError:
            reason = QStringLiteral("connection refused");
            break;
        case QNetworkReply::HostNotFoundError:
            reason = QStringLiteral("host not found: %1").arg(m_target.endpoint.host());
            break;
        case QNetworkReply::TimeoutError:
            reason = QStringLiteral("timed out after %1 ms").arg(m_target.settings.timeoutMs);
            break;
        case QNetworkReply::RemoteHostClosedError:
            reason = QStringLiteral("connection closed by the server before a response");
            break;
        case QNetworkReply::SslHandshakeFailedError:
            reason = QStringLiteral("TLS error: %1")
                         .arg(m_sslErrors.isEmpty() ? reply->errorString() : m_sslErrors.join(QStringLiteral("; ")));
            break;
        default:
            reason = reply->errorString();
        }
        finish(ProbeResult::failure(reason, latency));
        return;
    }
    m_body += reply->read(m_target.settings.maxResponseBytes + 1 - m_body.size());
    ProbeResult result = evaluate(m_target.settings, statusAttr.toInt(), m_body);
    result.latencyMs = latency;
    finish(result);
}

void HttpProbe::finish(ProbeResult result)
{
    if (m_done)
        return;
    m_done = true;
    result.finishedAt = m_context.clock->nowUtc();
    result.data.insert(QStringLiteral("url"), m_target.endpoint.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery));
    emit finished(result);
}

ProbeResult HttpProbe::evaluate(const ProbeSettings &settings, int status, const QByteArray &body)
{
    ProbeResult r;
    r.data.insert(QStringLiteral("httpStatus"), status);
    const bool statusOk = std::any_of(settings.expectStatus.cbegin(), settings.expectStatus.cend(),
                                      [status](const StatusRange &range) { return range.contains(status); });
    if (!statusOk) {
        r.outcome = ProbeResult::Outcome::Failure;
        r.detail = QStringLiteral("bad status: HTTP %1").arg(status);
        return r;
    }
    if (!settings.bodyContains.isEmpty() && !body.contains(settings.bodyContains.toUtf8())) {
        r.outcome = ProbeResult::Outcome::Failure;
        r.detail = QStringLiteral("HTTP %1, but the body does not contain \"%2\"").arg(status).arg(settings.bodyContains);
        return r;
    }
    if (!settings.jsonField.isEmpty()) {
        bool found = false;
        const QString value = jsonFieldText(body, settings.jsonField, &found);
        if (!found) {
            r.outcome = ProbeResult::Outcome::Failure;
            r.detail = QStringLiteral("HTTP %1, but the body has no JSON field \"%2\"").arg(status).arg(settings.jsonField);
            return r;
        }
        if (!settings.jsonEquals.isEmpty() && value != settings.jsonEquals) {
            r.outcome = ProbeResult::Outcome::Failure;
            r.detail = QStringLiteral("HTTP %1, but %2 is \"%3\", expected \"%4\"")
                           .arg(status)
                           .arg(settings.jsonField, value.left(80), settings.jsonEquals);
            return r;
        }
    }
    r.outcome = ProbeResult::Outcome::Success;
    r.detail = QStringLiteral("HTTP %1").arg(status);
    return r;
}

QString HttpProbe::jsonFieldText(const QByteArray &body, const QString &dottedPath, bool *found)
{
    *found = false;
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    QJsonValue v = doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array());
    if (doc.isNull())
        return {};
    for (const QString &part : dottedPath.split(u'.')) {
        bool isIndex = false;
        const int index = part.toInt(&isIndex);
        if (v.isObject() && v.toObject().contains(part))
            v = v.toObject().value(part);
        else if (v.isArray() && isIndex && index >= 0 && index < v.toArray().size())
            v = v.toArray().at(index);
        else
            return {};
    }
    *found = true;
    switch (v.type()) {
    case QJsonValue::String:
        return v.toString();
    case QJsonValue::Bool:
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double:
        return QString::number(v.toDouble());
    case QJsonValue::Null:
        return QStringLiteral("null");
    default:
        return QString::fromUtf8(QJsonDocument(v.isObject() ? QJsonDocument(v.toObject()) : QJsonDocument(v.toArray()))
                                     .toJson(QJsonDocument::Compact));
    }
}

} // namespace dr
