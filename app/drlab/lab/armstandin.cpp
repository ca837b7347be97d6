#include "armstandin.h"

#include "haproxyconfig.h"
#include "labpki.h"

#include "common/constanttime.h"
#include "logging/logging.h"

#include <QFileInfo>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QPointer>
#include <QRandomGenerator>
#include <QSslConfiguration>
#include <QTcpSocket>
#include <QUrlQuery>
#include <QUuid>

namespace drlab {

namespace {

constexpr int kTokenLifetimeSeconds = 3599;
// HAProxy checks every 500 ms while a state is in doubt and needs two in a row: an endpoint
// enabled this recently and not yet UP is still being checked, not Degraded.
constexpr qint64 kCheckingMs = 5000;

QString newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

// Entra ID's error body, as the v2.0 token endpoint documents it (error, error_description
// with the trace lines, error_codes, timestamp, ids, error_uri).
HttpResponse aadError(int status, const QString &error, int code, const QString &description, const QString &authority)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QString trace = newId(), correlation = newId();
    const QString timestamp = now.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) + u'Z';
    return jsonResponse(status, {{QStringLiteral("error"), error},
                                 {QStringLiteral("error_description"),
                                  QStringLiteral("AADSTS%1: %2\r\nTrace ID: %3\r\nCorrelation ID: %4\r\nTimestamp: %5")
                                      .arg(code)
                                      .arg(description, trace, correlation, timestamp)},
                                 {QStringLiteral("error_codes"), QJsonArray{code}},
                                 {QStringLiteral("timestamp"), timestamp},
                                 {QStringLiteral("trace_id"), trace},
                                 {QStringLiteral("correlation_id"), correlation},
                                 {QStringLiteral("error_uri"), QStringLiteral("%1/error?code=%2").arg(authority).arg(code)}});
}

