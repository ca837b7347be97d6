#include "signinpage.h"

#include "../devicecodedialog.h"
#include "../failoverwizard.h"
#include "auth/entrasignin.h"
#include "failover/failovercontroller.h"

#include <QApplication>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
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
    // Beside the passphrase of a slot, when the profile lets operators use Entra ID.
    const bool entra = m_wizard->controller()->profile().azure && m_wizard->controller()->profile().azure->signIn.enabled;
    const auto entraRow = [this, form](const QString &name, QPushButton **button, QLabel **label, bool approver) {
        *button = new QPushButton(tr("Sign in with &Entra ID…"), this);
        (*button)->setObjectName(name + QStringLiteral("Entra"));
        (*button)->setAccessibleName(approver ? tr("Approver: sign in with Entra ID") : tr("Operator: sign in with Entra ID"));
        (*button)->setAutoDefault(false);
        *label = new QLabel(this);
        (*label)->setObjectName(name + QStringLiteral("EntraState"));
        (*label)->setWordWrap(true);
        auto *box = new QHBoxLayout;
        box->addWidget(*button);
        box->addWidget(*label, 1);
        form->addRow(tr("or"), box);
        connect(*button, &QPushButton::clicked, this, [this, approver] { signInWithEntra(approver); });
    };
    row(tr("&Operator:"), m_operator);
    row(tr("&Passphrase:"), m_operatorPassphrase);
    if (entra)
        entraRow(QStringLiteral("operator"), &m_operatorEntra, &m_operatorEntraLabel, false);
    form->addRow(m_approverLabel);
    row(tr("&Approver:"), m_approver);
    row(tr("Approver pass&phrase:"), m_approverPassphrase);
    if (entra) {
        // Two "&E" mnemonics would only alternate: the approver's button takes another.
        entraRow(QStringLiteral("approver"), &m_approverEntra, &m_approverEntraLabel, true);
        m_approverEntra->setText(tr("Sign in with Entra &ID…"));
    }
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
    if (!m_entraOperator && (m_operator->text().trimmed().isEmpty() || m_operatorPassphrase->text().isEmpty()))
        return false;
    if (m_entraApprover)
        return true;
    const bool approverGiven = !m_approver->text().trimmed().isEmpty();
    if (approverRequired() && !approverGiven)
        return false;
    return !approverGiven || !m_approverPassphrase->text().isEmpty();
}

QString SignInPage::operatorEntraText() const
{
    return m_operatorEntraLabel ? m_operatorEntraLabel->text() : QString();
}

QString SignInPage::approverEntraText() const
{
    return m_approverEntraLabel ? m_approverEntraLabel->text() : QString();
}

void SignInPage::signInWithEntra(bool approver)
{
    FailoverController *controller = m_wizard->controller();
    const Profile &profile = controller->profile();
    if (const auto allowed = entraSignInAllowed(profile); !allowed) {
        showError(allowed.error());
        return;
    }
    setEntraSignedIn(approver, std::nullopt);
    auto *dialog = new DeviceCodeDialog(entraSignInSettings(profile), entraSignInScope(profile),
                                        approver ? tr("the approver") : tr("the operator"), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog, approver] {
        if (!dialog->token())
            return;
        const auto who = m_wizard->controller()->signInWithEntra(*dialog->token());
        if (!who) {
            showError(tr("Not signed in with Entra ID: %1").arg(who.error()));
            return;
        }
        m_error->setVisible(false);
        setEntraSignedIn(approver, *who);
    });
    dialog->open();
}

void SignInPage::setEntraSignedIn(bool approver, const std::optional<SignedInOperator> &who)
{
    QLineEdit *name = approver ? m_approver : m_operator;
    QLineEdit *passphrase = approver ? m_approverPassphrase : m_operatorPassphrase;
    QLabel *label = approver ? m_approverEntraLabel : m_operatorEntraLabel;
    const bool wasEntra = name->isReadOnly();
    (approver ? m_entraApprover : m_entraOperator) = who;
    passphrase->clear();
    passphrase->setEnabled(!who);
    name->setReadOnly(bool(who));
    if (who) {
        name->setText(who->name);
        label->setText(tr("Signed in with Entra ID as %1 (%2)").arg(who->name, roleName(who->role)));
    } else {
        if (wasEntra)
            name->clear();
        if (label)
            label->clear();
    }
    Q_EMIT completeChanged();
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
    const auto who = m_entraOperator ? Result<SignedInOperator>(*m_entraOperator)
                                     : controller->signIn(m_operator->text().trimmed(), takePassphrase(m_operatorPassphrase));
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
    std::optional<SignedInOperator> approver = m_entraApprover;
    if (!approver && !m_approver->text().trimmed().isEmpty()) {
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
