// Notifier: which sequences of state changes and results produce which notifications, and
// that nothing repeats until the condition has recovered. Each row is a whole scenario: a
// list of events and the notifications expected from them, in order.

#include "notify/notifier.h"

#include <QSignalSpy>
#include <QTest>

using namespace dr;

namespace {

// One event: a state change ("state <target> <to>") or a result with a "state" fact
// ("result <target> <state>").
struct Event
{
    bool isResult = false;
    QString target;
    HealthState to = HealthState::Unknown;
    QString factState;
};

Event state(const char *target, HealthState to)
{
    return Event{false, QString::fromLatin1(target), to, {}};
}

Event result(const char *target, const char *factState)
{
    return Event{true, QString::fromLatin1(target), HealthState::Unknown, QString::fromLatin1(factState)};
}

// "kind:target:severity" per notification: compact to compare, readable when it fails.
QString summary(const Notification &n)
{
    const QString kind = n.kind == Notification::Kind::ComponentDown ? QStringLiteral("down")
                       : n.kind == Notification::Kind::RpoBreach   ? QStringLiteral("rpo")
                                                                   : QStringLiteral("cert");
    return kind + u':' + n.targetId + u':'
         + (n.severity == Notification::Severity::Critical ? QStringLiteral("critical") : QStringLiteral("warning"));
}

} // namespace

Q_DECLARE_METATYPE(QList<Event>)

class tst_Notifier : public QObject
{
    Q_OBJECT

private slots:
    void decides_data();
    void decides();
    void messagesNameThings();
};

void tst_Notifier::decides_data()
{
    QTest::addColumn<QList<Event>>("events");
    QTest::addColumn<QStringList>("expected");

    using H = HealthState;
    QTest::newRow("component down")
        << QList<Event>{state("west/bot-api", H::Ok), state("west/bot-api", H::Degraded), state("west/bot-api", H::Down)}
        << QStringList{QStringLiteral("down:west/bot-api:critical")};
    QTest::newRow("degraded is not down")
        << QList<Event>{state("west/bot-api", H::Degraded), state("west/bot-api", H::Unknown)}
        << QStringList{};
    QTest::newRow("down, recovering, down again: once")
        << QList<Event>{state("west/kb", H::Down), state("west/kb", H::Degraded), state("west/kb", H::Down)}
        << QStringList{QStringLiteral("down:west/kb:critical")};
    QTest::newRow("down, ok, down: twice")
        << QList<Event>{state("west/kb", H::Down), state("west/kb", H::Ok), state("west/kb", H::Down)}
        << QStringList{QStringLiteral("down:west/kb:critical"), QStringLiteral("down:west/kb:critical")};
    QTest::newRow("two components down")
        << QList<Event>{state("west/kb", H::Down), state("north/kb", H::Down)}
        << QStringList{QStringLiteral("down:west/kb:critical"), QStringLiteral("down:north/kb:critical")};
    QTest::newRow("routing and chat are components too")
        << QList<Event>{state("routing", H::Down), state("chat/synthetic", H::Down)}
        << QStringList{QStringLiteral("down:routing:critical"), QStringLiteral("down:chat/synthetic:critical")};
    QTest::newRow("certificate target down: judged by its state instead")
        << QList<Event>{state("cert/global", H::Down)}
        << QStringList{};
    QTest::newRow("replication lagging: RPO breach, once")
        << QList<Event>{result("replication/storage", "ok"), result("replication/storage", "lagging"),
                        result("replication/storage", "lagging"), result("replication/storage", "unavailable")}
        << QStringList{QStringLiteral("rpo:replication/storage:critical")};
    QTest::newRow("replication unavailable, ok, lagging: twice")
        << QList<Event>{result("replication/storage", "unavailable"), result("replication/storage", "ok"),
                        result("replication/storage", "lagging")}
        << QStringList{QStringLiteral("rpo:replication/storage:critical"), QStringLiteral("rpo:replication/storage:critical")};
    QTest::newRow("replication bootstrap, delayed, unknown: no breach")
        << QList<Event>{result("replication/storage", "bootstrap"), result("replication/storage", "delayed"),
                        result("replication/storage", "unknown")}
        << QStringList{};
    QTest::newRow("replication breach survives an unknown sample")
        << QList<Event>{result("replication/storage", "lagging"), result("replication/storage", "unknown"),
                        result("replication/storage", "lagging")}
        << QStringList{QStringLiteral("rpo:replication/storage:critical")};
    QTest::newRow("certificate warning, repeated")
        << QList<Event>{result("cert/global", "ok"), result("cert/global", "warning"), result("cert/global", "warning")}
        << QStringList{QStringLiteral("cert:cert/global:warning")};
    QTest::newRow("certificate getting worse: each level once")
        << QList<Event>{result("cert/global", "warning"), result("cert/global", "critical"), result("cert/global", "warning"),
                        result("cert/global", "critical"), result("cert/global", "expired"), result("cert/global", "expired")}
        << QStringList{QStringLiteral("cert:cert/global:warning"), QStringLiteral("cert:cert/global:critical"),
                       QStringLiteral("cert:cert/global:critical")};
    QTest::newRow("certificate renewed, then warning again")
        << QList<Event>{result("cert/weu", "warning"), result("cert/weu", "ok"), result("cert/weu", "warning")}
        << QStringList{QStringLiteral("cert:cert/weu:warning"), QStringLiteral("cert:cert/weu:warning")};
    QTest::newRow("certificate unreachable is not a recovery")
        << QList<Event>{result("cert/weu", "critical"), result("cert/weu", "unknown"), result("cert/weu", "critical")}
        << QStringList{QStringLiteral("cert:cert/weu:critical")};
    QTest::newRow("certificate invalid")
        << QList<Event>{result("cert/weu", "invalid")}
        << QStringList{QStringLiteral("cert:cert/weu:critical")};
    QTest::newRow("a component's state fact means nothing here")
        << QList<Event>{result("west/bot-api", "expired"), result("sync/index", "lagging")}
        << QStringList{};
}

