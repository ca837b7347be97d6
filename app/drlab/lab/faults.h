#pragma once

// The faults in force in a lab, kept in DIR/faults.json so that `drlab fault` (one process)
// can tell the region services and the replicator (other processes) what to break. Each of
// them watches the file (FaultWatcher) and applies it within a quarter of a second.

#include "common/result.h"

#include <QDateTime>
#include <QMap>
#include <QObject>
#include <QSet>
#include <QString>
#include <QTimer>

namespace drlab {

struct RegionFaults
{
    bool down = false;              // the region service stops answering
    int slowMs = 0;                 // every answer of the region service waits this long
    QSet<QString> componentsDown;   // knowledge-base, search-index, storage
    bool operator==(const RegionFaults &) const = default;
};

struct Faults
{
    QMap<QString, RegionFaults> regions;
    int replicationLagSeconds = 0;
    QMap<QString, int> certificateDays; // region -> days its certificate was reissued for
    QMap<QString, int> indexDrift;      // region -> documents added to its index only

    RegionFaults region(const QString &id) const { return regions.value(id); }
    bool isEmpty() const;
    bool operator==(const Faults &) const = default;

    static dr::Result<Faults> load(const QString &path); // a missing file: no faults
    dr::Result<void> save(const QString &path) const;
};

class FaultWatcher : public QObject
{
    Q_OBJECT

public:
    explicit FaultWatcher(const QString &path, QObject *parent = nullptr);
    const Faults &faults() const { return m_faults; }

signals:
    void changed(const drlab::Faults &faults);

private:
    void poll();

    QString m_path;
    Faults m_faults;
    QTimer m_timer;
};

} // namespace drlab
