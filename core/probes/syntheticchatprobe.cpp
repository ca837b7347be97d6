#include "syntheticchatprobe.h"

#include "net/httpexchange.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUuid>

namespace dr {

SyntheticChatProbe::SyntheticChatProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent)
    : Probe(target, context, parent)
{}

QJsonObject SyntheticChatProbe::activity(const QString &text, const QString &conversationId, const QDateTime &now)
{
    return {{QStringLiteral("type"), QStringLiteral("message")},
            {QStringLiteral("id"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
            {QStringLiteral("timestamp"), now.toUTC().toString(Qt::ISODateWithMs)},
            {QStringLiteral("channelId"), QStringLiteral("drconsole")},
            {QStringLiteral("from"), QJsonObject{{QStringLiteral("id"), QStringLiteral("drconsole-probe")},
                                                 {QStringLiteral("name"), QStringLiteral("DR Console synthetic user")}}},
            {QStringLiteral("recipient"), QJsonObject{{QStringLiteral("id"), QStringLiteral("bot")}}},
            {QStringLiteral("conversation"), QJsonObject{{QStringLiteral("id"), conversationId}}},
            {QStringLiteral("text"), text},
            {QStringLiteral("locale"), QStringLiteral("en-US")},
            {QStringLiteral("deliveryMode"), QStringLiteral("expectReplies")}};
}

void SyntheticChatProbe::start()
{
    m_context2 = new QObject(this);
    HttpRequestSpec spec;
    spec.method = QByteArrayLiteral("POST");
    spec.url = m_target.endpoint;
    spec.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
    const QString text = m_target.options.value(QStringLiteral("text")).toString();
    spec.body = QJsonDocument(activity(text, QStringLiteral("drconsole-probe-") + QUuid::createUuid().toString(QUuid::Id128),
                                       m_context.clock->nowUtc()))
                    .toJson(QJsonDocument::Compact);
    spec.timeoutMs = m_target.settings.timeoutMs;
    spec.maxReplyBytes = 1024 * 1024;
    spec.caCertificates = m_context.extraCaCertificates;
    const QString expect = m_target.options.value(QStringLiteral("expectContains")).toString();
    HttpExchange::run(m_context.network, spec, m_context2, [this, expect](Result<HttpReply> reply) {
        if (m_done)
            return;
        m_done = true;
        ProbeResult r;
        r.finishedAt = m_context.clock->nowUtc();
        if (!reply) {
            r.outcome = ProbeResult::Outcome::Failure;
            r.detail = reply.error();
            r.data.insert(QStringLiteral("region"), QJsonValue());
            emit finished(r);
            return;
        }
        r.latencyMs = reply->elapsedMs;
        r.data.insert(QStringLiteral("httpStatus"), reply->status);
        const QJsonObject body = QJsonDocument::fromJson(reply->body).object();
        QJsonObject answer;
        for (const QJsonValue &a : body.value(QStringLiteral("activities")).toArray()) {
            if (a.toObject().value(QStringLiteral("type")).toString() == u"message") {
                answer = a.toObject();
                break;
            }
        }
        QString region = QString::fromUtf8(reply->header(QByteArrayLiteral("X-DR-Region")));
        if (region.isEmpty())
            region = answer.value(QStringLiteral("channelData")).toObject().value(QStringLiteral("region")).toString();
        r.data.insert(QStringLiteral("region"), region.isEmpty() ? QJsonValue() : QJsonValue(region));
        const QString text = answer.value(QStringLiteral("text")).toString();
        r.data.insert(QStringLiteral("answer"), text.left(200));
        if (reply->status != 200) {
            r.outcome = ProbeResult::Outcome::Failure;
            r.detail = QStringLiteral("HTTP %1 from the bot%2").arg(reply->status).arg(region.isEmpty() ? QString() : QStringLiteral(" in ") + region);
        } else if (text.isEmpty()) {
            r.outcome = ProbeResult::Outcome::Failure;
            r.detail = QStringLiteral("the bot answered without a message");
        } else if (!expect.isEmpty() && !text.contains(expect, Qt::CaseInsensitive)) {
            r.outcome = ProbeResult::Outcome::Failure;
            r.detail = QStringLiteral("the answer does not mention \"%1\"").arg(expect);
        } else {
            r.outcome = ProbeResult::Outcome::Success;
            r.detail = QStringLiteral("answered by %1 in %2 ms").arg(region.isEmpty() ? QStringLiteral("an unknown region") : region).arg(reply->elapsedMs);
        }
        emit finished(r);
    });
}

void SyntheticChatProbe::abort()
{
    m_done = true;
    delete m_context2;
    m_context2 = nullptr;
}

} // namespace dr
