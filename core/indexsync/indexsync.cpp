#include "indexsync.h"

#include "azure/entra.h"
#include "probes/tlsprobe.h"
#include "secrets/secretstore.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QRandomGenerator>
#include <QTimer>

#include <algorithm>

namespace dr {

namespace {

constexpr int kPageSize = 1000;      // the service's maximum per response
constexpr int kCountAttempts = 10;   // the service's count may lag a write briefly
constexpr int kCountRetryMs = 500;
constexpr int kBackoffMs = 250;
constexpr int kMaxSkip = 100000;     // the service's cap on $skip

QJsonObject withoutAnnotations(QJsonObject document)
{
    for (auto it = document.begin(); it != document.end();) {
        if (it.key().startsWith(QLatin1String("@search.")) || it.key().startsWith(QLatin1String("@odata.")))
            it = document.erase(it);
        else
            ++it;
    }
    return document;
}

} // namespace

QJsonObject IndexSyncReport::toJson() const
{
    return QJsonObject{{QStringLiteral("full"), full},
                       {QStringLiteral("watermark"), watermark.isValid() ? QJsonValue(watermark.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue()},
                       {QStringLiteral("copied"), copied},
                       {QStringLiteral("deleted"), deleted},
                       {QStringLiteral("sourceCount"), sourceCount},
                       {QStringLiteral("targetCount"), targetCount},
                       {QStringLiteral("sampled"), sampled},
                       {QStringLiteral("verified"), verified},
                       {QStringLiteral("verification"), verification},
                       {QStringLiteral("elapsedMs"), elapsedMs}};
}

IndexSync::IndexSync(QNetworkAccessManager *network, const SearchEndpoint &source, const SearchEndpoint &target,
                     const IndexSyncSettings &settings, const IndexSyncOptions &options, QObject *parent)
    : QObject(parent)
    , m_network(network)
    , m_source(new SearchClient(network, source, this))
    , m_target(new SearchClient(network, target, this))
    , m_settings(settings)
    , m_options(options)
{}

void IndexSync::setSideNames(const QString &source, const QString &target)
{
    m_sourceName = QStringLiteral("region %1's index").arg(source);
    m_targetName = QStringLiteral("region %1's index").arg(target);
}

// ---- pure parts ----

QString IndexSync::pageFilter(const QString &keyField, const QString &base, const QString &lastKey)
{
    if (lastKey.isEmpty())
        return base;
    const QString past = keyField + QStringLiteral(" gt ") + SearchClient::odataString(lastKey);
    return base.isEmpty() ? past : QString(u'(' + base + QStringLiteral(") and ") + past);
}

QString IndexSync::rangeFilter(const QString &keyField, const QStringList &bounds, int i, const QString &lastKey)
{
    QStringList parts;
    if (!lastKey.isEmpty())
        parts << keyField + QStringLiteral(" gt ") + SearchClient::odataString(lastKey);
    else if (i > 0 && i <= bounds.size())
        parts << keyField + QStringLiteral(" ge ") + SearchClient::odataString(bounds.at(i - 1));
    if (i < bounds.size())
        parts << keyField + QStringLiteral(" lt ") + SearchClient::odataString(bounds.at(i));
    return parts.join(QStringLiteral(" and "));
}

QString IndexSync::keysFilter(const QString &keyField, const QList<QString> &keys)
{
    return QStringLiteral("search.in(%1, %2, ',')").arg(keyField, SearchClient::odataString(keys.join(u',')));
}

QByteArray IndexSync::checksum(const QJsonObject &document)
{
    // QJsonObject keeps its keys sorted, so the compact form is canonical.
    const QByteArray canonical = QJsonDocument(withoutAnnotations(document)).toJson(QJsonDocument::Compact);
    return QCryptographicHash::hash(canonical, QCryptographicHash::Sha256).toHex();
}

bool IndexSync::retryable(int statusCode)
{
    return statusCode == 409 || statusCode == 422 || statusCode == 429 || statusCode == 500 || statusCode == 503;
}

// ---- the run ----

void IndexSync::start(std::function<void(Result<IndexSyncReport>)> done)
{
    if (m_started) {
        QTimer::singleShot(0, this, [done] { done(fail(QStringLiteral("this index sync has already been started"))); });
        return;
    }
    m_started = true;
    m_done = std::move(done);
    m_elapsed.start();
    m_report.full = m_options.full;
    if (m_options.batchSize < 1 || m_options.batchSize > 1000 || m_options.concurrency < 1 || m_options.itemRetries < 0
        || m_options.sampleSize < 0 || m_options.keysPerRange < 1) {
        finish(fail(QStringLiteral("invalid index sync options: the batch size must be 1 to 1,000 and the concurrency at least 1")));
        return;
    }
    if (m_settings.keyField.isEmpty() || m_settings.watermarkField.isEmpty()) {
        finish(fail(QStringLiteral("the profile's indexSync section names no key field or no watermark field")));
        return;
    }
    if (m_cancelled) {
        finish(fail(QStringLiteral("cancelled after 0 documents copied")));
        return;
    }
    // Reading the index definition needs an admin key: a key that may not write is found
    // before anything moves. A delta's key scan and its watermark read only read, so they
    // run meanwhile; the copy waits for the check.
    m_progress.phase = QStringLiteral("scanning");
    ++m_pendingOps;
    m_target->definition([this](Result<QJsonObject> definition) {
        --m_pendingOps;
        if (!definition) {
            stop(definition.error().startsWith(QStringLiteral("HTTP 403"))
                     ? QStringLiteral("%1 cannot be written with the key given (index sync needs its admin key): %2").arg(m_targetName, definition.error())
                     : QStringLiteral("%1 does not answer: %2").arg(m_targetName, definition.error()));
            return;
        }
        if (haltIfStopping())
            return;
        m_writeChecked = true;
        if (m_options.full)
            startCopy(QString(), true, false, {});
        else
            startDeltaCopy();
    });
    if (m_options.full)
        return;
    // A delta copies from the target's newest watermark while both indexes' keys are read:
    // the copy mostly waits on the target's writes, the scan on reads.
    scanKeys();
    readWatermark(QString(), [this] {
        m_watermarkRead = true;
        startDeltaCopy();
    });
}

void IndexSync::cancel()
{
    if (m_finished)
        return;
    m_cancelled = true;
    if (m_started)
        haltIfStopping();
}

bool IndexSync::haltIfStopping()
{
    if (!m_cancelled && m_error.isEmpty())
        return false;
    if (m_pendingOps == 0 && !m_finished)
        finish(fail(m_error.isEmpty() ? QStringLiteral("cancelled after %1 documents copied").arg(m_report.copied) : m_error));
    return true;
}

void IndexSync::stop(const QString &error)
{
    if (m_error.isEmpty())
        m_error = error;
    haltIfStopping();
}

void IndexSync::finish(Result<IndexSyncReport> result)
{
    if (m_finished)
        return;
    m_finished = true;
    // Answer from the event loop, not from inside a reply's callback, so that the receiver
    // may delete this object.
    QTimer::singleShot(0, this, [this, result = std::move(result)]() mutable {
        if (m_done)
            std::exchange(m_done, {})(std::move(result));
    });
}

void IndexSync::emitProgress()
{
    emit progress(m_progress);
}

void IndexSync::scanPage(Scan *scan, std::function<void(const QList<QJsonObject> &, std::optional<qint64>)> onPage,
                         std::function<void()> after, const QString &who)
{
    SearchQuery q;
    q.filter = pageFilter(m_settings.keyField, scan->filter, scan->lastKey);
    q.orderBy = m_settings.keyField + QStringLiteral(" asc");
    q.select = scan->select;
    q.top = kPageSize;
    // Only the copy's progress uses the count.
    q.count = scan->lastKey.isEmpty() && scan->select.isEmpty();
    scan->inFlight = true;
    ++m_pendingOps;
    scan->client->page(q, [this, scan, onPage, after, who](Result<SearchPage> page) {
        --m_pendingOps;
        scan->inFlight = false;
        if (!page) {
            stop(QStringLiteral("reading %1 failed while %2: %3").arg(who, m_progress.phase, page.error()));
            return;
        }
        if (haltIfStopping())
            return;
        if (!page->documents.isEmpty()) {
            const QString last = page->documents.last().value(m_settings.keyField).toString();
            // Without a key past the last one the next page would repeat this one forever.
            if (last.isEmpty() || last == scan->lastKey) {
                stop(QStringLiteral("%1 answered a page whose last document has no usable key field \"%2\"").arg(who, m_settings.keyField));
                return;
            }
            scan->lastKey = last;
        }
        scan->done = page->documents.size() < kPageSize && !page->more;
        onPage(page->documents, page->count);
        if (m_finished || haltIfStopping())
            return;
        after();
    });
}

void IndexSync::scanKeys()
{
    m_progress.phase = QStringLiteral("scanning");
    emitProgress();
    m_sourceScan = std::make_unique<Scan>();
    m_sourceScan->client = m_source;
    m_sourceScan->select = {m_settings.keyField};
    m_targetScan = std::make_unique<Scan>();
    m_targetScan->client = m_target;
    m_targetScan->select = {m_settings.keyField};
    scanKeysOf(m_sourceScan.get(), &m_sourceKeys, m_sourceName);
    scanKeysOf(m_targetScan.get(), &m_targetKeys, m_targetName);
}

void IndexSync::scanKeysOf(Scan *side, IndexKeys *keys, const QString &who)
{
    // Split the index into key ranges read in parallel: the count says how many ranges, and
    // the keys at evenly spaced $skip positions are where they meet. The ranges cover every
    // key whatever happens to the index meanwhile; the split points only set the parallelism.
    ++m_pendingOps;
    side->client->count([this, side, keys, who](Result<qint64> n) {
        --m_pendingOps;
        if (!n) {
            stop(QStringLiteral("counting the documents of %1 failed while %2: %3").arg(who, m_progress.phase, n.error()));
            return;
        }
        if (haltIfStopping())
            return;
        // One page in flight per index would leave the service and this client waiting on
        // each other's round trips.
        const int ranges = int(std::clamp<qint64>(*n / m_options.keysPerRange, 1, m_options.concurrency));
        if (ranges == 1) {
            scanKeyRanges(side, {}, keys, who);
            return;
        }
        auto bounds = std::make_shared<QList<std::optional<QString>>>(ranges - 1);
        auto left = std::make_shared<int>(ranges - 1);
        for (int k = 1; k < ranges; ++k) {
            SearchQuery q;
            q.orderBy = m_settings.keyField + QStringLiteral(" asc");
            q.select = {m_settings.keyField};
            q.top = 1;
            q.skip = int(std::min<qint64>(kMaxSkip, *n * k / ranges));
            ++m_pendingOps;
            side->client->page(q, [this, side, keys, who, bounds, left, k](Result<SearchPage> page) {
                --m_pendingOps;
                if (!page) {
                    stop(QStringLiteral("reading %1 failed while %2: %3").arg(who, m_progress.phase, page.error()));
                    return;
                }
                if (haltIfStopping())
                    return;
                if (!page->documents.isEmpty())
                    (*bounds)[k - 1] = page->documents.constFirst().value(m_settings.keyField).toString();
                if (--*left > 0)
                    return;
                // In the service's order (by $skip), without empty or repeated split points.
                QStringList split;
                for (const auto &b : std::as_const(*bounds)) {
                    if (b && !b->isEmpty() && (split.isEmpty() || split.constLast() != *b))
                        split << *b;
                }
                scanKeyRanges(side, split, keys, who);
            });
        }
    });
}

void IndexSync::scanKeyRanges(Scan *side, const QStringList &bounds, IndexKeys *keys, const QString &who)
{
    side->ranges.clear();
    for (int i = 0; i <= bounds.size(); ++i) {
        auto range = std::make_unique<Scan>();
        range->client = side->client;
        range->select = side->select;
        range->bounds = bounds;
        range->range = i;
        side->ranges.push_back(std::move(range));
    }
    side->rangesLeft = int(side->ranges.size());
    for (const auto &range : side->ranges)
        scanKeyRange(side, range.get(), keys, who);
}

void IndexSync::scanKeyRange(Scan *side, Scan *range, IndexKeys *keys, const QString &who)
{
    SearchQuery q;
    q.filter = rangeFilter(m_settings.keyField, range->bounds, range->range, range->lastKey);
    q.orderBy = m_settings.keyField + QStringLiteral(" asc");
    q.select = {m_settings.keyField};
    q.top = kPageSize;
    range->inFlight = true;
    ++m_pendingOps;
    range->client->keyPage(q, m_settings.keyField, [this, side, range, keys, who](Result<KeyPage> page) {
        --m_pendingOps;
        range->inFlight = false;
        if (!page) {
            stop(QStringLiteral("reading %1 failed while %2: %3").arg(who, m_progress.phase, page.error()));
            return;
        }
        if (haltIfStopping())
            return;
        if (!page->isEmpty()) {
            const QString last = page->key(page->size() - 1);
            // Without a key past the last one the next page would repeat this one forever.
            if (last.isEmpty() || last == range->lastKey) {
                stop(QStringLiteral("%1 answered a page whose last document has no usable key field \"%2\"").arg(who, m_settings.keyField));
                return;
            }
            range->lastKey = last;
        }
        range->done = page->size() < kPageSize && !page->more;
        range->keys.append(*page);
        if (!range->done) {
            scanKeyRange(side, range, keys, who);
            return;
        }
        if (--side->rangesLeft > 0)
            return;
        // The ranges in order: the keys in the service's order, which seal() then only checks.
        for (const auto &r : side->ranges)
            keys->append(std::move(r->keys));
        keys->seal();
        side->done = true;
        if (m_sourceScan->done && m_targetScan->done)
            afterKeyScan();
    });
}

void IndexSync::afterKeyScan()
{
    if (m_options.full) {
        // Called once the copy is done: every key the target has and the source has not.
        m_sourceKeys.seal();
        deleteKeys(IndexKeys::missingFrom(m_targetKeys, m_sourceKeys), [this] { verify(); });
        return;
    }
    m_scanDone = true;
    afterScanAndCopy();
}

void IndexSync::startDeltaCopy()
{
    if (!m_writeChecked || !m_watermarkRead || m_copyStarted)
        return;
    m_copyStarted = true;
    m_report.watermark = QDateTime::fromString(m_watermarkLiteral, Qt::ISODateWithMs);
    const QString from = m_watermarkLiteral.isEmpty() ? QString() : m_settings.watermarkField + QStringLiteral(" ge ") + m_watermarkLiteral;
    startCopy(from, true, false, [this] {
        m_copyPassDone = true;
        afterScanAndCopy();
    });
}

void IndexSync::afterScanAndCopy()
{
    if (!m_scanDone || !m_copyPassDone)
        return;
    m_missingKeys = IndexKeys::missingFrom(m_sourceKeys, m_targetKeys);
    // A key the copy wrote is the source's even when the source's scan missed it (added
    // behind the scan's position) while the target's scan saw it written: never delete it.
    QList<QString> extra = IndexKeys::missingFrom(m_targetKeys, m_sourceKeys);
    extra.removeIf([this](const QString &k) { return m_copiedKeys.contains(k); });
    const auto copyMissing = [this] { startCopy(QString(), false, true, [this] { verify(); }); };
    if (extra.isEmpty()) {
        copyMissing();
        return;
    }
    const bool watermarkDeleted = !m_watermarkKey.isEmpty() && extra.contains(m_watermarkKey);
    deleteKeys(extra, [this, watermarkDeleted, copyMissing] {
        if (!watermarkDeleted) {
            copyMissing();
            return;
        }
        // The watermark the copy started from was a document only the target had: it may
        // be newer than changes the source made, which the copy then passed over. The
        // target's newest below it (what the copy did not write) is where those start.
        const QString field = m_settings.watermarkField;
        const QString below = m_watermarkLiteral;
        readWatermark(field + QStringLiteral(" lt ") + below, [this, field, below] {
            m_report.watermark = QDateTime::fromString(m_watermarkLiteral, Qt::ISODateWithMs);
            QString filter = field + QStringLiteral(" lt ") + below;
            if (!m_watermarkLiteral.isEmpty())
                filter = field + QStringLiteral(" ge ") + m_watermarkLiteral + QStringLiteral(" and ") + filter;
            startCopy(filter, true, true, [this] { verify(); });
        });
    });
}

void IndexSync::deleteKeys(const QList<QString> &keys, std::function<void()> then)
{
    m_progress.phase = QStringLiteral("deleting");
    m_progress.toDelete = keys.size();
    emitProgress();
    QJsonArray actions;
    for (const QString &k : keys)
        actions.append(QJsonObject{{QStringLiteral("@search.action"), QStringLiteral("delete")}, {m_settings.keyField, k}});
    m_readsDone = true;
    m_phaseDone = std::move(then);
    enqueue(actions, true);
    maybePhaseDone();
}

void IndexSync::readWatermark(const QString &filter, std::function<void()> then)
{
    const QString field = m_settings.watermarkField;
    ++m_pendingOps;
    m_target->newest(field, {m_settings.keyField, field}, filter, [this, field, then](Result<QJsonObject> doc) {
        --m_pendingOps;
        if (!doc) {
            stop(QStringLiteral("reading %1's newest %2 failed: %3").arg(m_targetName, field, doc.error()));
            return;
        }
        if (haltIfStopping())
            return;
        m_watermarkLiteral.clear();
        m_watermarkKey.clear();
        if (!doc->isEmpty()) {
            // The service's own text is the filter literal: re-formatting it could round a
            // finer fraction up and skip documents.
            m_watermarkLiteral = doc->value(field).toString();
            m_watermarkKey = doc->value(m_settings.keyField).toString();
            if (!QDateTime::fromString(m_watermarkLiteral, Qt::ISODateWithMs).isValid()) {
                stop(QStringLiteral("%1's newest document has a %2 that is not a date: %3")
                         .arg(m_targetName, field, doc->value(field).toVariant().toString()));
                return;
            }
        }
        then();
    });
}

void IndexSync::startCopy(const QString &filter, bool scan, bool withMissing, std::function<void()> then)
{
    m_progress.phase = QStringLiteral("copying");
    emitProgress();
    m_toCopyBefore = std::max<qint64>(0, m_progress.toCopy);
    m_copyScan = Scan{};
    m_copyScan.client = m_source;
    m_copyScan.filter = filter;
    m_copyScan.done = !scan;
    m_copyScanIsKeys = false;
    m_readsDone = false;
    m_missingQueued = !withMissing;
    if (m_options.full) {
        // The target's keys are read while the copy runs: only keys that are not the
        // source's matter, and the copy writes source keys only.
        m_sourceScan = std::make_unique<Scan>();
        m_targetScan = std::make_unique<Scan>();
        m_targetScan->client = m_target;
        m_targetScan->select = {m_settings.keyField};
        scanKeysOf(m_targetScan.get(), &m_targetKeys, m_targetName);
    }
    m_phaseDone = [this, then] {
        if (m_options.full) {
            // Everything in the source was just read: its keys are known.
            m_sourceScan->done = true;
            if (m_targetScan->done)
                afterKeyScan();
        } else {
            then();
        }
    };
    requestCopyPage();
}

void IndexSync::requestCopyPage()
{
    if (m_readsDone || m_copyScan.inFlight || m_finished || m_cancelled || !m_error.isEmpty())
        return;
    // Back pressure: read ahead while batches are in flight, but not further than one round.
    if (m_queue.size() >= m_options.concurrency)
        return;
    if (m_copyScan.done) {
        if (!m_missingQueued) {
            // Documents the target lacks whatever their watermark (an earlier sync that
            // failed part-way, documents restored with an old date).
            m_missingQueued = true;
            QList<QString> missing;
            for (const QString &k : std::as_const(m_missingKeys)) {
                if (!m_copiedKeys.contains(k))
                    missing.append(k);
            }
            m_progress.toCopy = std::max<qint64>(0, m_progress.toCopy) + missing.size();
            for (qsizetype i = 0; i < missing.size(); i += kPageSize)
                m_keyChunks.append(keysFilter(m_settings.keyField, missing.mid(i, kPageSize)));
        }
        if (m_keyChunks.isEmpty()) {
            m_readsDone = true;
            maybePhaseDone();
            return;
        }
        const QString filter = m_keyChunks.takeFirst();
        m_copyScan = Scan{};
        m_copyScan.client = m_source;
        m_copyScan.filter = filter;
        m_copyScanIsKeys = true;
    }
    const bool first = m_copyScan.lastKey.isEmpty() && !m_copyScanIsKeys;
    if (first)
        m_copyScanIsKeys = false;
    scanPage(
        &m_copyScan,
        [this, first](const QList<QJsonObject> &docs, std::optional<qint64> count) {
            if (first && count)
                m_progress.toCopy = m_toCopyBefore + *count;
            QJsonArray actions;
            for (const QJsonObject &d : docs) {
                QJsonObject action = withoutAnnotations(d);
                const QString key = action.value(m_settings.keyField).toString();
                m_copiedKeys.insert(key);
                if (m_options.full)
                    m_sourceKeys.append(key);
                // upload replaces the whole document: the target ends up with exactly the
                // source's fields, and a repeat is harmless.
                action.insert(QStringLiteral("@search.action"), QStringLiteral("upload"));
                actions.append(action);
            }
            enqueue(actions, false);
        },
        [this] { requestCopyPage(); },
        m_sourceName);
}

void IndexSync::enqueue(const QJsonArray &actions, bool deletes)
{
    for (qsizetype i = 0; i < actions.size(); i += m_options.batchSize) {
        Batch b;
        b.deletes = deletes;
        for (qsizetype j = i; j < std::min<qsizetype>(actions.size(), i + m_options.batchSize); ++j)
            b.actions.append(actions.at(j));
        m_queue.append(b);
    }
    pump();
}

void IndexSync::pump()
{
    if (m_finished || m_cancelled || !m_error.isEmpty())
        return;
    while (m_inFlight < m_options.concurrency && !m_queue.isEmpty())
        sendBatch(m_queue.takeFirst());
    requestCopyPage();
}

void IndexSync::sendBatch(Batch batch)
{
    ++m_inFlight;
    ++m_pendingOps;
    m_target->indexBatch(batch.actions, [this, batch](Result<QList<IndexItemResult>> result) {
        --m_inFlight;
        --m_pendingOps;
        batchFinished(batch, result);
    });
}

void IndexSync::batchFinished(const Batch &batch, const Result<QList<IndexItemResult>> &result)
{
    if (!result) {
        stop(QStringLiteral("writing %1 documents to %2 failed while %3: %4")
                 .arg(batch.actions.size())
                 .arg(m_targetName, m_progress.phase, result.error()));
        return;
    }
    QHash<QString, qsizetype> position;
    for (qsizetype i = 0; i < batch.actions.size(); ++i)
        position.insert(batch.actions.at(i).toObject().value(m_settings.keyField).toString(), i);
    QList<bool> answered(batch.actions.size(), false);
    QJsonArray retry;
    const auto failed = [this](const QString &key, const QString &why) {
        ++m_progress.failed;
        if (m_firstFailure.isEmpty())
            m_firstFailure = key + QStringLiteral(": ") + why;
    };
    for (qsizetype i = 0; i < result->size(); ++i) {
        const IndexItemResult &item = result->at(i);
        const qsizetype at = item.key.isEmpty() ? i : position.value(item.key, -1);
        if (at < 0 || at >= batch.actions.size() || answered[at])
            continue;
        answered[at] = true;
        const QString key = batch.actions.at(at).toObject().value(m_settings.keyField).toString();
        if (item.succeeded) {
            if (batch.deletes)
                ++m_progress.deleted;
            else
                ++m_progress.copied;
        } else if (retryable(item.statusCode) && batch.attempt < m_options.itemRetries) {
            retry.append(batch.actions.at(at));
        } else {
            failed(key, QStringLiteral("%1 (HTTP %2)").arg(item.errorMessage).arg(item.statusCode));
        }
    }
    for (qsizetype i = 0; i < answered.size(); ++i) {
        if (!answered[i])
            failed(batch.actions.at(i).toObject().value(m_settings.keyField).toString(),
                   QStringLiteral("the service reported no result for it"));
    }
    m_report.copied = m_progress.copied;
    m_report.deleted = m_progress.deleted;
    emitProgress();
    if (!retry.isEmpty()) {
        ++m_retriesWaiting;
        QTimer::singleShot(kBackoffMs << batch.attempt, this, [this, retry, batch] {
            --m_retriesWaiting;
            if (m_finished || haltIfStopping())
                return;
            Batch again;
            again.actions = retry;
            again.attempt = batch.attempt + 1;
            again.deletes = batch.deletes;
            m_queue.prepend(again);
            pump();
            maybePhaseDone();
        });
    }
    if (haltIfStopping())
        return;
    pump();
    maybePhaseDone();
}

void IndexSync::maybePhaseDone()
{
    if (m_finished || !m_readsDone || !m_queue.isEmpty() || m_inFlight > 0 || m_retriesWaiting > 0 || !m_phaseDone)
        return;
    if (m_progress.failed > 0) {
        stop(QStringLiteral("%1 of the documents could not be written to %2 after %3 retries (first: %4)")
                 .arg(m_progress.failed)
                 .arg(m_targetName)
                 .arg(m_options.itemRetries)
                 .arg(m_firstFailure));
        return;
    }
    std::exchange(m_phaseDone, {})();
}

void IndexSync::verify()
{
    m_progress.phase = QStringLiteral("verifying");
    emitProgress();
    verifyCounts(1);
}

void IndexSync::verifyCounts(int attempt)
{
    auto counts = std::make_shared<std::pair<std::optional<Result<qint64>>, std::optional<Result<qint64>>>>();
    const auto both = [this, counts, attempt] {
        if (!counts->first || !counts->second)
            return;
        if (haltIfStopping())
            return;
        const Result<qint64> &s = *counts->first;
        const Result<qint64> &t = *counts->second;
        if (!s || !t) {
            stop(QStringLiteral("counting the documents of %1 failed while verifying: %2")
                     .arg(!s ? m_sourceName : m_targetName, !s ? s.error() : t.error()));
            return;
        }
        m_report.sourceCount = *s;
        m_report.targetCount = *t;
        if (*s != *t && attempt < kCountAttempts) {
            QTimer::singleShot(kCountRetryMs, this, [this, attempt] {
                if (!m_finished && !haltIfStopping())
                    verifyCounts(attempt + 1);
            });
            return;
        }
        verifySample();
    };
    m_pendingOps += 2;
    m_source->count([this, counts, both](Result<qint64> n) {
        --m_pendingOps;
        counts->first = std::move(n);
        both();
    });
    m_target->count([this, counts, both](Result<qint64> n) {
        --m_pendingOps;
        counts->second = std::move(n);
        both();
    });
}

void IndexSync::verifySample()
{
    // Half of the sample from what was just copied (what this run is answerable for), the
    // rest from anywhere in the source.
    QList<QString> sample;
    QSet<QString> chosen;
    const auto pick = [&](qsizetype poolSize, const auto &keyAt, int want) {
        // Distinct positions drawn at random; a few tries more than wanted, since a key
        // may already be in the sample.
        QSet<qsizetype> drawn;
        for (int tries = 0; int(sample.size()) < want && tries < want * 4 && drawn.size() < poolSize; ++tries) {
            const qsizetype at = QRandomGenerator::global()->bounded(poolSize);
            if (drawn.contains(at))
                continue;
            drawn.insert(at);
            const QString k = keyAt(at);
            if (!chosen.contains(k)) {
                chosen.insert(k);
                sample.append(k);
            }
        }
    };
    const QList<QString> copied(m_copiedKeys.cbegin(), m_copiedKeys.cend());
    pick(copied.size(), [&](qsizetype i) { return copied.at(i); }, m_options.sampleSize / 2);
    pick(m_sourceKeys.size(), [this](qsizetype i) { return m_sourceKeys.key(i); }, m_options.sampleSize);
    const bool countsEqual = m_report.sourceCount == m_report.targetCount;
    if (sample.isEmpty()) {
        m_report.sampled = 0;
        m_report.verified = countsEqual;
        m_report.verification = countsEqual ? QStringLiteral("counts equal (%1); no document to sample").arg(m_report.sourceCount)
                                            : QStringLiteral("counts differ: %1 has %2 documents, %3 has %4")
                                                  .arg(m_sourceName)
                                                  .arg(m_report.sourceCount)
                                                  .arg(m_targetName)
                                                  .arg(m_report.targetCount);
        m_report.elapsedMs = m_elapsed.elapsed();
        finish(m_report);
        return;
    }
    SearchQuery q;
    q.filter = keysFilter(m_settings.keyField, sample);
    q.top = int(sample.size());
    auto sides = std::make_shared<std::pair<std::optional<Result<SearchPage>>, std::optional<Result<SearchPage>>>>();
    const auto both = [this, sides, sample, countsEqual] {
        if (!sides->first || !sides->second)
            return;
        if (haltIfStopping())
            return;
        const Result<SearchPage> &s = *sides->first;
        const Result<SearchPage> &t = *sides->second;
        if (!s || !t) {
            stop(QStringLiteral("reading the sampled documents of %1 failed while verifying: %2")
                     .arg(!s ? m_sourceName : m_targetName, !s ? s.error() : t.error()));
            return;
        }
        const auto sums = [this](const SearchPage &page) {
            QHash<QString, QByteArray> out;
            for (const QJsonObject &d : page.documents)
                out.insert(d.value(m_settings.keyField).toString(), checksum(d));
            return out;
        };
        const QHash<QString, QByteArray> a = sums(*s);
        const QHash<QString, QByteArray> b = sums(*t);
        int differ = 0;
        QString first;
        for (const QString &k : sample) {
            // A document deleted from the source since the scan is no difference.
            if (!a.contains(k))
                continue;
            if (a.value(k) != b.value(k)) {
                ++differ;
                if (first.isEmpty())
                    first = k;
            }
        }
        m_report.sampled = int(sample.size());
        m_report.verified = countsEqual && differ == 0;
        QStringList words;
        words << (countsEqual ? QStringLiteral("counts equal (%1)").arg(m_report.sourceCount)
                              : QStringLiteral("counts differ: %1 has %2 documents, %3 has %4")
                                    .arg(m_sourceName)
                                    .arg(m_report.sourceCount)
                                    .arg(m_targetName)
                                    .arg(m_report.targetCount));
        words << (differ == 0 ? QStringLiteral("%1 sampled documents identical").arg(sample.size())
                              : QStringLiteral("%1 of %2 sampled documents differ (first: %3)").arg(differ).arg(sample.size()).arg(first));
        m_report.verification = words.join(QStringLiteral("; "));
        m_report.elapsedMs = m_elapsed.elapsed();
        finish(m_report);
    };
    m_pendingOps += 2;
    m_source->page(q, [this, sides, both](Result<SearchPage> p) {
        --m_pendingOps;
        sides->first = std::move(p);
        both();
    });
    m_target->page(q, [this, sides, both](Result<SearchPage> p) {
        --m_pendingOps;
        sides->second = std::move(p);
        both();
    });
}

// ---- endpoints from the profile ----

namespace {

// The app's token source for `secrets`: made once per app and authority, then shared.
TokenSource *sharedTokenSource(const AzureSettings &azure, const QList<QSslCertificate> &cas, SecretStore *secrets)
{
    const QString name = QStringLiteral("entra-tokens/%1/%2/%3")
                             .arg(azure.authority.toString(), azure.tenantId, azure.clientId);
    for (auto *existing : secrets->findChildren<EntraTokenSource *>(name, Qt::FindDirectChildrenOnly))
        return existing;
    // Its own network access: the callers of endpointsFor hand none, and a token request is
    // independent of the sync's traffic.
    auto *network = new QNetworkAccessManager();
    auto *tokens = new EntraTokenSource(network, secrets, entraSettings(azure, cas), secrets);
    network->setParent(tokens);
    tokens->setObjectName(name);
    return tokens;
}

} // namespace

void IndexSync::endpointsFor(const Profile &profile, const QString &fromRegion, const QString &toRegion, SecretStore *secrets,
                             std::function<void(Result<std::pair<SearchEndpoint, SearchEndpoint>>)> done)
{
    const auto answer = [done](Result<std::pair<SearchEndpoint, SearchEndpoint>> r) {
        QTimer::singleShot(0, [done, r = std::move(r)] { done(r); });
    };
    if (!profile.indexSync) {
        answer(fail(QStringLiteral("the profile has no indexSync section: it does not say which component holds the search index")));
        return;
    }
    if (fromRegion == toRegion) {
        answer(fail(QStringLiteral("the source and the target are the same region (%1)").arg(fromRegion)));
        return;
    }
    const QString componentId = profile.indexSync->componentId;
    const auto component = [&](const QString &regionId) -> Result<const Component *> {
        const Region *region = profile.region(regionId);
        if (!region)
            return fail(QStringLiteral("the profile has no region %1").arg(regionId));
        const Component *c = region->component(componentId);
        if (!c)
            return fail(QStringLiteral("region %1 has no component %2").arg(regionId, componentId));
        if (!c->search)
            return fail(QStringLiteral("region %1's component %2 has no search settings").arg(regionId, componentId));
        return c;
    };
    const auto from = component(fromRegion);
    if (!from) {
        answer(std::unexpected(from.error()));
        return;
    }
    const auto to = component(toRegion);
    if (!to) {
        answer(std::unexpected(to.error()));
        return;
    }
    const bool fromEntra = (*from)->search->entra();
    const bool toEntra = (*to)->search->entra();
    if ((fromEntra || toEntra) && !(profile.azure && profile.azure->clientSecret)) {
        answer(fail(QStringLiteral("region %1's search uses auth entra: the profile needs an \"azure\" section with a clientSecret")
                        .arg(fromEntra ? fromRegion : toRegion)));
        return;
    }
    if (!toEntra && !(*to)->search->adminKey) {
        answer(fail(QStringLiteral("region %1's component %2 has no search.adminKey: index sync writes to it and needs its admin key")
                        .arg(toRegion, componentId)));
        return;
    }
    QList<QSslCertificate> cas;
    for (const QString &path : profile.caCertificates)
        cas += TlsProbe::loadCaFile(path);
    const auto endpoint = [&cas](const Component &c) {
        SearchEndpoint e;
        e.serviceUrl = c.endpoint;
        e.indexName = c.search->indexName;
        e.apiVersion = c.search->apiVersion;
        e.caCertificates = cas;
        // A batch of 1,000 documents may take longer than a probe's answer.
        e.timeoutMs = 60000;
        return e;
    };
    struct Pending
    {
        std::pair<SearchEndpoint, SearchEndpoint> endpoints;
        int left = 2;
        QString error;
    };
    auto pending = std::make_shared<Pending>();
    pending->endpoints = {endpoint(**from), endpoint(**to)};
    if (fromEntra || toEntra) {
        TokenSource *tokens = sharedTokenSource(*profile.azure, cas, secrets);
        for (auto [entra, side] : {std::pair{fromEntra, &pending->endpoints.first}, std::pair{toEntra, &pending->endpoints.second}}) {
            if (!entra)
                continue;
            side->tokens = tokens;
            side->scope = profile.azure->searchScope;
        }
    }
    pending->left = int(!fromEntra) + int(!toEntra);
    if (pending->left == 0) {
        answer(pending->endpoints);
        return;
    }
    const auto settle = [pending, done] {
        if (--pending->left > 0)
            return;
        if (!pending->error.isEmpty())
            done(fail(pending->error));
        else
            done(pending->endpoints);
    };
    if (!fromEntra) {
        secrets->read((*from)->search->apiKey, [pending, settle, fromRegion](Result<QByteArray> key) {
            if (key)
                pending->endpoints.first.apiKey = *key;
            else if (pending->error.isEmpty())
                pending->error = QStringLiteral("cannot read region %1's search key: %2").arg(fromRegion, key.error());
            settle();
        });
    }
    if (!toEntra) {
        secrets->read(*(*to)->search->adminKey, [pending, settle, toRegion](Result<QByteArray> key) {
            if (key)
                pending->endpoints.second.apiKey = *key;
            else if (pending->error.isEmpty())
                pending->error = QStringLiteral("cannot read region %1's search admin key: %2").arg(toRegion, key.error());
            settle();
        });
    }
}

} // namespace dr
