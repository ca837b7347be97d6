// Operators signing in with Entra ID: the claims of a token mapped by the profile's
// azure.signIn (core/auth/entrasignin.h), the real device code flow against a loopback
// devicecode + token endpoint, and FailoverController::signInWithEntra() recording both
// outcomes in a real audit trail.

#include "auth/entrasignin.h"
#include "entraendpoint.h"
#include "failover/failovercontroller.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::test;

namespace {

const QString kGroupOps = QStringLiteral("9c2f9d5e-1b7a-4c53-a4f6-1f0c4b1e2a01");
const QString kGroupAdmins = QStringLiteral("5a8b0c3d-7e6f-4a21-9b8c-2d3e4f5a6b02");

Profile signInProfile(const AzureSettings &azure)
{
    Profile p;
    p.name = QStringLiteral("entra-signin-test");
    p.environment = Environment::Production;
    p.azure = azure;
    return p;
}

AccessToken tokenWith(const QJsonObject &claims)
{
    AccessToken t;
    t.token = QByteArrayLiteral("opaque-access-token");
    t.expiresOn = QDateTime::currentDateTimeUtc().addSecs(3600);
    t.claims = claims;
    return t;
}

} // namespace

class TestEntraSignIn : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void mapping_data();
    void mapping();
    void defaultsFromAzure();
    void twoPersonRuleNeedsTwoAccounts();
    void deviceCodeFlowSignsIn();
    void controllerAuditsEntraSignIns();

private:
    QTemporaryDir m_dir;
};

void TestEntraSignIn::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // The controller's journal and audit trail go here, not into the user's data folder.
    qputenv("DRCONSOLE_DATA_DIR", m_dir.filePath(QStringLiteral("data")).toUtf8());
}

void TestEntraSignIn::mapping_data()
{
    QTest::addColumn<QString>("claim");
    QTest::addColumn<QString>("tenantSetting"); // empty: azure.tenantId
    QTest::addColumn<QJsonObject>("claims");
    QTest::addColumn<int>("ageSeconds");      // how long ago the token expired (<= 0: valid)
    QTest::addColumn<QString>("expectedName"); // empty: refused
    QTest::addColumn<QString>("expectedRole");
    QTest::addColumn<QString>("errorContains");

    const QJsonObject alice = EntraEndpoint::defaultClaims(QStringLiteral("alice@contoso.com"), {QStringLiteral("DR.Operator")});
    const auto with = [](QJsonObject o, const QString &key, const QJsonValue &value) {
        if (value.isUndefined())
            o.remove(key);
        else
            o.insert(key, value);
        return o;
    };

    QTest::newRow("app role maps") << "roles" << "" << alice << 0 << "entra:alice@contoso.com" << "operator" << "";
    QTest::newRow("highest role wins")
        << "roles" << "" << with(alice, QStringLiteral("roles"), QJsonArray{QStringLiteral("DR.Operator"), QStringLiteral("Unrelated"), QStringLiteral("DR.Admin"), QStringLiteral("DR.Approver")})
        << 0 << "entra:alice@contoso.com" << "admin" << "";
    QTest::newRow("approver over operator")
        << "roles" << "" << with(alice, QStringLiteral("roles"), QJsonArray{QStringLiteral("DR.Approver"), QStringLiteral("DR.Operator")})
        << 0 << "entra:alice@contoso.com" << "approver" << "";
    QTest::newRow("role values are case-sensitive")
        << "roles" << "" << with(alice, QStringLiteral("roles"), QJsonArray{QStringLiteral("dr.admin")})
        << 0 << "" << "" << "Entra ID account alice@contoso.com has none of the roles the profile maps: DR.Admin, DR.Approver, DR.Operator";
    QTest::newRow("unmapped roles")
        << "roles" << "" << with(alice, QStringLiteral("roles"), QJsonArray{QStringLiteral("Reader")})
        << 0 << "" << "" << "has none of the roles the profile maps";
    QTest::newRow("no roles claim")
        << "roles" << "" << with(alice, QStringLiteral("roles"), QJsonValue::Undefined)
        << 0 << "" << "" << "has none of the roles the profile maps";
    QTest::newRow("groups map (any case)")
        << "groups" << "" << with(alice, QStringLiteral("groups"), QJsonArray{QStringLiteral("11111111-2222-3333-4444-555555555555"), kGroupOps.toUpper()})
        << 0 << "entra:alice@contoso.com" << "operator" << "";
    QTest::newRow("groups: highest wins")
        << "groups" << "" << with(alice, QStringLiteral("groups"), QJsonArray{kGroupOps, kGroupAdmins})
        << 0 << "entra:alice@contoso.com" << "admin" << "";
    QTest::newRow("groups: roles claim ignored")
        << "groups" << "" << alice << 0 << "" << "" << "has none of the groups the profile maps";
    QTest::newRow("group overage")
        << "groups" << "" << with(alice, QStringLiteral("hasgroups"), true)
        << 0 << "" << "" << "group overage";
    QTest::newRow("other tenant")
        << "roles" << "" << with(alice, QStringLiteral("tid"), QStringLiteral("f8cdef31-a31e-4b4a-93e4-5f571e91255a"))
        << 0 << "" << "" << "signed in to tenant f8cdef31-a31e-4b4a-93e4-5f571e91255a, not the profile's tenant";
    QTest::newRow("no tenant claim")
        << "roles" << "" << with(alice, QStringLiteral("tid"), QJsonValue::Undefined)
        << 0 << "" << "" << "signed in to tenant (none named)";
    QTest::newRow("organizations: the home tenant still grants the roles")
        << "roles" << "organizations" << with(alice, QStringLiteral("tid"), QStringLiteral("f8cdef31-a31e-4b4a-93e4-5f571e91255a"))
        << 0 << "" << "" << "not the profile's tenant";
    QTest::newRow("organizations: home tenant accepted")
        << "roles" << "organizations" << alice << 0 << "entra:alice@contoso.com" << "operator" << "";
    QTest::newRow("another client's token")
        << "roles" << "" << with(alice, QStringLiteral("aud"), QStringLiteral("https://management.azure.com"))
        << 0 << "" << "" << "is for https://management.azure.com, not the sign-in client";
    QTest::newRow("expired")
        << "roles" << "" << alice << 60 << "" << "" << "has expired";
    QTest::newRow("upn when no preferred_username")
        << "roles" << "" << with(with(alice, QStringLiteral("preferred_username"), QJsonValue::Undefined), QStringLiteral("upn"), QStringLiteral("alice.upn@contoso.com"))
        << 0 << "entra:alice.upn@contoso.com" << "operator" << "";
    QTest::newRow("no name claims: the object id")
        << "roles" << "" << with(alice, QStringLiteral("preferred_username"), QJsonValue::Undefined)
        << 0 << "entra:00000000-0000-0000-66f3-3332eca7ea81" << "operator" << "";
    QTest::newRow("no claims at all")
        << "roles" << "" << QJsonObject() << 0 << "" << "" << "carries no claims";
}

