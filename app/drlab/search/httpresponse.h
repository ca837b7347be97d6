#pragma once

// An HTTP response as a plain value: what a lab request handler returns and the lab's HTTP
// shell writes to the socket. Header names are sent as given; contentType becomes the
// Content-Type header (an empty contentType sends none).

#include <QByteArray>
#include <QList>
#include <QPair>

namespace drlab {

struct HttpResponse
{
    int status = 200;
    QByteArray contentType = QByteArrayLiteral("application/json; odata.metadata=minimal");
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
};

} // namespace drlab
