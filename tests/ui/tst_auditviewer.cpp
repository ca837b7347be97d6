// The audit viewer over a real audit trail (AuditTrail in a temporary folder, real HMAC key):
// each filter (operator, kind, run, debounced text, time range) narrows the rows; the selected
// entry's data and hashes are shown; "Verify chain" says intact, then names the entry changed
// behind the trail's back; a viewer without the key lists the entries and says why it cannot
// verify.

#include "auditviewer.h"
#include "runfixture.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::ui;

class tst_AuditViewer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void listsEverythingWithDetails();
    void filtersNarrowTheRows();
    void verifyNamesTheTamperedEntry();
    void keylessViewerListsButCannotVerify();

private:
    QString path() const { return m_dir.filePath(QStringLiteral("audit.sqlite")); }
    QTemporaryDir m_dir;
    std::unique_ptr<AuditTrail> m_trail;
};

void tst_AuditViewer::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_trail = std::make_unique<AuditTrail>(path(), test::fixtureAuditKey());
    QVERIFY(m_trail->open());
    const struct
    {
        const char *kind, *actor, *run, *summary;
    } entries[] = {
        { "sign-in", "ana", "", "ana signed in as operator" },
        { "gate", "system", "run-1", "gate target-components passed" },
        { "step", "ana", "run-1", "Switched the routing to north" },
        { "note", "bob", "run-2", "The drill went well" },
        { "sign-in-failed", "eve", "", "eve: wrong passphrase" },
    };
    for (const auto &e : entries) {
        const auto appended = m_trail->append(QString::fromLatin1(e.kind), QString::fromLatin1(e.actor),
            QString::fromLatin1(e.run), QString::fromLatin1(e.summary),
            QJsonObject { { QStringLiteral("detailKey"), QString::fromLatin1(e.summary) } });
        QVERIFY2(appended, qPrintable(appended ? QString() : appended.error()));
    }
}

void tst_AuditViewer::listsEverythingWithDetails()
{
    AuditViewer viewer(m_trail.get());
    viewer.resize(1200, 700);
    viewer.show();
    QCOMPARE(viewer.model()->rowCount(), 5);
    QCOMPARE(viewer.model()->entry(0).seq, 1);
    QVERIFY(viewer.countLabel()->text().contains(QStringLiteral("5")));
    // The kinds offered are the trail's own.
    QStringList kinds;
    for (int i = 1; i < viewer.kindCombo()->count(); ++i)
        kinds << viewer.kindCombo()->itemData(i).toString();
    QCOMPARE(kinds, (QStringList { QStringLiteral("gate"), QStringLiteral("note"), QStringLiteral("sign-in"),
                        QStringLiteral("sign-in-failed"), QStringLiteral("step") }));
    viewer.table()->selectRow(2);
    const QString detail = viewer.detailView()->toPlainText();
    QVERIFY(detail.contains(QStringLiteral("Switched the routing to north")));
    QVERIFY(detail.contains(QStringLiteral("\"detailKey\"")));
    QVERIFY(detail.contains(QString::fromLatin1(viewer.model()->entry(2).hash)));
    QVERIFY(detail.contains(QString::fromLatin1(viewer.model()->entry(1).hash))); // its prevHash
}

void tst_AuditViewer::filtersNarrowTheRows()
{
    AuditViewer viewer(m_trail.get());
    viewer.show();
    viewer.actorCombo()->setCurrentText(QStringLiteral("ana"));
    viewer.reload();
    QCOMPARE(viewer.model()->rowCount(), 2);
    viewer.kindCombo()->setCurrentIndex(viewer.kindCombo()->findData(QStringLiteral("step")));
    QCOMPARE(viewer.model()->rowCount(), 1); // a kind applies at once
    QCOMPARE(viewer.model()->entry(0).summary, QStringLiteral("Switched the routing to north"));

    viewer.actorCombo()->setCurrentText(QString());
    viewer.kindCombo()->setCurrentIndex(0);
    viewer.reload();
    QCOMPARE(viewer.model()->rowCount(), 5);
    QTest::keyClicks(viewer.runEdit(), QStringLiteral("run-1"));
    QTRY_COMPARE(viewer.model()->rowCount(), 2); // debounced
    viewer.runEdit()->clear();
    QTRY_COMPARE(viewer.model()->rowCount(), 5);

    // The search is case-insensitive and waits for typing to pause.
    QTest::keyClicks(viewer.searchEdit(), QStringLiteral("DRILL"));
    QCOMPARE(viewer.model()->rowCount(), 5);
    QTRY_COMPARE(viewer.model()->rowCount(), 1);
    QCOMPARE(viewer.model()->entry(0).actor, QStringLiteral("bob"));
    viewer.searchEdit()->clear();
    QTest::keyClicks(viewer.searchEdit(), QStringLiteral("nothing like this"));
    QTRY_COMPARE(viewer.model()->rowCount(), 0);
    QVERIFY(viewer.countLabel()->text().contains(QStringLiteral("No entry")));
    viewer.searchEdit()->clear();
    QTRY_COMPARE(viewer.model()->rowCount(), 5);

    // A time range after every entry matches nothing; one around them matches all.
    viewer.fromEdit()->setDateTime(QDateTime::currentDateTimeUtc().addSecs(3600));
    viewer.fromEnabled()->setChecked(true);
    QCOMPARE(viewer.model()->rowCount(), 0);
    viewer.fromEdit()->setDateTime(QDateTime::currentDateTimeUtc().addSecs(-3600));
    viewer.toEdit()->setDateTime(QDateTime::currentDateTimeUtc().addSecs(3600));
    viewer.toEnabled()->setChecked(true);
    QTRY_COMPARE(viewer.model()->rowCount(), 5);
}

void tst_AuditViewer::verifyNamesTheTamperedEntry()
{
    AuditViewer viewer(m_trail.get());
    viewer.show();
    QTest::mouseClick(viewer.verifyButton(), Qt::LeftButton);
    QVERIFY(!viewer.verificationLabel()->isHidden());
    QVERIFY2(viewer.verificationLabel()->text().startsWith(QStringLiteral("INTACT")),
        qPrintable(viewer.verificationLabel()->text()));

    {
        // Behind the trail's back, as someone with the file but not the key would.
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tamper"));
        db.setDatabaseName(path());
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("UPDATE entries SET summary = 'nothing happened' WHERE seq = 3")));
        QCOMPARE(q.numRowsAffected(), 1);
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("tamper"));
    QTest::mouseClick(viewer.verifyButton(), Qt::LeftButton);
    const QString text = viewer.verificationLabel()->text();
    QVERIFY2(text.startsWith(QStringLiteral("BROKEN at entry 3")), qPrintable(text));
}

void tst_AuditViewer::keylessViewerListsButCannotVerify()
{
    AuditViewer viewer(path());
    viewer.show();
    QCOMPARE(viewer.model()->rowCount(), 5);
    QTest::mouseClick(viewer.verifyButton(), Qt::LeftButton);
    const QString text = viewer.verificationLabel()->text();
    QVERIFY2(text.startsWith(QStringLiteral("NOT VERIFIED")) && text.contains(QStringLiteral("key")), qPrintable(text));

    AuditViewer missing(m_dir.filePath(QStringLiteral("no/such/folder/audit.sqlite")));
    QCOMPARE(missing.model()->rowCount(), 0);
    QVERIFY(missing.countLabel()->text().contains(QStringLiteral("no audit trail has been written")));
    QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("no/such/folder"))));
    QVERIFY(!missing.verifyButton()->isEnabled());
}

QTEST_MAIN(tst_AuditViewer)
#include "tst_auditviewer.moc"
