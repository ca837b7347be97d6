#pragma once

// One component of one region as a tile: its name, its state as a word and a symbol on a
// state colour (never colour alone), its latency and the time of its last check. The reason
// of the state is the tooltip. Tiles take keyboard focus (Tab) and carry an accessible name
// such as "Lab West, Bot API: ok, 42 ms"; focusing or clicking one emits selected().

#include "componentmodel.h"

#include <QFrame>

class QLabel;

namespace dr::ui {

class ComponentTile : public QFrame
{
    Q_OBJECT

public:
    ComponentTile(const QString &regionId, const QString &componentId, QWidget *parent = nullptr);

    QString regionId() const { return m_regionId; }
    QString componentId() const { return m_componentId; }
    // "ok", "degraded", "down", "unknown", or "not checked yet".
    QString stateText() const { return m_stateText; }

    void setRow(const ComponentModel::Row &row, bool highContrast);
    void setSelected(bool selected);

signals:
    void selected(const QString &regionId, const QString &componentId);

protected:
    void focusInEvent(QFocusEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    QString m_regionId;
    QString m_componentId;
    QString m_stateText;
    QLabel *m_name;
    QLabel *m_state;
    QLabel *m_latency;
    QLabel *m_checked;
};

} // namespace dr::ui
