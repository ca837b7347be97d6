#pragma once

// One region's stack: a header with its name, role and a SERVING / STANDBY badge ("UNKNOWN"
// until the routing has been read), and a tile per component. It reads everything from the
// ComponentModel and the region object of the status document.

#include <QGroupBox>
#include <QHash>
#include <QJsonObject>

class QLabel;
class QVBoxLayout;

namespace dr::ui {

class ComponentModel;
class ComponentTile;

class RegionPanel : public QGroupBox
{
    Q_OBJECT

public:
    RegionPanel(const QString &regionId, QWidget *parent = nullptr);

    QString regionId() const { return m_regionId; }
    QString badgeText() const; // "SERVING", "STANDBY" or "UNKNOWN"
    ComponentTile *tile(const QString &componentId) const { return m_tiles.value(componentId); }
    QList<ComponentTile *> tiles() const;

    // region: the region object of the status document.
    void update(const QJsonObject &region, const ComponentModel &model, bool highContrast);

signals:
    void tileSelected(const QString &regionId, const QString &componentId);

private:
    QString m_regionId;
    QLabel *m_title;
    QLabel *m_badge;
    QVBoxLayout *m_tileLayout;
    QHash<QString, ComponentTile *> m_tiles;
    QStringList m_order;
};

} // namespace dr::ui