void TestEntraSignIn::mapping()
{
    QFETCH(QString, claim);
    QFETCH(QString, tenantSetting);
    QFETCH(QJsonObject, claims);
    QFETCH(int, ageSeconds);
    QFETCH(QString, expectedName);
    QFETCH(QString, expectedRole);
    QFETCH(QString, errorContains);

    EntraEndpoint endpoint; // not listening: only its settings
    AzureSettings azure = endpoint.azure();
    azure.signIn.claim = claim;
    azure.signIn.tenantId = tenantSetting;
    if (claim == u"groups")
        azure.signIn.roles = {{kGroupOps, QStringLiteral("operator")}, {kGroupAdmins, QStringLiteral("admin")}};
    const QDateTime now = QDateTime::currentDateTimeUtc();
    AccessToken token = tokenWith(claims);
    if (ageSeconds > 0)
        token.claims.insert(QStringLiteral("exp"), now.toSecsSinceEpoch() - ageSeconds);

    const auto who = entraOperator(token, signInProfile(azure), now);
    if (expectedName.isEmpty()) {
        QVERIFY2(!who, qPrintable(who ? who->name : QString()));
        QVERIFY2(who.error().contains(errorContains), qPrintable(who.error()));
        return;
    }
    QVERIFY2(who, qPrintable(who ? QString() : who.error()));
    QCOMPARE(who->name, expectedName);
    QCOMPARE(roleName(who->role), expectedRole);
    QCOMPARE(who->at, now);
}

