#include "profileloader.h"

#include "common/jsonlocator.h"
#include "probes/proberegistry.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QUrlQuery>

#include <algorithm>
#include <cmath>
#include <limits>

namespace dr {

namespace {

QString typeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return v.toString().isEmpty() ? QStringLiteral("an empty string")
                                      : QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

// "Ocp-Apim-Subscription-Key" -> ocp, apim, subscription, key; "SASToken" -> sas, token.
QStringList words(const QString &key)
{
    QStringList out;
    QString current;
    for (qsizetype i = 0; i < key.size(); ++i) {
        const QChar c = key.at(i);
        if (!c.isLetterOrNumber()) {
            if (!current.isEmpty())
                out.append(current.toLower());
            current.clear();
            continue;
        }
        const bool acronymEnds = i + 1 < key.size() && key.at(i + 1).isLower();
        if (c.isUpper() && !current.isEmpty() && (!current.back().isUpper() || acronymEnds)) {
            out.append(current.toLower());
            current.clear();
        }
        current += c;
    }
    if (!current.isEmpty())
        out.append(current.toLower());
    return out;
}

// Names (keys, header names, query parameters) whose string value would be a secret written
// into the profile. Word-based rather than substring-based, so that "disasterNotes" is not
// taken for a SAS token nor "keychain" for a key.
bool looksSecret(const QString &name)
{
    static const QSet<QString> anyWord = { QStringLiteral("password"), QStringLiteral("passwd"),
        QStringLiteral("pwd"), QStringLiteral("passphrase"), QStringLiteral("secret"),
        QStringLiteral("secrets"), QStringLiteral("credential"), QStringLiteral("credentials"),
        QStringLiteral("authorization"), QStringLiteral("cookie"), QStringLiteral("sas"),
        QStringLiteral("apikey"), QStringLiteral("accountkey"),
        QStringLiteral("connectionstring") };
    static const QSet<QString> lastWord = { QStringLiteral("key"), QStringLiteral("token"),
        QStringLiteral("signature"), QStringLiteral("sig") };
    const QStringList w = words(name);
    if (w.isEmpty())
        return false;
    if (std::any_of(w.cbegin(), w.cend(), [](const QString &x) { return anyWord.contains(x); }))
        return true;
    const QString joined = w.join(QString());
    if (joined.contains(QStringLiteral("connectionstring"))
        || joined.contains(QStringLiteral("apikey"))
        || joined.contains(QStringLiteral("accountkey"))
        || joined.contains(QStringLiteral("password")))
        return true;
    return lastWord.contains(w.last());
}

QString inlineSecretMessage()
{
    return QStringLiteral(
        "inline secrets are not allowed in a profile: store the value in the OS keychain "
        "(drctl secret set NAME) and write {\"keychain\": \"NAME\"}, or use "
        "{\"env\": \"VARIABLE\"} or {\"file\": \"PATH\"}");
}

int editDistance(const QString &a, const QString &b)
{
    QList<int> row(b.size() + 1);
    for (qsizetype j = 0; j <= b.size(); ++j)
        row[j] = int(j);
    for (qsizetype i = 1; i <= a.size(); ++i) {
        int diagonal = row[0];
        row[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const int above = row[j];
            const int cost = a.at(i - 1).toLower() == b.at(j - 1).toLower() ? 0 : 1;
            row[j] = std::min({ row[j] + 1, row[j - 1] + 1, diagonal + cost });
            diagonal = above;
        }
    }
    return row[b.size()];
}

const QRegularExpression &guidPattern()
{
    static const QRegularExpression re(QStringLiteral(
        "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"));
    return re;
}

class Diagnostics
{
public:
    explicit Diagnostics(const JsonLocator *locator)
        : m_locator(locator)
    { }

    void add(const QString &pointer, const QString &message)
    {
        ProfileIssue issue;
        issue.pointer = pointer;
        issue.message = message;
        if (m_locator) {
            const TextPosition pos = m_locator->position(pointer);
            issue.line = pos.line;
            issue.column = pos.column;
        }
        m_issues.append(issue);
    }

    // In file order, as a compiler lists them, so an operator can fix them top to bottom;
    // issues at the same place keep the order they were found in.
    ProfileIssues issues() const
    {
        ProfileIssues sorted = m_issues;
        std::stable_sort(
            sorted.begin(), sorted.end(), [](const ProfileIssue &a, const ProfileIssue &b) {
                return std::pair(a.line, a.column) < std::pair(b.line, b.column);
            });
        return sorted;
    }
    bool empty() const { return m_issues.isEmpty(); }

private:
    const JsonLocator *m_locator;
    ProfileIssues m_issues;
};

// Walks one JSON object: each accessor marks its key as known and reports type and range
// problems; finish() reports the keys nobody asked for.
class ObjectReader
{
public:
    ObjectReader(const QJsonObject &object, const QString &pointer, Diagnostics &diag)
        : m_object(object)
        , m_pointer(pointer)
        , m_diag(diag)
    { }

    QString at(const QString &key) const
    {
        return m_pointer + u'/' + JsonLocator::escapeToken(key);
    }
    const QString &pointer() const { return m_pointer; }
    Diagnostics &diag() { return m_diag; }

    // Asking about a key makes it known: an optional key that is absent must still be
    // listed when a misspelt one is reported.
    bool has(const QString &key)
    {
        m_known.insert(key);
        return m_object.contains(key);
    }

    QJsonValue raw(const QString &key)
    {
        m_known.insert(key);
        return m_object.value(key);
    }

    std::optional<QString> string(const QString &key, bool required, bool allowEmpty = false)
    {
        const QJsonValue v = raw(key);
        if (v.isUndefined()) {
            if (required)
                missing(key, QStringLiteral("a string"));
            return std::nullopt;
        }
        if (!v.isString()) {
            wrongType(key, QStringLiteral("a string"), v);
            return std::nullopt;
        }
        if (!allowEmpty && v.toString().trimmed().isEmpty()) {
            m_diag.add(at(key), QStringLiteral("expected a non-empty string"));
            return std::nullopt;
        }
        return v.toString();
    }

    std::optional<QString> identifier(const QString &key)
    {
        static const QRegularExpression re(QStringLiteral("^[a-z0-9][a-z0-9._-]{0,62}$"));
        const auto s = string(key, true);
        if (s && !re.match(*s).hasMatch()) {
            m_diag.add(at(key),
                QStringLiteral("expected an id of lowercase letters, digits, '.', '_' or "
                               "'-' (at most 63, starting with a letter or digit); got \"%1\"")
                    .arg(*s));
            return std::nullopt;
        }
        return s;
    }

    std::optional<QString> oneOf(const QString &key, const QStringList &allowed, bool required)
    {
        const auto s = string(key, required);
        if (s && !allowed.contains(*s)) {
            m_diag.add(at(key),
                QStringLiteral("expected one of %1; got \"%2\"")
                    .arg(allowed.join(QStringLiteral(", ")), *s));
            return std::nullopt;
        }
        return s;
    }

    std::optional<qint64> integer(const QString &key, qint64 min, qint64 max, bool required)
    {
        const QJsonValue v = raw(key);
        if (v.isUndefined()) {
            if (required)
                missing(key, QStringLiteral("an integer"));
            return std::nullopt;
        }
        if (!v.isDouble()) {
            wrongType(key, QStringLiteral("an integer"), v);
            return std::nullopt;
        }
        const double d = v.toDouble();
        if (std::trunc(d) != d) {
            m_diag.add(at(key), QStringLiteral("expected an integer; got %1").arg(d));
            return std::nullopt;
        }
        // Compared as doubles: casting 1e300 to an integer first would be undefined.
        if (d < double(min) || d > double(max)) {
            m_diag.add(at(key),
                QStringLiteral("expected an integer from %1 to %2; got %3")
                    .arg(min)
                    .arg(max)
                    .arg(QString::number(d, 'g', 15)));
            return std::nullopt;
        }
        return static_cast<qint64>(d);
    }

    // Reads seconds (may be fractional) and returns milliseconds.
    std::optional<int> seconds(const QString &key, double min, double max)
    {
        const QJsonValue v = raw(key);
        if (v.isUndefined())
            return std::nullopt;
        if (!v.isDouble()) {
            wrongType(key, QStringLiteral("a number of seconds"), v);
            return std::nullopt;
        }
        const double d = v.toDouble();
        if (d < min || d > max) {
            m_diag.add(at(key),
                QStringLiteral("expected a number of seconds from %1 to %2; got %3")
                    .arg(min)
                    .arg(max)
                    .arg(d));
            return std::nullopt;
        }
        // Rounded: 0.3 s is 300 ms, not the 299 that truncating 299.99999999999997 gives.
        return int(std::lround(d * 1000.0));
    }

    std::optional<QUrl> url(const QString &key, const QStringList &schemes, bool required)
    {
        const auto s = string(key, required);
        if (!s)
            return std::nullopt;
        const QUrl u(*s, QUrl::StrictMode);
        if (!u.isValid() || u.host().isEmpty() || !schemes.contains(u.scheme()) || u.port() == 0) {
            m_diag.add(at(key),
                QStringLiteral("expected an absolute %1 URL with a host; got \"%2\"")
                    .arg(schemes.join(QStringLiteral(" or ")), *s));
            return std::nullopt;
        }
        if (!u.userInfo().isEmpty()) {
            m_diag.add(at(key),
                QStringLiteral("a URL must not carry a user name or password: ")
                    + inlineSecretMessage());
            return std::nullopt;
        }
        // Function keys (?code=) and SAS signatures (?sig=) are secrets too.
        const auto items = QUrlQuery(u).queryItems();
        for (const auto &[name, value] : items) {
            if (looksSecret(name) || name.compare(u"code", Qt::CaseInsensitive) == 0) {
                m_diag.add(at(key),
                    QStringLiteral("a URL must not carry a secret in its query "
                                   "(\"%1\"); send it in a probe header whose "
                                   "value is a secret reference: ")
                            .arg(name)
                        + inlineSecretMessage());
                return std::nullopt;
            }
        }
        return u;
    }

