// ProfileLoader: a valid profile is read with every default and inherited value in place; a
// broken one is refused with every problem at once, each naming its place (JSON pointer and
// line:column) and what was expected there, so that an operator fixes it in one pass.

#include "profile/profileloader.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;

// Text replacements applied in order to kBase; each "from" must occur exactly once.
using Edits = QList<std::pair<QString, QString>>;

namespace {

// The valid profile every broken row starts from. A row's line:column refers to this text
// after the row's edits. (Not QStringLiteral: moc 6.4 mis-reads "//" and "'" in a raw string
// that is a macro argument, and this text is full of URLs.)
const QString kBase = QString::fromUtf8(R"json({
  "schemaVersion": 1,
  "name": "Contoso bot",
  "environment": "production",
  "description": "Fixture of tst_profileloader",
  "objectives": {
    "rpoSeconds": 900,
    "rtoSeconds": 3600,
    "certificateWarningDays": 30,
    "certificateCriticalDays": 7
  },
  "tls": {"caCertificates": ["ca/lab-ca.pem"]},
  "probeDefaults": {
    "intervalSeconds": 15,
    "timeoutSeconds": 5,
    "headers": {"api-key": {"keychain": "contoso-api-key"}, "Accept": "application/json"}
  },
  "regions": [
    {
      "id": "weu",
      "displayName": "West Europe",
      "role": "primary",
      "location": "westeurope",
      "components": [
        {"id": "bot", "kind": "bot-api", "endpoint": "https://bot-weu.example.com/health"},
        {"id": "kb", "kind": "knowledge-base", "endpoint": "https://kb-weu.example.com/health",
         "probe": {"intervalSeconds": 30, "expectStatus": [200, "300-399"], "caCertificate": "../kb.pem"}}
      ]
    },
    {
      "id": "neu",
      "displayName": "North Europe",
      "role": "secondary",
      "components": [
        {"id": "bot", "kind": "bot-api", "endpoint": "https://bot-neu.example.com/health"},
        {"id": "kb", "kind": "knowledge-base", "endpoint": "https://kb-neu.example.com/health"}
      ]
    }
  ],
  "routing": {
    "kind": "haproxy",
    "publicUrl": "https://bot.example.com",
    "settings": {"runtimeApi": "127.0.0.1:9999", "backend": "bot"},
    "targets": {"weu": "weu-server", "neu": "neu-server"}
  },
  "certificates": [
    {"id": "global", "endpoint": "bot.example.com:443"},
    {"id": "weu-bot", "endpoint": "https://bot-weu.example.com", "region": "weu"},
    {"id": "neu-bot", "endpoint": "bot-neu.example.com:8443", "region": "neu", "intervalSeconds": 600}
  ]
})json");

// The base's second region as text, for rows that remove it or add a third one after it.
const QString kSecondRegion = QString::fromUtf8(R"json(,
    {
      "id": "neu",
      "displayName": "North Europe",
      "role": "secondary",
      "components": [
        {"id": "bot", "kind": "bot-api", "endpoint": "https://bot-neu.example.com/health"},
        {"id": "kb", "kind": "knowledge-base", "endpoint": "https://kb-neu.example.com/health"}
      ]
    })json");

// The base with its haproxy routing switched to an Azure kind with these settings.
Edits withAzureRouting(const QString &kind, const QString &settings)
{
    return {{QStringLiteral(R"("kind": "haproxy")"), QStringLiteral(R"("kind": "%1")").arg(kind)},
            {QStringLiteral(R"({"runtimeApi": "127.0.0.1:9999", "backend": "bot"})"), settings}};
}

const QString kTrafficManager = QStringLiteral(
    R"({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot", "profileName": "tm-bot"})");

QString edited(const Edits &edits, QString *error)
{
    QString text = kBase;
    for (const auto &[from, to] : edits) {
        if (text.count(from) != 1) {
            *error = QStringLiteral("the edit \"%1\" matches %2 times").arg(from).arg(text.count(from));
            return {};
        }
        text.replace(from, to);
    }
    return text;
}

QString listed(const ProfileIssues &issues)
{
    return ProfileLoader::formatIssues(issues, QStringLiteral("profile.json"));
}

// The issues of a failed load, for a failure message; empty when it succeeded (QVERIFY2
// evaluates its message even when the check passes).
QString problemsOf(const std::expected<Profile, ProfileIssues> &result,
                   const QString &path = QStringLiteral("profile.json"))
{
    return result ? QString() : ProfileLoader::formatIssues(result.error(), path);
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

QString profilesFolder()
{
    const QString source = qEnvironmentVariable("DR_SOURCE_DIR");
    if (!source.isEmpty())
        return source + QStringLiteral("/resources/profiles");
    return QFINDTESTDATA("../../resources/profiles");
}

} // namespace

// Loads kBase with edits, or fails the test with the reason.
#define LOAD_EDITED(result, edits)                                                                 \
    QString editError_;                                                                            \
    const QString text_ = edited(edits, &editError_);                                              \
    QVERIFY2(editError_.isEmpty(), qPrintable(editError_));                                        \
    const auto result = ProfileLoader::loadData(text_.toUtf8(), QStringLiteral("/profiles/p.json"))

class tst_ProfileLoader : public QObject
{
    Q_OBJECT

private slots:
    void baseIsValid();
    void parsedValues();
    void probeDefaultsAreInherited();
    void defaultsWithoutProbeDefaults();
    void relativePathsResolveAgainstTheProfileFolder();
    void secretReferences_data();
    void secretReferences();
    void secretLookingNames_data();
    void secretLookingNames();
    void azureRouting_data();
    void azureRouting();
    void azureSection();
    void azureCloudsAndLegacyCredential();
    void azureProblems_data();
    void azureProblems();
    void contosoAzureExample();
    void brokenProfile_data();
    void brokenProfile();
    void documentProblems_data();
    void documentProblems();
    void reportsEveryProblemAtOnce();
    void schemaMismatchHidesTheRest();
    void loadFileProblems();
    void loadFileUnreadable();
    void loadFileAcceptsBomAndCrlf();
    void issueFormat();
    void samplesLoadCleanly_data();
    void samplesLoadCleanly();
    void azureProductionSample();
    void localSample();
    void documentationExamplesLoad();
    void notifications_data();
    void notifications();
};

void tst_ProfileLoader::baseIsValid()
{
    const auto profile = ProfileLoader::loadData(kBase.toUtf8());
    QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile)));
}

void tst_ProfileLoader::parsedValues()
{
    const auto profile = ProfileLoader::loadData(kBase.toUtf8(), QStringLiteral("/profiles/p.json"));
    QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile)));
    const Profile &p = *profile;

    QCOMPARE(p.filePath, QStringLiteral("/profiles/p.json"));
    QCOMPARE(p.name, QStringLiteral("Contoso bot"));
    // Through toString: QCOMPARE's own toString() would find dr::toString() by ADL.
    QCOMPARE(toString(p.environment), QStringLiteral("production"));
    QCOMPARE(p.description, QStringLiteral("Fixture of tst_profileloader"));

    QCOMPARE(p.objectives.rpoSeconds, 900);
    QCOMPARE(p.objectives.rtoSeconds, 3600);
    QCOMPARE(p.objectives.certificateWarningDays, 30);
    QCOMPARE(p.objectives.certificateCriticalDays, 7);
    // Not in the file: the documented defaults.
    QCOMPARE(p.objectives.indexLagDocuments, 100);
    QCOMPARE(p.objectives.indexLagSeconds, 900);
    QCOMPARE(p.objectives.latencyDegradedMs, 1500);

    QCOMPARE(p.regions.size(), 2);
    QVERIFY(p.primary() && p.secondary());
    QCOMPARE(p.primary()->id, QStringLiteral("weu"));
    QCOMPARE(p.primary()->displayName, QStringLiteral("West Europe"));
    QCOMPARE(p.primary()->location, QStringLiteral("westeurope"));
    QCOMPARE(p.secondary()->id, QStringLiteral("neu"));
    QCOMPARE(toString(p.secondary()->role), QStringLiteral("secondary"));
    QCOMPARE(p.secondary()->location, QString());
    QCOMPARE(p.region(QStringLiteral("neu")), p.secondary());
    QCOMPARE(p.region(QStringLiteral("nowhere")), nullptr);

    const Component *bot = p.primary()->component(QStringLiteral("bot"));
    QVERIFY(bot);
    QCOMPARE(bot->kind, QStringLiteral("bot-api"));
    QCOMPARE(bot->displayName, QStringLiteral("bot")); // defaults to the id
    QCOMPARE(bot->endpoint, QUrl(QStringLiteral("https://bot-weu.example.com/health")));
    QCOMPARE(p.secondary()->components.size(), 2);
    QCOMPARE(p.secondary()->components.at(1).id, QStringLiteral("kb"));

    QCOMPARE(p.routing.kind, QStringLiteral("haproxy"));
    QCOMPARE(p.routing.publicUrl, QUrl(QStringLiteral("https://bot.example.com")));
    QCOMPARE(p.routing.settings.value(QStringLiteral("runtimeApi")), QStringLiteral("127.0.0.1:9999"));
    QCOMPARE(p.routing.settings.value(QStringLiteral("backend")), QStringLiteral("bot"));
    QCOMPARE(p.routing.settings.size(), 2);
    QCOMPARE(p.routing.regionTargets.value(QStringLiteral("weu")), QStringLiteral("weu-server"));
    QCOMPARE(p.routing.regionTargets.value(QStringLiteral("neu")), QStringLiteral("neu-server"));
    QVERIFY(!p.routing.credential);

    QCOMPARE(p.certificates.size(), 3);
    const CertificateEndpoint &global = p.certificates.at(0);
    QCOMPARE(global.id, QStringLiteral("global"));
    QCOMPARE(global.host, QStringLiteral("bot.example.com"));
    QCOMPARE(global.port, 443);
    QCOMPARE(global.regionId, QString()); // global
    QCOMPARE(global.serverName, QStringLiteral("bot.example.com"));
    QCOMPARE(global.intervalMs, 3600 * 1000);
    QCOMPARE(global.timeoutMs, 10000);
    QCOMPARE(p.certificates.at(1).host, QStringLiteral("bot-weu.example.com"));
    QCOMPARE(p.certificates.at(1).port, 443);
    QCOMPARE(p.certificates.at(1).regionId, QStringLiteral("weu"));
    QCOMPARE(p.certificates.at(2).port, 8443);
    QCOMPARE(p.certificates.at(2).regionId, QStringLiteral("neu"));
    QCOMPARE(p.certificates.at(2).intervalMs, 600 * 1000);
}

void tst_ProfileLoader::probeDefaultsAreInherited()
{
    const auto profile = ProfileLoader::loadData(kBase.toUtf8());
    QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile)));

    // No "probe" object: exactly probeDefaults, kind http.
    const ProbeSettings &bot = profile->primary()->component(QStringLiteral("bot"))->probe;
    QCOMPARE(bot.kind, QStringLiteral("http"));
    QCOMPARE(bot.intervalMs, 15000);
    QCOMPARE(bot.timeoutMs, 5000);
    QCOMPARE(bot.failuresBeforeDown, 3);
    QCOMPARE(bot.successesBeforeUp, 2);
    QCOMPARE(bot.expectStatus.size(), 1);
    QCOMPARE(bot.expectStatus.at(0).low, 200);
    QCOMPARE(bot.expectStatus.at(0).high, 299);
    QCOMPARE(bot.headers.size(), 2);
    QCOMPARE(bot.headers.value(QStringLiteral("Accept")).value, QStringLiteral("application/json"));
    QVERIFY(!bot.headers.value(QStringLiteral("Accept")).secret);
    const HeaderValue apiKey = bot.headers.value(QStringLiteral("api-key"));
    QVERIFY(apiKey.secret);
    QCOMPARE(apiKey.secret->source, SecretRef::Source::Keychain);
    QCOMPARE(apiKey.secret->name, QStringLiteral("contoso-api-key"));
    QVERIFY(apiKey.value.isEmpty());

    // A "probe" object overrides what it names and inherits the rest.
    const ProbeSettings &kb = profile->primary()->component(QStringLiteral("kb"))->probe;
    QCOMPARE(kb.kind, QStringLiteral("http"));
    QCOMPARE(kb.intervalMs, 30000);
    QCOMPARE(kb.timeoutMs, 5000);
    QCOMPARE(kb.expectStatus.size(), 2);
    QCOMPARE(kb.expectStatus.at(0).low, 200);
    QCOMPARE(kb.expectStatus.at(0).high, 200);
    QCOMPARE(kb.expectStatus.at(1).low, 300);
    QCOMPARE(kb.expectStatus.at(1).high, 399);
    QCOMPARE(kb.headers.size(), 2);

    // A component's header replaces the default of the same name and keeps the others.
    LOAD_EDITED(overridden, (Edits{{QStringLiteral(R"("probe": {"intervalSeconds": 30,)"),
                                    QStringLiteral(R"("probe": {"intervalSeconds": 30, "headers": {"Accept": "text/plain", "X-Probe": "dr"}, "timeoutSeconds": 0.3,)")}}));
    QVERIFY2(overridden.has_value(), qPrintable(problemsOf(overridden)));
    const ProbeSettings &kb2 = overridden->primary()->component(QStringLiteral("kb"))->probe;
    QCOMPARE(kb2.headers.size(), 3);
    QCOMPARE(kb2.headers.value(QStringLiteral("Accept")).value, QStringLiteral("text/plain"));
    QVERIFY(kb2.headers.value(QStringLiteral("api-key")).secret);
    QCOMPARE(kb2.timeoutMs, 300); // fractional seconds, rounded to the millisecond
}

