#pragma once

// Page 4: the operator (and, for production profiles, a different approver: the two-person
// rule) sign in with their passphrases. Core verifies (FailoverController::signIn(), audited)
// and judges the role (authorise(), checkTwoPersonRule()); the page shows its answers as is,
// lockouts included. This is the commit page: once signed in, the run starts and there is no
// way back.
//
// signIn() derives PBKDF2 (~0.3 s per passphrase) on the GUI thread, behind a busy cursor with
// the page disabled: the operator directory and the controller are not thread-safe, and two
// short waits are cheaper than sharing them across threads.

#include <QWizardPage>

class QLabel;
class QLineEdit;

namespace dr::ui {

class FailoverWizard;

class SignInPage : public QWizardPage
{
    Q_OBJECT

public:
    explicit SignInPage(FailoverWizard *wizard);

    void initializePage() override;
    bool isComplete() const override;
    bool validatePage() override;

    bool approverRequired() const;
    QLineEdit *operatorNameEdit() const { return m_operator; }
    QLineEdit *operatorPassphraseEdit() const { return m_operatorPassphrase; }
    QLineEdit *approverNameEdit() const { return m_approver; }
    QLineEdit *approverPassphraseEdit() const { return m_approverPassphrase; }
    QString errorText() const;

private:
    void showError(const QString &message);

    FailoverWizard *m_wizard;
    QLabel *m_intro;
    QLineEdit *m_operator;
    QLineEdit *m_operatorPassphrase;
    QLabel *m_approverLabel;
    QLineEdit *m_approver;
    QLineEdit *m_approverPassphrase;
    QLabel *m_error;
};

} // namespace dr::ui
