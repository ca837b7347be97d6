#include "entra.h"

#include "logging/logging.h"
#include "net/httpexchange.h"
#include "secrets/secretstore.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QTimer>

namespace dr {

namespace {

constexpr int kSourceMarginSeconds = 5 * 60;
const QString kDeviceCodeGrant = QStringLiteral("urn:ietf:params:oauth:grant-type:device_code");

QUrl endpointUrl(const QUrl &authority, const QString &tenant, const QString &leaf)
{
    QUrl u = authority;
    QString base = u.path();
    while (base.endsWith(u'/'))
        base.chop(1);
    u.setPath(base + u'/' + tenant + QStringLiteral("/oauth2/v2.0/") + leaf);
    u.setQuery(QString());
    u.setFragment(QString());
    return u;
}

QByteArray formBody(const QList<std::pair<QString, QByteArray>> &form)
{
    QByteArray body;
    for (const auto &[key, value] : form) {
        if (!body.isEmpty())
            body += '&';
        body += QUrl::toPercentEncoding(key) + '='
            + QUrl::toPercentEncoding(QString::fromUtf8(value));
    }
    return body;
}

// A hostile or broken endpoint could echo the request; nothing we send may reach an error text.
QString scrubbed(QString text, const QByteArrayList &secrets)
{
    for (const QByteArray &s : secrets) {
        if (s.size() >= 4) {
            text.replace(QString::fromUtf8(s), QStringLiteral("***"));
            text.replace(QString::fromUtf8(QUrl::toPercentEncoding(QString::fromUtf8(s))),
                QStringLiteral("***"));
        }
    }
    return text;
}

QString firstLine(const QString &text)
{
    const qsizetype end = text.indexOf(QRegularExpression(QStringLiteral("[\\r\\n]")));
    return (end < 0 ? text : text.left(end)).trimmed();
}

QString bodyStart(const QByteArray &body)
{
    QString text = QString::fromUtf8(body.left(400)).simplified();
    if (text.size() > 120)
        text = text.left(120) + QStringLiteral("...");
    return text;
}

// expires_in is a number in the v2.0 endpoint and a string in some older answers.
std::optional<qint64> seconds(const QJsonValue &v)
{
    if (v.isDouble())
        return qint64(v.toDouble());
    if (v.isString()) {
        bool ok = false;
        const qint64 n = v.toString().trimmed().toLongLong(&ok);
        if (ok)
            return n;
    }
    return std::nullopt;
}

Result<QByteArray> base64Url(const QByteArray &part)
{
    const auto decoded = QByteArray::fromBase64Encoding(part,
        QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals
            | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return fail(QStringLiteral("not base64url"));
    return decoded.decoded;
}

} // namespace

QUrl EntraSettings::tokenUrl() const
{
    return endpointUrl(authority, tenantId, QStringLiteral("token"));
}

QUrl EntraSettings::deviceCodeUrl() const
{
    return endpointUrl(authority, tenantId, QStringLiteral("devicecode"));
}

bool AccessToken::validAt(const QDateTime &now, int marginSeconds) const
{
    return !token.isEmpty() && expiresOn.isValid() && now.addSecs(marginSeconds) < expiresOn;
}

EntraSettings entraSettings(
    const AzureSettings &azure, const QList<QSslCertificate> &caCertificates)
{
    EntraSettings s;
    s.authority = azure.authority;
    s.tenantId = azure.tenantId;
    s.clientId = azure.clientId;
    s.clientSecret = azure.clientSecret;
    s.caCertificates = caCertificates;
    return s;
}

Result<QJsonObject> decodeJwtPayload(const QByteArray &jwt)
{
    const QList<QByteArray> parts = jwt.split('.');
    if (parts.size() != 3 || parts.at(1).isEmpty())
        return fail(QStringLiteral("not a JWT (expected three dot-separated parts)"));
    const auto payload = base64Url(parts.at(1));
    if (!payload)
        return fail(QStringLiteral("not a JWT (the payload is not base64url)"));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(*payload, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return fail(QStringLiteral("not a JWT (the payload is not a JSON object)"));
    return doc.object();
}

// ---------------------------------------------------------------------------------------------
// EntraTokenClient

struct EntraTokenClient::DevicePoll : public QObject
{
    using QObject::QObject;
    QString scope;
    QByteArray deviceCode;
    int intervalSeconds = 5;
    qint64 expiresAtMs = 0; // on the client's monotonic clock
    TokenCallback done;
    QTimer timer;
    bool answered = false;

    void answer(Result<AccessToken> result)
    {
        if (answered)
            return;
        answered = true;
        timer.stop();
        deleteLater();
        done(std::move(result));
    }
};

EntraTokenClient::EntraTokenClient(
    QNetworkAccessManager *network, const EntraSettings &settings, QObject *parent)
    : QObject(parent)
    , m_network(network)
    , m_settings(settings)
{ }

const Clock *EntraTokenClient::clock() const
{
    return m_clock ? m_clock : Clock::system();
}

QString EntraTokenClient::prefix(const QString &what, const QUrl &url) const
{
    return QStringLiteral("Entra ID %1 for %2 at %3")
        .arg(what, m_settings.clientId, log::redactedUrl(url));
}

void EntraTokenClient::requestToken(const QList<std::pair<QString, QByteArray>> &form,
    const QString &scope, const QByteArrayList &secrets, OutcomeCallback done)
{
    const QUrl url = m_settings.tokenUrl();
    HttpRequestSpec spec;
    spec.method = QByteArrayLiteral("POST");
    spec.url = url;
    spec.headers = { { QByteArrayLiteral("Content-Type"),
                         QByteArrayLiteral("application/x-www-form-urlencoded") },
        { QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json") } };
    spec.body = formBody(form);
    spec.timeoutMs = m_settings.timeoutMs;
    spec.maxReplyBytes = 1024 * 1024;
    spec.caCertificates = m_settings.caCertificates;
    const QString what = prefix(QStringLiteral("token request"), url);
    HttpExchange::run(
        m_network, spec, this, [this, done, what, scope, secrets](Result<HttpReply> reply) {
            Outcome out;
            if (!reply) {
                out.message = what + QStringLiteral(": ") + scrubbed(reply.error(), secrets);
                done(out);
                return;
            }
            QJsonParseError parseError;
            const QJsonDocument doc = QJsonDocument::fromJson(reply->body, &parseError);
            const QJsonObject json = doc.object();
            if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
                out.message
                    = QStringLiteral("%1: HTTP %2, not an OAuth answer: %3")
                          .arg(what)
                          .arg(reply->status)
                          .arg(reply->body.isEmpty() ? QStringLiteral("(empty body)")
                                                     : scrubbed(bodyStart(reply->body), secrets));
                done(out);
                return;
            }
            if (json.contains(QStringLiteral("error"))) {
                out.errorCode = json.value(QStringLiteral("error")).toString();
                const QString description
                    = firstLine(json.value(QStringLiteral("error_description")).toString());
                out.message = scrubbed(what + QStringLiteral(": ") + out.errorCode
                        + (description.isEmpty() ? QString() : QStringLiteral(": ") + description),
                    secrets);
                done(out);
                return;
            }
            if (reply->status < 200 || reply->status > 299) {
                out.message = QStringLiteral("%1: HTTP %2 without an OAuth error")
                                  .arg(what)
                                  .arg(reply->status);
                done(out);
                return;
            }
            AccessToken token;
            token.token = json.value(QStringLiteral("access_token")).toString().toUtf8();
            const std::optional<qint64> expiresIn
                = seconds(json.value(QStringLiteral("expires_in")));
            if (token.token.isEmpty() || !expiresIn || *expiresIn <= 0) {
                out.message = what
                    + QStringLiteral(
                        ": the answer holds no access_token with a positive expires_in");
                done(out);
                return;
            }
            token.expiresOn = clock()->nowUtc().addSecs(*expiresIn);
            token.scope = scope;
            token.refreshToken = json.value(QStringLiteral("refresh_token")).toString().toUtf8();
            token.idToken = json.value(QStringLiteral("id_token")).toString().toUtf8();
            // An opaque (non-JWT) access token is legitimate: its claims are simply unknown.
            if (const auto claims
                = decodeJwtPayload(token.idToken.isEmpty() ? token.token : token.idToken))
                token.claims = *claims;
            out.token = std::move(token);
            done(out);
        });
}

void EntraTokenClient::clientCredentials(
    const QByteArray &clientSecret, const QString &scope, TokenCallback done)
{
    requestToken({ { QStringLiteral("client_id"), m_settings.clientId.toUtf8() },
                     { QStringLiteral("client_secret"), clientSecret },
                     { QStringLiteral("scope"), scope.toUtf8() },
                     { QStringLiteral("grant_type"), QByteArrayLiteral("client_credentials") } },
        scope, { clientSecret }, [done](const Outcome &out) {
            if (out.token)
                done(*out.token);
            else
                done(fail(out.message));
        });
}

void EntraTokenClient::refresh(
    const QByteArray &refreshToken, const QString &scope, TokenCallback done)
{
    requestToken({ { QStringLiteral("client_id"), m_settings.clientId.toUtf8() },
                     { QStringLiteral("grant_type"), QByteArrayLiteral("refresh_token") },
                     { QStringLiteral("refresh_token"), refreshToken },
                     { QStringLiteral("scope"), scope.toUtf8() } },
        scope, { refreshToken }, [done](const Outcome &out) {
            if (out.token)
                done(*out.token);
            else
                done(fail(out.message));
        });
}

void EntraTokenClient::deviceCode(const QString &scope, PromptCallback prompt, TokenCallback done)
{
    cancelDeviceCode(); // one sign-in at a time
    auto *poll = new DevicePoll(this);
    poll->scope = scope;
    poll->done = std::move(done);
    poll->timer.setSingleShot(true);
    // The interval is a minimum (RFC 8628 3.5): a coarse timer may fire up to 5% early, and a
    // poll before the interval earns slow_down.
    poll->timer.setTimerType(Qt::PreciseTimer);
    m_poll = poll;
    QPointer<DevicePoll> guard(poll);

    const QUrl url = m_settings.deviceCodeUrl();
    const QString what = prefix(QStringLiteral("device code request"), url);
    const QString signIn = QStringLiteral("Entra ID sign-in for %1").arg(m_settings.clientId);
    HttpRequestSpec spec;
    spec.method = QByteArrayLiteral("POST");
    spec.url = url;
    spec.headers = { { QByteArrayLiteral("Content-Type"),
                         QByteArrayLiteral("application/x-www-form-urlencoded") },
        { QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json") } };
    spec.body = formBody({ { QStringLiteral("client_id"), m_settings.clientId.toUtf8() },
        { QStringLiteral("scope"),
            (scope + QStringLiteral(" openid profile offline_access")).toUtf8() } });
    spec.timeoutMs = m_settings.timeoutMs;
    spec.maxReplyBytes = 1024 * 1024;
    spec.caCertificates = m_settings.caCertificates;

    // Polls once; reschedules itself while the operator has not finished.
    auto pollOnce = std::make_shared<std::function<void()>>();
    *pollOnce = [this, guard, signIn] {
        if (!guard || guard->answered)
            return;
        if (clock()->elapsedMs() >= guard->expiresAtMs) {
            guard->answer(
                fail(signIn + QStringLiteral(": the code expired before sign-in finished")));
            return;
        }
        requestToken({ { QStringLiteral("grant_type"), kDeviceCodeGrant.toUtf8() },
                         { QStringLiteral("client_id"), m_settings.clientId.toUtf8() },
                         { QStringLiteral("device_code"), guard->deviceCode } },
            guard->scope, { guard->deviceCode }, [guard, signIn](const Outcome &out) {
                if (!guard || guard->answered)
                    return;
                if (out.token) {
                    guard->answer(*out.token);
                } else if (out.errorCode == u"authorization_pending") {
                    guard->timer.start(guard->intervalSeconds * 1000);
                } else if (out.errorCode == u"slow_down") {
                    guard->intervalSeconds += 5;
                    guard->timer.start(guard->intervalSeconds * 1000);
                } else if (out.errorCode == u"authorization_declined") {
                    guard->answer(fail(signIn + QStringLiteral(": the sign-in was declined")));
                } else if (out.errorCode == u"expired_token") {
                    guard->answer(fail(
                        signIn + QStringLiteral(": the code expired before sign-in finished")));
                } else if (out.errorCode == u"bad_verification_code") {
                    guard->answer(fail(signIn
                        + QStringLiteral(": Entra ID did not recognise the device code "
                                         "(bad_verification_code)")));
                } else {
                    guard->answer(fail(out.message));
                }
            });
    };
    connect(&poll->timer, &QTimer::timeout, poll, [pollOnce] { (*pollOnce)(); });

    HttpExchange::run(m_network, spec, poll, [this, guard, what, prompt](Result<HttpReply> reply) {
        if (!guard || guard->answered)
            return;
        if (!reply) {
            guard->answer(fail(what + QStringLiteral(": ") + reply.error()));
            return;
        }
        const QJsonDocument doc = QJsonDocument::fromJson(reply->body);
        const QJsonObject json = doc.object();
        if (!doc.isObject()) {
            guard->answer(fail(QStringLiteral("%1: HTTP %2, not an OAuth answer: %3")
                                   .arg(what)
                                   .arg(reply->status)
                                   .arg(reply->body.isEmpty() ? QStringLiteral("(empty body)")
                                                              : bodyStart(reply->body))));
            return;
        }
        if (json.contains(QStringLiteral("error")) || reply->status < 200 || reply->status > 299) {
            const QString code = json.value(QStringLiteral("error")).toString();
            const QString description
                = firstLine(json.value(QStringLiteral("error_description")).toString());
            guard->answer(fail(what + QStringLiteral(": ")
                + (code.isEmpty() ? QStringLiteral("HTTP %1").arg(reply->status) : code)
                + (description.isEmpty() ? QString() : QStringLiteral(": ") + description)));
            return;
        }
        DeviceCodePrompt p;
        p.userCode = json.value(QStringLiteral("user_code")).toString();
        guard->deviceCode = json.value(QStringLiteral("device_code")).toString().toUtf8();
        // v1.0 endpoints say verification_url; v2.0 says verification_uri.
        p.verificationUri
            = QUrl(json.value(QStringLiteral("verification_uri"))
                       .toString(json.value(QStringLiteral("verification_url")).toString()));
        p.message = json.value(QStringLiteral("message")).toString();
        const std::optional<qint64> expiresIn = seconds(json.value(QStringLiteral("expires_in")));
        const std::optional<qint64> interval = seconds(json.value(QStringLiteral("interval")));
        if (p.userCode.isEmpty() || guard->deviceCode.isEmpty() || !p.verificationUri.isValid()
            || p.verificationUri.isEmpty() || !expiresIn || *expiresIn <= 0) {
            guard->answer(fail(what
                + QStringLiteral(
                    ": the answer lacks user_code, device_code, verification_uri or expires_in")));
            return;
        }
        p.intervalSeconds = interval && *interval > 0 ? int(qMin<qint64>(*interval, 300)) : 5;
        p.expiresAt = clock()->nowUtc().addSecs(*expiresIn);
        guard->intervalSeconds = p.intervalSeconds;
        guard->expiresAtMs = clock()->elapsedMs() + *expiresIn * 1000;
        if (prompt)
            prompt(p);
        if (guard && !guard->answered)
            guard->timer.start(guard->intervalSeconds * 1000);
    });
}

void EntraTokenClient::cancelDeviceCode()
{
    // m_poll only ever holds a DevicePoll.
    if (auto *poll = static_cast<DevicePoll *>(m_poll.data())) {
        m_poll.clear();
        poll->answer(
            fail(QStringLiteral("Entra ID sign-in for %1: cancelled").arg(m_settings.clientId)));
    }
}

// ---------------------------------------------------------------------------------------------
// EntraTokenSource

EntraTokenSource::EntraTokenSource(QNetworkAccessManager *network, SecretStore *secrets,
    const EntraSettings &settings, QObject *parent)
    : TokenSource(parent)
    , m_network(network)
    , m_secrets(secrets)
    , m_client(new EntraTokenClient(network, settings, this))
    , m_settings(settings)
{ }

void EntraTokenSource::setClock(const Clock *clock)
{
    m_clock = clock;
    m_client->setClock(clock);
}

QString EntraTokenSource::keychainEntry(const QString &scope) const
{
    return QStringLiteral("entra-token/%1/%2/%3")
        .arg(m_settings.tenantId, m_settings.clientId, scope);
}

void EntraTokenSource::token(const QString &scope, Callback done)
{
    const Clock *clock = m_clock ? m_clock : Clock::system();
    const auto cached = m_cache.constFind(scope);
    if (cached != m_cache.constEnd() && cached->validAt(clock->nowUtc(), kSourceMarginSeconds)) {
        QTimer::singleShot(
            0, this, [done = std::move(done), token = cached->token] { done(token); });
        return;
    }
    QList<Callback> &waiting = m_waiting[scope];
    waiting.append(std::move(done));
    if (waiting.size() == 1)
        fetch(scope);
}

void EntraTokenSource::fetch(const QString &scope)
{
    if (!m_settings.clientSecret) {
        QTimer::singleShot(0, this, [this, scope] {
            finish(scope,
                fail(QStringLiteral(
                    "Entra ID tokens for %1 need an app credential: set the profile's "
                    "azure.clientSecret (a keychain, env or file reference)")
                         .arg(m_settings.clientId)));
        });
        return;
    }
    if (!m_keychainCache || !m_secrets) {
        QTimer::singleShot(0, this, [this, scope] { askEntra(scope); });
        return;
    }
    QPointer<EntraTokenSource> self(this);
    const QString entry = keychainEntry(scope);
    m_secrets->read(SecretRef { SecretRef::Source::Keychain, entry },
        [self, scope, entry](Result<QByteArray> value) {
            if (!self)
                return;
            if (value) {
                const QJsonObject json = QJsonDocument::fromJson(*value).object();
                AccessToken t;
                t.token = json.value(QStringLiteral("token")).toString().toUtf8();
                t.expiresOn = QDateTime::fromString(
                    json.value(QStringLiteral("expiresOn")).toString(), Qt::ISODateWithMs);
                t.scope = scope;
                const Clock *clock = self->m_clock ? self->m_clock : Clock::system();
                if (t.validAt(clock->nowUtc(), kSourceMarginSeconds)) {
                    self->m_cache.insert(scope, t);
                    self->finish(scope, t);
                    return;
                }
            } else if (!value.error().contains(QStringLiteral("no such entry"))) {
                log::get("entra")->warn(
                    "token cache: {} (asking Entra ID instead)", value.error().toStdString());
            }
            self->askEntra(scope);
        });
}

void EntraTokenSource::askEntra(const QString &scope)
{
    QPointer<EntraTokenSource> self(this);
    auto withSecret = [self, scope](const QByteArray &secret) {
        if (!self)
            return;
        self->m_client->clientCredentials(secret, scope, [self, scope](Result<AccessToken> token) {
            if (!self)
                return;
            if (token) {
                self->m_cache.insert(scope, *token);
                log::get("entra")->debug("token for {} scope {} until {}",
                    self->m_settings.clientId.toStdString(), scope.toStdString(),
                    token->expiresOn.toString(Qt::ISODate).toStdString());
                if (self->m_keychainCache && self->m_secrets) {
                    const QJsonObject json { { QStringLiteral("token"),
                                                 QString::fromUtf8(token->token) },
                        { QStringLiteral("expiresOn"),
                            token->expiresOn.toUTC().toString(Qt::ISODateWithMs) } };
                    self->m_secrets->writeKeychain(self->keychainEntry(scope),
                        QJsonDocument(json).toJson(QJsonDocument::Compact), [](Result<void> ok) {
                            if (!ok)
                                log::get("entra")->warn("token cache: {} (tokens stay in memory)",
                                    ok.error().toStdString());
                        });
                }
            }
            self->finish(scope, token);
        });
    };
    if (m_clientSecret) {
        withSecret(*m_clientSecret);
        return;
    }
    if (!m_secrets) {
        QTimer::singleShot(0, this, [this, scope] {
            finish(scope,
                fail(QStringLiteral("Entra ID app credential (%1): no secret store")
                         .arg(m_settings.clientSecret->describe())));
        });
        return;
    }
    m_secrets->read(*m_settings.clientSecret, [self, scope, withSecret](Result<QByteArray> secret) {
        if (!self)
            return;
        if (!secret) {
            self->finish(
                scope, fail(QStringLiteral("Entra ID app credential: %1").arg(secret.error())));
            return;
        }
        self->m_clientSecret = *secret;
        withSecret(*secret);
    });
}

void EntraTokenSource::finish(const QString &scope, const Result<AccessToken> &token)
{
    const QList<Callback> waiting = m_waiting.take(scope);
    for (const Callback &cb : waiting) {
        if (token)
            cb(token->token);
        else
            cb(fail(token.error()));
    }
}

void EntraTokenSource::invalidate(const QString &scope)
{
    m_cache.remove(scope);
    if (m_keychainCache && m_secrets) {
        m_secrets->removeKeychain(keychainEntry(scope), [](Result<void> ok) {
            if (!ok && !ok.error().contains(QStringLiteral("no such entry")))
                log::get("entra")->warn("token cache: {}", ok.error().toStdString());
        });
    }
}

} // namespace dr
