#pragma once

// The console in the system tray: an icon and a tooltip that follow the worst state of the
// deployment (the icon carries a symbol as well as a colour, and the tooltip says it in words
// and names what is wrong), and desktop notifications (tray balloons) for what the Notifier
// decides.
//
// Without a system tray (many Linux desktops, offscreen tests) nothing is created: the state
// is still computed (toolTip(), worst()), and each notification that cannot be shown is
// emitted as unshown() so that the main window can put it in its status bar or event log.

#include "notify/notification.h"

#include <QIcon>
#include <QJsonObject>
#include <QObject>

class QSystemTrayIcon;
class QMenu;

namespace dr::ui {

class TrayNotifier : public QObject
{
    Q_OBJECT

public:
    enum class Worst { Unknown, Ok, Degraded, Down };
    Q_ENUM(Worst)

    // available: whether to use the tray; defaults to what the platform says.
    explicit TrayNotifier(QObject *parent = nullptr);
    TrayNotifier(bool available, QObject *parent);

    bool isTrayAvailable() const { return m_tray != nullptr; }
    // Desktop notifications on or off (the profile's notifications.desktop); the icon and
    // tooltip stay either way.
    void setDesktopNotifications(bool on) { m_desktop = on; }
    bool desktopNotifications() const { return m_desktop; }
    // A menu for the icon (e.g. Show, Quit), owned by the caller.
    void setContextMenu(QMenu *menu);

    // Recomputes icon and tooltip from a status document (StatusMonitor::snapshot()).
    void updateFromSnapshot(const QJsonObject &snapshot);
    void showNotification(const dr::Notification &notification);

    Worst worst() const { return m_worst; }
    QString toolTip() const { return m_toolTip; }
    QIcon icon() const { return m_icon; }

    static QString worstName(Worst worst); // "OK", "DEGRADED", "DOWN", "UNKNOWN"
    // The problems of a snapshot, one line each ("Bot API (Lab West): DOWN - connection refused").
    static QStringList problemsOf(const QJsonObject &snapshot);

signals:
    void activated();                                          // the icon was clicked
    void unshown(const QString &title, const QString &message); // no tray, or desktop off

private:
    void apply();

    QSystemTrayIcon *m_tray = nullptr;
    bool m_desktop = true;
    Worst m_worst = Worst::Unknown;
    QString m_toolTip;
    QIcon m_icon;
};

} // namespace dr::ui
