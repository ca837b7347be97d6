// EventLogModel: transitions in order, the arrow text, the bound on its length, and the
// model contract.

#include "eventlogmodel.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QTest>

using namespace dr::ui;

namespace {

EventLogModel::Event makeEvent(int i, const QString &to = QStringLiteral("down"))
{
    return { QDateTime(QDate(2026, 11, 26), QTime(7, 0), Qt::UTC).addSecs(i),
        QStringLiteral("north"), QStringLiteral("Bot API %1").arg(i), QStringLiteral("ok"), to,
        QStringLiteral("connection refused") };
}

} // namespace

class tst_EventLogModel : public QObject
{
    Q_OBJECT

private slots:
    void appendsInOrder();
    void dropsTheOldestBeyondTheBound();
    void passesTheModelTester();
};

void tst_EventLogModel::appendsInOrder()
{
    EventLogModel model;
    model.append(makeEvent(1));
    model.append(makeEvent(2, QStringLiteral("ok")));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, EventLogModel::TransitionColumn).data().toString(),
        QStringLiteral("ok \u2192 down"));
    QCOMPARE(
        model.index(0, EventLogModel::RegionColumn).data().toString(), QStringLiteral("north"));
    QCOMPARE(model.index(1, EventLogModel::ComponentColumn).data().toString(),
        QStringLiteral("Bot API 2"));
    QCOMPARE(model.index(1, 0).data(EventLogModel::ToRole).toString(), QStringLiteral("ok"));
    QCOMPARE(model.index(1, EventLogModel::ReasonColumn).data().toString(),
        QStringLiteral("connection refused"));
    QCOMPARE(model.index(1, 0).data(EventLogModel::TimeRole).toDateTime(), makeEvent(2).at);
}

void tst_EventLogModel::dropsTheOldestBeyondTheBound()
{
    EventLogModel model(nullptr, 3);
    for (int i = 0; i < 5; ++i)
        model.append(makeEvent(i));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.event(0).component, QStringLiteral("Bot API 2"));
    QCOMPARE(model.event(2).component, QStringLiteral("Bot API 4"));
}

void tst_EventLogModel::passesTheModelTester()
{
    EventLogModel model(nullptr, 2);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int i = 0; i < 4; ++i)
        model.append(makeEvent(i));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(tst_EventLogModel)
#include "tst_eventlogmodel.moc"
