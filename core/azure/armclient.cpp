#include "armclient.h"

#include "azure/httpdate.h"
#include "entra.h"
#include "logging/logging.h"
#include "net/httpexchange.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTimer>
#include <QUuid>

#include <algorithm>

namespace dr {

namespace {

QString reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return QStringLiteral("OK");
    case 201:
        return QStringLiteral("Created");
    case 202:
        return QStringLiteral("Accepted");
    case 204:
        return QStringLiteral("No Content");
    case 400:
        return QStringLiteral("Bad Request");
    case 401:
        return QStringLiteral("Unauthorized");
    case 403:
        return QStringLiteral("Forbidden");
    case 404:
        return QStringLiteral("Not Found");
    case 405:
        return QStringLiteral("Method Not Allowed");
    case 408:
        return QStringLiteral("Request Timeout");
    case 409:
        return QStringLiteral("Conflict");
    case 410:
        return QStringLiteral("Gone");
    case 412:
        return QStringLiteral("Precondition Failed");
    case 413:
        return QStringLiteral("Payload Too Large");
    case 422:
        return QStringLiteral("Unprocessable Entity");
    case 429:
        return QStringLiteral("Too Many Requests");
    case 500:
        return QStringLiteral("Internal Server Error");
    case 501:
        return QStringLiteral("Not Implemented");
    case 502:
        return QStringLiteral("Bad Gateway");
    case 503:
        return QStringLiteral("Service Unavailable");
    case 504:
        return QStringLiteral("Gateway Timeout");
    default:
        return QString();
    }
}

bool retryableStatus(int status)
{
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

// A dropped connection or a timeout may hide a request the service did apply; only methods
// whose repetition does no harm are sent again (a repeated POST could start a second failover).
bool idempotent(const QByteArray &method)
{
    return method == "GET" || method == "HEAD" || method == "PUT" || method == "PATCH"
        || method == "DELETE" || method == "OPTIONS";
}

bool transientTransportError(const QString &error)
{
    return !error.startsWith(QStringLiteral("TLS error"))
        && !error.startsWith(QStringLiteral("response larger than"))
        && !error.startsWith(QStringLiteral("host not found"))
        && !error.startsWith(QStringLiteral("connection refused"));
}

QString bodyStart(const QByteArray &body)
{
    QString text = QString::fromUtf8(body.left(600)).simplified();
    if (text.size() > 200)
        text = text.left(200) + QStringLiteral("...");
    return text;
}

// {"code", "message"} of an ARM error object, falling back on its first detail.
std::pair<QString, QString> codeAndMessage(const QJsonObject &error)
{
    QString code = error.value(QStringLiteral("code")).toString();
    QString message = error.value(QStringLiteral("message")).toString();
    const QJsonArray details = error.value(QStringLiteral("details")).toArray();
    if (message.isEmpty() && !details.isEmpty()) {
        const QJsonObject first = details.first().toObject();
        message = first.value(QStringLiteral("message")).toString();
        if (code.isEmpty())
            code = first.value(QStringLiteral("code")).toString();
    }
    return { code, message };
}

QString codeMessageText(const std::pair<QString, QString> &cm)
{
    if (cm.first.isEmpty())
        return cm.second;
    if (cm.second.isEmpty())
        return cm.first;
    return cm.first + QStringLiteral(": ") + cm.second;
}

} // namespace

QByteArray ArmResponse::header(const QByteArray &name) const
{
    for (const auto &[k, v] : headers) {
        if (k.compare(name, Qt::CaseInsensitive) == 0)
            return v;
    }
    return {};
}

struct ArmClient::Call
{
    QByteArray method;
    QUrl url;
    QByteArray body;
    QString label;
    QByteArray requestId;
    int attempts = 0;
    bool tokenRefreshed = false;
    Callback done;

    QString suffix() const
    {
        return (attempts > 1
                ? QStringLiteral(" (after %1 attempts; client request id %2)").arg(attempts)
                : QStringLiteral(" (client request id %1)"))
            .arg(QString::fromLatin1(requestId));
    }
};

struct ArmClient::Operation
{
    QByteArray method;
    QString path;
    QString apiVersion;
    QString label;
    QUrl asyncUrl;
    QUrl locationUrl;
    QElapsedTimer started;
    QString lastStatus;
    ArmResponse last;
    Callback done;
};

ArmClient::ArmClient(QNetworkAccessManager *network, TokenSource *tokens, const QUrl &endpoint,
    const QString &scope, QObject *parent)
    : QObject(parent)
    , m_network(network)
    , m_tokens(tokens)
    , m_endpoint(endpoint)
    , m_scope(scope)
{ }

