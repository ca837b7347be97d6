#pragma once

// TLS certificate: a handshake with SNI to host:port, then the leaf and chain are judged:
// notAfter and days left (by the engine's clock), issuer, subject/SAN against the expected
// name, and chain validity against the system store plus the profile's CAs. States:
//   ok, warning (<= warning days), critical (<= critical days)  -> the handshake was valid
//   expired, invalid (untrusted, wrong host, not yet valid, self-signed...) -> with why
// Probe outcome: ok -> Success, warning/critical -> Degraded, expired/invalid -> Failure.

#include "probe.h"

#include <QElapsedTimer>
#include <QSslError>
#include <QTimer>

class QSslSocket;

namespace dr {

class TlsProbe final : public Probe
{
    Q_OBJECT

public:
    TlsProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent = nullptr);
    ~TlsProbe() override;

    void start() override;
    void abort() override;

    static QList<QSslCertificate> loadCaFile(const QString &path);

    struct Verdict
    {
        QString state; // ok, warning, critical, expired, invalid
        QString reason;
        qint64 daysLeft = 0;
    };
    // Pure: judge a presented chain given the handshake's verification errors.
    static Verdict judge(const QList<QSslCertificate> &chain, const QList<QSslError> &errors,
                         const QDateTime &now, int warningDays, int criticalDays);

private:
    void onEncrypted();
    void onFailed(const QString &reason, bool handshake = false);
    void finish(ProbeResult result);

    QSslSocket *m_socket = nullptr;
    QTimer m_timeout;
    QElapsedTimer m_elapsed;
    QList<QSslError> m_errors;
    bool m_done = false;
};

} // namespace dr
