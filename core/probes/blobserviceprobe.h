#pragma once

// A storage account component: a signed List Containers (one item) on its blob endpoint.
// Healthy when the service answers 200 to our Shared Key; a 403 says the key is wrong.
// options: accountName; secrets: accountKey (base64, as the portal shows it).

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