void tst_Notifier::decides()
{
    QFETCH(QList<Event>, events);
    QFETCH(QStringList, expected);

    ManualClock clock;
    Notifier notifier(&clock);
    QSignalSpy spy(&notifier, &Notifier::notify);
    QStringList returned;
    for (const Event &e : std::as_const(events)) {
        std::optional<Notification> n;
        if (e.isResult) {
            ProbeResult r;
            r.outcome = ProbeResult::Outcome::Degraded;
            r.detail = QStringLiteral("detail of ") + e.target;
            r.finishedAt = clock.nowUtc();
            r.data.insert(QStringLiteral("state"), e.factState);
            n = notifier.onResult(e.target, r);
        } else {
            n = notifier.onStateChanged(e.target, HealthState::Unknown, e.to, QStringLiteral("connection refused"));
        }
        if (n)
            returned.append(summary(*n));
        clock.advance(15000);
    }
    QCOMPARE(returned, expected);
    QCOMPARE(spy.size(), expected.size());
}

void tst_Notifier::messagesNameThings()
{
    ManualClock clock;
    Notifier notifier(&clock);
    notifier.setDisplayNames({{QStringLiteral("west/bot-api"), QStringLiteral("Bot API (Lab West)")}});
    const auto down = notifier.onStateChanged(QStringLiteral("west/bot-api"), HealthState::Ok, HealthState::Down,
                                              QStringLiteral("connection refused"));
    QVERIFY(down);
    QCOMPARE(down->title, QStringLiteral("Bot API (Lab West) is down"));
    QCOMPARE(down->text(), QStringLiteral("Bot API (Lab West) is down: connection refused"));
    QCOMPARE(down->at, clock.nowUtc());

    ProbeResult r;
    r.detail = QStringLiteral("replication lag 1200 s exceeds the RPO of 900 s");
    r.finishedAt = clock.nowUtc().addSecs(5);
    r.data = QJsonObject{{QStringLiteral("state"), QStringLiteral("lagging")}, {QStringLiteral("lagSeconds"), 1200}};
    const auto rpo = notifier.onResult(QStringLiteral("replication/storage"), r);
    QVERIFY(rpo);
    QCOMPARE(rpo->title, QStringLiteral("RPO breached"));
    QVERIFY2(rpo->message.contains(QStringLiteral("1200 s")), qPrintable(rpo->message));
    QCOMPARE(rpo->at, r.finishedAt);
}

QTEST_GUILESS_MAIN(tst_Notifier)
#include "tst_notifier.moc"