const Clock *ArmClient::clock() const
{
    return m_clock ? m_clock : Clock::system();
}

QString ArmClient::describeOperation(
    const QByteArray &method, const QString &path, const QString &apiVersion)
{
    QString target = path;
    const qsizetype providers
        = path.lastIndexOf(QStringLiteral("/providers/"), -1, Qt::CaseInsensitive);
    if (providers >= 0) {
        const QString rest = path.mid(providers + 11); // Namespace/type/name...
        const qsizetype slash = rest.indexOf(u'/');
        target = slash >= 0 ? rest.mid(slash + 1) : rest;
    }
    while (target.startsWith(u'/'))
        target.remove(0, 1);
    return QStringLiteral("%1 %2 (api-version %3)")
        .arg(QString::fromLatin1(method), target, apiVersion);
}

bool ArmClient::sameOrigin(const QUrl &url, const QUrl &endpoint)
{
    const auto defaultPort = [](const QUrl &u) { return u.scheme() == u"https" ? 443 : 80; };
    return url.scheme().compare(endpoint.scheme(), Qt::CaseInsensitive) == 0
        && url.host().compare(endpoint.host(), Qt::CaseInsensitive) == 0
        && url.port(defaultPort(url)) == endpoint.port(defaultPort(endpoint));
}

QString ArmClient::describeError(int status, const QByteArray &body)
{
    const QString reason = reasonPhrase(status);
    const QString head = reason.isEmpty() ? QStringLiteral("HTTP %1").arg(status)
                                          : QStringLiteral("HTTP %1 %2").arg(status).arg(reason);
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    if (doc.isObject()) {
        const QJsonObject obj = doc.object();
        // ARM wraps errors in {"error": {...}}; a few resource providers answer the bare object.
        const QJsonObject error = obj.value(QStringLiteral("error")).isObject()
            ? obj.value(QStringLiteral("error")).toObject()
            : obj;
        const QString text = codeMessageText(codeAndMessage(error));
        if (!text.isEmpty())
            return head + QStringLiteral(": ") + text;
    }
    const QString raw = bodyStart(body);
    return raw.isEmpty() ? head : head + QStringLiteral(": ") + raw;
}

qint64 ArmClient::retryAfterMs(const QByteArray &value, const QDateTime &now)
{
    const QByteArray text = value.trimmed();
    if (text.isEmpty())
        return -1;
    bool ok = false;
    const qint64 seconds = text.toLongLong(&ok);
    if (ok)
        return seconds >= 0 ? seconds * 1000 : -1;
    const QDateTime when = azure::parseHttpDate(text);
    if (!when.isValid())
        return -1;
    return qMax<qint64>(0, now.msecsTo(when));
}

QUrl ArmClient::resourceUrl(
    const QString &path, const QString &apiVersion, const QString &extraQuery) const
{
    QUrl u = m_endpoint;
    QString base = u.path();
    while (base.endsWith(u'/'))
        base.chop(1);
    u.setPath(base + (path.startsWith(u'/') ? path : u'/' + path));
    QString query = QStringLiteral("api-version=") + apiVersion;
    if (!extraQuery.isEmpty())
        query += u'&' + extraQuery;
    u.setQuery(query);
    u.setFragment(QString());
    return u;
}

void ArmClient::send(const QByteArray &method, const QString &path, const QString &apiVersion,
    const QJsonObject &body, Callback done, const QString &extraQuery)
{
    auto call = std::make_shared<Call>();
    call->method = method;
    call->url = resourceUrl(path, apiVersion, extraQuery);
    if (!body.isEmpty())
        call->body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    call->label = describeOperation(method, path, apiVersion);
    call->requestId = QUuid::createUuid().toString(QUuid::WithoutBraces).toLatin1();
    call->done = std::move(done);
    // Never answer inside the call, whatever the token source does.
    QTimer::singleShot(0, this, [this, call] { attempt(call); });
}

void ArmClient::attempt(const std::shared_ptr<Call> &call)
{
    if (!m_tokens) {
        call->done(fail(call->label + QStringLiteral(": no token source for %1").arg(m_scope)));
        return;
    }
    QPointer<ArmClient> self(this);
    m_tokens->token(m_scope, [self, call](Result<QByteArray> token) {
        if (!self)
            return;
        if (!token) {
            call->done(fail(call->label
                + QStringLiteral(": no token for %1: %2").arg(self->m_scope, token.error())));
            return;
        }
        self->exchange(call, *token);
    });
}

