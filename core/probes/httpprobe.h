#pragma once

// HTTP(S) health: one request to the target's endpoint. Healthy when the status is in an
// expected range and the body matches (bodyContains, or a JSON field's value). The response
// is capped at maxResponseBytes and the whole exchange at timeoutMs, so a server that never
// answers or never stops talking still ends in a result. TLS is verified against the system
// store plus the profile's CAs; errors carry their detail.

#include "probe.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QTimer>

class QNetworkReply;

namespace dr {

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

private:
    void onReadyRead();
    void onFinished();
    void finish(ProbeResult result);

    QPointer<QNetworkReply> m_reply;
    QTimer m_timeout;
    QElapsedTimer m_elapsed;
    QByteArray m_body;
    QString m_abortReason;
    QStringList m_sslErrors;
    bool m_done = false;
};

} // namespace dr
