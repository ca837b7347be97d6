#include "mainwindow.h"
#include "audit/remoteaudit.h"

#include "auditviewer.h"
#include "certificatemodel.h"
#include "common/clock.h"
#include "common/datapaths.h"
#include "componentmodel.h"
#include "componenttile.h"
#include "drillstatus.h"
#include "eventlogmodel.h"
#include "failover/failovercontroller.h"
#include "failoverwizard.h"
#include "globalstrip.h"
#include "history/historyrecorder.h"
#include "history/historystore.h"
#include "indexsyncpanel.h"
#include "notify/notifier.h"
#include "notify/webhook.h"
#include "probes/healthtracker.h"
#include "profile/profileloader.h"
#include "profileerrordialog.h"
#include "regionpanel.h"
#include "replicationpanel.h"
#include "report/report.h"
#include "reportexportdialog.h"
#include "runbanner.h"
#include "runsview.h"
#include "secrets/secretstore.h"
#include "settings/settings.h"
#include "status/statusmonitor.h"
#include "syncindexdialog.h"
#include "theme.h"
#include "traynotifier.h"
#include "welcomepage.h"

#include <QAction>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QKeySequence>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QMenuBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QSysInfo>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace dr::ui {

namespace {

// How long a burst of probe results is gathered before the view is rebuilt: a refresh of a
// few dozen widgets per result would be wasted work at a thousand results a minute.
constexpr int kRefreshCoalesceMs = 150;

} // namespace

MainWindow::MainWindow(Settings *settings, QWidget *parent)
    : MainWindow(settings, MainWindowOptions {}, parent)
{
}

MainWindow::MainWindow(Settings *settings, const MainWindowOptions &options, QWidget *parent)
    : QMainWindow(parent)
    , m_settings(settings)
    , m_components(new ComponentModel(this))
    , m_certificates(new CertificateModel(this))
    , m_events(new EventLogModel(this))
    , m_certificateProxy(new QSortFilterProxyModel(this))
    , m_refreshTimer(new QTimer(this))
    , m_history(new HistoryStore(Clock::system(), this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("DR Console"));
    m_certificateProxy->setSourceModel(m_certificates);
    m_certificateProxy->setSortRole(CertificateModel::SortRole);
    m_refreshTimer->setSingleShot(true);
    m_refreshTimer->setInterval(kRefreshCoalesceMs);
    connect(m_refreshTimer, &QTimer::timeout, this, &MainWindow::refreshView);

    createActions();
    createContent();
    // Opened before the chart exists, so that the chart's first look is the truth. A file
    // that cannot be opened leaves the console without history, not without a console: the
    // reason goes to the event log when a profile is opened (the log starts empty then).
    (void)m_history->open(
        options.historyPath.isEmpty() ? defaultHistoryPath() : options.historyPath);
    connect(m_history, &HistoryStore::failed, this, [this](const QString &message) {
        logMessage({}, tr("history"), QStringLiteral("unavailable"),
            tr("History stopped being kept: %1").arg(message));
        m_chart->reload(); // says "No history" instead of freezing the last lines
    });
    createHistoryDock();
    createRunsDock();
    createTray();
    m_highContrast = m_settings->value(settings::kHighContrastTheme);
    m_actions.value(QStringLiteral("highContrast"))->setChecked(m_highContrast);
    Theme::apply(m_highContrast);
    if (!restoreGeometry(m_settings->value(settings::kWindowGeometry)))
        resize(1280, 860);
    if (!restoreState(m_settings->value(settings::kWindowState)))
        resizeDocks({ m_historyDock }, { 260 }, Qt::Vertical); // the panels keep most room
}

MainWindow::~MainWindow()
{
    delete m_wizard; // before the controller it drives
    delete m_syncDialog;
    delete m_auditViewer; // they read the controller's journal and audit trail
    delete m_reportDialog;
    // Before the monitor (a child created earlier, so destroyed first by ~QObject): the
    // recorder, notifier and webhook must not outlive the engine and network they use.
    delete m_profileScope;
}

QString MainWindow::defaultHistoryPath()
{
    // core's: drctl's reports read the history the console writes.
    return dr::defaultHistoryPath();
}

QAction *MainWindow::action(const QString &objectName) const
{
    return m_actions.value(objectName);
}

