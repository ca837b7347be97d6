#pragma once

// Where one region's storage account answers, and how to reach it: the account endpoint
// (path-style for Azurite, https://127.0.0.1:PORT/drlabstore), the Shared Key credential and the
// CA certificates its TLS certificate chains to (added to the system store).

#include "azure/sharedkey.h"

#include <QList>
#include <QSslCertificate>
#include <QUrl>

namespace drlab {

struct StorageEndpoint
{
    QUrl url;
    dr::azure::StorageCredential credential;
    QList<QSslCertificate> caCertificates;
};

} // namespace drlab
