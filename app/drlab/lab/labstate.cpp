#include "labstate.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTcpServer>

#include <csignal>
#include <sys/stat.h>

namespace drlab {

QString LabState::defaultDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/drconsole/lab");
}

dr::Result<LabState> LabState::load(const QString &dir)
{
    LabState state;
    state.dir = QDir(dir).absolutePath();
    const QString file = state.path(QStringLiteral("lab.json"));
    if (!QFileInfo::exists(file))
        return state;
    const auto data = readFile(file);
    if (!data)
        return std::unexpected(data.error());
    QJsonParseError error;
    const QJsonObject o = QJsonDocument::fromJson(*data, &error).object();
    if (error.error != QJsonParseError::NoError)
        return dr::fail(QStringLiteral("%1 is damaged (%2): run 'drlab down --purge --dir %3' to start afresh")
                            .arg(file, error.errorString(), dir));
    const QJsonObject ports = o.value(QStringLiteral("ports")).toObject();
    for (auto it = ports.begin(); it != ports.end(); ++it)
        state.ports.insert(it.key(), quint16(it.value().toInt()));
    const QJsonObject processes = o.value(QStringLiteral("processes")).toObject();
    for (auto it = processes.begin(); it != processes.end(); ++it) {
        const QJsonObject p = it.value().toObject();
        state.processes.insert(it.key(), LabProcess{it.key(), p.value(QStringLiteral("pid")).toInteger(),
                                                    p.value(QStringLiteral("marker")).toString()});
    }
    state.seeded = o.value(QStringLiteral("seeded")).toBool();
    state.routing = o.value(QStringLiteral("routing")).toString(QStringLiteral("haproxy"));
    state.tenantId = o.value(QStringLiteral("tenantId")).toString();
    state.clientId = o.value(QStringLiteral("clientId")).toString();
    return state;
}

QJsonObject LabState::toJson() const
{
    QJsonObject ports;
    for (auto it = this->ports.begin(); it != this->ports.end(); ++it)
        ports.insert(it.key(), it.value());
    QJsonObject processes;
    for (const LabProcess &p : this->processes)
        processes.insert(p.name, QJsonObject{{QStringLiteral("pid"), p.pid}, {QStringLiteral("marker"), p.marker}});
    QJsonObject o{{QStringLiteral("ports"), ports}, {QStringLiteral("processes"), processes}, {QStringLiteral("seeded"), seeded},
                  {QStringLiteral("routing"), routing}};
    if (!tenantId.isEmpty())
        o.insert(QStringLiteral("tenantId"), tenantId);
    if (!clientId.isEmpty())
        o.insert(QStringLiteral("clientId"), clientId);
    return o;
}

dr::Result<void> LabState::save() const
{
    return writePrivateFile(path(QStringLiteral("lab.json")), QJsonDocument(toJson()).toJson(QJsonDocument::Indented));
}

bool processAlive(const LabProcess &process)
{
    if (process.pid <= 0 || ::kill(pid_t(process.pid), 0) != 0)
        return false;
    QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(process.pid));
    if (!cmdline.open(QIODevice::ReadOnly))
        return false;
    QByteArray args = cmdline.readAll();
    args.replace('\0', ' ');
    // A zombie has an empty command line: it is not alive for our purposes.
    return !args.isEmpty() && args.contains(process.marker.toUtf8());
}

bool portFree(quint16 port)
{
    if (port == 0)
        return false;
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, port);
}

quint16 freePort(quint16 preferred)
{
    if (preferred != 0 && portFree(preferred))
        return preferred;
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

dr::Result<void> writePrivateFile(const QString &path, const QByteArray &data)
{
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return dr::fail(QStringLiteral("cannot create the folder of %1").arg(path));
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return dr::fail(QStringLiteral("cannot write %1: %2").arg(path, f.errorString()));
    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    f.write(data);
    if (!f.commit())
        return dr::fail(QStringLiteral("cannot write %1: %2").arg(path, f.errorString()));
    ::chmod(QFile::encodeName(path).constData(), 0600);
    return {};
}

dr::Result<QByteArray> readFile(const QString &path, qint64 maxBytes)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return dr::fail(QStringLiteral("cannot read %1: %2").arg(path, f.errorString()));
    if (f.size() > maxBytes)
        return dr::fail(QStringLiteral("%1 is larger than %2 bytes").arg(path).arg(maxBytes));
    return f.readAll();
}

} // namespace drlab
