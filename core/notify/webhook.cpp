#include "webhook.h"

#include "logging/logging.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace dr {

namespace {

// Our own words for what went wrong: QNetworkReply::errorString() quotes the URL.
QString networkProblem(QNetworkReply::NetworkError error, int timeoutMs)
{
    switch (error) {
    case QNetworkReply::ConnectionRefusedError:
        return QStringLiteral("connection refused");
    case QNetworkReply::RemoteHostClosedError:
        return QStringLiteral("the server closed the connection");
    case QNetworkReply::HostNotFoundError:
        return QStringLiteral("host not found");
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError: // what a transfer timeout reports
        return QStringLiteral("no answer within %1 s").arg(timeoutMs / 1000.0);
    case QNetworkReply::SslHandshakeFailedError:
        return QStringLiteral("TLS handshake failed");
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::TemporaryNetworkFailureError:
        return QStringLiteral("the network is not available");
    default:
        return QStringLiteral("network error %1").arg(int(error));
    }
}

} // namespace

Webhook::Webhook(QNetworkAccessManager *network, const QUrl &url, const Options &options, QObject *parent)
    : QObject(parent)
    , m_network(network)
    , m_url(url)
    , m_options(options)
{}

Webhook::~Webhook()
{
    for (Delivery &d : m_deliveries) {
        if (d.reply) {
            d.reply->disconnect(this);
            d.reply->abort();
            d.reply->deleteLater();
        }
    }
}

QByteArray Webhook::payload(const QString &text)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("text"), text}}).toJson(QJsonDocument::Compact);
}

quint64 Webhook::send(const QString &text)
{
    const quint64 id = m_nextId++;
    Delivery d;
    d.body = payload(text);
    m_deliveries.insert(id, d);
    if (!m_url.isValid() || (m_url.scheme() != u"https" && m_url.scheme() != u"http")) {
        // Reported after send() returns, as every other outcome is.
        QTimer::singleShot(0, this, [this, id] { done(id, false, QStringLiteral("the webhook URL is not a valid http(s) URL")); });
        return id;
    }
    attempt(id);
    return id;
}

void Webhook::attempt(quint64 id)
{
    auto it = m_deliveries.find(id);
    if (it == m_deliveries.end())
        return;
    ++it->attempt;
    QNetworkRequest request(m_url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setTransferTimeout(m_options.timeoutMs);
    // A redirect could carry the payload somewhere the profile did not name.
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    QNetworkReply *reply = m_network->post(request, it->body);
    it->reply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, id, reply] { onReply(id, reply); });
}

void Webhook::onReply(quint64 id, QNetworkReply *reply)
{
    reply->deleteLater();
    auto it = m_deliveries.find(id);
    if (it == m_deliveries.end())
        return;
    it->reply = nullptr;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    bool retry = false;
    QString detail;
    if (status >= 200 && status < 300) {
        done(id, true, QStringLiteral("HTTP %1").arg(status));
        return;
    }
    if (status > 0) {
        detail = QStringLiteral("HTTP %1").arg(status);
        retry = status == 429 || status >= 500;
    } else {
        detail = networkProblem(reply->error(), m_options.timeoutMs);
        retry = true;
    }
    if (!retry || it->attempt >= m_options.maxAttempts) {
        done(id, false, QStringLiteral("%1 (after %2 attempt%3)").arg(detail).arg(it->attempt).arg(it->attempt == 1 ? QString() : QStringLiteral("s")));
        return;
    }
    const int delay = m_options.backoffMs * (1 << std::min(it->attempt - 1, 10));
    log::get("notify")->info("webhook post failed ({}), retrying in {} ms", detail.toStdString(), delay);
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, this, [this, id, timer] {
        timer->deleteLater();
        attempt(id);
    });
    it->backoff = timer;
    timer->start(delay);
}

void Webhook::done(quint64 id, bool ok, const QString &detail)
{
    if (!m_deliveries.remove(id))
        return;
    if (ok)
        log::get("notify")->debug("webhook delivered: {}", detail.toStdString());
    else
        log::get("notify")->warn("webhook not delivered: {}", detail.toStdString());
    emit finished(id, ok, detail);
}

} // namespace dr