void send(QHttpServerResponder &responder, const HttpResponse &response)
{
    responder.writeStatusLine(static_cast<QHttpServerResponder::StatusCode>(response.status));
    responder.writeHeader(QByteArrayLiteral("Content-Type"), response.contentType);
    responder.writeHeader(QByteArrayLiteral("Content-Length"), QByteArray::number(response.body.size()));
    responder.writeHeader(QByteArrayLiteral("x-ms-request-id"), newId().toLatin1());
    responder.writeHeader(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-cache"));
    for (const auto &[name, value] : response.headers)
        responder.writeHeader(name, value);
    responder.writeBody(response.body);
}

QByteArray base64Url(const QByteArray &data)
{
    return data.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

// application/x-www-form-urlencoded: '+' is a space, then percent-decoding.
QHash<QString, QString> parseForm(const QByteArray &body)
{
    QHash<QString, QString> form;
    for (const QByteArray &pair : body.split('&')) {
        if (pair.isEmpty())
            continue;
        const qsizetype eq = pair.indexOf('=');
        QByteArray key = eq < 0 ? pair : pair.left(eq);
        QByteArray value = eq < 0 ? QByteArray() : pair.mid(eq + 1);
        key.replace('+', ' ');
        value.replace('+', ' ');
        form.insert(QUrl::fromPercentEncoding(key), QUrl::fromPercentEncoding(value));
    }
    return form;
}

QString resourceOfScope(const QString &scope)
{
    return scope.endsWith(QStringLiteral("/.default")) ? scope.chopped(9) : scope;
}

const dr::HaproxyServerState *findServer(const QList<dr::HaproxyServerState> &servers, const QString &name)
{
    for (const dr::HaproxyServerState &s : servers) {
        if (s.server == name)
            return &s;
    }
    return nullptr;
}

} // namespace

dr::Result<ArmStandInConfig> ArmStandInConfig::forLab(const LabState &state)
{
    ArmStandInConfig config;
    config.certificatePath = state.certificate(QStringLiteral("arm"));
    config.privateKeyPath = state.privateKey(QStringLiteral("arm"));
    config.port = state.port(QStringLiteral("arm"));
    config.tenantId = state.tenantId;
    config.clientId = state.clientId;
    if (config.port == 0 || config.tenantId.isEmpty() || config.clientId.isEmpty())
        return dr::fail(QStringLiteral("the lab in %1 has no Traffic Manager stand-in: run 'drlab up --routing trafficmanager --dir %1'")
                            .arg(state.dir));
    for (const auto &[name, field] : {std::pair{QStringLiteral("entra-client-secret"), &config.clientSecret},
                                      std::pair{QStringLiteral("entra-signing-key"), &config.signingKey}}) {
        const auto value = readFile(state.secretFile(name));
        if (!value)
            return std::unexpected(value.error());
        *field = value->trimmed();
        if (field->isEmpty())
            return dr::fail(QStringLiteral("%1 is empty").arg(state.secretFile(name)));
    }
    config.runtimeApi = QStringLiteral("127.0.0.1:%1").arg(state.port(QStringLiteral("runtime-api")));
    config.backend = QString::fromLatin1(kBackend);
    config.statePath = state.path(QStringLiteral("trafficmanager.json"));
    config.endpoints = {
        {QStringLiteral("west"), QStringLiteral("localhost:%1").arg(state.port(QStringLiteral("service-west"))), QStringLiteral("West Europe"), 1},
        {QStringLiteral("north"), QStringLiteral("localhost:%1").arg(state.port(QStringLiteral("service-north"))), QStringLiteral("North Europe"), 2},
    };
    return config;
}

ArmStandIn::ArmStandIn(const ArmStandInConfig &config, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_config(config)
    , m_runtime(config.runtimeApi)
{
    m_runtime.setTimeoutMs(3000);
}

ArmStandIn::~ArmStandIn() = default;

dr::Result<quint16> ArmStandIn::start()
{
    for (const StandInEndpoint &e : std::as_const(m_config.endpoints))
        m_priorities.insert(e.name, e.defaultPriority);
    // Priorities a PATCH changed survive a restart of the stand-in (and of the lab).
    if (QFileInfo::exists(m_config.statePath)) {
        const auto data = readFile(m_config.statePath);
        if (!data)
            return std::unexpected(data.error());
        const QJsonObject saved = QJsonDocument::fromJson(*data).object().value(QStringLiteral("priorities")).toObject();
        for (auto it = saved.begin(); it != saved.end(); ++it) {
            if (m_priorities.contains(it.key()) && it.value().toInt() >= 1)
                m_priorities.insert(it.key(), it.value().toInt());
        }
    }

    const auto tls = LabPki::serverTls(m_config.certificatePath, m_config.privateKeyPath);
    if (!tls)
        return std::unexpected(tls.error());
    sslSetup(*tls);
    const quint16 port = listen(QHostAddress::LocalHost, m_config.port);
    if (port == 0)
        return dr::fail(QStringLiteral("cannot listen on 127.0.0.1:%1 (in use?)").arg(m_config.port));
    return port;
}

bool ArmStandIn::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    auto responder = std::make_shared<QHttpServerResponder>(makeResponder(request, socket));
    QPointer<QTcpSocket> guard(socket);
    route(request, [responder, guard](const HttpResponse &response) {
        if (guard && guard->state() == QAbstractSocket::ConnectedState)
            send(*responder, response);
    });
    return true;
}

void ArmStandIn::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    auto responder = makeResponder(request, socket);
    send(responder, azureError(404, QStringLiteral("NotFound"), QStringLiteral("no such resource")));
}

