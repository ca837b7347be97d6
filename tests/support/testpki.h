#pragma once

// Real certificates for tests, made with the openssl command at test time (never committed):
// a CA, leaves it signs with chosen validity and names, and self-signed leaves.

#include <QDateTime>
#include <QSslCertificate>
#include <QSslKey>
#include <QStringList>
#include <QTemporaryDir>

namespace dr::test {

struct IssuedCertificate
{
    QString certPath;
    QString keyPath;
    QSslCertificate certificate() const;
    QSslKey key() const;
};

class TestPki
{
public:
    TestPki(); // creates the CA; check isValid()
    bool isValid() const { return !m_caCertPath.isEmpty(); }
    QString error() const { return m_error; }
    QString caCertPath() const { return m_caCertPath; }
    QString dir() const { return m_dir.path(); }

    // A leaf signed by the CA (or by itself), valid from notBefore to notAfter, for the given
    // DNS names / IP addresses (as "DNS:localhost", "IP:127.0.0.1").
    IssuedCertificate issue(const QString &name, const QStringList &altNames, const QDateTime &notBefore,
                            const QDateTime &notAfter, bool selfSigned = false);
    // Convenience: valid from yesterday until now + days (+ an hour, so "days left" is exact).
    IssuedCertificate issueForDays(const QString &name, int days, const QStringList &altNames = defaultNames());

    static QStringList defaultNames() { return {QStringLiteral("DNS:localhost"), QStringLiteral("IP:127.0.0.1")}; }

private:
    bool run(const QStringList &args);

    QTemporaryDir m_dir;
    QString m_caCertPath;
    QString m_caKeyPath;
    QString m_error;
};

} // namespace dr::test
