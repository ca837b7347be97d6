#pragma once

// A storage account component: an authorized List Containers (one item) on its blob endpoint.
// Healthy when the service answers 200 to our Shared Key, or with auth "entra" to a bearer
// token from ProbeContext::azureTokens for its storageScope; a 403 says the key is wrong or
// the app lacks a "Storage Blob Data" role.
// options: accountName, auth ("key" | "entra"); secrets: accountKey (auth "key": base64, as
// the portal shows it).

#include "probe.h"

namespace dr {

class BlobServiceProbe final : public Probe
{
    Q_OBJECT

public:
    BlobServiceProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent = nullptr);
    void start() override;
    void abort() override;

private:
    QObject *m_work = nullptr;
    bool m_done = false;
};

} // namespace dr
