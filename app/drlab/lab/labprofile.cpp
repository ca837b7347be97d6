#include "labprofile.h"

#include "armstandin.h"
#include "haproxyconfig.h"

#include <QJsonArray>

namespace drlab {

namespace {

QJsonObject regionJson(const LabState &state, const QString &id, bool primary)
{
    const QString service = QStringLiteral("https://localhost:%1").arg(state.port(QStringLiteral("service-") + id));
    const QString blob = QStringLiteral("https://localhost:%1/%2").arg(state.port(QStringLiteral("blob-") + id)).arg(QLatin1String(kAccountName));
    QJsonObject storage{{QStringLiteral("accountName"), QLatin1String(kAccountName)},
                        {QStringLiteral("accountKey"), QJsonObject{{QStringLiteral("file"), QStringLiteral("secrets/storage-account-key")}}}};
    if (primary) {
        // The account's read-access secondary: the lab's front over the other region's replica.
        storage.insert(QStringLiteral("secondaryEndpoint"),
                       QStringLiteral("https://localhost:%1/%2").arg(state.port(QStringLiteral("front"))).arg(QLatin1String(kAccountName)));
    }
    const QJsonObject okStatus{{QStringLiteral("jsonField"), QStringLiteral("status")}, {QStringLiteral("jsonEquals"), QStringLiteral("ok")}};
    return {{QStringLiteral("id"), id},
            {QStringLiteral("displayName"), primary ? QStringLiteral("Lab West") : QStringLiteral("Lab North")},
            {QStringLiteral("role"), primary ? QStringLiteral("primary") : QStringLiteral("secondary")},
            {QStringLiteral("location"), QStringLiteral("loopback")},
            {QStringLiteral("components"),
             QJsonArray{
                 QJsonObject{{QStringLiteral("id"), QStringLiteral("bot-api")},
                             {QStringLiteral("kind"), QStringLiteral("bot-api")},
                             {QStringLiteral("displayName"), QStringLiteral("Bot API")},
                             {QStringLiteral("endpoint"), QString(service + QStringLiteral("/healthz"))},
                             {QStringLiteral("probe"), okStatus}},
                 QJsonObject{{QStringLiteral("id"), QStringLiteral("knowledge-base")},
                             {QStringLiteral("kind"), QStringLiteral("knowledge-base")},
                             {QStringLiteral("displayName"), QStringLiteral("Knowledge base (QnA)")},
                             {QStringLiteral("endpoint"), QString(service + QStringLiteral("/kb/healthz"))},
                             {QStringLiteral("probe"), okStatus}},
                 QJsonObject{{QStringLiteral("id"), QStringLiteral("search-index")},
                             {QStringLiteral("kind"), QStringLiteral("search-index")},
                             {QStringLiteral("displayName"), QStringLiteral("Search index")},
                             {QStringLiteral("endpoint"), QString(service + u'/')},
                             {QStringLiteral("search"),
                              QJsonObject{{QStringLiteral("indexName"), QLatin1String(kIndexName)},
                                          {QStringLiteral("apiKey"), QJsonObject{{QStringLiteral("file"), QStringLiteral("secrets/search-%1-query").arg(id)}}},
                                          {QStringLiteral("adminKey"), QJsonObject{{QStringLiteral("file"), QStringLiteral("secrets/search-%1-admin").arg(id)}}}}},
                             {QStringLiteral("probe"), QJsonObject{{QStringLiteral("kind"), QStringLiteral("search-index")}}}},
                 QJsonObject{{QStringLiteral("id"), QStringLiteral("storage")},
                             {QStringLiteral("kind"), QStringLiteral("storage")},
                             {QStringLiteral("displayName"), QStringLiteral("Storage account")},
                             {QStringLiteral("endpoint"), blob},
                             {QStringLiteral("storage"), storage},
                             {QStringLiteral("probe"), QJsonObject{{QStringLiteral("kind"), QStringLiteral("blob-service")}}}},
             }}};
}

// The global routing as the profile's "routing": HAProxy's runtime API, or the Traffic
// Manager profile the lab's ARM stand-in serves (which drives the same HAProxy).
QJsonObject routingJson(const LabState &state)
{
    const quint16 global = state.port(QStringLiteral("global"));
    QJsonObject settings;
    if (state.trafficManager()) {
        settings = {{QStringLiteral("subscriptionId"), QLatin1String(kTmSubscriptionId)},
                    {QStringLiteral("resourceGroup"), QLatin1String(kTmResourceGroup)},
                    {QStringLiteral("profileName"), QLatin1String(kTmProfileName)},
                    {QStringLiteral("endpointType"), QLatin1String(kTmEndpointType)}};
    } else {
        settings = {{QStringLiteral("runtimeApi"), QStringLiteral("127.0.0.1:%1").arg(state.port(QStringLiteral("runtime-api")))},
                    {QStringLiteral("backend"), QLatin1String(kBackend)}};
    }
    return {{QStringLiteral("kind"), state.trafficManager() ? QStringLiteral("traffic-manager") : QStringLiteral("haproxy")},
            {QStringLiteral("publicUrl"), QStringLiteral("https://localhost:%1/").arg(global)},
            {QStringLiteral("settings"), settings},
            {QStringLiteral("targets"), QJsonObject{{QStringLiteral("west"), QStringLiteral("west")},
                                                    {QStringLiteral("north"), QStringLiteral("north")}}},
            {QStringLiteral("probe"), QJsonObject{{QStringLiteral("intervalSeconds"), 2},
                                                  {QStringLiteral("timeoutSeconds"), 2}}}};
}

// Entra ID and ARM: both are the lab's stand-in, on one port, trusted through the lab CA.
QJsonObject azureJson(const LabState &state)
{
    const QString standIn = QStringLiteral("https://localhost:%1").arg(state.port(QStringLiteral("arm")));
    return {{QStringLiteral("authority"), standIn},
            {QStringLiteral("tenantId"), state.tenantId},
            {QStringLiteral("clientId"), state.clientId},
            {QStringLiteral("clientSecret"), QJsonObject{{QStringLiteral("file"), QStringLiteral("secrets/entra-client-secret")}}},
            {QStringLiteral("armEndpoint"), standIn},
            {QStringLiteral("armScope"), QLatin1String(kArmScope)}};
}

} // namespace

namespace {

QJsonObject labProfileBase(const LabState &state)
{
    const quint16 global = state.port(QStringLiteral("global"));
    return {
        {QStringLiteral("schemaVersion"), 1},
        {QStringLiteral("name"), QStringLiteral("drlab")},
        {QStringLiteral("environment"), QStringLiteral("lab")},
        {QStringLiteral("description"), QStringLiteral("The local two-region lab in %1, written by drlab up.").arg(state.dir)},
        {QStringLiteral("objectives"), QJsonObject{{QStringLiteral("rpoSeconds"), 60},
                                                   {QStringLiteral("rtoSeconds"), 120},
                                                   {QStringLiteral("certificateWarningDays"), 30},
                                                   {QStringLiteral("certificateCriticalDays"), 7},
                                                   {QStringLiteral("indexLagDocuments"), 0},
                                                   {QStringLiteral("indexLagSeconds"), 60},
                                                   {QStringLiteral("latencyDegradedMs"), 1000}}},
        {QStringLiteral("tls"), QJsonObject{{QStringLiteral("caCertificates"), QJsonArray{QStringLiteral("ca/ca.pem")}}}},
        {QStringLiteral("probeDefaults"), QJsonObject{{QStringLiteral("intervalSeconds"), 5},
                                                      {QStringLiteral("timeoutSeconds"), 3},
                                                      {QStringLiteral("failuresBeforeDown"), 2},
                                                      {QStringLiteral("successesBeforeUp"), 2}}},
        {QStringLiteral("regions"), QJsonArray{regionJson(state, QStringLiteral("west"), true),
                                               regionJson(state, QStringLiteral("north"), false)}},
        {QStringLiteral("routing"), routingJson(state)},
        {QStringLiteral("certificates"),
         QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("global")},
                                {QStringLiteral("endpoint"), QStringLiteral("localhost:%1").arg(global)},
                                {QStringLiteral("intervalSeconds"), 30}},
                    QJsonObject{{QStringLiteral("id"), QStringLiteral("west")},
                                {QStringLiteral("endpoint"), QStringLiteral("localhost:%1").arg(state.port(QStringLiteral("service-west")))},
                                {QStringLiteral("region"), QStringLiteral("west")},
                                {QStringLiteral("intervalSeconds"), 30}},
                    QJsonObject{{QStringLiteral("id"), QStringLiteral("north")},
                                {QStringLiteral("endpoint"), QStringLiteral("localhost:%1").arg(state.port(QStringLiteral("service-north")))},
                                {QStringLiteral("region"), QStringLiteral("north")},
                                {QStringLiteral("intervalSeconds"), 30}}}},
        {QStringLiteral("indexSync"), QJsonObject{{QStringLiteral("intervalSeconds"), 10}, {QStringLiteral("timeoutSeconds"), 5}}},
        {QStringLiteral("storageReplication"), QJsonObject{{QStringLiteral("intervalSeconds"), 10},
                                                           {QStringLiteral("timeoutSeconds"), 10},
                                                           {QStringLiteral("canaryTimeoutSeconds"), 8}}},
        {QStringLiteral("syntheticChat"), QJsonObject{{QStringLiteral("text"), QStringLiteral("How do I reset my password?")},
                                                      {QStringLiteral("expectContains"), QStringLiteral("password")},
                                                      {QStringLiteral("intervalSeconds"), 5},
                                                      {QStringLiteral("timeoutSeconds"), 5}}},
        // Written by `drlab up` beside the profile: lab-admin, lab-operator, lab-approver, lab-viewer.
        {QStringLiteral("operators"), QStringLiteral("operators.json")},
        // A key file rather than the keychain: the lab runs headless in CI too.
        {QStringLiteral("audit"), QJsonObject{{QStringLiteral("key"), QJsonObject{{QStringLiteral("file"), QStringLiteral("secrets/audit-key")}}}}},
        // Short waits: a drill on the lab should take seconds, not the minutes production needs.
        {QStringLiteral("runbook"), QJsonObject{{QStringLiteral("verifyCount"), 3},
                                                {QStringLiteral("verifyTimeoutSeconds"), 30},
                                                {QStringLiteral("cooldownSeconds"), 5},
                                                {QStringLiteral("lockLeaseSeconds"), 15},
                                                {QStringLiteral("drillHoldSeconds"), 5},
                                                {QStringLiteral("stepTimeoutSeconds"), 60},
                                                {QStringLiteral("syncTimeoutSeconds"), 600}}},
        // A schedule, so the console and drctl status show when the next drill is due.
        {QStringLiteral("drills"), QJsonObject{{QStringLiteral("schedule"), QStringLiteral("quarterly")}}},
    };
}

} // namespace

QJsonObject labProfile(const LabState &state)
{
    QJsonObject profile = labProfileBase(state);
    if (state.trafficManager())
        profile.insert(QStringLiteral("azure"), azureJson(state));
    return profile;
}

} // namespace drlab
