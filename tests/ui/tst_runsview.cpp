// The console's runs list over a real run journal (a SQLite file in a temporary folder, filled
// through RunJournal): runs newest first whatever order they were written in, the selected
// run's steps and log below, the verdict column following data.verdict, the selection kept
// across a refresh, and the recording actions saying why without a controller.

#include "runfixture.h"
#include "runsmodel.h"
#include "runsview.h"
#include "wizardpages/runstepmodel.h"

#include <QAbstractItemModelTester>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::ui;

class tst_RunsView : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void emptyJournalSaysSo();
    void runsNewestFirstWithStepsAndLog();
    void verdictColumnAndSelectionSurviveRefresh();
    void recordingNeedsAController();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<RunJournal> m_journal;
    QDateTime m_t0 = QDateTime(QDate(2026, 11, 20), QTime(9, 0), Qt::UTC);
};

void tst_RunsView::initTestCase()
{
    QVERIFY(m_dir.isValid());
    qputenv("DRCONSOLE_DATA_DIR", m_dir.path().toUtf8());
    m_journal = std::make_unique<RunJournal>(m_dir.filePath(QStringLiteral("journal.sqlite")));
    const auto opened = m_journal->open();
    QVERIFY2(opened, qPrintable(opened ? QString() : opened.error()));
}

void tst_RunsView::emptyJournalSaysSo()
{
    RunsView view;
    QVERIFY(!view.findChild<QLabel *>(QStringLiteral("runsEmpty"))->isHidden());
    QVERIFY(view.findChild<QLabel *>(QStringLiteral("runsEmpty"))->text().contains(QStringLiteral("No profile")));
    view.setJournal(m_journal.get());
    QCOMPARE(view.model()->rowCount(), 0);
    QVERIFY(view.findChild<QLabel *>(QStringLiteral("runsEmpty"))->text().contains(QStringLiteral("No runs yet")));
    QVERIFY(!view.exportButton()->isEnabled());
}

void tst_RunsView::runsNewestFirstWithStepsAndLog()
{
    // Written out of time order: the list must not show insertion order.
    QCOMPARE(test::addFixtureRun(*m_journal, QStringLiteral("run-middle"), QStringLiteral("drill"), m_t0.addSecs(3600), 125, 2), QString());
    QCOMPARE(test::addFixtureRun(*m_journal, QStringLiteral("run-newest"), QStringLiteral("failback"), m_t0.addSecs(7200), 30, 4, RunState::Failed), QString());
    QCOMPARE(test::addFixtureRun(*m_journal, QStringLiteral("run-oldest"), QStringLiteral("planned-failover"), m_t0, 7300, 3), QString());

    RunsView view;
    QAbstractItemModelTester tester(view.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    view.setJournal(m_journal.get());
    view.resize(1200, 600);
    view.show();
    QCOMPARE(view.model()->rowCount(), 3);
    QCOMPARE(view.model()->data(view.model()->index(0, RunsModel::IdColumn)).toString(), QStringLiteral("run-newest"));
    QCOMPARE(view.model()->data(view.model()->index(1, RunsModel::IdColumn)).toString(), QStringLiteral("run-middle"));
    QCOMPARE(view.model()->data(view.model()->index(2, RunsModel::IdColumn)).toString(), QStringLiteral("run-oldest"));
    QCOMPARE(view.model()->data(view.model()->index(0, RunsModel::StateColumn)).toString(), QStringLiteral("failed"));
    QCOMPARE(view.model()->data(view.model()->index(1, RunsModel::DurationColumn)).toString(), QStringLiteral("2 min 05 s"));
    QCOMPARE(view.model()->data(view.model()->index(2, RunsModel::DurationColumn)).toString(), QStringLiteral("2 h 01 min"));
    QCOMPARE(view.model()->data(view.model()->index(0, RunsModel::RouteColumn)).toString(), QStringLiteral("west \u2192 north"));

    // The newest is selected at first, with its steps and log.
    QCOMPARE(view.selectedRunId(), QStringLiteral("run-newest"));
    QCOMPARE(view.stepModel()->rowCount(), 4);
    QVERIFY(view.logView()->toPlainText().contains(QStringLiteral("log line of run-newest")));
    QVERIFY(view.exportButton()->isEnabled());

    // The keyboard walks the list; the details follow.
    view.table()->setFocus();
    QTest::keyClick(view.table(), Qt::Key_Down);
    QCOMPARE(view.selectedRunId(), QStringLiteral("run-middle"));
    QCOMPARE(view.stepModel()->rowCount(), 2);
    QCOMPARE(view.stepModel()->row(1).detail, QStringLiteral("step 1 of run-middle did its work"));
    QVERIFY(view.logView()->toPlainText().contains(QStringLiteral("log line of run-middle")));

    QVERIFY(view.selectRun(QStringLiteral("run-oldest")));
    QCOMPARE(view.stepModel()->rowCount(), 3);
    QVERIFY(!view.selectRun(QStringLiteral("no-such-run")));

    QSignalSpy exportSpy(&view, &RunsView::exportReportRequested);
    QTest::mouseClick(view.exportButton(), Qt::LeftButton);
    QCOMPARE(exportSpy.size(), 1);
    QCOMPARE(exportSpy.at(0).at(0).toString(), QStringLiteral("run-oldest"));
}

void tst_RunsView::verdictColumnAndSelectionSurviveRefresh()
{
    RunsView view;
    view.setJournal(m_journal.get());
    QVERIFY(view.selectRun(QStringLiteral("run-middle")));
    const int row = view.model()->rowOf(QStringLiteral("run-middle"));
    QCOMPARE(view.model()->data(view.model()->index(row, RunsModel::VerdictColumn)).toString(), QString());

    auto run = m_journal->run(QStringLiteral("run-middle"));
    QVERIFY(run && *run);
    RunRecord updated = **run;
    updated.data.insert(QStringLiteral("verdict"),
        QJsonObject { { QStringLiteral("pass"), true }, { QStringLiteral("author"), QStringLiteral("ana") } });
    QVERIFY(m_journal->updateRun(updated));
    // A run written since: it goes on top, the selection stays where the operator left it.
    QCOMPARE(test::addFixtureRun(*m_journal, QStringLiteral("run-latest"), QStringLiteral("drill"), m_t0.addDays(1), 60, 1), QString());
    QTest::mouseClick(view.findChild<QPushButton *>(QStringLiteral("refreshRuns")), Qt::LeftButton);
    QCOMPARE(view.model()->rowCount(), 4);
    QCOMPARE(view.model()->run(0).id, QStringLiteral("run-latest"));
    QCOMPARE(view.selectedRunId(), QStringLiteral("run-middle"));
    const int after = view.model()->rowOf(QStringLiteral("run-middle"));
    QCOMPARE(view.model()->data(view.model()->index(after, RunsModel::VerdictColumn)).toString(), QStringLiteral("PASS (ana)"));
}

void tst_RunsView::recordingNeedsAController()
{
    RunsView view;
    view.setJournal(m_journal.get());
    QVERIFY(!view.selectedRunId().isEmpty());
    QVERIFY(!view.verdictButton()->isEnabled());
    QVERIFY(!view.trafficButton()->isEnabled());
    QVERIFY(view.verdictButton()->toolTip().contains(QStringLiteral("unavailable")));
    QVERIFY(!view.attachTrafficFile(m_dir.filePath(QStringLiteral("none.json"))));
    QVERIFY(!view.messageLabel()->isHidden());
}

QTEST_MAIN(tst_RunsView)
#include "tst_runsview.moc"
