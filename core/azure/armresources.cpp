#include "armresources.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QPointer>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>

#include <algorithm>
#include <memory>

namespace dr::azure {

namespace {

const QString kStorage = QStringLiteral("Microsoft.Storage");
const QString kCosmos = QStringLiteral("Microsoft.DocumentDB");
const QString kWeb = QStringLiteral("Microsoft.Web");
const QString kKeyVault = QStringLiteral("Microsoft.KeyVault");

QString versionOr(const QString &apiVersion, const QString &provider)
{
    return apiVersion.isEmpty() ? pinnedApiVersion(provider) : apiVersion;
}

// The path of a resource id as given (trailing slashes dropped): ARM ids are case-insensitive,
// and the operator's spelling is what the error messages should echo.
QString resourcePath(const QString &resourceId)
{
    QString path = resourceId.trimmed();
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    return path;
}

std::optional<bool> optionalBool(const QJsonObject &o, const QString &key)
{
    const QJsonValue v = o.value(key);
    return v.isBool() ? std::optional<bool>(v.toBool()) : std::nullopt;
}

QDateTime timestamp(const QJsonValue &v)
{
    QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    if (t.isValid())
        t = t.toUTC();
    return t;
}

QString iso(const QDateTime &t)
{
    return t.toUTC().toString(Qt::ISODate);
}

Result<QJsonObject> properties(const QJsonObject &body, const QString &what)
{
    if (body.isEmpty())
        return fail(QStringLiteral("%1: the answer is empty").arg(what));
    const QJsonValue p = body.value(QStringLiteral("properties"));
    if (!p.isObject())
        return fail(QStringLiteral("%1 %2: the answer has no \"properties\" object").arg(what, body.value(QStringLiteral("name")).toString()));
    return p.toObject();
}

QList<CosmosLocation> cosmosLocations(const QJsonValue &v)
{
    QList<CosmosLocation> list;
    for (const QJsonValue &item : v.toArray()) {
        const QJsonObject o = item.toObject();
        CosmosLocation l;
        l.id = o.value(QStringLiteral("id")).toString();
        l.locationName = o.value(QStringLiteral("locationName")).toString();
        l.failoverPriority = o.value(QStringLiteral("failoverPriority")).toInt(-1);
        l.isZoneRedundant = optionalBool(o, QStringLiteral("isZoneRedundant"));
        l.provisioningState = o.value(QStringLiteral("provisioningState")).toString();
        list.append(l);
    }
    return list;
}

QJsonArray locationsJson(const QList<CosmosLocation> &list)
{
    QJsonArray a;
    for (const CosmosLocation &l : list) {
        QJsonObject o{{QStringLiteral("locationName"), l.locationName},
                      {QStringLiteral("failoverPriority"), l.failoverPriority},
                      {QStringLiteral("provisioningState"), l.provisioningState}};
        if (l.isZoneRedundant)
            o.insert(QStringLiteral("isZoneRedundant"), *l.isZoneRedundant);
        a.append(o);
    }
    return a;
}

QString errorOf(const QJsonObject &operation)
{
    const QJsonObject e = operation.value(QStringLiteral("error")).toObject();
    const QString code = e.value(QStringLiteral("code")).toString();
    const QString message = e.value(QStringLiteral("message")).toString();
    if (code.isEmpty() && message.isEmpty())
        return QStringLiteral("no error given");
    return code.isEmpty() ? message : message.isEmpty() ? code : QString(code + QStringLiteral(": ") + message);
}

// Where to poll: a URL of the ARM host, sent through the ArmClient as a path with its own
// api-version and the rest of its query.
ArmRequest pollRequest(const QUrl &url)
{
    QUrlQuery query(url);
    ArmRequest r;
    r.method = QByteArrayLiteral("GET");
    r.path = url.path();
    r.apiVersion = query.queryItemValue(QStringLiteral("api-version"));
    query.removeAllQueryItems(QStringLiteral("api-version"));
    r.extraQuery = query.toString(QUrl::FullyEncoded);
    return r;
}

struct Follow
{
    QPointer<ArmClient> arm;
    ArmRequest request;
    int intervalMs = 5000;
    int timeoutMs = 0;
    QElapsedTimer elapsed;
    ArmClient::Callback done;
    bool asyncOperation = false; // polling Azure-AsyncOperation (else Location)
    QUrl pollUrl;
    int polls = 0;
};

void pollNext(std::shared_ptr<Follow> f, const ArmResponse &last);

void pollOnce(std::shared_ptr<Follow> f)
{
    if (!f->arm)
        return; // the client is gone, and with it whoever waited
    ++f->polls;
    sendRequest(f->arm, pollRequest(f->pollUrl), [f](Result<ArmResponse> r) {
        if (!r) {
            f->done(fail(QStringLiteral("%1 (following its operation, poll %2): %3").arg(f->request.path).arg(f->polls).arg(r.error())));
            return;
        }
        if (f->asyncOperation) {
            const QString status = r->body.value(QStringLiteral("status")).toString();
            if (status.compare(QStringLiteral("Succeeded"), Qt::CaseInsensitive) == 0) {
                f->done(*r);
                return;
            }
            if (status.compare(QStringLiteral("Failed"), Qt::CaseInsensitive) == 0
                || status.compare(QStringLiteral("Canceled"), Qt::CaseInsensitive) == 0) {
                f->done(fail(QStringLiteral("%1 %2: the operation ended %3: %4")
                                 .arg(QString::fromLatin1(f->request.method), f->request.path, status, errorOf(r->body))));
                return;
            }
        } else if (r->status != 202) {
            f->done(*r);
            return;
        }
        pollNext(f, *r);
    });
}

void pollNext(std::shared_ptr<Follow> f, const ArmResponse &last)
{
    if (!f->arm)
        return;
    if (f->elapsed.elapsed() >= f->timeoutMs) {
        f->done(fail(QStringLiteral("%1 %2: the operation did not finish within %3 s (%4 polls)")
                         .arg(QString::fromLatin1(f->request.method), f->request.path)
                         .arg(f->timeoutMs / 1000)
                         .arg(f->polls)));
        return;
    }
    qint64 wait = ArmClient::retryAfterMs(last.header(QByteArrayLiteral("Retry-After")), Clock::system()->nowUtc());
    if (wait < 0)
        wait = f->intervalMs;
    wait = std::clamp<qint64>(wait, 0, std::max<qint64>(0, f->timeoutMs - f->elapsed.elapsed()));
    QTimer::singleShot(int(wait), f->arm.data(), [f] { pollOnce(f); });
}

} // namespace

QString pinnedApiVersion(const QString &provider)
{
    if (provider.compare(kStorage, Qt::CaseInsensitive) == 0)
        return QStringLiteral("2023-05-01");
    if (provider.compare(kCosmos, Qt::CaseInsensitive) == 0)
        return QStringLiteral("2024-11-15");
    if (provider.compare(kWeb, Qt::CaseInsensitive) == 0)
        return QStringLiteral("2023-12-01");
    if (provider.compare(kKeyVault, Qt::CaseInsensitive) == 0)
        return QStringLiteral("2023-07-01");
    return {};
}

Result<ArmResourceId> ArmResourceId::parse(const QString &resourceId)
{
    const QString path = resourcePath(resourceId);
    const QStringList parts = path.split(QLatin1Char('/'));
    // "", subscriptions, SUB, resourceGroups, RG, providers, PROVIDER, TYPE, NAME
    const auto is = [&](int i, const char16_t *word) {
        return parts.size() > i && parts.at(i).compare(QStringView(word), Qt::CaseInsensitive) == 0;
    };
    if (parts.size() != 9 || !parts.at(0).isEmpty() || !is(1, u"subscriptions") || !is(3, u"resourceGroups") || !is(5, u"providers")
        || std::any_of(parts.cbegin() + 1, parts.cend(), [](const QString &p) { return p.isEmpty(); }))
        return fail(QStringLiteral("\"%1\" is not an Azure resource id "
                                   "(/subscriptions/SUB/resourceGroups/RG/providers/PROVIDER/TYPE/NAME)")
                        .arg(resourceId));
    ArmResourceId id;
    id.subscriptionId = parts.at(2);
    id.resourceGroup = parts.at(4);
    id.provider = parts.at(6);
    id.type = parts.at(7);
    id.name = parts.at(8);
    return id;
}

QString ArmResourceId::path() const
{
    return QStringLiteral("/subscriptions/%1/resourceGroups/%2/providers/%3/%4/%5").arg(subscriptionId, resourceGroup, provider, type, name);
}

QString normalisedLocation(const QString &location)
{
    QString s = location.toLower();
    s.remove(QLatin1Char(' '));
    return s;
}

// ---- storage ----------------------------------------------------------------------------------

QJsonObject StorageAccountInfo::toJson() const
{
    QJsonObject o{{QStringLiteral("name"), name},
                  {QStringLiteral("kind"), kind},
                  {QStringLiteral("sku"), sku},
                  {QStringLiteral("provisioningState"), provisioningState},
                  {QStringLiteral("primaryLocation"), primaryLocation},
                  {QStringLiteral("secondaryLocation"), secondaryLocation},
                  {QStringLiteral("statusOfPrimary"), statusOfPrimary},
                  {QStringLiteral("statusOfSecondary"), statusOfSecondary}};
    if (geo) {
        o.insert(QStringLiteral("geoStatus"), geo->status);
        o.insert(QStringLiteral("lastSyncTime"), geo->lastSyncTime.isValid() ? QJsonValue(iso(geo->lastSyncTime)) : QJsonValue());
        if (geo->canFailover)
            o.insert(QStringLiteral("canFailover"), *geo->canFailover);
        if (geo->canPlannedFailover)
            o.insert(QStringLiteral("canPlannedFailover"), *geo->canPlannedFailover);
    }
    if (failoverInProgress)
        o.insert(QStringLiteral("failoverInProgress"), *failoverInProgress);
    return o;
}

ArmRequest storageAccountGet(const QString &resourceId, const QString &apiVersion)
{
    return {QByteArrayLiteral("GET"), resourcePath(resourceId), versionOr(apiVersion, kStorage),
            QStringLiteral("$expand=geoReplicationStats"), {}};
}

ArmRequest storageAccountFailover(const QString &resourceId, bool planned, const QString &apiVersion)
{
    return {QByteArrayLiteral("POST"), resourcePath(resourceId) + QStringLiteral("/failover"), versionOr(apiVersion, kStorage),
            planned ? QStringLiteral("failoverType=Planned") : QString(), {}};
}

Result<StorageAccountInfo> parseStorageAccount(const QJsonObject &body)
{
    const auto p = properties(body, QStringLiteral("storage account"));
    if (!p)
        return fail(p.error());
    StorageAccountInfo info;
    info.name = body.value(QStringLiteral("name")).toString();
    info.kind = body.value(QStringLiteral("kind")).toString();
    info.sku = body.value(QStringLiteral("sku")).toObject().value(QStringLiteral("name")).toString();
    info.provisioningState = p->value(QStringLiteral("provisioningState")).toString();
    info.primaryLocation = p->value(QStringLiteral("primaryLocation")).toString();
    info.secondaryLocation = p->value(QStringLiteral("secondaryLocation")).toString();
    info.statusOfPrimary = p->value(QStringLiteral("statusOfPrimary")).toString();
    info.statusOfSecondary = p->value(QStringLiteral("statusOfSecondary")).toString();
    if (const QJsonValue g = p->value(QStringLiteral("geoReplicationStats")); g.isObject()) {
        const QJsonObject o = g.toObject();
        GeoReplicationInfo geo;
        geo.status = o.value(QStringLiteral("status")).toString();
        geo.lastSyncTime = timestamp(o.value(QStringLiteral("lastSyncTime")));
        geo.canFailover = optionalBool(o, QStringLiteral("canFailover"));
        geo.canPlannedFailover = optionalBool(o, QStringLiteral("canPlannedFailover"));
        info.geo = geo;
    }
    info.failoverInProgress = optionalBool(*p, QStringLiteral("failoverInProgress"));
    if (info.primaryLocation.isEmpty() && info.statusOfPrimary.isEmpty())
        return fail(QStringLiteral("storage account %1: the answer has neither primaryLocation nor statusOfPrimary").arg(info.name));
    return info;
}

// ---- Cosmos DB --------------------------------------------------------------------------------

QString CosmosAccountInfo::writeRegion() const
{
    return writeLocations.isEmpty() ? QString() : writeLocations.first().locationName;
}

const CosmosLocation *CosmosAccountInfo::location(const QString &name) const
{
    const QString wanted = normalisedLocation(name);
    for (const CosmosLocation &l : locations) {
        if (normalisedLocation(l.locationName) == wanted)
            return &l;
    }
    return nullptr;
}

QString CosmosAccountInfo::describePriorities() const
{
    QList<CosmosFailoverPolicy> sorted = failoverPolicies;
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) { return a.failoverPriority < b.failoverPriority; });
    QStringList words;
    for (const CosmosFailoverPolicy &p : sorted)
        words.append(QStringLiteral("%1 %2").arg(p.locationName).arg(p.failoverPriority));
    return words.join(QStringLiteral(", "));
}

