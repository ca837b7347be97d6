// The Entra ID device code dialog against a loopback devicecode + token endpoint (the real
// EntraTokenClient underneath): the code and the link shown, Copy code and Ctrl+C, the token
// handed back, a declined sign-in with Retry, a network error, and Esc stopping the polling.

#include "../auth/entraendpoint.h"
#include "auth/entrasignin.h"
#include "devicecodedialog.h"
#include "failover/failovercontroller.h"
#include "failoverwizard.h"
#include "wizardpages/signinpage.h"

#include <QApplication>
#include <QClipboard>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::test;
using dr::ui::DeviceCodeDialog;

class TestDeviceCodeDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsCodeCopiesAndReturnsTheToken();
    void declinedShowsWhyAndRetryStartsAgain();
    void networkErrorOffersRetry();
    void escapeCancelsAndStopsPolling();
    void signInPageSignsInWithEntra();

private:
    static Profile profileFor(const EntraEndpoint &endpoint)
    {
        Profile p;
        p.name = QStringLiteral("dialog-test");
        p.azure = endpoint.azure();
        return p;
    }
};

void TestDeviceCodeDialog::showsCodeCopiesAndReturnsTheToken()
{
    EntraEndpoint endpoint;
    QVERIFY(endpoint.listen());
    endpoint.pendingPolls = 3; // time to look at the dialog while it waits
    const Profile profile = profileFor(endpoint);
    DeviceCodeDialog dialog(entraSignInSettings(profile), entraSignInScope(profile), QStringLiteral("the operator"));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));

    QTRY_COMPARE_WITH_TIMEOUT(dialog.codeLabel()->text(), EntraEndpoint::kUserCode, 5000);
    QVERIFY(dialog.codeLabel()->textInteractionFlags() & Qt::TextSelectableByMouse);
    QCOMPARE(dialog.verificationUri(), endpoint.verificationUri());
    QVERIFY2(dialog.linkLabel()->text().contains(QStringLiteral("href=\"https://microsoft.com/devicelogin\"")), qPrintable(dialog.linkLabel()->text()));
    QVERIFY(!dialog.linkLabel()->openExternalLinks()); // opened through QDesktopServices
    QVERIFY(dialog.findChild<QLabel *>(QStringLiteral("serviceMessage"))->text().contains(EntraEndpoint::kUserCode));
    QVERIFY2(dialog.countdownText().contains(QStringLiteral("expires in 1")), qPrintable(dialog.countdownText())); // 15:00 or 14:59
    QVERIFY(dialog.findChild<QProgressBar *>(QStringLiteral("busy"))->isVisible());
    QVERIFY(dialog.isWaiting());

    QGuiApplication::clipboard()->clear();
    QVERIFY(dialog.copyButton()->isEnabled());
    QTest::mouseClick(dialog.copyButton(), Qt::LeftButton);
    QCOMPARE(QGuiApplication::clipboard()->text(), EntraEndpoint::kUserCode);
    QGuiApplication::clipboard()->setText(QStringLiteral("something else"));
    dialog.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&dialog));
    QTest::keyClick(&dialog, Qt::Key_C, Qt::ControlModifier);
    QCOMPARE(QGuiApplication::clipboard()->text(), EntraEndpoint::kUserCode);

    QTRY_VERIFY_WITH_TIMEOUT(dialog.result() == QDialog::Accepted && !dialog.isVisible(), 10000);
    QVERIFY(dialog.token());
    QCOMPARE(dialog.token()->claims.value(QStringLiteral("preferred_username")).toString(), QStringLiteral("alice@contoso.com"));
    QCOMPARE(endpoint.tokenRequests, 4);
    QVERIFY(!dialog.isWaiting());
}

void TestDeviceCodeDialog::declinedShowsWhyAndRetryStartsAgain()
{
    EntraEndpoint endpoint;
    QVERIFY(endpoint.listen());
    endpoint.pendingPolls = 0;
    endpoint.outcome = QStringLiteral("authorization_declined");
    const Profile profile = profileFor(endpoint);
    DeviceCodeDialog dialog(entraSignInSettings(profile), entraSignInScope(profile), QStringLiteral("the approver"));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));

    QTRY_VERIFY_WITH_TIMEOUT(dialog.retryButton()->isVisible(), 5000);
    QVERIFY2(dialog.stateText().startsWith(QStringLiteral("Sign-in declined")), qPrintable(dialog.stateText()));
    QVERIFY2(dialog.stateText().contains(QStringLiteral("declined")), qPrintable(dialog.stateText()));
    QVERIFY(dialog.isVisible());
    QVERIFY(!dialog.token());
    QVERIFY(!dialog.copyButton()->isEnabled()); // the code is dead
    QCOMPARE(dialog.cancelButton()->text(), QStringLiteral("Close"));
    QVERIFY(!dialog.findChild<QProgressBar *>(QStringLiteral("busy"))->isVisible());

    // Retry asks for a new code; this time the operator signs in.
    endpoint.outcome = QStringLiteral("token");
    QTest::mouseClick(dialog.retryButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(dialog.result() == QDialog::Accepted && !dialog.isVisible(), 10000);
    QCOMPARE(endpoint.deviceCodeRequests, 2);
    QVERIFY(dialog.token());
}