void ArmClient::exchange(const std::shared_ptr<Call> &call, const QByteArray &token)
{
    ++call->attempts;
    HttpRequestSpec spec;
    spec.method = call->method;
    spec.url = call->url;
    spec.headers = { { QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + token },
        { QByteArrayLiteral("x-ms-client-request-id"), call->requestId },
        { QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json") } };
    if (!call->body.isEmpty())
        spec.headers.append(
            { QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") });
    spec.body = call->body;
    spec.timeoutMs = m_timeoutMs;
    spec.maxReplyBytes = m_maxBytes;
    spec.caCertificates = m_ca;
    HttpExchange::run(m_network, spec, this, [this, call](Result<HttpReply> reply) {
        const bool more = call->attempts < m_retry.maxAttempts;
        if (!reply) {
            if (more && idempotent(call->method) && transientTransportError(reply.error()))
                retryLater(call, reply.error(), -1);
            else
                call->done(
                    fail(call->label + QStringLiteral(": ") + reply.error() + call->suffix()));
            return;
        }
        if (reply->status == 401 && !call->tokenRefreshed) {
            // A cached token may have been revoked or rotated before its expiry: one fresh
            // token, one more try, and not counted as a retry.
            if (auto *entra = qobject_cast<EntraTokenSource *>(m_tokens.data())) {
                call->tokenRefreshed = true;
                --call->attempts;
                entra->invalidate(m_scope);
                attempt(call);
                return;
            }
        }
        if (retryableStatus(reply->status) && more) {
            qint64 after = -1;
            bool ok = false;
            const qint64 ms
                = reply->header(QByteArrayLiteral("x-ms-retry-after-ms")).trimmed().toLongLong(&ok);
            if (ok && ms >= 0)
                after = ms;
            else
                after = retryAfterMs(
                    reply->header(QByteArrayLiteral("Retry-After")), clock()->nowUtc());
            retryLater(call, describeError(reply->status, reply->body), after);
            return;
        }
        if (reply->status < 200 || reply->status > 299) {
            call->done(fail(call->label + QStringLiteral(": ")
                + describeError(reply->status, reply->body) + call->suffix()));
            return;
        }
        ArmResponse response;
        response.status = reply->status;
        response.headers = reply->headers;
        if (!reply->body.trimmed().isEmpty()) {
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(reply->body, &error);
            if (error.error != QJsonParseError::NoError || !doc.isObject()) {
                call->done(fail(call->label
                    + QStringLiteral(": HTTP %1 with a body that is not a JSON object: %2")
                          .arg(reply->status)
                          .arg(bodyStart(reply->body))
                    + call->suffix()));
                return;
            }
            response.body = doc.object();
        }
        call->done(std::move(response));
    });
}

void ArmClient::retryLater(const std::shared_ptr<Call> &call, const QString &why, qint64 retryAfter)
{
    qint64 delay = retryAfter;
    if (delay < 0) {
        const qint64 base = qint64(m_retry.baseDelayMs) << qMin(call->attempts - 1, 20);
        delay = base + (base > 0 ? QRandomGenerator::global()->bounded(base / 5 + 1) : 0);
    }
    delay = std::clamp<qint64>(delay, 0, m_retry.maxDelayMs);
    log::get("arm")->info("{}: {}; attempt {} of {} in {} ms", call->label.toStdString(),
        why.toStdString(), call->attempts + 1, m_retry.maxAttempts, delay);
    // Retry-After is a minimum: a coarse timer may fire up to 5% early.
    QTimer::singleShot(int(delay), Qt::PreciseTimer, this, [this, call] { attempt(call); });
}

void ArmClient::sendLongRunning(const QByteArray &method, const QString &path,
    const QString &apiVersion, const QJsonObject &body, Callback done)
{
    auto op = std::make_shared<Operation>();
    op->method = method;
    op->path = path;
    op->apiVersion = apiVersion;
    op->label = describeOperation(method, path, apiVersion);
    op->done = std::move(done);
    op->started.start();
    QPointer<ArmClient> self(this);
    send(method, path, apiVersion, body, [self, op](Result<ArmResponse> first) {
        if (!self)
            return;
        if (!first || (first->status != 201 && first->status != 202)) {
            op->done(std::move(first));
            return;
        }
        const QByteArray async = first->header(QByteArrayLiteral("Azure-AsyncOperation"));
        const QByteArray location = first->header(QByteArrayLiteral("Location"));
        if (async.isEmpty() && location.isEmpty()) {
            op->done(std::move(first)); // nothing to follow: the answer is all there is
            return;
        }
        if (!async.isEmpty())
            op->asyncUrl = self->m_endpoint.resolved(QUrl::fromEncoded(async.trimmed()));
        if (!location.isEmpty())
            op->locationUrl = self->m_endpoint.resolved(QUrl::fromEncoded(location.trimmed()));
        for (const QUrl &u : { op->asyncUrl, op->locationUrl }) {
            if (!u.isEmpty() && !u.isValid()) {
                op->done(fail(QStringLiteral("%1: the answer's operation URL is not a URL (%2)")
                                  .arg(op->label, u.errorString())));
                return;
            }
            if (!u.isEmpty() && !sameOrigin(u, self->m_endpoint)) {
                op->done(fail(
                    QStringLiteral(
                        "%1: refusing to follow the operation to %2: not the ARM endpoint %3 "
                        "(the bearer token is only sent there)")
                        .arg(op->label, log::redactedUrl(u), log::redactedUrl(self->m_endpoint))));
                return;
            }
        }
        op->last = *first;
        op->lastStatus = QStringLiteral("HTTP %1").arg(first->status);
        const qint64 after = retryAfterMs(
            first->header(QByteArrayLiteral("Retry-After")), self->clock()->nowUtc());
        self->pollLater(op,
            after >= 0 ? qMin<qint64>(after, self->m_retry.maxDelayMs)
                       : self->m_poll.defaultIntervalMs);
    });
}

void ArmClient::pollLater(const std::shared_ptr<Operation> &op, qint64 delayMs)
{
    const qint64 remaining = m_poll.timeoutMs - op->started.elapsed();
    const auto timedOut = [this, op] {
        op->done(
            fail(QStringLiteral("%1: the operation did not finish within %2 s (last status: %3)")
                     .arg(op->label)
                     .arg(m_poll.timeoutMs / 1000.0)
                     .arg(op->lastStatus)));
    };
    if (remaining <= 0) {
        timedOut();
        return;
    }
    QTimer::singleShot(int(std::clamp<qint64>(delayMs, 0, remaining)), Qt::PreciseTimer, this, [this, op, timedOut] {
        if (op->started.elapsed() >= m_poll.timeoutMs)
            timedOut();
        else
            poll(op);
    });
}

void ArmClient::poll(const std::shared_ptr<Operation> &op)
{
    const bool viaAsync = !op->asyncUrl.isEmpty();
    auto call = std::make_shared<Call>();
    call->method = QByteArrayLiteral("GET");
    call->url = viaAsync ? op->asyncUrl : op->locationUrl;
    call->label = op->label + QStringLiteral(", polling its operation");
    call->requestId = QUuid::createUuid().toString(QUuid::WithoutBraces).toLatin1();
    QPointer<ArmClient> self(this);
    call->done = [self, op, viaAsync](Result<ArmResponse> reply) {
        if (!self)
            return;
        if (!reply) {
            op->done(std::move(reply));
            return;
        }
        const qint64 after = retryAfterMs(
            reply->header(QByteArrayLiteral("Retry-After")), self->clock()->nowUtc());
        const qint64 next = after >= 0 ? qMin<qint64>(after, self->m_retry.maxDelayMs)
                                       : self->m_poll.defaultIntervalMs;
        if (!viaAsync) {
            // Location: 202 while running; any other success is the operation's result.
            if (reply->status == 202) {
                op->lastStatus = QStringLiteral("HTTP 202");
                self->pollLater(op, next);
            } else {
                op->done(std::move(reply));
            }
            return;
        }
        const QString status = reply->body.value(QStringLiteral("status")).toString();
        op->lastStatus = status.isEmpty() ? QStringLiteral("(none)") : status;
        if (status.compare(u"Succeeded", Qt::CaseInsensitive) == 0) {
            op->last = *reply;
            self->finalGet(op);
        } else if (status.compare(u"Failed", Qt::CaseInsensitive) == 0
            || status.compare(u"Canceled", Qt::CaseInsensitive) == 0
            || status.compare(u"Cancelled", Qt::CaseInsensitive) == 0) {
            const QString text = codeMessageText(
                codeAndMessage(reply->body.value(QStringLiteral("error")).toObject()));
            op->done(fail(QStringLiteral("%1: the operation ended %2%3")
                              .arg(op->label, status,
                                  text.isEmpty() ? QString() : QStringLiteral(": ") + text)));
        } else {
            self->pollLater(op, next);
        }
    };
    attempt(call);
}

void ArmClient::finalGet(const std::shared_ptr<Operation> &op)
{
    if (op->method == "PUT" || op->method == "PATCH") {
        get(op->path, op->apiVersion, op->done);
        return;
    }
    if (!op->locationUrl.isEmpty()) {
        // POST/DELETE: the result, if any, waits at the Location.
        op->asyncUrl.clear();
        poll(op);
        return;
    }
    op->done(op->last);
}

} // namespace dr