    std::optional<bool> boolean(const QString &key)
    {
        const QJsonValue v = raw(key);
        if (v.isUndefined())
            return std::nullopt;
        if (!v.isBool()) {
            wrongType(key, QStringLiteral("a boolean"), v);
            return std::nullopt;
        }
        return v.toBool();
    }

    std::optional<QJsonObject> object(const QString &key, bool required)
    {
        const QJsonValue v = raw(key);
        if (v.isUndefined()) {
            if (required)
                missing(key, QStringLiteral("an object"));
            return std::nullopt;
        }
        if (!v.isObject()) {
            wrongType(key, QStringLiteral("an object"), v);
            return std::nullopt;
        }
        return v.toObject();
    }

    std::optional<QJsonArray> array(const QString &key, bool required)
    {
        const QJsonValue v = raw(key);
        if (v.isUndefined()) {
            if (required)
                missing(key, QStringLiteral("an array"));
            return std::nullopt;
        }
        if (!v.isArray()) {
            wrongType(key, QStringLiteral("an array"), v);
            return std::nullopt;
        }
        return v.toArray();
    }

    // A key that is known but not allowed here, with the reason (instead of "unknown key").
    void refuse(const QString &key, const QString &message)
    {
        m_known.insert(key);
        if (m_object.contains(key))
            m_diag.add(at(key), message);
    }

    void finish()
    {
        for (auto it = m_object.constBegin(); it != m_object.constEnd(); ++it) {
            if (m_known.contains(it.key()))
                continue;
            if (looksSecret(it.key()) && it.value().isString()) {
                m_diag.add(at(it.key()), inlineSecretMessage());
                continue;
            }
            QString message = QStringLiteral("unknown key \"%1\"").arg(it.key());
            if (const QString guess = closestKnown(it.key()); !guess.isEmpty())
                message += QStringLiteral(" (did you mean \"%1\"?)").arg(guess);
            if (m_known.isEmpty())
                message += QStringLiteral("; this object takes no keys");
            else
                message += QStringLiteral("; expected one of: %1").arg(knownList());
            m_diag.add(at(it.key()), message);
        }
    }

    void missing(const QString &key, const QString &expected)
    {
        m_diag.add(
            m_pointer, QStringLiteral("missing required key \"%1\" (%2)").arg(key, expected));
    }

    void wrongType(const QString &key, const QString &expected, const QJsonValue &got)
    {
        m_diag.add(at(key), QStringLiteral("expected %1; got %2").arg(expected, typeName(got)));
    }

private:
    QString knownList() const
    {
        QStringList keys(m_known.cbegin(), m_known.cend());
        keys.sort();
        return keys.join(QStringLiteral(", "));
    }

    // A suggestion for a misspelt key: the closest known one, if it is a typo away.
    QString closestKnown(const QString &key) const
    {
        QString best;
        int bestDistance = std::numeric_limits<int>::max();
        for (const QString &known : m_known) {
            const int d = editDistance(key, known);
            if (d < bestDistance || (d == bestDistance && known < best)) {
                best = known;
                bestDistance = d;
            }
        }
        return bestDistance <= 2 && bestDistance * 3 <= key.size() ? best : QString();
    }

    QJsonObject m_object;
    QString m_pointer;
    Diagnostics &m_diag;
    QSet<QString> m_known;
};

class ProfileParser
{
public:
    ProfileParser(const QString &path, Diagnostics &diag)
        : m_baseDir(path.isEmpty() ? QDir::current() : QFileInfo(path).absoluteDir())
        , m_diag(diag)
    { }

    // False when the file is of another schema version: nothing else in it can be judged.
    bool parse(const QJsonObject &root, Profile &p)
    {
        ObjectReader r(root, QString(), m_diag);
        const auto version
            = r.integer(QStringLiteral("schemaVersion"), 1, std::numeric_limits<int>::max(), true);
        if (version && *version != Profile::kSchemaVersion) {
            m_diag.add(r.at(QStringLiteral("schemaVersion")),
                QStringLiteral("this DR Console reads schemaVersion %1; the profile has %2 "
                               "(upgrade DR Console to open it)")
                    .arg(Profile::kSchemaVersion)
                    .arg(*version));
            return false;
        }
        p.name = r.string(QStringLiteral("name"), true).value_or(QString());
        p.description = r.string(QStringLiteral("description"), false, true).value_or(QString());
        if (const auto env = r.oneOf(QStringLiteral("environment"),
                { QStringLiteral("production"), QStringLiteral("staging"), QStringLiteral("lab") },
                true)) {
            p.environment = *env == u"production" ? Environment::Production
                : *env == u"staging"              ? Environment::Staging
                                                  : Environment::Lab;
        }
        if (const auto o = r.object(QStringLiteral("objectives"), true))
            p.objectives = objectives(*o, r.at(QStringLiteral("objectives")));
        if (const auto tls = r.object(QStringLiteral("tls"), false))
            p.caCertificates = tlsSettings(*tls, r.at(QStringLiteral("tls")));
        if (const auto d = r.object(QStringLiteral("probeDefaults"), false)) {
            m_defaults
                = probeSettings(*d, r.at(QStringLiteral("probeDefaults")), ProbeSettings {}, false);
        }
        if (const auto regions = r.array(QStringLiteral("regions"), true))
            p.regions = this->regions(*regions, r.at(QStringLiteral("regions")));
        if (const auto routing = r.object(QStringLiteral("routing"), true))
            p.routing = this->routing(*routing, r.at(QStringLiteral("routing")), p.regions);
        if (const auto certs = r.array(QStringLiteral("certificates"), false))
            p.certificates = certificates(*certs, r.at(QStringLiteral("certificates")), p.regions);
        if (const auto o = r.object(QStringLiteral("indexSync"), false))
            p.indexSync = indexSync(*o, r.at(QStringLiteral("indexSync")), p.regions);
        if (const auto o = r.object(QStringLiteral("storageReplication"), false))
            p.storageReplication = storageReplication(*o, r.at(QStringLiteral("storageReplication")), p.regions);
        if (const auto o = r.object(QStringLiteral("syntheticChat"), false))
            p.syntheticChat = syntheticChat(*o, r.at(QStringLiteral("syntheticChat")));
        if (const auto o = r.object(QStringLiteral("notifications"), false))
            p.notifications = notifications(*o, r.at(QStringLiteral("notifications")));
        p.operatorsFile = resolvePath(r.string(QStringLiteral("operators"), false).value_or(QStringLiteral("operators.json")));
        if (const auto o = r.object(QStringLiteral("audit"), false)) {
            ObjectReader a(*o, r.at(QStringLiteral("audit")), m_diag);
            if (a.has(QStringLiteral("key")))
                p.audit.key = secretRef(a.raw(QStringLiteral("key")), a.at(QStringLiteral("key")));
            a.finish();
        }
        if (const auto o = r.object(QStringLiteral("runbook"), false))
            p.runbook = runbook(*o, r.at(QStringLiteral("runbook")));
        if (const auto o = r.object(QStringLiteral("drills"), false))
            p.drills = drills(*o, r.at(QStringLiteral("drills")));
        if (const auto o = r.object(QStringLiteral("azure"), false))
            p.azure = azure(*o, r.at(QStringLiteral("azure")));
        else
            p.azure = azureFromRoutingCredential(p.routing);
        checkAzureUse(p, r);
        r.finish();
        return true;
    }

private:
    // intervalSeconds and timeoutSeconds of a probe section, the timeout within the interval.
    void timing(ObjectReader &r, int &intervalMs, int &timeoutMs)
    {
        intervalMs = r.seconds(QStringLiteral("intervalSeconds"), 1, 86400).value_or(intervalMs);
        timeoutMs = r.seconds(QStringLiteral("timeoutSeconds"), 0.1, 300).value_or(timeoutMs);
        if (timeoutMs > intervalMs) {
            m_diag.add(r.at(QStringLiteral("timeoutSeconds")),
                QStringLiteral("expected a timeout of at most the interval (%1 s); got %2 s")
                    .arg(intervalMs / 1000.0)
                    .arg(timeoutMs / 1000.0));
        }
    }

    IndexSyncSettings indexSync(const QJsonObject &o, const QString &ptr, const QList<Region> &regions)
    {
        IndexSyncSettings s;
        ObjectReader r(o, ptr, m_diag);
        s.componentId = r.string(QStringLiteral("component"), false).value_or(s.componentId);
        s.keyField = r.string(QStringLiteral("keyField"), false).value_or(s.keyField);
        s.watermarkField = r.string(QStringLiteral("watermarkField"), false).value_or(s.watermarkField);
        timing(r, s.intervalMs, s.timeoutMs);
        for (const Region &region : regions) {
            const Component *c = region.component(s.componentId);
            if (!c || !c->search) {
                m_diag.add(r.has(QStringLiteral("component")) ? r.at(QStringLiteral("component")) : ptr,
                    QStringLiteral("index sync needs a component \"%1\" with \"search\" settings in "
                                   "both regions; region \"%2\" has none")
                        .arg(s.componentId, region.id));
            }
        }
        r.finish();
        return s;
    }

