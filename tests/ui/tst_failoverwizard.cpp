// The console's failover wizard as an operator meets it, offscreen, on a real lab (the drlab
// binary, real HAProxy, Azurites and region services in a temporary folder) and the real
// keychain (the audit key): the Failover action opens the wizard; a viewer's sign-in is
// refused with the reason shown; a planned failover west -> north is walked page by page
// (every gate passing, the plan's steps, sign-in from the lab's passphrase file, the freeze
// acknowledged in the page, success, the summary's RTO), after which `drctl status` says north
// serves; an interrupted run found in the journal when the profile opens shows in the banner,
// and Roll back from there opens the wizard at the sign-in page and rolls it back.

#include "failover/failovercontroller.h"
#include "failoverwizard.h"
#include "mainwindow.h"
#include "profile/profileloader.h"
#include "runbanner.h"
#include "runbook/runjournal.h"
#include "settings/settings.h"
#include "status/statusmonitor.h"
#include "toolrun.h"
#include "wizardpages/executepage.h"
#include "wizardpages/flowpage.h"
#include "wizardpages/notespage.h"
#include "wizardpages/planpage.h"
#include "wizardpages/readinesspage.h"
#include "wizardpages/runstepmodel.h"
#include "wizardpages/signinpage.h"
#include "wizardpages/summarypage.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QFile>
#include <QFrame>
#include <QGroupBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QRadioButton>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace dr;
using namespace dr::ui;

class tst_FailoverWizard : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void actionsFollowWhatServes();
    void viewerSignInIsRefusedWithTheReason();
    void drillRecordsTheOperatorsVerdict(); // west -> north -> west: before the failover below
    void plannedFailoverWestToNorth();
    void bannerOffersAnInterruptedRunAndRollsItBack();

private:
    dr::test::ToolRun drlab(const QStringList &args)
    {
        return dr::test::runTool(QStringLiteral(DRLAB_PATH), args + QStringList { QStringLiteral("--dir"), m_labDir.path() });
    }
    QByteArray passphrase(const QString &name) const
    {
        QFile f(m_passphrases.value(name));
        return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray();
    }
    FailoverWizard *openWizard(const QString &action);
    bool next(FailoverWizard *w, int expectedId);
    void signIn(FailoverWizard *w, const QString &name);

    QTemporaryDir m_dir;
    QTemporaryDir m_labDir;
    QString m_profile;
    QHash<QString, QString> m_passphrases;
    bool m_labUp = false;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<MainWindow> m_window;
};

void tst_FailoverWizard::initTestCase()
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
    QVERIFY(QFile::exists(m_profile));
    for (const QJsonValue &v : lab.value(QStringLiteral("operators")).toArray())
        m_passphrases.insert(v[QStringLiteral("name")].toString(), v[QStringLiteral("passphraseFile")].toString());
    QVERIFY(!passphrase(QStringLiteral("lab-operator")).isEmpty());
    QVERIFY(!passphrase(QStringLiteral("lab-viewer")).isEmpty());

    m_settings = std::make_unique<Settings>(m_dir.filePath(QStringLiteral("drconsole.ini")));
    m_window = std::make_unique<MainWindow>(m_settings.get(),
        MainWindowOptions { .historyPath = m_dir.filePath(QStringLiteral("history.sqlite")) });
    m_window->resize(1280, 800);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->openProfile(m_profile));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->failoverReady() || m_window->runBanner()->mode() == RunBanner::Mode::Error, 30000);
    QVERIFY2(m_window->failoverReady(), qPrintable(m_window->runBanner()->text()));
    QCOMPARE(m_window->runBanner()->mode(), RunBanner::Mode::Hidden);
    // A fresh lab's replication is "unavailable" until its first canary went through: the
    // failover's replication gate would (rightly) refuse until then.
    const auto replication = [this] {
        return m_window->monitor()->snapshot().value(QStringLiteral("storageReplication")).toObject()
            .value(QStringLiteral("status")).toString();
    };
    QTRY_VERIFY2_WITH_TIMEOUT(replication() == u"live", qPrintable(replication()), 90000);
}

void tst_FailoverWizard::cleanupTestCase()
{
    m_window.reset();
    if (m_labUp)
        drlab({ QStringLiteral("down") });
}