void MainWindow::createActions()
{
    const auto make
        = [this](const QString &name, const QString &text, const QKeySequence &shortcut) {
              auto *a = new QAction(text, this);
              a->setObjectName(name);
              a->setShortcut(shortcut);
              m_actions.insert(name, a);
              return a;
          };
    QAction *open
        = make(QStringLiteral("openProfile"), tr("&Open profile\u2026"), QKeySequence::Open);
    open->setStatusTip(tr("Open a deployment profile and watch it"));
    connect(open, &QAction::triggered, this, &MainWindow::showOpenDialog);
    QAction *refresh
        = make(QStringLiteral("refresh"), tr("&Refresh now"), QKeySequence(Qt::Key_F5));
    refresh->setStatusTip(tr("Probe every check now"));
    refresh->setEnabled(false);
    connect(refresh, &QAction::triggered, this, &MainWindow::refreshNow);
    QAction *quit = make(QStringLiteral("quit"), tr("&Quit"), QKeySequence(Qt::CTRL | Qt::Key_Q));
    connect(quit, &QAction::triggered, this, &QWidget::close);

    // Operations: enabled by what the status shows once a profile is open (see
    // updateOperationActions()); until then disabled with the reason.
    const QString noProfile = tr("Open a profile first");
    const auto operation = [&](const char *name, const QString &text, int key, const QString &tip) {
        QAction *a = make(QString::fromLatin1(name), text, QKeySequence(Qt::CTRL | Qt::SHIFT | key));
        a->setStatusTip(tip);
        a->setToolTip(noProfile);
        a->setEnabled(false);
        return a;
    };
    connect(operation("failover", tr("&Failover\u2026"), Qt::Key_F,
                tr("Move traffic from the serving region to the standby")),
        &QAction::triggered, this, [this] { openFailoverWizard(Flow::PlannedFailover); });
    connect(operation("failback", tr("Fail&back\u2026"), Qt::Key_B,
                tr("Return traffic to the original primary")),
        &QAction::triggered, this, [this] { openFailoverWizard(Flow::Failback); });
    connect(operation("drill", tr("&Drill\u2026"), Qt::Key_D,
                tr("Failover, hold, failback and a scorecard")),
        &QAction::triggered, this, [this] { openFailoverWizard(Flow::Drill); });
    connect(operation("syncIndex", tr("&Sync index\u2026"), Qt::Key_S,
                tr("Copy the search index from one region to the other")),
        &QAction::triggered, this, &MainWindow::openSyncIndexDialog);

    // Reports: enabled once the profile's journal is open (updateReportActions()).
    QAction *exportReport = make(QStringLiteral("exportReport"), tr("&Export run report\u2026"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    exportReport->setStatusTip(tr("A compliance report of the run selected in the Runs list (else the latest)"));
    exportReport->setToolTip(noProfile);
    exportReport->setEnabled(false);
    connect(exportReport, &QAction::triggered, this, [this] { openRunReport(); });
    QAction *readiness = make(QStringLiteral("readinessReport"), tr("&Readiness report\u2026"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    readiness->setStatusTip(tr("The posture now and over a period: uptime, worst lags, certificates, drills"));
    readiness->setToolTip(noProfile);
    readiness->setEnabled(false);
    connect(readiness, &QAction::triggered, this, &MainWindow::openReadinessReport);
    QAction *audit = make(QStringLiteral("auditTrail"), tr("&Audit trail\u2026"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A));
    audit->setStatusTip(tr("Browse, filter and verify the profile's tamper-evident audit trail"));
    audit->setToolTip(noProfile);
    audit->setEnabled(false);
    connect(audit, &QAction::triggered, this, &MainWindow::openAuditViewer);
    QAction *contrast = make(QStringLiteral("highContrast"), tr("&High-contrast theme"),
        QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_H));
    contrast->setCheckable(true);
    contrast->setStatusTip(tr("A dark, high-contrast look for wall displays"));
    connect(contrast, &QAction::toggled, this, &MainWindow::setHighContrast);

    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(open);
    m_recentMenu = file->addMenu(tr("Recent &profiles"));
    m_recentMenu->setObjectName(QStringLiteral("recentProfiles"));
    file->addSeparator();
    file->addAction(m_actions.value(QStringLiteral("exportReport")));
    file->addSeparator();
    file->addAction(quit);
    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(refresh);
    view->addAction(contrast);
    view->addAction(audit);
    m_viewMenu = view; // the History and Runs docks' toggles join it once the docks exist
    QMenu *ops = menuBar()->addMenu(tr("&Operations"));
    for (const char *name : { "failover", "failback", "drill", "syncIndex" })
        ops->addAction(m_actions.value(QString::fromLatin1(name)));
    QMenu *reports = menuBar()->addMenu(tr("&Reports"));
    reports->addAction(exportReport);
    reports->addAction(readiness);
    reports->addSeparator();
    reports->addAction(audit);

    QToolBar *tools = addToolBar(tr("Main"));
    tools->setObjectName(QStringLiteral("mainToolBar"));
    tools->addAction(open);
    tools->addAction(refresh);
    tools->addSeparator();
    for (const char *name : { "failover", "failback", "drill", "syncIndex", "exportReport" })
        tools->addAction(m_actions.value(QString::fromLatin1(name)));
    rebuildRecentMenu();
}

void MainWindow::createContent()
{
    m_stack = new QStackedWidget(this);
    // With no profile: the welcome page (start the lab, open a profile, the Azure template).
    m_welcome = new WelcomePage(m_stack);
    connect(m_welcome, &WelcomePage::profileChosen, this,
        [this](const QString &path) { openProfile(path); });
    m_placeholder = m_welcome->messageLabel();
    m_stack->addWidget(m_welcome);

    auto *content = new QWidget(m_stack);
    m_global = new GlobalStrip(content);
    m_indexSync = new IndexSyncPanel(content);
    m_replication = new ReplicationPanel(content);
    m_regionsArea = new QWidget(content);
    auto *regionsLayout = new QHBoxLayout(m_regionsArea);
    regionsLayout->setContentsMargins(0, 0, 0, 0);
    m_detail = new QTextBrowser(content);
    m_detail->setObjectName(QStringLiteral("detail"));
    m_detail->setAccessibleName(tr("Details of the selected component"));
    m_detail->setTabChangesFocus(true); // Tab walks the window, not into the text
    m_detail->setPlainText(tr("Select a component (click it, or Tab to it) to see its details."));

    m_certificateView = new QTableView(content);
    m_certificateView->setObjectName(QStringLiteral("certificates"));
    m_certificateView->setModel(m_certificateProxy);
    m_certificateView->setSortingEnabled(true);
    m_certificateView->sortByColumn(CertificateModel::DaysLeftColumn, Qt::AscendingOrder);
    m_certificateView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_certificateView->horizontalHeader()->setStretchLastSection(true);
    m_certificateView->setAccessibleName(tr("Certificates"));
    // Tab leaves a table instead of walking its cells, so the keyboard reaches everything.
    m_certificateView->setTabKeyNavigation(false);
    m_eventView = new QTableView(content);
    m_eventView->setObjectName(QStringLiteral("events"));
    m_eventView->setModel(m_events);
    m_eventView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_eventView->horizontalHeader()->setStretchLastSection(true);
    m_eventView->setAccessibleName(tr("Event log"));
    m_eventView->setTabKeyNavigation(false);

    auto *syncRow = new QHBoxLayout;
    syncRow->addWidget(m_indexSync);
    syncRow->addWidget(m_replication);
    auto *top = new QSplitter(Qt::Horizontal, content);
    top->addWidget(m_regionsArea);
    top->addWidget(m_detail);
    top->setStretchFactor(0, 3);
    top->setStretchFactor(1, 1);
    auto *tabs = new QTabWidget(content);
    tabs->addTab(m_certificateView, tr("&Certificates"));
    tabs->addTab(m_eventView, tr("&Events"));
    auto *vertical = new QSplitter(Qt::Vertical, content);
    vertical->addWidget(top);
    vertical->addWidget(tabs);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(content);
    layout->addWidget(m_global);
    layout->addLayout(syncRow);
    layout->addWidget(vertical, 1);
    m_stack->addWidget(content);
    // The banner above everything else: a run in progress or interrupted must not be missed.
    auto *central = new QWidget(this);
    m_banner = new RunBanner(central);
    connect(m_banner, &RunBanner::resumeRequested, this,
        [this](const QString &id, const QString &what) { openResumeWizard(id, what, false); });
    connect(m_banner, &RunBanner::rollbackRequested, this,
        [this](const QString &id, const QString &what) { openResumeWizard(id, what, true); });
    connect(m_banner, &RunBanner::showRequested, this, [this] {
        if (m_wizard) {
            m_wizard->show();
            m_wizard->raise();
            m_wizard->activateWindow();
        }
    });
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    centralLayout->addWidget(m_banner);
    m_drillStatus = new DrillStatus(central);
    centralLayout->addWidget(m_drillStatus);
    centralLayout->addWidget(m_stack, 1);
    setCentralWidget(central);

    m_status = new QLabel(tr("No profile"), this);
    m_status->setObjectName(QStringLiteral("statusText"));
    statusBar()->addPermanentWidget(m_status, 1);
}

void MainWindow::createHistoryDock()
{
    auto *box = new QWidget(this);
    m_seriesPicker = new QComboBox(box);
    m_seriesPicker->setObjectName(QStringLiteral("historySeries"));
    m_seriesPicker->setAccessibleName(tr("History series"));
    m_seriesPicker->setEnabled(false); // until a profile says which series exist
    auto *pickerLabel = new QLabel(tr("S&eries:"), box);
    pickerLabel->setBuddy(m_seriesPicker);
    m_chart = new HistoryChartView(m_history, box);
    m_chart->setObjectName(QStringLiteral("historyChart"));
    auto *row = new QHBoxLayout;
    row->addWidget(pickerLabel);
    row->addWidget(m_seriesPicker);
    row->addStretch(1);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(row);
    layout->addWidget(m_chart, 1);
    connect(m_seriesPicker, &QComboBox::currentIndexChanged, this, &MainWindow::showHistorySeries);

    // A dock, not another splitter pane: saveState()/restoreState() (the window state kept in
    // the settings) remember whether it is shown, where and how tall, through its objectName.
    m_historyDock = new QDockWidget(tr("History"), this);
    m_historyDock->setObjectName(QStringLiteral("historyDock"));
    m_historyDock->setWidget(box);
    addDockWidget(Qt::BottomDockWidgetArea, m_historyDock);
    QAction *toggle = m_historyDock->toggleViewAction();
    toggle->setObjectName(QStringLiteral("showHistory"));
    toggle->setText(tr("&History"));
    toggle->setStatusTip(tr("Show or hide the history charts"));
    m_actions.insert(toggle->objectName(), toggle);
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(toggle);
}

void MainWindow::createRunsDock()
{
    m_runsView = new RunsView(this);
    connect(m_runsView, &RunsView::exportReportRequested, this, [this](const QString &id) { openRunReport(id); });
    connect(m_runsView, &RunsView::runChanged, this, &MainWindow::refreshDrillStatus);
    m_runsDock = new QDockWidget(tr("Runs"), this);
    m_runsDock->setObjectName(QStringLiteral("runsDock"));
    m_runsDock->setWidget(m_runsView);
    addDockWidget(Qt::BottomDockWidgetArea, m_runsDock);
    // Beside the history as a tab: at 1280x800 two docks stacked would squeeze the panels.
    tabifyDockWidget(m_historyDock, m_runsDock);
    m_historyDock->raise();
    QAction *toggle = m_runsDock->toggleViewAction();
    toggle->setObjectName(QStringLiteral("showRuns"));
    toggle->setText(tr("R&uns"));
    toggle->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_U));
    toggle->setStatusTip(tr("Show or hide the runs: failovers, failbacks and drills with their steps and log"));
    m_actions.insert(toggle->objectName(), toggle);
    m_viewMenu->addAction(toggle);
}

void MainWindow::createTray()
{
    m_tray = new TrayNotifier(this);
    const auto bringBack = [this] {
        showNormal();
        raise();
        activateWindow();
    };
    auto *menu = new QMenu(this);
    QAction *show = menu->addAction(tr("&Show DR Console"));
    connect(show, &QAction::triggered, this, bringBack);
    menu->addAction(m_actions.value(QStringLiteral("quit")));
    m_tray->setContextMenu(menu);
    connect(m_tray, &TrayNotifier::activated, this, bringBack);
    // No tray (or desktop notifications off): the operator still reads it in the window.
    connect(m_tray, &TrayNotifier::unshown, this, [this](const QString &title, const QString &message) {
        // Not statusBar()->showMessage(): the permanent status text takes the whole bar.
        logMessage({}, tr("notification"), QStringLiteral("notified"), title + u": " + message);
    });
}

void MainWindow::logMessage(
    const QString &region, const QString &what, const QString &to, const QString &reason)
{
    EventLogModel::Event e;
    e.at = QDateTime::currentDateTimeUtc();
    e.region = region;
    e.component = what;
    e.to = to;
    e.reason = reason;
    m_events->append(e);
    m_eventView->scrollToBottom();
}

void MainWindow::wireProfile(const Profile &profile)
{
    m_profileScope = new QObject(this);
    ProbeEngine *engine = m_monitor->engine();

    // History: every result of this profile's engine into the window's store.
    new HistoryRecorder(engine, m_history, m_profileScope);
    if (!m_history->isOpen()) {
        logMessage({}, tr("history"), QStringLiteral("unavailable"),
            tr("No history is kept: %1").arg(m_history->error()));
    }
    using Spec = HistoryChartView::SeriesSpec;
    QList<Spec> all;
    QList<QPair<QString, QList<Spec>>> groups;
    for (const Region *region : { profile.primary(), profile.secondary() }) {
        if (!region)
            continue;
        const QString regionName = region->displayName.isEmpty() ? region->id : region->displayName;
        QList<Spec> specs;
        for (const Component &c : region->components) {
            specs.append({ HistoryRecorder::latencyKey(
                               StatusMonitor::componentTargetId(region->id, c.id)),
                tr("%1 (%2)").arg(c.displayName.isEmpty() ? c.id : c.displayName, regionName) });
        }
        all += specs;
        groups.append({ tr("Latency, %1 (ms)").arg(regionName), specs });
    }
    groups.prepend({ tr("Latency, all components (ms)"), all });
    if (profile.indexSync) {
        groups.append({ tr("Index sync lag (documents)"),
            { { HistoryRecorder::indexLagDocumentsKey(), tr("Documents missing") } } });
        groups.append({ tr("Index sync lag (s)"),
            { { HistoryRecorder::indexLagSecondsKey(), tr("Index lag, s") } } });
    }
    if (profile.storageReplication) {
        groups.append({ tr("Storage replication lag (s)"),
            { { HistoryRecorder::replicationLagSecondsKey(), tr("Replication lag, s") } } });
    }
    m_seriesGroups.clear();
    {
        const QSignalBlocker quiet(m_seriesPicker); // one reload below, not one per item
        m_seriesPicker->clear();
        for (const auto &[name, specs] : std::as_const(groups)) {
            m_seriesPicker->addItem(name);
            m_seriesGroups.append(specs);
        }
        m_seriesPicker->setCurrentIndex(0);
    }
    m_seriesPicker->setEnabled(true);
    showHistorySeries(0);

    // Notifications: decided from this engine's changes, shown through the tray.
    auto *notifier = new Notifier(Clock::system(), m_profileScope);
    notifier->setDisplayNames(Notifier::displayNamesFrom(profile));
    notifier->attach(engine);
    m_tray->setDesktopNotifications(profile.notifications.desktop);
    // Direct (same thread): Notification is not a registered metatype, so it cannot queue.
    connect(notifier, &Notifier::notify, m_tray, &TrayNotifier::showNotification);

    if (!profile.notifications.webhook)
        return;
    // The webhook URL is a secret: read asynchronously (a keychain may prompt), never logged.
    const WebhookSettings hook = *profile.notifications.webhook;
    auto *secrets = new SecretStore(m_profileScope);
    const QPointer<QObject> scope = m_profileScope;
    secrets->read(hook.url, [this, scope, notifier, hook](Result<QByteArray> value) {
        if (!scope) // another profile was opened meanwhile
            return;
        if (!value) {
            logMessage({}, tr("webhook"), QStringLiteral("unavailable"),
                tr("Notifications are not posted to the webhook: %1").arg(value.error()));
            return;
        }
        const QUrl url(QString::fromUtf8(*value), QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != u"https" && url.scheme() != u"http")) {
            // Not the value itself: it is a secret even when it is a wrong one.
            logMessage({}, tr("webhook"), QStringLiteral("unavailable"),
                tr("Notifications are not posted to the webhook: %1 does not hold an http(s) URL")
                    .arg(hook.url.describe()));
            return;
        }
        auto *webhook = new Webhook(m_monitor->engine()->network(), url,
            Webhook::Options { .timeoutMs = hook.timeoutMs }, scope);
        connect(notifier, &Notifier::notify, webhook,
            [webhook](const Notification &n) { webhook->send(n.text()); });
        connect(webhook, &Webhook::finished, this, [this](quint64, bool ok, const QString &detail) {
            if (!ok)
                logMessage({}, tr("webhook"), QStringLiteral("failed"),
                    tr("A notification could not be posted to the webhook: %1").arg(detail));
        });
        logMessage({}, tr("webhook"), QStringLiteral("ready"),
            tr("Notifications are also posted to the webhook in %1").arg(hook.url.describe()));
    });
}

