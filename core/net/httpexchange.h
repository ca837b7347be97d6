#pragma once

// One HTTP(S) request and its complete reply, for clients that speak a service's protocol
// (Search REST, a bot's activity endpoint, ...): a total timeout, a reply size cap, TLS
// verified against the system store plus given CAs, and failures worded for operators
// ("connection refused", "timed out after 5000 ms", "TLS error: ..."). The callback runs
// exactly once, never inside run().

#include "common/result.h"

#include <QByteArray>
#include <QList>
#include <QNetworkReply>
#include <QObject>
#include <QSslCertificate>
#include <QUrl>

#include <functional>

class QNetworkAccessManager;

namespace dr {

struct HttpRequestSpec
{
    QByteArray method = QByteArrayLiteral("GET");
    QUrl url;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;
    int timeoutMs = 10000;
    qint64 maxReplyBytes = 8 * 1024 * 1024;
    QList<QSslCertificate> caCertificates; // trusted besides the system store
};

struct HttpReply
{
    int status = 0;
    QByteArray body;
    QList<QNetworkReply::RawHeaderPair> headers;
    qint64 elapsedMs = 0;
    QByteArray header(const QByteArray &name) const;
};

class HttpExchange
{
public:
    using Callback = std::function<void(Result<HttpReply>)>;
    // `context` bounds the callback's life: if it is destroyed first, the request is
    // aborted and the callback never runs.
    static void run(QNetworkAccessManager *network, const HttpRequestSpec &spec, QObject *context, Callback done);
};

} // namespace dr
