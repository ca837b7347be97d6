#pragma once

// HTTP dates as Azure Storage writes and reads them: RFC 1123 in GMT, "Wed, 26 Nov 2026
// 07:00:00 GMT" (x-ms-date, Last-Modified, LastSyncTime). Always the C locale: a German desktop
// must not sign "Mi., 26 Nov." and get every request refused.

#include <QByteArray>
#include <QDateTime>

namespace dr::azure {

// Formats in UTC; an invalid time gives an empty string.
QByteArray httpDate(const QDateTime &time);

// Parses RFC 1123 ("Wed, 26 Nov 2026 07:00:00 GMT"); an invalid QDateTime when it is not one.
QDateTime parseHttpDate(const QByteArray &text);

} // namespace dr::azure
