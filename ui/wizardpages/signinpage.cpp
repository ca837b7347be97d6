#include "signinpage.h"

#include "../failoverwizard.h"
#include "failover/failovercontroller.h"

#include <QApplication>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QScopeGuard>
#include <QVBoxLayout>

namespace dr::ui {

namespace {

// The passphrase leaves the field (and the widget's undo history) as soon as it was used.
QByteArray takePassphrase(QLineEdit *edit)
{
    QByteArray value = edit->text().toUtf8();
    edit->clear();
    return value;
}

} // namespace

SignInPage::SignInPage(FailoverWizard *wizard)
    : m_wizard(wizard)
    , m_intro(new QLabel(this))
    , m_operator(new QLineEdit(this))
    , m_operatorPassphrase(new QLineEdit(this))
    , m_approverLabel(new QLabel(this))
    , m_approver(new QLineEdit(this))
    , m_approverPassphrase(new QLineEdit(this))
    , m_error(new QLabel(this))
{
    setObjectName(QStringLiteral("signInPage"));
    setTitle(tr("Sign in"));
    setCommitPage(true); // signing in starts the run: there is no way back from here
    m_intro->setWordWrap(true);
    m_operator->setObjectName(QStringLiteral("operatorName"));
    m_operator->setAccessibleName(tr("Operator name"));
    m_operatorPassphrase->setObjectName(QStringLiteral("operatorPassphrase"));
    m_operatorPassphrase->setAccessibleName(tr("Operator passphrase"));
    m_operatorPassphrase->setEchoMode(QLineEdit::Password);
    m_approver->setObjectName(QStringLiteral("approverName"));
    m_approver->setAccessibleName(tr("Approver name"));
    m_approverPassphrase->setObjectName(QStringLiteral("approverPassphrase"));
    m_approverPassphrase->setAccessibleName(tr("Approver passphrase"));
    m_approverPassphrase->setEchoMode(QLineEdit::Password);
    m_approverLabel->setWordWrap(true);
    m_error->setObjectName(QStringLiteral("signInError"));
    m_error->setWordWrap(true);
    m_error->setAccessibleName(tr("Sign-in error"));
    m_error->setStyleSheet(QStringLiteral("color: #b00020; font-weight: bold"));
    m_error->setVisible(false);

    auto *form = new QFormLayout;
    const auto row = [this, form](const QString &text, QLineEdit *edit) {
        auto *label = new QLabel(text, this);
        label->setBuddy(edit);
        form->addRow(label, edit);
    };
    row(tr("&Operator:"), m_operator);
    row(tr("&Passphrase:"), m_operatorPassphrase);
    form->addRow(m_approverLabel);
    row(tr("&Approver:"), m_approver);
    row(tr("Approver pass&phrase:"), m_approverPassphrase);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_intro);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addStretch(1);

    for (QLineEdit *e : { m_operator, m_operatorPassphrase, m_approver, m_approverPassphrase })
        connect(e, &QLineEdit::textChanged, this, &SignInPage::completeChanged);
}

bool SignInPage::approverRequired() const
{
    return m_wizard->controller()->profile().environment == Environment::Production;
}

void SignInPage::initializePage()
{
    m_error->clear();
    m_error->setVisible(false);
    if (m_wizard->isResume()) {
        m_intro->setText(m_wizard->isRollback()
                ? tr("Sign in to roll back %1. The completed reversible steps are undone, newest first.")
                      .arg(m_wizard->resumeDescription())
                : tr("Sign in to resume %1. The step that was running runs again.")
                      .arg(m_wizard->resumeDescription()));
        setButtonText(QWizard::CommitButton, m_wizard->isRollback() ? tr("&Roll back") : tr("&Resume"));
    } else {
        const FlowRequest &r = m_wizard->request();
        m_intro->setText(tr("Sign in to start the %1 from %2 to %3.")
                .arg(flowTitle(r.flow).toLower(), r.source, r.target));
        setButtonText(QWizard::CommitButton, tr("&Start"));
    }
    m_approverLabel->setText(approverRequired()
            ? tr("This is a production profile: a different person with the approver role must sign in too (two-person rule).")
            : tr("An approver is optional for this profile."));
}

bool SignInPage::isComplete() const
{
    if (m_operator->text().trimmed().isEmpty() || m_operatorPassphrase->text().isEmpty())
        return false;
    const bool approverGiven = !m_approver->text().trimmed().isEmpty();
    if (approverRequired() && !approverGiven)
        return false;
    return !approverGiven || !m_approverPassphrase->text().isEmpty();
}

QString SignInPage::errorText() const
{
    return m_error->text();
}

void SignInPage::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setAccessibleDescription(message);
    m_error->setVisible(true);
}

bool SignInPage::validatePage()
{
    FailoverController *controller = m_wizard->controller();
    // On the GUI thread, behind a busy cursor: see the header for why.
    setEnabled(false);
    QApplication::setOverrideCursor(Qt::WaitCursor);
    const auto restore = qScopeGuard([this] {
        QApplication::restoreOverrideCursor();
        setEnabled(true);
    });
    const auto who = controller->signIn(m_operator->text().trimmed(), takePassphrase(m_operatorPassphrase));
    if (!who) {
        m_approverPassphrase->clear();
        showError(tr("%1 was not signed in: %2").arg(m_operator->text().trimmed(), who.error()));
        return false;
    }
    if (auto may = authorise(*who, Permission::RunFailover); !may) {
        m_approverPassphrase->clear();
        showError(may.error());
        return false;
    }
    std::optional<SignedInOperator> approver;
    if (!m_approver->text().trimmed().isEmpty()) {
        const auto a = controller->signIn(m_approver->text().trimmed(), takePassphrase(m_approverPassphrase));
        if (!a) {
            showError(tr("%1 was not signed in: %2").arg(m_approver->text().trimmed(), a.error()));
            return false;
        }
        approver = *a;
    }
    if (auto rule = checkTwoPersonRule(controller->profile(), *who, approver); !rule) {
        showError(rule.error());
        return false;
    }
    m_wizard->operatorSignedIn = *who;
    m_wizard->approverSignedIn = approver;
    m_wizard->request().operatorSignedIn = *who;
    m_wizard->request().approver = approver;
    // Started here, not on the next page: a refusal (the role, the lock, a gate) is shown
    // where the operator can still act on it.
    if (auto started = m_wizard->startRun(); !started) {
        showError(started.error());
        return false;
    }
    m_error->setVisible(false);
    return true;
}

} // namespace dr::ui
