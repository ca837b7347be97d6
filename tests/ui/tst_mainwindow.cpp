// The real console window as an operator meets it, offscreen: a broken profile lists its
// problems with their locations; on a real lab (the drlab binary, a real HAProxy, Azurites
// and region services in a temporary folder) the tiles go from "not checked yet" to ok, west
// serves, faults show in the tiles, the event log and the certificates table, and the keyboard
// reaches every tile. The lab is stopped at the end whatever happens.
//
// Around the panels: the History dock gets points for every component (and the index sync
// and replication lags) from the first probes, and a new window on the same history file
// shows them before it probes anything; a region going down is notified (offscreen there is
// no tray, so into the event log) and posted to the profile's webhook, a real local HTTP
// server whose URL is a {"file"} secret; an unreadable secret or history file is reported in
// the event log and the console still runs.

#include "certificatemodel.h"
#include "componenttile.h"
#include "eventlogmodel.h"
#include "globalstrip.h"
#include "history/historyrecorder.h"
#include "history/historystore.h"
#include "historychartview.h"
#include "mainwindow.h"
#include "profile/profileloader.h"
#include "profileerrordialog.h"
#include "regionpanel.h"
#include "settings/settings.h"
#include "status/statusmonitor.h"
#include "testhttpserver.h"
#include "traynotifier.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include "toolrun.h"

using namespace dr;
using namespace dr::ui;

namespace {

using Run = dr::test::ToolRun;
using dr::test::runTool;

const QStringList kComponents { QStringLiteral("bot-api"), QStringLiteral("knowledge-base"),
    QStringLiteral("search-index"), QStringLiteral("storage") };
const QStringList kRegions { QStringLiteral("west"), QStringLiteral("north") };

QString latencyKey(const QString &region, const QString &component)
{
    return HistoryRecorder::latencyKey(StatusMonitor::componentTargetId(region, component));
}

bool writeFile(const QString &path, const QByteArray &content, QFile::Permissions permissions)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(content) != content.size())
        return false;
    f.close();
    return f.setPermissions(permissions);
}

// A copy of the lab's profile, next to it (its relative paths stay right), with a webhook
// whose URL is in the secret file given.
QString profileWithWebhook(const QString &labProfile, const QString &name, const QString &secret)
{
    QFile in(labProfile);
    if (!in.open(QIODevice::ReadOnly))
        return {};
    QJsonObject profile = QJsonDocument::fromJson(in.readAll()).object();
    profile.insert(QStringLiteral("notifications"),
        QJsonObject { { QStringLiteral("desktop"), true },
            { QStringLiteral("webhook"),
                QJsonObject { { QStringLiteral("url"),
                                  QJsonObject { { QStringLiteral("file"), secret } } },
                    { QStringLiteral("timeoutSeconds"), 5 } } } });
    const QString path = QFileInfo(labProfile).dir().filePath(name);
    return writeFile(path, QJsonDocument(profile).toJson(), QFile::ReadOwner | QFile::WriteOwner)
        ? path
        : QString();
}

bool logHas(const EventLogModel *log, const QString &component, const QString &to,
    const QString &reasonContains)
{
    for (int r = 0; r < log->rowCount(); ++r) {
        const EventLogModel::Event &e = log->event(r);
        if (e.component == component && e.to == to && e.reason.contains(reasonContains))
            return true;
    }
    return false;
}

} // namespace

class tst_MainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void brokenProfileListsEveryProblemWithItsLocation();
    void operationsWaitForAProfile();
    void tilesSayNotCheckedYetBeforeTheFirstProbe();
    void healthyLabShowsOkAndWestServing();
    void historyChartGetsPointsForEveryComponent();
    void reopenedWindowShowsThePastBeforeProbing();
    void keyboardReachesTilesWithAccessibleNames();
    void regionDownShowsInTilesAndTheEventLog();
    void expiringCertificateShowsCritical();
    void unreadableWebhookSecretAndHistoryAreReported();
    void themeToggleIsRemembered();

private:
    Run drlab(const QStringList &args)
    {
        return runTool(QStringLiteral(DRLAB_PATH),
            args + QStringList { QStringLiteral("--dir"), m_labDir.path() });
    }
    bool allTiles(const QString &regionId, const QString &state) const;
    void healAndWait();

    QTemporaryDir m_dir;
    QTemporaryDir m_labDir;
    QString m_profile;
    QString m_historyPath;
    dr::test::TestHttpServer m_hook; // the profile's webhook
    bool m_labUp = false;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<MainWindow> m_window;
};