void tst_ProfileLoader::defaultsWithoutProbeDefaults()
{
    LOAD_EDITED(profile, (Edits{{QStringLiteral("  \"probeDefaults\": {\n    \"intervalSeconds\": 15,\n    \"timeoutSeconds\": 5,\n"
                                                "    \"headers\": {\"api-key\": {\"keychain\": \"contoso-api-key\"}, \"Accept\": \"application/json\"}\n  },\n"),
                                 QString()}}));
    QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile)));
    const ProbeSettings &bot = profile->secondary()->component(QStringLiteral("bot"))->probe;
    const ProbeSettings builtIn;
    QCOMPARE(bot.kind, QStringLiteral("http"));
    QCOMPARE(bot.intervalMs, builtIn.intervalMs);
    QCOMPARE(bot.timeoutMs, builtIn.timeoutMs);
    QCOMPARE(bot.maxResponseBytes, builtIn.maxResponseBytes);
    QVERIFY(bot.headers.isEmpty());
    QVERIFY(bot.caCertificate.isEmpty());
    QVERIFY(bot.serverName.isEmpty());
}

void tst_ProfileLoader::relativePathsResolveAgainstTheProfileFolder()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString error;
    QString text = edited({{QStringLiteral(R"({"keychain": "contoso-api-key"})"), QStringLiteral(R"({"file": "secrets/api.key"})")},
                           {QStringLiteral(R"("127.0.0.1:9999")"), QStringLiteral(R"("unix:../run/haproxy.sock")")},
                           {QStringLiteral(R"("region": "neu", )"), QStringLiteral(R"("region": "neu", "caCertificate": "/etc/ssl/neu.pem", )")}},
                          &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString path = dir.filePath(QStringLiteral("profiles/prod.json"));
    QVERIFY(writeFile(path, text.toUtf8()));

    // Through a relative, uncleaned path: the folder is the file's, not the working directory.
    const QString viaDots = dir.filePath(QStringLiteral("profiles/../profiles/prod.json"));
    const auto profile = ProfileLoader::loadFile(viaDots);
    QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile)));
    const QString folder = QDir(dir.filePath(QStringLiteral("profiles"))).absolutePath();
    const QString root = QDir(dir.path()).absolutePath();

    QCOMPARE(profile->filePath, QFileInfo(viaDots).absoluteFilePath());
    QCOMPARE(profile->caCertificates, QStringList{folder + QStringLiteral("/ca/lab-ca.pem")});
    const ProbeSettings &kb = profile->primary()->component(QStringLiteral("kb"))->probe;
    QCOMPARE(kb.caCertificate, root + QStringLiteral("/kb.pem"));
    const SecretRef secret = *kb.headers.value(QStringLiteral("api-key")).secret;
    QCOMPARE(secret.source, SecretRef::Source::File);
    QCOMPARE(secret.name, folder + QStringLiteral("/secrets/api.key"));
    QCOMPARE(profile->routing.settings.value(QStringLiteral("runtimeApi")),
             QStringLiteral("unix:") + root + QStringLiteral("/run/haproxy.sock"));
    QCOMPARE(profile->certificates.at(2).caCertificate, QStringLiteral("/etc/ssl/neu.pem")); // absolute stays

    // loadData resolves against the folder of the path it is given.
    const auto fromData = ProfileLoader::loadData(text.toUtf8(), QStringLiteral("/srv/dr/p.json"));
    QVERIFY2(fromData.has_value(), qPrintable(problemsOf(fromData)));
    QCOMPARE(fromData->caCertificates, QStringList{QStringLiteral("/srv/dr/ca/lab-ca.pem")});
}

void tst_ProfileLoader::secretReferences_data()
{
    QTest::addColumn<QString>("reference");
    QTest::addColumn<SecretRef::Source>("source");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("described");

    QTest::newRow("keychain") << QStringLiteral(R"({"keychain": "contoso-api-key"})") << SecretRef::Source::Keychain
                              << QStringLiteral("contoso-api-key") << QStringLiteral("keychain entry 'contoso-api-key'");
    QTest::newRow("env") << QStringLiteral(R"({"env": "CONTOSO_API_KEY"})") << SecretRef::Source::Env
                         << QStringLiteral("CONTOSO_API_KEY") << QStringLiteral("environment variable CONTOSO_API_KEY");
    QTest::newRow("file") << QStringLiteral(R"({"file": "/run/secrets/api-key"})") << SecretRef::Source::File
                          << QStringLiteral("/run/secrets/api-key") << QStringLiteral("file /run/secrets/api-key");
}

void tst_ProfileLoader::secretReferences()
{
    QFETCH(QString, reference);
    QFETCH(SecretRef::Source, source);
    QFETCH(QString, name);
    QFETCH(QString, described);

    // The same reference as a probe header and as the routing credential.
    LOAD_EDITED(profile, (withAzureRouting(QStringLiteral("traffic-manager"),
                                       QStringLiteral(R"({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot", "profileName": "tm-bot", "tenantId": "55555555-6666-7777-8888-999999999999", "clientId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"})"))
                          + Edits{{QStringLiteral(R"({"keychain": "contoso-api-key"})"), reference},
                                  {QStringLiteral(R"("targets")"), QStringLiteral("\"credential\": %1,\n    \"targets\"").arg(reference)}}));
    QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile)));
    const auto header = profile->primary()->components.at(0).probe.headers.value(QStringLiteral("api-key")).secret;
    QVERIFY(header);
    QCOMPARE(header->source, source);
    QCOMPARE(header->name, name);
    QCOMPARE(header->describe(), described);
    QVERIFY(profile->routing.credential);
    QCOMPARE(*profile->routing.credential, *header);
    // toJson writes back the reference as it was read (for drlab, which writes profiles).
    QCOMPARE(QJsonDocument(header->toJson()).toJson(QJsonDocument::Compact),
             QJsonDocument::fromJson(reference.toUtf8()).toJson(QJsonDocument::Compact));
}

void tst_ProfileLoader::secretLookingNames_data()
{
    QTest::addColumn<QString>("header");
    QTest::addColumn<bool>("refused");

    QTest::newRow("Authorization") << QStringLiteral("Authorization") << true;
    QTest::newRow("Cookie") << QStringLiteral("Cookie") << true;
    QTest::newRow("api-key") << QStringLiteral("api-key") << true;
    QTest::newRow("X-Api-Key") << QStringLiteral("X-Api-Key") << true;
    QTest::newRow("x-functions-key") << QStringLiteral("x-functions-key") << true;
    QTest::newRow("Ocp-Apim-Subscription-Key") << QStringLiteral("Ocp-Apim-Subscription-Key") << true;
    QTest::newRow("X-Auth-Token") << QStringLiteral("X-Auth-Token") << true;
    QTest::newRow("X-Client-Secret") << QStringLiteral("X-Client-Secret") << true;
    QTest::newRow("Accept") << QStringLiteral("Accept") << false;
    QTest::newRow("User-Agent") << QStringLiteral("User-Agent") << false;
    QTest::newRow("X-Request-Id") << QStringLiteral("X-Request-Id") << false;
    QTest::newRow("X-Keychain-Hint") << QStringLiteral("X-Keychain-Hint") << false;
    QTest::newRow("X-Disaster-Drill") << QStringLiteral("X-Disaster-Drill") << false; // "sas" inside a word
}

void tst_ProfileLoader::secretLookingNames()
{
    QFETCH(QString, header);
    QFETCH(bool, refused);

    LOAD_EDITED(profile, (Edits{{QStringLiteral(R"("probe": {"intervalSeconds": 30,)"),
                                 QStringLiteral(R"("probe": {"intervalSeconds": 30, "headers": {"%1": "abc123"},)").arg(header)}}));
    if (!refused) {
        QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile)));
        const ProbeSettings &kb = profile->primary()->component(QStringLiteral("kb"))->probe;
        QCOMPARE(kb.headers.value(header).value, QStringLiteral("abc123"));
        return;
    }
    QVERIFY(!profile.has_value());
    QVERIFY2(profile.error().size() == 1, qPrintable(listed(profile.error())));
    QCOMPARE(profile.error().at(0).pointer, QStringLiteral("/regions/0/components/1/probe/headers/") + header);
    QVERIFY(profile.error().at(0).message.startsWith(QStringLiteral("inline secrets are not allowed")));
}

void tst_ProfileLoader::azureRouting_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("settings");
    QTest::addColumn<QStringList>("expected"); // key=value, in key order

    QTest::newRow("traffic-manager, defaults")
        << QStringLiteral("traffic-manager") << kTrafficManager
        << QStringList{QStringLiteral("endpointType=AzureEndpoints"), QStringLiteral("profileName=tm-bot"),
                       QStringLiteral("resourceGroup=rg-bot"),
                       QStringLiteral("subscriptionId=00000000-1111-2222-3333-444444444444")};
    QTest::newRow("traffic-manager, external endpoints")
        << QStringLiteral("traffic-manager")
        << QStringLiteral(R"({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot", "profileName": "tm-bot", "endpointType": "ExternalEndpoints", "tenantId": "55555555-6666-7777-8888-999999999999", "clientId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"})")
        << QStringList{QStringLiteral("clientId=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"), QStringLiteral("endpointType=ExternalEndpoints"),
                       QStringLiteral("profileName=tm-bot"), QStringLiteral("resourceGroup=rg-bot"),
                       QStringLiteral("subscriptionId=00000000-1111-2222-3333-444444444444"),
                       QStringLiteral("tenantId=55555555-6666-7777-8888-999999999999")};
    QTest::newRow("front-door")
        << QStringLiteral("front-door")
        << QStringLiteral(R"({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot", "profileName": "fd-bot", "originGroup": "og-bot"})")
        << QStringList{QStringLiteral("originGroup=og-bot"), QStringLiteral("profileName=fd-bot"),
                       QStringLiteral("resourceGroup=rg-bot"),
                       QStringLiteral("subscriptionId=00000000-1111-2222-3333-444444444444")};
}

void tst_ProfileLoader::azureRouting()
{
    QFETCH(QString, kind);
    QFETCH(QString, settings);
    QFETCH(QStringList, expected);

    LOAD_EDITED(profile, withAzureRouting(kind, settings));
    QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile)));
    QCOMPARE(profile->routing.kind, kind);
    QStringList actual;
    for (auto it = profile->routing.settings.cbegin(); it != profile->routing.settings.cend(); ++it)
        actual.append(it.key() + u'=' + it.value());
    QCOMPARE(actual, expected);
}

