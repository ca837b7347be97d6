// The lab's stand-in for Azure Traffic Manager's control plane (`drlab up --routing
// trafficmanager`, app/drlab/lab/armstandin.h) on a real lab: its Entra ID token endpoint and
// ARM answers have the official shapes (compared with Microsoft's examples
// trafficmanager/Profile-GET-WithEndpoints.json, trafficmanager/Endpoint-GET-External-WithLocation.json
// and trafficmanager/Endpoint-PATCH-External-Target.json), its errors are Azure's, a PATCH
// really drives HAProxy (the global endpoint is answered by the other region), and a planned
// failover and failback through drctl and the Traffic Manager provider run end to end under
// traffic.

#include "labsession.h"
#include "replayserver.h"

#include "routing/haproxyruntime.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSslConfiguration>
#include <QTest>
#include <QTimer>
#include <QUrlQuery>
#include <QUuid>

namespace {

using dr::test::AzureExample;
using dr::test::LabSession;
using dr::test::ToolRun;

struct Http
{
    int status = 0;
    QByteArray body;
    QList<QNetworkReply::RawHeaderPair> headers;
    QString error;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[n, v] : headers) {
            if (n.compare(name, Qt::CaseInsensitive) == 0)
                return v;
        }
        return {};
    }
};

const char *typeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null: return "null";
    case QJsonValue::Bool: return "bool";
    case QJsonValue::Double: return "number";
    case QJsonValue::String: return "string";
    case QJsonValue::Array: return "array";
    case QJsonValue::Object: return "object";
    default: return "undefined";
    }
}

// Where our document's shape differs from the example's: a key missing on either side or a
// value of another JSON type (arrays: their first elements).
QStringList shapeDiff(const QJsonValue &example, const QJsonValue &ours, const QString &at)
{
    if (example.type() != ours.type())
        return {QStringLiteral("%1: %2 in the example, %3 here").arg(at, QLatin1String(typeName(example)), QLatin1String(typeName(ours)))};
    QStringList diffs;
    if (example.isObject()) {
        const QJsonObject e = example.toObject(), o = ours.toObject();
        for (auto it = e.begin(); it != e.end(); ++it) {
            if (!o.contains(it.key()))
                diffs << QStringLiteral("%1.%2 missing").arg(at, it.key());
            else
                diffs << shapeDiff(it.value(), o.value(it.key()), at + u'.' + it.key());
        }
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (!e.contains(it.key()))
                diffs << QStringLiteral("%1.%2 is not in the example").arg(at, it.key());
        }
    } else if (example.isArray()) {
        const QJsonArray e = example.toArray(), o = ours.toArray();
        if (!e.isEmpty() && o.isEmpty())
            diffs << QStringLiteral("%1: empty here").arg(at);
        else if (!e.isEmpty())
            diffs << shapeDiff(e.first(), o.first(), at + QStringLiteral("[0]"));
    }
    return diffs;
}

const QJsonObject &props(const QJsonObject &resource, QJsonObject *holder)
{
    *holder = resource.value(QStringLiteral("properties")).toObject();
    return *holder;
}

QString prop(const QJsonObject &resource, const char *name)
{
    return resource.value(QStringLiteral("properties")).toObject().value(QLatin1String(name)).toVariant().toString();
}

} // namespace

class tst_LabTrafficManager : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void labSaysItsRouting();
    void profileNamesTheStandIn();
    void tokenForTheLabApp();
    void tokenErrors_data();
    void tokenErrors();
    void armErrors_data();
    void armErrors();
    void profileHasTheOfficialShape();
    void endpointHasTheOfficialShape();
    void patchInTheExampleShape();
    void prioritiesAreUnique();
    void disablingAnEndpointMovesTraffic();
    void failoverAndFailbackThroughTrafficManager();

private:
    Http request(const QByteArray &method, const QString &path, const QByteArray &body = {}, const QByteArray &token = {},
                 const QByteArray &contentType = QByteArrayLiteral("application/json"));
    Http tokenRequest(const QMap<QString, QString> &form, const QString &tenant = {});
    QByteArray bearer();
    QString resourcePath(const QString &suffix = {}) const;
    QString apiQuery() const { return QStringLiteral("?api-version=2022-04-01"); }
    // The region that answers a chat through the lab's global endpoint (X-DR-Region).
    QString servingRegion();
    QList<dr::HaproxyServerState> haproxyServers();
    bool waitForMonitor(const QString &endpoint, const QString &status, QJsonObject *last, int timeoutMs = 15000);

    LabSession m_lab{QStringLiteral(DRLAB_PATH), QStringLiteral(DRCTL_PATH)};
    QNetworkAccessManager m_network;
    QJsonObject m_profile;
    QJsonObject m_labJson;
    QString m_base; // https://localhost:PORT of the stand-in
    QString m_globalUrl;
    QByteArray m_token;
};

