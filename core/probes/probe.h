#pragma once

// One check of one thing. A Probe is a short-lived handle: start() begins the work, and the
// probe emits finished() exactly once, within its target's timeout, whatever happens (the
// engine also holds a watchdog). Probes never block and never throw; a failure is a result
// with a reason an operator can act on.
//
// Adding a probe kind is one new Probe subclass plus one line in ProbeRegistry's built-ins.

#include "common/clock.h"
#include "profile/profile.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QString>
#include <QUrl>

class QNetworkAccessManager;

namespace dr {

class ArmClient;
class TokenSource;

// What to probe: one component, or one certificate endpoint.
struct ProbeTarget
{
    QString id;          // unique within an engine, e.g. "westeurope/bot-api" or "cert/global"
    QString regionId;    // empty: global
    QString componentId; // component or certificate id
    QUrl endpoint;       // for tls probes: https://host:port
    ProbeSettings settings;
    int certificateWarningDays = 30;
    int certificateCriticalDays = 7;
    // Values of secret-backed headers, resolved before probing (SecretStore). Held in memory
    // only; never logged, never written.
    QHash<QByteArray, QByteArray> secretHeaders;
    // Kind-specific settings (e.g. an index name, the other region's endpoint), written by
    // whoever builds the target (StatusMonitor) and read by the probe kind.
    QJsonObject options;
    // Secrets a probe kind needs, by role ("apiKey", "source.apiKey", ...): the references to
    // resolve, then their values. Values are held in memory only.
    QHash<QString, SecretRef> secretRefs;
    QHash<QString, QByteArray> secrets;
    // When set, the target fails with this reason without being probed (e.g. a secret that
    // could not be read): the operator sees why instead of a misleading 401.
    QString setupError;
};

struct ProbeResult
{
    enum class Outcome {
        Success,  // healthy
        Degraded, // answered, but not as it should (e.g. certificate near expiry)
        Failure,  // did not answer correctly
    };
    Outcome outcome = Outcome::Failure;
    QString detail;       // what happened, in an operator's words ("HTTP 200", "connection refused")
    qint64 latencyMs = -1;
    QDateTime finishedAt; // wall time, from the engine's clock
    QJsonObject data;     // kind-specific facts (e.g. a certificate's notAfter and days left)

    bool ok() const { return outcome == Outcome::Success; }
    static ProbeResult failure(const QString &detail, qint64 latencyMs = -1)
    {
        ProbeResult r;
        r.outcome = Outcome::Failure;
        r.detail = detail;
        r.latencyMs = latencyMs;
        return r;
    }
};

// What a probe may use: shared, owned by the engine.
struct ProbeContext
{
    QNetworkAccessManager *network = nullptr;
    Clock *clock = nullptr;
    QList<QSslCertificate> extraCaCertificates; // from the profile's tls.caCertificates
    // With the profile's "azure" section (else null/empty): the app's Entra ID tokens, for
    // data-plane auth "entra", and ARM, for the Azure resource probe kinds.
    TokenSource *azureTokens = nullptr;
    ArmClient *arm = nullptr;
    QString storageScope = QString();
    QString searchScope = QString();
};

class Probe : public QObject
{
    Q_OBJECT

public:
    Probe(const ProbeTarget &target, const ProbeContext &context, QObject *parent = nullptr)
        : QObject(parent)
        , m_target(target)
        , m_context(context)
    {}

    virtual void start() = 0;
    // Stop now; finished() is not emitted after abort() returns.
    virtual void abort() = 0;

    const ProbeTarget &target() const { return m_target; }

signals:
    void finished(const dr::ProbeResult &result);

protected:
    const ProbeTarget m_target;
    const ProbeContext m_context;
};

} // namespace dr
