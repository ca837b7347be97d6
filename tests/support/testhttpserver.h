#pragma once

// A real HTTP/1.1 server on a loopback port for tests, plain or TLS, with the behaviours a
// probe must survive: a normal answer (optionally slow), no answer at all, an endless body,
// and a connection closed at once. Not a fake of anything: sockets, bytes and TLS are real.

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslCertificate>
#include <QSslKey>
#include <QTcpServer>

class QTcpSocket;

namespace dr::test {

class TestHttpServer : public QObject
{
    Q_OBJECT

public:
    // BadRequestToAnything answers the first bytes, whatever they are, with a plain HTTP 400 and
    // closes: what a TLS client meets at a plain HTTP port.
    enum class Behaviour { Respond, NeverAnswer, EndlessBody, CloseAtOnce, BadRequestToAnything };

    explicit TestHttpServer(QObject *parent = nullptr);
    ~TestHttpServer() override;

    // TLS with this certificate chain and key; call before listen().
    void setTls(const QList<QSslCertificate> &chain, const QSslKey &key);
    bool listen(quint16 port = 0);
    quint16 port() const;
    QString url(const QString &path = QStringLiteral("/"), const QString &host = QStringLiteral("127.0.0.1")) const;
    void close();

    void setBehaviour(Behaviour b) { m_behaviour = b; }
    void setResponse(int status, const QByteArray &body,
                     const QByteArray &contentType = QByteArrayLiteral("application/json"))
    {
        m_status = status;
        m_body = body;
        m_contentType = contentType;
    }
    void setDelayMs(int ms) { m_delayMs = ms; }
    int requestCount() const { return m_requests; }
    QList<QByteArray> requestHeads() const { return m_heads; }

private:
    void onConnection(QTcpSocket *socket);
    void onReadyRead(QTcpSocket *socket);
    void respond(QTcpSocket *socket);
    void streamForever(QTcpSocket *socket);

    QTcpServer *m_server = nullptr;
    bool m_tls = false;
    Behaviour m_behaviour = Behaviour::Respond;
    int m_status = 200;
    QByteArray m_body = QByteArrayLiteral("{\"status\":\"ok\"}");
    QByteArray m_contentType = QByteArrayLiteral("application/json");
    int m_delayMs = 0;
    int m_requests = 0;
    QList<QByteArray> m_heads;
    QList<QPointer<QTcpSocket>> m_sockets;
};

// A loopback port with nothing listening on it (bound, then released).
quint16 deadPort();

} // namespace dr::test