namespace {

// The base with an "azure" section (given as its JSON value) before the routing.
Edits withAzure(const QString &azure, Edits more = {})
{
    Edits e{{QStringLiteral("  \"routing\": {"), QStringLiteral("  \"azure\": %1,\n  \"routing\": {").arg(azure)}};
    e += more;
    return e;
}

const QString kAzureApp = QString::fromUtf8(
    R"({"tenantId": "11111111-1111-1111-1111-111111111111", "clientId": "22222222-2222-2222-2222-222222222222", "clientSecret": {"keychain": "dr-app"}})");

// The base's first region's bot component, made into an Azure-probed one.
Edits armComponent(const QString &probeKind, const QString &azure)
{
    return {{QString::fromUtf8(R"({"id": "bot", "kind": "bot-api", "endpoint": "https://bot-weu.example.com/health"})"),
             QString::fromUtf8(R"({"id": "bot", "kind": "bot-api", "endpoint": "https://bot-weu.example.com/health", "probe": {"kind": "%1"}, "azure": %2})")
                 .arg(probeKind, azure)}};
}

} // namespace

void tst_ProfileLoader::azureSection()
{
    const QString azure = QString::fromUtf8(
        R"({"tenantId": "contoso.onmicrosoft.com", "clientId": "22222222-2222-2222-2222-222222222222", "clientSecret": {"env": "DR_APP_SECRET"}, "authority": "https://login.example.test", "armEndpoint": "https://127.0.0.1:8443", "storageScope": "https://storage.example.test/.default", "signIn": {"claim": "groups", "roles": {"44444444-4444-4444-4444-444444444444": "operator", "55555555-5555-5555-5555-555555555555": "approver"}}})");
    const QString search = QString::fromUtf8(
        R"({"id": "kb", "kind": "knowledge-base", "endpoint": "https://kb-neu.example.com/health"})");
    const QString searchEntra = QString::fromUtf8(
        R"({"id": "kb", "kind": "search-index", "endpoint": "https://kb-neu.search.windows.net", "search": {"indexName": "kb", "auth": "entra"}, "probe": {"kind": "search-index"}})");
    Edits more{{search, searchEntra},
               {QString::fromUtf8(R"("certificates": [)"),
                QString::fromUtf8(R"("runbook": {"storageAccountFailover": "unplanned", "storageAccountComponent": "bot"}, "certificates": [)")}};
    more += armComponent(QStringLiteral("http"),
        QString::fromUtf8(R"({"resourceId": "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-bot/providers/Microsoft.Storage/storageAccounts/contosobot", "apiVersion": "2023-05-01"})"));
    LOAD_EDITED(profile, withAzure(azure, more));
    QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile)));
    QVERIFY(profile->azure.has_value());
    const AzureSettings &a = *profile->azure;
    QCOMPARE(a.tenantId, QStringLiteral("contoso.onmicrosoft.com"));
    QCOMPARE(a.clientId, QStringLiteral("22222222-2222-2222-2222-222222222222"));
    QVERIFY(a.clientSecret.has_value());
    QCOMPARE(a.clientSecret->source, SecretRef::Source::Env);
    QCOMPARE(a.authority, QUrl(QStringLiteral("https://login.example.test")));
    QCOMPARE(a.armEndpoint, QUrl(QStringLiteral("https://127.0.0.1:8443")));
    QCOMPARE(a.armScope, QStringLiteral("https://management.azure.com/.default"));
    QCOMPARE(a.storageScope, QStringLiteral("https://storage.example.test/.default"));
    QVERIFY(a.signIn.enabled);
    QCOMPARE(a.signIn.claim, QStringLiteral("groups"));
    QCOMPARE(a.signIn.clientId, a.clientId); // defaults to the app's
    QCOMPARE(a.signIn.tenantId, a.tenantId);
    QCOMPARE(a.signIn.roles.value(QStringLiteral("55555555-5555-5555-5555-555555555555")), QStringLiteral("approver"));
    const Component *kb = profile->secondary()->component(QStringLiteral("kb"));
    QVERIFY(kb && kb->search);
    QVERIFY(kb->search->entra());
    const Component *bot = profile->primary()->component(QStringLiteral("bot"));
    QVERIFY(bot && bot->azure);
    QCOMPARE(bot->azure->apiVersion, QStringLiteral("2023-05-01"));
    QVERIFY(bot->azure->resourceId.endsWith(QStringLiteral("/storageAccounts/contosobot")));
    QCOMPARE(profile->runbook.storageAccountFailover, QStringLiteral("unplanned"));
    QCOMPARE(profile->runbook.cosmosFailover, false);
}

void tst_ProfileLoader::azureCloudsAndLegacyCredential()
{
    {
        LOAD_EDITED(profile, withAzure(QString::fromUtf8(
            R"({"cloud": "AzureUSGovernment", "tenantId": "11111111-1111-1111-1111-111111111111", "clientId": "22222222-2222-2222-2222-222222222222"})")));
        QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile)));
        QCOMPARE(profile->azure->authority, QUrl(QStringLiteral("https://login.microsoftonline.us")));
        QCOMPARE(profile->azure->armEndpoint, QUrl(QStringLiteral("https://management.usgovcloudapi.net")));
        QCOMPARE(profile->azure->armScope, QStringLiteral("https://management.usgovcloudapi.net/.default"));
        QCOMPARE(profile->azure->searchScope, QStringLiteral("https://search.azure.us/.default"));
        QVERIFY(!profile->azure->clientSecret);
        QVERIFY(!profile->azure->signIn.enabled);
    }
    {
        // A profile from before the "azure" section: the routing's credential is the app's.
        const QString settings = QString::fromUtf8(
            R"({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot", "profileName": "tm-bot", "tenantId": "55555555-6666-7777-8888-999999999999", "clientId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"}, "credential": {"keychain": "tm-secret"})");
        LOAD_EDITED(profile, withAzureRouting(QStringLiteral("traffic-manager"), settings));
        QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile)));
        QVERIFY(profile->azure.has_value());
        QCOMPARE(profile->azure->tenantId, QStringLiteral("55555555-6666-7777-8888-999999999999"));
        QCOMPARE(profile->azure->clientId, QStringLiteral("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"));
        QCOMPARE(profile->azure->clientSecret->name, QStringLiteral("tm-secret"));
        QCOMPARE(profile->azure->armEndpoint, QUrl(QStringLiteral("https://management.azure.com")));
    }
}