QJsonObject CosmosAccountInfo::toJson() const
{
    QJsonArray policies;
    for (const CosmosFailoverPolicy &p : failoverPolicies)
        policies.append(QJsonObject{{QStringLiteral("locationName"), p.locationName}, {QStringLiteral("failoverPriority"), p.failoverPriority}});
    return {{QStringLiteral("name"), name},
            {QStringLiteral("provisioningState"), provisioningState},
            {QStringLiteral("writeRegion"), writeRegion()},
            {QStringLiteral("writeLocations"), locationsJson(writeLocations)},
            {QStringLiteral("readLocations"), locationsJson(readLocations)},
            {QStringLiteral("locations"), locationsJson(locations)},
            {QStringLiteral("failoverPolicies"), policies},
            {QStringLiteral("enableAutomaticFailover"), enableAutomaticFailover},
            {QStringLiteral("enableMultipleWriteLocations"), enableMultipleWriteLocations}};
}

ArmRequest cosmosAccountGet(const QString &resourceId, const QString &apiVersion)
{
    return {QByteArrayLiteral("GET"), resourcePath(resourceId), versionOr(apiVersion, kCosmos), QString(), {}};
}

ArmRequest cosmosFailoverPriorityChange(const QString &resourceId, const QList<CosmosFailoverPolicy> &policies, const QString &apiVersion)
{
    QJsonArray list;
    for (const CosmosFailoverPolicy &p : policies)
        list.append(QJsonObject{{QStringLiteral("locationName"), p.locationName}, {QStringLiteral("failoverPriority"), p.failoverPriority}});
    return {QByteArrayLiteral("POST"), resourcePath(resourceId) + QStringLiteral("/failoverPriorityChange"), versionOr(apiVersion, kCosmos),
            QString(), QJsonObject{{QStringLiteral("failoverPolicies"), list}}};
}

