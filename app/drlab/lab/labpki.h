#pragma once

// The lab's certificate authority, made with the openssl command (a real CA, real keys):
// DIR/ca/ca.pem + ca.key, and per endpoint DIR/certs/NAME.pem (certificate), NAME.key
// (private key, 0600) and NAME.bundle.pem (both, for HAProxy, 0600). Certificates are for
// localhost and 127.0.0.1; their validity is chosen, so a fault can make one expire.

#include "common/result.h"

#include <QDateTime>
#include <QSslConfiguration>
#include <QString>

namespace drlab {

class LabPki
{
public:
    explicit LabPki(const QString &labDir);

    bool hasCa() const;
    dr::Result<void> ensureCa();
    // Valid from notBefore to notAfter. Replaces the files atomically.
    dr::Result<void> issue(const QString &name, const QDateTime &notBefore, const QDateTime &notAfter);
    // Valid from a day ago until `days` days from now (negative: already expired).
    dr::Result<void> issueForDays(const QString &name, int days);
    bool hasCertificate(const QString &name) const;

    QString caCertificate() const;
    QString certificate(const QString &name) const;
    QString privateKey(const QString &name) const;
    QString bundle(const QString &name) const;

    // A TLS server's configuration from a certificate and its EC key, PEM files as issue()
    // writes them; clients are not asked for a certificate.
    static dr::Result<QSslConfiguration> serverTls(const QString &certificatePath, const QString &privateKeyPath);

private:
    dr::Result<void> openssl(const QStringList &args) const;
    QString m_dir;
};

} // namespace drlab
