#include "statusmonitor.h"

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
            adjust(t.settings);
            targets.append(t);
        }
    }
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

QJsonObject StatusMonitor::snapshot() const
{
    QJsonObject doc;
    doc.insert(QStringLiteral("profile"), m_profile.name);
    doc.insert(QStringLiteral("environment"), toString(m_profile.environment));
    doc.insert(QStringLiteral("takenAt"), m_clock->nowUtc().toString(Qt::ISODateWithMs));
    // Which region serves comes from the routing probe; until one is configured it is unknown.
    doc.insert(QStringLiteral("activeRegion"), QJsonValue::Null);

    QJsonArray regions;
    for (const Region &region : m_profile.regions) {
        QJsonObject r;
        r.insert(QStringLiteral("id"), region.id);
        r.insert(QStringLiteral("displayName"), region.displayName);
        r.insert(QStringLiteral("role"), toString(region.role));
        r.insert(QStringLiteral("serving"), QJsonValue::Null);
        QJsonArray components;
        for (const Component &c : region.components) {
            const TargetStatus *st = m_engine->status(componentTargetId(region.id, c.id));
            QJsonObject o;
            o.insert(QStringLiteral("id"), c.id);
            o.insert(QStringLiteral("kind"), c.kind);
            o.insert(QStringLiteral("displayName"), c.displayName);
            o.insert(QStringLiteral("endpoint"), log::redactedUrl(c.endpoint));
            o.insert(QStringLiteral("state"), stateName(st ? st->state : HealthState::Unknown));
            o.insert(QStringLiteral("latencyMs"),
                     st && st->last && st->last->latencyMs >= 0 ? QJsonValue(st->last->latencyMs) : QJsonValue());
            o.insert(QStringLiteral("detail"), st ? st->reason : QStringLiteral("not probed"));
            o.insert(QStringLiteral("checkedAt"), st && st->last ? QJsonValue(st->last->finishedAt.toString(Qt::ISODateWithMs))
                                                                 : QJsonValue());
            components.append(o);
        }
        r.insert(QStringLiteral("components"), components);
        regions.append(r);
    }
    doc.insert(QStringLiteral("regions"), regions);
    // Filled by the search-index and storage-replication probes (see docs/PROFILE.md).
    doc.insert(QStringLiteral("indexSync"), QJsonValue::Null);
    doc.insert(QStringLiteral("storageReplication"), QJsonValue::Null);

    QJsonArray certificates;
    for (const CertificateEndpoint &cert : m_profile.certificates) {
        const TargetStatus *st = m_engine->status(certificateTargetId(cert.id));
        const QJsonObject data = st && st->last ? st->last->data : QJsonObject();
        QJsonObject o;
        o.insert(QStringLiteral("id"), cert.id);
        o.insert(QStringLiteral("endpoint"), QStringLiteral("%1:%2").arg(cert.host).arg(cert.port));
        o.insert(QStringLiteral("region"), cert.regionId.isEmpty() ? QJsonValue() : QJsonValue(cert.regionId));
        o.insert(QStringLiteral("notAfter"), data.value(QStringLiteral("notAfter")).isUndefined()
                                                 ? QJsonValue() : data.value(QStringLiteral("notAfter")));
        o.insert(QStringLiteral("daysLeft"), data.value(QStringLiteral("daysLeft")).isUndefined()
                                                 ? QJsonValue() : data.value(QStringLiteral("daysLeft")));
        o.insert(QStringLiteral("issuer"), data.value(QStringLiteral("issuer")).isUndefined()
                                               ? QJsonValue() : data.value(QStringLiteral("issuer")));
        o.insert(QStringLiteral("state"), data.value(QStringLiteral("state")).toString(QStringLiteral("unknown")));
        o.insert(QStringLiteral("detail"), st && st->last ? st->last->detail : QStringLiteral("not checked yet"));
        certificates.append(o);
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