void tst_LabTrafficManager::initTestCase()
{
    const QString why = m_lab.up({QStringLiteral("--routing"), QStringLiteral("trafficmanager")});
    QVERIFY2(why.isEmpty(), qPrintable(why));
    QFile profile(m_lab.profilePath());
    QVERIFY(profile.open(QIODevice::ReadOnly));
    m_profile = QJsonDocument::fromJson(profile.readAll()).object();
    QFile lab(m_lab.dir() + QStringLiteral("/lab.json"));
    QVERIFY(lab.open(QIODevice::ReadOnly));
    m_labJson = QJsonDocument::fromJson(lab.readAll()).object();
    m_base = m_profile.value(QStringLiteral("azure")).toObject().value(QStringLiteral("armEndpoint")).toString();
    QVERIFY2(m_base.startsWith(QStringLiteral("https://localhost:")), qPrintable(m_base));
    m_globalUrl = m_profile.value(QStringLiteral("routing")).toObject().value(QStringLiteral("publicUrl")).toString();
}

void tst_LabTrafficManager::cleanupTestCase()
{
    m_lab.down();
}

Http tst_LabTrafficManager::request(const QByteArray &method, const QString &path, const QByteArray &body, const QByteArray &token,
                                    const QByteArray &contentType)
{
    QNetworkRequest r(QUrl(path.startsWith(QStringLiteral("https://")) ? path : m_base + path));
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.addCaCertificates(QSslCertificate::fromPath(m_lab.dir() + QStringLiteral("/ca/ca.pem")));
    r.setSslConfiguration(ssl);
    r.setTransferTimeout(10000);
    if (!token.isEmpty())
        r.setRawHeader("Authorization", "Bearer " + token);
    if (!body.isEmpty())
        r.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    QNetworkReply *reply = m_network.sendCustomRequest(r, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(12000, &loop, &QEventLoop::quit);
    loop.exec();
    Http h;
    h.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    h.body = reply->readAll();
    h.headers = reply->rawHeaderPairs();
    if (h.status == 0)
        h.error = reply->errorString();
    reply->deleteLater();
    return h;
}

Http tst_LabTrafficManager::tokenRequest(const QMap<QString, QString> &form, const QString &tenant)
{
    QUrlQuery q;
    for (auto it = form.begin(); it != form.end(); ++it)
        q.addQueryItem(it.key(), QString::fromLatin1(QUrl::toPercentEncoding(it.value())));
    const QString t = tenant.isEmpty() ? m_profile.value(QStringLiteral("azure")).toObject().value(QStringLiteral("tenantId")).toString() : tenant;
    return request("POST", QStringLiteral("/%1/oauth2/v2.0/token").arg(t), q.query(QUrl::FullyEncoded).toUtf8(), {},
                   QByteArrayLiteral("application/x-www-form-urlencoded"));
}

QByteArray tst_LabTrafficManager::bearer()
{
    if (!m_token.isEmpty())
        return m_token;
    const QJsonObject azure = m_profile.value(QStringLiteral("azure")).toObject();
    QFile secret(m_lab.dir() + u'/' + azure.value(QStringLiteral("clientSecret")).toObject().value(QStringLiteral("file")).toString());
    if (!secret.open(QIODevice::ReadOnly))
        return {};
    const Http h = tokenRequest({{QStringLiteral("grant_type"), QStringLiteral("client_credentials")},
                                 {QStringLiteral("client_id"), azure.value(QStringLiteral("clientId")).toString()},
                                 {QStringLiteral("client_secret"), QString::fromUtf8(secret.readAll().trimmed())},
                                 {QStringLiteral("scope"), azure.value(QStringLiteral("armScope")).toString()}});
    m_token = h.json().value(QStringLiteral("access_token")).toString().toUtf8();
    return m_token;
}

QString tst_LabTrafficManager::resourcePath(const QString &suffix) const
{
    const QJsonObject s = m_profile.value(QStringLiteral("routing")).toObject().value(QStringLiteral("settings")).toObject();
    return QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/Microsoft.Network/trafficmanagerprofiles/%3")
               .arg(s.value(QStringLiteral("subscriptionId")).toString(), s.value(QStringLiteral("resourceGroup")).toString(),
                    s.value(QStringLiteral("profileName")).toString())
           + suffix;
}

QString tst_LabTrafficManager::servingRegion()
{
    const QJsonObject activity{{QStringLiteral("type"), QStringLiteral("message")},
                               {QStringLiteral("text"), QStringLiteral("How do I reset my password?")},
                               {QStringLiteral("from"), QJsonObject{{QStringLiteral("id"), QStringLiteral("tst")}}},
                               {QStringLiteral("conversation"), QJsonObject{{QStringLiteral("id"), QStringLiteral("tst-tm")}}}};
    const Http h = request("POST", m_globalUrl + QStringLiteral("api/messages"), QJsonDocument(activity).toJson(QJsonDocument::Compact));
    return h.status == 200 ? QString::fromUtf8(h.header("X-DR-Region")) : QStringLiteral("HTTP %1 %2").arg(h.status).arg(h.error);
}

QList<dr::HaproxyServerState> tst_LabTrafficManager::haproxyServers()
{
    const int port = m_labJson.value(QStringLiteral("ports")).toObject().value(QStringLiteral("runtime-api")).toInt();
    dr::HaproxyRuntime runtime(QStringLiteral("127.0.0.1:%1").arg(port));
    QList<dr::HaproxyServerState> servers;
    QEventLoop loop;
    runtime.serverStates(QStringLiteral("bot"), [&](dr::Result<QList<dr::HaproxyServerState>> r) {
        if (r)
            servers = *r;
        loop.quit();
    });
    loop.exec();
    return servers;
}

bool tst_LabTrafficManager::waitForMonitor(const QString &endpoint, const QString &status, QJsonObject *last, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    do {
        *last = request("GET", resourcePath(QStringLiteral("/ExternalEndpoints/") + endpoint) + apiQuery(), {}, bearer()).json();
        if (prop(*last, "endpointMonitorStatus") == status)
            return true;
        QTest::qWait(300);
    } while (t.elapsed() < timeoutMs);
    return false;
}

void tst_LabTrafficManager::labSaysItsRouting()
{
    const ToolRun run = m_lab.drlab({QStringLiteral("status"), QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 0, run.out.constData());
    const QJsonObject doc = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(doc.value(QStringLiteral("routing")).toString(), QStringLiteral("trafficmanager"));
    bool standIn = false;
    for (const QJsonValue &p : doc.value(QStringLiteral("parts")).toArray())
        standIn = standIn || (p.toObject().value(QStringLiteral("name")).toString() == u"arm-standin" && p.toObject().value(QStringLiteral("healthy")).toBool());
    QVERIFY2(standIn, run.out.constData());
    QCOMPARE(m_labJson.value(QStringLiteral("routing")).toString(), QStringLiteral("trafficmanager"));
}

void tst_LabTrafficManager::profileNamesTheStandIn()
{
    const QJsonObject routing = m_profile.value(QStringLiteral("routing")).toObject();
    QCOMPARE(routing.value(QStringLiteral("kind")).toString(), QStringLiteral("traffic-manager"));
    const QJsonObject settings = routing.value(QStringLiteral("settings")).toObject();
    QVERIFY(!QUuid::fromString(settings.value(QStringLiteral("subscriptionId")).toString()).isNull());
    QCOMPARE(settings.value(QStringLiteral("resourceGroup")).toString(), QStringLiteral("drlab"));
    QCOMPARE(settings.value(QStringLiteral("profileName")).toString(), QStringLiteral("drlab-tm"));
    QCOMPARE(settings.value(QStringLiteral("endpointType")).toString(), QStringLiteral("ExternalEndpoints"));
    QCOMPARE(routing.value(QStringLiteral("targets")).toObject().value(QStringLiteral("north")).toString(), QStringLiteral("north"));
    const QJsonObject azure = m_profile.value(QStringLiteral("azure")).toObject();
    QCOMPARE(azure.value(QStringLiteral("authority")).toString(), m_base);
    QVERIFY(!QUuid::fromString(azure.value(QStringLiteral("tenantId")).toString()).isNull());
    QVERIFY(!QUuid::fromString(azure.value(QStringLiteral("clientId")).toString()).isNull());
    QCOMPARE(azure.value(QStringLiteral("armScope")).toString(), QStringLiteral("https://management.azure.com/.default"));
    // The secret is a 0600 file, referenced, never inline.
    const QString file = m_lab.dir() + u'/' + azure.value(QStringLiteral("clientSecret")).toObject().value(QStringLiteral("file")).toString();
    QVERIFY2(QFile::exists(file), qPrintable(file));
    QCOMPARE(QFile::permissions(file) & (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther), QFile::Permissions());
}

void tst_LabTrafficManager::tokenForTheLabApp()
{
    const QByteArray token = bearer();
    QVERIFY(!token.isEmpty());
    // A JWT whose audience is ARM, for the lab's tenant and app.
    const QList<QByteArray> parts = token.split('.');
    QCOMPARE(parts.size(), 3);
    const QJsonObject claims = QJsonDocument::fromJson(QByteArray::fromBase64(parts.at(1), QByteArray::Base64UrlEncoding)).object();
    QCOMPARE(claims.value(QStringLiteral("aud")).toString(), QStringLiteral("https://management.azure.com"));
    const QJsonObject azure = m_profile.value(QStringLiteral("azure")).toObject();
    QCOMPARE(claims.value(QStringLiteral("tid")).toString(), azure.value(QStringLiteral("tenantId")).toString());
    QCOMPARE(claims.value(QStringLiteral("appid")).toString(), azure.value(QStringLiteral("clientId")).toString());
    // Two requests, two tokens; both accepted.
    QFile secret(m_lab.dir() + QStringLiteral("/secrets/entra-client-secret"));
    QVERIFY(secret.open(QIODevice::ReadOnly));
    const Http again = tokenRequest({{QStringLiteral("grant_type"), QStringLiteral("client_credentials")},
                                     {QStringLiteral("client_id"), azure.value(QStringLiteral("clientId")).toString()},
                                     {QStringLiteral("client_secret"), QString::fromUtf8(secret.readAll().trimmed())},
                                     {QStringLiteral("scope"), QStringLiteral("https://management.azure.com/.default")}});
    QCOMPARE(again.status, 200);
    const QJsonObject doc = again.json();
    QCOMPARE(doc.value(QStringLiteral("token_type")).toString(), QStringLiteral("Bearer"));
    QCOMPARE(doc.value(QStringLiteral("expires_in")).toInt(), 3599);
    const QByteArray second = doc.value(QStringLiteral("access_token")).toString().toUtf8();
    QVERIFY(second != token);
    QCOMPARE(request("GET", resourcePath() + apiQuery(), {}, second).status, 200);
    QCOMPARE(request("GET", resourcePath() + apiQuery(), {}, token).status, 200);
}

void tst_LabTrafficManager::tokenErrors_data()
{
    QTest::addColumn<QString>("change");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("error");
    QTest::addColumn<int>("code");
    QTest::newRow("wrong secret") << QStringLiteral("secret") << 401 << QStringLiteral("invalid_client") << 7000215;
    QTest::newRow("no secret") << QStringLiteral("nosecret") << 401 << QStringLiteral("invalid_client") << 7000218;
    QTest::newRow("wrong scope") << QStringLiteral("scope") << 400 << QStringLiteral("invalid_scope") << 70011;
    QTest::newRow("unknown app") << QStringLiteral("client") << 400 << QStringLiteral("unauthorized_client") << 700016;
    QTest::newRow("unknown tenant") << QStringLiteral("tenant") << 400 << QStringLiteral("invalid_request") << 90002;
    QTest::newRow("device code grant") << QStringLiteral("grant") << 400 << QStringLiteral("unsupported_grant_type") << 70003;
}

void tst_LabTrafficManager::tokenErrors()
{
    QFETCH(QString, change);
    QFETCH(int, status);
    QFETCH(QString, error);
    QFETCH(int, code);
    const QJsonObject azure = m_profile.value(QStringLiteral("azure")).toObject();
    QFile secret(m_lab.dir() + QStringLiteral("/secrets/entra-client-secret"));
    QVERIFY(secret.open(QIODevice::ReadOnly));
    QMap<QString, QString> form{{QStringLiteral("grant_type"), QStringLiteral("client_credentials")},
                                {QStringLiteral("client_id"), azure.value(QStringLiteral("clientId")).toString()},
                                {QStringLiteral("client_secret"), QString::fromUtf8(secret.readAll().trimmed())},
                                {QStringLiteral("scope"), QStringLiteral("https://management.azure.com/.default")}};
    QString tenant;
    if (change == u"secret")
        form[QStringLiteral("client_secret")] += u'x';
    else if (change == u"nosecret")
        form.remove(QStringLiteral("client_secret"));
    else if (change == u"scope")
        form[QStringLiteral("scope")] = QStringLiteral("https://storage.azure.com/.default");
    else if (change == u"client")
        form[QStringLiteral("client_id")] = QUuid::createUuid().toString(QUuid::WithoutBraces);
    else if (change == u"tenant")
        tenant = QUuid::createUuid().toString(QUuid::WithoutBraces);
    else if (change == u"grant")
        form[QStringLiteral("grant_type")] = QStringLiteral("urn:ietf:params:oauth:grant-type:device_code");
    const Http h = tokenRequest(form, tenant);
    QCOMPARE(h.status, status);
    const QJsonObject doc = h.json();
    QCOMPARE(doc.value(QStringLiteral("error")).toString(), error);
    QVERIFY2(doc.value(QStringLiteral("error_description")).toString().startsWith(QStringLiteral("AADSTS%1: ").arg(code)), h.body.constData());
    QCOMPARE(doc.value(QStringLiteral("error_codes")).toArray(), QJsonArray{code});
    for (const char *field : {"timestamp", "trace_id", "correlation_id", "error_uri"})
        QVERIFY2(doc.value(QLatin1String(field)).isString(), field);
    QVERIFY(!doc.contains(QStringLiteral("access_token")));
    if (change == u"secret")
        QVERIFY2(doc.value(QStringLiteral("error_description")).toString().contains(QStringLiteral("Invalid client secret provided")), h.body.constData());
}

void tst_LabTrafficManager::armErrors_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("auth"); // good, none, forged
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    const QString profile = QStringLiteral("PROFILE");
    QTest::newRow("no bearer") << QByteArray("GET") << profile << QByteArray() << QStringLiteral("none") << 401 << QStringLiteral("AuthenticationFailed");
    QTest::newRow("forged bearer") << QByteArray("GET") << profile << QByteArray() << QStringLiteral("forged") << 401 << QStringLiteral("AuthenticationFailed");
    QTest::newRow("wrong api-version") << QByteArray("GET") << QStringLiteral("PROFILE?api-version=2018-04-01") << QByteArray() << QStringLiteral("good")
                                       << 400 << QStringLiteral("InvalidApiVersionParameter");
    QTest::newRow("no api-version") << QByteArray("GET") << QStringLiteral("PROFILE?") << QByteArray() << QStringLiteral("good") << 400
                                    << QStringLiteral("MissingApiVersionParameter");
    QTest::newRow("unknown profile") << QByteArray("GET") << QStringLiteral("OTHERPROFILE") << QByteArray() << QStringLiteral("good") << 404
                                     << QStringLiteral("NotFound");
    QTest::newRow("unknown endpoint") << QByteArray("GET") << QStringLiteral("PROFILE/ExternalEndpoints/south") << QByteArray() << QStringLiteral("good")
                                      << 404 << QStringLiteral("NotFound");
    QTest::newRow("unknown resource group") << QByteArray("GET") << QStringLiteral("RG") << QByteArray() << QStringLiteral("good") << 404
                                            << QStringLiteral("ResourceGroupNotFound");
    QTest::newRow("malformed JSON") << QByteArray("PATCH") << QStringLiteral("PROFILE/ExternalEndpoints/west") << QByteArray("{\"properties\": {")
                                    << QStringLiteral("good") << 400 << QStringLiteral("InvalidRequestContent");
    QTest::newRow("bad endpointStatus") << QByteArray("PATCH") << QStringLiteral("PROFILE/ExternalEndpoints/west")
                                        << QByteArray("{\"properties\": {\"endpointStatus\": \"Off\"}}") << QStringLiteral("good") << 400
                                        << QStringLiteral("BadRequest");
    QTest::newRow("bad priority") << QByteArray("PATCH") << QStringLiteral("PROFILE/ExternalEndpoints/west")
                                  << QByteArray("{\"properties\": {\"priority\": 0}}") << QStringLiteral("good") << 400 << QStringLiteral("BadRequest");
    QTest::newRow("new target") << QByteArray("PATCH") << QStringLiteral("PROFILE/ExternalEndpoints/west")
                                << QByteArray("{\"properties\": {\"target\": \"another.foobar.contoso.com\"}}") << QStringLiteral("good") << 400
                                << QStringLiteral("BadRequest");
}

void tst_LabTrafficManager::armErrors()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(QString, auth);
    QFETCH(int, status);
    QFETCH(QString, code);
    QString url = path;
    if (url.startsWith(QStringLiteral("PROFILE")))
        url = resourcePath() + url.mid(7);
    else if (url.startsWith(QStringLiteral("OTHERPROFILE")))
        url = resourcePath().replace(QStringLiteral("drlab-tm"), QStringLiteral("contoso-tm")) + url.mid(12);
    else if (url == u"RG")
        url = resourcePath().replace(QStringLiteral("/drlab/"), QStringLiteral("/contoso/"));
    if (!url.contains(u'?'))
        url += apiQuery();
    QByteArray token = bearer();
    if (auth == u"none")
        token.clear();
    else if (auth == u"forged")
        token = token.left(token.lastIndexOf('.') + 1) + "AAAA" + token.mid(token.lastIndexOf('.') + 5);
    const Http h = request(method, url, body, token);
    QCOMPARE(h.status, status);
    const QJsonObject error = h.json().value(QStringLiteral("error")).toObject();
    QCOMPARE(error.value(QStringLiteral("code")).toString(), code);
    QVERIFY2(!error.value(QStringLiteral("message")).toString().isEmpty(), h.body.constData());
    if (status == 401)
        QVERIFY2(h.header("WWW-Authenticate").startsWith("Bearer "), h.body.constData());
}

