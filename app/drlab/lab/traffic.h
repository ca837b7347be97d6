#pragma once

// `drlab traffic`: chat requests through the global endpoint at a steady rate, each answer
// checked, counted by the region that gave it; and the longest stretch without a successful
// answer, which is what a user sees of an outage.

#include "common/result.h"

#include <QJsonObject>
#include <QMap>
#include <QUrl>

namespace drlab {

struct TrafficOptions
{
    QUrl messagesUrl;      // https://localhost:PORT/api/messages
    QString caCertificate;
    int seconds = 10;
    double rate = 5;       // requests per second
    int timeoutMs = 5000;
};

struct TrafficReport
{
    int sent = 0;
    int succeeded = 0;
    int failed = 0;
    QMap<QString, int> byRegion;
    qint64 longestOutageMs = 0;
    QMap<QString, int> failures; // reason -> count

    QJsonObject toJson() const;
};

// Runs the traffic on the calling thread's event loop and returns when done.
TrafficReport runTraffic(const TrafficOptions &options);

} // namespace drlab