ArmRequest cosmosOfflineRegion(const QString &resourceId, const QString &region, const QString &apiVersion)
{
    return {QByteArrayLiteral("POST"), resourcePath(resourceId) + QStringLiteral("/offlineRegion"), versionOr(apiVersion, kCosmos),
            QString(), QJsonObject{{QStringLiteral("region"), region}}};
}

Result<CosmosAccountInfo> parseCosmosAccount(const QJsonObject &body)
{
    const auto p = properties(body, QStringLiteral("Cosmos DB account"));
    if (!p)
        return fail(p.error());
    CosmosAccountInfo info;
    info.name = body.value(QStringLiteral("name")).toString();
    info.provisioningState = p->value(QStringLiteral("provisioningState")).toString();
    info.writeLocations = cosmosLocations(p->value(QStringLiteral("writeLocations")));
    info.readLocations = cosmosLocations(p->value(QStringLiteral("readLocations")));
    info.locations = cosmosLocations(p->value(QStringLiteral("locations")));
    for (const QJsonValue &item : p->value(QStringLiteral("failoverPolicies")).toArray()) {
        const QJsonObject o = item.toObject();
        info.failoverPolicies.append({o.value(QStringLiteral("locationName")).toString(), o.value(QStringLiteral("failoverPriority")).toInt(-1)});
    }
    info.enableAutomaticFailover = p->value(QStringLiteral("enableAutomaticFailover")).toBool(false);
    info.enableMultipleWriteLocations = p->value(QStringLiteral("enableMultipleWriteLocations")).toBool(false);
    if (info.locations.isEmpty())
        return fail(QStringLiteral("Cosmos DB account %1: the answer lists no locations").arg(info.name));
    return info;
}