void tst_LabTrafficManager::profileHasTheOfficialShape()
{
    const AzureExample example = AzureExample::load(QStringLiteral("trafficmanager/Profile-GET-WithEndpoints.json"));
    QVERIFY2(example.ok(), qPrintable(example.error));
    QCOMPARE(example.apiVersion(), QStringLiteral("2022-04-01"));
    QJsonObject last;
    QVERIFY2(waitForMonitor(QStringLiteral("west"), QStringLiteral("Online"), &last), QJsonDocument(last).toJson().constData());
    QVERIFY2(waitForMonitor(QStringLiteral("north"), QStringLiteral("Online"), &last), QJsonDocument(last).toJson().constData());
    const Http h = request("GET", resourcePath() + QStringLiteral("?api-version=") + example.apiVersion(), {}, bearer());
    QCOMPARE(h.status, 200);
    const QJsonObject ours = h.json();
    const QStringList diffs = shapeDiff(example.responseBody(200), ours, QStringLiteral("profile"));
    QVERIFY2(diffs.isEmpty(), qPrintable(diffs.join(u'\n')));

    QJsonObject p;
    props(ours, &p);
    QCOMPARE(ours.value(QStringLiteral("type")).toString(), example.responseBody(200).toObject().value(QStringLiteral("type")).toString());
    QCOMPARE(ours.value(QStringLiteral("location")).toString(), QStringLiteral("global"));
    QVERIFY(ours.value(QStringLiteral("id")).toString().endsWith(QStringLiteral("/providers/Microsoft.Network/trafficManagerProfiles/drlab-tm")));
    QCOMPARE(p.value(QStringLiteral("trafficRoutingMethod")).toString(), QStringLiteral("Priority"));
    QCOMPARE(p.value(QStringLiteral("monitorConfig")).toObject().value(QStringLiteral("profileMonitorStatus")).toString(), QStringLiteral("Online"));
    QCOMPARE(p.value(QStringLiteral("monitorConfig")).toObject().value(QStringLiteral("protocol")).toString(), QStringLiteral("HTTPS"));
    const QJsonArray endpoints = p.value(QStringLiteral("endpoints")).toArray();
    QCOMPARE(endpoints.size(), 2);
    QMap<QString, QJsonObject> byName;
    for (const QJsonValue &e : endpoints)
        byName.insert(e.toObject().value(QStringLiteral("name")).toString(), e.toObject());
    QCOMPARE(prop(byName.value(QStringLiteral("west")), "priority"), QStringLiteral("1"));
    QCOMPARE(prop(byName.value(QStringLiteral("north")), "priority"), QStringLiteral("2"));
    for (const QJsonObject &e : std::as_const(byName)) {
        QCOMPARE(prop(e, "endpointStatus"), QStringLiteral("Enabled"));
        QCOMPARE(prop(e, "endpointMonitorStatus"), QStringLiteral("Online"));
        QVERIFY(e.value(QStringLiteral("id")).toString().startsWith(ours.value(QStringLiteral("id")).toString() + QStringLiteral("/externalEndpoints/")));
    }
    // The lab's truth underneath: both HAProxy servers up, none in maintenance.
    const auto servers = haproxyServers();
    QCOMPARE(servers.size(), 2);
    for (const auto &s : servers)
        QVERIFY2(s.isUp(), qPrintable(s.server + u' ' + s.status));
}