void MainWindow::showHistorySeries(int pickerIndex)
{
    if (pickerIndex < 0 || pickerIndex >= m_seriesGroups.size())
        return;
    m_chart->setSeries(m_seriesGroups.at(pickerIndex));
    m_chart->setTitle(m_seriesPicker->itemText(pickerIndex));
}

void MainWindow::showOpenDialog()
{
    // open(), not exec(): a nested event loop would let probe results re-enter the window.
    auto *dialog = new QFileDialog(
        this, tr("Open profile"), QString(), tr("Profiles (*.json);;All files (*)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this,
        [this](const QString &path) { openProfile(path); });
    dialog->open();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = m_settings->value(settings::kRecentProfiles);
    int n = 0;
    for (const QString &path : recent) {
        ++n;
        QAction *a = m_recentMenu->addAction(QStringLiteral("&%1 %2").arg(n).arg(path));
        a->setShortcut(QKeySequence(QStringLiteral("Alt+%1").arg(n)));
        connect(a, &QAction::triggered, this, [this, path] { openProfile(path); });
    }
    m_recentMenu->setEnabled(!recent.isEmpty());
}

bool MainWindow::openProfile(const QString &path)
{
    auto loaded = ProfileLoader::loadFile(path);
    if (!loaded) {
        if (m_errorDialog)
            m_errorDialog->deleteLater();
        m_errorDialog
            = new ProfileErrorDialog(path, ProfileLoader::formatIssues(loaded.error(), path), this);
        m_errorDialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(m_errorDialog, &ProfileErrorDialog::openAnotherRequested, this,
            &MainWindow::showOpenDialog);
        if (!m_monitor) {
            m_placeholder->setText(
                tr("The profile %1 has problems; nothing is watched.").arg(path));
            m_stack->setCurrentIndex(0);
        }
        m_errorDialog->open();
        return false;
    }
    const Profile &profile = *loaded;
    if (m_controller && m_controller->engine()->isRunning()) {
        // Its controller drives the run: it must not go away with the profile.
        QMessageBox::warning(this, tr("A run is in progress"),
            tr("Run %1 is in progress on %2: finish, halt or cancel it before opening another profile.")
                .arg(m_controller->engine()->runId(), m_controller->profile().name));
        return false;
    }
    if (m_monitor) {
        // Cut it off first: a result still on its way must not land in the new profile's view.
        m_monitor->engine()->disconnect(this);
        m_monitor->disconnect(this);
        m_monitor->engine()->stop();
        delete m_profileScope; // at once: nothing of it may outlive the engine going away
        m_profileScope = nullptr;
        m_monitor->deleteLater();
    }
    m_events->clear();
    qDeleteAll(m_panels);
    m_panels.clear();
    m_selectedRegion.clear();
    m_selectedComponent.clear();

    m_monitor = new StatusMonitor(profile, Clock::system(), StatusMonitor::Mode::Continuous, this);
    connect(m_monitor, &StatusMonitor::changed, this, &MainWindow::scheduleRefresh);
    connect(m_monitor, &StatusMonitor::sampled, this, &MainWindow::scheduleRefresh);
    connect(m_monitor->engine(), &ProbeEngine::stateChanged, this, &MainWindow::recordTransition);

    m_certificates->setThresholds(
        profile.objectives.certificateWarningDays, profile.objectives.certificateCriticalDays);
    m_indexSync->setThresholds(
        profile.objectives.indexLagDocuments, profile.objectives.indexLagSeconds);
    for (const Region *region : { profile.primary(), profile.secondary() }) {
        if (!region)
            continue;
        auto *panel = new RegionPanel(region->id, m_regionsArea);
        connect(panel, &RegionPanel::tileSelected, this, &MainWindow::showDetail);
        m_regionsArea->layout()->addWidget(panel);
        m_panels.insert(region->id, panel);
    }
    setWindowTitle(tr("DR Console \u2014 %1 (%2)").arg(profile.name, QFileInfo(path).fileName()));
    m_settings->addRecentProfile(QFileInfo(path).absoluteFilePath());
    m_settings->setValue(settings::kLastProfile, QFileInfo(path).absoluteFilePath());
    rebuildRecentMenu();
    wireProfile(profile);
    createController(profile);
    m_actions.value(QStringLiteral("refresh"))->setEnabled(true);
    m_stack->setCurrentIndex(1);
    refreshView(); // "not checked yet" everywhere until the first results
    m_monitor->start();
    return true;
}

void MainWindow::refreshNow()
{
    if (m_monitor)
        m_monitor->engine()->probeAllNow();
}

void MainWindow::scheduleRefresh()
{
    if (!m_refreshTimer->isActive())
        m_refreshTimer->start();
}

ComponentTile *MainWindow::tile(const QString &regionId, const QString &componentId) const
{
    RegionPanel *panel = m_panels.value(regionId);
    return panel ? panel->tile(componentId) : nullptr;
}

QString MainWindow::detailText() const
{
    return m_detail->toPlainText();
}

QString MainWindow::statusText() const
{
    return m_status->text();
}

void MainWindow::refreshView()
{
    if (!m_monitor)
        return;
    m_snapshot = m_monitor->snapshot();
    m_tray->updateFromSnapshot(m_snapshot); // coalesced with the rest of the view
    m_components->setSnapshot(m_snapshot);
    m_certificates->setSnapshot(m_snapshot);
    for (const QJsonValue &rv : m_snapshot.value(QStringLiteral("regions")).toArray()) {
        const QJsonObject region = rv.toObject();
        if (RegionPanel *panel = m_panels.value(region.value(QStringLiteral("id")).toString()))
            panel->update(region, *m_components, m_highContrast);
    }
    m_global->update(m_snapshot);
    updateOperationActions();
    m_indexSync->update(m_snapshot);
    m_replication->update(m_snapshot);
    if (!m_selectedRegion.isEmpty())
        showDetail(m_selectedRegion, m_selectedComponent);

    const ProbeEngine *engine = m_monitor->engine();
    const QStringList ids = engine->targetIds();
    qsizetype answered = 0;
    int cycleMs = 0;
    for (const QString &id : ids) {
        const TargetStatus *st = engine->status(id);
        if (!st)
            continue;
        if (st->last)
            ++answered;
        cycleMs = cycleMs == 0 ? st->target.settings.intervalMs
                               : qMin(cycleMs, st->target.settings.intervalMs);
    }
    if (ids.isEmpty()) {
        // The engine gets its targets once the profile's secret references are resolved.
        m_status->setText(tr("Preparing the checks (reading the profile's secrets)\u2026"));
        return;
    }
    m_status->setText(
        tr("Probe cycle: every %1 s \u00b7 Last refresh: %2 \u00b7 %3 of %4 checks answered")
            .arg(cycleMs / 1000.0, 0, 'g', 3)
            .arg(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss")))
            .arg(answered)
            .arg(ids.size()));
}

void MainWindow::showDetail(const QString &regionId, const QString &componentId)
{
    for (RegionPanel *panel : std::as_const(m_panels)) {
        for (ComponentTile *t : panel->tiles())
            t->setSelected(t->regionId() == regionId && t->componentId() == componentId);
    }
    m_selectedRegion = regionId;
    m_selectedComponent = componentId;
    const int row = m_components->rowOf(regionId, componentId);
    if (row < 0)
        return;
    const ComponentModel::Row &r = m_components->row(row);
    QString endpoint;
    for (const QJsonValue &rv : m_snapshot.value(QStringLiteral("regions")).toArray()) {
        if (rv.toObject().value(QStringLiteral("id")).toString() != regionId)
            continue;
        for (const QJsonValue &cv : rv.toObject().value(QStringLiteral("components")).toArray()) {
            if (cv.toObject().value(QStringLiteral("id")).toString() == componentId)
                endpoint = cv.toObject().value(QStringLiteral("endpoint")).toString();
        }
    }
    m_detail->setPlainText(
        tr("%1 \u2014 %2\nKind: %3\nEndpoint: %4\nState: %5\nLatency: %6\nLast check: %7\n\n%8")
            .arg(r.regionName, r.componentName, r.kind, endpoint, ComponentModel::stateText(r),
                r.latencyMs >= 0 ? QStringLiteral("%1 ms").arg(r.latencyMs)
                                 : QStringLiteral("\u2014"),
                r.checkedAt.isValid() ? r.checkedAt.toLocalTime().toString(Qt::ISODate)
                                      : tr("not checked yet"),
                r.detail));
}

void MainWindow::recordTransition(
    const QString &id, HealthState from, HealthState to, const QString &reason)
{
    EventLogModel::Event e;
    e.at = QDateTime::currentDateTimeUtc();
    e.component = id;
    if (const TargetStatus *st = m_monitor ? m_monitor->engine()->status(id) : nullptr) {
        e.region = st->target.regionId;
        e.component = st->target.componentId;
        if (st->last && st->last->finishedAt.isValid())
            e.at = st->last->finishedAt;
        if (id.startsWith(StatusMonitor::certificateTargetId(QString())))
            e.component = tr("certificate %1").arg(st->target.componentId);
        else if (const Region *region = m_monitor->profile().region(e.region)) {
            if (const Component *c = region->component(st->target.componentId))
                e.component = c->displayName.isEmpty() ? c->id : c->displayName;
        }
    }
    e.from = stateName(from);
    e.to = stateName(to);
    e.reason = reason;
    m_events->append(e);
    m_eventView->scrollToBottom();
    scheduleRefresh();
}

void MainWindow::createController(const Profile &profile)
{
    if (m_wizard)
        m_wizard->deleteLater(); // it belongs to the previous profile's controller (not running)
    if (m_syncDialog)
        m_syncDialog->deleteLater();
    // At once: they read the previous controller's journal and audit trail.
    delete m_auditViewer;
    delete m_reportDialog;
    m_runsView->setController(nullptr);
    m_drillStatus->clear();
    delete m_controller;
    m_controllerReady = false;
    m_controllerError.clear();
    m_banner->clear();
    m_controller = new FailoverController(profile, this);
    const QPointer<FailoverController> controller = m_controller;
    connect(m_controller->engine(), &RunbookEngine::runStarted, this, [this](const QString &) { checkRuns(); });
    connect(m_controller->engine(), &RunbookEngine::stepStarted, this, [this](int index, int) {
        if (!m_controller)
            return;
        const Runbook &runbook = m_controller->engine()->runbook();
        if (index >= 0 && index < runbook.steps.size())
            m_banner->setRunningStep(index, int(runbook.steps.size()), runbook.steps.at(index).title);
    });
    connect(m_controller, &FailoverController::runFinished, this, [this] {
        checkRuns();
        updateOperationActions();
        m_runsView->refresh();
        refreshDrillStatus();
    });
    m_controller->prepare([this, controller](Result<void> ready) {
        if (!controller || controller != m_controller)
            return;
        m_controllerReady = bool(ready);
        if (!ready) {
            m_controllerError = ready.error();
            m_banner->showError(tr("Failovers are unavailable: %1").arg(ready.error()));
        } else {
            m_runsView->setController(m_controller);
            // The trail's copies in each region's storage: pushed after every append, and once
            // a minute, so entries queued while storage was down go as soon as it is back.
            m_controller->setPushAuditCopies(true);
            if (RemoteAuditCopy *copies = m_controller->remoteAudit()) {
                copies->setPeriodicPush(60 * 1000);
                copies->pushSoon();
            }
            checkRuns();
            refreshDrillStatus();
        }
        updateOperationActions();
    });
    updateOperationActions();
}

void MainWindow::checkRuns()
{
    if (!m_controller || !m_controllerReady)
        return;
    RunbookEngine *engine = m_controller->engine();
    if (engine->isRunning()) {
        const Runbook &runbook = engine->runbook();
        QDateTime started;
        if (const auto run = m_controller->journal()->run(engine->runId()); run && *run)
            started = (*run)->started;
        if (m_banner->mode() != RunBanner::Mode::Running || m_banner->runId() != engine->runId())
            m_banner->showRunning(engine->runId(), runbook.kind, runbook.target, started);
        updateOperationActions();
        return;
    }
    QList<RunRecord> stopped;
    if (const auto interrupted = m_controller->journal()->interruptedRuns(); interrupted)
        stopped = *interrupted;
    else
        logMessage({}, tr("runs"), QStringLiteral("unavailable"),
            tr("Interrupted runs could not be looked for: %1").arg(interrupted.error()));
    // A halted run left the deployment between two states on purpose: it stays in sight
    // until someone resumes or rolls it back.
    if (const auto latest = m_controller->journal()->runs(1); latest && !latest->isEmpty()
        && latest->first().state == RunState::Halted) {
        const bool listed = std::any_of(stopped.cbegin(), stopped.cend(),
            [&](const RunRecord &r) { return r.id == latest->first().id; });
        if (!listed)
            stopped.prepend(latest->first());
    }
    if (stopped.isEmpty()) {
        m_banner->clear();
    } else {
        const RunRecord &run = stopped.first();
        const auto steps = m_controller->journal()->steps(run.id);
        m_banner->showInterrupted(run, steps ? *steps : QList<StepRecord> {}, int(stopped.size()) - 1);
    }
    updateOperationActions();
}

void MainWindow::updateOperationActions()
{
    QAction *failover = m_actions.value(QStringLiteral("failover"));
    QAction *failback = m_actions.value(QStringLiteral("failback"));
    QAction *drill = m_actions.value(QStringLiteral("drill"));
    QAction *sync = m_actions.value(QStringLiteral("syncIndex"));
    const auto set = [](QAction *a, const QString &whyNot) {
        a->setEnabled(whyNot.isEmpty());
        a->setToolTip(whyNot.isEmpty() ? a->statusTip() : whyNot);
    };
    updateReportActions();
    if (!m_monitor) {
        for (QAction *a : { failover, failback, drill, sync })
            set(a, tr("Open a profile first"));
        return;
    }
    const Profile &profile = m_monitor->profile();
    set(sync, profile.indexSync ? QString() : tr("The profile has no index sync section"));
    QString common;
    if (!m_controller || (!m_controllerReady && m_controllerError.isEmpty()))
        common = tr("Preparing the run journal, the audit trail and the operators\u2026");
    else if (!m_controllerReady)
        common = tr("Unavailable: %1").arg(m_controllerError);
    else if (m_controller->engine()->isRunning())
        common = tr("Run %1 is in progress (see the banner)").arg(m_controller->engine()->runId());
    QString serving;
    for (const QJsonValue &rv : m_snapshot.value(QStringLiteral("regions")).toArray()) {
        if (rv.toObject().value(QStringLiteral("serving")).toBool())
            serving = rv.toObject().value(QStringLiteral("id")).toString();
    }
    const Region *primary = profile.primary();
    const Region *secondary = profile.secondary();
    const QString primaryId = primary ? primary->id : QString();
    const QString secondaryId = secondary ? secondary->id : QString();
    const auto judge = [&](const QString &own) { return common.isEmpty() ? own : common; };
    set(failover, judge(serving.isEmpty() ? tr("No region serves traffic now (or routing was not read yet)") : QString()));
    set(failback, judge(serving.isEmpty() ? tr("No region serves traffic now (or routing was not read yet)")
            : serving != secondaryId          ? tr("Failback returns traffic to %1, which already serves").arg(primaryId)
                                              : QString()));
    set(drill, judge(serving.isEmpty() ? tr("No region serves traffic now (or routing was not read yet)")
            : serving != primaryId             ? tr("A drill starts from the primary (%1) serving; %2 serves now").arg(primaryId, serving)
                                               : QString()));
}

FailoverWizard *MainWindow::failoverWizard() const
{
    return m_wizard;
}

SyncIndexDialog *MainWindow::syncIndexDialog() const
{
    return m_syncDialog;
}

void MainWindow::showWizard(FailoverWizard *wizard)
{
    m_wizard = wizard;
    wizard->setAttribute(Qt::WA_DeleteOnClose);
    connect(wizard, &FailoverWizard::runStarted, this, [this](const QString &) { checkRuns(); });
    connect(wizard, &QDialog::finished, this, [this] { checkRuns(); });
    // open(), not exec(): the console keeps updating behind it (see showOpenDialog()).
    wizard->open();
}

void MainWindow::openFailoverWizard(Flow flow)
{
    if (m_wizard) {
        m_wizard->raise();
        m_wizard->activateWindow();
        return;
    }
    if (!m_controller || !m_controllerReady)
        return;
    showWizard(new FailoverWizard(m_controller, flow, this));
}

void MainWindow::openResumeWizard(const QString &runId, const QString &description, bool rollback)
{
    if (m_wizard) {
        m_wizard->raise();
        m_wizard->activateWindow();
        return;
    }
    if (!m_controller || !m_controllerReady)
        return;
    showWizard(FailoverWizard::forResume(m_controller, runId, tr("run %1 (%2)").arg(runId, description), rollback, this));
}

void MainWindow::openSyncIndexDialog()
{
    if (!m_monitor)
        return;
    if (m_syncDialog) {
        m_syncDialog->raise();
        m_syncDialog->activateWindow();
        return;
    }
    const Profile &profile = m_monitor->profile();
    QString serving;
    for (const QJsonValue &rv : m_snapshot.value(QStringLiteral("regions")).toArray()) {
        if (rv.toObject().value(QStringLiteral("serving")).toBool())
            serving = rv.toObject().value(QStringLiteral("id")).toString();
    }
    const QString primary = profile.primary() ? profile.primary()->id : QString();
    const QString secondary = profile.secondary() ? profile.secondary()->id : QString();
    const QString from = serving.isEmpty() ? primary : serving;
    const QString to = from == primary ? secondary : primary;
    m_syncDialog = new SyncIndexDialog(profile, from, to, this);
    m_syncDialog->setAttribute(Qt::WA_DeleteOnClose);
    m_syncDialog->open();
}

void MainWindow::updateReportActions()
{
    QString whyNot;
    if (!m_monitor)
        whyNot = tr("Open a profile first");
    else if (!m_controller || (!m_controllerReady && m_controllerError.isEmpty()))
        whyNot = tr("Opening the run journal and the audit trail\u2026");
    else if (!m_controllerReady)
        whyNot = tr("Unavailable: %1").arg(m_controllerError);
    for (const char *name : { "exportReport", "readinessReport" }) {
        QAction *a = m_actions.value(QString::fromLatin1(name));
        a->setEnabled(whyNot.isEmpty());
        a->setToolTip(whyNot.isEmpty() ? a->statusTip() : whyNot);
    }
    // Listing needs no key: the trail can be read even when failovers are unavailable.
    QAction *audit = m_actions.value(QStringLiteral("auditTrail"));
    audit->setEnabled(m_monitor != nullptr);
    audit->setToolTip(m_monitor ? audit->statusTip() : tr("Open a profile first"));
}

AuditViewer *MainWindow::auditViewer() const
{
    return m_auditViewer;
}

ReportExportDialog *MainWindow::reportExportDialog() const
{
    return m_reportDialog;
}

ReportExportDialog *MainWindow::showReportDialog()
{
    if (!m_controller || !m_controllerReady)
        return nullptr;
    if (m_reportDialog) {
        m_reportDialog->show();
        m_reportDialog->raise();
        m_reportDialog->activateWindow();
        return m_reportDialog;
    }
    const QPointer<FailoverController> controller = m_controller;
    m_reportDialog = new ReportExportDialog([this, controller] {
        report::ReportSources sources;
        if (!controller)
            return sources; // the dialog says no journal is open
        sources.profile = &controller->profile();
        sources.journal = controller->journal();
        sources.audit = controller->audit();
        sources.history = m_history->isOpen() ? m_history : nullptr;
        sources.statusSnapshot = m_snapshot;
        sources.generator = tr("DR Console %1 on %2").arg(QStringLiteral(DR_VERSION), QSysInfo::machineHostName());
        return sources;
    }, this);
    m_reportDialog->setAttribute(Qt::WA_DeleteOnClose);
    m_reportDialog->open();
    return m_reportDialog;
}

void MainWindow::openRunReport(const QString &runId)
{
    QString id = runId.isEmpty() ? m_runsView->selectedRunId() : runId;
    if (id.isEmpty() && m_controller && m_controllerReady) {
        if (const auto latest = m_controller->journal()->runs(1); latest && !latest->isEmpty())
            id = latest->first().id;
    }
    if (ReportExportDialog *dialog = showReportDialog())
        dialog->showRun(id); // an empty id: the dialog asks for one
}

void MainWindow::openReadinessReport()
{
    if (ReportExportDialog *dialog = showReportDialog())
        dialog->showReadiness(90);
}

void MainWindow::openAuditViewer()
{
    if (!m_monitor)
        return;
    if (m_auditViewer) {
        m_auditViewer->show();
        m_auditViewer->raise();
        m_auditViewer->activateWindow();
        return;
    }
    // With the controller's trail (and key) the chain can be verified; without it (no
    // keychain, say) the entries are still listed from the file.
    m_auditViewer = m_controller && m_controllerReady && m_controller->audit()
        ? new AuditViewer(m_controller->audit(), this)
        : new AuditViewer(AuditTrail::defaultPath(m_monitor->profile()), this);
    m_auditViewer->setAttribute(Qt::WA_DeleteOnClose);
    m_auditViewer->open();
}

void MainWindow::refreshDrillStatus()
{
    if (!m_controller || !m_controllerReady) {
        m_drillStatus->clear();
        return;
    }
    const auto schedule = report::drillSchedule(m_controller->profile(), *m_controller->journal(),
        QDateTime::currentDateTimeUtc());
    if (!schedule) {
        m_drillStatus->clear();
        logMessage({}, tr("drills"), QStringLiteral("unknown"),
            tr("The drill schedule could not be checked: %1").arg(schedule.error()));
        return;
    }
    m_drillStatus->setSchedule(*schedule);
}

void MainWindow::setHighContrast(bool on)
{
    m_highContrast = on;
    m_settings->setValue(settings::kHighContrastTheme, on);
    Theme::apply(on);
    refreshView();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_wizard && m_wizard->runInProgress()) {
        // The wizard asks whether to halt the run; the console stays until it is stopped.
        event->ignore();
        m_wizard->show();
        m_wizard->raise();
        m_wizard->reject();
        return;
    }
    m_settings->setValue(settings::kWindowGeometry, saveGeometry());
    m_settings->setValue(settings::kWindowState, saveState());
    m_settings->sync();
    QMainWindow::closeEvent(event);
}

} // namespace dr::ui