void tst_MainWindow::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_labDir.isValid());
    // Nothing of a test lands in the user's real data folder, even through a default path.
    qputenv("XDG_DATA_HOME", m_dir.filePath(QStringLiteral("xdg-data")).toLocal8Bit());
    m_historyPath = m_dir.filePath(QStringLiteral("history/history.sqlite"));
    QVERIFY(m_hook.listen());
    m_hook.setResponse(200, "1", "text/plain");
    m_settings = std::make_unique<Settings>(m_dir.filePath(QStringLiteral("drconsole.ini")));
    m_window = std::make_unique<MainWindow>(
        m_settings.get(), MainWindowOptions { .historyPath = m_historyPath });
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void tst_MainWindow::cleanupTestCase()
{
    m_window.reset(); // stop probing before the lab goes away
    // Whatever happened, leave nothing running.
    if (m_labUp)
        drlab({ QStringLiteral("down") });
}

void tst_MainWindow::brokenProfileListsEveryProblemWithItsLocation()
{
    const QString path = m_dir.filePath(QStringLiteral("broken.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\n  \"schemaVersion\": 1,\n  \"name\": 42,\n  \"environment\": \"moon\",\n  "
            "\"regions\": []\n}\n");
    f.close();
    const auto expected = ProfileLoader::loadFile(path);
    QVERIFY(!expected);
    QVERIFY(expected.error().size() >= 2);

    QVERIFY(!m_window->openProfile(path));
    ProfileErrorDialog *dialog = m_window->profileErrorDialog();
    QVERIFY(dialog);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->isVisible(), 5000);
    const QString text = dialog->issuesText();
    for (const ProfileIssue &issue : expected.error()) {
        const QString line = issue.format(path);
        if (!text.contains(line))
            QFAIL(qPrintable(QStringLiteral("missing from the dialog: ") + line));
    }
    // Every line names FILE:LINE:COLUMN.
    const QRegularExpression located(
        QStringLiteral("^%1:\\d+:\\d+: ").arg(QRegularExpression::escape(path)));
    for (const QString &line : text.split(u'\n', Qt::SkipEmptyParts)) {
        if (!located.match(line).hasMatch())
            QFAIL(qPrintable(QStringLiteral("no location: ") + line));
    }
    QVERIFY(!m_window->monitor()); // nothing is watched
    dialog->reject();
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->profileErrorDialog(), 5000);
}

void tst_MainWindow::operationsWaitForAProfile()
{
    // The operations and the reports need an open profile first, and say so.
    for (const char *name : { "failover", "failback", "drill", "syncIndex", "exportReport", "readinessReport" }) {
        QAction *a = m_window->action(QString::fromLatin1(name));
        QVERIFY(a);
        QVERIFY(!a->isEnabled());
        QVERIFY(!a->toolTip().isEmpty());
        QVERIFY(!a->shortcut().isEmpty());
    }
    for (const char *name : { "openProfile", "refresh", "quit", "highContrast" })
        QVERIFY(!m_window->action(QString::fromLatin1(name))->shortcut().isEmpty());
    QCOMPARE(m_window->action(QStringLiteral("refresh"))->shortcut(), QKeySequence(Qt::Key_F5));
}