void tst_LabTrafficManager::endpointHasTheOfficialShape()
{
    const AzureExample example = AzureExample::load(QStringLiteral("trafficmanager/Endpoint-GET-External-WithLocation.json"));
    QVERIFY2(example.ok(), qPrintable(example.error));
    QCOMPARE(example.parameter(QStringLiteral("endpointType")), QStringLiteral("ExternalEndpoints"));
    // The path as the example's parameters build it, with the lab's names; ARM's segments are
    // case-insensitive, so the endpoint's name in capitals too.
    for (const QString &name : {QStringLiteral("north"), QStringLiteral("NORTH")}) {
        const Http h = request("GET", resourcePath(QStringLiteral("/%1/%2").arg(example.parameter(QStringLiteral("endpointType")), name))
                                          + QStringLiteral("?api-version=") + example.apiVersion(),
                               {}, bearer());
        QCOMPARE(h.status, 200);
        const QStringList diffs = shapeDiff(example.responseBody(200), h.json(), QStringLiteral("endpoint"));
        QVERIFY2(diffs.isEmpty(), qPrintable(diffs.join(u'\n')));
        QCOMPARE(h.json().value(QStringLiteral("name")).toString(), QStringLiteral("north"));
        QCOMPARE(h.json().value(QStringLiteral("type")).toString(), example.responseBody(200).toObject().value(QStringLiteral("type")).toString());
        QCOMPARE(prop(h.json(), "endpointLocation"), QStringLiteral("North Europe"));
    }
}

