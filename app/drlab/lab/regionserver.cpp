#include "regionserver.h"

#include "labpki.h"
#include "labstate.h"

#include "search/knowledgebase.h"
#include "search/searchapi.h"
#include "search/searchstore.h"

#include "logging/logging.h"

#include <QFileInfo>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSslConfiguration>
#include <QSslServer>
#include <QTcpSocket>
#include <QUuid>

namespace drlab {

namespace {

void send(QHttpServerResponder &responder, const HttpResponse &response, const QString &region)
{
    responder.writeStatusLine(static_cast<QHttpServerResponder::StatusCode>(response.status));
    responder.writeHeader(QByteArrayLiteral("Content-Type"), response.contentType);
    responder.writeHeader(QByteArrayLiteral("Content-Length"), QByteArray::number(response.body.size()));
    responder.writeHeader(QByteArrayLiteral("X-DR-Region"), region.toUtf8());
    for (const auto &[name, value] : response.headers)
        responder.writeHeader(name, value);
    responder.writeBody(response.body);
}

QString methodName(QHttpServerRequest::Method m)
{
    switch (m) {
    case QHttpServerRequest::Method::Get: return QStringLiteral("GET");
    case QHttpServerRequest::Method::Put: return QStringLiteral("PUT");
    case QHttpServerRequest::Method::Delete: return QStringLiteral("DELETE");
    case QHttpServerRequest::Method::Post: return QStringLiteral("POST");
    case QHttpServerRequest::Method::Head: return QStringLiteral("HEAD");
    case QHttpServerRequest::Method::Options: return QStringLiteral("OPTIONS");
    case QHttpServerRequest::Method::Patch: return QStringLiteral("PATCH");
    default: return QStringLiteral("OTHER");
    }
}

} // namespace

RegionServer::RegionServer(const RegionServerConfig &config, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_config(config)
{
    m_started = QDateTime::currentDateTimeUtc();
    connect(&m_certificateWatch, &QTimer::timeout, this, &RegionServer::reloadCertificateIfChanged);
}

RegionServer::~RegionServer() = default;

dr::Result<void> RegionServer::loadCertificate()
{
    const auto tls = LabPki::serverTls(m_config.certificatePath, m_config.privateKeyPath);
    if (!tls)
        return std::unexpected(tls.error());
    const QSslConfiguration &ssl = *tls;
    sslSetup(ssl);
    // A server already listening took a copy at listen(): hand it the new one too, so new
    // connections get the new certificate without a restart.
    for (QTcpServer *server : servers()) {
        if (auto *sslServer = qobject_cast<QSslServer *>(server))
            sslServer->setSslConfiguration(ssl);
    }
    m_certificateModified = QFileInfo(m_config.certificatePath).lastModified();
    return {};
}

void RegionServer::reloadCertificateIfChanged()
{
    const QDateTime modified = QFileInfo(m_config.certificatePath).lastModified();
    if (!modified.isValid() || modified == m_certificateModified)
        return;
    if (const auto r = loadCertificate(); !r)
        dr::log::get("lab")->warn("region {}: {}", m_config.regionId.toStdString(), r.error().toStdString());
    else
        dr::log::get("lab")->info("region {}: certificate reloaded", m_config.regionId.toStdString());
}

dr::Result<quint16> RegionServer::start()
{
    m_store = std::make_unique<SearchStore>(m_config.databasePath);
    if (!m_store->isOpen())
        return dr::fail(QStringLiteral("cannot open the search index store %1: %2").arg(m_config.databasePath, m_store->errorString()));
    const QString index = QString::fromLatin1(kIndexName);
    if (!m_store->hasIndex(index)) {
        // First start: the knowledge base every region begins with, the same in both.
        if (const auto created = m_store->createIndex(knowledgeBaseIndexDefinition(index)); !created)
            return dr::fail(QStringLiteral("cannot create the index %1: %2").arg(index, created.error().message));
        if (const auto loaded = m_store->uploadDocuments(index, generateKnowledgeBase()); !loaded)
            return dr::fail(QStringLiteral("cannot load the knowledge base: %1").arg(loaded.error().message));
    }
    m_search = std::make_unique<SearchApi>(m_store.get(), m_config.searchAdminKey, m_config.searchQueryKey);
    if (auto r = loadCertificate(); !r)
        return std::unexpected(r.error());
    const quint16 port = listen(QHostAddress::LocalHost, m_config.port);
    if (port == 0)
        return dr::fail(QStringLiteral("cannot listen on 127.0.0.1:%1 (in use?)").arg(m_config.port));
    m_certificateWatch.start(500);
    return port;
}

void RegionServer::setFaults(const Faults &faults)
{
    m_faults = faults.region(m_config.regionId);
}

bool RegionServer::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    if (m_faults.down) {
        // A region that is down does not answer at all: the connection just ends.
        socket->abort();
        return true;
    }
    HttpResponse response = route(request, socket);
    auto responder = std::make_shared<QHttpServerResponder>(makeResponder(request, socket));
    if (m_faults.slowMs <= 0) {
        send(*responder, response, m_config.regionId);
        return true;
    }
    QPointer<QTcpSocket> guard(socket);
    QTimer::singleShot(m_faults.slowMs, this, [responder, response, guard, region = m_config.regionId] {
        if (guard && guard->state() == QAbstractSocket::ConnectedState)
            send(*responder, response, region);
    });
    return true;
}

void RegionServer::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    auto responder = makeResponder(request, socket);
    send(responder, azureError(404, QStringLiteral("NotFound"), QStringLiteral("no such resource")), m_config.regionId);
}