FailoverWizard *tst_FailoverWizard::openWizard(const QString &action)
{
    QAction *a = m_window->action(action);
    if (!QTest::qWaitFor([a] { return a->isEnabled(); }, 60000)) {
        qWarning("%s stays disabled: %s", qPrintable(action), qPrintable(a->toolTip()));
        return nullptr;
    }
    a->trigger();
    FailoverWizard *w = m_window->failoverWizard();
    if (w && !QTest::qWaitForWindowExposed(w))
        return nullptr;
    return w;
}

bool tst_FailoverWizard::next(FailoverWizard *w, int expectedId)
{
    QAbstractButton *button = w->button(QWizard::NextButton);
    if (w->currentPage()->isCommitPage())
        button = w->button(QWizard::CommitButton);
    if (!QTest::qWaitFor([button] { return button->isVisible() && button->isEnabled(); }, 60000))
        return false;
    QTest::mouseClick(button, Qt::LeftButton);
    return QTest::qWaitFor([w, expectedId] { return w->currentId() == expectedId; }, 5000);
}

void tst_FailoverWizard::signIn(FailoverWizard *w, const QString &name)
{
    SignInPage *page = w->signInPage();
    page->operatorNameEdit()->clear();
    QTest::keyClicks(page->operatorNameEdit(), name);
    QTest::keyClicks(page->operatorPassphraseEdit(), QString::fromUtf8(passphrase(name)));
}

void tst_FailoverWizard::actionsFollowWhatServes()
{
    // West (the primary) serves: failover and drill may start, failback says why it may not.
    QAction *failover = m_window->action(QStringLiteral("failover"));
    QAction *failback = m_window->action(QStringLiteral("failback"));
    QTRY_VERIFY_WITH_TIMEOUT(failover->isEnabled(), 60000);
    QVERIFY(m_window->action(QStringLiteral("drill"))->isEnabled());
    QVERIFY(m_window->action(QStringLiteral("syncIndex"))->isEnabled());
    QVERIFY(!failback->isEnabled());
    QVERIFY2(failback->toolTip().contains(QStringLiteral("west")), qPrintable(failback->toolTip()));
    QCOMPARE(failover->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F));
}

void tst_FailoverWizard::viewerSignInIsRefusedWithTheReason()
{
    FailoverWizard *w = openWizard(QStringLiteral("failover"));
    QVERIFY(w);
    QCOMPARE(w->currentId(), int(FailoverWizard::FlowPageId));
    QTRY_VERIFY_WITH_TIMEOUT(w->flowPage()->isComplete(), 20000);
    QVERIFY2(next(w, FailoverWizard::ReadinessPageId), qPrintable(w->flowPage()->routeText()));
    QTRY_VERIFY_WITH_TIMEOUT(w->readinessPage()->hasAnswer(), 60000);
    QVERIFY2(next(w, FailoverWizard::PlanPageId), qPrintable(w->readinessPage()->blockedReason()));
    QVERIFY(next(w, FailoverWizard::SignInPageId));
    signIn(w, QStringLiteral("lab-viewer"));
    QTest::mouseClick(w->button(QWizard::CommitButton), Qt::LeftButton);
    QCOMPARE(w->currentId(), int(FailoverWizard::SignInPageId));
    const QString error = w->signInPage()->errorText();
    QVERIFY2(error.contains(QStringLiteral("viewer")) || error.contains(QStringLiteral("failover")), qPrintable(error));
    QVERIFY(w->runId().isEmpty());
    QVERIFY(w->signInPage()->operatorPassphraseEdit()->text().isEmpty()); // not kept around
    w->reject();
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->failoverWizard(), 5000);
}

