#pragma once

// Azure Resource Manager (management.azure.com, or a sovereign cloud's, or the lab's stand-in)
// for the providers: bearer auth from a TokenSource, the api-version each provider pins,
// retries with exponential backoff on 429 and 5xx honouring Retry-After, long-running
// operations (Azure-AsyncOperation and Location polling), and ARM error bodies
// ({"error": {"code", "message", "details"}}) turned into operator-readable errors:
// "PATCH trafficManagerProfiles/contoso-tm/externalEndpoints/west (api-version 2022-04-01):
// HTTP 409 Conflict: code: message".
//
// Every call answers exactly once, never inside the call.

#include "common/clock.h"
#include "common/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QSslCertificate>
#include <QString>
#include <QUrl>

#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace dr {

class TokenSource;

struct ArmResponse
{
    int status = 0;
    QJsonObject body; // empty for an empty body (204, some 202s)
    QList<QNetworkReply::RawHeaderPair> headers;
    QByteArray header(const QByteArray &name) const; // case-insensitive; empty when absent
};

struct ArmRetryPolicy
{
    int maxAttempts = 4;        // in all, the first included
    int baseDelayMs = 1000;     // doubled at each retry, with up to 20% jitter
    int maxDelayMs = 30000;     // cap, also on Retry-After
};

struct ArmPollPolicy
{
    int defaultIntervalMs = 5000; // when the service sends no Retry-After
    int timeoutMs = 15 * 60 * 1000;
};

class ArmClient : public QObject
{
    Q_OBJECT

public:
    static QUrl publicCloudEndpoint() { return QUrl(QStringLiteral("https://management.azure.com")); }

    ArmClient(QNetworkAccessManager *network, TokenSource *tokens, const QUrl &endpoint,
        const QString &scope, QObject *parent = nullptr);

    void setCaCertificates(const QList<QSslCertificate> &certificates) { m_ca = certificates; }
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }
    void setRetryPolicy(const ArmRetryPolicy &policy) { m_retry = policy; }
    void setPollPolicy(const ArmPollPolicy &policy) { m_poll = policy; }
    void setClock(const Clock *clock) { m_clock = clock; }
    void setMaxResponseBytes(qint64 bytes) { m_maxBytes = bytes; }

    using Callback = std::function<void(Result<ArmResponse>)>;

    // One operation with retries (429, 500, 502, 503, 504, a dropped connection); no LRO.
    // `path` starts with "/subscriptions/..." (a full resource id, plus a sub-path); the query
    // gets api-version (and `extraQuery`, e.g. "$expand=geoReplicationStats"). A body is sent
    // as application/json when not empty. Any 2xx is a success; anything else an error.
    void send(const QByteArray &method, const QString &path, const QString &apiVersion,
        const QJsonObject &body, Callback done, const QString &extraQuery = QString());
    void get(const QString &path, const QString &apiVersion, Callback done,
        const QString &extraQuery = QString())
    {
        send(QByteArrayLiteral("GET"), path, apiVersion, {}, std::move(done), extraQuery);
    }

    // The same, then for 201/202 the long-running operation: poll Azure-AsyncOperation (its
    // body's "status": InProgress... until Succeeded, Failed or Canceled; failure carries the
    // body's error) or else Location (202 until done, then its answer), waiting Retry-After
    // (else the policy's interval) between polls, within the poll timeout. `done` gets the
    // final resource (a GET of `path` after an Azure-AsyncOperation success, or the Location's
    // final answer; or the first answer when it was 200/204).
    void sendLongRunning(const QByteArray &method, const QString &path, const QString &apiVersion,
        const QJsonObject &body, Callback done);

    // "HTTP 409 Conflict: Code: message" from an ARM error body (or the raw start of a body
    // that is not one).
    static QString describeError(int status, const QByteArray &body);

    // Retry-After as seconds or an HTTP date, in ms from `now`; -1 when absent or unreadable.
    static qint64 retryAfterMs(const QByteArray &value, const QDateTime &now);

    // "PATCH trafficManagerProfiles/contoso-tm/externalEndpoints/west (api-version 2022-04-01)":
    // the resource below its provider namespace, as errors name it.
    static QString describeOperation(const QByteArray &method, const QString &path, const QString &apiVersion);

    // Whether a poll URL may receive our bearer token: same scheme, host and port as `endpoint`.
    static bool sameOrigin(const QUrl &url, const QUrl &endpoint);

private:
    // (implementation)
    struct Call;
    struct Operation;
    void attempt(const std::shared_ptr<Call> &call);
    void exchange(const std::shared_ptr<Call> &call, const QByteArray &token);
    void retryLater(const std::shared_ptr<Call> &call, const QString &why, qint64 retryAfter);
    void poll(const std::shared_ptr<Operation> &op);
    void pollLater(const std::shared_ptr<Operation> &op, qint64 delayMs);
    void finalGet(const std::shared_ptr<Operation> &op);
    QUrl resourceUrl(const QString &path, const QString &apiVersion, const QString &extraQuery) const;
    const Clock *clock() const;

    QNetworkAccessManager *m_network;
    QPointer<TokenSource> m_tokens;
    QUrl m_endpoint;
    QString m_scope;
    QList<QSslCertificate> m_ca;
    int m_timeoutMs = 30000;
    qint64 m_maxBytes = 16 * 1024 * 1024;
    ArmRetryPolicy m_retry;
    ArmPollPolicy m_poll;
    const Clock *m_clock = nullptr;
};

} // namespace dr
