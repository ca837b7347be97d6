#include "replayserver.h"

#include <QDir>
#include <QDirIterator>
#include <QJsonArray>
#include <QFile>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSslConfiguration>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace dr::test {

QString AzureExample::examplesDir()
{
    QString shared = qEnvironmentVariable("DR_SHARED_DIR");
    if (shared.isEmpty())
        shared = QStringLiteral(DR_TEST_DEFAULT_SHARED_DIR);
    return QDir(shared).filePath(QStringLiteral("azure-rest-examples"));
}

QStringList AzureExample::allFiles()
{
    const QDir root(examplesDir());
    QStringList out;
    QDirIterator it(root.path(), { QStringLiteral("*.json") }, QDir::Files,
        QDirIterator::Subdirectories);
    while (it.hasNext())
        out.append(root.relativeFilePath(it.next()));
    out.sort();
    return out;
}

AzureExample AzureExample::load(const QString &file)
{
    AzureExample e;
    e.file = file;
    QFile f(QDir(examplesDir()).filePath(file));
    if (!f.open(QIODevice::ReadOnly)) {
        e.error = QStringLiteral("cannot read %1: %2").arg(f.fileName(), f.errorString());
        return e;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
    if (!doc.isObject()) {
        e.error = QStringLiteral("%1 is not a JSON object: %2").arg(f.fileName(), pe.errorString());
        return e;
    }
    e.parameters = doc.object().value(QStringLiteral("parameters")).toObject();
    e.responses = doc.object().value(QStringLiteral("responses")).toObject();
    if (e.responses.isEmpty())
        e.error = QStringLiteral("%1 has no responses").arg(f.fileName());
    return e;
}

QJsonValue AzureExample::responseBody(int status) const
{
    return responses.value(QString::number(status)).toObject().value(QStringLiteral("body"));
}

QJsonObject AzureExample::responseHeaders(int status) const
{
    return responses.value(QString::number(status)).toObject().value(QStringLiteral("headers")).toObject();
}

QByteArray RecordedRequest::header(const QByteArray &name) const
{
    for (const auto &[k, v] : headers) {
        if (k.compare(name, Qt::CaseInsensitive) == 0)
            return v;
    }
    return {};
}

QJsonValue RecordedRequest::json() const
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError)
        return QJsonValue(QJsonValue::Undefined);
    return doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
}

ReplayServer::ReplayServer(QObject *parent)
    : QObject(parent)
{}

ReplayServer::~ReplayServer()
{
    if (m_server)
        m_server->close();
    for (const auto &s : std::as_const(m_sockets)) {
        if (s)
            s->abort();
    }
}

void ReplayServer::setTls(const QList<QSslCertificate> &chain, const QSslKey &key)
{
    auto *server = new QSslServer(this);
    QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
    conf.setLocalCertificateChain(chain);
    conf.setPrivateKey(key);
    conf.setPeerVerifyMode(QSslSocket::VerifyNone);
    server->setSslConfiguration(conf);
    server->setHandshakeTimeout(5000);
    delete m_server;
    m_server = server;
    m_tls = true;
}

bool ReplayServer::listen()
{
    if (!m_server)
        m_server = new QTcpServer(this);
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
        while (m_server->hasPendingConnections())
            onConnection(m_server->nextPendingConnection());
    });
    return m_server->listen(QHostAddress::LocalHost, 0);
}

quint16 ReplayServer::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

QUrl ReplayServer::url(const QString &path) const
{
    QUrl u;
    u.setScheme(m_tls ? QStringLiteral("https") : QStringLiteral("http"));
    u.setHost(QStringLiteral("127.0.0.1"));
    u.setPort(port());
    u.setPath(path);
    return u;
}

QUrl ReplayServer::rebase(const QUrl &in) const
{
    QUrl u = in;
    u.setScheme(m_tls ? QStringLiteral("https") : QStringLiteral("http"));
    u.setHost(QStringLiteral("127.0.0.1"));
    u.setPort(port());
    return u;
}

void ReplayServer::serveTokens(const QByteArray &accessToken)
{
    m_handler = [this, accessToken](const RecordedRequest &r) -> std::optional<ScriptedResponse> {
        if (r.method != "POST" || !r.path.endsWith(QStringLiteral("/oauth2/v2.0/token")))
            return std::nullopt;
        m_tokenRequests.append(r);
        ScriptedResponse token;
        token.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
        token.body = QJsonDocument(QJsonObject{{QStringLiteral("access_token"), QString::fromLatin1(accessToken)},
                                               {QStringLiteral("expires_in"), 3600},
                                               {QStringLiteral("token_type"), QStringLiteral("Bearer")}})
                         .toJson(QJsonDocument::Compact);
        return token;
    };
}