void tst_FailoverWizard::plannedFailoverWestToNorth()
{
    FailoverWizard *w = openWizard(QStringLiteral("failover"));
    QVERIFY(w);
    QTRY_VERIFY_WITH_TIMEOUT(w->flowPage()->isComplete(), 20000);
    QVERIFY(w->flowPage()->routeText().contains(QStringLiteral("from west to north")));
    QVERIFY(next(w, FailoverWizard::ReadinessPageId));
    QCOMPARE(w->request().source, QStringLiteral("west"));
    QCOMPARE(w->request().target, QStringLiteral("north"));

    ReadinessPage *readiness = w->readinessPage();
    QTRY_VERIFY_WITH_TIMEOUT(readiness->hasAnswer(), 60000);
    // Right after the drill the cooldown gate fails; the page checks again by itself.
    QTRY_VERIFY2_WITH_TIMEOUT(readiness->isComplete(), qPrintable(readiness->blockedReason()), 40000);
    QVERIFY(readiness->gates().size() >= 6);
    for (const GateResult &g : readiness->gates())
        QVERIFY2(g.outcome == GateOutcome::Pass || g.outcome == GateOutcome::Skipped, qPrintable(g.id + u": " + g.reason));
    QCOMPARE(readiness->gateView()->topLevelItemCount(), readiness->gates().size());
    QVERIFY(next(w, FailoverWizard::PlanPageId));

    QTreeWidget *plan = w->planPage()->stepView();
    QVERIFY2(plan->topLevelItemCount() > 3, qPrintable(w->planPage()->errorText()));
    bool hasSwitch = false;
    for (int i = 0; i < plan->topLevelItemCount(); ++i)
        hasSwitch = hasSwitch || plan->topLevelItem(i)->text(2).contains(QStringLiteral("north"));
    QVERIFY(hasSwitch);
    QVERIFY(next(w, FailoverWizard::SignInPageId));

    signIn(w, QStringLiteral("lab-operator"));
    QVERIFY2(next(w, FailoverWizard::ExecutePageId), qPrintable(w->signInPage()->errorText()));
    QVERIFY(!w->runId().isEmpty());
    QVERIFY(!w->button(QWizard::BackButton)->isVisible() || !w->button(QWizard::BackButton)->isEnabled());
    // The banner shows the run in progress.
    QTRY_VERIFY_WITH_TIMEOUT(m_window->runBanner()->mode() == RunBanner::Mode::Running, 10000);
    QVERIFY(m_window->runBanner()->text().contains(w->runId()));

    ExecutePage *execute = w->executePage();
    QTRY_VERIFY_WITH_TIMEOUT(execute->acknowledgementBox()->isVisible() || execute->finished(), 60000);
    QVERIFY2(!execute->finished(), qPrintable(execute->outcome() + u'\n' + execute->logView()->toPlainText()));
    QVERIFY(!execute->acknowledgementPrompt().isEmpty());
    QTest::mouseClick(execute->acknowledgeButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(execute->finished(), 120000);
    QVERIFY2(execute->finalState() == RunState::Succeeded,
        qPrintable(execute->outcome() + u'\n' + execute->logView()->toPlainText()));
    QVERIFY(!execute->logView()->toPlainText().isEmpty());
    for (int i = 0; i < execute->stepModel()->size(); ++i) {
        const StepState s = execute->stepModel()->row(i).state;
        QVERIFY(s == StepState::Succeeded || s == StepState::Skipped);
    }

    QVERIFY(next(w, FailoverWizard::SummaryPageId));
    SummaryPage *summary = w->summaryPage();
    QVERIFY2(summary->rtoText().contains(QStringLiteral("PASS")), qPrintable(summary->rtoText()));
    QVERIFY(summary->outcomeText().startsWith(QStringLiteral("SUCCEEDED")));
    QVERIFY(summary->trafficText().startsWith(QStringLiteral("not measured")));
    QVERIFY(summary->stepView()->topLevelItemCount() == execute->stepModel()->size());
    const QString traffic = m_dir.filePath(QStringLiteral("traffic.json"));
    QFile t(traffic);
    QVERIFY(t.open(QIODevice::WriteOnly));
    t.write(R"({"sent": 40, "succeeded": 40, "failed": 0, "byRegion": {"west": 12, "north": 28}, "longestOutageMs": 0})");
    t.close();
    QVERIFY(summary->attachTrafficFile(traffic));
    QVERIFY2(summary->trafficText().contains(QStringLiteral("40 requests, 0 failed")), qPrintable(summary->trafficText()));
    QVERIFY(!summary->attachTrafficFile(m_dir.filePath(QStringLiteral("missing.json"))));

    QVERIFY(next(w, FailoverWizard::NotesPageId));
    QTest::keyClicks(w->notesPage()->noteEdit(), QStringLiteral("Walked by the GUI test"));
    QTest::mouseClick(w->button(QWizard::FinishButton), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->failoverWizard(), 5000);

    const auto status = dr::test::runTool(QStringLiteral(DRCTL_PATH),
        { QStringLiteral("status"), QStringLiteral("--profile"), m_profile, QStringLiteral("--json") });
    // Its exit code also judges health (a component still settling after the switch): the
    // document is what this test reads.
    QVERIFY2(QJsonDocument::fromJson(status.out).isObject(),
        qPrintable(QStringLiteral("drctl status exited %1: %2").arg(status.exitCode).arg(QString::fromUtf8(status.err))));
    QCOMPARE(QJsonDocument::fromJson(status.out).object().value(QStringLiteral("activeRegion")).toString(),
        QStringLiteral("north"));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->runBanner()->mode() == RunBanner::Mode::Hidden, 10000);
    // North (the standby) serves now: failback may start.
    QTRY_VERIFY_WITH_TIMEOUT(m_window->action(QStringLiteral("failback"))->isEnabled(), 60000);
}