void tst_ProfileLoader::azureProblems_data()
{
    QTest::addColumn<Edits>("edits");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("message");

    QTest::newRow("secret inline")
        << withAzure(QString::fromUtf8(R"({"tenantId": "11111111-1111-1111-1111-111111111111", "clientId": "22222222-2222-2222-2222-222222222222", "clientSecret": "hunter2"})"))
        << QStringLiteral("/azure/clientSecret") << QStringLiteral("secret");
    QTest::newRow("client id not a GUID")
        << withAzure(QString::fromUtf8(R"({"tenantId": "11111111-1111-1111-1111-111111111111", "clientId": "dr-console"})"))
        << QStringLiteral("/azure/clientId") << QStringLiteral("expected the application (client) id as a GUID");
    QTest::newRow("tenant unreadable")
        << withAzure(QString::fromUtf8(R"({"tenantId": "not a tenant", "clientId": "22222222-2222-2222-2222-222222222222"})"))
        << QStringLiteral("/azure/tenantId") << QStringLiteral("expected the Entra ID tenant");
    QTest::newRow("authority in clear text")
        << withAzure(QString::fromUtf8(R"({"tenantId": "11111111-1111-1111-1111-111111111111", "clientId": "22222222-2222-2222-2222-222222222222", "authority": "http://login.example.com"})"))
        << QStringLiteral("/azure/authority") << QStringLiteral("plain http is accepted only on localhost");
    QTest::newRow("scope without .default")
        << withAzure(QString::fromUtf8(R"({"tenantId": "11111111-1111-1111-1111-111111111111", "clientId": "22222222-2222-2222-2222-222222222222", "armScope": "https://management.azure.com"})"))
        << QStringLiteral("/azure/armScope") << QStringLiteral("default scope");
    QTest::newRow("unknown cloud")
        << withAzure(QString::fromUtf8(R"({"cloud": "AzureGermany", "tenantId": "11111111-1111-1111-1111-111111111111", "clientId": "22222222-2222-2222-2222-222222222222"})"))
        << QStringLiteral("/azure/cloud") << QStringLiteral("expected one of AzurePublic, AzureUSGovernment, AzureChina");
    QTest::newRow("sign-in role unknown")
        << withAzure(QString::fromUtf8(R"({"tenantId": "11111111-1111-1111-1111-111111111111", "clientId": "22222222-2222-2222-2222-222222222222", "signIn": {"roles": {"DR.Boss": "owner"}}})"))
        << QStringLiteral("/azure/signIn/roles/DR.Boss") << QStringLiteral("expected a DR Console role");
    QTest::newRow("sign-in group not a GUID")
        << withAzure(QString::fromUtf8(R"({"tenantId": "11111111-1111-1111-1111-111111111111", "clientId": "22222222-2222-2222-2222-222222222222", "signIn": {"claim": "groups", "roles": {"NOC": "operator"}}})"))
        << QStringLiteral("/azure/signIn/roles/NOC") << QStringLiteral("group object ids");
    QTest::newRow("resource id malformed")
        << withAzure(kAzureApp, armComponent(QStringLiteral("http"), QString::fromUtf8(R"({"resourceId": "contosobot"})")))
        << QStringLiteral("/regions/0/components/0/azure/resourceId") << QStringLiteral("expected an Azure resource id");
    QTest::newRow("search entra without the app")
        << Edits{{QString::fromUtf8(R"({"id": "kb", "kind": "knowledge-base", "endpoint": "https://kb-neu.example.com/health"})"),
                  QString::fromUtf8(R"({"id": "kb", "kind": "knowledge-base", "endpoint": "https://kb-neu.example.com/health", "search": {"indexName": "kb", "auth": "entra"}})")}}
        << QStringLiteral("/regions/1/components/1/search/auth") << QStringLiteral("needs the profile's \"azure\" section");
    QTest::newRow("search entra with a key")
        << withAzure(kAzureApp, {{QString::fromUtf8(R"({"id": "kb", "kind": "knowledge-base", "endpoint": "https://kb-neu.example.com/health"})"),
                  QString::fromUtf8(R"({"id": "kb", "kind": "knowledge-base", "endpoint": "https://kb-neu.example.com/health", "search": {"indexName": "kb", "auth": "entra", "apiKey": {"keychain": "k"}}})")}})
        << QStringLiteral("/regions/1/components/1/search/apiKey") << QStringLiteral("not a key");
    QTest::newRow("storage failover without a resource")
        << withAzure(kAzureApp, {{QString::fromUtf8(R"("certificates": [)"), QString::fromUtf8(R"("runbook": {"storageAccountFailover": "planned"}, "certificates": [)")}})
        << QStringLiteral("/runbook/storageAccountFailover") << QStringLiteral("component \"storage\" with an \"azure\" resource");
    QTest::newRow("storage failover kind unknown")
        << Edits{{QString::fromUtf8(R"("certificates": [)"), QString::fromUtf8(R"("runbook": {"storageAccountFailover": "always"}, "certificates": [)")}}
        << QStringLiteral("/runbook/storageAccountFailover") << QStringLiteral("expected one of none, planned, unplanned");
    QTest::newRow("switchBy unknown")
        << withAzureRouting(QStringLiteral("traffic-manager"), QString::fromUtf8(
               R"({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot", "profileName": "tm-bot", "switchBy": "weight"})"))
        << QStringLiteral("/routing/settings/switchBy") << QStringLiteral("expected one of endpointStatus, priority");
    QTest::newRow("switchBy of the other kind")
        << withAzureRouting(QStringLiteral("front-door"), QString::fromUtf8(
               R"({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot", "profileName": "fd-bot", "originGroup": "og-bot", "switchBy": "endpointStatus"})"))
        << QStringLiteral("/routing/settings/switchBy") << QStringLiteral("expected one of enabledState, priority");
}

void tst_ProfileLoader::azureProblems()
{
    QFETCH(Edits, edits);
    QFETCH(QString, pointer);
    QFETCH(QString, message);

    LOAD_EDITED(profile, edits);
    QVERIFY2(!profile.has_value(), "the broken profile was accepted");
    const ProfileIssues &issues = profile.error();
    QVERIFY2(issues.size() == 1, qPrintable(listed(issues)));
    QCOMPARE(issues.first().pointer, pointer);
    QVERIFY2(issues.first().message.contains(message), qPrintable(issues.first().message));
    QVERIFY(issues.first().line > 0);
    // A secret's value never comes back in a message.
    QVERIFY(!listed(issues).contains(QStringLiteral("hunter2")));
}

void tst_ProfileLoader::contosoAzureExample()
{
    const QString path = profilesFolder() + QStringLiteral("/contoso-azure.example.json");
    const auto profile = ProfileLoader::loadFile(path);
    QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile, path)));
    const Profile &p = *profile;
    QCOMPARE(p.routing.kind, QStringLiteral("traffic-manager"));
    QVERIFY(p.azure && p.azure->clientSecret);
    // Secrets are referenced from the keychain, never written in the profile.
    QCOMPARE(p.azure->clientSecret->source, SecretRef::Source::Keychain);
    QVERIFY(p.azure->signIn.enabled);
    QCOMPARE(p.azure->signIn.roles.size(), 4);
    QCOMPARE(p.primary()->location, QStringLiteral("westeurope"));
    QCOMPARE(p.secondary()->location, QStringLiteral("northeurope"));
    QStringList probeKinds;
    for (const Region &region : p.regions) {
        QVERIFY(p.routing.regionTargets.contains(region.id));
        for (const Component &c : region.components) {
            probeKinds.append(c.probe.kind);
            if (c.search)
                QVERIFY(c.search->entra());
            if (c.storage)
                QVERIFY(c.storage->entra());
        }
    }
    for (const QString &kind : {QStringLiteral("app-service"), QStringLiteral("storage-account"), QStringLiteral("cosmos-db"),
                                QStringLiteral("key-vault"), QStringLiteral("search-index")})
        QVERIFY2(probeKinds.contains(kind), qPrintable(kind));
    QCOMPARE(p.runbook.storageAccountFailover, QStringLiteral("planned"));
    QVERIFY(p.runbook.cosmosFailover);
    QVERIFY(p.indexSync && p.storageReplication && p.syntheticChat);
    QVERIFY(p.drills.enabled());
}

void tst_ProfileLoader::brokenProfile_data()
{
    QTest::addColumn<Edits>("edits");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message"); // a fragment saying what was expected

    QTest::newRow("syntax: missing comma")
        << Edits{{QStringLiteral(R"~("name": "Contoso bot",)~"), QStringLiteral(R"~("name": "Contoso bot")~")}}
        << QString() << 4 << 3
        << QStringLiteral("not valid JSON: expected ',' or '}' after the member \"name\"; got '\"' (is a comma missing?)");
    QTest::newRow("syntax: trailing comma")
        << Edits{{QStringLiteral("\"certificateCriticalDays\": 7\n"), QStringLiteral("\"certificateCriticalDays\": 7,\n")}}
        << QStringLiteral("/objectives") << 11 << 3
        << QStringLiteral("not valid JSON: expected another member after ','; a trailing comma is not allowed in JSON");
    QTest::newRow("syntax: misspelt value")
        << Edits{{QStringLiteral(R"~("rpoSeconds": 900)~"), QStringLiteral(R"~("rpoSeconds": nine)~")}}
        << QStringLiteral("/objectives/rpoSeconds") << 7 << 19
        << QStringLiteral(R"~(not valid JSON: expected a value (an object, array, string, number, true, false or null); got "nine")~");
    QTest::newRow("syntax: comment")
        << Edits{{QStringLiteral(R"~(  "schemaVersion": 1,)~"), QStringLiteral("  // production\n  \"schemaVersion\": 1,")}}
        << QString() << 2 << 3
        << QStringLiteral(R"~(comments are not allowed in JSON)~");
    QTest::newRow("syntax: unclosed object")
        << Edits{{QStringLiteral("\"intervalSeconds\": 600}\n  ]\n}"), QStringLiteral("\"intervalSeconds\": 600}\n  ]")}}
        << QString() << 50 << 4
        << QStringLiteral("not valid JSON: the file ends before the object that starts at line 1, column 1 is closed with '}'");
    QTest::newRow("syntax: unclosed string")
        << Edits{{QStringLiteral(R"~("name": "Contoso bot",)~"), QStringLiteral(R"~("name": "Contoso bot,)~")}}
        << QString() << 4 << 4
        << QStringLiteral("not valid JSON: expected ',' or '}' after the member \"name\"; got \"environment\" (the string at line 3, column 11 runs over a line break: is its closing '\"' missing?)");
    QTest::newRow("schemaVersion 2")
        << Edits{{QStringLiteral(R"~("schemaVersion": 1)~"), QStringLiteral(R"~("schemaVersion": 2)~")}}
        << QStringLiteral("/schemaVersion") << 2 << 3
        << QStringLiteral(R"~(this DR Console reads schemaVersion 1; the profile has 2 (upgrade DR Console to open it))~");
    QTest::newRow("schemaVersion 0")
        << Edits{{QStringLiteral(R"~("schemaVersion": 1)~"), QStringLiteral(R"~("schemaVersion": 0)~")}}
        << QStringLiteral("/schemaVersion") << 2 << 3
        << QStringLiteral(R"~(expected an integer from 1 to 2147483647; got 0)~");
    QTest::newRow("schemaVersion as text")
        << Edits{{QStringLiteral(R"~("schemaVersion": 1)~"), QStringLiteral(R"~("schemaVersion": "1")~")}}
        << QStringLiteral("/schemaVersion") << 2 << 3
        << QStringLiteral(R"~(expected an integer; got a string)~");
    QTest::newRow("schemaVersion missing")
        << Edits{{QStringLiteral("  \"schemaVersion\": 1,\n"), QString()}}
        << QString() << 1 << 1
        << QStringLiteral(R"~(missing required key "schemaVersion" (an integer))~");
    QTest::newRow("unknown key")
        << Edits{{QStringLiteral(R"~("name": "Contoso bot",)~"), QStringLiteral(R"~("name": "Contoso bot", "colour": "blue",)~")}}
        << QStringLiteral("/colour") << 3 << 26
        << QStringLiteral(R"~(unknown key "colour"; expected one of: audit, azure, certificates, description, drills, environment, indexSync, name, notifications, objectives, operators, probeDefaults, regions, routing, runbook, schemaVersion, storageReplication, syntheticChat, tls)~");
    QTest::newRow("misspelt key")
        << Edits{{QStringLiteral(R"~("certificateCriticalDays": 7)~"), QStringLiteral(R"~("certificateCriticalDay": 7)~")}}
        << QStringLiteral("/objectives/certificateCriticalDay") << 10 << 5
        << QStringLiteral(R"~(unknown key "certificateCriticalDay" (did you mean "certificateCriticalDays"?))~");
    QTest::newRow("duplicate key")
        << Edits{{QStringLiteral(R"~("name": "Contoso bot",)~"), QStringLiteral(R"~("name": "Contoso bot", "name": "Fabrikam bot",)~")}}
        << QStringLiteral("/name") << 3 << 26
        << QStringLiteral(R"~(duplicate key: this value replaces the one at line 3, column 3; expected each key once per object)~");
    QTest::newRow("wrong type: string")
        << Edits{{QStringLiteral(R"~("name": "Contoso bot")~"), QStringLiteral(R"~("name": 42)~")}}
        << QStringLiteral("/name") << 3 << 3
        << QStringLiteral(R"~(expected a string; got a number)~");
    QTest::newRow("wrong type: integer")
        << Edits{{QStringLiteral(R"~("rtoSeconds": 3600)~"), QStringLiteral(R"~("rtoSeconds": true)~")}}
        << QStringLiteral("/objectives/rtoSeconds") << 8 << 5
        << QStringLiteral(R"~(expected an integer; got a boolean)~");
    QTest::newRow("wrong type: object")
        << Edits{{QStringLiteral(R"~("tls": {"caCertificates": ["ca/lab-ca.pem"]})~"), QStringLiteral(R"~("tls": ["ca/lab-ca.pem"])~")}}
        << QStringLiteral("/tls") << 12 << 3
        << QStringLiteral(R"~(expected an object; got an array)~");
    QTest::newRow("wrong type: array")
        << Edits{{QStringLiteral(R"~("caCertificates": ["ca/lab-ca.pem"])~"), QStringLiteral(R"~("caCertificates": "ca/lab-ca.pem")~")}}
        << QStringLiteral("/tls/caCertificates") << 12 << 11
        << QStringLiteral(R"~(expected an array; got a string)~");
    QTest::newRow("wrong type: array element")
        << Edits{{QStringLiteral(R"~(["ca/lab-ca.pem"])~"), QStringLiteral(R"~(["ca/lab-ca.pem", 7])~")}}
        << QStringLiteral("/tls/caCertificates/1") << 12 << 47
        << QStringLiteral(R"~(expected the path of a PEM file; got a number)~");
    QTest::newRow("wrong type: region")
        << Edits{{QStringLiteral("  \"regions\": [\n"), QStringLiteral("  \"regions\": [\n    \"weu\",\n")}, {kSecondRegion, QString()}, {QStringLiteral(R"~("weu": "weu-server", "neu": "neu-server")~"), QStringLiteral(R"~("weu": "weu-server")~")}, {QStringLiteral(R"~("region": "neu", )~"), QString()}}
        << QStringLiteral("/regions/0") << 19 << 5
        << QStringLiteral(R"~(expected a region object; got a string)~");
    QTest::newRow("empty string")
        << Edits{{QStringLiteral(R"~("displayName": "West Europe")~"), QStringLiteral(R"~("displayName": " ")~")}}
        << QStringLiteral("/regions/0/displayName") << 21 << 7
        << QStringLiteral(R"~(expected a non-empty string)~");
    QTest::newRow("missing: objectives.rtoSeconds")
        << Edits{{QStringLiteral("    \"rtoSeconds\": 3600,\n"), QString()}}
        << QStringLiteral("/objectives") << 6 << 3
        << QStringLiteral(R"~(missing required key "rtoSeconds" (an integer))~");
    QTest::newRow("missing: name")
        << Edits{{QStringLiteral("  \"name\": \"Contoso bot\",\n"), QString()}}
        << QString() << 1 << 1
        << QStringLiteral(R"~(missing required key "name" (a string))~");
    QTest::newRow("missing: objectives")
        << Edits{{QStringLiteral("  \"objectives\": {\n    \"rpoSeconds\": 900,\n    \"rtoSeconds\": 3600,\n    \"certificateWarningDays\": 30,\n    \"certificateCriticalDays\": 7\n  },\n"), QString()}}
        << QString() << 1 << 1
        << QStringLiteral(R"~(missing required key "objectives" (an object))~");
    QTest::newRow("missing: component endpoint")
        << Edits{{QStringLiteral("{\"id\": \"bot\", \"kind\": \"bot-api\", \"endpoint\": \"https://bot-neu.example.com/health\"}"), QStringLiteral(R"~({"id": "bot", "kind": "bot-api"})~")}}
        << QStringLiteral("/regions/1/components/0") << 35 << 9
        << QStringLiteral(R"~(missing required key "endpoint" (a string))~");
    QTest::newRow("missing: region role")
        << Edits{{QStringLiteral("      \"role\": \"secondary\",\n"), QString()}}
        << QStringLiteral("/regions/1") << 30 << 5
        << QStringLiteral(R"~(missing required key "role" (a string))~");
    QTest::newRow("malformed id")
        << Edits{{QStringLiteral("{\"id\": \"kb\", \"kind\": \"knowledge-base\", \"endpoint\": \"https://kb-neu"), QStringLiteral("{\"id\": \"KB\", \"kind\": \"knowledge-base\", \"endpoint\": \"https://kb-neu")}}
        << QStringLiteral("/regions/1/components/1/id") << 36 << 10
        << QStringLiteral("expected an id of lowercase letters, digits, '.', '_' or '-' (at most 63, starting with a letter or digit); got \"KB\"");
    QTest::newRow("unknown environment")
        << Edits{{QStringLiteral(R"~("environment": "production")~"), QStringLiteral(R"~("environment": "prod")~")}}
        << QStringLiteral("/environment") << 4 << 3
        << QStringLiteral(R"~(expected one of production, staging, lab; got "prod")~");
    QTest::newRow("duplicate region id")
        << Edits{{QStringLiteral(R"~("id": "neu")~"), QStringLiteral(R"~("id": "weu")~")}, {QStringLiteral(R"~("weu": "weu-server", "neu": "neu-server")~"), QStringLiteral(R"~("weu": "weu-server")~")}, {QStringLiteral(R"~("region": "neu")~"), QStringLiteral(R"~("region": "weu")~")}}
        << QStringLiteral("/regions/1/id") << 31 << 7
        << QStringLiteral(R"~(duplicate region id "weu" (also used by /regions/0); expected each region to have its own id)~");
    QTest::newRow("duplicate component id")
        << Edits{{QStringLiteral("{\"id\": \"kb\", \"kind\": \"knowledge-base\", \"endpoint\": \"https://kb-neu"), QStringLiteral("{\"id\": \"bot\", \"kind\": \"knowledge-base\", \"endpoint\": \"https://kb-neu")}}
        << QStringLiteral("/regions/1/components/1/id") << 36 << 10
        << QStringLiteral(R"~(duplicate component id "bot" in this region (also used by /regions/1/components/0))~");
    QTest::newRow("duplicate certificate id")
        << Edits{{QStringLiteral(R"~({"id": "weu-bot")~"), QStringLiteral(R"~({"id": "global")~")}}
        << QStringLiteral("/certificates/1/id") << 48 << 6
        << QStringLiteral(R"~(duplicate certificate id "global" (also used by /certificates/0))~");
    QTest::newRow("one region")
        << Edits{{kSecondRegion, QString()}, {QStringLiteral(R"~("weu": "weu-server", "neu": "neu-server")~"), QStringLiteral(R"~("weu": "weu-server")~")}, {QStringLiteral(R"~("region": "neu", )~"), QString()}}
        << QStringLiteral("/regions") << 18 << 3
        << QStringLiteral(R"~(expected exactly two regions (one primary, one secondary); got 1)~");
    QTest::newRow("three regions")
        << Edits{{kSecondRegion, kSecondRegion + QStringLiteral(",\n    {\"id\": \"eus\", \"role\": \"secondary\", \"components\": [{\"id\": \"bot\", \"kind\": \"bot-api\", \"endpoint\": \"https://bot-eus.example.com\"}]}")}, {QStringLiteral(R"~("weu": "weu-server", "neu": "neu-server")~"), QStringLiteral(R"~("weu": "weu-server", "neu": "neu-server", "eus": "eus-server")~")}}
        << QStringLiteral("/regions") << 18 << 3
        << QStringLiteral(R"~(expected exactly two regions (one primary, one secondary); got 3)~");
    QTest::newRow("two primaries")
        << Edits{{QStringLiteral(R"~("role": "secondary")~"), QStringLiteral(R"~("role": "primary")~")}}
        << QStringLiteral("/regions/1/role") << 33 << 7
        << QStringLiteral(R"~(expected exactly one primary and one secondary region; both regions are primary)~");
    QTest::newRow("two secondaries")
        << Edits{{QStringLiteral(R"~("role": "primary")~"), QStringLiteral(R"~("role": "secondary")~")}}
        << QStringLiteral("/regions/1/role") << 33 << 7
        << QStringLiteral(R"~(expected exactly one primary and one secondary region; both regions are secondary)~");
    QTest::newRow("unknown role")
        << Edits{{QStringLiteral(R"~("role": "secondary")~"), QStringLiteral(R"~("role": "standby")~")}}
        << QStringLiteral("/regions/1/role") << 33 << 7
        << QStringLiteral(R"~(expected one of primary, secondary; got "standby")~");
    QTest::newRow("no components")
        << Edits{{QStringLiteral("\"components\": [\n        {\"id\": \"bot\", \"kind\": \"bot-api\", \"endpoint\": \"https://bot-neu.example.com/health\"},\n        {\"id\": \"kb\", \"kind\": \"knowledge-base\", \"endpoint\": \"https://kb-neu.example.com/health\"}\n      ]"), QStringLiteral(R"~("components": [])~")}}
        << QStringLiteral("/regions/1/components") << 34 << 7
        << QStringLiteral(R"~(expected at least one component)~");
    QTest::newRow("unknown component kind")
        << Edits{{QStringLiteral("\"kind\": \"bot-api\", \"endpoint\": \"https://bot-neu"), QStringLiteral("\"kind\": \"chatbot\", \"endpoint\": \"https://bot-neu")}}
        << QStringLiteral("/regions/1/components/0/kind") << 35 << 23
        << QStringLiteral(R"~(expected one of bot-api, knowledge-base, search-index, storage, cosmosdb, key-vault, app-insights, app-service, http; got "chatbot")~");
    QTest::newRow("malformed URL")
        << Edits{{QStringLiteral("https://bot-weu.example.com/health"), QStringLiteral("https://bot weu.example.com/health")}}
        << QStringLiteral("/regions/0/components/0/endpoint") << 25 << 42
        << QStringLiteral("expected an absolute https or http URL with a host; got \"https://bot weu.example.com/health\"");
    QTest::newRow("URL without scheme")
        << Edits{{QStringLiteral("\"publicUrl\": \"https://bot.example.com\""), QStringLiteral(R"~("publicUrl": "bot.example.com")~")}}
        << QStringLiteral("/routing/publicUrl") << 42 << 5
        << QStringLiteral(R"~(expected an absolute https or http URL with a host; got "bot.example.com")~");
    QTest::newRow("URL of another scheme")
        << Edits{{QStringLiteral("https://kb-neu.example.com/health"), QStringLiteral("ftp://kb-neu.example.com/health")}}
        << QStringLiteral("/regions/1/components/1/endpoint") << 36 << 48
        << QStringLiteral("expected an absolute https or http URL with a host; got \"ftp://kb-neu.example.com/health\"");
    QTest::newRow("URL with port 0")
        << Edits{{QStringLiteral("https://kb-neu.example.com/health"), QStringLiteral("https://kb-neu.example.com:0/health")}}
        << QStringLiteral("/regions/1/components/1/endpoint") << 36 << 48
        << QStringLiteral(R"~(expected an absolute https or http URL with a host)~");
    QTest::newRow("URL with user:password")
        << Edits{{QStringLiteral("\"publicUrl\": \"https://bot.example.com\""), QStringLiteral("\"publicUrl\": \"https://ops:hunter2@bot.example.com\"")}}
        << QStringLiteral("/routing/publicUrl") << 42 << 5
        << QStringLiteral(R"~(a URL must not carry a user name or password: inline secrets are not allowed in a profile)~");
    QTest::newRow("URL with a key in its query")
        << Edits{{QStringLiteral("https://bot-neu.example.com/health"), QStringLiteral("https://bot-neu.example.com/health?code=abc123")}}
        << QStringLiteral("/regions/1/components/0/endpoint") << 35 << 42
        << QStringLiteral(R"~(a URL must not carry a secret in its query ("code"))~");
    QTest::newRow("out of range: negative")
        << Edits{{QStringLiteral(R"~("rpoSeconds": 900)~"), QStringLiteral(R"~("rpoSeconds": -1)~")}}
        << QStringLiteral("/objectives/rpoSeconds") << 7 << 5
        << QStringLiteral(R"~(expected an integer from 0 to 604800; got -1)~");
    QTest::newRow("out of range: huge")
        << Edits{{QStringLiteral(R"~("rtoSeconds": 3600)~"), QStringLiteral(R"~("rtoSeconds": 1e300)~")}}
        << QStringLiteral("/objectives/rtoSeconds") << 8 << 5
        << QStringLiteral(R"~(expected an integer from 1 to 604800; got 1e+300)~");
    QTest::newRow("out of range: fraction")
        << Edits{{QStringLiteral(R"~("certificateWarningDays": 30)~"), QStringLiteral(R"~("certificateWarningDays": 30.5)~")}}
        << QStringLiteral("/objectives/certificateWarningDays") << 9 << 5
        << QStringLiteral(R"~(expected an integer; got 30.5)~");
    QTest::newRow("out of range: critical above warning")
        << Edits{{QStringLiteral(R"~("certificateCriticalDays": 7)~"), QStringLiteral(R"~("certificateCriticalDays": 45)~")}}
        << QStringLiteral("/objectives/certificateCriticalDays") << 10 << 5
        << QStringLiteral(R"~(expected certificateCriticalDays (45) to be at most certificateWarningDays (30))~");
    QTest::newRow("out of range: timeout")
        << Edits{{QStringLiteral(R"~("timeoutSeconds": 5)~"), QStringLiteral(R"~("timeoutSeconds": 0)~")}}
        << QStringLiteral("/probeDefaults/timeoutSeconds") << 15 << 5
        << QStringLiteral(R"~(expected a number of seconds from 0.1 to 300; got 0)~");
    QTest::newRow("out of range: interval")
        << Edits{{QStringLiteral(R"~("probe": {"intervalSeconds": 30,)~"), QStringLiteral(R"~("probe": {"intervalSeconds": 100000,)~")}}
        << QStringLiteral("/regions/0/components/1/probe/intervalSeconds") << 27 << 20
        << QStringLiteral(R"~(expected a number of seconds from 1 to 86400; got 100000)~");
    QTest::newRow("out of range: failuresBeforeDown")
        << Edits{{QStringLiteral(R"~("probe": {"intervalSeconds": 30,)~"), QStringLiteral(R"~("probe": {"intervalSeconds": 30, "failuresBeforeDown": 0,)~")}}
        << QStringLiteral("/regions/0/components/1/probe/failuresBeforeDown") << 27 << 43
        << QStringLiteral(R"~(expected an integer from 1 to 100; got 0)~");
    QTest::newRow("out of range: status code")
        << Edits{{QStringLiteral(R"~([200, "300-399"])~"), QStringLiteral(R"~([200, 600])~")}}
        << QStringLiteral("/regions/0/components/1/probe/expectStatus/1") << 27 << 65
        << QStringLiteral(R"~(expected a status code or range such as 200 or "200-299" (codes from 100 to 599))~");
    QTest::newRow("out of range: status range reversed")
        << Edits{{QStringLiteral(R"~([200, "300-399"])~"), QStringLiteral(R"~([200, "399-300"])~")}}
        << QStringLiteral("/regions/0/components/1/probe/expectStatus/1") << 27 << 65
        << QStringLiteral(R"~(expected a range whose end is not below its start)~");
    QTest::newRow("timeout > interval")
        << Edits{{QStringLiteral(R"~("probe": {"intervalSeconds": 30,)~"), QStringLiteral(R"~("probe": {"intervalSeconds": 30, "timeoutSeconds": 45,)~")}}
        << QStringLiteral("/regions/0/components/1/probe/timeoutSeconds") << 27 << 43
        << QStringLiteral(R"~(expected timeoutSeconds (45) to be at most intervalSeconds (30))~");
    QTest::newRow("timeout > interval: inherited timeout")
        << Edits{{QStringLiteral(R"~("probe": {"intervalSeconds": 30,)~"), QStringLiteral(R"~("probe": {"intervalSeconds": 2,)~")}}
        << QStringLiteral("/regions/0/components/1/probe/intervalSeconds") << 27 << 20
        << QStringLiteral(R"~(expected timeoutSeconds (5, inherited) to be at most intervalSeconds (2))~");
    QTest::newRow("timeout > interval: probeDefaults")
        << Edits{{QStringLiteral(R"~("intervalSeconds": 15,)~"), QStringLiteral(R"~("intervalSeconds": 3,)~")}}
        << QStringLiteral("/probeDefaults/timeoutSeconds") << 15 << 5
        << QStringLiteral(R"~(expected timeoutSeconds (5) to be at most intervalSeconds (3))~");
    QTest::newRow("timeout > interval: certificate")
        << Edits{{QStringLiteral(R"~("intervalSeconds": 600})~"), QStringLiteral(R"~("intervalSeconds": 60, "timeoutSeconds": 120})~")}}
        << QStringLiteral("/certificates/2/timeoutSeconds") << 49 << 103
        << QStringLiteral(R"~(expected timeoutSeconds (120) to be at most intervalSeconds (60))~");
    QTest::newRow("jsonEquals without jsonField")
        << Edits{{QStringLiteral(R"~("probe": {"intervalSeconds": 30,)~"), QStringLiteral(R"~("probe": {"intervalSeconds": 30, "jsonEquals": "ok",)~")}}
        << QStringLiteral("/regions/0/components/1/probe/jsonEquals") << 27 << 43
        << QStringLiteral(R"~(jsonEquals needs jsonField)~");
    QTest::newRow("inline secret: header")
        << Edits{{QStringLiteral(R"~({"api-key": {"keychain": "contoso-api-key"})~"), QStringLiteral(R"~({"api-key": "s3cr3t")~")}}
        << QStringLiteral("/probeDefaults/headers/api-key") << 16 << 17
        << QStringLiteral(R"~(inline secrets are not allowed in a profile: store the value in the OS keychain (drctl secret set NAME) and write {"keychain": "NAME"}, or use {"env": "VARIABLE"} or {"file": "PATH"})~");
    QTest::newRow("inline secret: Authorization header")
        << Edits{{QStringLiteral(R"~("Accept": "application/json")~"), QStringLiteral(R"~("Authorization": "Bearer abc")~")}}
        << QStringLiteral("/probeDefaults/headers/Authorization") << 16 << 61
        << QStringLiteral(R"~(inline secrets are not allowed in a profile)~");
    QTest::newRow("inline secret: subscription key header")
        << Edits{{QStringLiteral(R"~("probe": {"intervalSeconds": 30,)~"), QStringLiteral(R"~("probe": {"intervalSeconds": 30, "headers": {"Ocp-Apim-Subscription-Key": "abc"},)~")}}
        << QStringLiteral("/regions/0/components/1/probe/headers/Ocp-Apim-Subscription-Key") << 27 << 55
        << QStringLiteral(R"~(inline secrets are not allowed in a profile)~");
    QTest::newRow("inline secret: credential")
        << withAzureRouting(QStringLiteral("traffic-manager"), QStringLiteral(R"~({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot", "profileName": "tm-bot", "tenantId": "55555555-6666-7777-8888-999999999999", "clientId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"})~")) + Edits{{QStringLiteral(R"~("targets")~"), QStringLiteral("\"credential\": \"s3cr3t\",\n    \"targets\"")}}
        << QStringLiteral("/routing/credential") << 44 << 5
        << QStringLiteral(R"~(inline secrets are not allowed in a profile)~");
    QTest::newRow("inline secret: unknown key")
        << Edits{{QStringLiteral(R"~("name": "Contoso bot",)~"), QStringLiteral(R"~("name": "Contoso bot", "adminPassword": "hunter2",)~")}}
        << QStringLiteral("/adminPassword") << 3 << 26
        << QStringLiteral(R"~(inline secrets are not allowed in a profile)~");
    QTest::newRow("inline secret: unknown routing setting")
        << withAzureRouting(QStringLiteral("front-door"), QStringLiteral(R"~({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot", "profileName": "fd-bot", "originGroup": "og-bot", "clientSecret": "abc"})~"))
        << QStringLiteral("/routing/settings/clientSecret") << 43 << 153
        << QStringLiteral(R"~(inline secrets are not allowed in a profile)~");
    QTest::newRow("secret ref: two sources")
        << Edits{{QStringLiteral(R"~({"keychain": "contoso-api-key"})~"), QStringLiteral(R"~({"keychain": "contoso-api-key", "env": "API_KEY"})~")}}
        << QStringLiteral("/probeDefaults/headers/api-key") << 16 << 17
        << QStringLiteral(R"~(expected a secret reference with exactly one of "keychain", "env" or "file"; got 2 keys)~");
    QTest::newRow("secret ref: unknown source")
        << Edits{{QStringLiteral(R"~({"keychain": "contoso-api-key"})~"), QStringLiteral(R"~({"vault": "contoso-api-key"})~")}}
        << QStringLiteral("/probeDefaults/headers/api-key/vault") << 16 << 29
        << QStringLiteral(R"~(unknown secret source "vault"; expected keychain, env or file)~");
    QTest::newRow("secret ref: bad variable name")
        << Edits{{QStringLiteral(R"~({"keychain": "contoso-api-key"})~"), QStringLiteral(R"~({"env": "API-KEY"})~")}}
        << QStringLiteral("/probeDefaults/headers/api-key/env") << 16 << 29
        << QStringLiteral("expected an environment variable name (letters, digits and '_', not starting with a digit); got \"API-KEY\"");
    QTest::newRow("secret ref: empty name")
        << Edits{{QStringLiteral(R"~({"keychain": "contoso-api-key"})~"), QStringLiteral(R"~({"keychain": ""})~")}}
        << QStringLiteral("/probeDefaults/headers/api-key/keychain") << 16 << 29
        << QStringLiteral(R"~(expected a non-empty string; got an empty string)~");
    QTest::newRow("secret ref: wrong type")
        << withAzureRouting(QStringLiteral("traffic-manager"), QStringLiteral(R"~({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot", "profileName": "tm-bot", "tenantId": "55555555-6666-7777-8888-999999999999", "clientId": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"})~")) + Edits{{QStringLiteral(R"~("targets")~"), QStringLiteral("\"credential\": 42,\n    \"targets\"")}}
        << QStringLiteral("/routing/credential") << 44 << 5
        << QStringLiteral(R"~(expected a secret reference ({"keychain": NAME}, {"env": VAR} or {"file": PATH}); got a number)~");
    QTest::newRow("unknown probe kind")
        << Edits{{QStringLiteral(R"~("probe": {"intervalSeconds": 30,)~"), QStringLiteral(R"~("probe": {"kind": "icmp", "intervalSeconds": 30,)~")}}
        << QStringLiteral("/regions/0/components/1/probe/kind") << 27 << 20
        << QStringLiteral(R"~(unknown probe kind "icmp"; expected one of: app-service, blob-service, cosmos-db, http, key-vault, search-index, storage-account, tls)~");
    QTest::newRow("probe kind in probeDefaults")
        << Edits{{QStringLiteral(R"~("intervalSeconds": 15,)~"), QStringLiteral(R"~("kind": "tls", "intervalSeconds": 15,)~")}}
        << QStringLiteral("/probeDefaults/kind") << 14 << 5
        << QStringLiteral("probeDefaults cannot set \"kind\": set it in a component's \"probe\"");
    QTest::newRow("tls probe of an http endpoint")
        << Edits{{QStringLiteral("\"endpoint\": \"https://kb-neu.example.com/health\"}"), QStringLiteral("\"endpoint\": \"http://kb-neu.example.com/health\", \"probe\": {\"kind\": \"tls\"}}")}}
        << QStringLiteral("/regions/1/components/1/probe/kind") << 36 << 106
        << QStringLiteral("a tls probe needs an https endpoint; got \"http://kb-neu.example.com/health\"");
    QTest::newRow("header name with a space")
        << Edits{{QStringLiteral(R"~("Accept": "application/json")~"), QStringLiteral(R"~("Accept Language": "en")~")}}
        << QStringLiteral("/probeDefaults/headers/Accept Language") << 16 << 61
        << QStringLiteral(R"~("Accept Language" is not a valid HTTP header name)~");
    QTest::newRow("header value on two lines")
        << Edits{{QStringLiteral(R"~("Accept": "application/json")~"), QStringLiteral(R"~("Accept": "application/json\r\nX-Evil: 1")~")}}
        << QStringLiteral("/probeDefaults/headers/Accept") << 16 << 61
        << QStringLiteral(R"~(expected a header value on one line; got a line break)~");
    QTest::newRow("unknown routing kind")
        << Edits{{QStringLiteral(R"~("kind": "haproxy")~"), QStringLiteral(R"~("kind": "nginx")~")}}
        << QStringLiteral("/routing/kind") << 41 << 5
        << QStringLiteral(R"~(expected one of haproxy, traffic-manager, front-door; got "nginx")~");
    QTest::newRow("routing without settings")
        << Edits{{QStringLiteral("    \"settings\": {\"runtimeApi\": \"127.0.0.1:9999\", \"backend\": \"bot\"},\n"), QString()}}
        << QStringLiteral("/routing") << 40 << 3
        << QStringLiteral(R"~(missing required key "settings" (an object))~");
    QTest::newRow("routing without publicUrl")
        << Edits{{QStringLiteral("    \"publicUrl\": \"https://bot.example.com\",\n"), QString()}}
        << QStringLiteral("/routing") << 40 << 3
        << QStringLiteral(R"~(missing required key "publicUrl" (a string))~");
    QTest::newRow("haproxy: no backend")
        << Edits{{QStringLiteral(R"~({"runtimeApi": "127.0.0.1:9999", "backend": "bot"})~"), QStringLiteral(R"~({"runtimeApi": "127.0.0.1:9999"})~")}}
        << QStringLiteral("/routing/settings") << 43 << 5
        << QStringLiteral(R"~(missing required key "backend" (a string): haproxy routing needs the backend whose servers are switched)~");
    QTest::newRow("haproxy: no runtimeApi")
        << Edits{{QStringLiteral(R"~({"runtimeApi": "127.0.0.1:9999", "backend": "bot"})~"), QStringLiteral(R"~({"backend": "bot"})~")}}
        << QStringLiteral("/routing/settings") << 43 << 5
        << QStringLiteral(R"~(missing required key "runtimeApi" (a string): haproxy routing needs the address of the HAProxy runtime API)~");
    QTest::newRow("haproxy: runtimeApi without port")
        << Edits{{QStringLiteral(R"~({"runtimeApi": "127.0.0.1:9999", "backend": "bot"})~"), QStringLiteral(R"~({"runtimeApi": "localhost", "backend": "bot"})~")}}
        << QStringLiteral("/routing/settings/runtimeApi") << 43 << 18
        << QStringLiteral(R"~(expected "HOST:PORT" (a TCP runtime API) or "unix:PATH" (a stats socket); got "localhost")~");
    QTest::newRow("haproxy: setting of another kind")
        << Edits{{QStringLiteral(R"~({"runtimeApi": "127.0.0.1:9999", "backend": "bot"})~"), QStringLiteral(R"~({"runtimeApi": "127.0.0.1:9999", "backend": "bot", "profileName": "tm-bot"})~")}}
        << QStringLiteral("/routing/settings/profileName") << 43 << 68
        << QStringLiteral(R"~(unknown key "profileName"; expected one of: backend, runtimeApi)~");
    QTest::newRow("haproxy: credential")
        << Edits{{QStringLiteral(R"~("targets")~"), QStringLiteral("\"credential\": {\"env\": \"HAPROXY_TOKEN\"},\n    \"targets\"")}}
        << QStringLiteral("/routing/credential") << 44 << 5
        << QStringLiteral(R"~(haproxy routing takes no credential)~");
    QTest::newRow("traffic-manager: no profileName")
        << withAzureRouting(QStringLiteral("traffic-manager"), QStringLiteral(R"~({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot"})~"))
        << QStringLiteral("/routing/settings") << 43 << 5
        << QStringLiteral(R"~(missing required key "profileName" (a string): traffic-manager routing needs the name of the Traffic Manager profile)~");
    QTest::newRow("traffic-manager: no subscriptionId")
        << withAzureRouting(QStringLiteral("traffic-manager"), QStringLiteral(R"~({"resourceGroup": "rg-bot", "profileName": "tm-bot"})~"))
        << QStringLiteral("/routing/settings") << 43 << 5
        << QStringLiteral(R"~(missing required key "subscriptionId" (a string): traffic-manager routing needs the Azure subscription id)~");
    QTest::newRow("traffic-manager: subscriptionId not a GUID")
        << withAzureRouting(QStringLiteral("traffic-manager"), QStringLiteral(R"~({"subscriptionId": "contoso-prod", "resourceGroup": "rg-bot", "profileName": "tm-bot"})~"))
        << QStringLiteral("/routing/settings/subscriptionId") << 43 << 18
        << QStringLiteral(R"~(expected the Azure subscription id as a GUID (00000000-0000-0000-0000-000000000000); got "contoso-prod")~");
    QTest::newRow("traffic-manager: bad resource group")
        << withAzureRouting(QStringLiteral("traffic-manager"), QStringLiteral(R"~({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg bot.", "profileName": "tm-bot"})~"))
        << QStringLiteral("/routing/settings/resourceGroup") << 43 << 76
        << QStringLiteral(R"~(expected a resource group name)~");
    QTest::newRow("traffic-manager: bad endpointType")
        << withAzureRouting(QStringLiteral("traffic-manager"), QStringLiteral(R"~({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot", "profileName": "tm-bot", "endpointType": "Azure"})~"))
        << QStringLiteral("/routing/settings/endpointType") << 43 << 128
        << QStringLiteral(R"~(expected one of AzureEndpoints, ExternalEndpoints, NestedEndpoints; got "Azure")~");
    QTest::newRow("traffic-manager: originGroup")
        << withAzureRouting(QStringLiteral("traffic-manager"), QStringLiteral(R"~({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot", "profileName": "tm-bot", "originGroup": "og"})~"))
        << QStringLiteral("/routing/settings/originGroup") << 43 << 128
        << QStringLiteral(R"~(originGroup is a front-door setting)~");
    QTest::newRow("traffic-manager: credential without clientId")
        << withAzureRouting(QStringLiteral("traffic-manager"), QStringLiteral(R"~({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot", "profileName": "tm-bot"})~")) + Edits{{QStringLiteral(R"~("targets")~"), QStringLiteral("\"credential\": {\"keychain\": \"tm-client-secret\"},\n    \"targets\"")}}
        << QStringLiteral("/routing/credential") << 44 << 5
        << QStringLiteral(R"~(a credential needs settings.tenantId and settings.clientId)~");
    QTest::newRow("front-door: no originGroup")
        << withAzureRouting(QStringLiteral("front-door"), QStringLiteral(R"~({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot", "profileName": "fd-bot"})~"))
        << QStringLiteral("/routing/settings") << 43 << 5
        << QStringLiteral("missing required key \"originGroup\" (a string): front-door routing needs the origin group that holds both regions' origins");
    QTest::newRow("front-door: endpointType")
        << withAzureRouting(QStringLiteral("front-door"), QStringLiteral(R"~({"subscriptionId": "00000000-1111-2222-3333-444444444444", "resourceGroup": "rg-bot", "profileName": "fd-bot", "originGroup": "og-bot", "endpointType": "AzureEndpoints"})~"))
        << QStringLiteral("/routing/settings/endpointType") << 43 << 153
        << QStringLiteral(R"~(endpointType is a traffic-manager setting)~");
    QTest::newRow("routing target missing")
        << Edits{{QStringLiteral(R"~("weu": "weu-server", "neu": "neu-server")~"), QStringLiteral(R"~("weu": "weu-server")~")}}
        << QStringLiteral("/routing/targets") << 44 << 5
        << QStringLiteral(R"~(missing the target of region "neu": expected the server name in the HAProxy backend that serves it)~");
    QTest::newRow("routing target of an unknown region")
        << Edits{{QStringLiteral(R"~("weu": "weu-server", "neu": "neu-server")~"), QStringLiteral(R"~("weu": "weu-server", "neu": "neu-server", "eus": "eus-server")~")}}
        << QStringLiteral("/routing/targets/eus") << 44 << 59
        << QStringLiteral(R"~(unknown key "eus"; expected one of: neu, weu)~");
    QTest::newRow("routing targets equal")
        << Edits{{QStringLiteral(R"~("weu": "weu-server", "neu": "neu-server")~"), QStringLiteral(R"~("weu": "weu-server", "neu": "weu-server")~")}}
        << QStringLiteral("/routing/targets/neu") << 44 << 38
        << QStringLiteral(R"~(regions "weu" and "neu" have the same target "weu-server"; expected each region to have its own server name in the HAProxy backend)~");
    QTest::newRow("certificate endpoint with a path")
        << Edits{{QStringLiteral("\"endpoint\": \"https://bot-weu.example.com\""), QStringLiteral("\"endpoint\": \"https://bot-weu.example.com/health\"")}}
        << QStringLiteral("/certificates/1/endpoint") << 48 << 23
        << QStringLiteral("expected \"host:port\" or \"https://host[:port]\"; got \"https://bot-weu.example.com/health\"");
    QTest::newRow("certificate endpoint bad port")
        << Edits{{QStringLiteral(R"~(bot-neu.example.com:8443)~"), QStringLiteral(R"~(bot-neu.example.com:84430)~")}}
        << QStringLiteral("/certificates/2/endpoint") << 49 << 23
        << QStringLiteral("expected \"host:port\" or \"https://host[:port]\"; got \"bot-neu.example.com:84430\"");
    QTest::newRow("certificate endpoint over http")
        << Edits{{QStringLiteral("\"endpoint\": \"https://bot-weu.example.com\""), QStringLiteral("\"endpoint\": \"http://bot-weu.example.com\"")}}
        << QStringLiteral("/certificates/1/endpoint") << 48 << 23
        << QStringLiteral("expected \"host:port\" or \"https://host[:port]\"; got \"http://bot-weu.example.com\"");
    QTest::newRow("certificate endpoint with password")
        << Edits{{QStringLiteral(R"~("endpoint": "bot.example.com:443")~"), QStringLiteral(R"~("endpoint": "ops:pw@bot.example.com:443")~")}}
        << QStringLiteral("/certificates/0/endpoint") << 47 << 22
        << QStringLiteral(R"~(a certificate endpoint must not carry a user name or password)~");
    QTest::newRow("certificate of an unknown region")
        << Edits{{QStringLiteral(R"~("region": "weu")~"), QStringLiteral(R"~("region": "eus")~")}}
        << QStringLiteral("/certificates/1/region") << 48 << 66
        << QStringLiteral(R"~(unknown region "eus"; expected one of: weu, neu (or null for a global endpoint))~");
    QTest::newRow("certificate interval too short")
        << Edits{{QStringLiteral(R"~("intervalSeconds": 600})~"), QStringLiteral(R"~("intervalSeconds": 5})~")}}
        << QStringLiteral("/certificates/2/intervalSeconds") << 49 << 80
        << QStringLiteral(R"~(expected a number of seconds from 10 to 604800; got 5)~");
    QTest::newRow("certificate without endpoint")
        << Edits{{QStringLiteral(R"~({"id": "global", "endpoint": "bot.example.com:443"})~"), QStringLiteral(R"~({"id": "global"})~")}}
        << QStringLiteral("/certificates/0") << 47 << 5
        << QStringLiteral(R"~(missing required key "endpoint" (a string))~");
}

void tst_ProfileLoader::brokenProfile()
{
    QFETCH(Edits, edits);
    QFETCH(QString, pointer);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);

    LOAD_EDITED(profile, edits);
    QVERIFY2(!profile.has_value(), "the broken profile was accepted");
    const ProfileIssues &issues = profile.error();
    // Exactly this problem: a row that trips over a second one hides what it means to test.
    QVERIFY2(issues.size() == 1, qPrintable(listed(issues)));
    const ProfileIssue &issue = issues.first();
    QCOMPARE(issue.pointer, pointer);
    QCOMPARE(issue.line, line);
    QCOMPARE(issue.column, column);
    QVERIFY2(issue.message.contains(message), qPrintable(issue.message));
    // What the operator reads names the place in the form editors jump to.
    QVERIFY(issue.format(QStringLiteral("p.json"))
                .startsWith(QStringLiteral("p.json:%1:%2: %3: ")
                                .arg(line)
                                .arg(column)
                                .arg(pointer.isEmpty() ? QStringLiteral("/") : pointer)));
}

void tst_ProfileLoader::documentProblems_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message");

    QTest::newRow("empty") << QByteArray() << QString() << 1 << 1
                           << QStringLiteral("the profile is empty; expected a JSON object with \"schemaVersion\": 1");
    QTest::newRow("blank") << QByteArrayLiteral(" \n\t\n") << QString() << 1 << 1 << QStringLiteral("the profile is empty");
    QTest::newRow("byte order mark only") << QByteArrayLiteral("\xEF\xBB\xBF\n") << QString() << 1 << 1
                                          << QStringLiteral("the profile is empty");
    QTest::newRow("array") << QByteArrayLiteral("\n  [{\"schemaVersion\": 1}]") << QString() << 2 << 3
                           << QStringLiteral("expected a JSON object at the top level (a profile starts with '{'); got an array");
    QTest::newRow("number") << QByteArrayLiteral("42\n") << QString() << 1 << 1
                            << QStringLiteral("expected a JSON object at the top level (a profile starts with '{'); got \"42\"");
    QTest::newRow("YAML") << QByteArrayLiteral("schemaVersion: 1\nname: bot\n") << QString() << 1 << 1
                          << QStringLiteral("expected a JSON object at the top level (a profile starts with '{'); got \"schemaVersion: 1\"");
    QTest::newRow("too large") << QByteArray(ProfileLoader::kMaxFileBytes + 1, ' ') << QString() << 0 << 0
                               << QStringLiteral("the profile is 4194305 bytes; a profile may be at most 4194304 bytes");
    QTest::newRow("garbage after the object") << QByteArrayLiteral("{\"schemaVersion\": 1}\n}\n") << QString() << 2 << 1
                                              << QStringLiteral("not valid JSON: expected the end of the document after the top-level value; got '}'");
    QTest::newRow("not UTF-8") << QByteArrayLiteral("{\n  \"name\": \"Caf\xE9\"\n}") << QStringLiteral("/name") << 2 << 11
                               << QStringLiteral("not valid JSON: this string holds bytes that are not UTF-8; save the file as UTF-8");
}

void tst_ProfileLoader::documentProblems()
{
    QFETCH(QByteArray, data);
    QFETCH(QString, pointer);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);

    const auto profile = ProfileLoader::loadData(data);
    QVERIFY(!profile.has_value());
    QVERIFY2(profile.error().size() == 1, qPrintable(listed(profile.error())));
    const ProfileIssue &issue = profile.error().first();
    QCOMPARE(issue.pointer, pointer);
    QCOMPARE(issue.line, line);
    QCOMPARE(issue.column, column);
    QVERIFY2(issue.message.contains(message), qPrintable(issue.message));
}

void tst_ProfileLoader::reportsEveryProblemAtOnce()
{
    // Seven problems in seven places; the unknown key and the role clash are found after the
    // problems below them, but are listed in file order, as a compiler lists errors.
    LOAD_EDITED(profile, (Edits{
                             {QStringLiteral(R"("environment": "production")"), QStringLiteral(R"("environment": "prod")")},
                             {QStringLiteral(R"("name": "Contoso bot",)"), QStringLiteral(R"("name": "Contoso bot", "colour": "blue",)")},
                             {QStringLiteral(R"("rtoSeconds": 3600)"), QStringLiteral(R"("rtoSeconds": -5)")},
                             {QStringLiteral(R"({"api-key": {"keychain": "contoso-api-key"})"), QStringLiteral(R"({"api-key": "s3cr3t")")},
                             {QStringLiteral(R"("role": "secondary")"), QStringLiteral(R"("role": "primary")")},
                             {QStringLiteral(R"("weu": "weu-server", "neu": "neu-server")"), QStringLiteral(R"("weu": "weu-server")")},
                             {QStringLiteral(R"("region": "weu")"), QStringLiteral(R"("region": "eus")")},
                         }));
    QVERIFY(!profile.has_value());
    const ProfileIssues &issues = profile.error();
    QStringList where;
    for (const ProfileIssue &issue : issues)
        where.append(QStringLiteral("%1:%2 %3").arg(issue.line).arg(issue.column).arg(issue.pointer));
    const QStringList expected = {
        QStringLiteral("3:26 /colour"),
        QStringLiteral("4:3 /environment"),
        QStringLiteral("8:5 /objectives/rtoSeconds"),
        QStringLiteral("16:17 /probeDefaults/headers/api-key"),
        QStringLiteral("33:7 /regions/1/role"),
        QStringLiteral("44:5 /routing/targets"),
        QStringLiteral("48:66 /certificates/1/region"),
    };
    QCOMPARE(where, expected);
    QVERIFY(issues.at(0).message.contains(QStringLiteral("unknown key \"colour\"")));
    QVERIFY(issues.at(1).message.contains(QStringLiteral("expected one of production, staging, lab")));
    QVERIFY(issues.at(2).message.contains(QStringLiteral("expected an integer from 1 to 604800; got -5")));
    QVERIFY(issues.at(3).message.contains(QStringLiteral("inline secrets are not allowed")));
    QVERIFY(issues.at(4).message.contains(QStringLiteral("both regions are primary")));
    QVERIFY(issues.at(5).message.contains(QStringLiteral("missing the target of region \"neu\"")));
    QVERIFY(issues.at(6).message.contains(QStringLiteral("unknown region \"eus\"")));

    // formatIssues: one line per issue, same order.
    const QStringList lines = ProfileLoader::formatIssues(issues, QStringLiteral("prod.json")).split(u'\n');
    QCOMPARE(lines.size(), 7);
    QVERIFY(lines.at(0).startsWith(QStringLiteral("prod.json:3:26: /colour: unknown key")));
    QVERIFY(lines.at(6).startsWith(QStringLiteral("prod.json:48:66: /certificates/1/region: unknown region")));
}

void tst_ProfileLoader::schemaMismatchHidesTheRest()
{
    // Under another schema nothing else can be judged: one issue, not a page of noise.
    LOAD_EDITED(profile, (Edits{{QStringLiteral(R"("schemaVersion": 1)"), QStringLiteral(R"("schemaVersion": 2)")},
                                {QStringLiteral(R"("environment": "production")"), QStringLiteral(R"("environment": "prod")")},
                                {QStringLiteral(R"("name": "Contoso bot",)"), QStringLiteral(R"("name": "Contoso bot", "name": "again",)")}}));
    QVERIFY(!profile.has_value());
    QVERIFY2(profile.error().size() == 1, qPrintable(listed(profile.error())));
    QCOMPARE(profile.error().at(0).pointer, QStringLiteral("/schemaVersion"));
}

void tst_ProfileLoader::loadFileProblems()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());

    const QString missing = dir.filePath(QStringLiteral("nope.json"));
    auto profile = ProfileLoader::loadFile(missing);
    QVERIFY(!profile.has_value());
    QCOMPARE(profile.error().size(), 1);
    QCOMPARE(profile.error().at(0).pointer, QString());
    QCOMPARE(profile.error().at(0).line, 0);
    QCOMPARE(profile.error().at(0).column, 0);
    QCOMPARE(profile.error().at(0).message,
             QStringLiteral("the profile file does not exist (looked for %1)").arg(QFileInfo(missing).absoluteFilePath()));
    // No line:column when there is no text: "FILE: /: MESSAGE".
    QCOMPARE(profile.error().at(0).format(missing), missing + QStringLiteral(": /: ") + profile.error().at(0).message);

    profile = ProfileLoader::loadFile(dir.path());
    QVERIFY(!profile.has_value());
    QCOMPARE(profile.error().at(0).message, QStringLiteral("expected a profile file; this is a folder"));

    const QString large = dir.filePath(QStringLiteral("large.json"));
    QVERIFY(writeFile(large, QByteArray(ProfileLoader::kMaxFileBytes + 1, ' ')));
    profile = ProfileLoader::loadFile(large);
    QVERIFY(!profile.has_value());
    QCOMPARE(profile.error().size(), 1);
    QCOMPARE(profile.error().at(0).line, 0);
    QCOMPARE(profile.error().at(0).message,
             QStringLiteral("the profile is 4194305 bytes; a profile may be at most 4194304 bytes"));
}

void tst_ProfileLoader::loadFileUnreadable()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString unreadable = dir.filePath(QStringLiteral("unreadable.json"));
    QVERIFY(writeFile(unreadable, kBase.toUtf8()));
    QFile::setPermissions(unreadable, QFileDevice::Permissions());
    if (QFile(unreadable).open(QIODevice::ReadOnly))
        QSKIP("running with permission to read any file (root): cannot test an unreadable profile");
    const auto profile = ProfileLoader::loadFile(unreadable);
    QVERIFY(!profile.has_value());
    QVERIFY(profile.error().at(0).message.startsWith(QStringLiteral("cannot read the profile: ")));
}

