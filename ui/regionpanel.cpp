#include "regionpanel.h"

#include "componentmodel.h"
#include "componenttile.h"
#include "statestyle.h"

#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QVBoxLayout>

namespace dr::ui {

RegionPanel::RegionPanel(const QString &regionId, QWidget *parent)
    : QGroupBox(parent)
    , m_regionId(regionId)
    , m_title(new QLabel(this))
    , m_badge(new QLabel(tr("UNKNOWN"), this))
    , m_tileLayout(new QVBoxLayout)
{
    setObjectName(QStringLiteral("region/") + regionId);
    QFont big = m_title->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    big.setBold(true);
    m_title->setFont(big);
    m_badge->setFont(big);
    m_badge->setObjectName(QStringLiteral("badge/") + regionId);
    m_badge->setAutoFillBackground(true);
    m_badge->setMargin(4);
    auto *header = new QHBoxLayout;
    header->addWidget(m_title, 1);
    header->addWidget(m_badge);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addLayout(m_tileLayout);
    layout->addStretch(1);
}

QString RegionPanel::badgeText() const
{
    return m_badge->text();
}

QList<ComponentTile *> RegionPanel::tiles() const
{
    QList<ComponentTile *> result;
    for (const QString &id : m_order)
        result.append(m_tiles.value(id));
    return result;
}

void RegionPanel::update(const QJsonObject &region, const ComponentModel &model, bool highContrast)
{
    const QString name = region.value(QStringLiteral("displayName")).toString(m_regionId);
    const QString role = region.value(QStringLiteral("role")).toString();
    m_title->setText(QStringLiteral("%1 \u2014 %2").arg(name, role));
    const QJsonValue serving = region.value(QStringLiteral("serving"));
    const QString badge
        = serving.isBool() ? (serving.toBool() ? tr("SERVING") : tr("STANDBY")) : tr("UNKNOWN");
    m_badge->setText(badge);
    const auto severity = !serving.isBool() ? StateStyle::Severity::Unknown
        : serving.toBool()                  ? StateStyle::Severity::Good
                                            : StateStyle::Severity::Unknown;
    QPalette p = m_badge->palette();
    p.setColor(QPalette::Window, StateStyle::background(severity, highContrast));
    p.setColor(QPalette::WindowText, StateStyle::foreground(severity, highContrast));
    m_badge->setPalette(p);
    m_badge->setAccessibleName(QStringLiteral("%1: %2").arg(name, badge));
    setAccessibleName(QStringLiteral("%1, %2, %3").arg(name, role, badge));

    for (const QJsonValue &cv : region.value(QStringLiteral("components")).toArray()) {
        const QString id = cv.toObject().value(QStringLiteral("id")).toString();
        const int row = model.rowOf(m_regionId, id);
        if (row < 0)
            continue;
        ComponentTile *t = m_tiles.value(id);
        if (!t) {
            t = new ComponentTile(m_regionId, id, this);
            connect(t, &ComponentTile::selected, this, &RegionPanel::tileSelected);
            m_tiles.insert(id, t);
            m_order.append(id);
            m_tileLayout->addWidget(t);
        }
        t->setRow(model.row(row), highContrast);
    }
}

} // namespace dr::ui
