#pragma once

// One region of the lab, standing in for its App Services (bot API and knowledge-base
// runtime) and its Azure AI Search service, over HTTPS with the lab's certificate:
//   GET  /healthz          bot API health      {"region","component","status","version"}
//   GET  /kb/healthz       knowledge-base (QnA runtime) health
//   POST /api/messages     a Bot Framework activity (deliveryMode expectReplies), answered
//                          from this region's knowledge base; header X-DR-Region
//   *    /indexes...       the Azure AI Search REST subset (search/searchapi.h)
// It applies the lab's faults as they change (region down, slow, a component down) and
// reloads its certificate when the file changes, without a restart.

#include "faults.h"
#include "search/httpresponse.h"

#include <QAbstractHttpServer>
#include <QDateTime>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>

class QTcpSocket;

namespace drlab {

class SearchApi;
class SearchStore;

struct RegionServerConfig
{
    QString regionId;
    QString labDir;
    QString certificatePath;
    QString privateKeyPath;
    QString databasePath;
    QByteArray searchAdminKey;
    QByteArray searchQueryKey;
    quint16 port = 0;
};

class RegionServer : public QAbstractHttpServer
{
    Q_OBJECT

public:
    explicit RegionServer(const RegionServerConfig &config, QObject *parent = nullptr);
    ~RegionServer() override;

    // Opens the index store (seeding the knowledge base on first start), loads the
    // certificate and listens. An error says what failed.
    dr::Result<quint16> start();
    void setFaults(const Faults &faults);

    // Called with each answered chat (conversation id, activity JSON): the transcript sink.
    void setTranscriptSink(std::function<void(const QString &, const QByteArray &)> sink) { m_transcripts = std::move(sink); }

    static constexpr qint64 kMaxBodyBytes = 17 * 1024 * 1024; // a 16 MB search batch and its envelope

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    HttpResponse route(const QHttpServerRequest &request, QTcpSocket *socket);
    HttpResponse health(const QString &component) const;
    HttpResponse chat(const QHttpServerRequest &request);
    dr::Result<void> loadCertificate();
    void reloadCertificateIfChanged();

    RegionServerConfig m_config;
    RegionFaults m_faults;
    std::unique_ptr<SearchStore> m_store;
    std::unique_ptr<SearchApi> m_search;
    std::function<void(const QString &, const QByteArray &)> m_transcripts;
    QDateTime m_certificateModified;
    QTimer m_certificateWatch;
    QDateTime m_started;
};

} // namespace drlab
