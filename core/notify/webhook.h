#pragma once

// Posts notifications to an incoming webhook (Microsoft Teams, Slack, or anything that takes
// {"text": "..."}) without ever blocking: send() returns at once with a delivery id, and
// finished(id, ok, detail) follows exactly once per delivery, after at most
// Options::maxAttempts attempts, each cut off after Options::timeoutMs.
//
// Retries: a network error, a timeout, HTTP 429 or 5xx is retried after a backoff that
// doubles from Options::backoffMs; any other HTTP error is final (retrying a 404 will not fix
// a wrong URL).
//
// The webhook URL is a secret (it authorises anyone who has it to post): it is never logged,
// never put into a detail message, and Qt's own error strings (which quote the URL) are never
// passed on. The caller resolves the profile's secret reference and hands the URL over.

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace dr {

class Webhook : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int timeoutMs = 10000;
        int maxAttempts = 3;
        int backoffMs = 2000;
    };

    Webhook(QNetworkAccessManager *network, const QUrl &url, const Options &options, QObject *parent = nullptr);
    ~Webhook() override; // aborts what is in flight, without finished()

    static QByteArray payload(const QString &text); // {"text": text}

    quint64 send(const QString &text);
    int inFlight() const { return int(m_deliveries.size()); }

signals:
    void finished(quint64 id, bool ok, const QString &detail);

private:
    struct Delivery
    {
        QByteArray body;
        int attempt = 0;
        QPointer<QNetworkReply> reply;
        QPointer<QTimer> backoff;
    };

    void attempt(quint64 id);
    void onReply(quint64 id, QNetworkReply *reply);
    void done(quint64 id, bool ok, const QString &detail);

    QNetworkAccessManager *m_network;
    QUrl m_url;
    Options m_options;
    quint64 m_nextId = 1;
    QHash<quint64, Delivery> m_deliveries;
};

} // namespace dr