void TestDeviceCodeDialog::networkErrorOffersRetry()
{
    // A port nobody listens on: taken, then released.
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        port = probe.serverPort();
    }
    EntraEndpoint endpoint; // not listening: its settings only
    Profile profile = profileFor(endpoint);
    profile.azure->authority = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    DeviceCodeDialog dialog(entraSignInSettings(profile), entraSignInScope(profile), QStringLiteral("the operator"));
    dialog.show();
    QTRY_VERIFY_WITH_TIMEOUT(dialog.retryButton()->isVisible(), 10000);
    QVERIFY2(dialog.stateText().startsWith(QStringLiteral("Sign-in failed")), qPrintable(dialog.stateText()));
    QVERIFY2(dialog.stateText().contains(QString::number(port)), qPrintable(dialog.stateText())); // says where
    QVERIFY(dialog.isVisible());
}

void TestDeviceCodeDialog::escapeCancelsAndStopsPolling()
{
    EntraEndpoint endpoint;
    QVERIFY(endpoint.listen());
    endpoint.outcome = QStringLiteral("pending");
    const Profile profile = profileFor(endpoint);
    DeviceCodeDialog dialog(entraSignInSettings(profile), entraSignInScope(profile), QStringLiteral("the operator"));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTRY_VERIFY_WITH_TIMEOUT(endpoint.tokenRequests >= 1, 5000);

    QTest::keyClick(&dialog, Qt::Key_Escape);
    QTRY_VERIFY(!dialog.isVisible());
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
    QVERIFY(!dialog.token());
    QVERIFY(!dialog.isWaiting());
    const int polls = endpoint.tokenRequests;
    QTest::qWait(2500); // more than two polling intervals
    QCOMPARE(endpoint.tokenRequests, polls);
}

void TestDeviceCodeDialog::signInPageSignsInWithEntra()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    qputenv("DRCONSOLE_DATA_DIR", dir.filePath(QStringLiteral("data")).toUtf8());
    EntraEndpoint endpoint;
    QVERIFY(endpoint.listen());
    Profile profile = profileFor(endpoint);
    profile.name = QStringLiteral("signin-page-test");
    profile.filePath = dir.filePath(QStringLiteral("profile.json"));
    profile.operatorsFile = dir.filePath(QStringLiteral("operators.json"));
    const QString keyFile = dir.filePath(QStringLiteral("audit.key"));
    {
        QFile f(keyFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArrayLiteral("0123456789abcdef0123456789abcdef"));
        f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    }
    profile.audit.key = SecretRef{SecretRef::Source::File, keyFile};

    // Without azure.signIn the page offers passphrases only.
    {
        Profile plain = profile;
        plain.azure->signIn.enabled = false;
        FailoverController controller(plain);
        ui::FailoverWizard wizard(&controller, Flow::PlannedFailover);
        QVERIFY(!wizard.signInPage()->operatorEntraButton());
        QVERIFY(!wizard.signInPage()->approverEntraButton());
    }

    FailoverController controller(profile);
    std::optional<Result<void>> prepared;
    controller.prepare([&](Result<void> r) { prepared = r; });
    QTRY_VERIFY(prepared.has_value());
    QVERIFY2(*prepared, qPrintable(*prepared ? QString() : prepared->error()));
    ui::FailoverWizard wizard(&controller, Flow::PlannedFailover);
    ui::SignInPage *page = wizard.signInPage();
    QVERIFY(page->operatorEntraButton());
    QVERIFY(page->approverEntraButton());
    QVERIFY(!page->isComplete());

    QTest::mouseClick(page->operatorEntraButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(page->entraOperator().has_value(), 10000);
    QCOMPARE(page->entraOperator()->name, QStringLiteral("entra:alice@contoso.com"));
    QCOMPARE(page->entraOperator()->role, Role::Operator);
    QVERIFY2(page->operatorEntraText().contains(QStringLiteral("entra:alice@contoso.com (operator)")), qPrintable(page->operatorEntraText()));
    QCOMPARE(page->operatorNameEdit()->text(), QStringLiteral("entra:alice@contoso.com"));
    QVERIFY(page->operatorNameEdit()->isReadOnly());
    QVERIFY(!page->operatorPassphraseEdit()->isEnabled());
    QVERIFY(page->isComplete()); // a lab profile: the approver is optional
    QTRY_VERIFY(!page->findChild<DeviceCodeDialog *>()); // closed and deleted

    // An account the profile maps to no role: refused on the page, the slot stays empty.
    endpoint.idClaims = EntraEndpoint::defaultClaims(QStringLiteral("mallory@contoso.com"), {QStringLiteral("Reader")});
    endpoint.tokenRequests = 0;
    QTest::mouseClick(page->approverEntraButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(page->errorText().contains(QStringLiteral("has none of the roles")), 10000);
    QVERIFY(!page->entraApprover());
    QVERIFY(page->approverNameEdit()->text().isEmpty());

    const auto entries = controller.audit()->entries();
    QVERIFY(entries);
    QStringList seen;
    for (const AuditEntry &e : *entries) {
        if (e.kind.startsWith(u"sign-in"))
            seen.append(e.kind + u' ' + e.actor + u' ' + e.data.value(QStringLiteral("method")).toString());
    }
    QCOMPARE(seen, (QStringList{QStringLiteral("sign-in entra:alice@contoso.com entra"),
                                QStringLiteral("sign-in-failed entra:mallory@contoso.com entra")}));
}

QTEST_MAIN(TestDeviceCodeDialog)
#include "tst_devicecodedialog.moc"
