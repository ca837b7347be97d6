// The console's drill warning, from the profile's drill schedule and a real run journal (a
// temporary folder): a quarterly schedule with the last drill in July shows "Drill overdue by
// N days (quarterly; last 2026-07-01)" on 2026-11-26; a recent drill, or no schedule, shows
// nothing; a later drill clears the warning.

#include "drillstatus.h"
#include "report/report.h"
#include "runfixture.h"

#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::ui;

class tst_DrillStatus : public QObject
{
    Q_OBJECT

private slots:
    void overdueDrillWarns();
    void noScheduleNoWarning();

private:
    static Profile quarterly()
    {
        Profile p;
        p.name = QStringLiteral("fixture");
        p.drills.schedule = QStringLiteral("quarterly");
        p.drills.intervalMonths = 3;
        p.drills.intervalDays = 91;
        return p;
    }
    const QDateTime m_now = QDateTime(QDate(2026, 11, 26), QTime(10, 0), Qt::UTC);
};

void tst_DrillStatus::overdueDrillWarns()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    RunJournal journal(dir.filePath(QStringLiteral("journal.sqlite")));
    QVERIFY(journal.open());
    QCOMPARE(test::addFixtureRun(journal, QStringLiteral("drill-july"), QStringLiteral("drill"),
                 QDateTime(QDate(2026, 7, 1), QTime(9, 0), Qt::UTC), 600, 2),
        QString());
    // Not a drill: it does not count.
    QCOMPARE(test::addFixtureRun(journal, QStringLiteral("failover-nov"), QStringLiteral("planned-failover"),
                 QDateTime(QDate(2026, 11, 1), QTime(9, 0), Qt::UTC), 60, 2),
        QString());
    const Profile profile = quarterly();
    const auto schedule = report::drillSchedule(profile, journal, m_now);
    QVERIFY2(schedule, qPrintable(schedule ? QString() : schedule.error()));
    QVERIFY(schedule->overdue);

    DrillStatus status;
    status.show();
    status.setSchedule(*schedule);
    QVERIFY(status.isWarning());
    QVERIFY(status.isVisible());
    const QString text = status.text();
    QVERIFY2(text.contains(QStringLiteral("Drill overdue by %1 days").arg(schedule->overdueDays)), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("quarterly")) && text.contains(QStringLiteral("2026-07-01")), qPrintable(text));
    QVERIFY(schedule->overdueDays > 30 && schedule->overdueDays < 90);
    QCOMPARE(status.accessibleDescription(), text);

    // A drill since: nothing is overdue any more.
    QCOMPARE(test::addFixtureRun(journal, QStringLiteral("drill-november"), QStringLiteral("drill"),
                 QDateTime(QDate(2026, 11, 20), QTime(9, 0), Qt::UTC), 600, 2, RunState::Failed),
        QString());
    const auto after = report::drillSchedule(profile, journal, m_now);
    QVERIFY(after);
    status.setSchedule(*after);
    QVERIFY(!status.isWarning());
    QVERIFY(!status.isVisible());
    QCOMPARE(status.text(), QString());
}

void tst_DrillStatus::noScheduleNoWarning()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    RunJournal journal(dir.filePath(QStringLiteral("journal.sqlite")));
    QVERIFY(journal.open());
    QCOMPARE(test::addFixtureRun(journal, QStringLiteral("drill-2025"), QStringLiteral("drill"),
                 QDateTime(QDate(2025, 1, 1), QTime(9, 0), Qt::UTC), 600, 2),
        QString());
    Profile profile;
    profile.name = QStringLiteral("fixture");
    const auto schedule = report::drillSchedule(profile, journal, m_now);
    QVERIFY(schedule);
    DrillStatus status;
    status.show();
    status.setSchedule(*schedule);
    QVERIFY(!status.isWarning());
    QVERIFY(!status.isVisible());
}

QTEST_MAIN(tst_DrillStatus)
#include "tst_drillstatus.moc"