void tst_ProfileLoader::loadFileAcceptsBomAndCrlf()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // As saved by Notepad: a byte order mark and CRLF line ends.
    QByteArray windows = QByteArrayLiteral("\xEF\xBB\xBF") + kBase.toUtf8();
    windows.replace("\n", "\r\n");
    const QString path = dir.filePath(QStringLiteral("windows.json"));
    QVERIFY(writeFile(path, windows));
    const auto profile = ProfileLoader::loadFile(path);
    QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile)));

    // And positions stay right: the BOM takes no column, CR is not a line.
    windows.replace("\"environment\": \"production\"", "\"environment\": \"prod\"");
    const auto broken = ProfileLoader::loadData(windows);
    QVERIFY(!broken.has_value());
    QCOMPARE(broken.error().size(), 1);
    QCOMPARE(broken.error().at(0).line, 4);
    QCOMPARE(broken.error().at(0).column, 3);
}

void tst_ProfileLoader::issueFormat()
{
    const ProfileIssue issue{QStringLiteral("/regions/1/role"), 33, 7, QStringLiteral("both regions are primary")};
    QCOMPARE(issue.format(QStringLiteral("/etc/dr/prod.json")),
             QStringLiteral("/etc/dr/prod.json:33:7: /regions/1/role: both regions are primary"));
    QCOMPARE(issue.format(QString()), QStringLiteral("<profile>:33:7: /regions/1/role: both regions are primary"));
    const ProfileIssue whole{QString(), 0, 0, QStringLiteral("the profile is empty")};
    QCOMPARE(whole.format(QStringLiteral("p.json")), QStringLiteral("p.json: /: the profile is empty"));
    QCOMPARE(ProfileLoader::formatIssues({issue, whole}, QStringLiteral("p.json")),
             QStringLiteral("p.json:33:7: /regions/1/role: both regions are primary\np.json: /: the profile is empty"));
    QCOMPARE(ProfileLoader::formatIssues({}, QStringLiteral("p.json")), QString());
}

