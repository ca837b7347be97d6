// The console's report side on a real lab (drlab, real keychain for the audit key), through
// the real MainWindow: the lab's quarterly drill schedule with no drill says so under the
// banner, an old drill says by how many days it is overdue, a recent one clears it; the Runs
// dock lists the journal's runs and records a verdict after an operator signs in; the Reports
// actions open the export dialog on the selected run; the audit viewer verifies the chain.

#include "auditviewer.h"
#include "drillstatus.h"
#include "failover/failovercontroller.h"
#include "mainwindow.h"
#include "reportexportdialog.h"
#include "runbanner.h"
#include "runfixture.h"
#include "runsmodel.h"
#include "runsview.h"
#include "settings/settings.h"
#include "toolrun.h"

#include <QAction>
#include <QDialog>
#include <QDockWidget>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::ui;

class tst_MainWindowReports : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void drillWarningFollowsTheJournal();
    void runsDockRecordsAVerdict();
    void reportsAndAuditOpen();

private:
    dr::test::ToolRun drlab(const QStringList &args)
    {
        return dr::test::runTool(QStringLiteral(DRLAB_PATH), args + QStringList { QStringLiteral("--dir"), m_labDir.path() });
    }
    QTemporaryDir m_dir;
    QTemporaryDir m_labDir;
    QString m_profile;
    QHash<QString, QString> m_passphrases;
    bool m_labUp = false;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<MainWindow> m_window;
};

void tst_MainWindowReports::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_labDir.isValid());
    qputenv("XDG_DATA_HOME", m_dir.filePath(QStringLiteral("xdg-data")).toLocal8Bit());
    qputenv("DRCONSOLE_DATA_DIR", m_dir.filePath(QStringLiteral("data")).toLocal8Bit());
    const auto up = drlab({ QStringLiteral("up"), QStringLiteral("--json") });
    m_labUp = true; // even a failed up may have started parts
    QVERIFY2(up.exitCode == 0, up.err.constData());
    const QJsonObject lab = QJsonDocument::fromJson(up.out).object();
    m_profile = lab.value(QStringLiteral("profile")).toString();
    for (const QJsonValue &v : lab.value(QStringLiteral("operators")).toArray())
        m_passphrases.insert(v[QStringLiteral("name")].toString(), v[QStringLiteral("passphraseFile")].toString());
    m_settings = std::make_unique<Settings>(m_dir.filePath(QStringLiteral("drconsole.ini")));
    m_window = std::make_unique<MainWindow>(m_settings.get(),
        MainWindowOptions { .historyPath = m_dir.filePath(QStringLiteral("history.sqlite")) });
    m_window->resize(1280, 800);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->openProfile(m_profile));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->failoverReady() || m_window->runBanner()->mode() == RunBanner::Mode::Error, 30000);
    QVERIFY2(m_window->failoverReady(), qPrintable(m_window->runBanner()->text()));
}

void tst_MainWindowReports::cleanupTestCase()
{
    m_window.reset();
    if (m_labUp)
        drlab({ QStringLiteral("down") });
}

void tst_MainWindowReports::drillWarningFollowsTheJournal()
{
    QVERIFY(m_window->failoverController()->profile().drills.enabled());
    DrillStatus *status = m_window->drillStatus();
    // A schedule and no drill at all: overdue.
    QVERIFY(status->isWarning());
    QVERIFY(status->isVisible());

    RunJournal *journal = m_window->failoverController()->journal();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDateTime old = now.addDays(-150);
    QCOMPARE(test::addFixtureRun(*journal, QStringLiteral("drill-old"), QStringLiteral("drill"), old, 600, 2), QString());
    m_window->refreshDrillStatus();
    QVERIFY(status->isWarning());
    const QString text = status->text();
    QVERIFY2(text.contains(QStringLiteral("Drill overdue by")) && text.contains(QStringLiteral("quarterly"))
            && text.contains(old.date().toString(Qt::ISODate)),
        qPrintable(text));

    QCOMPARE(test::addFixtureRun(*journal, QStringLiteral("drill-recent"), QStringLiteral("drill"), now.addDays(-3), 600, 3), QString());
    m_window->refreshDrillStatus();
    QVERIFY(!status->isWarning());
    QVERIFY(!status->isVisible());
}