HttpResponse RegionServer::route(const QHttpServerRequest &request, QTcpSocket *)
{
    const QString path = request.url().path();
    const auto method = request.method();
    if (request.body().size() > kMaxBodyBytes)
        return azureError(413, QStringLiteral("RequestEntityTooLarge"), QStringLiteral("the request body is too large"));
    if (path == u"/healthz" && method == QHttpServerRequest::Method::Get)
        return health(QStringLiteral("bot-api"));
    if (path == u"/kb/healthz" && method == QHttpServerRequest::Method::Get)
        return health(QStringLiteral("knowledge-base"));
    if (path == u"/api/messages") {
        if (method != QHttpServerRequest::Method::Post)
            return azureError(405, QStringLiteral("MethodNotAllowed"), QStringLiteral("use POST"));
        return chat(request);
    }
    if (SearchApi::handles(request.url())) {
        if (m_faults.componentsDown.contains(QStringLiteral("search-index")))
            return azureError(503, QStringLiteral("ServiceUnavailable"),
                                 QStringLiteral("the search service in region %1 is unavailable").arg(m_config.regionId));
        QHash<QByteArray, QByteArray> headers;
        for (const auto &[name, value] : request.headers())
            headers.insert(name.toLower(), value);
        QUrl base;
        base.setScheme(QStringLiteral("https"));
        base.setHost(QStringLiteral("127.0.0.1"));
        base.setPort(serverPorts().value(0));
        return m_search->handle(methodName(method).toLatin1(), request.url(), headers, request.body(), base);
    }
    return azureError(404, QStringLiteral("NotFound"), QStringLiteral("no such resource: %1").arg(path));
}

HttpResponse RegionServer::health(const QString &component) const
{
    const bool down = m_faults.componentsDown.contains(component);
    return jsonResponse(down ? 503 : 200,
                        {{QStringLiteral("region"), m_config.regionId},
                         {QStringLiteral("component"), component},
                         {QStringLiteral("status"), down ? QStringLiteral("down") : QStringLiteral("ok")},
                         {QStringLiteral("version"), QStringLiteral(DR_VERSION)},
                         {QStringLiteral("startedAt"), m_started.toString(Qt::ISODate)}});
}

HttpResponse RegionServer::chat(const QHttpServerRequest &request)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body(), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return azureError(400, QStringLiteral("BadArgument"), QStringLiteral("the body is not a JSON activity"));
    const QJsonObject activity = doc.object();
    if (activity.value(QStringLiteral("type")).toString() != u"message")
        return azureError(400, QStringLiteral("BadArgument"), QStringLiteral("only activities of type 'message' are answered"));
    const QString text = activity.value(QStringLiteral("text")).toString().trimmed();
    if (text.isEmpty())
        return azureError(400, QStringLiteral("BadArgument"), QStringLiteral("the activity has no text"));
    if (m_faults.componentsDown.contains(QStringLiteral("knowledge-base"))
        || m_faults.componentsDown.contains(QStringLiteral("search-index")))
        return azureError(502, QStringLiteral("KnowledgeBaseUnavailable"),
                             QStringLiteral("the knowledge base of region %1 does not answer").arg(m_config.regionId));

    QString documentId;
    QString answer = m_store->bestAnswer(QString::fromLatin1(kIndexName), text, &documentId);
    if (answer.isEmpty())
        answer = QStringLiteral("Sorry, I have no answer to that yet. A colleague from the service desk will follow up.");

    const QJsonObject conversation = activity.value(QStringLiteral("conversation")).toObject();
    QJsonObject reply{
        {QStringLiteral("type"), QStringLiteral("message")},
        {QStringLiteral("id"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
        {QStringLiteral("timestamp"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
        {QStringLiteral("channelId"), activity.value(QStringLiteral("channelId")).toString(QStringLiteral("drlab"))},
        {QStringLiteral("from"), QJsonObject{{QStringLiteral("id"), QStringLiteral("drlab-bot-%1").arg(m_config.regionId)},
                                             {QStringLiteral("name"), QStringLiteral("DR lab bot (%1)").arg(m_config.regionId)}}},
        {QStringLiteral("recipient"), activity.value(QStringLiteral("from"))},
        {QStringLiteral("conversation"), conversation},
        {QStringLiteral("replyToId"), activity.value(QStringLiteral("id"))},
        {QStringLiteral("text"), answer},
        {QStringLiteral("locale"), activity.value(QStringLiteral("locale")).toString(QStringLiteral("en-US"))},
        {QStringLiteral("channelData"), QJsonObject{{QStringLiteral("region"), m_config.regionId},
                                                    {QStringLiteral("knowledgeBaseDocument"), documentId}}},
    };
    if (m_transcripts) {
        const QString conversationId = conversation.value(QStringLiteral("id")).toString(QStringLiteral("anonymous"));
        m_transcripts(conversationId, QJsonDocument(QJsonObject{{QStringLiteral("request"), activity},
                                                                {QStringLiteral("reply"), reply}})
                                          .toJson(QJsonDocument::Compact));
    }
    return jsonResponse(200, {{QStringLiteral("activities"), QJsonArray{reply}}});
}

} // namespace drlab