void tst_LabTrafficManager::patchInTheExampleShape()
{
    // The example's request body (id, name, type, properties) for the lab's endpoint, with its
    // current target: accepted unchanged, answered in the example's response shape.
    const AzureExample example = AzureExample::load(QStringLiteral("trafficmanager/Endpoint-PATCH-External-Target.json"));
    QVERIFY2(example.ok(), qPrintable(example.error));
    const QString path = resourcePath(QStringLiteral("/ExternalEndpoints/north"));
    const QJsonObject current = request("GET", path + apiQuery(), {}, bearer()).json();
    QJsonObject body = example.requestBody(QStringLiteral("parameters")).toObject();
    QVERIFY(body.contains(QStringLiteral("properties")));
    body[QStringLiteral("id")] = current.value(QStringLiteral("id"));
    body[QStringLiteral("name")] = current.value(QStringLiteral("name"));
    body[QStringLiteral("properties")] = QJsonObject{{QStringLiteral("target"), prop(current, "target")}};
    const Http h = request("PATCH", path + QStringLiteral("?api-version=") + example.apiVersion(), QJsonDocument(body).toJson(), bearer());
    QCOMPARE(h.status, 200);
    const QStringList diffs = shapeDiff(example.responseBody(200), h.json(), QStringLiteral("endpoint"));
    QVERIFY2(diffs.isEmpty(), qPrintable(diffs.join(u'\n')));
    QCOMPARE(h.json(), current);
}

