#pragma once

// The console's window: opens a profile, watches it with a continuous StatusMonitor and shows
// both regional stacks side by side (primary left, secondary right), the global routing and
// synthetic chat, index sync, storage replication, certificates and the state transitions
// seen. Everything it shows is rebuilt from StatusMonitor::snapshot() (coalesced, at most a
// few times a second); transitions come from ProbeEngine::stateChanged.
//
// A profile that cannot be loaded opens a ProfileErrorDialog listing every problem instead of
// the content. Nothing here blocks the GUI thread: dialogs are opened with open(), never
// exec(). Preferences (theme, recent profiles, geometry) go through dr::Settings only.
//
// Around the panels: a "History" dock (HistoryChartView over a HistoryStore fed by a
// HistoryRecorder, with a picker of which series to draw), a tray icon following the worst
// state, and the Notifier's notifications delivered through the tray (or, without one, into
// the event log) and to the profile's webhook when it configures one. History lives in one
// SQLite file per window (MainWindowOptions::historyPath); when it cannot be opened, the
// console runs without history and says why in the event log and in the dock.
//
// Operations: one FailoverController per open profile, prepared when the profile opens (a
// failure, e.g. no keychain for the audit key, is shown in the run banner). The Failover,
// Failback and Drill actions open the FailoverWizard with the flow preselected, enabled by
// what the status shows (a region serves / the standby serves / the primary serves), their
// tooltips saying why when not; Sync index opens the SyncIndexDialog. The RunBanner above
// the panels shows a run in progress, or an interrupted or halted run (at profile open and
// whenever a run ends) with Resume and Roll back.
//
// Reports (issue 6): a "Runs" dock (RunsView over the controller's journal, refreshed when a
// run finishes), the Reports menu (Export run report… for the run selected in the dock, else
// the latest; Readiness report…) opening the ReportExportDialog, the Audit trail viewer
// (View menu), and the drill warning under the banner (DrillStatus, from the profile's drill
// schedule, refreshed when the profile opens and whenever a run finishes or gets a verdict).

#include "failover/gates.h"
#include "historychartview.h"
#include "profileerrordialog.h"

#include <QHash>
#include <QJsonObject>
#include <QMainWindow>
#include <QPointer>

class QAction;
class QComboBox;
class QDockWidget;
class QLabel;
class QMenu;
class QSortFilterProxyModel;
class QStackedWidget;
class QTableView;
class QTextBrowser;
class QTimer;

namespace dr {
class FailoverController;
class HistoryStore;
struct Profile;
class Settings;
class StatusMonitor;
struct Notification;
enum class HealthState;
} // namespace dr

