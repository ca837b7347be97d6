#pragma once

// The non-regional part of the status document in one line across the window: the global
// endpoint users reach, the routing (which region serves, each server's state) and the
// synthetic chat result (which region answered, how fast).

#include <QFrame>
#include <QJsonObject>

class QLabel;

namespace dr::ui {

class GlobalStrip : public QFrame
{
    Q_OBJECT

public:
    explicit GlobalStrip(QWidget *parent = nullptr);

    void update(const QJsonObject &snapshot);

    QString endpointText() const;
    QString routingText() const;
    QString chatText() const;

private:
    QLabel *m_endpoint;
    QLabel *m_routing;
    QLabel *m_chat;
};

} // namespace dr::ui
