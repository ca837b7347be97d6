#include "faults.h"

#include "labstate.h"

#include "logging/logging.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace drlab {

bool Faults::isEmpty() const
{
    if (replicationLagSeconds != 0 || !certificateDays.isEmpty() || !indexDrift.isEmpty())
        return false;
    for (const RegionFaults &r : regions) {
        if (r.down || r.slowMs != 0 || !r.componentsDown.isEmpty())
            return false;
    }
    return true;
}

dr::Result<Faults> Faults::load(const QString &path)
{
    Faults faults;
    if (!QFileInfo::exists(path))
        return faults;
    const auto data = readFile(path);
    if (!data)
        return std::unexpected(data.error());
    QJsonParseError error;
    const QJsonObject o = QJsonDocument::fromJson(*data, &error).object();
    if (error.error != QJsonParseError::NoError)
        return dr::fail(QStringLiteral("%1 is not valid JSON: %2").arg(path, error.errorString()));
    faults.replicationLagSeconds = o.value(QStringLiteral("replicationLagSeconds")).toInt();
    const QJsonObject certs = o.value(QStringLiteral("certificateDays")).toObject();
    for (auto it = certs.begin(); it != certs.end(); ++it)
        faults.certificateDays.insert(it.key(), it.value().toInt());
    const QJsonObject drift = o.value(QStringLiteral("indexDrift")).toObject();
    for (auto it = drift.begin(); it != drift.end(); ++it)
        faults.indexDrift.insert(it.key(), it.value().toInt());
    const QJsonObject regions = o.value(QStringLiteral("regions")).toObject();
    for (auto it = regions.begin(); it != regions.end(); ++it) {
        const QJsonObject r = it.value().toObject();
        RegionFaults rf;
        rf.down = r.value(QStringLiteral("down")).toBool();
        rf.slowMs = r.value(QStringLiteral("slowMs")).toInt();
        for (const QJsonValue &c : r.value(QStringLiteral("componentsDown")).toArray())
            rf.componentsDown.insert(c.toString());
        faults.regions.insert(it.key(), rf);
    }
    return faults;
}

dr::Result<void> Faults::save(const QString &path) const
{
    QJsonObject regions;
    for (auto it = this->regions.begin(); it != this->regions.end(); ++it) {
        QStringList down(it->componentsDown.cbegin(), it->componentsDown.cend());
        down.sort();
        regions.insert(it.key(), QJsonObject{{QStringLiteral("down"), it->down},
                                             {QStringLiteral("slowMs"), it->slowMs},
                                             {QStringLiteral("componentsDown"), QJsonArray::fromStringList(down)}});
    }
    QJsonObject certs;
    for (auto it = certificateDays.begin(); it != certificateDays.end(); ++it)
        certs.insert(it.key(), it.value());
    QJsonObject drift;
    for (auto it = indexDrift.begin(); it != indexDrift.end(); ++it)
        drift.insert(it.key(), it.value());
    const QJsonObject o{{QStringLiteral("regions"), regions},
                        {QStringLiteral("replicationLagSeconds"), replicationLagSeconds},
                        {QStringLiteral("certificateDays"), certs},
                        {QStringLiteral("indexDrift"), drift}};
    return writePrivateFile(path, QJsonDocument(o).toJson(QJsonDocument::Indented));
}

FaultWatcher::FaultWatcher(const QString &path, QObject *parent)
    : QObject(parent)
    , m_path(path)
{
    connect(&m_timer, &QTimer::timeout, this, &FaultWatcher::poll);
    m_timer.start(250);
    poll();
}

void FaultWatcher::poll()
{
    // Read every time rather than trust modification times: the file is tiny, and two writes
    // within one timestamp tick must not be missed.
    const auto loaded = Faults::load(m_path);
    if (!loaded) {
        dr::log::get("lab")->warn("{}", loaded.error().toStdString());
        return;
    }
    if (*loaded == m_faults)
        return;
    m_faults = *loaded;
    emit changed(m_faults);
}

} // namespace drlab
