#pragma once

// The model of one deployment: two regions, their components, the global routing and the
// objectives they are held to. A Profile is plain data, produced by ProfileLoader from a
// versioned JSON file (schemaVersion 1) and never modified by the engines that read it.
// docs/PROFILE.md is the reference of every field.

#include "secretref.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace dr {

enum class Environment { Production, Staging, Lab };
enum class RegionRole { Primary, Secondary };

QString toString(Environment environment);
QString toString(RegionRole role);

struct Objectives
{
    int rpoSeconds = 900;
    int rtoSeconds = 3600;
    int certificateWarningDays = 30;
    int certificateCriticalDays = 7;
    int indexLagDocuments = 100;
    int indexLagSeconds = 900;
    int latencyDegradedMs = 1500;
};

// An inclusive range of HTTP status codes, as "200-299" or "204" in the profile.
struct StatusRange
{
    int low = 200;
    int high = 399;
    bool contains(int status) const { return status >= low && status <= high; }
};

struct HeaderValue
{
    QString value;                  // a plain value, for non-sensitive headers
    std::optional<SecretRef> secret; // a sensitive header's value comes from here
};

struct ProbeSettings
{
    QString kind;                   // registered probe kind: "http", "tls", ...
    int intervalMs = 15000;
    int timeoutMs = 5000;
    int failuresBeforeDown = 3;
    int successesBeforeUp = 2;
    QList<StatusRange> expectStatus = {StatusRange{200, 299}};
    QString bodyContains;           // empty: not checked
    QString jsonField;              // dotted path into a JSON body; empty: not checked
    QString jsonEquals;             // expected value of jsonField (as text); empty: present
    qint64 maxResponseBytes = 1024 * 1024;
    QString caCertificate;          // extra CA (PEM file) trusted for this probe
    QString serverName;             // SNI / name checked on the certificate; default: URL host
    QMap<QString, HeaderValue> headers;
};

// How to reach an Azure AI Search index (or the lab's): the component's endpoint is the
// service URL (https://NAME.search.windows.net).
struct SearchSettings
{
    QString indexName;
    QString apiVersion = QStringLiteral("2024-07-01");
    SecretRef apiKey;                 // a query key is enough for probes
    std::optional<SecretRef> adminKey; // needed to write (index sync)
    // "key" (api-key header, the keys above) or "entra" (a bearer token for the profile's
    // azure.searchScope, the app needing "Search Index Data Reader/Contributor"; no keys).
    QString auth = QStringLiteral("key");
    bool entra() const { return auth == u"entra"; }
};

// How to reach a storage account: the component's endpoint is its primary blob endpoint
// (https://ACCOUNT.blob.core.windows.net, or a path-style emulator URL ending in /ACCOUNT).
struct StorageSettings
{
    QString accountName;
    SecretRef accountKey;   // with auth "key"
    QUrl secondaryEndpoint; // the read-access secondary (RA-GRS); empty when there is none
    // "key" (Shared Key, accountKey) or "entra" (a bearer token for azure.storageScope, the
    // app needing "Storage Blob Data Contributor"; no key).
    QString auth = QStringLiteral("key");
    bool entra() const { return auth == u"entra"; }
};

// The Azure resource behind a component (docs/PROFILE.md, "azure" in a component), read through
// ARM by the probe kinds storage-account, cosmos-db, app-service and key-vault and by the
// optional runbook steps (storage account failover, Cosmos DB failover priority).
struct AzureResource
{
    QString resourceId; // /subscriptions/SUB/resourceGroups/RG/providers/PROVIDER/TYPE/NAME
    QString apiVersion; // empty: the provider's pinned version
};

struct Component
{
    QString id;
    QString kind; // bot-api, knowledge-base, search-index, storage, cosmosdb, key-vault, ...
    QString displayName;
    QUrl endpoint;
    ProbeSettings probe;
    std::optional<SearchSettings> search;
    std::optional<StorageSettings> storage;
    std::optional<AzureResource> azure;
};

struct Region
{
    QString id;
    QString displayName;
    RegionRole role = RegionRole::Primary;
    QString location; // e.g. "westeurope"; informational
    QList<Component> components;

    const Component *component(const QString &componentId) const;
};

// Which region the global routing sends traffic to (HAProxy's runtime API).
struct RoutingProbeSettings
{
    int intervalMs = 5000;
    int timeoutMs = 3000;
};

struct Routing
{
    QString kind; // haproxy, traffic-manager, front-door
    QUrl publicUrl;
    QMap<QString, QString> settings;          // kind-specific, validated by the loader
    QMap<QString, QString> regionTargets;     // region id -> server / endpoint / origin name
    std::optional<SecretRef> credential;      // e.g. an Entra ID client secret
    RoutingProbeSettings probe;
};

struct CertificateEndpoint
{
    QString id;
    QString regionId; // empty: global
    QString host;
    int port = 443;
    QString serverName; // SNI; default host
    QString caCertificate;
    int intervalMs = 3600 * 1000;
    int timeoutMs = 10000;
};

// The index sync lag between the primary's and the secondary's search index component.
struct IndexSyncSettings
{
    QString componentId = QStringLiteral("search-index"); // in both regions, with "search"
    QString keyField = QStringLiteral("id");
    QString watermarkField = QStringLiteral("lastUpdated"); // Edm.DateTimeOffset, sortable
    int intervalMs = 30000;
    int timeoutMs = 10000;
};