Result<QList<CosmosFailoverPolicy>> cosmosPrioritiesFor(const CosmosAccountInfo &account, const QString &target, const QString &last)
{
    QList<CosmosFailoverPolicy> present = account.failoverPolicies;
    if (present.isEmpty()) {
        for (const CosmosLocation &l : account.locations)
            present.append({l.locationName, l.failoverPriority});
    }
    std::stable_sort(present.begin(), present.end(), [](const auto &a, const auto &b) { return a.failoverPriority < b.failoverPriority; });
    const auto same = [](const QString &a, const QString &b) { return normalisedLocation(a) == normalisedLocation(b); };
    const auto it = std::find_if(present.cbegin(), present.cend(), [&](const auto &p) { return same(p.locationName, target); });
    if (it == present.cend()) {
        QStringList names;
        for (const auto &p : present)
            names.append(p.locationName);
        return fail(QStringLiteral("Cosmos DB account %1 has no region %2 (its regions: %3)")
                        .arg(account.name, target, names.join(QStringLiteral(", "))));
    }
    QList<CosmosFailoverPolicy> result{{it->locationName, 0}};
    std::optional<CosmosFailoverPolicy> tail;
    for (const auto &p : present) {
        if (same(p.locationName, target))
            continue;
        if (!last.isEmpty() && same(p.locationName, last))
            tail = p;
        else
            result.append({p.locationName, int(result.size())});
    }
    if (tail)
        result.append({tail->locationName, int(result.size())});
    return result;
}

