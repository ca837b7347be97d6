#pragma once

// Microsoft Entra ID (OAuth 2.0 v2.0 endpoints) for DR Console: app tokens by client
// credentials (the secret comes from the keychain), operator tokens by the device code flow
// (the console shows the code and the URL; polling honours `interval` and the documented
// errors), and a token source that caches tokens per scope in memory and in the keychain with
// their expiry. The authority and the scopes are settings, so sovereign clouds work the same.
//
// Tokens are secrets: never logged, never written anywhere but the keychain.

#include "common/clock.h"
#include "common/result.h"
#include "profile/profile.h"

#include <QByteArray>
#include <QByteArrayList>
#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslCertificate>
#include <QString>
#include <QUrl>

#include <functional>
#include <optional>

class QNetworkAccessManager;

namespace dr {

class SecretStore;

// Where and as whom to ask for tokens.
struct EntraSettings
{
    // https://login.microsoftonline.com (public cloud); login.microsoftonline.us,
    // login.chinacloudapi.cn... for sovereign clouds; a loopback URL in tests and the lab.
    QUrl authority = QUrl(QStringLiteral("https://login.microsoftonline.com"));
    QString tenantId;   // a GUID, or "organizations" for operator sign-in
    QString clientId;   // the application (client) id
    std::optional<SecretRef> clientSecret; // app credential; absent: device code only
    QList<QSslCertificate> caCertificates; // trusted besides the system store
    int timeoutMs = 15000;

    QUrl tokenUrl() const;      // AUTHORITY/TENANT/oauth2/v2.0/token
    QUrl deviceCodeUrl() const; // AUTHORITY/TENANT/oauth2/v2.0/devicecode
};

struct AccessToken
{
    QByteArray token;      // the bearer token (secret)
    QDateTime expiresOn;   // from expires_in, against the clock at the answer
    QString scope;         // as asked
    QByteArray refreshToken; // device code flow only (offline_access); secret
    QByteArray idToken;      // when "openid" was asked; secret
    // The decoded payload of the id token when there is one, else of the access token. Not
    // verified: DR Console receives tokens straight from the token endpoint over verified TLS,
    // which OpenID Connect Core 3.1.3.7 allows in place of checking the signature.
    QJsonObject claims;

    // Valid for at least `marginSeconds` more at `now`.
    bool validAt(const QDateTime &now, int marginSeconds = 120) const;
};

// What the operator must do to finish a device code sign-in (shown as is by the console).
struct DeviceCodePrompt
{
    QString userCode;
    QUrl verificationUri;
    QString message;       // the service's own sentence, localised by it
    int intervalSeconds = 5;
    QDateTime expiresAt;
};

// The app's settings from a profile's "azure" section (with the profile's extra CAs).
EntraSettings entraSettings(const AzureSettings &azure, const QList<QSslCertificate> &caCertificates);

// The payload of a JWT (base64url, no verification); an error for anything else.
Result<QJsonObject> decodeJwtPayload(const QByteArray &jwt);

// One conversation with the token endpoint. Errors read like
// "Entra ID token request for CLIENT at URL: invalid_client: AADSTS7000215: Invalid client
// secret provided..." (the service's error and the first line of error_description).
class EntraTokenClient : public QObject
{
    Q_OBJECT

public:
    EntraTokenClient(QNetworkAccessManager *network, const EntraSettings &settings,
        QObject *parent = nullptr);

    void setClock(const Clock *clock) { m_clock = clock; }

    using TokenCallback = std::function<void(Result<AccessToken>)>;
    using PromptCallback = std::function<void(const DeviceCodePrompt &)>;

    // grant_type=client_credentials with client_secret; scope like
    // "https://management.azure.com/.default".
    void clientCredentials(const QByteArray &clientSecret, const QString &scope, TokenCallback done);

    // Device code flow: POST devicecode (client_id, scope + " openid profile offline_access"),
    // prompt(), then poll the token endpoint every `interval` s (plus 5 s after slow_down)
    // while authorization_pending, until a token, authorization_declined ("the sign-in was
    // declined"), expired_token / expires_in passed ("the code expired before sign-in
    // finished"), bad_verification_code, or cancelDeviceCode() ("cancelled"). Answers once.
    void deviceCode(const QString &scope, PromptCallback prompt, TokenCallback done);
    void cancelDeviceCode();

    // grant_type=refresh_token (public client: no secret).
    void refresh(const QByteArray &refreshToken, const QString &scope, TokenCallback done);

    const EntraSettings &settings() const { return m_settings; }

private:
    // (implementation)
    const Clock *clock() const;
    QString prefix(const QString &what, const QUrl &url) const;
    // POSTs the form to `url` and answers with the token, or the service's error code (empty
    // for anything that is not an OAuth error) and the operator's message.
    struct Outcome
    {
        std::optional<AccessToken> token;
        QString errorCode;
        QString message;
    };
    using OutcomeCallback = std::function<void(const Outcome &)>;
    void requestToken(const QList<std::pair<QString, QByteArray>> &form, const QString &scope,
        const QByteArrayList &secrets, OutcomeCallback done);

    QNetworkAccessManager *m_network;
    EntraSettings m_settings;
    const Clock *m_clock = nullptr;
    struct DevicePoll;
    QPointer<QObject> m_poll;
};

// Anything that hands out bearer tokens for a scope: what the ARM client and the data-plane
// clients ask. Answers exactly once, possibly from a cache.
class TokenSource : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    using Callback = std::function<void(Result<QByteArray>)>;
    virtual void token(const QString &scope, Callback done) = 0;
};

// The app's tokens by client credentials, cached per scope: in memory, and in the keychain
// (entry "entra-token/TENANT/CLIENT/SCOPE", JSON {token, expiresOn}) so that drctl
// invocations do not each ask Entra ID. A cached token is used until 5 minutes before it
// expires. Concurrent requests for one scope share one token request. Without a keychain
// the cache is in memory only (never a file).
class EntraTokenSource : public TokenSource
{
    Q_OBJECT

public:
    EntraTokenSource(QNetworkAccessManager *network, SecretStore *secrets,
        const EntraSettings &settings, QObject *parent = nullptr);

    void setClock(const Clock *clock);
    // Off in tests that count token requests; on by default.
    void setKeychainCache(bool on) { m_keychainCache = on; }

    void token(const QString &scope, Callback done) override;

    // Drops cached tokens (memory and keychain), e.g. after a 401.
    void invalidate(const QString &scope);

    // The keychain entry a scope's token is cached under.
    QString keychainEntry(const QString &scope) const;

private:
    // (implementation)
    void fetch(const QString &scope);
    void askEntra(const QString &scope);
    void finish(const QString &scope, const Result<AccessToken> &token);

    QNetworkAccessManager *m_network;
    SecretStore *m_secrets;
    EntraTokenClient *m_client = nullptr;
    std::optional<QByteArray> m_clientSecret; // resolved once
    EntraSettings m_settings;
    const Clock *m_clock = nullptr;
    bool m_keychainCache = true;
    QHash<QString, AccessToken> m_cache;
    QHash<QString, QList<Callback>> m_waiting;
};

} // namespace dr
