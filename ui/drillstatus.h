#pragma once

// The drill warning under the run banner: "Drill overdue by 12 days (quarterly; last
// 2026-07-01)" when the profile's drill schedule (profile "drills") says a drill is overdue;
// hidden when it is not, or when the profile has no schedule. Fed with
// report::drillSchedule(); the main window refreshes it when the profile opens and whenever a
// run finishes. Said in words, not colour alone, and exposed to assistive technology.

#include "report/report.h"

#include <QFrame>

class QLabel;

namespace dr::ui {

class DrillStatus : public QFrame
{
    Q_OBJECT

public:
    explicit DrillStatus(QWidget *parent = nullptr);

    void setSchedule(const report::DrillSchedule &schedule);
    // The schedule could not be read (e.g. the journal is unavailable): nothing is claimed.
    void clear();
    QString text() const;
    bool isWarning() const { return m_warning; }

    // "Drill overdue by 12 days (quarterly; last 2026-07-01)"; empty when nothing is overdue.
    static QString warningText(const report::DrillSchedule &schedule);

private:
    QLabel *m_text;
    bool m_warning = false;
};

} // namespace dr::ui
