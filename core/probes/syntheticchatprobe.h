#pragma once

// A user's view: one Bot Framework activity (type message, deliveryMode expectReplies)
// posted through the global endpoint, and the reply checked: HTTP 200, a message activity
// with text (containing expectContains, when set), and which region answered (the
// X-DR-Region header, or channelData.region of the reply).
//   endpoint: the full URL of the messages endpoint; options: text, expectContains
// data: region, answer (first 200 characters), httpStatus

#include "probe.h"

#include <QPointer>

namespace dr {

class SyntheticChatProbe final : public Probe
{
    Q_OBJECT

public:
    SyntheticChatProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent = nullptr);
    void start() override;
    void abort() override;

    static QJsonObject activity(const QString &text, const QString &conversationId, const QDateTime &now);

private:
    QObject *m_context2 = nullptr;
    bool m_done = false;
};

} // namespace dr