void tst_ProfileLoader::samplesLoadCleanly_data()
{
    QTest::addColumn<QString>("path");

    const QDir folder(profilesFolder());
    const QStringList names = folder.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    for (const QString &name : names)
        QTest::newRow(qPrintable(name)) << folder.filePath(name);
    if (names.isEmpty())
        QTest::newRow("none found") << QString();
}

void tst_ProfileLoader::samplesLoadCleanly()
{
    QFETCH(QString, path);
    QVERIFY2(!path.isEmpty(), "no profile in resources/profiles (is DR_SOURCE_DIR set?)");
    const auto profile = ProfileLoader::loadFile(path);
    QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile, path)));
    QVERIFY(profile->primary() && profile->secondary());
    QVERIFY(!profile->certificates.isEmpty());
}

void tst_ProfileLoader::azureProductionSample()
{
    const QString path = profilesFolder() + QStringLiteral("/azure-production.json");
    const auto profile = ProfileLoader::loadFile(path);
    QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile, path)));
    const Profile &p = *profile;

    QCOMPARE(toString(p.environment), QStringLiteral("production"));
    QCOMPARE(p.routing.kind, QStringLiteral("traffic-manager"));
    QCOMPARE(p.routing.publicUrl.scheme(), QStringLiteral("https"));
    QCOMPARE(p.primary()->location, QStringLiteral("westeurope"));
    QCOMPARE(p.secondary()->location, QStringLiteral("northeurope"));
    for (const Region &region : p.regions) {
        QStringList kinds;
        for (const Component &c : region.components) {
            kinds.append(c.kind);
            QCOMPARE(c.endpoint.scheme(), QStringLiteral("https"));
            // The API key travels as a keychain reference, never as text.
            const HeaderValue key = c.probe.headers.value(QStringLiteral("api-key"));
            if (c.kind == u"search-index") {
                QVERIFY(key.secret);
                QCOMPARE(key.secret->source, SecretRef::Source::Keychain);
            }
        }
        for (const QString &kind : {QStringLiteral("bot-api"), QStringLiteral("knowledge-base"),
                                    QStringLiteral("search-index"), QStringLiteral("storage")})
            QVERIFY2(kinds.contains(kind), qPrintable(region.id + QStringLiteral(" lacks ") + kind));
        QVERIFY(p.routing.regionTargets.contains(region.id));
    }
    // A certificate for the global endpoint and for each region.
    QStringList certificateRegions;
    for (const CertificateEndpoint &c : p.certificates)
        certificateRegions.append(c.regionId);
    QVERIFY(certificateRegions.contains(QString()));
    QVERIFY(certificateRegions.contains(p.primary()->id));
    QVERIFY(certificateRegions.contains(p.secondary()->id));
}

