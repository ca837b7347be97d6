#include "indexsyncpanel.h"

#include "statestyle.h"

#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace dr::ui {

IndexSyncPanel::IndexSyncPanel(QWidget *parent)
    : QGroupBox(tr("Index sync"), parent)
    , m_summary(new QLabel(this))
    , m_detail(new QLabel(this))
    , m_sync(new QPushButton(tr("Sync now\u2026"), this))
{
    setObjectName(QStringLiteral("indexSync"));
    m_summary->setWordWrap(true);
    m_detail->setWordWrap(true);
    m_sync->setEnabled(false);
    m_sync->setToolTip(tr("Waits for the index sync capability (drctl sync-index)"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_detail);
    layout->addWidget(m_sync, 0, Qt::AlignLeft);
    layout->addStretch(1);
    update({});
}

void IndexSyncPanel::setThresholds(int lagDocuments, int lagSeconds)
{
    m_lagDocuments = lagDocuments;
    m_lagSeconds = lagSeconds;
}

void IndexSyncPanel::update(const QJsonObject &snapshot)
{
    const QJsonValue v = snapshot.value(QStringLiteral("indexSync"));
    if (!v.isObject()) {
        m_summary->setText(tr("Not watched by this profile"));
        m_detail->clear();
        return;
    }
    const QJsonObject sync = v.toObject();
    if (!sync.value(QStringLiteral("checkedAt")).isString()) {
        m_summary->setText(tr("%1 \u2192 %2: not checked yet")
                               .arg(sync.value(QStringLiteral("source")).toString(),
                                   sync.value(QStringLiteral("target")).toString()));
        m_detail->setText(sync.value(QStringLiteral("detail")).toString());
        return;
    }
    const QString state = sync.value(QStringLiteral("state")).toString();
    const auto number = [&sync](const char *key) {
        const QJsonValue n = sync.value(QLatin1String(key));
        return n.isDouble() ? QString::number(n.toInteger()) : QStringLiteral("?");
    };
    m_summary->setText(
        tr("%1 \u2192 %2: %3 %4, %5 documents and %6 s behind (thresholds %7 documents, %8 s)")
            .arg(sync.value(QStringLiteral("source")).toString(),
                sync.value(QStringLiteral("target")).toString(),
                StateStyle::symbol(StateStyle::severityOf(state)), state, number("lagDocuments"),
                number("lagSeconds"))
            .arg(m_lagDocuments)
            .arg(m_lagSeconds));
    m_detail->setText(tr("Documents: %1 in the source, %2 in the target. %3")
                          .arg(number("sourceCount"), number("targetCount"),
                              sync.value(QStringLiteral("detail")).toString()));
}

QString IndexSyncPanel::summaryText() const
{
    return m_summary->text();
}

} // namespace dr::ui
