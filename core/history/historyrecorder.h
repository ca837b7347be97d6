#pragma once

// Feeds a HistoryStore from a ProbeEngine: every result with a latency becomes a point of
// "latency/<target id>" (certificate checks excepted: their handshake time says nothing
// about the service), and the facts of the profile-wide probes become their own series:
// the index sync lag ("indexSync/lagDocuments", "indexSync/lagSeconds") and the storage
// replication lag ("replication/lagSeconds"). Every component and profile-wide probe also
// gets "up/<target id>": 1 when the result was a success, 0 when not, so that reports can
// say how much of a period a component answered (its uptime). A fact missing from a result (the probe
// failed before measuring it) records nothing rather than a misleading zero.
//
// The recorder holds no state of its own; the store and the engine must outlive it (or be
// its parents' siblings, destroyed after it).

#include <QObject>
#include <QString>

namespace dr {

class HistoryStore;
class ProbeEngine;
struct ProbeResult;

class HistoryRecorder : public QObject
{
    Q_OBJECT

public:
    HistoryRecorder(ProbeEngine *engine, HistoryStore *store, QObject *parent = nullptr);

    static QString latencyKey(const QString &targetId);
    static QString indexLagDocumentsKey();
    static QString indexLagSecondsKey();
    static QString replicationLagSecondsKey();
    static QString upKey(const QString &targetId); // "up/<target id>"

    // What one result adds to the store; the engine's signal lands here.
    void record(const QString &targetId, const dr::ProbeResult &result);

private:
    HistoryStore *m_store;
};

} // namespace dr
