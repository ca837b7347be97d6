#pragma once

// Contract tests of the Azure code: Microsoft's official examples
// (../shared/azure-rest-examples/, see its SOURCES.md) loaded as they are, and a real HTTP/1.1
// server on a loopback port (plain or TLS) that replays scripted answers — an example's status,
// headers and body — to the real client code and records every request it receives, so a test
// can compare what our code sent with the example's method, path, query and body.

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslCertificate>
#include <QSslKey>
#include <QString>
#include <QUrl>
#include <QUrlQuery>

#include <functional>
#include <optional>

class QTcpServer;
class QTcpSocket;

namespace dr::test {

// One example file: {"parameters": {...}, "responses": {"200": {"headers": {...}, "body": ...}}}.
struct AzureExample
{
    QString file;          // as named under azure-rest-examples/, e.g. "trafficmanager/Profile-GET-WithEndpoints.json"
    QString error;         // non-empty when it could not be read
    QJsonObject parameters;
    QJsonObject responses; // status code (as text) -> {"headers", "body"}

    // Reads DR_SHARED_DIR/azure-rest-examples/FILE (DR_SHARED_DIR is set by ctest).
    static AzureExample load(const QString &file);
    static QString examplesDir();
    // Every example file, relative to examplesDir() ("area/Name.json"), sorted.
    static QStringList allFiles();

    bool ok() const { return error.isEmpty(); }
    QString apiVersion() const { return parameters.value(QStringLiteral("api-version")).toString(); }
    QString parameter(const QString &name) const { return parameters.value(name).toVariant().toString(); }
    QJsonValue requestBody(const QString &parameterName) const { return parameters.value(parameterName); }
    bool hasResponse(int status) const { return responses.contains(QString::number(status)); }
    QJsonValue responseBody(int status) const;
    QJsonObject responseHeaders(int status) const;
};

struct RecordedRequest
{
    QByteArray method;
    QString path;        // decoded path
    QUrlQuery query;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;
    QByteArray header(const QByteArray &name) const; // case-insensitive; empty when absent
    QJsonValue json() const;                         // the body parsed (Undefined if not JSON)
};

struct ScriptedResponse
{
    int status = 200;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray body;
    int delayMs = 0;
    bool dropConnection = false; // close without answering (a dropped connection)
};

class ReplayServer : public QObject
{
    Q_OBJECT

public:
    explicit ReplayServer(QObject *parent = nullptr);
    ~ReplayServer() override;

    void setTls(const QList<QSslCertificate> &chain, const QSslKey &key); // before listen()
    bool listen();
    quint16 port() const;
    QUrl url(const QString &path = QStringLiteral("/")) const; // http(s)://127.0.0.1:PORT/path

    // Answers in the order given; a request with none left gets 500 "no scripted response".
    void enqueue(const ScriptedResponse &response);
    // The example's answer for `status`: its body (as compact JSON; none when the example has
    // no body) and headers, where absolute URLs in Location / Azure-AsyncOperation /
    // Operation-Location are moved onto this server (same path and query), as ARM would point
    // at itself.
    void enqueueExample(const AzureExample &example, int status);
    // Instead of (or before) the queue: a handler for requests it accepts (returns a response),
    // e.g. a token endpoint; nullopt passes the request on to the queue.
    using Handler = std::function<std::optional<ScriptedResponse>(const RecordedRequest &)>;
    void setHandler(Handler handler) { m_handler = std::move(handler); }

    // Answers POST .../oauth2/v2.0/token as Entra ID's token endpoint does for a granted client
    // credentials request (a bearer `accessToken` valid for an hour) and passes every other
    // request on to the queue: what a test of the ARM or data-plane code needs beside it.
    void serveTokens(const QByteArray &accessToken = QByteArrayLiteral("t"));
    QList<RecordedRequest> tokenRequests() const { return m_tokenRequests; }

    QList<RecordedRequest> requests() const { return m_requests; }
    int pending() const { return int(m_queue.size()); }
    void clear() { m_requests.clear(); m_tokenRequests.clear(); m_queue.clear(); }

    // An absolute URL moved onto this server (scheme, host and port replaced).
    QUrl rebase(const QUrl &url) const;

private:
    void onConnection(QTcpSocket *socket);
    void onReadyRead(QTcpSocket *socket);
    void answer(QTcpSocket *socket, const RecordedRequest &request);

    QTcpServer *m_server = nullptr;
    bool m_tls = false;
    QList<ScriptedResponse> m_queue;
    QList<RecordedRequest> m_requests;
    QList<RecordedRequest> m_tokenRequests;
    Handler m_handler;
    QList<QPointer<QTcpSocket>> m_sockets;
};

} // namespace dr::test