void tst_MainWindow::tilesSayNotCheckedYetBeforeTheFirstProbe()
{
    const Run up = drlab({ QStringLiteral("up"), QStringLiteral("--json") });
    m_labUp = true; // even a failed up may have started parts
    QVERIFY2(up.exitCode == 0, up.err.constData());
    const QString labProfile
        = QJsonDocument::fromJson(up.out).object().value(QStringLiteral("profile")).toString();
    QVERIFY(QFile::exists(labProfile));
    // The lab's profile with a webhook: the URL of the local server, as a 0600 secret file.
    const QString secret = m_dir.filePath(QStringLiteral("webhook-url"));
    QVERIFY(writeFile(secret, m_hook.url(QStringLiteral("/hook")).toUtf8() + '\n',
        QFile::ReadOwner | QFile::WriteOwner));
    m_profile = profileWithWebhook(labProfile, QStringLiteral("profile-webhook.json"), secret);
    QVERIFY(!m_profile.isEmpty());

    QVERIFY(m_window->openProfile(m_profile));
    // Synchronously after opening, before any probe could have answered.
    QVERIFY(m_window->regionPanel(QStringLiteral("west")));
    QVERIFY(m_window->regionPanel(QStringLiteral("north")));
    QCOMPARE(m_window->regionPanel(QStringLiteral("west"))->badgeText(), QStringLiteral("UNKNOWN"));
    for (const QString &region : { QStringLiteral("west"), QStringLiteral("north") }) {
        for (const QString &c : kComponents) {
            ComponentTile *t = m_window->tile(region, c);
            QVERIFY2(t, qPrintable(region + u'/' + c));
            QCOMPARE(t->stateText(), QStringLiteral("not checked yet"));
        }
    }
    QCOMPARE(m_settings->value(settings::kRecentProfiles).value(0), m_profile);
    QVERIFY(m_window->historyStore()->isOpen());
    QVERIFY(m_window->historySeriesPicker()->isEnabled());
}

bool tst_MainWindow::allTiles(const QString &regionId, const QString &state) const
{
    for (const QString &c : kComponents) {
        const ComponentTile *t = m_window->tile(regionId, c);
        if (!t || t->stateText() != state)
            return false;
    }
    return true;
}

void tst_MainWindow::healthyLabShowsOkAndWestServing()
{
    QTRY_VERIFY_WITH_TIMEOUT(allTiles(QStringLiteral("west"), QStringLiteral("ok"))
            && allTiles(QStringLiteral("north"), QStringLiteral("ok")),
        30000);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->regionPanel(QStringLiteral("west"))->badgeText(),
        QStringLiteral("SERVING"), 30000);
    QCOMPARE(
        m_window->regionPanel(QStringLiteral("north"))->badgeText(), QStringLiteral("STANDBY"));
    QVERIFY(m_window->globalStrip()->routingText().contains(QStringLiteral("west serves")));
    QVERIFY(m_window->globalStrip()->endpointText().contains(QStringLiteral("https://localhost:")));
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->globalStrip()->chatText().contains(QStringLiteral("answered by west")), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->statusText().contains(QStringLiteral("checks answered")), 5000);
    const CertificateModel *certs = m_window->certificateModel();
    QTRY_VERIFY_WITH_TIMEOUT(certs->rowOf(QStringLiteral("north")) >= 0
            && certs->index(certs->rowOf(QStringLiteral("north")), 0)
                    .data(CertificateModel::StateRole)
                    .toString()
                == u"ok",
        30000);
    // The tray follows the worst state (offscreen it has no icon, but the state is kept).
    QTRY_COMPARE_WITH_TIMEOUT(m_window->trayNotifier()->worst(), TrayNotifier::Worst::Ok, 10000);
    QVERIFY(logHas(m_window->eventLogModel(), QStringLiteral("webhook"), QStringLiteral("ready"),
        QStringLiteral("webhook-url")));
}

void tst_MainWindow::historyChartGetsPointsForEveryComponent()
{
    HistoryChartView *chart = m_window->historyChart();
    QVERIFY(chart);
    HistoryStore *store = m_window->historyStore();
    // The default series: the latency of every component of both regions, drawn live.
    for (const QString &region : kRegions) {
        for (const QString &c : kComponents) {
            const QString key = latencyKey(region, c);
            QTRY_VERIFY2_WITH_TIMEOUT(chart->pointCount(key) > 0, qPrintable(key), 30000);
            const auto points = store->query(key,
                QDateTime::currentDateTimeUtc().addSecs(-3600), QDateTime::currentDateTimeUtc());
            QVERIFY2(points && !points->isEmpty(), qPrintable(key));
        }
    }
    // The lab's index sync and storage replication lags (probed every 10 s), picked by name.
    QComboBox *picker = m_window->historySeriesPicker();
    for (const auto &[label, key] :
        { std::pair { QStringLiteral("Index sync lag (documents)"),
              HistoryRecorder::indexLagDocumentsKey() },
            std::pair { QStringLiteral("Storage replication lag (s)"),
                HistoryRecorder::replicationLagSecondsKey() } }) {
        const int index = picker->findText(label);
        QVERIFY2(index >= 0, qPrintable(label));
        picker->setCurrentIndex(index);
        QCOMPARE(chart->series().size(), 1);
        QCOMPARE(chart->series().first().key, key);
        m_window->refreshNow();
        QTRY_VERIFY2_WITH_TIMEOUT(chart->pointCount(key) > 0, qPrintable(key), 30000);
    }
    picker->setCurrentIndex(0);
    QCOMPARE(chart->series().size(), 8);
}

