#include "statusmonitor.h"

#include "azure/armclient.h"
#include "azure/entra.h"
#include "logging/logging.h"
#include "probes/tlsprobe.h"

#include <QJsonArray>

namespace dr {

StatusMonitor::StatusMonitor(const Profile &profile, Clock *clock, Mode mode, QObject *parent)
    : QObject(parent)
    , m_profile(profile)
    , m_clock(clock)
    , m_mode(mode)
    , m_engine(new ProbeEngine(clock, this))
    , m_secrets(new SecretStore(this))
{
    ProbeEngine::Options options = m_engine->options();
    options.latencyDegradedMs = profile.objectives.latencyDegradedMs;
    m_engine->setOptions(options);
    QList<QSslCertificate> cas;
    for (const QString &path : profile.caCertificates) {
        const auto loaded = TlsProbe::loadCaFile(path);
        if (loaded.isEmpty())
            log::get("profile")->warn("no PEM certificate could be read from {}", path.toStdString());
        cas += loaded;
    }
    m_engine->setExtraCaCertificates(cas);
    // Azure's control plane and the "entra" data-plane auth speak as the profile's app: one
    // token source and one ARM client for every probe, so tokens are shared and cached.
    if (profile.azure && profile.azure->clientSecret) {
        const AzureSettings &azure = *profile.azure;
        auto *tokens = new EntraTokenSource(
            m_engine->network(), m_secrets, entraSettings(azure, cas), this);
        tokens->setClock(clock);
        auto *arm = new ArmClient(m_engine->network(), tokens, azure.armEndpoint, azure.armScope, this);
        arm->setCaCertificates(cas);
        arm->setClock(clock);
        m_engine->setAzure(tokens, arm, azure.storageScope, azure.searchScope);
    }
    connect(m_engine, &ProbeEngine::cycleFinished, this, &StatusMonitor::sampled);
    connect(m_engine, &ProbeEngine::resultRecorded, this, &StatusMonitor::changed);
}

QString StatusMonitor::componentTargetId(const QString &regionId, const QString &componentId)
{
    return regionId + u'/' + componentId;
}

QString StatusMonitor::certificateTargetId(const QString &certificateId)
{
    return QStringLiteral("cert/") + certificateId;
}

QList<ProbeTarget> StatusMonitor::globalTargets() const
{
    QList<ProbeTarget> targets;
    const auto make = [this](const QString &id, const QString &kind, int intervalMs, int timeoutMs) {
        ProbeTarget t;
        t.id = id;
        t.componentId = id;
        t.settings.kind = kind;
        t.settings.intervalMs = intervalMs;
        t.settings.timeoutMs = timeoutMs;
        t.settings.failuresBeforeDown = m_mode == Mode::OneShot ? 1 : 2;
        t.settings.successesBeforeUp = 1;
        return t;
    };
    const Region *primary = m_profile.primary();
    const Region *secondary = m_profile.secondary();
    if (m_profile.routing.kind == u"haproxy") {
        ProbeTarget t = make(QString::fromLatin1(kRoutingTarget), QStringLiteral("routing"), m_profile.routing.probe.intervalMs,
                             m_profile.routing.probe.timeoutMs);
        t.options.insert(QStringLiteral("runtimeApi"), m_profile.routing.settings.value(QStringLiteral("runtimeApi")));
        t.options.insert(QStringLiteral("backend"), m_profile.routing.settings.value(QStringLiteral("backend")));
        QJsonObject servers;
        for (auto it = m_profile.routing.regionTargets.begin(); it != m_profile.routing.regionTargets.end(); ++it)
            servers.insert(it.key(), it.value());
        t.options.insert(QStringLiteral("targets"), servers);
        targets.append(t);
    } else if ((m_profile.routing.kind == u"traffic-manager" || m_profile.routing.kind == u"front-door")
               && m_profile.azure && m_profile.azure->clientSecret) {
        // Read through ARM (ProbeContext::arm) by the routing probe: the settings the loader
        // checked, as they are. Without the app's credentials nothing can read it: the routing
        // stays unknown, as it was before the Azure providers.
        ProbeTarget t = make(QString::fromLatin1(kRoutingTarget), QStringLiteral("routing"), m_profile.routing.probe.intervalMs,
                             m_profile.routing.probe.timeoutMs);
        t.options.insert(QStringLiteral("kind"), m_profile.routing.kind);
        for (auto it = m_profile.routing.settings.begin(); it != m_profile.routing.settings.end(); ++it)
            t.options.insert(it.key(), it.value());
        QJsonObject endpoints;
        for (auto it = m_profile.routing.regionTargets.begin(); it != m_profile.routing.regionTargets.end(); ++it)
            endpoints.insert(it.key(), it.value());
        t.options.insert(QStringLiteral("targets"), endpoints);
        targets.append(t);
    }
    if (m_profile.indexSync && primary && secondary) {
        const IndexSyncSettings &sync = *m_profile.indexSync;
        const Component *source = primary->component(sync.componentId);
        const Component *target = secondary->component(sync.componentId);
        if (source && target && source->search && target->search) {
            ProbeTarget t = make(QString::fromLatin1(kIndexSyncTarget), QStringLiteral("index-sync"), sync.intervalMs, sync.timeoutMs);
            const auto side = [](const Region &region, const Component &c) {
                return QJsonObject{{QStringLiteral("url"), c.endpoint.toString()},
                                   {QStringLiteral("indexName"), c.search->indexName},
                                   {QStringLiteral("apiVersion"), c.search->apiVersion},
                                   {QStringLiteral("auth"), c.search->auth},
                                   {QStringLiteral("region"), region.id}};
            };
            t.options.insert(QStringLiteral("source"), side(*primary, *source));
            t.options.insert(QStringLiteral("target"), side(*secondary, *target));
            t.options.insert(QStringLiteral("keyField"), sync.keyField);
            t.options.insert(QStringLiteral("watermarkField"), sync.watermarkField);
            t.options.insert(QStringLiteral("lagDocuments"), m_profile.objectives.indexLagDocuments);
            t.options.insert(QStringLiteral("lagSeconds"), m_profile.objectives.indexLagSeconds);
            if (!source->search->entra())
                t.secretRefs.insert(QStringLiteral("source.apiKey"), source->search->apiKey);
            if (!target->search->entra())
                t.secretRefs.insert(QStringLiteral("target.apiKey"), target->search->apiKey);
            targets.append(t);
        }
    }
    if (m_profile.storageReplication && primary) {
        const StorageReplicationSettings &rep = *m_profile.storageReplication;
        const Component *storage = primary->component(rep.componentId);
        if (storage && storage->storage && (!storage->storage->secondaryEndpoint.isEmpty() || storage->azure)) {
            ProbeTarget t = make(QString::fromLatin1(kReplicationTarget), QStringLiteral("storage-replication"), rep.intervalMs, rep.timeoutMs);
            t.endpoint = storage->endpoint;
            t.regionId = primary->id;
            t.options.insert(QStringLiteral("accountName"), storage->storage->accountName);
            t.options.insert(QStringLiteral("secondaryEndpoint"), storage->storage->secondaryEndpoint.toString());
            t.options.insert(QStringLiteral("rpoSeconds"), m_profile.objectives.rpoSeconds);
            t.options.insert(QStringLiteral("canary"), rep.canary);
            t.options.insert(QStringLiteral("canaryContainer"), rep.canaryContainer);
            t.options.insert(QStringLiteral("canaryTimeoutMs"), rep.canaryTimeoutMs);
            t.options.insert(QStringLiteral("auth"), storage->storage->auth);
            if (storage->azure) {
                // With ARM at hand the account's own geoReplicationStats say the lag.
                t.options.insert(QStringLiteral("resourceId"), storage->azure->resourceId);
                t.options.insert(QStringLiteral("resourceApiVersion"), storage->azure->apiVersion);
            }
            if (!storage->storage->entra())
                t.secretRefs.insert(QStringLiteral("accountKey"), storage->storage->accountKey);
            targets.append(t);
        }
    }
    if (m_profile.syntheticChat) {
        const SyntheticChatSettings &chat = *m_profile.syntheticChat;
        ProbeTarget t = make(QString::fromLatin1(kChatTarget), QStringLiteral("synthetic-chat"), chat.intervalMs, chat.timeoutMs);
        t.endpoint = m_profile.routing.publicUrl;
        QString path = t.endpoint.path();
        while (path.endsWith(u'/'))
            path.chop(1);
        t.endpoint.setPath(path + chat.path);
        t.options.insert(QStringLiteral("text"), chat.text);
        t.options.insert(QStringLiteral("expectContains"), chat.expectContains);
        targets.append(t);
    }
    return targets;
}

QList<ProbeTarget> StatusMonitor::buildTargets() const
{
    QList<ProbeTarget> targets;
    const auto adjust = [this](ProbeSettings &s) {
        if (m_mode == Mode::OneShot) {
            // A single sample has no streak to smooth: judge it as it is.
            s.failuresBeforeDown = 1;
            s.successesBeforeUp = 1;
        }
    };
    for (const Region &region : m_profile.regions) {
        for (const Component &c : region.components) {
            ProbeTarget t;
            t.id = componentTargetId(region.id, c.id);
            t.regionId = region.id;
            t.componentId = c.id;
            t.endpoint = c.endpoint;
            t.settings = c.probe;
            t.certificateWarningDays = m_profile.objectives.certificateWarningDays;
            t.certificateCriticalDays = m_profile.objectives.certificateCriticalDays;
            if (c.search) {
                t.options.insert(QStringLiteral("indexName"), c.search->indexName);
                t.options.insert(QStringLiteral("apiVersion"), c.search->apiVersion);
                t.options.insert(QStringLiteral("auth"), c.search->auth);
                if (!c.search->entra())
                    t.secretRefs.insert(QStringLiteral("apiKey"), c.search->apiKey);
            }
            if (c.storage) {
                t.options.insert(QStringLiteral("accountName"), c.storage->accountName);
                t.options.insert(QStringLiteral("auth"), c.storage->auth);
                if (!c.storage->entra())
                    t.secretRefs.insert(QStringLiteral("accountKey"), c.storage->accountKey);
            }
            if (c.azure) {
                // The region's Azure location: a multi-region resource (Cosmos DB) is judged
                // for this region's part of it.
                t.options.insert(QStringLiteral("location"), region.location);
                t.options.insert(QStringLiteral("resourceId"), c.azure->resourceId);
                t.options.insert(QStringLiteral("resourceApiVersion"), c.azure->apiVersion);
            }
            adjust(t.settings);
            targets.append(t);
        }
    }
    targets += globalTargets();
    for (const CertificateEndpoint &cert : m_profile.certificates) {
        ProbeTarget t;
        t.id = certificateTargetId(cert.id);
        t.regionId = cert.regionId;
        t.componentId = cert.id;
        t.endpoint.setScheme(QStringLiteral("https"));
        t.endpoint.setHost(cert.host);
        t.endpoint.setPort(cert.port);
        t.settings.kind = QStringLiteral("tls");
        t.settings.intervalMs = cert.intervalMs;
        t.settings.timeoutMs = cert.timeoutMs;
        t.settings.serverName = cert.serverName;
        t.settings.caCertificate = cert.caCertificate;
        t.settings.failuresBeforeDown = 1; // a certificate does not flap: take it as seen
        t.settings.successesBeforeUp = 1;
        t.certificateWarningDays = m_profile.objectives.certificateWarningDays;
        t.certificateCriticalDays = m_profile.objectives.certificateCriticalDays;
        targets.append(t);
    }
    return targets;
}

void StatusMonitor::resolveSecrets(std::function<void()> then)
{
    if (m_ready) {
        then();
        return;
    }
    m_whenReady.append(std::move(then));
    if (m_whenReady.size() > 1)
        return; // already resolving

    auto targets = std::make_shared<QList<ProbeTarget>>(buildTargets());
    auto pending = std::make_shared<int>(1); // one for this function, released at the end
    const auto release = [this, targets, pending] {
        if (--*pending > 0)
            return;
        for (const ProbeTarget &target : std::as_const(*targets)) {
            QString error;
            if (!m_engine->addTarget(target, &error))
                log::get("probe")->error("{}", error.toStdString());
        }
        m_ready = true;
        const auto callbacks = std::exchange(m_whenReady, {});
        for (const auto &callback : callbacks)
            callback();
    };
    for (qsizetype i = 0; i < targets->size(); ++i) {
        const auto refs = (*targets)[i].secretRefs;
        for (auto it = refs.constBegin(); it != refs.constEnd(); ++it) {
            ++*pending;
            m_secrets->read(it.value(), [targets, i, role = it.key(), release](Result<QByteArray> value) {
                ProbeTarget &t = (*targets)[i];
                if (value) {
                    t.secrets.insert(role, *value);
                } else if (t.setupError.isEmpty()) {
                    t.setupError = QStringLiteral("cannot read the secret %1: %2").arg(role, value.error());
                    log::get("probe")->warn("{}: {}", t.id.toStdString(), t.setupError.toStdString());
                }
                release();
            });
        }
        const auto &headers = (*targets)[i].settings.headers;
        for (auto it = headers.constBegin(); it != headers.constEnd(); ++it) {
            if (!it->secret)
                continue;
            ++*pending;
            const QByteArray header = it.key().toUtf8();
            const SecretRef ref = *it->secret;
            m_secrets->read(ref, [targets, i, header, ref, release](Result<QByteArray> value) {
                ProbeTarget &t = (*targets)[i];
                if (value) {
                    t.secretHeaders.insert(header, *value);
                } else {
                    t.setupError = QStringLiteral("cannot read the secret for header %1: %2")
                                       .arg(QString::fromUtf8(header), value.error());
                    log::get("probe")->warn("{}: {}", t.id.toStdString(), t.setupError.toStdString());
                }
                release();
            });
        }
    }
    release();
}

void StatusMonitor::start()
{
    resolveSecrets([this] { m_engine->start(); });
}

void StatusMonitor::sampleOnce()
{
    resolveSecrets([this] { m_engine->probeAllNow(); });
}

namespace {

QJsonValue orNull(const QJsonValue &v)
{
    return v.isUndefined() ? QJsonValue() : v;
}

QJsonObject lastData(const TargetStatus *st)
{
    return st && st->last ? st->last->data : QJsonObject();
}

QJsonValue checkedAt(const TargetStatus *st)
{
    return st && st->last ? QJsonValue(st->last->finishedAt.toString(Qt::ISODateWithMs)) : QJsonValue();
}

QJsonValue latency(const TargetStatus *st)
{
    return st && st->last && st->last->latencyMs >= 0 ? QJsonValue(st->last->latencyMs) : QJsonValue();
}

// A profile-wide check's section: the named fields of its last result, its state (from the
// result, or the engine's), and when and why.
QJsonObject section(const TargetStatus *st, const QStringList &fields, const QJsonValue &state)
{
    const QJsonObject data = lastData(st);
    QJsonObject o;
    for (const QString &field : fields)
        o.insert(field, orNull(data.value(field)));
    o.insert(QStringLiteral("state"), state);
    o.insert(QStringLiteral("detail"), st->reason);
    o.insert(QStringLiteral("checkedAt"), checkedAt(st));
    return o;
}

} // namespace

QJsonObject StatusMonitor::snapshot() const
{
    const auto target = [this](const char *id) { return m_engine->status(QString::fromLatin1(id)); };
    QJsonObject doc;
    doc.insert(QStringLiteral("profile"), m_profile.name);
    doc.insert(QStringLiteral("environment"), toString(m_profile.environment));
    doc.insert(QStringLiteral("takenAt"), m_clock->nowUtc().toString(Qt::ISODateWithMs));

    // Which region serves comes from the routing probe; unknown until it has answered.
    const TargetStatus *routing = target(kRoutingTarget);
    const QJsonValue active = lastData(routing).value(QStringLiteral("servingRegion"));
    doc.insert(QStringLiteral("activeRegion"), active.isString() ? active : QJsonValue());
    QJsonObject routingDoc{{QStringLiteral("kind"), m_profile.routing.kind},
                           {QStringLiteral("publicUrl"), log::redactedUrl(m_profile.routing.publicUrl)}};
    if (routing) {
        const QJsonValue servers = lastData(routing).value(QStringLiteral("servers"));
        routingDoc.insert(QStringLiteral("state"), stateName(routing->state));
        routingDoc.insert(QStringLiteral("servers"), servers.isArray() ? servers : QJsonValue(QJsonArray()));
        routingDoc.insert(QStringLiteral("detail"), routing->reason);
        routingDoc.insert(QStringLiteral("checkedAt"), checkedAt(routing));
    }
    doc.insert(QStringLiteral("routing"), routingDoc);

    QJsonArray regions;
    for (const Region &region : m_profile.regions) {
        QJsonArray components;
        for (const Component &c : region.components) {
            const TargetStatus *st = m_engine->status(componentTargetId(region.id, c.id));
            components.append(QJsonObject{{QStringLiteral("id"), c.id},
                                          {QStringLiteral("kind"), c.kind},
                                          {QStringLiteral("displayName"), c.displayName},
                                          {QStringLiteral("endpoint"), log::redactedUrl(c.endpoint)},
                                          {QStringLiteral("state"), stateName(st ? st->state : HealthState::Unknown)},
                                          {QStringLiteral("latencyMs"), latency(st)},
                                          {QStringLiteral("detail"), st ? st->reason : QStringLiteral("not probed")},
                                          {QStringLiteral("checkedAt"), checkedAt(st)}});
        }
        regions.append(QJsonObject{{QStringLiteral("id"), region.id},
                                   {QStringLiteral("displayName"), region.displayName},
                                   {QStringLiteral("role"), toString(region.role)},
                                   {QStringLiteral("serving"), active.isString() ? QJsonValue(active.toString() == region.id) : QJsonValue()},
                                   {QStringLiteral("components"), components}});
    }
    doc.insert(QStringLiteral("regions"), regions);

    // A section is null when the profile does not ask for its check (see docs/PROFILE.md).
    QJsonValue indexSync;
    if (const TargetStatus *st = target(kIndexSyncTarget)) {
        QJsonObject o = section(st, {QStringLiteral("lagDocuments"), QStringLiteral("lagSeconds"), QStringLiteral("sourceCount"),
                                     QStringLiteral("targetCount"), QStringLiteral("sourceNewest"), QStringLiteral("targetNewest")},
                                lastData(st).value(QStringLiteral("state")).toString(QStringLiteral("unknown")));
        o.insert(QStringLiteral("source"), m_profile.primary() ? m_profile.primary()->id : QString());
        o.insert(QStringLiteral("target"), m_profile.secondary() ? m_profile.secondary()->id : QString());
        indexSync = o;
    }
    doc.insert(QStringLiteral("indexSync"), indexSync);

    QJsonValue replication;
    if (const TargetStatus *st = target(kReplicationTarget)) {
        QJsonObject o = section(st, {QStringLiteral("lastSyncTime"), QStringLiteral("lagSeconds"), QStringLiteral("canaryLagMs"),
                                     QStringLiteral("canaryDetail")},
                                lastData(st).value(QStringLiteral("state")).toString(QStringLiteral("unknown")));
        o.insert(QStringLiteral("status"), lastData(st).value(QStringLiteral("status")).toString(QStringLiteral("unknown")));
        o.insert(QStringLiteral("rpoSeconds"), m_profile.objectives.rpoSeconds);
        replication = o;
    }
    doc.insert(QStringLiteral("storageReplication"), replication);

    QJsonValue chat;
    if (const TargetStatus *st = target(kChatTarget)) {
        QJsonObject o = section(st, {QStringLiteral("region"), QStringLiteral("answer")}, stateName(st->state));
        o.insert(QStringLiteral("latencyMs"), latency(st));
        chat = o;
    }
    doc.insert(QStringLiteral("syntheticChat"), chat);

    QJsonArray certificates;
    for (const CertificateEndpoint &cert : m_profile.certificates) {
        const TargetStatus *st = m_engine->status(certificateTargetId(cert.id));
        const QJsonObject data = lastData(st);
        certificates.append(QJsonObject{{QStringLiteral("id"), cert.id},
                                        {QStringLiteral("endpoint"), QStringLiteral("%1:%2").arg(cert.host).arg(cert.port)},
                                        {QStringLiteral("region"), cert.regionId.isEmpty() ? QJsonValue() : QJsonValue(cert.regionId)},
                                        {QStringLiteral("notAfter"), orNull(data.value(QStringLiteral("notAfter")))},
                                        {QStringLiteral("daysLeft"), orNull(data.value(QStringLiteral("daysLeft")))},
                                        {QStringLiteral("issuer"), orNull(data.value(QStringLiteral("issuer")))},
                                        {QStringLiteral("state"), data.value(QStringLiteral("state")).toString(QStringLiteral("unknown"))},
                                        {QStringLiteral("detail"), st && st->last ? st->last->detail : QStringLiteral("not checked yet")}});
    }
    doc.insert(QStringLiteral("certificates"), certificates);
    return doc;
}

StatusExit StatusMonitor::exitFor(const QJsonObject &snapshot)
{
    StatusExit worst = StatusExit::Ok;
    const auto raise = [&worst](StatusExit e) {
        if (int(e) > int(worst))
            worst = e;
    };
    for (const QJsonValue &region : snapshot.value(QStringLiteral("regions")).toArray()) {
        for (const QJsonValue &c : region.toObject().value(QStringLiteral("components")).toArray()) {
            const QString state = c.toObject().value(QStringLiteral("state")).toString();
            if (state == u"down")
                raise(StatusExit::Down);
            else if (state != u"ok")
                raise(StatusExit::Degraded);
        }
    }
    const QJsonObject routing = snapshot.value(QStringLiteral("routing")).toObject();
    if (routing.contains(QStringLiteral("state"))) {
        const QString state = routing.value(QStringLiteral("state")).toString();
        raise(state == u"down" ? StatusExit::Down : state == u"ok" ? StatusExit::Ok : StatusExit::Degraded);
    }
    const QJsonObject chat = snapshot.value(QStringLiteral("syntheticChat")).toObject();
    if (chat.contains(QStringLiteral("state"))) {
        const QString state = chat.value(QStringLiteral("state")).toString();
        raise(state == u"down" ? StatusExit::Down : state == u"ok" ? StatusExit::Ok : StatusExit::Degraded);
    }
    for (const char *section : {"indexSync", "storageReplication"}) {
        const QJsonValue v = snapshot.value(QLatin1String(section));
        if (v.isObject() && v.toObject().value(QStringLiteral("state")).toString() != u"ok"
            && v.toObject().value(QStringLiteral("state")).toString() != u"live")
            raise(StatusExit::Degraded);
    }
    for (const QJsonValue &c : snapshot.value(QStringLiteral("certificates")).toArray()) {
        const QString state = c.toObject().value(QStringLiteral("state")).toString();
        if (state == u"expired" || state == u"invalid")
            raise(StatusExit::Down);
        else if (state != u"ok")
            raise(StatusExit::Degraded);
    }
    return worst;
}

} // namespace dr