namespace dr::ui {

class CertificateModel;
class ComponentModel;
class ComponentTile;
class EventLogModel;
class FailoverWizard;
class GlobalStrip;
class IndexSyncPanel;
class RegionPanel;
class ReplicationPanel;
class RunBanner;
class SyncIndexDialog;
class TrayNotifier;
class WelcomePage;
class AuditViewer;
class DrillStatus;
class ReportExportDialog;
class RunsView;

struct MainWindowOptions
{
    // The history file. Empty: dr::defaultHistoryPath() ($DRCONSOLE_HISTORY_FILE when set,
    // else the file drctl's reports read too).
    QString historyPath;
};

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(Settings *settings, QWidget *parent = nullptr);
    MainWindow(Settings *settings, const MainWindowOptions &options, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Loads and starts watching the profile; false (and the error dialog opens) when it has
    // problems. The previous profile, if any, stops being watched only when the new one loads.
    bool openProfile(const QString &path);
    void refreshNow(); // probe every check now (F5)

    // For tests and the panels' neighbours.
    StatusMonitor *monitor() const { return m_monitor; }
    RegionPanel *regionPanel(const QString &regionId) const { return m_panels.value(regionId); }
    ComponentTile *tile(const QString &regionId, const QString &componentId) const;
    ComponentModel *componentModel() const { return m_components; }
    CertificateModel *certificateModel() const { return m_certificates; }
    EventLogModel *eventLogModel() const { return m_events; }
    GlobalStrip *globalStrip() const { return m_global; }
    IndexSyncPanel *indexSyncPanel() const { return m_indexSync; }
    ReplicationPanel *replicationPanel() const { return m_replication; }
    ProfileErrorDialog *profileErrorDialog() const { return m_errorDialog; }
    HistoryStore *historyStore() const { return m_history; }
    HistoryChartView *historyChart() const { return m_chart; }
    QComboBox *historySeriesPicker() const { return m_seriesPicker; }
    TrayNotifier *trayNotifier() const { return m_tray; }
    WelcomePage *welcomePage() const { return m_welcome; } // shown while no profile is open
    static QString defaultHistoryPath();
    QString detailText() const;
    QString statusText() const;
    QAction *action(const QString &objectName) const;

    // Operations (see the header comment).
    FailoverController *failoverController() const { return m_controller; }
    bool failoverReady() const { return m_controllerReady; }
    RunBanner *runBanner() const { return m_banner; }
    FailoverWizard *failoverWizard() const;
    SyncIndexDialog *syncIndexDialog() const;
    void openFailoverWizard(Flow flow);
    void openResumeWizard(const QString &runId, const QString &description, bool rollback);
    void openSyncIndexDialog();
    // Looks for a run in progress, interrupted or halted and shows it in the banner.
    void checkRuns();

    // Reports (see the header comment).
    RunsView *runsView() const { return m_runsView; }
    QDockWidget *runsDock() const { return m_runsDock; }
    DrillStatus *drillStatus() const { return m_drillStatus; }
    AuditViewer *auditViewer() const;
    ReportExportDialog *reportExportDialog() const;
    // Empty runId: the run selected in the Runs dock, else the latest run.
    void openRunReport(const QString &runId = {});
    void openReadinessReport();
    void openAuditViewer();
    // Re-reads the drill schedule against the journal and shows or hides the warning.
    void refreshDrillStatus();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void createContent();
    void showOpenDialog();
    void rebuildRecentMenu();
    void setHighContrast(bool on);
    void scheduleRefresh();
    void refreshView();
    void showDetail(const QString &regionId, const QString &componentId);
    void recordTransition(
        const QString &id, dr::HealthState from, dr::HealthState to, const QString &reason);
    // A line in the event log that is not a state transition (history, webhook, notification).
    void logMessage(const QString &region, const QString &what, const QString &to,
        const QString &reason);
    void createHistoryDock();
    void createTray();
    // The history series, notifier and webhook of the profile just opened.
    void wireProfile(const Profile &profile);
    void showHistorySeries(int pickerIndex);
    void createController(const Profile &profile);
    void updateOperationActions();
    void showWizard(FailoverWizard *wizard);
    void createRunsDock();
    ReportExportDialog *showReportDialog();
    void updateReportActions();

    Settings *m_settings;
    StatusMonitor *m_monitor = nullptr;
    QPointer<ProfileErrorDialog> m_errorDialog;
    bool m_highContrast = false;
    QString m_selectedRegion;
    QString m_selectedComponent;
    QJsonObject m_snapshot;

    ComponentModel *m_components;
    CertificateModel *m_certificates;
    EventLogModel *m_events;
    QSortFilterProxyModel *m_certificateProxy;

    QStackedWidget *m_stack = nullptr;
    WelcomePage *m_welcome = nullptr;
    QLabel *m_placeholder = nullptr; // the welcome page's message line
    GlobalStrip *m_global = nullptr;
    QWidget *m_regionsArea = nullptr;
    QHash<QString, RegionPanel *> m_panels;
    QTextBrowser *m_detail = nullptr;
    IndexSyncPanel *m_indexSync = nullptr;
    ReplicationPanel *m_replication = nullptr;
    QTableView *m_certificateView = nullptr;
    QTableView *m_eventView = nullptr;
    QLabel *m_status = nullptr;
    QTimer *m_refreshTimer;
    QMenu *m_recentMenu = nullptr;
    QHash<QString, QAction *> m_actions;
    QMenu *m_viewMenu = nullptr;

    HistoryStore *m_history;
    QDockWidget *m_historyDock = nullptr;
    HistoryChartView *m_chart = nullptr;
    QComboBox *m_seriesPicker = nullptr;
    QList<QList<HistoryChartView::SeriesSpec>> m_seriesGroups; // per picker entry
    TrayNotifier *m_tray = nullptr;
    // What belongs to the profile being watched (recorder, notifier, secret reading, webhook):
    // deleted, at once, before its monitor, so nothing of it outlives the engine it listens to.
    QObject *m_profileScope = nullptr;

    FailoverController *m_controller = nullptr;
    bool m_controllerReady = false;
    QString m_controllerError;
    RunBanner *m_banner = nullptr;
    QPointer<FailoverWizard> m_wizard;
    QPointer<SyncIndexDialog> m_syncDialog;

    QDockWidget *m_runsDock = nullptr;
    RunsView *m_runsView = nullptr;
    DrillStatus *m_drillStatus = nullptr;
    QPointer<AuditViewer> m_auditViewer;
    QPointer<ReportExportDialog> m_reportDialog;
};

} // namespace dr::ui