void tst_MainWindow::reopenedWindowShowsThePastBeforeProbing()
{
    QVERIFY(m_window->historyStore()->flush());
    MainWindow again(m_settings.get(), MainWindowOptions { .historyPath = m_historyPath });
    QVERIFY(again.historyStore()->isOpen());
    QVERIFY(again.openProfile(m_profile));
    // Synchronously after opening: no probe of this window has answered, yet the past shows.
    QCOMPARE(again.tile(QStringLiteral("west"), QStringLiteral("bot-api"))->stateText(),
        QStringLiteral("not checked yet"));
    for (const QString &region : kRegions) {
        for (const QString &c : kComponents)
            QVERIFY2(again.historyChart()->pointCount(latencyKey(region, c)) > 0,
                qPrintable(latencyKey(region, c)));
    }
}

void tst_MainWindow::keyboardReachesTilesWithAccessibleNames()
{
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    QList<ComponentTile *> reached;
    for (int i = 0; i < 60 && reached.size() < 8; ++i) {
        QWidget *focus = QApplication::focusWidget();
        QTest::keyClick(focus ? focus : m_window.get(), Qt::Key_Tab);
        if (auto *t = qobject_cast<ComponentTile *>(QApplication::focusWidget());
            t && !reached.contains(t))
            reached.append(t);
    }
    QCOMPARE(reached.size(), 8);
    // Primary's tiles come first: Tab order follows the screen, left to right.
    QCOMPARE(reached.first()->regionId(), QStringLiteral("west"));
    const QRegularExpression name(QStringLiteral("^Lab (West|North), [^:]+: ok, \\d+ ms$"));
    for (ComponentTile *t : reached) {
        if (!name.match(t->accessibleName()).hasMatch())
            QFAIL(qPrintable(QStringLiteral("accessible name: ") + t->accessibleName()));
    }
    // The focused tile is the one the detail pane describes.
    ComponentTile *last = reached.last();
    QVERIFY(m_window->detailText().contains(QStringLiteral("Endpoint: https://")));
    QVERIFY(m_window->detailText().startsWith(
        last->regionId() == u"west" ? QStringLiteral("Lab West") : QStringLiteral("Lab North")));
}

void tst_MainWindow::healAndWait()
{
    const Run heal = drlab({ QStringLiteral("fault"), QStringLiteral("heal") });
    QVERIFY2(heal.exitCode == 0, heal.err.constData());
    // A target that was down is probed less often (backoff): ask for a probe now.
    m_window->refreshNow();
    QTRY_VERIFY_WITH_TIMEOUT(allTiles(QStringLiteral("west"), QStringLiteral("ok"))
            && allTiles(QStringLiteral("north"), QStringLiteral("ok")),
        60000);
}

void tst_MainWindow::regionDownShowsInTilesAndTheEventLog()
{
    const int eventsBefore = m_window->eventLogModel()->rowCount();
    const Run fault = drlab(
        { QStringLiteral("fault"), QStringLiteral("region-down"), QStringLiteral("north") });
    QVERIFY2(fault.exitCode == 0, fault.err.constData());
    QTRY_COMPARE_WITH_TIMEOUT(
        m_window->tile(QStringLiteral("north"), QStringLiteral("bot-api"))->stateText(),
        QStringLiteral("down"), 30000);
    QVERIFY(
        !m_window->tile(QStringLiteral("north"), QStringLiteral("bot-api"))->toolTip().isEmpty());
    QVERIFY(m_window->tile(QStringLiteral("north"), QStringLiteral("bot-api"))
                ->accessibleName()
                .startsWith(QStringLiteral("Lab North, Bot API: down")));
    QCOMPARE(m_window->regionPanel(QStringLiteral("west"))->badgeText(), QStringLiteral("SERVING"));
    // Selecting the tile puts its reason in the detail pane.
    ComponentTile *down = m_window->tile(QStringLiteral("north"), QStringLiteral("bot-api"));
    down->setFocus(Qt::TabFocusReason);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->detailText().contains(down->toolTip()), 5000);
    QVERIFY(m_window->detailText().contains(QStringLiteral("State: down")));
    const EventLogModel *log = m_window->eventLogModel();
    bool logged = false;
    for (int r = eventsBefore; r < log->rowCount() && !logged; ++r)
        logged = log->event(r).region == u"north" && log->event(r).to == u"down"
            && !log->event(r).reason.isEmpty();
    QVERIFY(logged);
    // Notified: offscreen there is no tray, so into the event log; and posted to the webhook.
    QVERIFY(m_window->trayNotifier()->worst() != TrayNotifier::Worst::Ok);
    QTRY_VERIFY_WITH_TIMEOUT(logHas(log, QStringLiteral("notification"),
                                 QStringLiteral("notified"), QStringLiteral("Lab North")),
        10000);
    QTRY_VERIFY_WITH_TIMEOUT(m_hook.requestCount() >= 1, 15000);
    QVERIFY(m_hook.requestHeads().first().startsWith("POST /hook "));
    healAndWait();
}