void tst_ProfileLoader::localSample()
{
    const QString path = profilesFolder() + QStringLiteral("/local-sample.json");
    const auto profile = ProfileLoader::loadFile(path);
    QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile, path)));
    const Profile &p = *profile;

    QCOMPARE(toString(p.environment), QStringLiteral("lab"));
    QCOMPARE(p.routing.kind, QStringLiteral("haproxy"));
    QVERIFY(p.routing.settings.contains(QStringLiteral("runtimeApi")));
    QVERIFY(p.routing.settings.contains(QStringLiteral("backend")));
    const QStringList loopback = {QStringLiteral("127.0.0.1"), QStringLiteral("localhost")};
    QVERIFY(loopback.contains(p.routing.publicUrl.host()));
    for (const Region &region : p.regions) {
        for (const Component &c : region.components) {
            QVERIFY2(loopback.contains(c.endpoint.host()), qPrintable(c.endpoint.toString()));
            QCOMPARE(c.endpoint.scheme(), QStringLiteral("https"));
            QVERIFY(c.endpoint.port() > 0);
        }
    }
}

void tst_ProfileLoader::documentationExamplesLoad()
{
    // docs/PROFILE.md must agree with the loader: every complete profile in it (a ```json
    // block holding "schemaVersion" and "regions") loads without an issue.
    const QString source = qEnvironmentVariable("DR_SOURCE_DIR");
    const QString path = source.isEmpty() ? QFINDTESTDATA("../../docs/PROFILE.md")
                                          : source + QStringLiteral("/docs/PROFILE.md");
    QFile file(path);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(QStringLiteral("cannot read ") + path));
    const QString markdown = QString::fromUtf8(file.readAll());
    static const QRegularExpression block(QStringLiteral("```json\\n(.*?)```"),
                                          QRegularExpression::DotMatchesEverythingOption);
    int complete = 0;
    for (auto it = block.globalMatch(markdown); it.hasNext();) {
        const QString json = it.next().captured(1);
        // Other files have a schemaVersion too (the operator directory): a profile has regions.
        if (!json.contains(QStringLiteral("\"schemaVersion\"")) || !json.contains(QStringLiteral("\"regions\"")))
            continue;
        ++complete;
        const auto profile = ProfileLoader::loadData(json.toUtf8(), path);
        QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile, QStringLiteral("PROFILE.md example"))));
    }
    QVERIFY(complete >= 1);
}

