#pragma once

// A loopback Microsoft Entra ID for the operator sign-in tests: the v2.0 devicecode and token
// endpoints of one tenant on a real HTTP server (tests/support/replayserver.h), answering the
// documented shapes (device authorization response; authorization_pending, then a token whose
// id_token is a JWT minted here, or the error the test asks for), and a profile whose
// azure.signIn points at it.

#include "profile/profile.h"
#include "replayserver.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

namespace dr::test {

// header.payload.signature, base64url without padding; the signature is junk on purpose:
// DR Console does not check it (OIDC Core 3.1.3.7, see core/auth/entrasignin.h).
inline QByteArray mintJwt(const QJsonObject &payload)
{
    const auto part = [](const QByteArray &bytes) {
        return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    };
    const QJsonObject header{{QStringLiteral("typ"), QStringLiteral("JWT")}, {QStringLiteral("alg"), QStringLiteral("RS256")},
                             {QStringLiteral("kid"), QStringLiteral("test-key")}};
    return part(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.'
        + part(QJsonDocument(payload).toJson(QJsonDocument::Compact)) + '.' + part(QByteArrayLiteral("not-a-signature"));
}

class EntraEndpoint
{
public:
    static inline const QString kTenant = QStringLiteral("72f988bf-86f1-41af-91ab-2d7cd011db47");
    static inline const QString kClient = QStringLiteral("04b07795-8ddb-461a-bbee-02f9e1bf7b46");
    static inline const QString kUserCode = QStringLiteral("FGH7QK2PL");
    static inline const QByteArray kDeviceCode = QByteArrayLiteral("GMMhmHCXhWEzkobqIHGG_EnNYYsAkukHspeYUk9E8");

    // What the token endpoint does after `pendingPolls` authorization_pending answers:
    // "token", or an error code ("authorization_declined", "expired_token", ...), or
    // "pending" to keep answering authorization_pending.
    QString outcome = QStringLiteral("token");
    int pendingPolls = 1;
    int interval = 1;
    int expiresIn = 900;
    QJsonObject idClaims; // the id token's payload (defaults: see defaultClaims())

    int deviceCodeRequests = 0;
    int tokenRequests = 0;
    QUrlQuery lastDeviceCodeForm;
    QUrlQuery lastTokenForm;

    static QJsonObject defaultClaims(const QString &user, const QStringList &roles)
    {
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        return {{QStringLiteral("aud"), kClient},
                {QStringLiteral("iss"), QStringLiteral("https://login.microsoftonline.com/%1/v2.0").arg(kTenant)},
                {QStringLiteral("iat"), now},
                {QStringLiteral("nbf"), now},
                {QStringLiteral("exp"), now + 3600},
                {QStringLiteral("name"), QStringLiteral("Test User")},
                {QStringLiteral("oid"), QStringLiteral("00000000-0000-0000-66f3-3332eca7ea81")},
                {QStringLiteral("preferred_username"), user},
                {QStringLiteral("roles"), QJsonArray::fromStringList(roles)},
                {QStringLiteral("tid"), kTenant},
                {QStringLiteral("ver"), QStringLiteral("2.0")}};
    }

    EntraEndpoint()
    {
        idClaims = defaultClaims(QStringLiteral("alice@contoso.com"), {QStringLiteral("DR.Operator")});
        server.setHandler([this](const RecordedRequest &r) { return answer(r); });
    }

    bool listen() { return server.listen(); }
    QUrl authority() const { return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(server.port())); }
    QUrl verificationUri() const { return QUrl(QStringLiteral("https://microsoft.com/devicelogin")); }

    // Azure settings of a profile whose operators sign in here, mapping the app roles
    // DR.Operator, DR.Approver and DR.Admin.
    AzureSettings azure() const
    {
        AzureSettings a;
        a.authority = authority();
        a.tenantId = kTenant;
        a.clientId = kClient;
        a.signIn.enabled = true;
        a.signIn.claim = QStringLiteral("roles");
        a.signIn.roles = {{QStringLiteral("DR.Operator"), QStringLiteral("operator")},
                          {QStringLiteral("DR.Approver"), QStringLiteral("approver")},
                          {QStringLiteral("DR.Admin"), QStringLiteral("admin")}};
        return a;
    }

    ReplayServer server;

private:
    static ScriptedResponse json(int status, const QJsonObject &body)
    {
        ScriptedResponse r;
        r.status = status;
        r.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json; charset=utf-8")},
                     {QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store, no-cache")}};
        r.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
        return r;
    }

    static ScriptedResponse oauthError(const QString &code, const QString &description)
    {
        return json(400, {{QStringLiteral("error"), code},
                          {QStringLiteral("error_description"), QString(description + QStringLiteral("\r\nTrace ID: 0000\r\nCorrelation ID: 0000\r\nTimestamp: 2024-01-01 00:00:00Z"))},
                          {QStringLiteral("error_codes"), QJsonArray{70016}},
                          {QStringLiteral("error_uri"), QStringLiteral("https://login.microsoftonline.com/error?code=70016")}});
    }

    std::optional<ScriptedResponse> answer(const RecordedRequest &r)
    {
        const QString base = QStringLiteral("/%1/oauth2/v2.0/").arg(kTenant);
        if (r.method != "POST")
            return json(405, {{QStringLiteral("error"), QStringLiteral("invalid_request")}});
        if (r.path == base + QStringLiteral("devicecode")) {
            ++deviceCodeRequests;
            lastDeviceCodeForm = QUrlQuery(QString::fromUtf8(r.body));
            return json(200, {{QStringLiteral("device_code"), QString::fromLatin1(kDeviceCode)},
                              {QStringLiteral("user_code"), kUserCode},
                              {QStringLiteral("verification_uri"), verificationUri().toString()},
                              {QStringLiteral("expires_in"), expiresIn},
                              {QStringLiteral("interval"), interval},
                              {QStringLiteral("message"), QStringLiteral("To sign in, use a web browser to open the page %1 and enter the code %2 to authenticate.")
                                                              .arg(verificationUri().toString(), kUserCode)}});
        }
        if (r.path == base + QStringLiteral("token")) {
            ++tokenRequests;
            lastTokenForm = QUrlQuery(QString::fromUtf8(r.body));
            if (tokenRequests <= pendingPolls || outcome == u"pending")
                return oauthError(QStringLiteral("authorization_pending"), QStringLiteral("AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling."));
            if (outcome == u"token") {
                return json(200, {{QStringLiteral("token_type"), QStringLiteral("Bearer")},
                                  {QStringLiteral("scope"), QStringLiteral("https://management.azure.com/user_impersonation")},
                                  {QStringLiteral("expires_in"), 3599},
                                  {QStringLiteral("ext_expires_in"), 3599},
                                  {QStringLiteral("access_token"), QString::fromLatin1(mintJwt({{QStringLiteral("aud"), QStringLiteral("https://management.azure.com")},
                                                                                                {QStringLiteral("tid"), kTenant}}))},
                                  {QStringLiteral("refresh_token"), QStringLiteral("0.ARwAv4j5cvGGr0GRqy180BHbR-refresh")},
                                  {QStringLiteral("id_token"), QString::fromLatin1(mintJwt(idClaims))}});
            }
            if (outcome == u"authorization_declined")
                return oauthError(outcome, QStringLiteral("AADSTS70000: The user denied the authorization request."));
            return oauthError(outcome, QStringLiteral("AADSTS70019: Verification code expired."));
        }
        return json(404, {{QStringLiteral("error"), QStringLiteral("invalid_request")}});
    }
};

} // namespace dr::test
