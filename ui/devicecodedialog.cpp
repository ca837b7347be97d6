#include "devicecodedialog.h"

#include <QClipboard>
#include <QDateTime>
#include <QDesktopServices>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QNetworkAccessManager>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QShortcut>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace dr::ui {

DeviceCodeDialog::DeviceCodeDialog(const EntraSettings &settings, const QString &scope, const QString &who,
                                   QWidget *parent)
    : QDialog(parent)
    , m_settings(settings)
    , m_scope(scope)
    , m_network(new QNetworkAccessManager(this))
    , m_message(new QLabel(this))
    , m_code(new QLabel(this))
    , m_link(new QLabel(this))
    , m_countdown(new QLabel(this))
    , m_state(new QLabel(this))
    , m_busy(new QProgressBar(this))
    , m_copy(new QPushButton(tr("&Copy code"), this))
    , m_retry(new QPushButton(tr("&Retry"), this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_tick(new QTimer(this))
{
    setObjectName(QStringLiteral("deviceCodeDialog"));
    setWindowTitle(tr("Sign in %1 with Entra ID").arg(who));
    setModal(true);

    auto *intro = new QLabel(tr("Open the page below in a browser on any device, enter the code, and sign in "
                                "with your work account. This window waits for you."),
                             this);
    intro->setWordWrap(true);
    m_message->setObjectName(QStringLiteral("serviceMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_code->setObjectName(QStringLiteral("userCode"));
    m_code->setAccessibleName(tr("Sign-in code"));
    // Selectable by mouse only: with keyboard selection the label would take Ctrl+C for its
    // (often empty) selection instead of the dialog's Copy code shortcut.
    m_code->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_code->setAlignment(Qt::AlignCenter);
    QFont codeFont = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    codeFont.setPointSizeF(std::max(codeFont.pointSizeF(), font().pointSizeF()) * 2.2);
    codeFont.setBold(true);
    m_code->setFont(codeFont);

    m_link->setObjectName(QStringLiteral("verificationLink"));
    m_link->setAccessibleName(tr("Sign-in page"));
    m_link->setAlignment(Qt::AlignCenter);
    m_link->setTextFormat(Qt::RichText);
    m_link->setTextInteractionFlags(Qt::LinksAccessibleByMouse | Qt::LinksAccessibleByKeyboard);
    m_link->setOpenExternalLinks(false);
    connect(m_link, &QLabel::linkActivated, this, [](const QString &link) { QDesktopServices::openUrl(QUrl(link)); });

    m_countdown->setObjectName(QStringLiteral("countdown"));
    m_countdown->setAlignment(Qt::AlignCenter);
    m_busy->setObjectName(QStringLiteral("busy"));
    m_busy->setRange(0, 0);
    m_busy->setTextVisible(false);
    m_busy->setMaximumHeight(8);
    m_state->setObjectName(QStringLiteral("signInState"));
    m_state->setWordWrap(true);
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_copy->setObjectName(QStringLiteral("copyCode"));
    m_copy->setEnabled(false);
    m_copy->setAutoDefault(false);
    m_retry->setObjectName(QStringLiteral("retry"));
    m_retry->setVisible(false);
    m_retry->setAutoDefault(false);
    m_cancel->setObjectName(QStringLiteral("cancel"));
    m_cancel->setAutoDefault(false);

    auto *codeRow = new QHBoxLayout;
    codeRow->addStretch(1);
    codeRow->addWidget(m_code);
    codeRow->addWidget(m_copy);
    codeRow->addStretch(1);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_retry);
    buttons->addWidget(m_cancel);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_link);
    layout->addLayout(codeRow);
    layout->addWidget(m_message);
    layout->addWidget(m_countdown);
    layout->addWidget(m_busy);
    layout->addWidget(m_state);
    layout->addStretch(1);
    layout->addLayout(buttons);

    connect(m_copy, &QPushButton::clicked, this, &DeviceCodeDialog::copyCode);
    connect(m_retry, &QPushButton::clicked, this, &DeviceCodeDialog::start);
    connect(m_cancel, &QPushButton::clicked, this, &DeviceCodeDialog::reject);
    auto *copyShortcut = new QShortcut(QKeySequence::Copy, this);
    connect(copyShortcut, &QShortcut::activated, this, &DeviceCodeDialog::copyCode);
    m_tick->setInterval(1000);
    connect(m_tick, &QTimer::timeout, this, &DeviceCodeDialog::updateCountdown);
    resize(520, sizeHint().height());
}

DeviceCodeDialog::~DeviceCodeDialog()
{
    ++m_attempt; // whatever the client still answers is for nobody
    stopClient();
}

QString DeviceCodeDialog::stateText() const
{
    return m_state->text();
}

QString DeviceCodeDialog::countdownText() const
{
    return m_countdown->text();
}

void DeviceCodeDialog::showEvent(QShowEvent *event)
{
    QDialog::showEvent(event);
    if (!m_started)
        start();
}

void DeviceCodeDialog::start()
{
    m_started = true;
    stopClient();
    const int attempt = ++m_attempt;
    m_prompt.reset();
    m_token.reset();
    m_code->setText(QStringLiteral("…"));
    m_code->setEnabled(true);
    m_link->clear();
    m_message->clear();
    m_countdown->clear();
    m_copy->setEnabled(false);
    m_retry->setVisible(false);
    m_cancel->setText(tr("Cancel"));
    m_busy->setVisible(true);
    m_state->setStyleSheet(QString());
    m_state->setText(tr("Asking Entra ID for a sign-in code…"));

    m_client = new EntraTokenClient(m_network, m_settings, this);
    const QPointer<DeviceCodeDialog> self(this);
    m_client->deviceCode(
        m_scope,
        [self, attempt](const DeviceCodePrompt &prompt) {
            if (self && attempt == self->m_attempt)
                self->showPrompt(prompt);
        },
        [self, attempt](Result<AccessToken> result) {
            if (self && attempt == self->m_attempt)
                self->finish(result);
        });
}

void DeviceCodeDialog::showPrompt(const DeviceCodePrompt &prompt)
{
    m_prompt = prompt;
    m_code->setText(prompt.userCode);
    const QString url = prompt.verificationUri.toString();
    m_link->setText(QStringLiteral("<a href=\"%1\">%2</a>").arg(url.toHtmlEscaped(), url.toHtmlEscaped()));
    m_message->setText(prompt.message);
    m_copy->setEnabled(!prompt.userCode.isEmpty());
    m_state->setText(tr("Waiting for you to sign in…"));
    updateCountdown();
    m_tick->start();
}

void DeviceCodeDialog::updateCountdown()
{
    if (!m_prompt || !m_prompt->expiresAt.isValid()) {
        m_countdown->clear();
        return;
    }
    const qint64 left = std::max<qint64>(0, QDateTime::currentDateTimeUtc().secsTo(m_prompt->expiresAt));
    m_countdown->setText(tr("The code expires in %1:%2")
                             .arg(left / 60)
                             .arg(left % 60, 2, 10, QLatin1Char('0')));
}

void DeviceCodeDialog::stopClient()
{
    m_tick->stop();
    if (!m_client)
        return;
    EntraTokenClient *client = m_client;
    m_client = nullptr;
    client->cancelDeviceCode();
    // Possibly inside the client's own callback: let it return first.
    client->deleteLater();
}

void DeviceCodeDialog::finish(const Result<AccessToken> &result)
{
    ++m_attempt;
    stopClient();
    m_busy->setVisible(false);
    if (result) {
        m_token = *result;
        m_state->setText(tr("Signed in."));
        accept();
        return;
    }
    // The code is of no use any more; the reason and Retry (a new code) are what is left.
    m_code->setEnabled(false);
    m_copy->setEnabled(false);
    m_countdown->clear();
    const QString error = result.error();
    QString heading = tr("Sign-in failed");
    if (error.contains(u"declined", Qt::CaseInsensitive))
        heading = tr("Sign-in declined");
    else if (error.contains(u"expired", Qt::CaseInsensitive))
        heading = tr("The code expired");
    m_state->setStyleSheet(QStringLiteral("color: #b00020; font-weight: bold"));
    m_state->setText(tr("%1: %2").arg(heading, error));
    m_retry->setVisible(true);
    m_cancel->setText(tr("Close"));
}

void DeviceCodeDialog::copyCode()
{
    if (m_prompt && !m_prompt->userCode.isEmpty() && m_copy->isEnabled())
        QGuiApplication::clipboard()->setText(m_prompt->userCode);
}

void DeviceCodeDialog::reject()
{
    ++m_attempt;
    stopClient();
    QDialog::reject();
}

} // namespace dr::ui
