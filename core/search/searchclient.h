#pragma once

// A client of the Azure AI Search REST API (data plane, api-key auth), for what DR Console
// reads and writes: document counts, the newest document by a watermark field, pages of
// documents, and index batches. The same code talks to Azure and to the lab. Errors carry
// the service's own error.code and error.message.

#include "common/result.h"
#include "net/httpexchange.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QUrl>

class QNetworkAccessManager;

namespace dr {

struct SearchEndpoint
{
    QUrl serviceUrl;   // https://NAME.search.windows.net (a path prefix is kept)
    QString indexName;
    QString apiVersion = QStringLiteral("2024-07-01");
    QByteArray apiKey;
    QList<QSslCertificate> caCertificates;
    int timeoutMs = 10000;
};

class SearchClient : public QObject
{
    Q_OBJECT

public:
    SearchClient(QNetworkAccessManager *network, const SearchEndpoint &endpoint, QObject *parent = nullptr);

    void count(std::function<void(Result<qint64>)> done);
    // The document with the greatest `field` (ordered descending), or an empty object when
    // the index is empty. `select` lists the fields to return.
    void newest(const QString &field, const QStringList &select, std::function<void(Result<QJsonObject>)> done);

    QUrl url(const QString &path, const QList<std::pair<QString, QString>> &query = {}) const;
    // The service's {"error": {"code", "message"}} as one line, or the status when the body
    // has none.
    static QString errorText(const HttpReply &reply);

private:
    void get(const QUrl &url, std::function<void(Result<HttpReply>)> done);

    QNetworkAccessManager *m_network;
    SearchEndpoint m_endpoint;
};

} // namespace dr