void tst_LabTrafficManager::prioritiesAreUnique()
{
    const QString north = resourcePath(QStringLiteral("/ExternalEndpoints/north")) + apiQuery();
    Http h = request("PATCH", north, R"({"properties": {"priority": 1}})", bearer());
    QCOMPARE(h.status, 409);
    QCOMPARE(h.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(), QStringLiteral("Conflict"));
    QVERIFY2(h.json().value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString().contains(QStringLiteral("west")), h.body.constData());

    // A swap goes through a free value, as the provider does it.
    h = request("PATCH", north, R"({"properties": {"priority": 3}})", bearer());
    QCOMPARE(h.status, 200);
    QCOMPARE(prop(h.json(), "priority"), QStringLiteral("3"));
    QFile saved(m_lab.dir() + QStringLiteral("/trafficmanager.json"));
    QVERIFY(saved.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(saved.readAll()).object().value(QStringLiteral("priorities")).toObject().value(QStringLiteral("north")).toInt(), 3);
    QCOMPARE(prop(request("GET", north, {}, bearer()).json(), "priority"), QStringLiteral("3"));
    h = request("PATCH", north, R"({"properties": {"priority": 2}})", bearer());
    QCOMPARE(h.status, 200);
    QCOMPARE(prop(h.json(), "priority"), QStringLiteral("2"));
    // Priorities alone do not move traffic in the lab (docs/LAB-TRAFFICMANAGER.md).
    QCOMPARE(servingRegion(), QStringLiteral("west"));
}