// Geo-replication of the primary region's storage account (its "storage" settings need a
// secondaryEndpoint), with an optional canary blob for the lag as users would see it.
struct StorageReplicationSettings
{
    QString componentId = QStringLiteral("storage");
    int intervalMs = 30000;
    int timeoutMs = 30000;
    bool canary = true;
    QString canaryContainer = QStringLiteral("drconsole-canary");
    int canaryTimeoutMs = 20000;
};

// A chat sent through the global endpoint, as a user would: which region answers, and how.
struct SyntheticChatSettings
{
    QString path = QStringLiteral("/api/messages");
    QString text;
    QString expectContains;
    int intervalMs = 15000;
    int timeoutMs = 10000;
};

// Where notifications go besides the console itself: desktop notifications (the tray) and an
// optional incoming webhook (Teams/Slack), whose URL is a secret.
struct WebhookSettings
{
    SecretRef url;
    int timeoutMs = 10000;
};

struct NotificationSettings
{
    bool desktop = true;
    std::optional<WebhookSettings> webhook;
};

// Microsoft Entra ID and Azure Resource Manager for every Azure provider (docs/PROFILE.md,
// "azure"): the app registration DR Console acts as (client credentials, its secret in the
// keychain), the clouds' endpoints and scopes (sovereign clouds change them), and optionally
// operators signing in with Entra ID, their roles mapped from a token claim.
struct EntraSignInSettings
{
    bool enabled = false;
    QString tenantId;  // default: azure.tenantId
    QString clientId;  // a public client (device code flow); default: azure.clientId
    QString claim = QStringLiteral("roles"); // "roles" (app roles) or "groups" (group ids)
    QMap<QString, QString> roles;            // claim value -> viewer|operator|approver|admin
};

struct AzureSettings
{
    QUrl authority = QUrl(QStringLiteral("https://login.microsoftonline.com"));
    QString tenantId;
    QString clientId;
    std::optional<SecretRef> clientSecret; // absent: no app credential (probes by keys only)
    QUrl armEndpoint = QUrl(QStringLiteral("https://management.azure.com"));
    QString armScope = QStringLiteral("https://management.azure.com/.default");
    QString storageScope = QStringLiteral("https://storage.azure.com/.default");
    QString searchScope = QStringLiteral("https://search.azure.com/.default");
    EntraSignInSettings signIn;
};

// Who may act on this deployment, and how a run is recorded: the operator directory (a file
// beside the profile, shared by every workstation that opens it) and the audit trail's HMAC key
// (the OS keychain by default; a 0600 key file for headless automation).
struct AuditSettings
{
    std::optional<SecretRef> key; // empty: the keychain entry "audit-key/PROFILE-NAME"
};

// How failovers, failbacks and drills run (docs/PROFILE.md, "runbook").
struct RunbookSettings
{
    int verifyCount = 3;              // synthetic chats in a row answered by the target
    int verifyTimeoutMs = 60000;      // how long the verify step may try
    int cooldownMs = 300 * 1000;      // no new switch this soon after one, unless break-glass
    QString lockContainer = QStringLiteral("drconsole-lock");
    int lockLeaseMs = 30 * 1000;      // 15-60 s (a blob lease), renewed at a third
    int drillHoldMs = 60 * 1000;      // a drill stays failed over this long
    int stepTimeoutMs = 120 * 1000;   // default per step
    int syncTimeoutMs = 1800 * 1000;  // the index sync steps
    int syncConcurrency = 4;          // index batches in flight
    // Optional Azure steps (docs/PROFILE.md, "runbook"): fail the storage account over after
    // the switch ("none", "planned", or "unplanned" — which leaves the account locally
    // redundant until geo-redundancy is configured again), and change the Cosmos DB account's
    // failover priorities so the target region writes. The components are named by id and
    // need an "azure" resource.
    QString storageAccountFailover = QStringLiteral("none");
    QString storageAccountComponent = QStringLiteral("storage");
    bool cosmosFailover = false;
    QString cosmosComponent = QStringLiteral("cosmosdb");
};

// How often the deployment must be drilled (docs/PROFILE.md, "drills"): a named schedule
// counted in calendar months, or a number of days. No section: no schedule, nothing is overdue.
struct DrillSettings
{
    QString schedule;   // monthly, quarterly, semiannually, annually; empty with intervalDays
    int intervalMonths = 0; // from the named schedule (1, 3, 6, 12); 0 with intervalDays
    int intervalDays = 0;   // from "intervalDays", else the schedule's length in days (approximate)
    bool enabled() const { return intervalMonths > 0 || intervalDays > 0; }
};

struct Profile
{
    static constexpr int kSchemaVersion = 1;

    QString filePath;  // where it was loaded from
    QString name;
    Environment environment = Environment::Lab;
    QString description;
    Objectives objectives;
    QList<Region> regions; // exactly two: one primary, one secondary
    Routing routing;
    QList<CertificateEndpoint> certificates;
    QStringList caCertificates; // extra trusted CAs (absolute paths)
    std::optional<IndexSyncSettings> indexSync;
    std::optional<StorageReplicationSettings> storageReplication;
    std::optional<SyntheticChatSettings> syntheticChat;
    NotificationSettings notifications; // defaults when the section is absent
    QString operatorsFile;               // absolute; default operators.json beside the profile
    AuditSettings audit;
    RunbookSettings runbook;
    DrillSettings drills;                // no "drills" section: no schedule
    std::optional<AzureSettings> azure;  // needed by traffic-manager/front-door routing,
                                         // Azure probe kinds and "entra" data-plane auth

    const Region *region(const QString &regionId) const;
    const Region *primary() const;
    const Region *secondary() const;
};

} // namespace dr
