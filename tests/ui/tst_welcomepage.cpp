// The welcome page (issue 8): what the real MainWindow shows with no profile, its three ways
// in driven as a user does (click, mnemonic, Enter, the file dialogs answered), and the lab
// button running the real drlab (`drlab up --json --dir` a folder of the test's own), whose
// profile the window then watches. A drlab that cannot run or fails shows its reason.

#include "mainwindow.h"
#include "settings/settings.h"
#include "status/statusmonitor.h"
#include "toolrun.h"
#include "welcomepage.h"

#include <QFile>
#include <QFileDialog>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::ui;

class tst_WelcomePage : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void shownWithNoProfile();
    void keyboard();
    void openProfileAsksForAFile();
    void templateIsCopiedThenOpened();
    void templateNeverReplacesAFile();
    void labThatCannotRunSaysWhy();
    void labThatFailsSaysWhy();
    void labStartsAndItsProfileOpens();

private:
    QFileDialog *waitForDialog(WelcomePage *page);

    QTemporaryDir m_dir;
    QTemporaryDir m_labDir;
    bool m_labStarted = false;
    std::unique_ptr<Settings> m_settings;
    std::unique_ptr<MainWindow> m_window;
};

void tst_WelcomePage::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_labDir.isValid());
    qputenv("XDG_DATA_HOME", m_dir.filePath(QStringLiteral("xdg-data")).toLocal8Bit());
    m_settings = std::make_unique<Settings>(m_dir.filePath(QStringLiteral("drconsole.ini")));
    m_window = std::make_unique<MainWindow>(m_settings.get(),
        MainWindowOptions { .historyPath = m_dir.filePath(QStringLiteral("history.sqlite")) });
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void tst_WelcomePage::cleanupTestCase()
{
    m_window.reset(); // stop probing before the lab goes away
    if (m_labStarted)
        dr::test::runTool(QStringLiteral(DRLAB_PATH),
            { QStringLiteral("down"), QStringLiteral("--dir"), m_labDir.path() });
}

QFileDialog *tst_WelcomePage::waitForDialog(WelcomePage *page)
{
    if (!QTest::qWaitFor([page] { return page->fileDialog() && page->fileDialog()->isVisible(); }, 5000))
        return nullptr;
    return page->fileDialog();
}

void tst_WelcomePage::shownWithNoProfile()
{
    WelcomePage *page = m_window->welcomePage();
    QVERIFY(page);
    QVERIFY(page->isVisible());
    QVERIFY(!m_window->monitor());
    for (QPushButton *b : { page->labButton(), page->openButton(), page->templateButton() }) {
        QVERIFY(b->isVisible());
        QVERIFY(b->isEnabled());
        QVERIFY2(!b->toolTip().isEmpty(), qPrintable(b->text())); // its one line
    }
    // Found beside the binary or in the source tree, as installed: the test runs from a build tree.
    QVERIFY2(QFile::exists(page->templatePath()), qPrintable(page->templatePath()));
    QVERIFY(QFile::exists(page->drlabProgram()) || page->drlabProgram() == QLatin1String("drlab"));
}

void tst_WelcomePage::keyboard()
{
    WelcomePage *page = m_window->welcomePage();
    // Mnemonics on each button, and Tab walks them in their order.
    QCOMPARE(page->labButton()->text(), QStringLiteral("Start the &local lab"));
    QCOMPARE(page->openButton()->text(), QStringLiteral("&Open a profile\u2026"));
    QCOMPARE(page->templateButton()->text(), QStringLiteral("&New profile from the Azure template\u2026"));
    QCOMPARE(page->labButton()->nextInFocusChain(), page->openButton());
    QCOMPARE(page->openButton()->nextInFocusChain(), page->templateButton());
    // Enter presses the focused button.
    m_window->activateWindow();
    page->openButton()->setFocus();
    QTest::keyClick(page->openButton(), Qt::Key_Return);
    QFileDialog *dialog = waitForDialog(page);
    QVERIFY(dialog);
    QCOMPARE(dialog->windowTitle(), QStringLiteral("Open profile"));
    dialog->reject();
    QTRY_VERIFY(!page->fileDialog());
}

void tst_WelcomePage::openProfileAsksForAFile()
{
    WelcomePage page;
    page.show();
    QSignalSpy chosen(&page, &WelcomePage::profileChosen);
    const QString sample = qEnvironmentVariable("DR_SOURCE_DIR")
        + QStringLiteral("/resources/profiles/local-sample.json");
    QTest::mouseClick(page.openButton(), Qt::LeftButton);
    QFileDialog *dialog = waitForDialog(&page);
    QVERIFY(dialog);
    QCOMPARE(dialog->fileMode(), QFileDialog::ExistingFile);
    dialog->selectFile(sample);
    static_cast<QDialog *>(dialog)->accept(); // QFileDialog::accept is protected
    QTRY_COMPARE(chosen.count(), 1);
    QCOMPARE(chosen.at(0).at(0).toString(), sample);
}