void tst_MainWindowReports::runsDockRecordsAVerdict()
{
    QAction *showRuns = m_window->action(QStringLiteral("showRuns"));
    QVERIFY(showRuns);
    QCOMPARE(showRuns->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_U));
    m_window->runsDock()->show();
    m_window->runsDock()->raise();
    RunsView *runs = m_window->runsView();
    runs->refresh();
    QCOMPARE(runs->model()->rowCount(), 2);
    QCOMPARE(runs->model()->run(0).id, QStringLiteral("drill-recent"));
    QVERIFY(runs->selectRun(QStringLiteral("drill-recent")));
    QVERIFY(runs->verdictButton()->isEnabled());
    QTest::mouseClick(runs->verdictButton(), Qt::LeftButton);
    auto *dialog = runs->findChild<QDialog *>(QStringLiteral("verdictDialog"));
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    QFile f(m_passphrases.value(QStringLiteral("lab-operator")));
    QVERIFY(f.open(QIODevice::ReadOnly));
    dialog->findChild<QLineEdit *>(QStringLiteral("verdictOperator"))->setText(QStringLiteral("lab-operator"));
    dialog->findChild<QLineEdit *>(QStringLiteral("verdictPassphrase"))->setText(QString::fromUtf8(f.readAll().trimmed()));
    // No verdict chosen: refused with the reason, nothing recorded.
    const auto buttons = dialog->findChildren<QPushButton *>();
    QPushButton *record = nullptr;
    for (QPushButton *b : buttons) {
        if (b->text().contains(QStringLiteral("Record")))
            record = b;
    }
    QVERIFY(record);
    QTest::mouseClick(record, Qt::LeftButton);
    QVERIFY(dialog->findChild<QLabel *>(QStringLiteral("verdictError"))->text().contains(QStringLiteral("Pass or Fail")));
    dialog->findChild<QRadioButton *>(QStringLiteral("verdictPass"))->setChecked(true);
    dialog->findChild<QPlainTextEdit *>(QStringLiteral("verdictNote"))->setPlainText(QStringLiteral("RTO well inside the objective"));
    QTest::mouseClick(record, Qt::LeftButton);
    const QLabel *error = dialog->findChild<QLabel *>(QStringLiteral("verdictError"));
    QVERIFY2(error->isHidden(), qPrintable(error->text()));
    const int row = runs->model()->rowOf(QStringLiteral("drill-recent"));
    QCOMPARE(runs->model()->data(runs->model()->index(row, RunsModel::VerdictColumn)).toString(),
        QStringLiteral("PASS (lab-operator)"));
    const auto stored = m_window->failoverController()->journal()->run(QStringLiteral("drill-recent"));
    QVERIFY(stored && *stored);
    QCOMPARE((*stored)->data.value(QStringLiteral("verdict")).toObject().value(QStringLiteral("note")).toString(),
        QStringLiteral("RTO well inside the objective"));
}

void tst_MainWindowReports::reportsAndAuditOpen()
{
    QAction *exportReport = m_window->action(QStringLiteral("exportReport"));
    QVERIFY(exportReport->isEnabled());
    QVERIFY(m_window->runsView()->selectRun(QStringLiteral("drill-old")));
    exportReport->trigger();
    ReportExportDialog *dialog = m_window->reportExportDialog();
    QVERIFY(dialog);
    QCOMPARE(dialog->runEdit()->text(), QStringLiteral("drill-old"));
    QVERIFY2(dialog->resultLabel()->isHidden(), qPrintable(dialog->resultLabel()->text()));
    dialog->reject();
    QTRY_VERIFY(!m_window->reportExportDialog());

    QAction *readiness = m_window->action(QStringLiteral("readinessReport"));
    QVERIFY(readiness->isEnabled());
    readiness->trigger();
    QVERIFY(m_window->reportExportDialog());
    QVERIFY2(m_window->reportExportDialog()->resultLabel()->isHidden(),
        qPrintable(m_window->reportExportDialog()->resultLabel()->text()));
    m_window->reportExportDialog()->reject();

    m_window->action(QStringLiteral("auditTrail"))->trigger();
    AuditViewer *viewer = m_window->auditViewer();
    QVERIFY(viewer);
    QVERIFY(viewer->model()->rowCount() > 0); // at least the sign-in and the verdict
    viewer->verifyChain();
    QVERIFY2(viewer->verificationLabel()->text().startsWith(QStringLiteral("INTACT")),
        qPrintable(viewer->verificationLabel()->text()));
    viewer->reject();
}

QTEST_MAIN(tst_MainWindowReports)
#include "tst_mainwindowreports.moc"