void tst_LabTrafficManager::disablingAnEndpointMovesTraffic()
{
    QCOMPARE(servingRegion(), QStringLiteral("west"));
    const QString west = resourcePath(QStringLiteral("/ExternalEndpoints/west")) + apiQuery();
    Http h = request("PATCH", west, R"({"properties": {"endpointStatus": "Disabled"}})", bearer());
    QCOMPARE(h.status, 200);
    QCOMPARE(prop(h.json(), "endpointStatus"), QStringLiteral("Disabled"));
    QCOMPARE(prop(h.json(), "endpointMonitorStatus"), QStringLiteral("Disabled"));
    // HAProxy really has west in maintenance, and users are answered by north.
    bool maint = false;
    for (const auto &s : haproxyServers())
        maint = maint || (s.server == u"west" && s.isMaintenance());
    QVERIFY(maint);
    QCOMPARE(servingRegion(), QStringLiteral("north"));
    const QJsonObject profile = request("GET", resourcePath() + apiQuery(), {}, bearer()).json();
    QCOMPARE(profile.value(QStringLiteral("properties")).toObject().value(QStringLiteral("monitorConfig")).toObject()
                 .value(QStringLiteral("profileMonitorStatus")).toString(),
             QStringLiteral("Online"));

    h = request("PATCH", west, R"({"properties": {"endpointStatus": "Enabled"}})", bearer());
    QCOMPARE(h.status, 200);
    QCOMPARE(prop(h.json(), "endpointStatus"), QStringLiteral("Enabled"));
    const QString monitor = prop(h.json(), "endpointMonitorStatus");
    QVERIFY2(monitor == u"CheckingEndpoint" || monitor == u"Online", qPrintable(monitor));
    QJsonObject last;
    QVERIFY2(waitForMonitor(QStringLiteral("west"), QStringLiteral("Online"), &last), QJsonDocument(last).toJson().constData());
    QTRY_COMPARE_WITH_TIMEOUT(servingRegion(), QStringLiteral("west"), 10000);
}

