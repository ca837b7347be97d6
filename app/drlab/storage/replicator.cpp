#include "replicator.h"

#include "azure/httpdate.h"
#include "logging/logging.h"

#include <QNetworkAccessManager>
#include <QSet>

#include <algorithm>

namespace drlab {

using dr::azure::Blob;
using dr::azure::BlobItem;
using dr::azure::ContainerItem;
using dr::azure::WriteResult;

namespace {

QString keyOf(const QString &container, const QString &blob)
{
    return container + u'/' + blob;
}

dr::azure::BlobClient *makeClient(QNetworkAccessManager *network, const StorageEndpoint &endpoint,
    const dr::Clock *clock, QObject *parent)
{
    auto *client = new dr::azure::BlobClient(network, endpoint.url, endpoint.credential, parent);
    client->setCaCertificates(endpoint.caCertificates);
    client->setClock(clock);
    return client;
}

} // namespace

struct Replicator::Pass
{
    struct Task
    {
        enum class Kind { Copy, Delete, DeleteContainer };
        Kind kind;
        QString container;
        BlobItem item; // the primary's blob to copy, or the replica's to delete
        std::optional<BlobItem> replica; // for a copy: what the replica holds now
    };

    QDateTime start;
    QDateTime cutoff; // changes after this are not copied yet
    bool lagged = false;
    QDateTime bound; // the earliest time a blob left behind was last known current; invalid: none
    bool noProgress = false; // a blob left behind with nothing known: establish nothing
    QStringList containers;
    QSet<QString> onPrimary;
    QSet<QString> onReplica;
    qsizetype index = -1;
    QList<Task> tasks;
    QSet<QString> seen; // every blob key either side holds
    int copies = 0;
    qint64 bytes = 0;
};

Replicator::Replicator(const StorageEndpoint &primary, const StorageEndpoint &replica,
    const dr::Clock *clock, QObject *parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
    , m_clock(clock)
{
    m_primary = makeClient(m_network, primary, clock, this);
    m_replica = makeClient(m_network, replica, clock, this);
    setMaxBlobBytes(m_maxBlobBytes);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &Replicator::startPass);
}

Replicator::~Replicator() = default;

void Replicator::setRequestTimeoutMs(int ms)
{
    m_primary->setTimeoutMs(ms);
    m_replica->setTimeoutMs(ms);
}

void Replicator::setMaxBlobBytes(qint64 bytes)
{
    m_maxBlobBytes = bytes;
    // Listings of many blobs are bigger than one blob: keep their cap generous.
    m_primary->setMaxResponseBytes(
        std::max<qint64>(bytes, dr::azure::BlobClient::kDefaultMaxResponseBytes));
}

void Replicator::start()
{
    if (m_running)
        return;
    m_running = true;
    startPass();
}

void Replicator::stop()
{
    m_running = false;
    m_timer.stop();
    ++m_generation;
    m_pass.reset();
}

dr::azure::GeoReplicationStats Replicator::stats() const
{
    return { m_status, m_status == u"bootstrap" ? QDateTime() : m_lastSyncTime };
}

template<typename T>
std::function<void(dr::Result<T>)> Replicator::guard(const char *side, std::function<void(T)> next)
{
    const quint64 generation = m_generation;
    return [this, side, generation, next = std::move(next)](dr::Result<T> result) {
        if (generation != m_generation || !m_pass)
            return; // an abandoned pass
        if (!result)
            return finishPass(false, QLatin1String(side) + QStringLiteral(": ") + result.error());
        next(std::move(*result));
    };
}

void Replicator::startPass()
{
    if (m_pass || !m_running)
        return;
    m_pass = std::make_unique<Pass>();
    m_pass->start = m_clock->nowUtc();
    m_pass->lagged = m_lagSeconds > 0;
    m_pass->cutoff = m_pass->start.addSecs(-m_lagSeconds);
    m_counters.lastPassStartedAt = m_pass->start;

    m_primary->listAllContainers(
        guard<QList<ContainerItem>>("primary", [this](QList<ContainerItem> primary) {
            for (const ContainerItem &c : primary) {
                if (!m_excluded.contains(c.name))
                    m_pass->onPrimary.insert(c.name);
            }
            m_replica->listAllContainers(
                guard<QList<ContainerItem>>("replica", [this](QList<ContainerItem> replica) {
                    for (const ContainerItem &c : replica) {
                        if (!m_excluded.contains(c.name))
                            m_pass->onReplica.insert(c.name);
                    }
                    QSet<QString> all = m_pass->onPrimary;
                    all.unite(m_pass->onReplica);
                    m_pass->containers = QStringList(all.cbegin(), all.cend());
                    m_pass->containers.sort();
                    nextContainer();
                }));
        }));
}

void Replicator::nextContainer()
{
    if (++m_pass->index >= m_pass->containers.size())
        return finishPass(true, {});
    const QString container = m_pass->containers.at(m_pass->index);
    const bool onPrimary = m_pass->onPrimary.contains(container);
    const bool onReplica = m_pass->onReplica.contains(container);

    // Primary's blobs (none when the container is gone there), then the replica's, then sync.
    auto listReplica = [this, container](QList<BlobItem> primaryBlobs) {
        m_replica->listAllBlobs(container, {}, true,
            guard<QList<BlobItem>>(
                "replica", [this, container, primaryBlobs](QList<BlobItem> replicaBlobs) {
                    syncContainer(container, primaryBlobs, replicaBlobs);
                }));
    };
    auto listPrimary = [this, container, onPrimary, listReplica] {
        if (!onPrimary)
            return listReplica({});
        m_primary->listAllBlobs(
            container, {}, true, guard<QList<BlobItem>>("primary", listReplica));
    };
    if (onPrimary && !onReplica) {
        m_replica->createContainer(
            container, guard<bool>("replica", [listPrimary](bool) { listPrimary(); }));
        return;
    }
    listPrimary();
}

QDateTime Replicator::keptUntil(
    const QString &key, const BlobItem *replica, const BlobItem *primary) const
{
    // The latest time up to which every write to this blob is known to be on the replica.
    QDateTime known = m_inSyncAt.value(key);
    if (replica) {
        const QDateTime recorded = dr::azure::parseHttpDate(
            replica->metadata.value(QLatin1String(kSourceLastModifiedKey)).toLatin1());
        if (recorded.isValid() && (!known.isValid() || recorded > known))
            known = recorded;
    } else if (primary && primary->creationTime.isValid() && !known.isValid()) {
        // Never on the replica: nothing of it existed before it was created.
        known = primary->creationTime;
    }
    return known;
}

void Replicator::bound(const QDateTime &time)
{
    if (!time.isValid())
        m_pass->noProgress = true;
    else if (!m_pass->bound.isValid() || time < m_pass->bound)
        m_pass->bound = time;
}

void Replicator::syncContainer(const QString &container, const QList<BlobItem> &primaryBlobs,
    const QList<BlobItem> &replicaBlobs)
{
    Pass &pass = *m_pass;
    QHash<QString, const BlobItem *> replicaByName;
    for (const BlobItem &r : replicaBlobs)
        replicaByName.insert(r.name, &r);
    QSet<QString> primaryNames;

    for (const BlobItem &p : primaryBlobs) {
        primaryNames.insert(p.name);
        const QString key = keyOf(container, p.name);
        pass.seen.insert(key);
        const BlobItem *r = replicaByName.value(p.name);
        m_missingSince.remove(key);
        if (r && r->metadata.value(QLatin1String(kSourceEtagKey)) == p.etag) {
            m_inSyncAt.insert(key, pass.start);
            continue;
        }
        // Last-Modified is whole seconds, rounded down: the write may be up to a second later.
        const bool tooNew
            = pass.lagged && p.lastModified.isValid() && p.lastModified.addSecs(1) > pass.cutoff;
        if (tooNew) {
            bound(keptUntil(key, r, &p));
            continue;
        }
        if (p.contentLength > m_maxBlobBytes) {
            ++m_counters.blobsSkipped;
            m_counters.lastError
                = QStringLiteral("%1: %2 bytes is more than the replicator copies (%3)")
                      .arg(key)
                      .arg(p.contentLength)
                      .arg(m_maxBlobBytes);
            bound(keptUntil(key, r, &p));
            continue;
        }
        const bool overBudget = pass.copies >= m_maxCopiesPerPass
            || (pass.copies > 0 && pass.bytes + p.contentLength > m_maxBytesPerPass);
        if (overBudget) {
            bound(keptUntil(key, r, &p));
            continue;
        }
        ++pass.copies;
        pass.bytes += p.contentLength;
        pass.tasks.append({ Pass::Task::Kind::Copy, container, p,
            r ? std::optional<BlobItem>(*r) : std::nullopt });
    }

    bool allDeleted = true;
    for (const BlobItem &r : replicaBlobs) {
        if (primaryNames.contains(r.name))
            continue;
        const QString key = keyOf(container, r.name);
        pass.seen.insert(key);
        auto since = m_missingSince.find(key);
        if (since == m_missingSince.end())
            since = m_missingSince.insert(key, pass.start);
        if (!pass.lagged || *since <= pass.cutoff) {
            pass.tasks.append({ Pass::Task::Kind::Delete, container, r, std::nullopt });
        } else {
            allDeleted = false;
            bound(keptUntil(key, &r, nullptr));
        }
    }

    if (!pass.onPrimary.contains(container)) {
        auto since = m_containerMissingSince.find(container);
        if (since == m_containerMissingSince.end())
            since = m_containerMissingSince.insert(container, pass.start);
        if (allDeleted && (!pass.lagged || *since <= pass.cutoff))
            pass.tasks.append({ Pass::Task::Kind::DeleteContainer, container, {}, std::nullopt });
    } else {
        m_containerMissingSince.remove(container);
    }
    runTasks();
}

void Replicator::runTasks()
{
    if (m_pass->tasks.isEmpty())
        return nextContainer();
    const Pass::Task task = m_pass->tasks.takeFirst();
    const QString key = keyOf(task.container, task.item.name);
    switch (task.kind) {
    case Pass::Task::Kind::Copy:
        m_primary->getBlob(task.container, task.item.name,
            guard<std::optional<Blob>>("primary", [this, task, key](std::optional<Blob> blob) {
                if (!blob) {
                    // Deleted since the listing: the next pass deletes the copy.
                    bound(keptUntil(key, task.replica ? &*task.replica : nullptr, &task.item));
                    return runTasks();
                }
                putCopy(task.container, *blob);
            }));
        return;
    case Pass::Task::Kind::Delete:
        m_replica->deleteBlob(
            task.container, task.item.name, guard<bool>("replica", [this, key](bool) {
                ++m_counters.blobsDeleted;
                m_missingSince.remove(key);
                m_inSyncAt.remove(key);
                runTasks();
            }));
        return;
    case Pass::Task::Kind::DeleteContainer:
        m_replica->deleteContainer(task.container, guard<bool>("replica", [this, task](bool) {
            m_containerMissingSince.remove(task.container);
            runTasks();
        }));
        return;
    }
}

void Replicator::putCopy(const QString &container, const Blob &blob)
{
    QMap<QString, QString> metadata = blob.properties.metadata;
    metadata.insert(QLatin1String(kSourceEtagKey), blob.properties.etag);
    metadata.insert(QLatin1String(kSourceLastModifiedKey),
        QString::fromLatin1(dr::azure::httpDate(blob.properties.lastModified)));
    if (blob.properties.blobType == u"AppendBlob") {
        // The source marks go on last, so a copy cut short is never taken for a complete one.
        m_replica->createAppendBlob(container, blob.properties.name, blob.properties.contentType,
            {}, guard<WriteResult>("replica", [this, container, blob, metadata](WriteResult) {
                appendCopy(container, blob, metadata, 0);
            }));
        return;
    }
    m_replica->putBlockBlob(container, blob.properties.name, blob.data, blob.properties.contentType,
        metadata, guard<WriteResult>("replica", [this, container, blob](WriteResult) {
            copied(container, blob);
        }));
}

void Replicator::appendCopy(const QString &container, const Blob &blob,
    const QMap<QString, QString> &metadata, qint64 offset)
{
    if (offset >= blob.data.size()) {
        m_replica->setBlobMetadata(container, blob.properties.name, metadata,
            guard<WriteResult>(
                "replica", [this, container, blob](WriteResult) { copied(container, blob); }));
        return;
    }
    const QByteArray chunk = blob.data.mid(offset, dr::azure::BlobClient::kMaxAppendBlockBytes);
    m_replica->appendBlock(container, blob.properties.name, chunk, offset,
        guard<WriteResult>(
            "replica", [this, container, blob, metadata, offset, size = chunk.size()](WriteResult) {
                appendCopy(container, blob, metadata, offset + size);
            }));
}

void Replicator::copied(const QString &container, const Blob &blob)
{
    ++m_counters.blobsCopied;
    m_counters.bytesCopied += blob.data.size();
    // The copied version was the primary's current one when read, after this pass started.
    m_inSyncAt.insert(keyOf(container, blob.properties.name), m_pass->start);
    runTasks();
}

void Replicator::finishPass(bool ok, const QString &error)
{
    const std::unique_ptr<Pass> pass = std::move(m_pass);
    const dr::azure::GeoReplicationStats before = stats();
    m_counters.lastPassFinishedAt = m_clock->nowUtc();
    auto log = dr::log::get("storage");
    if (ok) {
        ++m_counters.passes;
        QDateTime established = pass->lagged ? pass->cutoff : pass->start;
        if (pass->bound.isValid() && pass->bound < established)
            established = pass->bound;
        if (!pass->noProgress && (!m_lastSyncTime.isValid() || established > m_lastSyncTime))
            m_lastSyncTime = established;
        if (m_status == u"unavailable")
            log->info("replication is live again");
        m_status = m_lastSyncTime.isValid() ? QStringLiteral("live") : QStringLiteral("bootstrap");
        // Forget blobs that are gone from both sides.
        m_inSyncAt.removeIf([&pass](const auto &it) { return !pass->seen.contains(it.key()); });
        m_missingSince.removeIf([&pass](const auto &it) { return !pass->seen.contains(it.key()); });
    } else {
        ++m_counters.failedPasses;
        m_counters.lastError = error;
        if (m_status != u"unavailable")
            log->warn("replication unavailable: {}", error.toStdString());
        m_status = QStringLiteral("unavailable");
    }
    const dr::azure::GeoReplicationStats after = stats();
    if (!(after == before))
        emit statsChanged(after);
    emit passFinished(ok);
    if (m_running && !m_pass)
        m_timer.start(m_pollIntervalMs);
}

} // namespace drlab