void tst_ProfileLoader::notifications_data()
{
    QTest::addColumn<QString>("section"); // the "notifications" value, added after "certificates"
    QTest::addColumn<QString>("pointer"); // of the one expected problem; empty: valid
    QTest::addColumn<QString>("message"); // a fragment of it

    QTest::newRow("absent: desktop on, no webhook") << QString() << QString() << QString();
    QTest::newRow("desktop off") << QStringLiteral(R"({"desktop": false})") << QString() << QString();
    QTest::newRow("webhook from the keychain")
        << QStringLiteral(R"({"webhook": {"url": {"keychain": "teams-hook"}, "timeoutSeconds": 4.5}})") << QString() << QString();
    QTest::newRow("webhook from the environment")
        << QStringLiteral(R"({"webhook": {"url": {"env": "DR_WEBHOOK_URL"}}})") << QString() << QString();
    QTest::newRow("inline URL refused")
        << QString::fromLatin1("{\"webhook\": {\"url\": \"https://example.webhook.office.com/webhookb2/abc\"}}")
        << QStringLiteral("/notifications/webhook/url") << QStringLiteral("inline secrets are not allowed");
    QTest::newRow("url missing")
        << QStringLiteral(R"({"webhook": {"timeoutSeconds": 5}})")
        << QStringLiteral("/notifications/webhook") << QStringLiteral(R"(missing required key "url" (a secret reference))");
    QTest::newRow("url of the wrong type")
        << QStringLiteral(R"({"webhook": {"url": 42}})")
        << QStringLiteral("/notifications/webhook/url") << QStringLiteral("expected a secret reference");
    QTest::newRow("timeout out of range")
        << QStringLiteral(R"({"webhook": {"url": {"env": "HOOK"}, "timeoutSeconds": 0}})")
        << QStringLiteral("/notifications/webhook/timeoutSeconds") << QStringLiteral("expected a number of seconds from 1 to 120");
    QTest::newRow("desktop of the wrong type")
        << QStringLiteral(R"({"desktop": "yes"})")
        << QStringLiteral("/notifications/desktop") << QStringLiteral("expected a boolean; got a string");
    QTest::newRow("unknown key")
        << QStringLiteral(R"({"desktop": true, "email": "ops@example.com"})")
        << QStringLiteral("/notifications/email") << QStringLiteral(R"(unknown key "email"; expected one of: desktop, webhook)");
    QTest::newRow("unknown webhook key")
        << QStringLiteral(R"({"webhook": {"url": {"env": "HOOK"}, "retries": 3}})")
        << QStringLiteral("/notifications/webhook/retries") << QStringLiteral(R"(expected one of: timeoutSeconds, url)");
    QTest::newRow("secret-looking key refused as inline secret")
        << QStringLiteral(R"({"webhook": {"url": {"env": "HOOK"}, "token": "abc"}})")
        << QStringLiteral("/notifications/webhook/token") << QStringLiteral("inline secrets are not allowed");
    QTest::newRow("not an object")
        << QStringLiteral(R"(true)")
        << QStringLiteral("/notifications") << QStringLiteral("expected an object; got");
}

void tst_ProfileLoader::notifications()
{
    QFETCH(QString, section);
    QFETCH(QString, pointer);
    QFETCH(QString, message);

    Edits edits;
    if (!section.isEmpty())
        edits.append({QStringLiteral("\"intervalSeconds\": 600}\n  ]"),
                      QStringLiteral("\"intervalSeconds\": 600}\n  ],\n  \"notifications\": %1").arg(section)});
    LOAD_EDITED(profile, edits);
    if (pointer.isEmpty()) {
        QVERIFY2(profile.has_value(), qPrintable(problemsOf(profile)));
        const QJsonObject o = section.isEmpty() ? QJsonObject() : QJsonDocument::fromJson(section.toUtf8()).object();
        QCOMPARE(profile->notifications.desktop, o.value(QStringLiteral("desktop")).toBool(true));
        QCOMPARE(profile->notifications.webhook.has_value(), o.contains(QStringLiteral("webhook")));
        if (profile->notifications.webhook) {
            const QJsonObject hook = o.value(QStringLiteral("webhook")).toObject();
            QCOMPARE(QJsonDocument(profile->notifications.webhook->url.toJson()).toJson(QJsonDocument::Compact),
                     QJsonDocument(hook.value(QStringLiteral("url")).toObject()).toJson(QJsonDocument::Compact));
            QCOMPARE(profile->notifications.webhook->timeoutMs,
                     int(std::lround(hook.value(QStringLiteral("timeoutSeconds")).toDouble(10) * 1000)));
        }
        return;
    }
    QVERIFY(!profile.has_value());
    const ProfileIssues &issues = profile.error();
    QVERIFY2(issues.size() == 1, qPrintable(listed(issues)));
    QCOMPARE(issues.first().pointer, pointer);
    QVERIFY2(issues.first().message.contains(message), qPrintable(issues.first().message));
}

QTEST_GUILESS_MAIN(tst_ProfileLoader)
#include "tst_profileloader.moc"