void tst_FailoverWizard::bannerOffersAnInterruptedRunAndRollsItBack()
{
    // A run left Running by a process that is gone (pid 0: none), as a crash leaves it.
    const auto profile = ProfileLoader::loadFile(m_profile);
    QVERIFY(profile);
    const auto request = defaultRequest(*profile, Flow::Failback, QStringLiteral("north"));
    if (!request) // not QVERIFY2: it reads the message (error()) even on success
        QFAIL(qPrintable(request.error()));
    const auto plan = m_window->failoverController()->plan(*request);
    if (!plan)
        QFAIL(qPrintable(plan.error()));
    QString runId;
    {
        RunJournal journal(RunJournal::defaultPath(*profile));
        QVERIFY(journal.open());
        RunRecord run;
        run.id = RunJournal::newRunId(plan->kind, QDateTime::currentDateTimeUtc());
        run.kind = plan->kind;
        run.mode = plan->mode;
        run.source = plan->source;
        run.target = plan->target;
        run.profileName = profile->name;
        run.operatorName = QStringLiteral("lab-operator");
        run.host = QSysInfo::machineHostName();
        run.pid = 0;
        run.params = plan->params;
        run.started = QDateTime::currentDateTimeUtc();
        QVERIFY(journal.createRun(run, plan->steps));
        const auto steps = journal.steps(run.id);
        QVERIFY(steps && !steps->isEmpty());
        StepRecord first = steps->first();
        first.state = StepState::Running;
        first.attempts = 1;
        first.started = run.started;
        QVERIFY(journal.updateStep(run.id, first));
        runId = run.id;
    }

    // Found when the profile opens (the console starting).
    QVERIFY(m_window->openProfile(m_profile));
    RunBanner *banner = m_window->runBanner();
    QTRY_VERIFY_WITH_TIMEOUT(banner->mode() == RunBanner::Mode::Interrupted, 30000);
    const QString expected = QStringLiteral("Run %1 (failback to west) was interrupted at step 1: %2")
                                 .arg(runId, plan->steps.first().title);
    QVERIFY2(banner->text().startsWith(expected), qPrintable(banner->text() + u" / " + expected));
    QVERIFY(banner->isVisible());
    QVERIFY(banner->resumeButton()->isVisible());
    QVERIFY(banner->rollbackButton()->isVisible());

    QTest::mouseClick(banner->rollbackButton(), Qt::LeftButton);
    FailoverWizard *w = m_window->failoverWizard();
    QVERIFY(w);
    QVERIFY(w->isResume() && w->isRollback());
    QCOMPARE(w->currentId(), int(FailoverWizard::SignInPageId));
    QCOMPARE(w->runId(), runId);
    signIn(w, QStringLiteral("lab-operator"));
    QVERIFY2(next(w, FailoverWizard::ExecutePageId), qPrintable(w->signInPage()->errorText()));
    QTRY_VERIFY_WITH_TIMEOUT(w->executePage()->finished(), 60000);
    QVERIFY2(w->executePage()->finalState() == RunState::RolledBack,
        qPrintable(w->executePage()->outcome() + u'\n' + w->executePage()->logView()->toPlainText()));
    QVERIFY(next(w, FailoverWizard::SummaryPageId));
    QVERIFY(w->summaryPage()->outcomeText().startsWith(QStringLiteral("ROLLED-BACK")));
    QVERIFY(next(w, FailoverWizard::NotesPageId));
    QTest::mouseClick(w->button(QWizard::FinishButton), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->failoverWizard(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(banner->mode() == RunBanner::Mode::Hidden, 10000);
}

void tst_FailoverWizard::drillRecordsTheOperatorsVerdict()
{
    // A whole drill (failover, the lab's 5 s hold, failback, scorecard) through the wizard;
    // its last page records the operator's verdict with the run.
    FailoverWizard *w = openWizard(QStringLiteral("drill"));
    QVERIFY(w);
    QTRY_VERIFY_WITH_TIMEOUT(w->flowPage()->isComplete(), 20000);
    QVERIFY(next(w, FailoverWizard::ReadinessPageId));
    QCOMPARE(w->request().flow, Flow::Drill);
    QVERIFY2(next(w, FailoverWizard::PlanPageId), qPrintable(w->readinessPage()->blockedReason()));
    QVERIFY(next(w, FailoverWizard::SignInPageId));
    signIn(w, QStringLiteral("lab-operator"));
    QVERIFY2(next(w, FailoverWizard::ExecutePageId), qPrintable(w->signInPage()->errorText()));
    const QString runId = w->runId();
    QVERIFY(!runId.isEmpty());

    ExecutePage *execute = w->executePage();
    QVERIFY(QTest::qWaitFor([execute] {
        if (execute->acknowledgementBox()->isVisible())
            QTest::mouseClick(execute->acknowledgeButton(), Qt::LeftButton);
        return execute->finished();
    }, 180000));
    QVERIFY2(execute->finalState() == RunState::Succeeded,
        qPrintable(execute->outcome() + u'\n' + execute->logView()->toPlainText()));
    QVERIFY(next(w, FailoverWizard::SummaryPageId));
    QVERIFY(next(w, FailoverWizard::NotesPageId));

    NotesPage *notes = w->notesPage();
    QVERIFY(notes->verdictBox()->isVisible());
    QVERIFY(!notes->passButton()->isChecked() && !notes->failButton()->isChecked()); // no default
    // On the radio's indicator, as a person would: a radio button takes clicks on its
    // indicator and text only, not on the empty width its layout stretched it to.
    QRadioButton *pass = notes->passButton();
    QTRY_VERIFY_WITH_TIMEOUT(pass->isVisible() && pass->width() > 0, 5000);
    QTest::mouseClick(pass, Qt::LeftButton, {}, QPoint(pass->height() / 2, pass->height() / 2));
    QVERIFY(notes->passButton()->isChecked());
    QTest::keyClicks(notes->noteEdit(), QStringLiteral("Drill walked by the GUI test"));
    // Finish closes the wizard, which deletes itself: its pages with it. The message of a
    // QTRY_VERIFY2 is evaluated even when the check passes, so it reads the page through a
    // guard, never through `notes` (a use after free that crashed this test once in CI).
    const QPointer<NotesPage> notesAlive = notes;
    QTest::mouseClick(w->button(QWizard::FinishButton), Qt::LeftButton);
    QTRY_VERIFY2_WITH_TIMEOUT(!m_window->failoverWizard(),
        qPrintable(notesAlive ? notesAlive->errorText() : QString()), 5000);
    QVERIFY(!notesAlive);

    // On the record: the run's verdict in the journal, and the audit entry.
    const auto run = m_window->failoverController()->journal()->run(runId);
    QVERIFY(run && *run);
    const QJsonObject verdict = (*run)->data.value(QStringLiteral("verdict")).toObject();
    QVERIFY2(verdict.value(QStringLiteral("pass")).toBool(), qPrintable(QString::fromUtf8(QJsonDocument(verdict).toJson())));
    QCOMPARE(verdict.value(QStringLiteral("author")).toString(), QStringLiteral("lab-operator"));
    AuditFilter filter;
    filter.runId = runId;
    filter.kind = QStringLiteral("verdict");
    const auto entries = m_window->failoverController()->audit()->entries(filter);
    QVERIFY(entries);
    QCOMPARE(entries->size(), 1);
}

QTEST_MAIN(tst_FailoverWizard)
#include "tst_failoverwizard.moc"