void TestEntraSignIn::defaultsFromAzure()
{
    EntraEndpoint endpoint;
    AzureSettings azure = endpoint.azure();
    Profile profile = signInProfile(azure);

    // Not enabled: refused before anything else, however good the token.
    profile.azure->signIn.enabled = false;
    const auto off = entraOperator(tokenWith(endpoint.idClaims), profile, QDateTime::currentDateTimeUtc());
    QVERIFY(!off);
    QVERIFY2(off.error().contains(QStringLiteral("does not enable Entra ID sign-in (azure.signIn.enabled)")), qPrintable(off.error()));
    Profile noAzure = profile;
    noAzure.azure.reset();
    QVERIFY(!entraSignInAllowed(noAzure));
    profile.azure->signIn.enabled = true;
    profile.azure->signIn.roles.clear();
    QVERIFY(!entraSignInAllowed(profile));
    profile.azure->signIn.roles = azure.signIn.roles;
    QVERIFY(entraSignInAllowed(profile));

    // The tenant and client default to the app's; signIn's own win when given.
    EntraSettings s = entraSignInSettings(profile);
    QCOMPARE(s.tenantId, EntraEndpoint::kTenant);
    QCOMPARE(s.clientId, EntraEndpoint::kClient);
    QCOMPARE(s.authority, endpoint.authority());
    QVERIFY(!s.clientSecret);
    profile.azure->clientSecret = SecretRef{SecretRef::Source::Keychain, QStringLiteral("app-secret")};
    profile.azure->signIn.clientId = QStringLiteral("public-client");
    profile.azure->signIn.tenantId = QStringLiteral("organizations");
    s = entraSignInSettings(profile);
    QCOMPARE(s.clientId, QStringLiteral("public-client"));
    QCOMPARE(s.tenantId, QStringLiteral("organizations"));
    QVERIFY2(!s.clientSecret, "operators never sign in with the app's secret");
    QCOMPARE(entraSignInScope(profile), profile.azure->armScope);
}

void TestEntraSignIn::twoPersonRuleNeedsTwoAccounts()
{
    EntraEndpoint endpoint;
    AzureSettings azure = endpoint.azure();
    const Profile profile = signInProfile(azure); // production
    const QDateTime now = QDateTime::currentDateTimeUtc();
    AccessToken both = tokenWith(EntraEndpoint::defaultClaims(QStringLiteral("Alice@Contoso.com"), {QStringLiteral("DR.Admin")}));
    const auto op = entraOperator(both, profile, now);
    QVERIFY(op);
    // The same account again as approver: one person, refused.
    const auto again = entraOperator(tokenWith(EntraEndpoint::defaultClaims(QStringLiteral("alice@contoso.com"), {QStringLiteral("DR.Approver")})), profile, now);
    QVERIFY(again);
    QVERIFY(!checkTwoPersonRule(profile, *op, *again));
    // A local operator can never be named like an Entra ID account.
    QVERIFY(!OperatorDirectory::validateName(op->name));
    const auto bob = entraOperator(tokenWith(EntraEndpoint::defaultClaims(QStringLiteral("bob@contoso.com"), {QStringLiteral("DR.Approver")})), profile, now);
    QVERIFY(bob);
    const auto rule = checkTwoPersonRule(profile, *op, *bob);
    QVERIFY2(rule, qPrintable(rule ? QString() : rule.error()));
}

void TestEntraSignIn::deviceCodeFlowSignsIn()
{
    EntraEndpoint endpoint;
    QVERIFY(endpoint.listen());
    endpoint.pendingPolls = 1;
    endpoint.idClaims = EntraEndpoint::defaultClaims(QStringLiteral("carol@contoso.com"), {QStringLiteral("DR.Approver")});
    const Profile profile = signInProfile(endpoint.azure());

    QNetworkAccessManager network;
    EntraTokenClient client(&network, entraSignInSettings(profile));
    std::optional<DeviceCodePrompt> prompt;
    std::optional<Result<AccessToken>> answer;
    int answers = 0;
    client.deviceCode(
        entraSignInScope(profile), [&](const DeviceCodePrompt &p) { prompt = p; },
        [&](Result<AccessToken> t) {
            answer = std::move(t);
            ++answers;
        });
    QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), 15000);
    QVERIFY2(*answer, qPrintable(*answer ? QString() : answer->error()));
    QVERIFY(prompt);
    QCOMPARE(prompt->userCode, EntraEndpoint::kUserCode);
    QCOMPARE(prompt->verificationUri, endpoint.verificationUri());
    QCOMPARE(endpoint.deviceCodeRequests, 1);
    QCOMPARE(endpoint.tokenRequests, 2); // authorization_pending, then the token

    // What the sign-in asked: the public client, the ARM scope with openid (the id token).
    QCOMPARE(endpoint.lastDeviceCodeForm.queryItemValue(QStringLiteral("client_id")), EntraEndpoint::kClient);
    const QStringList scopes = endpoint.lastDeviceCodeForm.queryItemValue(QStringLiteral("scope"), QUrl::FullyDecoded).split(u' ');
    QVERIFY2(scopes.contains(profile.azure->armScope) && scopes.contains(QStringLiteral("openid")), qPrintable(scopes.join(u' ')));
    QCOMPARE(endpoint.lastTokenForm.queryItemValue(QStringLiteral("grant_type"), QUrl::FullyDecoded),
             QStringLiteral("urn:ietf:params:oauth:grant-type:device_code"));
    QCOMPARE(endpoint.lastTokenForm.queryItemValue(QStringLiteral("device_code")).toUtf8(), EntraEndpoint::kDeviceCode);
    QVERIFY(endpoint.lastTokenForm.queryItemValue(QStringLiteral("client_secret")).isEmpty());

    // The claims are the id token's (the minted JWT), mapped by the profile.
    QCOMPARE((*answer)->claims.value(QStringLiteral("preferred_username")).toString(), QStringLiteral("carol@contoso.com"));
    const auto who = entraOperator(**answer, profile, QDateTime::currentDateTimeUtc());
    QVERIFY2(who, qPrintable(who ? QString() : who.error()));
    QCOMPARE(who->name, QStringLiteral("entra:carol@contoso.com"));
    QCOMPARE(who->role, Role::Approver);
    QTest::qWait(200);
    QCOMPARE(answers, 1);
}

