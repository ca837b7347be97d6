#pragma once

// The lab's record of itself, kept in DIR/lab.json (mode 0600): the ports it picked, the
// processes it started (with the command line each was started with, so that `down` stops
// exactly those and never a process that later reused the pid), and the names of the
// secrets it generated (their values live in DIR/secrets/, 0600, never in lab.json).

#include "common/result.h"

#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

namespace drlab {

inline const QStringList kRegions = {QStringLiteral("west"), QStringLiteral("north")};
inline constexpr auto kAccountName = "drlabstore";
inline constexpr auto kIndexName = "kb";

struct LabProcess
{
    QString name;     // haproxy, azurite-west, region-west, replicator, ...
    qint64 pid = 0;
    QString marker;   // a string unique to this lab found in /proc/PID/cmdline
};

struct LabState
{
    QString dir;
    QMap<QString, quint16> ports;   // global, runtime-api, service-west, blob-west, front, ...
    QMap<QString, LabProcess> processes;
    bool seeded = false;
    // What stands in for the global routing's control plane: "haproxy" (the profile drives
    // HAProxy's runtime API) or "trafficmanager" (the profile drives the lab's ARM stand-in,
    // which drives HAProxy). HAProxy carries the traffic either way.
    QString routing = QStringLiteral("haproxy");
    // The lab's Entra ID tenant and app (GUIDs, not secrets), chosen at the first
    // trafficmanager up, so that tokens cached for one lab never match another's.
    QString tenantId;
    QString clientId;

    quint16 port(const QString &name) const { return ports.value(name); }
    bool trafficManager() const { return routing == u"trafficmanager"; }

    static QString defaultDir();
    static dr::Result<LabState> load(const QString &dir); // a lab that never started: empty state
    dr::Result<void> save() const;
    QJsonObject toJson() const;

    // Paths inside the lab dir.
    QString path(const QString &relative) const { return dir + u'/' + relative; }
    QString caCertificate() const { return path(QStringLiteral("ca/ca.pem")); }
    QString certificate(const QString &endpoint) const { return path(QStringLiteral("certs/%1.pem").arg(endpoint)); }
    QString privateKey(const QString &endpoint) const { return path(QStringLiteral("certs/%1.key").arg(endpoint)); }
    QString secretFile(const QString &name) const { return path(QStringLiteral("secrets/%1").arg(name)); }
    QString profilePath() const { return path(QStringLiteral("profile.json")); }
    QString faultsPath() const { return path(QStringLiteral("faults.json")); }
    QString logPath(const QString &process) const { return path(QStringLiteral("logs/%1.log").arg(process)); }
};

// True when the process is alive and is the one the lab started (its command line still
// carries the marker).
bool processAlive(const LabProcess &process);

// A free TCP port on 127.0.0.1 (bound and released); `preferred` first when it is free.
quint16 freePort(quint16 preferred = 0);
bool portFree(quint16 port);

// Writes a file readable by its owner only (secrets, keys, the state file).
dr::Result<void> writePrivateFile(const QString &path, const QByteArray &data);
dr::Result<QByteArray> readFile(const QString &path, qint64 maxBytes = 1024 * 1024);

} // namespace drlab
