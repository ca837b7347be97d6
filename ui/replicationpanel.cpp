#include "replicationpanel.h"

#include "statestyle.h"

#include <QDateTime>
#include <QLabel>
#include <QProgressBar>
#include <QVBoxLayout>

#include <algorithm>

namespace dr::ui {

ReplicationPanel::ReplicationPanel(QWidget *parent)
    : QGroupBox(tr("Storage replication"), parent)
    , m_status(new QLabel(this))
    , m_lastSync(new QLabel(this))
    , m_lag(new QProgressBar(this))
    , m_canary(new QLabel(this))
{
    setObjectName(QStringLiteral("storageReplication"));
    m_status->setWordWrap(true);
    m_lag->setTextVisible(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_status);
    layout->addWidget(m_lastSync);
    layout->addWidget(m_lag);
    layout->addWidget(m_canary);
    layout->addStretch(1);
    update({});
}

void ReplicationPanel::update(const QJsonObject &snapshot)
{
    const QJsonValue v = snapshot.value(QStringLiteral("storageReplication"));
    if (!v.isObject()) {
        m_status->setText(tr("Not watched by this profile"));
        m_lastSync->clear();
        m_lag->setRange(0, 1);
        m_lag->setValue(0);
        m_lag->setFormat(tr("no data"));
        m_canary->clear();
        return;
    }
    const QJsonObject rep = v.toObject();
    const bool checked = rep.value(QStringLiteral("checkedAt")).isString();
    const QString state = rep.value(QStringLiteral("state")).toString();
    m_status->setText(checked ? tr("Status: %1 \u2014 %2 %3")
                                    .arg(rep.value(QStringLiteral("status")).toString(),
                                        StateStyle::symbol(StateStyle::severityOf(state)), state)
                              : tr("Status: not checked yet"));
    m_status->setToolTip(rep.value(QStringLiteral("detail")).toString());
    const QDateTime lastSync
        = QDateTime::fromString(rep.value(QStringLiteral("lastSyncTime")).toString(), Qt::ISODate);
    m_lastSync->setText(tr("Last Sync Time: %1")
                            .arg(lastSync.isValid() ? lastSync.toUTC().toString(
                                     QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"))
                                                    : tr("\u2014")));
    const int rpo = qMax(1, rep.value(QStringLiteral("rpoSeconds")).toInt(1));
    const QJsonValue lag = rep.value(QStringLiteral("lagSeconds"));
    m_lag->setRange(0, rpo);
    if (lag.isDouble()) {
        const qint64 seconds = lag.toInteger();
        m_lag->setValue(int(std::clamp<qint64>(seconds, 0, rpo)));
        // The bar caps at the RPO; the text keeps the true number.
        m_lag->setFormat(tr("lag %1 s of RPO %2 s").arg(seconds).arg(rpo));
    } else {
        m_lag->setValue(0);
        m_lag->setFormat(tr("lag unknown (RPO %1 s)").arg(rpo));
    }
    m_lag->setAccessibleName(m_lag->format());
    const QJsonValue canary = rep.value(QStringLiteral("canaryLagMs"));
    m_canary->setText(canary.isDouble()
            ? tr("Canary lag: %1 ms").arg(canary.toInteger())
            : tr("Canary lag: %1")
                  .arg(rep.value(QStringLiteral("canaryDetail")).toString(tr("\u2014"))));
}

QString ReplicationPanel::statusText() const
{
    return m_status->text();
}

} // namespace dr::ui