    StorageReplicationSettings storageReplication(const QJsonObject &o, const QString &ptr, const QList<Region> &regions)
    {
        StorageReplicationSettings s;
        ObjectReader r(o, ptr, m_diag);
        s.componentId = r.string(QStringLiteral("component"), false).value_or(s.componentId);
        timing(r, s.intervalMs, s.timeoutMs);
        if (r.has(QStringLiteral("canary"))) {
            const QJsonValue v = r.raw(QStringLiteral("canary"));
            if (!v.isBool())
                r.wrongType(QStringLiteral("canary"), QStringLiteral("a boolean"), v);
            else
                s.canary = v.toBool();
        }
        s.canaryContainer = r.string(QStringLiteral("canaryContainer"), false).value_or(s.canaryContainer);
        s.canaryTimeoutMs = r.seconds(QStringLiteral("canaryTimeoutSeconds"), 1, 3600).value_or(s.canaryTimeoutMs);
        if (s.canary && s.canaryTimeoutMs >= s.timeoutMs) {
            m_diag.add(r.has(QStringLiteral("canaryTimeoutSeconds")) ? r.at(QStringLiteral("canaryTimeoutSeconds")) : ptr,
                QStringLiteral("expected canaryTimeoutSeconds (%1 s) below timeoutSeconds (%2 s): the "
                               "canary runs within the probe")
                    .arg(s.canaryTimeoutMs / 1000.0)
                    .arg(s.timeoutMs / 1000.0));
        }
        for (const Region &region : regions) {
            if (region.role != RegionRole::Primary)
                continue;
            const Component *c = region.component(s.componentId);
            if (!c || !c->storage || c->storage->secondaryEndpoint.isEmpty()) {
                m_diag.add(r.has(QStringLiteral("component")) ? r.at(QStringLiteral("component")) : ptr,
                    QStringLiteral("storage replication needs the primary region's component \"%1\" "
                                   "with \"storage\" settings and a secondaryEndpoint")
                        .arg(s.componentId));
            }
        }
        r.finish();
        return s;
    }

    SyntheticChatSettings syntheticChat(const QJsonObject &o, const QString &ptr)
    {
        SyntheticChatSettings s;
        ObjectReader r(o, ptr, m_diag);
        s.text = r.string(QStringLiteral("text"), true).value_or(QString());
        s.expectContains = r.string(QStringLiteral("expectContains"), false).value_or(QString());
        if (const auto path = r.string(QStringLiteral("path"), false)) {
            if (!path->startsWith(u'/'))
                m_diag.add(r.at(QStringLiteral("path")), QStringLiteral("expected a path starting with /; got \"%1\"").arg(*path));
            else
                s.path = *path;
        }
        timing(r, s.intervalMs, s.timeoutMs);
        r.finish();
        return s;
    }

    RunbookSettings runbook(const QJsonObject &o, const QString &ptr)
    {
        RunbookSettings s;
        ObjectReader r(o, ptr, m_diag);
        s.verifyCount = int(r.integer(QStringLiteral("verifyCount"), 1, 100, false).value_or(s.verifyCount));
        s.verifyTimeoutMs = r.seconds(QStringLiteral("verifyTimeoutSeconds"), 1, 3600).value_or(s.verifyTimeoutMs);
        s.cooldownMs = r.seconds(QStringLiteral("cooldownSeconds"), 0, 86400).value_or(s.cooldownMs);
        s.lockContainer = r.string(QStringLiteral("lockContainer"), false).value_or(s.lockContainer);
        s.lockLeaseMs = r.seconds(QStringLiteral("lockLeaseSeconds"), 15, 60).value_or(s.lockLeaseMs);
        s.drillHoldMs = r.seconds(QStringLiteral("drillHoldSeconds"), 0, 86400).value_or(s.drillHoldMs);
        s.stepTimeoutMs = r.seconds(QStringLiteral("stepTimeoutSeconds"), 1, 86400).value_or(s.stepTimeoutMs);
        s.syncTimeoutMs = r.seconds(QStringLiteral("syncTimeoutSeconds"), 1, 7 * 86400).value_or(s.syncTimeoutMs);
        s.syncConcurrency = int(r.integer(QStringLiteral("syncConcurrency"), 1, 32, false).value_or(s.syncConcurrency));
        s.storageAccountFailover = r.oneOf(QStringLiteral("storageAccountFailover"),
                                        { QStringLiteral("none"), QStringLiteral("planned"), QStringLiteral("unplanned") }, false)
                                       .value_or(s.storageAccountFailover);
        s.storageAccountComponent = r.string(QStringLiteral("storageAccountComponent"), false).value_or(s.storageAccountComponent);
        s.cosmosFailover = r.boolean(QStringLiteral("cosmosFailover")).value_or(s.cosmosFailover);
        s.cosmosComponent = r.string(QStringLiteral("cosmosComponent"), false).value_or(s.cosmosComponent);
        r.finish();
        return s;
    }

    // The clouds DR Console knows by name: their sign-in authority, Resource Manager and the
    // scopes of the data planes it uses. Storage's scope is the same in every cloud.
    struct Cloud
    {
        QString name, authority, arm, armScope, searchScope;
    };
    static const QList<Cloud> &clouds()
    {
        static const QList<Cloud> list{
            { QStringLiteral("AzurePublic"), QStringLiteral("https://login.microsoftonline.com"),
                QStringLiteral("https://management.azure.com"), QStringLiteral("https://management.azure.com/.default"),
                QStringLiteral("https://search.azure.com/.default") },
            { QStringLiteral("AzureUSGovernment"), QStringLiteral("https://login.microsoftonline.us"),
                QStringLiteral("https://management.usgovcloudapi.net"),
                QStringLiteral("https://management.usgovcloudapi.net/.default"),
                QStringLiteral("https://search.azure.us/.default") },
            { QStringLiteral("AzureChina"), QStringLiteral("https://login.chinacloudapi.cn"),
                QStringLiteral("https://management.chinacloudapi.cn"),
                QStringLiteral("https://management.chinacloudapi.cn/.default"),
                QStringLiteral("https://search.azure.cn/.default") },
        };
        return list;
    }

    // An https URL, or http on a loopback host (a test's or the lab's endpoint): a bearer
    // token or a client secret never crosses a network in clear text.
    std::optional<QUrl> secureUrl(ObjectReader &r, const QString &key)
    {
        const auto u = r.url(key, { QStringLiteral("https"), QStringLiteral("http") }, false);
        if (!u)
            return std::nullopt;
        const QString host = u->host();
        if (u->scheme() == u"http" && host != u"localhost" && host != u"127.0.0.1" && host != u"::1") {
            m_diag.add(r.at(key),
                QStringLiteral("expected an https URL (tokens and secrets travel on it); plain http is "
                               "accepted only on localhost; got \"%1\"")
                    .arg(u->toString()));
            return std::nullopt;
        }
        return u;
    }

    std::optional<QString> tenant(ObjectReader &r, const QString &key, bool required)
    {
        static const QRegularExpression domain(
            QStringLiteral("^[A-Za-z0-9]([A-Za-z0-9-]{0,62}\\.)+[A-Za-z]{2,}$"));
        const auto v = r.string(key, required);
        if (!v)
            return std::nullopt;
        if (guidPattern().match(*v).hasMatch() || domain.match(*v).hasMatch() || *v == u"organizations"
            || *v == u"common")
            return v;
        m_diag.add(r.at(key),
            QStringLiteral("expected the Entra ID tenant as a GUID, a domain name "
                           "(contoso.onmicrosoft.com), \"organizations\" or \"common\"; got \"%1\"")
                .arg(*v));
        return std::nullopt;
    }

    std::optional<QString> guid(ObjectReader &r, const QString &key, const QString &meaning, bool required)
    {
        const auto v = r.string(key, required);
        if (v && !guidPattern().match(*v).hasMatch()) {
            m_diag.add(r.at(key),
                QStringLiteral("expected %1 as a GUID (00000000-0000-0000-0000-000000000000); got \"%2\"")
                    .arg(meaning, *v));
            return std::nullopt;
        }
        return v;
    }

    std::optional<QString> scope(ObjectReader &r, const QString &key)
    {
        const auto v = r.string(key, false);
        if (v && (!v->endsWith(QStringLiteral("/.default")) || !QUrl(*v).isValid())) {
            m_diag.add(r.at(key),
                QStringLiteral("expected a resource's default scope like "
                               "\"https://management.azure.com/.default\"; got \"%1\"")
                    .arg(*v));
            return std::nullopt;
        }
        return v;
    }

    AzureSettings azure(const QJsonObject &o, const QString &ptr)
    {
        AzureSettings s;
        ObjectReader r(o, ptr, m_diag);
        if (const auto cloud = r.oneOf(QStringLiteral("cloud"),
                { QStringLiteral("AzurePublic"), QStringLiteral("AzureUSGovernment"), QStringLiteral("AzureChina") },
                false)) {
            for (const Cloud &c : clouds()) {
                if (c.name == *cloud) {
                    s.authority = QUrl(c.authority);
                    s.armEndpoint = QUrl(c.arm);
                    s.armScope = c.armScope;
                    s.searchScope = c.searchScope;
                }
            }
        }
        if (const auto u = secureUrl(r, QStringLiteral("authority")))
            s.authority = *u;
        if (const auto u = secureUrl(r, QStringLiteral("armEndpoint")))
            s.armEndpoint = *u;
        s.armScope = scope(r, QStringLiteral("armScope")).value_or(s.armScope);
        s.storageScope = scope(r, QStringLiteral("storageScope")).value_or(s.storageScope);
        s.searchScope = scope(r, QStringLiteral("searchScope")).value_or(s.searchScope);
        s.tenantId = tenant(r, QStringLiteral("tenantId"), true).value_or(QString());
        s.clientId = guid(r, QStringLiteral("clientId"), QStringLiteral("the application (client) id"), true)
                         .value_or(QString());
        if (r.has(QStringLiteral("clientSecret")))
            s.clientSecret = secretRef(r.raw(QStringLiteral("clientSecret")), r.at(QStringLiteral("clientSecret")));
        if (const auto o2 = r.object(QStringLiteral("signIn"), false))
            s.signIn = signIn(*o2, r.at(QStringLiteral("signIn")), s);
        r.finish();
        return s;
    }

