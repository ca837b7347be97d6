#include "entrasignin.h"

#include "probes/tlsprobe.h"

#include <QJsonArray>
#include <QStringList>
#include <QUuid>

#include <algorithm>

namespace dr {

namespace {

const QString kPrefix = QStringLiteral("entra:");

bool multiTenant(const QString &tenant)
{
    return tenant.compare(u"organizations", Qt::CaseInsensitive) == 0
        || tenant.compare(u"common", Qt::CaseInsensitive) == 0;
}

bool isGuid(const QString &text)
{
    return !QUuid::fromString(text).isNull();
}

QString accountOf(const QJsonObject &claims)
{
    for (const auto *name : { u"preferred_username", u"upn", u"email", u"oid" }) {
        const QString value = claims.value(QString::fromUtf16(name)).toString().trimmed();
        if (!value.isEmpty())
            return value;
    }
    return {};
}

// The claim's values as strings; a single string counts as a list of one.
QStringList claimValues(const QJsonValue &value)
{
    QStringList values;
    if (value.isString())
        values.append(value.toString());
    for (const QJsonValue &v : value.toArray()) {
        if (v.isString())
            values.append(v.toString());
    }
    return values;
}

} // namespace

QString entraOperatorName(const QJsonObject &claims)
{
    return kPrefix + accountOf(claims);
}

EntraSignInSettings effectiveSignIn(const AzureSettings &azure)
{
    EntraSignInSettings s = azure.signIn;
    if (s.tenantId.isEmpty())
        s.tenantId = azure.tenantId;
    if (s.clientId.isEmpty())
        s.clientId = azure.clientId;
    return s;
}

Result<void> entraSignInAllowed(const Profile &profile)
{
    if (!profile.azure || !profile.azure->signIn.enabled)
        return fail(QStringLiteral("profile %1 does not enable Entra ID sign-in (azure.signIn.enabled); "
                                   "sign in with a passphrase instead")
                        .arg(profile.name));
    const EntraSignInSettings s = effectiveSignIn(*profile.azure);
    if (s.tenantId.isEmpty())
        return fail(QStringLiteral("profile %1 enables Entra ID sign-in but names no tenant (azure.signIn.tenantId or azure.tenantId)")
                        .arg(profile.name));
    if (s.clientId.isEmpty())
        return fail(QStringLiteral("profile %1 enables Entra ID sign-in but names no client (azure.signIn.clientId or azure.clientId)")
                        .arg(profile.name));
    if (s.claim != u"roles" && s.claim != u"groups")
        return fail(QStringLiteral("profile %1: azure.signIn.claim is \"%2\"; it must be \"roles\" or \"groups\"")
                        .arg(profile.name, s.claim));
    if (s.roles.isEmpty())
        return fail(QStringLiteral("profile %1 enables Entra ID sign-in but maps no %2 to DR Console roles (azure.signIn.roles)")
                        .arg(profile.name, s.claim));
    return {};
}

EntraSettings entraSignInSettings(const Profile &profile)
{
    EntraSettings settings;
    if (!profile.azure)
        return settings;
    const EntraSignInSettings s = effectiveSignIn(*profile.azure);
    settings.authority = profile.azure->authority;
    settings.tenantId = s.tenantId;
    settings.clientId = s.clientId;
    for (const QString &path : profile.caCertificates)
        settings.caCertificates += TlsProbe::loadCaFile(path);
    return settings;
}

QString entraSignInScope(const Profile &profile)
{
    return profile.azure ? profile.azure->armScope : AzureSettings().armScope;
}

Result<SignedInOperator> entraOperator(const AccessToken &token, const Profile &profile, const QDateTime &now)
{
    if (const auto allowed = entraSignInAllowed(profile); !allowed)
        return fail(allowed.error());
    const AzureSettings &azure = *profile.azure;
    const EntraSignInSettings s = effectiveSignIn(azure);
    const QJsonObject &claims = token.claims;
    if (claims.isEmpty())
        return fail(QStringLiteral("the Entra ID token carries no claims to sign in with (was \"openid\" asked?)"));
    const QString account = accountOf(claims);
    if (account.isEmpty())
        return fail(QStringLiteral("the Entra ID token names no account (no preferred_username, upn, email or oid claim)"));

    // The roles and groups mapped are those of the sign-in app in the profile's tenant: the
    // ID token must be for that client and, unless the profile signs in through a multi-tenant
    // authority, that tenant.
    const QString tid = claims.value(QStringLiteral("tid")).toString();
    QString expectedTenant = s.tenantId;
    if (multiTenant(expectedTenant)) {
        // Another tenant's admins assign roles in their own copy of a multi-tenant app: only
        // the app's home tenant (azure.tenantId, when it is one) may grant DR Console roles.
        expectedTenant = isGuid(azure.tenantId) ? azure.tenantId : QString();
    }
    if (!expectedTenant.isEmpty() && isGuid(expectedTenant)
        && QUuid::fromString(tid) != QUuid::fromString(expectedTenant)) {
        return fail(QStringLiteral("Entra ID account %1 signed in to tenant %2, not the profile's tenant %3")
                        .arg(account, tid.isEmpty() ? QStringLiteral("(none named)") : tid, expectedTenant));
    }
    const QJsonValue aud = claims.value(QStringLiteral("aud"));
    if (!aud.isUndefined() && !claimValues(aud).contains(s.clientId, Qt::CaseInsensitive)) {
        return fail(QStringLiteral("the Entra ID token of %1 is for %2, not the sign-in client %3")
                        .arg(account, claimValues(aud).join(QStringLiteral(", ")), s.clientId));
    }

    QDateTime expires = token.expiresOn;
    if (const QJsonValue exp = claims.value(QStringLiteral("exp")); exp.isDouble())
        expires = QDateTime::fromSecsSinceEpoch(qint64(exp.toDouble()), Qt::UTC);
    if (!expires.isValid() || expires <= now)
        return fail(QStringLiteral("the Entra ID token of %1 has expired (%2): sign in again")
                        .arg(account, expires.isValid() ? expires.toString(Qt::ISODate) : QStringLiteral("no expiry")));

    const QJsonValue values = claims.value(s.claim);
    if (values.isUndefined() && s.claim == u"groups"
        && (claims.value(QStringLiteral("hasgroups")).toBool()
            || claims.value(QStringLiteral("_claim_names")).toObject().contains(QStringLiteral("groups")))) {
        return fail(QStringLiteral("Entra ID account %1 is in too many groups for the token to list them (group overage): "
                                   "map app roles instead (azure.signIn.claim \"roles\")")
                        .arg(account));
    }
    // Group ids are GUIDs (any case); app role values are compared as written.
    const Qt::CaseSensitivity cs = s.claim == u"groups" ? Qt::CaseInsensitive : Qt::CaseSensitive;
    std::optional<Role> best;
    for (const QString &value : claimValues(values)) {
        for (auto it = s.roles.cbegin(); it != s.roles.cend(); ++it) {
            if (it.key().compare(value, cs) != 0)
                continue;
            const auto role = roleFromName(it.value());
            if (role && (!best || int(*role) > int(*best)))
                best = role;
        }
    }
    if (!best) {
        return fail(QStringLiteral("Entra ID account %1 has none of the %2 the profile maps: %3")
                        .arg(account, s.claim, s.roles.keys().join(QStringLiteral(", "))));
    }
    return SignedInOperator{kPrefix + account, *best, now};
}

} // namespace dr