void tst_LabTrafficManager::failoverAndFailbackThroughTrafficManager()
{
    // drctl reads the routing through the Traffic Manager provider: west serves.
    QJsonObject last;
    const bool ready = m_lab.waitReady(&last, true, 90000);
    QVERIFY2(ready, QJsonDocument(last).toJson().constData());
    const QJsonObject routing = last.value(QStringLiteral("routing")).toObject();
    QCOMPARE(routing.value(QStringLiteral("kind")).toString(), QStringLiteral("traffic-manager"));
    QVERIFY2(routing.value(QStringLiteral("state")).toString() == u"ok", QJsonDocument(routing).toJson().constData());
    QVERIFY2(m_lab.waitFor([](const QJsonObject &s) { return s.value(QStringLiteral("activeRegion")).toString() == u"west"; }, &last),
             QJsonDocument(last).toJson().constData());

    // A planned failover under traffic: no failed request, north serves, west Disabled.
    QProcess traffic;
    traffic.start(QStringLiteral(DRLAB_PATH), {QStringLiteral("traffic"), QStringLiteral("--dir"), m_lab.dir(), QStringLiteral("--seconds"),
                                               QStringLiteral("15"), QStringLiteral("--rate"), QStringLiteral("20"), QStringLiteral("--json")});
    QVERIFY(traffic.waitForStarted());
    QTest::qWait(1500);
    ToolRun run = m_lab.drctl(QStringList{QStringLiteral("failover"), QStringLiteral("--mode"), QStringLiteral("planned"), QStringLiteral("--to"),
                                          QStringLiteral("north"), QStringLiteral("--yes"), QStringLiteral("--json")}
                              + m_lab.as(QStringLiteral("lab-operator")));
    QVERIFY2(traffic.waitForFinished(60000), "drlab traffic did not finish");
    QVERIFY2(run.exitCode == 0, run.err.constData());
    const QJsonObject record = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(record.value(QStringLiteral("state")).toString(), QStringLiteral("succeeded"));
    QStringList switched;
    for (const QJsonValue &v : record.value(QStringLiteral("steps")).toArray()) {
        if (v.toObject().value(QStringLiteral("id")).toString().startsWith(QStringLiteral("switch.")))
            switched << v.toObject().value(QStringLiteral("id")).toString() + u'=' + v.toObject().value(QStringLiteral("state")).toString();
    }
    QVERIFY2(switched.contains(QStringLiteral("switch.disable-source=succeeded")), qPrintable(switched.join(u' ')));
    const QJsonObject seen = QJsonDocument::fromJson(traffic.readAllStandardOutput()).object();
    QVERIFY2(seen.value(QStringLiteral("sent")).toInt() > 100, QJsonDocument(seen).toJson().constData());
    QCOMPARE(seen.value(QStringLiteral("failed")).toInt(), 0);
    QVERIFY2(seen.value(QStringLiteral("byRegion")).toObject().value(QStringLiteral("north")).toInt() > 0, QJsonDocument(seen).toJson().constData());
    QCOMPARE(servingRegion(), QStringLiteral("north"));
    const QJsonObject west = request("GET", resourcePath(QStringLiteral("/ExternalEndpoints/west")) + apiQuery(), {}, bearer()).json();
    QCOMPARE(prop(west, "endpointStatus"), QStringLiteral("Disabled"));
    QVERIFY2(m_lab.waitFor([](const QJsonObject &s) { return s.value(QStringLiteral("activeRegion")).toString() == u"north"; }, &last),
             QJsonDocument(last).toJson().constData());

    // Failback after the cooldown: west serves again, both endpoints enabled.
    QTest::qWait(6000);
    QVERIFY2(m_lab.waitReady(&last, true, 90000), QJsonDocument(last).toJson().constData());
    run = m_lab.drctl(QStringList{QStringLiteral("failback"), QStringLiteral("--yes"), QStringLiteral("--json")} + m_lab.as(QStringLiteral("lab-operator")));
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QCOMPARE(QJsonDocument::fromJson(run.out).object().value(QStringLiteral("state")).toString(), QStringLiteral("succeeded"));
    QTRY_COMPARE_WITH_TIMEOUT(servingRegion(), QStringLiteral("west"), 10000);
    const QJsonObject profile = request("GET", resourcePath() + apiQuery(), {}, bearer()).json();
    for (const QJsonValue &e : profile.value(QStringLiteral("properties")).toObject().value(QStringLiteral("endpoints")).toArray())
        QCOMPARE(prop(e.toObject(), "endpointStatus"), QStringLiteral("Enabled"));
}

QTEST_GUILESS_MAIN(tst_LabTrafficManager)
#include "tst_labtrafficmanager.moc"