void tst_WelcomePage::templateIsCopiedThenOpened()
{
    WelcomePage *page = m_window->welcomePage();
    QSignalSpy chosen(page, &WelcomePage::profileChosen);
    const QString target = m_dir.filePath(QStringLiteral("contoso.json"));
    QTest::mouseClick(page->templateButton(), Qt::LeftButton);
    QFileDialog *dialog = waitForDialog(page);
    QVERIFY(dialog);
    QCOMPARE(dialog->acceptMode(), QFileDialog::AcceptSave);
    dialog->selectFile(target);
    static_cast<QDialog *>(dialog)->accept(); // QFileDialog::accept is protected
    QTRY_COMPARE(chosen.count(), 1);
    QCOMPARE(chosen.at(0).at(0).toString(), target);
    QFile copy(target);
    QVERIFY(copy.open(QIODevice::ReadOnly));
    QFile original(page->templatePath());
    QVERIFY(original.open(QIODevice::ReadOnly));
    QCOMPARE(copy.readAll(), original.readAll());
    // The window took it: it watches it, or (placeholders not filled in) lists its problems.
    QTRY_VERIFY(m_window->monitor() || m_window->profileErrorDialog());
    if (m_window->profileErrorDialog())
        m_window->profileErrorDialog()->close();
}

void tst_WelcomePage::templateNeverReplacesAFile()
{
    WelcomePage page;
    QSignalSpy chosen(&page, &WelcomePage::profileChosen);
    const QString target = m_dir.filePath(QStringLiteral("filled-in.json"));
    QFile existing(target);
    QVERIFY(existing.open(QIODevice::WriteOnly));
    existing.write("{\"mine\": true}");
    existing.close();
    QVERIFY(!page.createFromTemplate(target));
    QCOMPARE(chosen.count(), 0);
    QVERIFY(page.errorLabel()->text().contains(QStringLiteral("already exists")));
    QVERIFY(existing.open(QIODevice::ReadOnly));
    QCOMPARE(existing.readAll(), QByteArray("{\"mine\": true}"));
}

void tst_WelcomePage::labThatCannotRunSaysWhy()
{
    WelcomePage page;
    page.show();
    QSignalSpy chosen(&page, &WelcomePage::profileChosen);
    page.setDrlabProgram(m_dir.filePath(QStringLiteral("no-such-drlab")));
    QTest::mouseClick(page.labButton(), Qt::LeftButton);
    QTRY_VERIFY(page.errorLabel()->isVisible());
    QVERIFY2(page.errorLabel()->text().contains(QStringLiteral("Cannot run")),
        qPrintable(page.errorLabel()->text()));
    QVERIFY(page.labButton()->isEnabled());
    QVERIFY(!page.progressBar()->isVisible());
    QCOMPARE(chosen.count(), 0);
}

void tst_WelcomePage::labThatFailsSaysWhy()
{
    // The real drlab, asked for a lab in a folder it cannot create: it fails with its reason.
    WelcomePage page;
    page.show();
    QSignalSpy chosen(&page, &WelcomePage::profileChosen);
    page.setDrlabProgram(QStringLiteral(DRLAB_PATH));
    QFile blocker(m_dir.filePath(QStringLiteral("not-a-folder")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    page.setLabDirectory(blocker.fileName() + QStringLiteral("/lab"));
    QTest::mouseClick(page.labButton(), Qt::LeftButton);
    QVERIFY(page.labRunning());
    QTRY_VERIFY_WITH_TIMEOUT(page.errorLabel()->isVisible(), 60000);
    QVERIFY2(page.errorLabel()->text().startsWith(QStringLiteral("The lab did not start: ")),
        qPrintable(page.errorLabel()->text()));
    QVERIFY(!page.labRunning());
    QCOMPARE(chosen.count(), 0);
}

void tst_WelcomePage::labStartsAndItsProfileOpens()
{
    // Through the window, with the real drlab: about half a minute.
    MainWindow window(m_settings.get(),
        MainWindowOptions { .historyPath = m_dir.filePath(QStringLiteral("history2.sqlite")) });
    window.show();
    WelcomePage *page = window.welcomePage();
    page->setDrlabProgram(QStringLiteral(DRLAB_PATH));
    page->setLabDirectory(m_labDir.path());
    QCOMPARE(page->labArguments(),
        (QStringList { QStringLiteral("up"), QStringLiteral("--json"), QStringLiteral("--dir"),
            m_labDir.path() }));
    QSignalSpy chosen(page, &WelcomePage::profileChosen);
    m_labStarted = true;
    QTest::mouseClick(page->labButton(), Qt::LeftButton);
    QVERIFY(page->progressBar()->isVisible());
    QVERIFY(!page->labButton()->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(chosen.count() == 1 || page->errorLabel()->isVisible(), 180000);
    QVERIFY2(chosen.count() == 1, qPrintable(page->errorLabel()->text()));
    const QString profile = chosen.at(0).at(0).toString();
    QVERIFY2(profile.startsWith(m_labDir.path()), qPrintable(profile));
    QVERIFY(window.monitor());
    QVERIFY(!page->isVisible());
    QVERIFY(!page->progressBar()->isVisible());
}

QTEST_MAIN(tst_WelcomePage)
#include "tst_welcomepage.moc"