    EntraSignInSettings signIn(const QJsonObject &o, const QString &ptr, const AzureSettings &azure)
    {
        EntraSignInSettings s;
        ObjectReader r(o, ptr, m_diag);
        s.enabled = r.boolean(QStringLiteral("enabled")).value_or(true);
        s.tenantId = tenant(r, QStringLiteral("tenantId"), false).value_or(azure.tenantId);
        s.clientId = guid(r, QStringLiteral("clientId"), QStringLiteral("the public client's application id"), false)
                         .value_or(azure.clientId);
        s.claim = r.oneOf(QStringLiteral("claim"), { QStringLiteral("roles"), QStringLiteral("groups") }, false)
                      .value_or(s.claim);
        if (const auto roles = r.object(QStringLiteral("roles"), true)) {
            const QString at = r.at(QStringLiteral("roles"));
            if (roles->isEmpty())
                m_diag.add(at, QStringLiteral("expected at least one %1 value mapped to a DR Console role").arg(s.claim));
            for (auto it = roles->begin(); it != roles->end(); ++it) {
                const QString valueAt = at + u'/' + JsonLocator::escapeToken(it.key());
                const QString role = it.value().toString();
                if (!it.value().isString() || !(role == u"viewer" || role == u"operator" || role == u"approver" || role == u"admin")) {
                    m_diag.add(valueAt,
                        QStringLiteral("expected a DR Console role: viewer, operator, approver or admin; got %1")
                            .arg(it.value().isString() ? QStringLiteral("\"%1\"").arg(role) : typeName(it.value())));
                    continue;
                }
                if (s.claim == u"groups" && !guidPattern().match(it.key()).hasMatch()) {
                    m_diag.add(valueAt,
                        QStringLiteral("the groups claim holds group object ids: expected a GUID; got \"%1\"")
                            .arg(it.key()));
                    continue;
                }
                s.roles.insert(it.key(), role);
            }
        }
        r.finish();
        return s;
    }

    // Profiles written before the "azure" section named the app in the routing: the same app.
    static std::optional<AzureSettings> azureFromRoutingCredential(const Routing &routing)
    {
        if (!routing.credential || !routing.settings.contains(QStringLiteral("tenantId"))
            || !routing.settings.contains(QStringLiteral("clientId")))
            return std::nullopt;
        AzureSettings s;
        s.tenantId = routing.settings.value(QStringLiteral("tenantId"));
        s.clientId = routing.settings.value(QStringLiteral("clientId"));
        s.clientSecret = routing.credential;
        return s;
    }

    // What needs the app's credentials or an Azure resource, checked once every section is read.
    void checkAzureUse(const Profile &p, ObjectReader &root)
    {
        const bool app = p.azure && p.azure->clientSecret;
        static const QStringList armKinds{ QStringLiteral("storage-account"), QStringLiteral("cosmos-db"),
            QStringLiteral("app-service"), QStringLiteral("key-vault") };
        for (qsizetype ri = 0; ri < p.regions.size(); ++ri) {
            const Region &region = p.regions.at(ri);
            for (qsizetype ci = 0; ci < region.components.size(); ++ci) {
                const Component &c = region.components.at(ci);
                const QString at = QStringLiteral("/regions/%1/components/%2").arg(ri).arg(ci);
                if (armKinds.contains(c.probe.kind) && !c.azure) {
                    m_diag.add(at,
                        QStringLiteral("a %1 probe reads the resource through Azure Resource Manager: the "
                                       "component needs \"azure\": {\"resourceId\": ...}")
                            .arg(c.probe.kind));
                }
                if ((armKinds.contains(c.probe.kind)) && !app) {
                    m_diag.add(at + QStringLiteral("/probe/kind"),
                        QStringLiteral("a %1 probe needs the profile's \"azure\" section with a "
                                       "clientSecret (the app it reads Azure as)")
                            .arg(c.probe.kind));
                }
                if (c.search && c.search->entra() && !app) {
                    m_diag.add(at + QStringLiteral("/search/auth"),
                        QStringLiteral("search auth \"entra\" needs the profile's \"azure\" section "
                                       "with a clientSecret"));
                }
                if (c.storage && c.storage->entra() && !app) {
                    m_diag.add(at + QStringLiteral("/storage/auth"),
                        QStringLiteral("storage auth \"entra\" needs the profile's \"azure\" section "
                                       "with a clientSecret"));
                }
            }
        }
        const auto needResource = [&](const QString &key, const QString &componentId, const QString &what) {
            const Region *primary = p.primary();
            const Component *c = primary ? primary->component(componentId) : nullptr;
            if (!c || !c->azure) {
                m_diag.add(QStringLiteral("/runbook/") + key,
                    QStringLiteral("%1 needs the primary region's component \"%2\" with an \"azure\" "
                                   "resource")
                        .arg(what, componentId));
            }
            if (!app) {
                m_diag.add(QStringLiteral("/runbook/") + key,
                    QStringLiteral("%1 needs the profile's \"azure\" section with a clientSecret").arg(what));
            }
        };
        if (p.runbook.storageAccountFailover != u"none")
            needResource(QStringLiteral("storageAccountFailover"), p.runbook.storageAccountComponent,
                QStringLiteral("storage account failover"));
        if (p.runbook.cosmosFailover)
            needResource(QStringLiteral("cosmosFailover"), p.runbook.cosmosComponent,
                QStringLiteral("Cosmos DB failover"));
        Q_UNUSED(root);
    }

    // One of "schedule" or "intervalDays": two ways of saying the same thing would let them
    // disagree.
    DrillSettings drills(const QJsonObject &o, const QString &ptr)
    {
        DrillSettings s;
        ObjectReader r(o, ptr, m_diag);
        const bool hasSchedule = r.has(QStringLiteral("schedule"));
        const bool hasDays = r.has(QStringLiteral("intervalDays"));
        if (hasSchedule && hasDays) {
            m_diag.add(r.at(QStringLiteral("intervalDays")),
                QStringLiteral("give either \"schedule\" or \"intervalDays\", not both"));
        } else if (hasSchedule) {
            static const QList<std::pair<QString, int>> kSchedules {
                { QStringLiteral("monthly"), 1 }, { QStringLiteral("quarterly"), 3 },
                { QStringLiteral("semiannually"), 6 }, { QStringLiteral("annually"), 12 } };
            QStringList names;
            for (const auto &[name, months] : kSchedules)
                names.append(name);
            if (const auto name = r.oneOf(QStringLiteral("schedule"), names, true)) {
                for (const auto &[n, months] : kSchedules) {
                    if (n == *name) {
                        s.schedule = n;
                        s.intervalMonths = months;
                        // Only for display and rough comparisons: due dates use calendar months.
                        s.intervalDays = (months * 365 + 11) / 12;
                    }
                }
            }
        } else if (hasDays) {
            s.intervalDays = int(r.integer(QStringLiteral("intervalDays"), 1, 3650, true).value_or(0));
        } else {
            r.missing(QStringLiteral("schedule"),
                QStringLiteral("monthly, quarterly, semiannually or annually; or give \"intervalDays\""));
        }
        r.finish();
        return s;
    }

    NotificationSettings notifications(const QJsonObject &o, const QString &ptr)
    {
        NotificationSettings s;
        ObjectReader r(o, ptr, m_diag);
        if (r.has(QStringLiteral("desktop"))) {
            const QJsonValue v = r.raw(QStringLiteral("desktop"));
            if (!v.isBool())
                r.wrongType(QStringLiteral("desktop"), QStringLiteral("a boolean"), v);
            else
                s.desktop = v.toBool();
        }
        if (const auto hook = r.object(QStringLiteral("webhook"), false)) {
            ObjectReader w(*hook, r.at(QStringLiteral("webhook")), m_diag);
            WebhookSettings settings;
            // The URL of an incoming webhook authorises whoever holds it: always a reference.
            if (w.has(QStringLiteral("url"))) {
                if (const auto ref = secretRef(w.raw(QStringLiteral("url")), w.at(QStringLiteral("url"))))
                    settings.url = *ref;
            } else {
                w.missing(QStringLiteral("url"), QStringLiteral("a secret reference"));
            }
            settings.timeoutMs = w.seconds(QStringLiteral("timeoutSeconds"), 1, 120).value_or(settings.timeoutMs);
            w.finish();
            s.webhook = settings;
        }
        r.finish();
        return s;
    }

    Objectives objectives(const QJsonObject &o, const QString &ptr)
    {
        Objectives obj;
        ObjectReader r(o, ptr, m_diag);
        const qint64 day = 86400;
        const auto read
            = [&r](const QString &key, qint64 min, qint64 max, bool required, int fallback) {
                  return int(r.integer(key, min, max, required).value_or(fallback));
              };
        obj.rpoSeconds = read(QStringLiteral("rpoSeconds"), 0, 7 * day, true, obj.rpoSeconds);
        obj.rtoSeconds = read(QStringLiteral("rtoSeconds"), 1, 7 * day, true, obj.rtoSeconds);
        obj.certificateWarningDays = read(
            QStringLiteral("certificateWarningDays"), 1, 365, false, obj.certificateWarningDays);
        obj.certificateCriticalDays = read(
            QStringLiteral("certificateCriticalDays"), 0, 365, false, obj.certificateCriticalDays);
        if (obj.certificateCriticalDays > obj.certificateWarningDays) {
            // Point at whichever of the two was written (both, usually: the critical one).
            const bool criticalWritten = r.has(QStringLiteral("certificateCriticalDays"));
            m_diag.add(r.at(criticalWritten ? QStringLiteral("certificateCriticalDays")
                                            : QStringLiteral("certificateWarningDays")),
                QStringLiteral("expected certificateCriticalDays (%1%2) to be at most "
                               "certificateWarningDays (%3%4)")
                    .arg(obj.certificateCriticalDays)
                    .arg(criticalWritten ? QString() : QStringLiteral(", the default"))
                    .arg(obj.certificateWarningDays)
                    .arg(r.has(QStringLiteral("certificateWarningDays"))
                            ? QString()
                            : QStringLiteral(", the default")));
        }
        obj.indexLagDocuments
            = read(QStringLiteral("indexLagDocuments"), 0, 100000000, false, obj.indexLagDocuments);
        obj.indexLagSeconds
            = read(QStringLiteral("indexLagSeconds"), 0, 30 * day, false, obj.indexLagSeconds);
        obj.latencyDegradedMs
            = read(QStringLiteral("latencyDegradedMs"), 1, 600000, false, obj.latencyDegradedMs);
        r.finish();
        return obj;
    }

