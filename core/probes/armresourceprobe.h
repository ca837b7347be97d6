#pragma once

// An Azure resource behind a component, read through Azure Resource Manager
// (ProbeContext::arm, the profile's app): kinds "storage-account", "cosmos-db", "app-service"
// and "key-vault". options: resourceId, resourceApiVersion (empty: the provider's pinned
// version), location (the region's Azure location, for Cosmos DB; empty: every location).
//   storage-account  Success when the primary is available and geo-replication Live;
//                    Degraded when it is Bootstrap/Unavailable or the account cannot fail over;
//                    Failure when the primary is unavailable
//   cosmos-db        Success when the region's location (else every location) is provisioned
//                    (Succeeded); Degraded while one is changing; Failure when Failed or absent
//   app-service      Success when Running and Normal; Degraded when Limited; Failure when
//                    Stopped, disabled or in DisasterRecoveryMode
//   key-vault        Success when provisioned (it fails over by itself: state only)
// data: the parsed facts (armresources.h toJson()), for the console's details.

#include "probe.h"

#include <QTimer>

namespace dr {

class ArmResourceProbe final : public Probe
{
    Q_OBJECT

public:
    ArmResourceProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent = nullptr);
    void start() override;
    void abort() override;

    // Pure: the outcome of one kind from the resource's ARM body. Public for tests.
    static ProbeResult judge(const QString &kind, const QJsonObject &body, const QString &location = QString());

private:
    void finish(ProbeResult result);

    QTimer m_timeout;
    qint64 m_startedMs = 0;
    bool m_done = false;
};

} // namespace dr
