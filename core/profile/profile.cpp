#include "profile.h"

namespace dr {

QString toString(Environment environment)
{
    switch (environment) {
    case Environment::Production:
        return QStringLiteral("production");
    case Environment::Staging:
        return QStringLiteral("staging");
    case Environment::Lab:
        return QStringLiteral("lab");
    }
    return {};
}

QString toString(RegionRole role)
{
    return role == RegionRole::Primary ? QStringLiteral("primary") : QStringLiteral("secondary");
}

const Component *Region::component(const QString &componentId) const
{
    for (const Component &c : components) {
        if (c.id == componentId)
            return &c;
    }
    return nullptr;
}

const Region *Profile::region(const QString &regionId) const
{
    for (const Region &r : regions) {
        if (r.id == regionId)
            return &r;
    }
    return nullptr;
}

const Region *Profile::primary() const
{
    for (const Region &r : regions) {
        if (r.role == RegionRole::Primary)
            return &r;
    }
    return nullptr;
}

const Region *Profile::secondary() const
{
    for (const Region &r : regions) {
        if (r.role == RegionRole::Secondary)
            return &r;
    }
    return nullptr;
}

} // namespace dr