    QString resolvePath(const QString &path) const
    {
        return QDir::cleanPath(m_baseDir.absoluteFilePath(path));
    }

    QStringList tlsSettings(const QJsonObject &o, const QString &ptr)
    {
        QStringList cas;
        ObjectReader r(o, ptr, m_diag);
        if (const auto list = r.array(QStringLiteral("caCertificates"), false)) {
            for (qsizetype i = 0; i < list->size(); ++i) {
                const QString at
                    = r.at(QStringLiteral("caCertificates")) + u'/' + QString::number(i);
                if (!list->at(i).isString() || list->at(i).toString().trimmed().isEmpty()) {
                    m_diag.add(at,
                        QStringLiteral("expected the path of a PEM file; got %1")
                            .arg(typeName(list->at(i))));
                    continue;
                }
                cas.append(resolvePath(list->at(i).toString()));
            }
        }
        r.finish();
        return cas;
    }

    // Inline secrets are refused wherever they are found, even in an object that cannot be
    // read further (a routing kind that is unknown): the operator must hear about them.
    void checkInlineSecrets(const QJsonObject &o, const QString &ptr)
    {
        for (auto it = o.constBegin(); it != o.constEnd(); ++it) {
            if (looksSecret(it.key()) && it.value().isString())
                m_diag.add(ptr + u'/' + JsonLocator::escapeToken(it.key()), inlineSecretMessage());
        }
    }

