#include "armclient.h"

#include "entra.h"

// PLACEHOLDER until the ARM client lands (issue 7, helper A replaces this whole file).
#include <QTimer>

namespace dr {

QByteArray ArmResponse::header(const QByteArray &name) const
{
    for (const auto &[k, v] : headers) {
        if (k.compare(name, Qt::CaseInsensitive) == 0)
            return v;
    }
    return {};
}

ArmClient::ArmClient(QNetworkAccessManager *network, TokenSource *tokens, const QUrl &endpoint,
    const QString &scope, QObject *parent)
    : QObject(parent)
    , m_network(network)
    , m_tokens(tokens)
    , m_endpoint(endpoint)
    , m_scope(scope)
{}

void ArmClient::send(const QByteArray &, const QString &, const QString &, const QJsonObject &,
    Callback done, const QString &)
{
    QTimer::singleShot(0, this, [done] { done(fail(QStringLiteral("ARM client not built yet"))); });
}

void ArmClient::sendLongRunning(const QByteArray &method, const QString &path,
    const QString &apiVersion, const QJsonObject &body, Callback done)
{
    send(method, path, apiVersion, body, std::move(done));
}

} // namespace dr