void ArmStandIn::route(const QHttpServerRequest &request, Reply reply)
{
    if (request.body().size() > kMaxBodyBytes)
        return reply(azureError(413, QStringLiteral("RequestEntityTooLarge"), QStringLiteral("the request body is too large")));
    const QString path = request.url().path();
    QStringList segments = path.split(u'/', Qt::SkipEmptyParts);
    const auto method = request.method();

    // The token endpoint: /TENANT/oauth2/v2.0/token.
    if (segments.size() == 4 && segments.at(1) == u"oauth2" && segments.at(2) == u"v2.0" && segments.at(3) == u"token") {
        if (method != QHttpServerRequest::Method::Post)
            return reply(aadError(405, QStringLiteral("invalid_request"), 900561,
                                  QStringLiteral("The endpoint only accepts POST requests."), request.url().adjusted(QUrl::RemovePath | QUrl::RemoveQuery).toString()));
        return reply(token(request));
    }

    // ARM: authentication first, then the api-version, then the resource, as ARM answers.
    if (segments.isEmpty() || segments.first().compare(u"subscriptions", Qt::CaseInsensitive) != 0)
        return reply(azureError(404, QStringLiteral("NotFound"), QStringLiteral("no such resource: %1").arg(path)));
    if (const auto denied = checkBearer(request))
        return reply(*denied);
    const QString apiVersion = QUrlQuery(request.url()).queryItemValue(QStringLiteral("api-version"), QUrl::FullyDecoded);
    if (apiVersion.isEmpty())
        return reply(azureError(400, QStringLiteral("MissingApiVersionParameter"),
                              QStringLiteral("The api-version query parameter (?api-version=) is required for all requests.")));
    if (apiVersion != QLatin1String(kTmApiVersion))
        return reply(azureError(400, QStringLiteral("InvalidApiVersionParameter"),
                              QStringLiteral("The api-version '%1' is invalid. The supported versions are '%2'.")
                                  .arg(apiVersion, QLatin1String(kTmApiVersion))));

    // subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/trafficManagerProfiles/P[/TYPE/E]:
    // ARM compares every segment but the resource names case-insensitively, and those too.
    const auto is = [&](qsizetype i, QLatin1String word) {
        return segments.size() > i && segments.at(i).compare(word, Qt::CaseInsensitive) == 0;
    };
    if (segments.size() < 2 || segments.at(1).compare(QLatin1String(kTmSubscriptionId), Qt::CaseInsensitive) != 0)
        return reply(azureError(404, QStringLiteral("SubscriptionNotFound"),
                              QStringLiteral("The subscription '%1' could not be found.").arg(segments.value(1))));
    if (!is(2, QLatin1String("resourceGroups")) || segments.size() < 4)
        return reply(azureError(404, QStringLiteral("NotFound"), QStringLiteral("no such resource: %1").arg(path)));
    if (!is(3, QLatin1String(kTmResourceGroup)))
        return reply(azureError(404, QStringLiteral("ResourceGroupNotFound"),
                              QStringLiteral("Resource group '%1' could not be found.").arg(segments.at(3))));
    if (!is(4, QLatin1String("providers")) || !is(5, QLatin1String("Microsoft.Network")) || !is(6, QLatin1String("trafficManagerProfiles"))
        || segments.size() < 8)
        return reply(azureError(404, QStringLiteral("NotFound"),
                              QStringLiteral("The lab serves only Microsoft.Network/trafficManagerProfiles: no resource at %1").arg(path)));
    if (!is(7, QLatin1String(kTmProfileName)))
        return reply(azureError(404, QStringLiteral("NotFound"),
                              QStringLiteral("The Resource 'Microsoft.Network/trafficManagerProfiles/%1' under resource group '%2' was not found.")
                                  .arg(segments.at(7), QLatin1String(kTmResourceGroup))));
    if (segments.size() == 8) {
        if (method != QHttpServerRequest::Method::Get)
            return reply(azureError(405, QStringLiteral("MethodNotAllowed"),
                                  QStringLiteral("The lab's Traffic Manager stand-in only reads the profile (GET); change its endpoints with PATCH.")));
        return getProfile(std::move(reply));
    }
    if (segments.size() != 10 || !is(8, QLatin1String(kTmEndpointType)))
        return reply(azureError(404, QStringLiteral("NotFound"),
                              QStringLiteral("The lab's profile %1 has only ExternalEndpoints: no resource at %2").arg(QLatin1String(kTmProfileName), path)));
    const StandInEndpoint *endpoint = findEndpoint(segments.at(9));
    if (!endpoint)
        return reply(azureError(404, QStringLiteral("NotFound"),
                              QStringLiteral("The endpoint '%1' of profile '%2' was not found.").arg(segments.at(9), QLatin1String(kTmProfileName))));
    if (method == QHttpServerRequest::Method::Get)
        return getEndpoint(endpoint->name, std::move(reply));
    if (method == QHttpServerRequest::Method::Patch)
        return patchEndpoint(endpoint->name, request.body(), std::move(reply));
    return reply(azureError(405, QStringLiteral("MethodNotAllowed"),
                          QStringLiteral("The lab's Traffic Manager stand-in serves GET and PATCH of an endpoint only.")));
}

