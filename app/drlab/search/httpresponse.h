#pragma once

// An HTTP response as a plain value: what a lab request handler returns and the lab's HTTP
// shell writes to the socket. Header names are sent as given; contentType becomes the
// Content-Type header (an empty contentType sends none).

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

namespace drlab {

struct HttpResponse
{
    int status = 200;
    QByteArray contentType = QByteArrayLiteral("application/json; odata.metadata=minimal");
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
};

// A compact JSON body.
inline HttpResponse jsonResponse(int status, const QJsonObject &body)
{
    HttpResponse r;
    r.status = status;
    r.contentType = QByteArrayLiteral("application/json; charset=utf-8");
    r.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    return r;
}

// The error body Azure's services share, Resource Manager included: {"error": {"code", "message"}}.
inline HttpResponse azureError(int status, const QString &code, const QString &message)
{
    return jsonResponse(status, {{QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), code},
                                                                       {QStringLiteral("message"), message}}}});
}

} // namespace drlab