// ---- App Service ------------------------------------------------------------------------------

QJsonObject WebAppInfo::toJson() const
{
    return {{QStringLiteral("name"), name},
            {QStringLiteral("location"), location},
            {QStringLiteral("state"), state},
            {QStringLiteral("availabilityState"), availabilityState},
            {QStringLiteral("enabled"), enabled},
            {QStringLiteral("defaultHostName"), defaultHostName},
            {QStringLiteral("hostNames"), QJsonArray::fromStringList(hostNames)}};
}

ArmRequest webAppGet(const QString &resourceId, const QString &apiVersion)
{
    return {QByteArrayLiteral("GET"), resourcePath(resourceId), versionOr(apiVersion, kWeb), QString(), {}};
}

Result<WebAppInfo> parseWebApp(const QJsonObject &body)
{
    const auto p = properties(body, QStringLiteral("web app"));
    if (!p)
        return fail(p.error());
    WebAppInfo info;
    info.name = body.value(QStringLiteral("name")).toString();
    info.location = body.value(QStringLiteral("location")).toString();
    info.state = p->value(QStringLiteral("state")).toString();
    info.availabilityState = p->value(QStringLiteral("availabilityState")).toString();
    info.enabled = p->value(QStringLiteral("enabled")).toBool(false);
    info.defaultHostName = p->value(QStringLiteral("defaultHostName")).toString();
    for (const QJsonValue &h : p->value(QStringLiteral("hostNames")).toArray())
        info.hostNames.append(h.toString());
    if (info.state.isEmpty())
        return fail(QStringLiteral("web app %1: the answer has no state").arg(info.name));
    return info;
}

// ---- Key Vault --------------------------------------------------------------------------------

