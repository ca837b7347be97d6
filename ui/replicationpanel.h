#pragma once

// Storage geo-replication: the replication status, the Last Sync Time, the lag as a bar
// against the RPO objective (with the numbers as text too), and the canary's measured lag.

#include <QGroupBox>
#include <QJsonObject>

class QLabel;
class QProgressBar;

namespace dr::ui {

class ReplicationPanel : public QGroupBox
{
    Q_OBJECT

public:
    explicit ReplicationPanel(QWidget *parent = nullptr);

    void update(const QJsonObject &snapshot);
    QString statusText() const;
    QProgressBar *lagBar() const { return m_lag; }

private:
    QLabel *m_status;
    QLabel *m_lastSync;
    QProgressBar *m_lag;
    QLabel *m_canary;
};

} // namespace dr::ui