void ReplayServer::enqueue(const ScriptedResponse &response)
{
    m_queue.append(response);
}

void ReplayServer::enqueueExample(const AzureExample &example, int status)
{
    ScriptedResponse r;
    r.status = status;
    const QJsonObject headers = example.responseHeaders(status);
    for (auto it = headers.begin(); it != headers.end(); ++it) {
        QString value = it.value().toVariant().toString();
        const QString name = it.key();
        if (name.compare(u"Location", Qt::CaseInsensitive) == 0
            || name.compare(u"Azure-AsyncOperation", Qt::CaseInsensitive) == 0
            || name.compare(u"Operation-Location", Qt::CaseInsensitive) == 0) {
            const QUrl u(value, QUrl::StrictMode);
            if (u.isValid() && !u.host().isEmpty() && u.port() != 0) {
                value = rebase(u).toString(QUrl::FullyEncoded);
            } else {
                // Some examples write a placeholder authority ("https://endpoint:port/..."), not
                // a URL: its scheme and authority are replaced as text.
                static const QRegularExpression authority(QStringLiteral("^https?://[^/]+"));
                value.replace(authority, url(QStringLiteral("/")).toString().chopped(1));
            }
        }
        r.headers.append({ name.toUtf8(), value.toUtf8() });
    }
    const QJsonValue body = example.responseBody(status);
    if (body.isObject())
        r.body = QJsonDocument(body.toObject()).toJson(QJsonDocument::Compact);
    else if (body.isArray())
        r.body = QJsonDocument(body.toArray()).toJson(QJsonDocument::Compact);
    else if (body.isString())
        r.body = body.toString().toUtf8();
    else if (!body.isUndefined() && !body.isNull()) {
        // A bare number or boolean (Documents_Count answers 427): its JSON text.
        const QByteArray wrapped = QJsonDocument(QJsonArray{body}).toJson(QJsonDocument::Compact);
        r.body = wrapped.mid(1, wrapped.size() - 2);
    }
    m_queue.append(r);
}

void ReplayServer::onConnection(QTcpSocket *socket)
{
    m_sockets.append(socket);
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
    if (socket->bytesAvailable() > 0)
        onReadyRead(socket);
}

void ReplayServer::onReadyRead(QTcpSocket *socket)
{
    QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
    for (;;) {
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            break;
        const QList<QByteArray> lines = buffer.left(end).split('\n');
        RecordedRequest req;
        qint64 length = 0;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArray k = line.left(colon).trimmed();
            const QByteArray v = line.mid(colon + 1).trimmed();
            req.headers.append({ k, v });
            if (k.compare("content-length", Qt::CaseInsensitive) == 0)
                length = v.toLongLong();
        }
        if (buffer.size() < end + 4 + length)
            break; // the body is not all here yet
        const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
        req.method = first.value(0);
        const QUrl target = QUrl::fromEncoded(QByteArray("http://x") + first.value(1));
        req.path = target.path();
        req.query = QUrlQuery(target);
        req.body = buffer.mid(end + 4, length);
        buffer.remove(0, end + 4 + length);
        m_requests.append(req);
        answer(socket, req);
    }
    socket->setProperty("buffer", buffer);
}

void ReplayServer::answer(QTcpSocket *socket, const RecordedRequest &request)
{
    std::optional<ScriptedResponse> r;
    if (m_handler)
        r = m_handler(request);
    if (!r) {
        if (m_queue.isEmpty()) {
            ScriptedResponse none;
            none.status = 500;
            none.body = QByteArrayLiteral(
                "{\"error\":{\"code\":\"NoScriptedResponse\",\"message\":\"the test scripted no answer for this request\"}}");
            r = none;
        } else {
            r = m_queue.takeFirst();
        }
    }
    if (r->dropConnection) {
        socket->abort();
        return;
    }
    QByteArray out = "HTTP/1.1 " + QByteArray::number(r->status) + " Status\r\n";
    bool hasType = false;
    for (const auto &[k, v] : r->headers) {
        if (k.compare("content-length", Qt::CaseInsensitive) == 0)
            continue;
        if (k.compare("content-type", Qt::CaseInsensitive) == 0)
            hasType = true;
        out += k + ": " + v + "\r\n";
    }
    if (!hasType && !r->body.isEmpty())
        out += "Content-Type: application/json; charset=utf-8\r\n";
    out += "Content-Length: " + QByteArray::number(r->body.size()) + "\r\n";
    out += "Connection: keep-alive\r\n\r\n";
    out += r->body;
    if (r->delayMs > 0) {
        QPointer<QTcpSocket> guard(socket);
        QTimer::singleShot(r->delayMs, this, [guard, out] {
            if (guard)
                guard->write(out);
        });
    } else {
        socket->write(out);
    }
}

} // namespace dr::test
