#pragma once

// An operator signs in with Microsoft Entra ID by the device code flow (core/azure/entra.h):
// the dialog asks for a code as soon as it is shown, then shows the code (large, selectable,
// Copy code / Ctrl+C), the verification URL as a link, the service's own sentence and a
// countdown to the code's expiry, and waits (busy bar) while core polls. It ends on a token
// (accepted: token() holds it) or shows why not: declined, expired, or an error of the
// service or the network, each with Retry (a new code). Cancel or Esc stops the polling
// before the dialog closes; no request leaves after that.
//
// The dialog only hands back the token: FailoverController::signInWithEntra() decides who
// signed in and with which role.

#include "azure/entra.h"

#include <QDialog>

#include <optional>

class QLabel;
class QNetworkAccessManager;
class QProgressBar;
class QPushButton;
class QTimer;

namespace dr::ui {

class DeviceCodeDialog : public QDialog
{
    Q_OBJECT

public:
    // `who` names the slot being signed in, e.g. "the operator", for the title.
    DeviceCodeDialog(const EntraSettings &settings, const QString &scope, const QString &who,
                     QWidget *parent = nullptr);
    ~DeviceCodeDialog() override;

    // Asks for a new code (also on Retry); called when first shown.
    void start();

    const std::optional<AccessToken> &token() const { return m_token; }
    QString userCode() const { return m_prompt ? m_prompt->userCode : QString(); }
    QUrl verificationUri() const { return m_prompt ? m_prompt->verificationUri : QUrl(); }
    bool isWaiting() const { return m_client != nullptr; }
    QString stateText() const;    // the state line: waiting, declined, expired, an error
    QString countdownText() const;

    QPushButton *copyButton() const { return m_copy; }
    QPushButton *retryButton() const { return m_retry; }
    QPushButton *cancelButton() const { return m_cancel; }
    QLabel *codeLabel() const { return m_code; }
    QLabel *linkLabel() const { return m_link; }

public Q_SLOTS:
    void reject() override;
    void copyCode();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void showPrompt(const DeviceCodePrompt &prompt);
    void finish(const Result<AccessToken> &result);
    void stopClient();
    void updateCountdown();

    EntraSettings m_settings;
    QString m_scope;
    QNetworkAccessManager *m_network;
    EntraTokenClient *m_client = nullptr;
    int m_attempt = 0; // answers of an earlier attempt are ignored
    bool m_started = false;
    std::optional<DeviceCodePrompt> m_prompt;
    std::optional<AccessToken> m_token;

    QLabel *m_message;
    QLabel *m_code;
    QLabel *m_link;
    QLabel *m_countdown;
    QLabel *m_state;
    QProgressBar *m_busy;
    QPushButton *m_copy;
    QPushButton *m_retry;
    QPushButton *m_cancel;
    QTimer *m_tick;
};

} // namespace dr::ui
