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
//
// When the profile enables Entra ID sign-in (azure.signIn), a "Sign in with Entra ID…" button
// beside each slot opens the device code dialog; core maps the token to an operator
// (FailoverController::signInWithEntra(), audited) and the slot shows who signed in, with
// which role, in place of the passphrase. Local passphrases keep working beside it.

#include "auth/operatordirectory.h"

#include <QWizardPage>

#include <optional>

class QLabel;
class QLineEdit;
class QPushButton;

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

    // Entra ID sign-in (null when the profile does not enable it).
    QPushButton *operatorEntraButton() const { return m_operatorEntra; }
    QPushButton *approverEntraButton() const { return m_approverEntra; }
    QString operatorEntraText() const;
    QString approverEntraText() const;
    const std::optional<SignedInOperator> &entraOperator() const { return m_entraOperator; }
    const std::optional<SignedInOperator> &entraApprover() const { return m_entraApprover; }

private:
    void showError(const QString &message);
    void signInWithEntra(bool approver);
    void setEntraSignedIn(bool approver, const std::optional<SignedInOperator> &who);

    FailoverWizard *m_wizard;
    QLabel *m_intro;
    QLineEdit *m_operator;
    QLineEdit *m_operatorPassphrase;
    QLabel *m_approverLabel;
    QLineEdit *m_approver;
    QLineEdit *m_approverPassphrase;
    QLabel *m_error;
    QPushButton *m_operatorEntra = nullptr;
    QPushButton *m_approverEntra = nullptr;
    QLabel *m_operatorEntraLabel = nullptr;
    QLabel *m_approverEntraLabel = nullptr;
    std::optional<SignedInOperator> m_entraOperator;
    std::optional<SignedInOperator> m_entraApprover;
};

} // namespace dr::ui
