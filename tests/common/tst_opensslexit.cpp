// skipOpenSslCleanupAtExit(): a process that exits while one of its threads is still ending
// exits cleanly. exitracehelper holds such a thread in the window where it frees its OpenSSL
// state while exit() runs, the race that made drctl abort with "double free or corruption"
// after a failback had succeeded.

#include <QProcess>
#include <QTest>

class tst_OpenSslExit : public QObject
{
    Q_OBJECT

private slots:
    void exitWhileAThreadEndsIsClean();
};

void tst_OpenSslExit::exitWhileAThreadEndsIsClean()
{
    QProcess helper;
    helper.start(QStringLiteral(DR_EXITRACEHELPER), { QStringLiteral("guarded") });
    QVERIFY2(helper.waitForFinished(20000), "exitracehelper did not end");
    const QByteArray err = helper.readAllStandardError();
    QVERIFY2(helper.exitStatus() == QProcess::NormalExit, err.constData());
    QCOMPARE(helper.exitCode(), 0);
    // The race was really run: the thread was held in the window until exit() had begun.
    QCOMPARE(helper.readAllStandardOutput().trimmed(),
        QByteArrayLiteral("the thread ended its OpenSSL state while the process exited"));
}

QTEST_GUILESS_MAIN(tst_OpenSslExit)
#include "tst_opensslexit.moc"
