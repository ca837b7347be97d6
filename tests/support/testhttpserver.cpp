#include "testhttpserver.h"

#include <QSslConfiguration>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

namespace dr::test {

TestHttpServer::TestHttpServer(QObject *parent)
    : QObject(parent)
{}

TestHttpServer::~TestHttpServer()
{
    close();
}

void TestHttpServer::setTls(const QList<QSslCertificate> &chain, const QSslKey &key)
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

bool TestHttpServer::listen(quint16 port)
{
    if (!m_server)
        m_server = new QTcpServer(this);
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
        while (m_server->hasPendingConnections())
            onConnection(m_server->nextPendingConnection());
    });
    return m_server->listen(QHostAddress::LocalHost, port);
}

quint16 TestHttpServer::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

QString TestHttpServer::url(const QString &path, const QString &host) const
{
    return QStringLiteral("%1://%2:%3%4").arg(m_tls ? QStringLiteral("https") : QStringLiteral("http"), host).arg(port()).arg(path);
}

void TestHttpServer::close()
{
    if (m_server)
        m_server->close();
    for (const auto &s : std::as_const(m_sockets)) {
        if (s)
            s->abort();
    }
    m_sockets.clear();
}

void TestHttpServer::onConnection(QTcpSocket *socket)
{
    m_sockets.append(socket);
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    if (m_behaviour == Behaviour::CloseAtOnce) {
        socket->abort();
        return;
    }
    connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
    if (socket->bytesAvailable() > 0)
        onReadyRead(socket);
}

void TestHttpServer::onReadyRead(QTcpSocket *socket)
{
    if (m_behaviour == Behaviour::BadRequestToAnything) {
        socket->readAll();
        socket->write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        socket->disconnectFromHost();
        return;
    }
    QByteArray buffer = socket->property("buffer").toByteArray() + socket->readAll();
    for (;;) {
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            break;
        const QByteArray head = buffer.left(end);
        buffer.remove(0, end + 4);
        ++m_requests;
        m_heads.append(head);
        switch (m_behaviour) {
        case Behaviour::NeverAnswer:
            break; // read, and say nothing, ever
        case Behaviour::EndlessBody:
            streamForever(socket);
            break;
        case Behaviour::CloseAtOnce:
        case Behaviour::BadRequestToAnything:
            socket->abort();
            return;
        case Behaviour::Respond:
            if (m_delayMs > 0) {
                QPointer<QTcpSocket> guard(socket);
                QTimer::singleShot(m_delayMs, this, [this, guard] {
                    if (guard)
                        respond(guard);
                });
            } else {
                respond(socket);
            }
            break;
        }
    }
    socket->setProperty("buffer", buffer);
}

void TestHttpServer::respond(QTcpSocket *socket)
{
    QByteArray out = "HTTP/1.1 " + QByteArray::number(m_status) + " Status\r\n";
    out += "Content-Type: " + m_contentType + "\r\n";
    out += "Content-Length: " + QByteArray::number(m_body.size()) + "\r\n";
    out += "Connection: keep-alive\r\n\r\n";
    out += m_body;
    socket->write(out);
}

void TestHttpServer::streamForever(QTcpSocket *socket)
{
    socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
    auto *timer = new QTimer(socket);
    const QByteArray chunk(4096, 'x');
    const QByteArray framed = QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n";
    connect(timer, &QTimer::timeout, socket, [socket, framed] {
        // Keep at most a little in flight: the point is a body that never ends, not a flood.
        if (socket->bytesToWrite() < 256 * 1024)
            socket->write(framed);
    });
    timer->start(1);
}

quint16 deadPort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    const quint16 port = s.serverPort();
    s.close();
    return port;
}

} // namespace dr::test
