#include "drillstatus.h"

#include <QHBoxLayout>
#include <QLabel>

namespace dr::ui {

DrillStatus::DrillStatus(QWidget *parent)
    : QFrame(parent)
    , m_text(new QLabel(this))
{
    setObjectName(QStringLiteral("drillStatus"));
    setAccessibleName(tr("Drill schedule"));
    setFrameShape(QFrame::StyledPanel);
    m_text->setObjectName(QStringLiteral("drillStatusText"));
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->addWidget(m_text, 1);
    setStyleSheet(QStringLiteral("QFrame#drillStatus { background: #ffe08a; border: 1px solid #000; } "
                                 "QLabel#drillStatusText { color: #000; font-weight: bold; }"));
    setVisible(false);
}

QString DrillStatus::warningText(const report::DrillSchedule &schedule)
{
    if (schedule.intervalDays <= 0 || !schedule.overdue)
        return {};
    QString text = schedule.summary.trimmed();
    if (text.isEmpty()) {
        text = schedule.lastDrill
            ? tr("Drill overdue by %1 days (%2; last %3)")
                  .arg(schedule.overdueDays)
                  .arg(schedule.scheduleText,
                      schedule.lastDrill->started.toUTC().date().toString(Qt::ISODate))
            : tr("Drill overdue: no drill recorded (%1)").arg(schedule.scheduleText);
    }
    // core's summary is a phrase for any sentence; the banner starts one.
    text[0] = text.at(0).toUpper();
    return QString(QStringLiteral("\u26a0 ") + text);
}

void DrillStatus::setSchedule(const report::DrillSchedule &schedule)
{
    const QString text = warningText(schedule);
    m_warning = !text.isEmpty();
    m_text->setText(text);
    setAccessibleDescription(text);
    setVisible(m_warning);
}

void DrillStatus::clear()
{
    m_warning = false;
    m_text->clear();
    setVisible(false);
}

QString DrillStatus::text() const
{
    return m_text->text();
}

} // namespace dr::ui
