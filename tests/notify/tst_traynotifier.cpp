// TrayNotifier: the worst state and the words of the tooltip from a status document, and a
// graceful fallback where there is no system tray (offscreen, as on many Linux desktops).

#include "traynotifier.h"

#include <QApplication>
#include <QJsonArray>
#include <QSignalSpy>
#include <QSystemTrayIcon>
#include <QTest>

using namespace dr;
using dr::ui::TrayNotifier;

namespace {

QJsonObject component(const char *id, const char *name, const char *state, const char *detail)
{
    return QJsonObject{{QStringLiteral("id"), QString::fromLatin1(id)},
                       {QStringLiteral("displayName"), QString::fromLatin1(name)},
                       {QStringLiteral("state"), QString::fromLatin1(state)},
                       {QStringLiteral("detail"), QString::fromLatin1(detail)}};
}

QJsonObject snapshot(const char *botState, const char *certState, const char *replicationState = "ok")
{
    const QJsonArray components{component("bot-api", "Bot API", botState, "connection refused"),
                                component("kb", "Knowledge base", "ok", "HTTP 200")};
    return QJsonObject{
        {QStringLiteral("profile"), QStringLiteral("drlab")},
        {QStringLiteral("regions"),
         QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("west")},
                                {QStringLiteral("displayName"), QStringLiteral("Lab West")},
                                {QStringLiteral("components"), components}}}},
        {QStringLiteral("indexSync"), QJsonValue()},
        {QStringLiteral("storageReplication"),
         QJsonObject{{QStringLiteral("state"), QString::fromLatin1(replicationState)}, {QStringLiteral("detail"), QStringLiteral("lag 2 s")}}},
        {QStringLiteral("certificates"),
         QJsonArray{QJsonObject{{QStringLiteral("endpoint"), QStringLiteral("bot.example.org:443")},
                                {QStringLiteral("state"), QString::fromLatin1(certState)},
                                {QStringLiteral("detail"), QStringLiteral("valid for 5 more days")}}}}};
}

} // namespace

class tst_TrayNotifier : public QObject
{
    Q_OBJECT

private slots:
    void followsTheWorstState_data();
    void followsTheWorstState();
    void noTrayFallsBack();
    void longProblemListsAreCut();
};

void tst_TrayNotifier::followsTheWorstState_data()
{
    QTest::addColumn<QJsonObject>("doc");
    QTest::addColumn<TrayNotifier::Worst>("worst");
    QTest::addColumn<QStringList>("lines"); // the tooltip's lines after the first

    QTest::newRow("all ok") << snapshot("ok", "ok") << TrayNotifier::Worst::Ok << QStringList{};
    QTest::newRow("component down") << snapshot("down", "ok") << TrayNotifier::Worst::Down
                                    << QStringList{QStringLiteral("Bot API (Lab West): DOWN - connection refused")};
    QTest::newRow("certificate critical") << snapshot("ok", "critical") << TrayNotifier::Worst::Degraded
                                          << QStringList{QStringLiteral("Certificate bot.example.org:443: CRITICAL - valid for 5 more days")};
    QTest::newRow("certificate expired is down") << snapshot("ok", "expired") << TrayNotifier::Worst::Down
                                                 << QStringList{QStringLiteral("Certificate bot.example.org:443: EXPIRED - valid for 5 more days")};
    QTest::newRow("replication lagging") << snapshot("ok", "ok", "lagging") << TrayNotifier::Worst::Degraded
                                         << QStringList{QStringLiteral("Storage replication: LAGGING - lag 2 s")};
    QTest::newRow("nothing known yet") << snapshot("unknown", "unknown", "unknown") << TrayNotifier::Worst::Unknown
                                       << QStringList{QStringLiteral("Bot API (Lab West): UNKNOWN - connection refused"),
                                                      QStringLiteral("Storage replication: UNKNOWN - lag 2 s"),
                                                      QStringLiteral("Certificate bot.example.org:443: UNKNOWN - valid for 5 more days")};
}

void tst_TrayNotifier::followsTheWorstState()
{
    QFETCH(QJsonObject, doc);
    QFETCH(TrayNotifier::Worst, worst);
    QFETCH(QStringList, lines);

    TrayNotifier tray(false, nullptr);
    tray.updateFromSnapshot(doc);
    QCOMPARE(tray.worst(), worst);
    QStringList tip = tray.toolTip().split(u'\n');
    // The state in words, not colour alone.
    QCOMPARE(tip.takeFirst(), QStringLiteral("DR Console - drlab: ") + TrayNotifier::worstName(worst));
    QCOMPARE(tip, lines);
    QVERIFY(!tray.icon().isNull());
}

void tst_TrayNotifier::noTrayFallsBack()
{
    // Offscreen there is no tray: the default constructor must notice and not create one.
    QVERIFY(!QSystemTrayIcon::isSystemTrayAvailable());
    TrayNotifier tray;
    QVERIFY(!tray.isTrayAvailable());
    QSignalSpy unshown(&tray, &TrayNotifier::unshown);
    Notification n;
    n.title = QStringLiteral("Bot API (Lab West) is down");
    n.message = QStringLiteral("connection refused");
    tray.showNotification(n);
    QCOMPARE(unshown.size(), 1);
    QCOMPARE(unshown.first().at(0).toString(), n.title);
    QCOMPARE(unshown.first().at(1).toString(), n.message);
    tray.updateFromSnapshot(snapshot("down", "ok"));
    QCOMPARE(tray.worst(), TrayNotifier::Worst::Down);
}

void tst_TrayNotifier::longProblemListsAreCut()
{
    QJsonArray components;
    for (int i = 0; i < 10; ++i)
        components.append(component("c", "Component", "down", "connection refused"));
    const QJsonObject doc{{QStringLiteral("regions"),
                           QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("west")},
                                                  {QStringLiteral("components"), components}}}}};
    TrayNotifier tray(false, nullptr);
    tray.updateFromSnapshot(doc);
    const QStringList tip = tray.toolTip().split(u'\n');
    QCOMPARE(tip.size(), 1 + 6);
    QCOMPARE(tip.last(), QStringLiteral("and 5 more"));
}

QTEST_MAIN(tst_TrayNotifier)
#include "tst_traynotifier.moc"