void tst_MainWindow::expiringCertificateShowsCritical()
{
    const Run fault = drlab({ QStringLiteral("fault"), QStringLiteral("cert-expiry"),
        QStringLiteral("north"), QStringLiteral("3") });
    QVERIFY2(fault.exitCode == 0, fault.err.constData());
    m_window->refreshNow(); // certificates are checked every 30 s in the lab
    const CertificateModel *certs = m_window->certificateModel();
    const auto northState = [certs] {
        const int row = certs->rowOf(QStringLiteral("north"));
        return row < 0 ? QString()
                       : certs->index(row, 0).data(CertificateModel::StateRole).toString();
    };
    QTRY_COMPARE_WITH_TIMEOUT(northState(), QStringLiteral("critical"), 45000);
    const int row = certs->rowOf(QStringLiteral("north"));
    QCOMPARE(certs->index(row, CertificateModel::DaysLeftColumn).data().toInt(), 3);
    QVERIFY(certs->index(row, CertificateModel::StateColumn)
                .data()
                .toString()
                .contains(QStringLiteral("critical")));
    healAndWait();
    m_window->refreshNow();
    QTRY_COMPARE_WITH_TIMEOUT(northState(), QStringLiteral("ok"), 45000);
}

void tst_MainWindow::unreadableWebhookSecretAndHistoryAreReported()
{
    // A secret file others may read is refused; a history file under a regular file cannot
    // be created. Neither stops the console.
    const QString secret = m_dir.filePath(QStringLiteral("webhook-url-loose"));
    QVERIFY(writeFile(secret, m_hook.url(QStringLiteral("/loose")).toUtf8(),
        QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther));
    const QString profile = profileWithWebhook(
        QFileInfo(m_profile).dir().filePath(QStringLiteral("profile-webhook.json")),
        QStringLiteral("profile-loose-webhook.json"), secret);
    QVERIFY(!profile.isEmpty());
    MainWindow other(m_settings.get(),
        MainWindowOptions { .historyPath
            = m_dir.filePath(QStringLiteral("drconsole.ini/history.sqlite")) });
    QVERIFY(!other.historyStore()->isOpen());
    QVERIFY(other.openProfile(profile));
    const EventLogModel *log = other.eventLogModel();
    QVERIFY(logHas(log, QStringLiteral("history"), QStringLiteral("unavailable"), QString()));
    QTRY_VERIFY_WITH_TIMEOUT(logHas(log, QStringLiteral("webhook"), QStringLiteral("unavailable"),
                                 QStringLiteral("chmod 600")),
        10000);
    QVERIFY(!logHas(log, QStringLiteral("webhook"), QStringLiteral("ready"), QString()));
    QVERIFY(other.monitor()); // watched all the same
}

void tst_MainWindow::themeToggleIsRemembered()
{
    QAction *contrast = m_window->action(QStringLiteral("highContrast"));
    QVERIFY(!contrast->isChecked());
    contrast->trigger();
    QVERIFY(m_settings->value(settings::kHighContrastTheme));
    QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 50);
    // A new window starts in the remembered theme.
    MainWindow again(m_settings.get());
    QVERIFY(again.action(QStringLiteral("highContrast"))->isChecked());
    contrast->trigger();
    QVERIFY(!m_settings->value(settings::kHighContrastTheme));
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