HttpResponse ArmStandIn::token(const QHttpServerRequest &request)
{
    const QString authority = QStringLiteral("https://localhost:%1").arg(m_config.port);
    const QString tenant = request.url().path().split(u'/', Qt::SkipEmptyParts).value(0);
    if (tenant.compare(m_config.tenantId, Qt::CaseInsensitive) != 0)
        return aadError(400, QStringLiteral("invalid_request"), 90002,
                        QStringLiteral("Tenant '%1' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
                            .arg(tenant),
                        authority);
    const QHash<QString, QString> form = parseForm(request.body());
    for (const char *field : {"grant_type", "client_id"}) {
        if (form.value(QLatin1String(field)).isEmpty())
            return aadError(400, QStringLiteral("invalid_request"), 900144,
                            QStringLiteral("The request body must contain the following parameter: '%1'.").arg(QLatin1String(field)), authority);
    }
    const QString grant = form.value(QStringLiteral("grant_type"));
    if (grant != u"client_credentials")
        return aadError(400, QStringLiteral("unsupported_grant_type"), 70003,
                        QStringLiteral("The app requested an unsupported grant type '%1'.").arg(grant), authority);
    const QString client = form.value(QStringLiteral("client_id"));
    if (client.compare(m_config.clientId, Qt::CaseInsensitive) != 0)
        return aadError(400, QStringLiteral("unauthorized_client"), 700016,
                        QStringLiteral("Application with identifier '%1' was not found in the directory '%2'. This can happen if the application has "
                                       "not been installed by the administrator of the tenant or consented to by any user in the tenant.")
                            .arg(client, m_config.tenantId),
                        authority);
    if (!form.contains(QStringLiteral("client_secret")))
        return aadError(401, QStringLiteral("invalid_client"), 7000218,
                        QStringLiteral("The request body must contain the following parameter: 'client_assertion' or 'client_secret'."), authority);
    if (!dr::constantTimeEquals(form.value(QStringLiteral("client_secret")).toUtf8(), m_config.clientSecret)) {
        dr::log::get("lab")->warn("token request for {} with a wrong client secret", client.toStdString());
        return aadError(401, QStringLiteral("invalid_client"), 7000215,
                        QStringLiteral("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, "
                                       "not the client secret ID, for a secret added to app '%1'.")
                            .arg(m_config.clientId),
                        authority);
    }
    const QString scope = form.value(QStringLiteral("scope"));
    if (scope.isEmpty())
        return aadError(400, QStringLiteral("invalid_request"), 900144,
                        QStringLiteral("The request body must contain the following parameter: 'scope'."), authority);
    if (scope != QLatin1String(kArmScope))
        return aadError(400, QStringLiteral("invalid_scope"), 70011,
                        QStringLiteral("The provided value for the input parameter 'scope' is not valid. The scope %1 is not valid. "
                                       "The lab grants only %2.")
                            .arg(scope, QLatin1String(kArmScope)),
                        authority);

    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const QJsonObject header{{QStringLiteral("alg"), QStringLiteral("HS256")}, {QStringLiteral("typ"), QStringLiteral("JWT")}};
    const QJsonObject claims{{QStringLiteral("aud"), resourceOfScope(scope)},
                             {QStringLiteral("iss"), QStringLiteral("https://sts.windows.net/%1/").arg(m_config.tenantId)},
                             {QStringLiteral("iat"), now},
                             {QStringLiteral("nbf"), now},
                             {QStringLiteral("exp"), now + kTokenLifetimeSeconds},
                             {QStringLiteral("appid"), m_config.clientId},
                             {QStringLiteral("tid"), m_config.tenantId},
                             {QStringLiteral("oid"), m_config.clientId},
                             {QStringLiteral("sub"), m_config.clientId},
                             {QStringLiteral("idtyp"), QStringLiteral("app")},
                             {QStringLiteral("uti"), QString::fromLatin1(base64Url(QUuid::createUuid().toRfc4122()))}};
    const QByteArray signingInput = base64Url(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.'
                                    + base64Url(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    const QByteArray signature = QMessageAuthenticationCode::hash(signingInput, m_config.signingKey, QCryptographicHash::Sha256);
    return jsonResponse(200, {{QStringLiteral("token_type"), QStringLiteral("Bearer")},
                              {QStringLiteral("expires_in"), kTokenLifetimeSeconds},
                              {QStringLiteral("ext_expires_in"), kTokenLifetimeSeconds},
                              {QStringLiteral("access_token"), QString::fromLatin1(signingInput + '.' + base64Url(signature))}});
}

std::optional<HttpResponse> ArmStandIn::checkBearer(const QHttpServerRequest &request) const
{
    const auto denied = [this](const QString &message) {
        HttpResponse r = azureError(401, QStringLiteral("AuthenticationFailed"), message);
        r.headers.append({QByteArrayLiteral("WWW-Authenticate"),
                          QStringLiteral("Bearer authorization_uri=\"https://localhost:%1/%2\", error=\"invalid_token\", "
                                         "error_description=\"The authentication failed because of missing 'Authorization' header or invalid token.\"")
                              .arg(m_config.port)
                              .arg(m_config.tenantId)
                              .toUtf8()});
        return r;
    };
    QByteArray authorization;
    for (const auto &[name, value] : request.headers()) {
        if (name.compare("Authorization", Qt::CaseInsensitive) == 0)
            authorization = value.trimmed();
    }
    if (authorization.isEmpty())
        return denied(QStringLiteral("Authentication failed. The 'Authorization' header is missing."));
    if (!authorization.startsWith("Bearer ") && !authorization.startsWith("bearer "))
        return denied(QStringLiteral("Authentication failed. The 'Authorization' header is not a Bearer token."));
    const QByteArray token = authorization.mid(7).trimmed();
    const QList<QByteArray> parts = token.split('.');
    if (parts.size() != 3)
        return denied(QStringLiteral("Authentication failed. The access token is not a JWT."));
    const QByteArray expected = base64Url(
        QMessageAuthenticationCode::hash(parts.at(0) + '.' + parts.at(1), m_config.signingKey, QCryptographicHash::Sha256));
    if (!dr::constantTimeEquals(parts.at(2), expected))
        return denied(QStringLiteral("Authentication failed. The access token has an invalid signature (not issued by this lab)."));
    const QJsonObject claims = QJsonDocument::fromJson(QByteArray::fromBase64(parts.at(1), QByteArray::Base64UrlEncoding)).object();
    const qint64 expires = claims.value(QStringLiteral("exp")).toInteger();
    if (expires <= QDateTime::currentSecsSinceEpoch())
        return denied(QStringLiteral("Authentication failed. The access token expired at %1.")
                          .arg(QDateTime::fromSecsSinceEpoch(expires, Qt::UTC).toString(Qt::ISODate)));
    if (claims.value(QStringLiteral("aud")).toString() != resourceOfScope(QLatin1String(kArmScope)))
        return denied(QStringLiteral("Authentication failed. The access token's audience '%1' is not %2.")
                          .arg(claims.value(QStringLiteral("aud")).toString(), resourceOfScope(QLatin1String(kArmScope))));
    return std::nullopt;
}

const StandInEndpoint *ArmStandIn::findEndpoint(const QString &name) const
{
    for (const StandInEndpoint &e : m_config.endpoints) {
        if (e.name.compare(name, Qt::CaseInsensitive) == 0)
            return &e;
    }
    return nullptr;
}

QString ArmStandIn::profileId() const
{
    return QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.Network/trafficManagerProfiles/%3")
        .arg(QLatin1String(kTmSubscriptionId), QLatin1String(kTmResourceGroup), QLatin1String(kTmProfileName));
}

int ArmStandIn::priority(const QString &endpoint) const
{
    return m_priorities.value(endpoint, 1);
}

dr::Result<void> ArmStandIn::savePriorities()
{
    QJsonObject priorities;
    for (auto it = m_priorities.cbegin(); it != m_priorities.cend(); ++it)
        priorities.insert(it.key(), it.value());
    return writePrivateFile(m_config.statePath,
                            QJsonDocument(QJsonObject{{QStringLiteral("priorities"), priorities}}).toJson(QJsonDocument::Indented));
}

QJsonObject ArmStandIn::endpointJson(const StandInEndpoint &endpoint, const QList<dr::HaproxyServerState> &servers) const
{
    const dr::HaproxyServerState *server = findServer(servers, endpoint.name);
    QString status = QStringLiteral("Enabled");
    QString monitor;
    if (!server) {
        monitor = QStringLiteral("Inactive");
    } else if (server->isMaintenance()) {
        status = QStringLiteral("Disabled");
        monitor = QStringLiteral("Disabled");
    } else if (server->isUp() || server->status.startsWith(QStringLiteral("DRAIN")) || server->status.startsWith(QStringLiteral("NOLB"))) {
        monitor = QStringLiteral("Online");
    } else {
        const QDateTime enabled = m_enabledAt.value(endpoint.name);
        const bool checking = enabled.isValid() && enabled.msecsTo(QDateTime::currentDateTimeUtc()) < kCheckingMs;
        monitor = checking || server->checkStatus.startsWith(QStringLiteral("INI")) ? QStringLiteral("CheckingEndpoint")
                                                                                      : QStringLiteral("Degraded");
    }
    return {{QStringLiteral("id"), QString(profileId() + u'/' + QLatin1String("externalEndpoints") + u'/' + endpoint.name)},
            {QStringLiteral("name"), endpoint.name},
            {QStringLiteral("type"), QStringLiteral("Microsoft.Network/trafficManagerProfiles/externalEndpoints")},
            {QStringLiteral("properties"), QJsonObject{{QStringLiteral("endpointStatus"), status},
                                                       {QStringLiteral("endpointMonitorStatus"), monitor},
                                                       {QStringLiteral("target"), endpoint.target},
                                                       {QStringLiteral("weight"), 1},
                                                       {QStringLiteral("priority"), priority(endpoint.name)},
                                                       {QStringLiteral("endpointLocation"), endpoint.location}}}};
}

QJsonObject ArmStandIn::profileJson(const QList<dr::HaproxyServerState> &servers) const
{
    QJsonArray endpoints;
    bool allDisabled = true, anyOnline = false, anyChecking = false;
    for (const StandInEndpoint &e : m_config.endpoints) {
        const QJsonObject json = endpointJson(e, servers);
        const QString monitor = json.value(QStringLiteral("properties")).toObject().value(QStringLiteral("endpointMonitorStatus")).toString();
        allDisabled = allDisabled && monitor == u"Disabled";
        anyOnline = anyOnline || monitor == u"Online";
        anyChecking = anyChecking || monitor == u"CheckingEndpoint";
        endpoints.append(json);
    }
    const QString profileMonitor = allDisabled ? QStringLiteral("Disabled")
                                   : anyOnline ? QStringLiteral("Online")
                                   : anyChecking ? QStringLiteral("CheckingEndpoints")
                                                 : QStringLiteral("Degraded");
    // Traffic Manager allows probing every 10 or 30 s only; HAProxy checks every second (see
    // haproxyconfig.cpp): these are the nearest values Azure would accept.
    const QJsonObject monitorConfig{{QStringLiteral("profileMonitorStatus"), profileMonitor},
                                    {QStringLiteral("protocol"), QStringLiteral("HTTPS")},
                                    {QStringLiteral("port"), 443},
                                    {QStringLiteral("path"), QStringLiteral("/healthz")},
                                    {QStringLiteral("intervalInSeconds"), 10},
                                    {QStringLiteral("toleratedNumberOfFailures"), 2},
                                    {QStringLiteral("timeoutInSeconds"), 5}};
    const QJsonObject dnsConfig{{QStringLiteral("relativeName"), QLatin1String(kTmProfileName)},
                                {QStringLiteral("fqdn"), QStringLiteral("localhost")},
                                {QStringLiteral("ttl"), 0}};
    return {{QStringLiteral("id"), profileId()},
            {QStringLiteral("name"), QLatin1String(kTmProfileName)},
            {QStringLiteral("type"), QStringLiteral("Microsoft.Network/trafficManagerProfiles")},
            {QStringLiteral("location"), QStringLiteral("global")},
            {QStringLiteral("tags"), QJsonObject{}},
            {QStringLiteral("properties"), QJsonObject{{QStringLiteral("profileStatus"), QStringLiteral("Enabled")},
                                                       {QStringLiteral("trafficRoutingMethod"), QStringLiteral("Priority")},
                                                       {QStringLiteral("dnsConfig"), dnsConfig},
                                                       {QStringLiteral("monitorConfig"), monitorConfig},
                                                       {QStringLiteral("endpoints"), endpoints}}}};
}

namespace {

HttpResponse haproxyFailed(const QString &why)
{
    return azureError(500, QStringLiteral("InternalServerError"), QStringLiteral("The lab's HAProxy runtime API did not answer: %1").arg(why));
}

} // namespace

void ArmStandIn::getProfile(Reply reply)
{
    m_runtime.serverStates(m_config.backend, [this, reply](dr::Result<QList<dr::HaproxyServerState>> servers) {
        if (!servers)
            return reply(haproxyFailed(servers.error()));
        reply(jsonResponse(200, profileJson(*servers)));
    });
}

void ArmStandIn::getEndpoint(const QString &name, Reply reply)
{
    m_runtime.serverStates(m_config.backend, [this, name, reply](dr::Result<QList<dr::HaproxyServerState>> servers) {
        if (!servers)
            return reply(haproxyFailed(servers.error()));
        reply(jsonResponse(200, endpointJson(*findEndpoint(name), *servers)));
    });
}

void ArmStandIn::patchEndpoint(const QString &name, const QByteArray &body, Reply reply)
{
    const StandInEndpoint &endpoint = *findEndpoint(name);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return reply(azureError(400, QStringLiteral("InvalidRequestContent"),
                              QStringLiteral("The request content was invalid and could not be deserialized: %1.")
                                  .arg(error.error != QJsonParseError::NoError ? error.errorString() : QStringLiteral("not a JSON object"))));
    const QJsonObject patch = doc.object();
    if (patch.contains(QStringLiteral("name")) && patch.value(QStringLiteral("name")).toString().compare(name, Qt::CaseInsensitive) != 0)
        return reply(azureError(400, QStringLiteral("BadRequest"),
                              QStringLiteral("The name '%1' in the body does not match the endpoint '%2' of the URL.")
                                  .arg(patch.value(QStringLiteral("name")).toString(), name)));
    const QJsonValue propertiesValue = patch.value(QStringLiteral("properties"));
    if (!propertiesValue.isUndefined() && !propertiesValue.isObject())
        return reply(azureError(400, QStringLiteral("InvalidRequestContent"),
                              QStringLiteral("The request content was invalid and could not be deserialized: 'properties' is not an object.")));
    const QJsonObject properties = propertiesValue.toObject();

    std::optional<bool> enable;
    std::optional<int> newPriority;
    for (auto it = properties.begin(); it != properties.end(); ++it) {
        const QString key = it.key();
        const QJsonValue value = it.value();
        if (key == u"endpointStatus") {
            const QString s = value.toString();
            if (s.compare(u"Enabled", Qt::CaseInsensitive) == 0)
                enable = true;
            else if (s.compare(u"Disabled", Qt::CaseInsensitive) == 0)
                enable = false;
            else
                return reply(azureError(400, QStringLiteral("BadRequest"),
                                      QStringLiteral("The value of endpointStatus must be 'Enabled' or 'Disabled', not %1.")
                                          .arg(QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact)))));
        } else if (key == u"priority") {
            const double p = value.toDouble(-1);
            if (!value.isDouble() || p != double(qint64(p)) || p < 1 || p > 1000)
                return reply(azureError(400, QStringLiteral("BadRequest"),
                                      QStringLiteral("The endpoint priority must be a whole number from 1 to 1000.")));
            newPriority = int(p);
        } else if ((key == u"target" && value.toString() == endpoint.target) || (key == u"weight" && value.toInt(-1) == 1)
                   || (key == u"endpointLocation" && value.toString() == endpoint.location)) {
            continue; // unchanged: accepted as Azure does
        } else {
            return reply(azureError(400, QStringLiteral("BadRequest"),
                                  QStringLiteral("The lab's Traffic Manager stand-in changes only endpointStatus and priority, not '%1'.").arg(key)));
        }
    }
    if (newPriority) {
        for (auto it = m_priorities.cbegin(); it != m_priorities.cend(); ++it) {
            if (it.key() != name && it.value() == *newPriority)
                return reply(azureError(409, QStringLiteral("Conflict"),
                                      QStringLiteral("The priority %1 is already used by endpoint '%2' of profile '%3'. Endpoint priorities must be "
                                                     "unique within a profile.")
                                          .arg(*newPriority)
                                          .arg(it.key(), QLatin1String(kTmProfileName))));
        }
        const int old = priority(name);
        m_priorities.insert(name, *newPriority);
        if (const auto saved = savePriorities(); !saved) {
            m_priorities.insert(name, old);
            return reply(azureError(500, QStringLiteral("InternalServerError"), saved.error()));
        }
        dr::log::get("lab")->info("traffic manager: endpoint {} priority {} -> {}", name.toStdString(), old, *newPriority);
    }
    const auto answer = [this, name, reply] {
        getEndpoint(name, reply);
    };
    if (!enable)
        return answer();
    // Read first: only a Disabled -> Enabled change starts a check period (CheckingEndpoint).
    m_runtime.serverStates(m_config.backend, [this, name, enable, reply, answer](dr::Result<QList<dr::HaproxyServerState>> servers) {
        if (!servers)
            return reply(haproxyFailed(servers.error()));
        const dr::HaproxyServerState *server = findServer(*servers, name);
        const bool wasDisabled = server && server->isMaintenance();
        m_runtime.setServerState(m_config.backend, name, *enable ? QStringLiteral("ready") : QStringLiteral("maint"),
                                 [this, name, enable, wasDisabled, reply, answer](dr::Result<void> done) {
                                     if (!done)
                                         return reply(haproxyFailed(done.error()));
                                     if (*enable && wasDisabled)
                                         m_enabledAt.insert(name, QDateTime::currentDateTimeUtc());
                                     dr::log::get("lab")->info("traffic manager: endpoint {} {}", name.toStdString(),
                                                               *enable ? "enabled" : "disabled");
                                     answer();
                                 });
    });
}

} // namespace drlab