    std::optional<SecretRef> secretRef(const QJsonValue &v, const QString &ptr)
    {
        if (v.isString()) {
            m_diag.add(ptr, inlineSecretMessage());
            return std::nullopt;
        }
        if (!v.isObject()) {
            m_diag.add(ptr,
                QStringLiteral("expected a secret reference ({\"keychain\": NAME}, "
                               "{\"env\": VAR} or {\"file\": PATH}); got %1")
                    .arg(typeName(v)));
            return std::nullopt;
        }
        const QJsonObject o = v.toObject();
        if (o.size() != 1) {
            m_diag.add(ptr,
                QStringLiteral("expected a secret reference with exactly one of "
                               "\"keychain\", \"env\" or \"file\"; got %1 keys")
                    .arg(o.size()));
            return std::nullopt;
        }
        const QString key = o.constBegin().key();
        const QJsonValue value = o.constBegin().value();
        const QString at = ptr + u'/' + JsonLocator::escapeToken(key);
        SecretRef ref;
        if (key == u"keychain") {
            ref.source = SecretRef::Source::Keychain;
        } else if (key == u"env") {
            ref.source = SecretRef::Source::Env;
        } else if (key == u"file") {
            ref.source = SecretRef::Source::File;
        } else {
            m_diag.add(at,
                QStringLiteral("unknown secret source \"%1\"; expected keychain, env or file")
                    .arg(key));
            return std::nullopt;
        }
        if (!value.isString() || value.toString().trimmed().isEmpty()) {
            m_diag.add(
                at, QStringLiteral("expected a non-empty string; got %1").arg(typeName(value)));
            return std::nullopt;
        }
        static const QRegularExpression envName(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
        if (ref.source == SecretRef::Source::Env && !envName.match(value.toString()).hasMatch()) {
            m_diag.add(at,
                QStringLiteral("expected an environment variable name (letters, digits "
                               "and '_', not starting with a digit); got \"%1\"")
                    .arg(value.toString()));
            return std::nullopt;
        }
        ref.name = ref.source == SecretRef::Source::File ? resolvePath(value.toString())
                                                         : value.toString();
        return ref;
    }

    std::optional<StatusRange> statusRange(const QJsonValue &v, const QString &ptr)
    {
        static const QRegularExpression re(
            QStringLiteral("^([1-5][0-9][0-9])(?:-([1-5][0-9][0-9]))?$"));
        const auto m
            = re.match(v.isDouble() ? QString::number(v.toDouble(), 'g', 17) : v.toString());
        if ((!v.isString() && !v.isDouble()) || !m.hasMatch()) {
            m_diag.add(ptr,
                QStringLiteral("expected a status code or range such as 200 or "
                               "\"200-299\" (codes from 100 to 599)"));
            return std::nullopt;
        }
        StatusRange range;
        range.low = m.captured(1).toInt();
        range.high = m.captured(2).isEmpty() ? range.low : m.captured(2).toInt();
        if (range.high < range.low) {
            m_diag.add(ptr, QStringLiteral("expected a range whose end is not below its start"));
            return std::nullopt;
        }
        return range;
    }

    void headers(const QJsonObject &o, const QString &ptr, QMap<QString, HeaderValue> &out)
    {
        // RFC 9110 token characters: anything else would make the request malformed.
        static const QRegularExpression name(QStringLiteral("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"));
        for (auto it = o.constBegin(); it != o.constEnd(); ++it) {
            const QString at = ptr + u'/' + JsonLocator::escapeToken(it.key());
            if (!name.match(it.key()).hasMatch()) {
                m_diag.add(at,
                    QStringLiteral("\"%1\" is not a valid HTTP header name (letters, "
                                   "digits and !#$%&'*+.^_`|~-, no spaces)")
                        .arg(it.key()));
                continue;
            }
            HeaderValue hv;
            if (it.value().isObject() || looksSecret(it.key())) {
                hv.secret = secretRef(it.value(), at);
                if (!hv.secret)
                    continue;
            } else if (it.value().isString()) {
                hv.value = it.value().toString();
                if (hv.value.contains(u'\r') || hv.value.contains(u'\n')) {
                    m_diag.add(at,
                        QStringLiteral("expected a header value on one line; got a "
                                       "line break"));
                    continue;
                }
            } else {
                m_diag.add(at,
                    QStringLiteral("expected a string or a secret reference; got %1")
                        .arg(typeName(it.value())));
                continue;
            }
            out.insert(it.key(), hv);
        }
    }

    ProbeSettings probeSettings(
        const QJsonObject &o, const QString &ptr, const ProbeSettings &base, bool allowKind)
    {
        ProbeSettings s = base;
        ObjectReader r(o, ptr, m_diag);
        if (allowKind) {
            if (const auto kind = r.string(QStringLiteral("kind"), false)) {
                const ProbeRegistry &registry = ProbeRegistry::instance();
                if (!registry.isComponentKind(*kind)) {
                    m_diag.add(r.at(QStringLiteral("kind")),
                        QStringLiteral("unknown probe kind \"%1\"; expected one of: %2")
                            .arg(*kind, registry.componentKinds().join(QStringLiteral(", "))));
                } else {
                    s.kind = *kind;
                }
            }
        } else {
            r.refuse(QStringLiteral("kind"),
                QStringLiteral("probeDefaults cannot set \"kind\": set it in a component's "
                               "\"probe\" (the default kind is \"http\")"));
        }
        s.intervalMs
            = r.seconds(QStringLiteral("intervalSeconds"), 1, 86400).value_or(s.intervalMs);
        s.timeoutMs = r.seconds(QStringLiteral("timeoutSeconds"), 0.1, 300).value_or(s.timeoutMs);
        s.failuresBeforeDown = int(r.integer(QStringLiteral("failuresBeforeDown"), 1, 100, false)
                                       .value_or(s.failuresBeforeDown));
        s.successesBeforeUp = int(r.integer(QStringLiteral("successesBeforeUp"), 1, 100, false)
                                      .value_or(s.successesBeforeUp));
        if (const auto list = r.array(QStringLiteral("expectStatus"), false)) {
            QList<StatusRange> ranges;
            for (qsizetype i = 0; i < list->size(); ++i) {
                const QString at = r.at(QStringLiteral("expectStatus")) + u'/' + QString::number(i);
                if (const auto range = statusRange(list->at(i), at))
                    ranges.append(*range);
            }
            if (list->isEmpty()) {
                m_diag.add(r.at(QStringLiteral("expectStatus")),
                    QStringLiteral("expected at least one status range"));
            } else {
                s.expectStatus = ranges;
            }
        }
        s.bodyContains = r.string(QStringLiteral("bodyContains"), false).value_or(s.bodyContains);
        s.jsonField = r.string(QStringLiteral("jsonField"), false).value_or(s.jsonField);
        s.jsonEquals = r.string(QStringLiteral("jsonEquals"), false, true).value_or(s.jsonEquals);
        if (r.has(QStringLiteral("jsonEquals")) && s.jsonField.isEmpty()) {
            m_diag.add(r.at(QStringLiteral("jsonEquals")),
                QStringLiteral("jsonEquals needs jsonField (the dotted path of the value to "
                               "compare)"));
        }
        s.maxResponseBytes
            = r.integer(QStringLiteral("maxResponseBytes"), 1024, 64 * 1024 * 1024, false)
                  .value_or(s.maxResponseBytes);
        if (const auto ca = r.string(QStringLiteral("caCertificate"), false))
            s.caCertificate = resolvePath(*ca);
        s.serverName = r.string(QStringLiteral("serverName"), false).value_or(s.serverName);
        if (const auto h = r.object(QStringLiteral("headers"), false))
            headers(*h, r.at(QStringLiteral("headers")), s.headers);
        if (s.timeoutMs > s.intervalMs) {
            // At the value that was written here; the other one may come from probeDefaults.
            const bool timeoutHere = r.has(QStringLiteral("timeoutSeconds"));
            const bool intervalHere = r.has(QStringLiteral("intervalSeconds"));
            const QString where = timeoutHere ? r.at(QStringLiteral("timeoutSeconds"))
                : intervalHere                ? r.at(QStringLiteral("intervalSeconds"))
                                              : ptr;
            m_diag.add(where,
                QStringLiteral("expected timeoutSeconds (%1%2) to be at most "
                               "intervalSeconds (%3%4)")
                    .arg(s.timeoutMs / 1000.0)
                    .arg(timeoutHere ? QString() : QStringLiteral(", inherited"))
                    .arg(s.intervalMs / 1000.0)
                    .arg(intervalHere ? QString() : QStringLiteral(", inherited")));
        }
        r.finish();
        return s;
    }

    QList<Region> regions(const QJsonArray &list, const QString &ptr)
    {
        QList<Region> out;
        QHash<QString, qsizetype> ids;
        std::optional<RegionRole> roles[2];
        for (qsizetype i = 0; i < list.size(); ++i) {
            const QString at = ptr + u'/' + QString::number(i);
            if (!list.at(i).isObject()) {
                m_diag.add(at,
                    QStringLiteral("expected a region object; got %1").arg(typeName(list.at(i))));
                continue;
            }
            ObjectReader r(list.at(i).toObject(), at, m_diag);
            Region region;
            region.id = r.identifier(QStringLiteral("id")).value_or(QString());
            if (!region.id.isEmpty()) {
                if (ids.contains(region.id)) {
                    m_diag.add(r.at(QStringLiteral("id")),
                        QStringLiteral("duplicate region id \"%1\" (also used by %2/%3); "
                                       "expected each region to have its own id")
                            .arg(region.id, ptr)
                            .arg(ids.value(region.id)));
                } else {
                    ids.insert(region.id, i);
                }
            }
            region.displayName = r.string(QStringLiteral("displayName"), false).value_or(region.id);
            region.location = r.string(QStringLiteral("location"), false).value_or(QString());
            if (const auto role = r.oneOf(QStringLiteral("role"),
                    { QStringLiteral("primary"), QStringLiteral("secondary") }, true)) {
                region.role = *role == u"primary" ? RegionRole::Primary : RegionRole::Secondary;
                if (i < 2)
                    roles[i] = region.role;
            }
            if (const auto comps = r.array(QStringLiteral("components"), true))
                region.components = components(*comps, r.at(QStringLiteral("components")));
            r.finish();
            out.append(region);
        }
        if (list.size() != 2) {
            m_diag.add(ptr,
                QStringLiteral("expected exactly two regions (one primary, one "
                               "secondary); got %1")
                    .arg(list.size()));
        } else if (roles[0] && roles[1] && *roles[0] == *roles[1]) {
            m_diag.add(ptr + QStringLiteral("/1/role"),
                QStringLiteral("expected exactly one primary and one secondary region; "
                               "both regions are %1")
                    .arg(toString(*roles[0])));
        }
        return out;
    }

    SearchSettings searchSettings(const QJsonObject &o, const QString &ptr)
    {
        SearchSettings settings;
        ObjectReader r(o, ptr, m_diag);
        settings.indexName = r.identifier(QStringLiteral("indexName")).value_or(QString());
        settings.apiVersion = r.string(QStringLiteral("apiVersion"), false).value_or(settings.apiVersion);
        settings.auth = r.oneOf(QStringLiteral("auth"), { QStringLiteral("key"), QStringLiteral("entra") }, false)
                            .value_or(settings.auth);
        if (settings.entra()) {
            // A token for the app is the credential: a key beside it would be a second way in.
            const QString why = QStringLiteral("auth \"entra\" uses the app's Entra ID token, not a key; remove it");
            r.refuse(QStringLiteral("apiKey"), why);
            r.refuse(QStringLiteral("adminKey"), why);
        } else {
            if (r.has(QStringLiteral("apiKey"))) {
                if (const auto ref = secretRef(r.raw(QStringLiteral("apiKey")), r.at(QStringLiteral("apiKey"))))
                    settings.apiKey = *ref;
            } else {
                r.missing(QStringLiteral("apiKey"), QStringLiteral("a secret reference to a query or admin key"));
            }
            if (r.has(QStringLiteral("adminKey")))
                settings.adminKey = secretRef(r.raw(QStringLiteral("adminKey")), r.at(QStringLiteral("adminKey")));
        }
        r.finish();
        return settings;
    }

    StorageSettings storageSettings(const QJsonObject &o, const QString &ptr)
    {
        StorageSettings settings;
        ObjectReader r(o, ptr, m_diag);
        if (const auto name = r.string(QStringLiteral("accountName"), true)) {
            static const QRegularExpression re(QStringLiteral("^[a-z0-9]{3,24}$"));
            if (!re.match(*name).hasMatch()) {
                m_diag.add(r.at(QStringLiteral("accountName")),
                    QStringLiteral("expected a storage account name: 3 to 24 lowercase letters "
                                   "and digits; got \"%1\"")
                        .arg(*name));
            } else {
                settings.accountName = *name;
            }
        }
        settings.auth = r.oneOf(QStringLiteral("auth"), { QStringLiteral("key"), QStringLiteral("entra") }, false)
                            .value_or(settings.auth);
        if (settings.entra()) {
            r.refuse(QStringLiteral("accountKey"),
                QStringLiteral("auth \"entra\" uses the app's Entra ID token, not the account key; remove it"));
        } else if (r.has(QStringLiteral("accountKey"))) {
            if (const auto ref = secretRef(r.raw(QStringLiteral("accountKey")), r.at(QStringLiteral("accountKey"))))
                settings.accountKey = *ref;
        } else {
            r.missing(QStringLiteral("accountKey"), QStringLiteral("a secret reference to the account key"));
        }
        settings.secondaryEndpoint
            = r.url(QStringLiteral("secondaryEndpoint"), { QStringLiteral("https"), QStringLiteral("http") }, false)
                  .value_or(QUrl());
        r.finish();
        return settings;
    }

    AzureResource azureResource(const QJsonObject &o, const QString &ptr)
    {
        static const QRegularExpression resourceId(QStringLiteral(
            "^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\\w._()]+/providers/[A-Za-z0-9.]+/[A-Za-z0-9]+/"
            "[^/]+(/[A-Za-z0-9]+/[^/]+)*$"),
            QRegularExpression::CaseInsensitiveOption);
        static const QRegularExpression apiVersion(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}(-preview)?$"));
        AzureResource a;
        ObjectReader r(o, ptr, m_diag);
        if (const auto id = r.string(QStringLiteral("resourceId"), true)) {
            if (!resourceId.match(*id).hasMatch()) {
                m_diag.add(r.at(QStringLiteral("resourceId")),
                    QStringLiteral("expected an Azure resource id: /subscriptions/GUID/resourceGroups/GROUP/"
                                   "providers/NAMESPACE/TYPE/NAME; got \"%1\"")
                        .arg(*id));
            } else {
                a.resourceId = *id;
            }
        }
        if (const auto v = r.string(QStringLiteral("apiVersion"), false)) {
            if (!apiVersion.match(*v).hasMatch())
                m_diag.add(r.at(QStringLiteral("apiVersion")),
                    QStringLiteral("expected an api-version like 2023-05-01; got \"%1\"").arg(*v));
            else
                a.apiVersion = *v;
        }
        r.finish();
        return a;
    }

    QList<Component> components(const QJsonArray &list, const QString &ptr)
    {
        static const QStringList kinds = { QStringLiteral("bot-api"),
            QStringLiteral("knowledge-base"), QStringLiteral("search-index"),
            QStringLiteral("storage"), QStringLiteral("cosmosdb"), QStringLiteral("key-vault"),
            QStringLiteral("app-insights"), QStringLiteral("app-service"), QStringLiteral("http") };
        QList<Component> out;
        QHash<QString, qsizetype> ids;
        if (list.isEmpty())
            m_diag.add(ptr, QStringLiteral("expected at least one component"));
        for (qsizetype i = 0; i < list.size(); ++i) {
            const QString at = ptr + u'/' + QString::number(i);
            if (!list.at(i).isObject()) {
                m_diag.add(at,
                    QStringLiteral("expected a component object; got %1")
                        .arg(typeName(list.at(i))));
                continue;
            }
            ObjectReader r(list.at(i).toObject(), at, m_diag);
            Component c;
            c.id = r.identifier(QStringLiteral("id")).value_or(QString());
            if (!c.id.isEmpty()) {
                if (ids.contains(c.id)) {
                    m_diag.add(r.at(QStringLiteral("id")),
                        QStringLiteral("duplicate component id \"%1\" in this region (also "
                                       "used by %2/%3); expected each component of a "
                                       "region to have its own id")
                            .arg(c.id, ptr)
                            .arg(ids.value(c.id)));
                } else {
                    ids.insert(c.id, i);
                }
            }
            c.kind = r.oneOf(QStringLiteral("kind"), kinds, true).value_or(QString());
            c.displayName = r.string(QStringLiteral("displayName"), false).value_or(c.id);
            c.endpoint = r.url(QStringLiteral("endpoint"),
                              { QStringLiteral("https"), QStringLiteral("http") }, true)
                             .value_or(QUrl());
            ProbeSettings base = m_defaults;
            base.kind = QStringLiteral("http");
            if (const auto probe = r.object(QStringLiteral("probe"), false)) {
                c.probe = probeSettings(*probe, r.at(QStringLiteral("probe")), base, true);
                if (c.probe.kind == u"tls" && c.endpoint.isValid()
                    && c.endpoint.scheme() != u"https") {
                    m_diag.add(r.at(QStringLiteral("probe")) + QStringLiteral("/kind"),
                        QStringLiteral("a tls probe needs an https endpoint; got \"%1\"")
                            .arg(c.endpoint.toString()));
                }
            } else {
                c.probe = base;
            }
            if (const auto search = r.object(QStringLiteral("search"), false))
                c.search = searchSettings(*search, r.at(QStringLiteral("search")));
            if (const auto storage = r.object(QStringLiteral("storage"), false))
                c.storage = storageSettings(*storage, r.at(QStringLiteral("storage")));
            if (const auto azure = r.object(QStringLiteral("azure"), false))
                c.azure = azureResource(*azure, r.at(QStringLiteral("azure")));
            // Probe kinds that speak a service's own protocol need its settings.
            if (c.probe.kind == u"search-index" && !c.search && !r.has(QStringLiteral("search"))) {
                m_diag.add(r.pointer(),
                    QStringLiteral("a search-index probe needs \"search\" settings "
                                   "(indexName and apiKey)"));
            }
            if (c.probe.kind == u"blob-service" && !c.storage && !r.has(QStringLiteral("storage"))) {
                m_diag.add(r.pointer(),
                    QStringLiteral("a blob-service probe needs \"storage\" settings "
                                   "(accountName and accountKey)"));
            }
            r.finish();
            out.append(c);
        }
        return out;
    }

    static QString targetNoun(const QString &kind)
    {
        if (kind == u"haproxy")
            return QStringLiteral("server name in the HAProxy backend");
        if (kind == u"traffic-manager")
            return QStringLiteral("Traffic Manager endpoint name");
        if (kind == u"front-door")
            return QStringLiteral("Front Door origin name");
        return QStringLiteral("routing target");
    }

    // A required setting, with a message that says what the routing kind needs it for.
    std::optional<QString> setting(ObjectReader &r, const QString &kind, const QString &key,
        const QString &meaning, bool required = true)
    {
        if (!r.has(key)) {
            if (required) {
                m_diag.add(r.pointer(),
                    QStringLiteral("missing required key \"%1\" (a string): "
                                   "%2 routing needs %3")
                        .arg(key, kind, meaning));
            }
            return std::nullopt;
        }
        return r.string(key, true);
    }

    std::optional<QString> guidSetting(ObjectReader &r, const QString &kind, const QString &key,
        const QString &meaning, bool required)
    {
        const auto v = setting(r, kind, key, meaning, required);
        if (v && !guidPattern().match(*v).hasMatch()) {
            m_diag.add(r.at(key),
                QStringLiteral("expected %1 as a GUID "
                               "(00000000-0000-0000-0000-000000000000); got \"%2\"")
                    .arg(meaning, *v));
            return std::nullopt;
        }
        return v;
    }

    void routingSettings(const QJsonObject &o, const QString &ptr, Routing &routing)
    {
        ObjectReader r(o, ptr, m_diag);
        const QString &kind = routing.kind;
        const auto put = [&](const QString &key, const std::optional<QString> &v) {
            if (v)
                routing.settings.insert(key, *v);
        };
        if (kind == u"haproxy") {
            if (const auto api = setting(r, kind, QStringLiteral("runtimeApi"),
                    QStringLiteral("the address of the HAProxy runtime API"))) {
                if (api->startsWith(QStringLiteral("unix:")) && api->size() > 5) {
                    put(QStringLiteral("runtimeApi"),
                        QStringLiteral("unix:") + resolvePath(api->mid(5)));
                } else {
                    const QUrl u(QStringLiteral("tcp://") + *api, QUrl::StrictMode);
                    if (!u.isValid() || u.host().isEmpty() || u.port() < 1 || !u.path().isEmpty()
                        || !u.userInfo().isEmpty() || u.hasQuery() || u.hasFragment()) {
                        m_diag.add(r.at(QStringLiteral("runtimeApi")),
                            QStringLiteral("expected \"HOST:PORT\" (a TCP runtime API) or "
                                           "\"unix:PATH\" (a stats socket); got \"%1\"")
                                .arg(*api));
                    } else {
                        put(QStringLiteral("runtimeApi"), *api);
                    }
                }
            }
            static const QRegularExpression haproxyName(QStringLiteral("^[A-Za-z0-9_.:-]+$"));
            if (const auto backend = setting(r, kind, QStringLiteral("backend"),
                    QStringLiteral("the backend whose servers are switched"))) {
                if (!haproxyName.match(*backend).hasMatch()) {
                    m_diag.add(r.at(QStringLiteral("backend")),
                        QStringLiteral("expected an HAProxy backend name (letters, digits, "
                                       "'_', '.', ':' or '-'); got \"%1\"")
                            .arg(*backend));
                } else {
                    put(QStringLiteral("backend"), backend);
                }
            }
        } else {
            put(QStringLiteral("subscriptionId"),
                guidSetting(r, kind, QStringLiteral("subscriptionId"),
                    QStringLiteral("the Azure subscription id"), true));
            static const QRegularExpression resourceGroup(
                QStringLiteral("^[-\\w._()]{0,89}[-\\w_()]$"));
            if (const auto rg = setting(r, kind, QStringLiteral("resourceGroup"),
                    QStringLiteral("the resource group of the profile"))) {
                if (!resourceGroup.match(*rg).hasMatch()) {
                    m_diag.add(r.at(QStringLiteral("resourceGroup")),
                        QStringLiteral("expected a resource group name (at most 90 letters, "
                                       "digits, '-', '_', '.', '(' or ')', not ending in "
                                       "'.'); got \"%1\"")
                            .arg(*rg));
                } else {
                    put(QStringLiteral("resourceGroup"), rg);
                }
            }
            put(QStringLiteral("profileName"),
                setting(r, kind, QStringLiteral("profileName"),
                    kind == u"front-door"
                        ? QStringLiteral("the name of the Front Door profile")
                        : QStringLiteral("the name of the Traffic Manager profile")));
            if (kind == u"front-door") {
                put(QStringLiteral("originGroup"),
                    setting(r, kind, QStringLiteral("originGroup"),
                        QStringLiteral("the origin group that holds both regions' origins")));
            } else {
                r.refuse(QStringLiteral("originGroup"),
                    QStringLiteral("originGroup is a front-door setting; traffic-manager routing "
                                   "does not use it"));
            }
            if (kind == u"traffic-manager") {
                const QString typeKey = QStringLiteral("endpointType");
                routing.settings.insert(typeKey, QStringLiteral("AzureEndpoints"));
                put(typeKey,
                    r.oneOf(typeKey,
                        { QStringLiteral("AzureEndpoints"), QStringLiteral("ExternalEndpoints"),
                            QStringLiteral("NestedEndpoints") },
                        false));
            } else {
                r.refuse(QStringLiteral("endpointType"),
                    QStringLiteral("endpointType is a traffic-manager setting; front-door "
                                   "routing does not use it"));
            }
            // What a switch changes: Traffic Manager endpoints have an endpointStatus, Front
            // Door origins an enabledState; either can also move priorities.
            put(QStringLiteral("switchBy"),
                r.oneOf(QStringLiteral("switchBy"),
                    { kind == u"front-door" ? QStringLiteral("enabledState") : QStringLiteral("endpointStatus"),
                        QStringLiteral("priority") },
                    false));
            put(QStringLiteral("tenantId"),
                guidSetting(r, kind, QStringLiteral("tenantId"),
                    QStringLiteral("the Entra ID tenant id"), false));
            put(QStringLiteral("clientId"),
                guidSetting(r, kind, QStringLiteral("clientId"),
                    QStringLiteral("the application (client) id"), false));
        }
        r.finish();
    }

    Routing routing(const QJsonObject &o, const QString &ptr, const QList<Region> &regions)
    {
        static const QStringList kinds = { QStringLiteral("haproxy"),
            QStringLiteral("traffic-manager"), QStringLiteral("front-door") };
        Routing routing;
        ObjectReader r(o, ptr, m_diag);
        routing.kind = r.oneOf(QStringLiteral("kind"), kinds, true).value_or(QString());
        routing.publicUrl = r.url(QStringLiteral("publicUrl"),
                                 { QStringLiteral("https"), QStringLiteral("http") }, true)
                                .value_or(QUrl());
        if (const auto settings = r.object(QStringLiteral("settings"), true)) {
            if (routing.kind.isEmpty())
                checkInlineSecrets(*settings, r.at(QStringLiteral("settings")));
            else
                routingSettings(*settings, r.at(QStringLiteral("settings")), routing);
        }
        if (const auto targets = r.object(QStringLiteral("targets"), true)) {
            ObjectReader tr(*targets, r.at(QStringLiteral("targets")), m_diag);
            QHash<QString, QString> regionOfTarget;
            QSet<QString> seen;
            for (const Region &region : regions) {
                // A duplicate region id is reported with the regions; one target serves both.
                if (region.id.isEmpty() || seen.contains(region.id))
                    continue;
                seen.insert(region.id);
                if (!tr.has(region.id)) {
                    m_diag.add(tr.pointer(),
                        QStringLiteral("missing the target of region \"%1\": "
                                       "expected the %2 that serves it")
                            .arg(region.id, targetNoun(routing.kind)));
                    continue;
                }
                const auto v = tr.string(region.id, true);
                if (!v)
                    continue;
                if (regionOfTarget.contains(*v)) {
                    m_diag.add(tr.at(region.id),
                        QStringLiteral("regions \"%1\" and \"%2\" have the same target "
                                       "\"%3\"; expected each region to have its own %4")
                            .arg(
                                regionOfTarget.value(*v), region.id, *v, targetNoun(routing.kind)));
                    continue;
                }
                regionOfTarget.insert(*v, region.id);
                routing.regionTargets.insert(region.id, *v);
            }
            tr.finish();
        }
        if (const auto probe = r.object(QStringLiteral("probe"), false)) {
            ObjectReader pr(*probe, r.at(QStringLiteral("probe")), m_diag);
            timing(pr, routing.probe.intervalMs, routing.probe.timeoutMs);
            pr.finish();
        }
        if (r.has(QStringLiteral("credential"))) {
            const QString at = r.at(QStringLiteral("credential"));
            routing.credential = secretRef(r.raw(QStringLiteral("credential")), at);
            if (routing.credential && routing.kind == u"haproxy") {
                m_diag.add(at,
                    QStringLiteral("haproxy routing takes no credential (its runtime "
                                   "API has no authentication); remove it"));
            } else if (routing.credential && !routing.kind.isEmpty()
                && (!routing.settings.contains(QStringLiteral("tenantId"))
                    || !routing.settings.contains(QStringLiteral("clientId")))) {
                m_diag.add(at,
                    QStringLiteral("a credential needs settings.tenantId and "
                                   "settings.clientId (the Entra ID application whose "
                                   "client secret it is)"));
            }
        }
        r.finish();
        return routing;
    }

    // "host:port", "host" or "https://host[:port][/]"; nothing else names a TLS endpoint.
    std::optional<std::pair<QString, int>> tlsEndpoint(ObjectReader &r, const QString &text)
    {
        const QUrl u = text.contains(QStringLiteral("://"))
            ? QUrl(text, QUrl::StrictMode)
            : QUrl(QStringLiteral("https://") + text, QUrl::StrictMode);
        if (u.isValid() && !u.userInfo().isEmpty()) {
            m_diag.add(r.at(QStringLiteral("endpoint")),
                QStringLiteral("a certificate endpoint must not carry a user name or "
                               "password: ")
                    + inlineSecretMessage());
            return std::nullopt;
        }
        if (!u.isValid() || u.host().isEmpty() || u.scheme() != u"https" || u.port() == 0
            || !u.path(QUrl::FullyEncoded).remove(u'/').isEmpty() || u.hasQuery()
            || u.hasFragment()) {
            m_diag.add(r.at(QStringLiteral("endpoint")),
                QStringLiteral("expected \"host:port\" or \"https://host[:port]\"; got \"%1\"")
                    .arg(text));
            return std::nullopt;
        }
        return std::pair(u.host(), u.port(443));
    }

    QList<CertificateEndpoint> certificates(
        const QJsonArray &list, const QString &ptr, const QList<Region> &regions)
    {
        QList<CertificateEndpoint> out;
        QHash<QString, qsizetype> ids;
        for (qsizetype i = 0; i < list.size(); ++i) {
            const QString at = ptr + u'/' + QString::number(i);
            if (!list.at(i).isObject()) {
                m_diag.add(at,
                    QStringLiteral("expected a certificate endpoint object; got %1")
                        .arg(typeName(list.at(i))));
                continue;
            }
            ObjectReader r(list.at(i).toObject(), at, m_diag);
            CertificateEndpoint c;
            c.id = r.identifier(QStringLiteral("id")).value_or(QString());
            if (!c.id.isEmpty()) {
                if (ids.contains(c.id)) {
                    m_diag.add(r.at(QStringLiteral("id")),
                        QStringLiteral("duplicate certificate id \"%1\" (also used by "
                                       "%2/%3); expected each certificate endpoint to "
                                       "have its own id")
                            .arg(c.id, ptr)
                            .arg(ids.value(c.id)));
                } else {
                    ids.insert(c.id, i);
                }
            }
            if (const auto endpoint = r.string(QStringLiteral("endpoint"), true)) {
                if (const auto hostPort = tlsEndpoint(r, *endpoint)) {
                    c.host = hostPort->first;
                    c.port = hostPort->second;
                }
            }
            if (r.has(QStringLiteral("region")) && !r.raw(QStringLiteral("region")).isNull()) {
                if (const auto region = r.string(QStringLiteral("region"), true)) {
                    QStringList known;
                    for (const Region &reg : regions)
                        known.append(reg.id);
                    if (!known.contains(*region)) {
                        m_diag.add(r.at(QStringLiteral("region")),
                            QStringLiteral("unknown region \"%1\"; expected one of: %2 (or "
                                           "null for a global endpoint)")
                                .arg(*region, known.join(QStringLiteral(", "))));
                    } else {
                        c.regionId = *region;
                    }
                }
            }
            c.serverName = r.string(QStringLiteral("serverName"), false).value_or(c.host);
            if (const auto ca = r.string(QStringLiteral("caCertificate"), false))
                c.caCertificate = resolvePath(*ca);
            c.intervalMs = r.seconds(QStringLiteral("intervalSeconds"), 10, 7 * 86400)
                               .value_or(c.intervalMs);
            c.timeoutMs
                = r.seconds(QStringLiteral("timeoutSeconds"), 0.1, 300).value_or(c.timeoutMs);
            if (c.timeoutMs > c.intervalMs) {
                m_diag.add(r.at(QStringLiteral("timeoutSeconds")),
                    QStringLiteral("expected timeoutSeconds (%1) to be at most "
                                   "intervalSeconds (%2)")
                        .arg(c.timeoutMs / 1000.0)
                        .arg(c.intervalMs / 1000.0));
            }
            r.finish();
            out.append(c);
        }
        return out;
    }

    QDir m_baseDir;
    Diagnostics &m_diag;
    ProbeSettings m_defaults;
};

std::unexpected<ProfileIssues> single(
    const QString &pointer, TextPosition pos, const QString &message)
{
    return std::unexpected(
        ProfileIssues { ProfileIssue { pointer, pos.line, pos.column, message } });
}

} // namespace

QString ProfileIssue::format(const QString &filePath) const
{
    QString where = filePath.isEmpty() ? QStringLiteral("<profile>") : filePath;
    if (line > 0)
        where += QStringLiteral(":%1:%2").arg(line).arg(column);
    return QStringLiteral("%1: %2: %3")
        .arg(where, pointer.isEmpty() ? QStringLiteral("/") : pointer, message);
}

QString ProfileLoader::formatIssues(const ProfileIssues &issues, const QString &filePath)
{
    QStringList lines;
    for (const ProfileIssue &issue : issues)
        lines.append(issue.format(filePath));
    return lines.join(u'\n');
}

std::expected<Profile, ProfileIssues> ProfileLoader::loadFile(const QString &path)
{
    QFile file(path);
    const QFileInfo info(path);
    if (!info.exists()) {
        return single(QString(), {},
            QStringLiteral("the profile file does not exist (looked for %1)")
                .arg(info.absoluteFilePath()));
    }
    if (info.isDir())
        return single(QString(), {}, QStringLiteral("expected a profile file; this is a folder"));
    if (file.size() > kMaxFileBytes) {
        return single(QString(), {},
            QStringLiteral("the profile is %1 bytes; a profile may be at most %2 bytes")
                .arg(file.size())
                .arg(kMaxFileBytes));
    }
    if (!file.open(QIODevice::ReadOnly))
        return single(
            QString(), {}, QStringLiteral("cannot read the profile: %1").arg(file.errorString()));
    // Read one byte past the limit: a file that grew since size() was asked is still caught.
    const QByteArray data = file.read(kMaxFileBytes + 1);
    return loadData(data, info.absoluteFilePath());
}

std::expected<Profile, ProfileIssues> ProfileLoader::loadData(
    const QByteArray &data, const QString &path)
{
    if (data.size() > kMaxFileBytes) {
        return single(QString(), {},
            QStringLiteral("the profile is %1 bytes; a profile may be at most %2 bytes")
                .arg(data.size())
                .arg(kMaxFileBytes));
    }
    if (data.trimmed().isEmpty() || data.trimmed() == QByteArrayLiteral("\xEF\xBB\xBF")) {
        return single(QString(), { 1, 1 },
            QStringLiteral("the profile is empty; expected a JSON object with "
                           "\"schemaVersion\": %1")
                .arg(Profile::kSchemaVersion));
    }
    const JsonLocator locator(data);
    // Whatever else is wrong, a profile that is not an object is the first thing to say.
    const QByteArray text = data.startsWith(QByteArrayLiteral("\xEF\xBB\xBF"))
        ? data.mid(3).trimmed()
        : data.trimmed();
    if (!text.startsWith('{')) {
        QString got = QStringLiteral("an array");
        if (!text.startsWith('[')) {
            const qsizetype newline = text.indexOf('\n');
            const QByteArray firstLine
                = (newline < 0 ? text : text.left(newline)).left(24).trimmed();
            got = QStringLiteral("\"%1\"").arg(QString::fromUtf8(firstLine));
        }
        return single(QString(), locator.position(QString()),
            QStringLiteral("expected a JSON object at the top level (a profile starts "
                           "with '{'); got %1")
                .arg(got));
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(data, &error);
    if (error.error != QJsonParseError::NoError) {
        // The locator says where and what was expected; QJsonParseError's offset often lies
        // past the mistake. Qt decides whether the text is JSON, so its verdict is the fallback.
        if (const auto &syntax = locator.syntaxError())
            return single(syntax->pointer, syntax->position,
                QStringLiteral("not valid JSON: ") + syntax->message);
        return single(QString(), locator.positionAt(error.offset),
            QStringLiteral("not valid JSON: %1").arg(error.errorString()));
    }
    Diagnostics diag(&locator);
    ProfileParser parser(path, diag);
    Profile profile;
    if (parser.parse(doc.object(), profile)) {
        for (const JsonDuplicateKey &dup : locator.duplicateKeys()) {
            diag.add(dup.pointer,
                QStringLiteral("duplicate key: this value replaces the one at "
                               "line %1, column %2; expected each key once per object")
                    .arg(dup.first.line)
                    .arg(dup.first.column));
        }
    }
    if (!diag.empty())
        return std::unexpected(diag.issues());
    profile.filePath = path;
    return profile;
}

} // namespace dr
