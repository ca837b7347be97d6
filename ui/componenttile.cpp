#include "componenttile.h"

#include "statestyle.h"

#include <QFocusEvent>
#include <QLabel>
#include <QVBoxLayout>

namespace dr::ui {

ComponentTile::ComponentTile(const QString &regionId, const QString &componentId, QWidget *parent)
    : QFrame(parent)
    , m_regionId(regionId)
    , m_componentId(componentId)
    , m_stateText(QStringLiteral("not checked yet"))
    , m_name(new QLabel(this))
    , m_state(new QLabel(this))
    , m_latency(new QLabel(this))
    , m_checked(new QLabel(this))
{
    setObjectName(QStringLiteral("tile/%1/%2").arg(regionId, componentId));
    setFocusPolicy(Qt::StrongFocus);
    setFrameStyle(QFrame::Box | QFrame::Plain);
    setLineWidth(1);
    setAutoFillBackground(true);
    setMinimumWidth(180);
    QFont bold = m_name->font();
    bold.setBold(true);
    m_name->setFont(bold);
    m_state->setFont(bold);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    layout->setSpacing(2);
    layout->addWidget(m_name);
    layout->addWidget(m_state);
    layout->addWidget(m_latency);
    layout->addWidget(m_checked);
}

void ComponentTile::setRow(const ComponentModel::Row &row, bool highContrast)
{
    m_stateText = ComponentModel::stateText(row);
    const auto severity = StateStyle::severityOf(row.state);
    m_name->setText(row.componentName);
    m_state->setText(
        QStringLiteral("%1 %2").arg(StateStyle::symbol(severity), StateStyle::label(row.state)));
    m_latency->setText(
        row.latencyMs >= 0 ? tr("Latency: %1 ms").arg(row.latencyMs) : tr("Latency: \u2014"));
    m_checked->setText(row.checkedAt.isValid()
            ? tr("Checked %1").arg(row.checkedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss")))
            : tr("Not checked yet"));
    setToolTip(row.detail);
    setAccessibleName(ComponentModel::accessibleText(row));
    setAccessibleDescription(row.detail);
    QPalette p = palette();
    p.setColor(QPalette::Window, StateStyle::background(severity, highContrast));
    p.setColor(QPalette::WindowText, StateStyle::foreground(severity, highContrast));
    setPalette(p);
}

void ComponentTile::setSelected(bool selected)
{
    // A thick frame marks the tile whose details the detail pane shows.
    setLineWidth(selected ? 3 : 1);
}

void ComponentTile::focusInEvent(QFocusEvent *event)
{
    QFrame::focusInEvent(event);
    emit selected(m_regionId, m_componentId);
}

void ComponentTile::mousePressEvent(QMouseEvent *event)
{
    QFrame::mousePressEvent(event);
    setFocus(Qt::MouseFocusReason);
}

} // namespace dr::ui
