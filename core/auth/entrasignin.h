#pragma once

// Operators signing in with Microsoft Entra ID (the device code flow of core/azure/entra.h),
// beside the local passphrases of the operator directory. The profile's azure.signIn says
// whether it is allowed, which tenant and public client to use, and which values of which
// claim ("roles": app role values; "groups": group object ids) give which DR Console role.
//
// Trust: the token is never read from the operator, a file or the keychain: it is the answer
// of the token endpoint, received over TLS verified against the system store (and the
// profile's CAs). OpenID Connect Core 3.1.3.7 lets a client skip the signature check of an
// ID token received that way, so the claims are used as decoded. Whoever can change the
// profile's authority can sign in as anyone; the profile is as trusted as the binary.
//
// An Entra ID operator is named "entra:" + the account (preferred_username, else upn, else
// email, else the object id). ':' is not allowed in local operator names, so an Entra account
// never passes for a local operator, and the two-person rule (names compared without case)
// still needs two different accounts.

#include "auth/operatordirectory.h"
#include "azure/entra.h"
#include "common/result.h"
#include "profile/profile.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

namespace dr {

// "entra:" + the account named by the claims; "entra:" alone when they name none.
QString entraOperatorName(const QJsonObject &claims);

// The profile's azure.signIn with tenantId and clientId defaulted from azure.
EntraSignInSettings effectiveSignIn(const AzureSettings &azure);

// Whether the profile lets operators sign in with Entra ID; the error says what is missing
// (azure.signIn.enabled, a tenant, a client id, a role mapping).
Result<void> entraSignInAllowed(const Profile &profile);

// What the device code flow needs for operator sign-in: the profile's authority, the sign-in
// tenant and public client (no secret: operators never use the app's credential), the
// profile's extra CAs.
EntraSettings entraSignInSettings(const Profile &profile);

// The scope asked with the device code flow (EntraTokenClient adds "openid profile
// offline_access"): the profile's ARM scope. The roles and groups DR Console reads are in the
// ID token, whose audience is the sign-in client whatever the access token is for; ARM's
// user_impersonation is a delegated permission tenants commonly consent to already, while
// CLIENT/.default would need the app registration to expose an API of its own.
QString entraSignInScope(const Profile &profile);

// The operator a token signs in: its claims mapped by the profile's azure.signIn, at `now`.
// Refused (with the reason) when sign-in is not enabled, the token is for another tenant or
// another client, has expired, or carries none of the mapped claim values. When several values
// map, the highest role wins in the order viewer < operator < approver < admin (map a value to
// admin for someone who both runs and approves).
Result<SignedInOperator> entraOperator(const AccessToken &token, const Profile &profile, const QDateTime &now);

} // namespace dr
