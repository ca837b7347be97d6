// CertificateModel: rows from the status document, severity from the state and the
// profile's thresholds (text, icon and colour), natural sorting through a proxy, and the
// model contract.

#include "certificatemodel.h"
#include "statestyle.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QIcon>
#include <QJsonArray>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace dr::ui;

namespace {

QJsonObject cert(
    const QString &id, const QJsonValue &region, const QJsonValue &days, const QString &state)
{
    return { { QStringLiteral("id"), id },
        { QStringLiteral("endpoint"), QStringLiteral("%1.example.org:443").arg(id) },
        { QStringLiteral("region"), region },
        { QStringLiteral("notAfter"),
            days.isDouble() ? QJsonValue(QDateTime(QDate(2027, 1, 1), QTime(0, 0), Qt::UTC)
                                             .addDays(days.toInt())
                                             .toString(Qt::ISODate))
                            : QJsonValue() },
        { QStringLiteral("daysLeft"), days },
        { QStringLiteral("issuer"), QStringLiteral("Lab CA") }, { QStringLiteral("state"), state },
        { QStringLiteral("detail"), QStringLiteral("detail of %1").arg(id) } };
}

QJsonObject snapshot()
{
    return { { QStringLiteral("certificates"),
        QJsonArray { cert(QStringLiteral("global"), QJsonValue(), 67, QStringLiteral("ok")),
            cert(QStringLiteral("west"), QStringLiteral("west"), 20, QStringLiteral("warning")),
            cert(QStringLiteral("north"), QStringLiteral("north"), 3, QStringLiteral("critical")),
            cert(QStringLiteral("east"), QStringLiteral("east"), QJsonValue(),
                QStringLiteral("unknown")) } } };
}

} // namespace

class tst_CertificateModel : public QObject
{
    Q_OBJECT

private slots:
    void rowsAndText();
    void severity_data();
    void severity();
    void sortsDaysAsNumbers();
    void passesTheModelTester();
};

void tst_CertificateModel::rowsAndText()
{
    CertificateModel model;
    model.setSnapshot(snapshot());
    QCOMPARE(model.rowCount(), 4);
    const int north = model.rowOf(QStringLiteral("north"));
    QCOMPARE(model.index(north, CertificateModel::EndpointColumn).data().toString(),
        QStringLiteral("north.example.org:443"));
    QCOMPARE(model.index(north, CertificateModel::DaysLeftColumn).data().toInt(), 3);
    QCOMPARE(model.index(north, CertificateModel::IssuerColumn).data().toString(),
        QStringLiteral("Lab CA"));
    QVERIFY(model.index(north, CertificateModel::StateColumn)
                .data()
                .toString()
                .endsWith(QStringLiteral("critical")));
    QVERIFY(!model.index(north, CertificateModel::StateColumn)
                 .data(Qt::DecorationRole)
                 .value<QIcon>()
                 .isNull());
    QCOMPARE(model.index(model.rowOf(QStringLiteral("global")), CertificateModel::RegionColumn)
                 .data()
                 .toString(),
        QStringLiteral("global"));
    QCOMPARE(
        model.index(north, 0).data(Qt::ToolTipRole).toString(), QStringLiteral("detail of north"));
}

void tst_CertificateModel::severity_data()
{
    QTest::addColumn<QJsonValue>("days");
    QTest::addColumn<QString>("state");
    QTest::addColumn<int>("severity");
    using S = StateStyle::Severity;
    QTest::newRow("ok far out") << QJsonValue(67) << QStringLiteral("ok") << int(S::Good);
    QTest::newRow("reported warning")
        << QJsonValue(20) << QStringLiteral("warning") << int(S::Warning);
    // The thresholds of this profile (10/2) are stricter than the probe's: they win.
    QTest::newRow("ok by the probe, warning by the profile")
        << QJsonValue(9) << QStringLiteral("ok") << int(S::Warning);
    QTest::newRow("ok by the probe, critical by the profile")
        << QJsonValue(2) << QStringLiteral("ok") << int(S::Critical);
    QTest::newRow("expired") << QJsonValue(-1) << QStringLiteral("expired") << int(S::Critical);
    QTest::newRow("invalid") << QJsonValue(50) << QStringLiteral("invalid") << int(S::Critical);
    QTest::newRow("no handshake") << QJsonValue() << QStringLiteral("unknown") << int(S::Unknown);
}

void tst_CertificateModel::severity()
{
    QFETCH(QJsonValue, days);
    QFETCH(QString, state);
    QFETCH(int, severity);
    CertificateModel model;
    model.setThresholds(10, 2);
    model.setSnapshot({ { QStringLiteral("certificates"),
        QJsonArray { cert(QStringLiteral("c"), QJsonValue(), days, state) } } });
    QCOMPARE(model.severity(0), severity);
    QCOMPARE(
        model.index(0, CertificateModel::StateColumn).data(CertificateModel::SeverityRole).toInt(),
        severity);
    const QString text = model.index(0, CertificateModel::StateColumn).data().toString();
    QVERIFY(text.startsWith(StateStyle::symbol(StateStyle::Severity(severity))));
    QCOMPARE(model.index(0, CertificateModel::StateColumn).data(Qt::BackgroundRole).value<QColor>(),
        StateStyle::background(StateStyle::Severity(severity), false));
}

void tst_CertificateModel::sortsDaysAsNumbers()
{
    CertificateModel model;
    model.setSnapshot(snapshot());
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(CertificateModel::SortRole);
    proxy.sort(CertificateModel::DaysLeftColumn, Qt::AscendingOrder);
    QStringList order;
    for (int r = 0; r < proxy.rowCount(); ++r)
        order.append(proxy.index(r, 0).data(CertificateModel::IdRole).toString());
    // 3 < 20 < 67 (not "20" < "3" < "67"); unknown days last.
    QCOMPARE(order,
        (QStringList { QStringLiteral("north"), QStringLiteral("west"), QStringLiteral("global"),
            QStringLiteral("east") }));
    proxy.sort(CertificateModel::StateColumn, Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, 0).data(CertificateModel::IdRole).toString(), QStringLiteral("north"));
}

void tst_CertificateModel::passesTheModelTester()
{
    CertificateModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSnapshot(snapshot());
    model.setThresholds(40, 5);
    model.setSnapshot(snapshot());
    model.setSnapshot({});
    QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(tst_CertificateModel)
#include "tst_certificatemodel.moc"
