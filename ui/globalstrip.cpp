#include "globalstrip.h"

#include "statestyle.h"

#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>

namespace dr::ui {

GlobalStrip::GlobalStrip(QWidget *parent)
    : QFrame(parent)
    , m_endpoint(new QLabel(this))
    , m_routing(new QLabel(this))
    , m_chat(new QLabel(this))
{
    setObjectName(QStringLiteral("globalStrip"));
    setFrameStyle(QFrame::StyledPanel);
    for (QLabel *l : { m_endpoint, m_routing, m_chat }) {
        l->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
        l->setWordWrap(true);
    }
    m_endpoint->setObjectName(QStringLiteral("globalEndpoint"));
    m_routing->setObjectName(QStringLiteral("routing"));
    m_chat->setObjectName(QStringLiteral("syntheticChat"));
    auto *layout = new QHBoxLayout(this);
    layout->addWidget(m_endpoint, 2);
    layout->addWidget(m_routing, 3);
    layout->addWidget(m_chat, 3);
    update({});
}

void GlobalStrip::update(const QJsonObject &snapshot)
{
    const QJsonObject routing = snapshot.value(QStringLiteral("routing")).toObject();
    const QString url = routing.value(QStringLiteral("publicUrl")).toString();
    m_endpoint->setText(tr("Global endpoint: %1").arg(url.isEmpty() ? tr("\u2014") : url));

    const QJsonValue active = snapshot.value(QStringLiteral("activeRegion"));
    QStringList servers;
    for (const QJsonValue &v : routing.value(QStringLiteral("servers")).toArray()) {
        const QJsonObject s = v.toObject();
        const QString name = s.value(QStringLiteral("region")).isString()
            ? s.value(QStringLiteral("region")).toString()
            : s.value(QStringLiteral("server")).toString();
        servers.append(
            QStringLiteral("%1 %2").arg(name, s.value(QStringLiteral("status")).toString()));
    }
    QString text;
    if (!routing.contains(QStringLiteral("state")))
        text
            = tr("Routing (%1): not watched").arg(routing.value(QStringLiteral("kind")).toString());
    else if (!active.isString())
        text = tr("Routing: %1, serving region unknown")
                   .arg(routing.value(QStringLiteral("state"))
                            .toString(QStringLiteral("not checked yet")));
    else
        text = tr("Routing: %1 serves").arg(active.toString());
    if (!servers.isEmpty())
        text += QStringLiteral(" (") + servers.join(QStringLiteral(", ")) + u')';
    m_routing->setText(text);
    m_routing->setToolTip(routing.value(QStringLiteral("detail")).toString());

    const QJsonValue chatValue = snapshot.value(QStringLiteral("syntheticChat"));
    if (!chatValue.isObject()) {
        m_chat->setText(tr("Synthetic chat: not configured"));
    } else {
        const QJsonObject chat = chatValue.toObject();
        const QString state = chat.value(QStringLiteral("state")).toString();
        const auto severity = StateStyle::severityOf(state);
        if (!chat.value(QStringLiteral("checkedAt")).isString()) {
            m_chat->setText(tr("Synthetic chat: not checked yet"));
        } else if (chat.value(QStringLiteral("region")).isString()) {
            m_chat->setText(tr("Synthetic chat: %1 %2, answered by %3 in %4 ms")
                                .arg(StateStyle::symbol(severity), state,
                                    chat.value(QStringLiteral("region")).toString())
                                .arg(chat.value(QStringLiteral("latencyMs")).toInteger()));
        } else {
            m_chat->setText(tr("Synthetic chat: %1 %2").arg(StateStyle::symbol(severity), state));
        }
        m_chat->setToolTip(chat.value(QStringLiteral("detail")).toString());
    }
}

QString GlobalStrip::endpointText() const
{
    return m_endpoint->text();
}

QString GlobalStrip::routingText() const
{
    return m_routing->text();
}

QString GlobalStrip::chatText() const
{
    return m_chat->text();
}

} // namespace dr::ui