QJsonObject VaultInfo::toJson() const
{
    QJsonObject o{{QStringLiteral("name"), name},
                  {QStringLiteral("location"), location},
                  {QStringLiteral("vaultUri"), vaultUri},
                  {QStringLiteral("provisioningState"), provisioningState},
                  {QStringLiteral("sku"), sku},
                  {QStringLiteral("publicNetworkAccess"), publicNetworkAccess}};
    if (enableSoftDelete)
        o.insert(QStringLiteral("enableSoftDelete"), *enableSoftDelete);
    if (enablePurgeProtection)
        o.insert(QStringLiteral("enablePurgeProtection"), *enablePurgeProtection);
    return o;
}

ArmRequest vaultGet(const QString &resourceId, const QString &apiVersion)
{
    return {QByteArrayLiteral("GET"), resourcePath(resourceId), versionOr(apiVersion, kKeyVault), QString(), {}};
}

Result<VaultInfo> parseVault(const QJsonObject &body)
{
    const auto p = properties(body, QStringLiteral("key vault"));
    if (!p)
        return fail(p.error());
    VaultInfo info;
    info.name = body.value(QStringLiteral("name")).toString();
    info.location = body.value(QStringLiteral("location")).toString();
    info.vaultUri = p->value(QStringLiteral("vaultUri")).toString();
    info.provisioningState = p->value(QStringLiteral("provisioningState")).toString();
    info.sku = p->value(QStringLiteral("sku")).toObject().value(QStringLiteral("name")).toString();
    info.enableSoftDelete = optionalBool(*p, QStringLiteral("enableSoftDelete"));
    info.enablePurgeProtection = optionalBool(*p, QStringLiteral("enablePurgeProtection"));
    info.publicNetworkAccess = p->value(QStringLiteral("publicNetworkAccess")).toString();
    if (info.provisioningState.isEmpty())
        return fail(QStringLiteral("key vault %1: the answer has no provisioningState").arg(info.name));
    return info;
}

// ---- operations -------------------------------------------------------------------------------

void sendRequest(ArmClient *arm, const ArmRequest &request, ArmClient::Callback done)
{
    arm->send(request.method, request.path, request.apiVersion, request.body, std::move(done), request.extraQuery);
}

void sendAndFollow(ArmClient *arm, const ArmRequest &request, int pollIntervalMs, int timeoutMs, ArmClient::Callback done)
{
    auto f = std::make_shared<Follow>();
    f->arm = arm;
    f->request = request;
    f->intervalMs = pollIntervalMs;
    f->timeoutMs = timeoutMs;
    f->done = std::move(done);
    f->elapsed.start();
    sendRequest(arm, request, [f](Result<ArmResponse> r) {
        if (!r || (r->status != 201 && r->status != 202)) {
            f->done(std::move(r));
            return;
        }
        const QByteArray async = r->header(QByteArrayLiteral("Azure-AsyncOperation"));
        const QByteArray location = r->header(QByteArrayLiteral("Location"));
        if (async.isEmpty() && location.isEmpty()) {
            f->done(std::move(r)); // accepted, with nothing to follow
            return;
        }
        f->asyncOperation = !async.isEmpty();
        // Only the path and query matter: the poll goes through the ArmClient's endpoint, whose
        // host (and bearer) the operation's URL shares, so a host the URL parser refuses (ARM
        // documentation writes "https://endpoint:port/...") does not stop it.
        const QString text = QString::fromUtf8(f->asyncOperation ? async : location).trimmed();
        const qsizetype authority = text.indexOf(QStringLiteral("://"));
        const qsizetype slash = text.indexOf(QLatin1Char('/'), authority < 0 ? 0 : authority + 3);
        f->pollUrl = slash < 0 ? QUrl() : QUrl(QString(QStringLiteral("https://arm.invalid") + text.mid(slash)));
        if (!f->pollUrl.isValid() || !f->pollUrl.path().startsWith(QLatin1Char('/'))) {
            f->done(fail(QStringLiteral("%1 %2: the operation's status URL cannot be read: %3")
                             .arg(QString::fromLatin1(f->request.method), f->request.path, QString::fromUtf8(f->asyncOperation ? async : location))));
            return;
        }
        pollNext(f, *r);
    });
}

} // namespace dr::azure
