#include "httpexchange.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkRequest>
#include <QPointer>
#include <QSslConfiguration>
#include <QTimer>

namespace dr {

QByteArray HttpReply::header(const QByteArray &name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

void HttpExchange::run(QNetworkAccessManager *network, const HttpRequestSpec &spec, QObject *context, Callback done)
{
    QNetworkRequest request(spec.url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    request.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("DRConsole/" DR_VERSION));
    for (const auto &[name, value] : spec.headers)
        request.setRawHeader(name, value);
    if (spec.url.scheme() == u"https") {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        if (!spec.caCertificates.isEmpty())
            ssl.addCaCertificates(spec.caCertificates);
        ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
        request.setSslConfiguration(ssl);
    }
    QNetworkReply *reply = spec.body.isEmpty() && spec.method == "GET"
                               ? network->get(request)
                               : network->sendCustomRequest(request, spec.method, spec.body);
    reply->setReadBufferSize(0);

    struct State
    {
        QByteArray body;
        QString abortReason;
        QStringList sslErrors;
        QElapsedTimer elapsed;
        bool done = false;
    };
    auto state = std::make_shared<State>();
    state->elapsed.start();
    auto *timer = new QTimer(reply);
    timer->setSingleShot(true);
    const int timeoutMs = spec.timeoutMs;
    const qint64 cap = spec.maxReplyBytes;
    QPointer<QObject> guard(context);

    QObject::connect(timer, &QTimer::timeout, reply, [reply, state, timeoutMs] {
        state->abortReason = QStringLiteral("timed out after %1 ms").arg(timeoutMs);
        reply->abort();
    });
    QObject::connect(reply, &QNetworkReply::readyRead, reply, [reply, state, cap] {
        state->body += reply->read(cap + 1 - state->body.size());
        if (state->body.size() > cap) {
            state->abortReason = QStringLiteral("response larger than %1 bytes").arg(cap);
            reply->abort();
        }
    });
    QObject::connect(reply, &QNetworkReply::sslErrors, reply, [state](const QList<QSslError> &errors) {
        for (const QSslError &e : errors)
            state->sslErrors.append(e.errorString());
    });
    QObject::connect(reply, &QNetworkReply::finished, context, [reply, state, guard, done, url = spec.url] {
        reply->deleteLater();
        if (state->done || !guard)
            return;
        state->done = true;
        if (!state->abortReason.isEmpty()) {
            done(fail(state->abortReason));
            return;
        }
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        if (!status.isValid()) {
            switch (reply->error()) {
            case QNetworkReply::ConnectionRefusedError:
                done(fail(QStringLiteral("connection refused")));
                break;
            case QNetworkReply::HostNotFoundError:
                done(fail(QStringLiteral("host not found: %1").arg(url.host())));
                break;
            case QNetworkReply::RemoteHostClosedError:
                done(fail(QStringLiteral("connection closed by the server before a response")));
                break;
            case QNetworkReply::SslHandshakeFailedError:
                done(fail(QStringLiteral("TLS error: %1")
                              .arg(state->sslErrors.isEmpty() ? reply->errorString() : state->sslErrors.join(QStringLiteral("; ")))));
                break;
            default:
                done(fail(reply->errorString()));
            }
            return;
        }
        state->body += reply->read(qMax<qint64>(0, reply->bytesAvailable()));
        HttpReply r;
        r.status = status.toInt();
        r.body = state->body;
        r.headers = reply->rawHeaderPairs();
        r.elapsedMs = state->elapsed.elapsed();
        done(std::move(r));
    });
    // Without a context the request must not outlive its caller's interest.
    QObject::connect(context, &QObject::destroyed, reply, [reply] { reply->abort(); });
    timer->start(timeoutMs);
}

} // namespace dr
