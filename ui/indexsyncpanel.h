#pragma once

// Index sync between the two search indexes: how many documents and seconds the secondary is
// behind, and its state against the profile's thresholds. "Sync now…" is shown but disabled
// until the sync capability lands (drctl sync-index).

#include <QGroupBox>
#include <QJsonObject>

class QLabel;
class QPushButton;

namespace dr::ui {

class IndexSyncPanel : public QGroupBox
{
    Q_OBJECT

public:
    explicit IndexSyncPanel(QWidget *parent = nullptr);

    void setThresholds(int lagDocuments, int lagSeconds);
    void update(const QJsonObject &snapshot);
    QString summaryText() const;
    QPushButton *syncButton() const { return m_sync; }

private:
    QLabel *m_summary;
    QLabel *m_detail;
    QPushButton *m_sync;
    int m_lagDocuments = 100;
    int m_lagSeconds = 900;
};

} // namespace dr::ui