void TestEntraSignIn::controllerAuditsEntraSignIns()
{
    EntraEndpoint endpoint;
    Profile profile = signInProfile(endpoint.azure());
    profile.name = QStringLiteral("entra-audit-test");
    profile.environment = Environment::Lab;
    profile.filePath = m_dir.filePath(QStringLiteral("profile.json"));
    profile.operatorsFile = m_dir.filePath(QStringLiteral("operators.json"));
    const QString keyFile = m_dir.filePath(QStringLiteral("audit.key"));
    {
        QFile f(keyFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArrayLiteral("0123456789abcdef0123456789abcdef"));
        f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    }
    profile.audit.key = SecretRef{SecretRef::Source::File, keyFile};

    FailoverController controller(profile);
    std::optional<Result<void>> prepared;
    controller.prepare([&](Result<void> r) { prepared = r; });
    QTRY_VERIFY_WITH_TIMEOUT(prepared.has_value(), 10000);
    QVERIFY2(*prepared, qPrintable(*prepared ? QString() : prepared->error()));

    const AccessToken good = tokenWith(EntraEndpoint::defaultClaims(QStringLiteral("dave@contoso.com"), {QStringLiteral("DR.Operator")}));
    const auto who = controller.signInWithEntra(good);
    QVERIFY2(who, qPrintable(who ? QString() : who.error()));
    QCOMPARE(who->name, QStringLiteral("entra:dave@contoso.com"));
    QCOMPARE(who->role, Role::Operator);
    QVERIFY(authorise(*who, Permission::RunFailover));

    const AccessToken unmapped = tokenWith(EntraEndpoint::defaultClaims(QStringLiteral("eve@contoso.com"), {QStringLiteral("Reader")}));
    const auto refused = controller.signInWithEntra(unmapped);
    QVERIFY(!refused);
    QVERIFY2(refused.error().contains(QStringLiteral("has none of the roles")), qPrintable(refused.error()));

    const auto entries = controller.audit()->entries();
    QVERIFY2(entries, qPrintable(entries ? QString() : entries.error()));
    QList<AuditEntry> signIns;
    for (const AuditEntry &e : *entries) {
        if (e.kind.startsWith(u"sign-in"))
            signIns.append(e);
    }
    QCOMPARE(signIns.size(), 2);
    QCOMPARE(signIns.at(0).kind, QStringLiteral("sign-in"));
    QCOMPARE(signIns.at(0).actor, QStringLiteral("entra:dave@contoso.com"));
    QCOMPARE(signIns.at(0).data.value(QStringLiteral("method")).toString(), QStringLiteral("entra"));
    QCOMPARE(signIns.at(0).data.value(QStringLiteral("tenant")).toString(), EntraEndpoint::kTenant);
    QVERIFY(signIns.at(0).summary.contains(QStringLiteral("operator")));
    QCOMPARE(signIns.at(1).kind, QStringLiteral("sign-in-failed"));
    QCOMPARE(signIns.at(1).actor, QStringLiteral("entra:eve@contoso.com"));
    QCOMPARE(signIns.at(1).data.value(QStringLiteral("method")).toString(), QStringLiteral("entra"));
    QVERIFY(signIns.at(1).summary.contains(QStringLiteral("none of the roles")));
    // No secret reaches the trail.
    for (const AuditEntry &e : signIns) {
        const QByteArray all = e.summary.toUtf8() + QJsonDocument(e.data).toJson();
        QVERIFY(!all.contains(good.token));
        QVERIFY(!all.contains(unmapped.token));
    }
    const auto verified = controller.audit()->verify();
    QVERIFY(verified && verified->intact);
}

QTEST_GUILESS_MAIN(TestEntraSignIn)
#include "tst_entrasignin.moc"
