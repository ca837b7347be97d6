// ComponentModel from status documents: rows per component, "not checked yet" before the
// first probe, accessible text, stable rows across refreshes, and the model contract.

#include "componentmodel.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

using namespace dr::ui;

namespace {

QJsonObject component(const QString &id, const QString &name, const QString &state,
    const QJsonValue &latency, const QJsonValue &checkedAt, const QString &detail)
{
    return { { QStringLiteral("id"), id }, { QStringLiteral("kind"), id },
        { QStringLiteral("displayName"), name }, { QStringLiteral("state"), state },
        { QStringLiteral("latencyMs"), latency }, { QStringLiteral("checkedAt"), checkedAt },
        { QStringLiteral("detail"), detail } };
}

QJsonObject snapshot(const QString &westBotState, bool withExtra = false)
{
    QJsonArray west {
        component(QStringLiteral("bot-api"), QStringLiteral("Bot API"), westBotState, 42,
            QStringLiteral("2026-11-26T07:30:00.000Z"), QStringLiteral("HTTP 200")),
        component(QStringLiteral("storage"), QStringLiteral("Storage account"),
            QStringLiteral("unknown"), QJsonValue(), QJsonValue(), QStringLiteral("not probed yet"))
    };
    if (withExtra)
        west.append(
            component(QStringLiteral("kv"), QStringLiteral("Key Vault"), QStringLiteral("ok"), 5,
                QStringLiteral("2026-11-26T07:30:00.000Z"), QStringLiteral("HTTP 200")));
    QJsonArray north { component(QStringLiteral("bot-api"), QStringLiteral("Bot API"),
        QStringLiteral("down"), QJsonValue(), QStringLiteral("2026-11-26T07:30:01.000Z"),
        QStringLiteral("connection refused")) };
    return { { QStringLiteral("regions"),
        QJsonArray { QJsonObject { { QStringLiteral("id"), QStringLiteral("west") },
                         { QStringLiteral("displayName"), QStringLiteral("Lab West") },
                         { QStringLiteral("components"), west } },
            QJsonObject { { QStringLiteral("id"), QStringLiteral("north") },
                { QStringLiteral("displayName"), QStringLiteral("Lab North") },
                { QStringLiteral("components"), north } } } } };
}

} // namespace

class tst_ComponentModel : public QObject
{
    Q_OBJECT

private slots:
    void rowsFromTheSnapshot();
    void notCheckedYetBeforeTheFirstProbe();
    void refreshKeepsRowsAndSignalsDataChanged();
    void newComponentResetsTheModel();
    void passesTheModelTester();
};

void tst_ComponentModel::rowsFromTheSnapshot()
{
    ComponentModel model;
    model.setSnapshot(snapshot(QStringLiteral("ok")));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.columnCount(), int(ComponentModel::ColumnCount));
    const int west = model.rowOf(QStringLiteral("west"), QStringLiteral("bot-api"));
    QCOMPARE(west, 0);
    QCOMPARE(
        model.index(west, ComponentModel::StateColumn).data().toString(), QStringLiteral("ok"));
    QCOMPARE(model.index(west, ComponentModel::LatencyColumn).data().toString(),
        QStringLiteral("42 ms"));
    QCOMPARE(model.index(west, 0).data(ComponentModel::AccessibleTextRole).toString(),
        QStringLiteral("Lab West, Bot API: ok, 42 ms"));
    const int north = model.rowOf(QStringLiteral("north"), QStringLiteral("bot-api"));
    QCOMPARE(
        model.index(north, 0).data(ComponentModel::StateRole).toString(), QStringLiteral("down"));
    QCOMPARE(model.index(north, 0).data(Qt::ToolTipRole).toString(),
        QStringLiteral("connection refused"));
    QCOMPARE(model.index(north, 0).data(ComponentModel::AccessibleTextRole).toString(),
        QStringLiteral("Lab North, Bot API: down"));
    QCOMPARE(model.rowOf(QStringLiteral("east"), QStringLiteral("bot-api")), -1);
}

void tst_ComponentModel::notCheckedYetBeforeTheFirstProbe()
{
    ComponentModel model;
    model.setSnapshot(snapshot(QStringLiteral("ok")));
    const int row = model.rowOf(QStringLiteral("west"), QStringLiteral("storage"));
    QCOMPARE(model.index(row, ComponentModel::StateColumn).data().toString(),
        QStringLiteral("not checked yet"));
    QCOMPARE(model.index(row, 0).data(ComponentModel::StateRole).toString(), QString());
    QVERIFY(!model.index(row, 0).data(ComponentModel::CheckedAtRole).toDateTime().isValid());
}

void tst_ComponentModel::refreshKeepsRowsAndSignalsDataChanged()
{
    ComponentModel model;
    model.setSnapshot(snapshot(QStringLiteral("ok")));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setSnapshot(snapshot(QStringLiteral("degraded")));
    QCOMPARE(reset.size(), 0);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(
        model.index(0, ComponentModel::StateColumn).data().toString(), QStringLiteral("degraded"));
}

void tst_ComponentModel::newComponentResetsTheModel()
{
    ComponentModel model;
    model.setSnapshot(snapshot(QStringLiteral("ok")));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setSnapshot(snapshot(QStringLiteral("ok"), true));
    QCOMPARE(reset.size(), 1);
    QCOMPARE(model.rowCount(), 4);
}

void tst_ComponentModel::passesTheModelTester()
{
    ComponentModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSnapshot(snapshot(QStringLiteral("ok")));
    model.setSnapshot(snapshot(QStringLiteral("down"), true));
    model.setSnapshot(snapshot(QStringLiteral("ok")));
    model.setSnapshot({});
    QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(tst_ComponentModel)
#include "tst_componentmodel.moc"
