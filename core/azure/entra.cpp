#include "entra.h"

namespace dr {

EntraSettings entraSettings(const AzureSettings &azure, const QList<QSslCertificate> &caCertificates)
{
    EntraSettings s;
    s.authority = azure.authority;
    s.tenantId = azure.tenantId;
    s.clientId = azure.clientId;
    s.clientSecret = azure.clientSecret;
    s.caCertificates = caCertificates;
    return s;
}

} // namespace dr

// PLACEHOLDER until the token client lands (issue 7, helper A replaces this part).
#include <QTimer>

namespace dr {

EntraTokenSource::EntraTokenSource(QNetworkAccessManager *network, SecretStore *secrets,
    const EntraSettings &settings, QObject *parent)
    : TokenSource(parent)
    , m_network(network)
    , m_secrets(secrets)
    , m_settings(settings)
{}

void EntraTokenSource::setClock(const Clock *clock)
{
    m_clock = clock;
}

void EntraTokenSource::token(const QString &, Callback done)
{
    QTimer::singleShot(0, this, [done] { done(fail(QStringLiteral("Entra ID tokens not built yet"))); });
}

} // namespace dr
