#include "traffic.h"

#include "net/httpexchange.h"
#include "probes/syntheticchatprobe.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QTimer>
#include <QUuid>

namespace drlab {

namespace {
const QStringList kQuestions = {
    QStringLiteral("How do I reset my password?"),
    QStringLiteral("How do I connect to the VPN from home?"),
    QStringLiteral("How many days of annual leave do I have?"),
    QStringLiteral("How do I submit an expense report?"),
    QStringLiteral("Who do I call when my laptop is stolen?"),
};
} // namespace

QJsonObject TrafficReport::toJson() const
{
    QJsonObject regions;
    for (auto it = byRegion.cbegin(); it != byRegion.cend(); ++it)
        regions.insert(it.key(), it.value());
    QJsonObject reasons;
    for (auto it = failures.cbegin(); it != failures.cend(); ++it)
        reasons.insert(it.key(), it.value());
    return {{QStringLiteral("sent"), sent},
            {QStringLiteral("succeeded"), succeeded},
            {QStringLiteral("failed"), failed},
            {QStringLiteral("byRegion"), regions},
            {QStringLiteral("longestOutageMs"), longestOutageMs},
            {QStringLiteral("failures"), reasons}};
}

TrafficReport runTraffic(const TrafficOptions &options)
{
    TrafficReport report;
    QNetworkAccessManager network;
    QObject context;
    QEventLoop loop;
    QElapsedTimer clock;
    clock.start();
    const qint64 durationMs = qint64(options.seconds) * 1000;
    const int intervalMs = qMax(1, int(1000.0 / qMax(0.01, options.rate)));
    qint64 lastSuccessMs = 0; // the run starts as if answered: an outage is time without answers
    int outstanding = 0;
    bool sending = true;
    const QList<QSslCertificate> cas = QSslCertificate::fromPath(options.caCertificate);

    const auto maybeQuit = [&] {
        if (!sending && outstanding == 0)
            loop.quit();
    };
    QTimer ticker;
    QObject::connect(&ticker, &QTimer::timeout, &context, [&] {
        if (clock.elapsed() >= durationMs) {
            sending = false;
            ticker.stop();
            maybeQuit();
            return;
        }
        dr::HttpRequestSpec spec;
        spec.method = QByteArrayLiteral("POST");
        spec.url = options.messagesUrl;
        spec.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
        spec.timeoutMs = options.timeoutMs;
        spec.caCertificates = cas;
        const QString question = kQuestions.at(report.sent % kQuestions.size());
        spec.body = QJsonDocument(dr::SyntheticChatProbe::activity(question, QStringLiteral("drlab-traffic-%1").arg(report.sent),
                                                                   QDateTime::currentDateTimeUtc()))
                        .toJson(QJsonDocument::Compact);
        ++report.sent;
        ++outstanding;
        dr::HttpExchange::run(&network, spec, &context, [&](dr::Result<dr::HttpReply> reply) {
            --outstanding;
            const qint64 now = clock.elapsed();
            QString failure;
            QString region;
            if (!reply) {
                failure = reply.error();
            } else {
                region = QString::fromUtf8(reply->header(QByteArrayLiteral("X-DR-Region")));
                const QJsonArray activities = QJsonDocument::fromJson(reply->body).object().value(QStringLiteral("activities")).toArray();
                const QString text = activities.first().toObject().value(QStringLiteral("text")).toString();
                if (reply->status != 200)
                    failure = QStringLiteral("HTTP %1").arg(reply->status);
                else if (text.isEmpty())
                    failure = QStringLiteral("an answer without text");
            }
            if (failure.isEmpty()) {
                ++report.succeeded;
                ++report.byRegion[region.isEmpty() ? QStringLiteral("unknown") : region];
                report.longestOutageMs = qMax(report.longestOutageMs, now - lastSuccessMs);
                lastSuccessMs = now;
            } else {
                ++report.failed;
                ++report.failures[failure];
            }
            maybeQuit();
        });
    });
    ticker.start(intervalMs);
    loop.exec();
    // A stretch without answers that lasts until the end counts too.
    report.longestOutageMs = qMax(report.longestOutageMs, clock.elapsed() - lastSuccessMs);
    return report;
}

} // namespace drlab
