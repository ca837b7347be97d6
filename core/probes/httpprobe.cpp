#include "httpprobe.h"

#include "tlsprobe.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSslConfiguration>

namespace dr {

HttpProbe::HttpProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent)
    : Probe(target, context, parent)
{
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        m_abortReason = QStringLiteral("timed out after %1 ms").arg(m_target.settings.timeoutMs);
        if (m_reply)
            m_reply->abort();
    });
}

HttpProbe::~HttpProbe()
{
    abort();
}

void HttpProbe::start()
{
    QNetworkRequest request(m_target.endpoint);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("DRConsole/" DR_VERSION " probe"));
    request.setRawHeader("Accept", "application/json, text/plain;q=0.9, */*;q=0.5");
    for (auto it = m_target.settings.headers.constBegin(); it != m_target.settings.headers.constEnd(); ++it) {
        // Secret-backed headers come resolved in secretHeaders, below.
        if (!it->secret)
            request.setRawHeader(it.key().toUtf8(), it->value.toUtf8());
    }
    for (auto it = m_target.secretHeaders.constBegin(); it != m_target.secretHeaders.constEnd(); ++it)
        request.setRawHeader(it.key(), it.value());
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

    m_elapsed.start();
    m_timeout.start(m_target.settings.timeoutMs);
    m_reply = m_context.network->get(request);
    m_reply->setReadBufferSize(0);
    connect(m_reply, &QNetworkReply::readyRead, this, &HttpProbe::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &HttpProbe::onFinished);
    connect(m_reply, &QNetworkReply::sslErrors, this, [this](const QList<QSslError> &errors) {
        for (const QSslError &e : errors)
            m_sslErrors.append(e.errorString());
    });
}

void HttpProbe::abort()
{
    m_done = true;
    m_timeout.stop();
    if (m_reply) {
        QNetworkReply *reply = m_reply;
        m_reply = nullptr;
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void HttpProbe::onReadyRead()
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

void HttpProbe::onFinished()
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
