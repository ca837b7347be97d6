#include "secretref.h"

namespace dr {

QString SecretRef::describe() const
{
    switch (source) {
    case Source::Keychain:
        return QStringLiteral("keychain entry '%1'").arg(name);
    case Source::Env:
        return QStringLiteral("environment variable %1").arg(name);
    case Source::File:
        return QStringLiteral("file %1").arg(name);
    }
    return {};
}

QJsonObject SecretRef::toJson() const
{
    switch (source) {
    case Source::Keychain:
        return {{QStringLiteral("keychain"), name}};
    case Source::Env:
        return {{QStringLiteral("env"), name}};
    case Source::File:
        return {{QStringLiteral("file"), name}};
    }
    return {};
}

} // namespace dr
