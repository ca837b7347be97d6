#pragma once

// One real lab for a test that drives the command-line tools against it: `drlab up` in a
// temporary folder, the lab's profile and operators' passphrase files, drlab and drctl runs
// with the right --dir and --profile, a status sample and a wait for a healthy lab. The test
// passes the tools' paths (its DRLAB_PATH and DRCTL_PATH definitions) so this header needs
// none of its own. Tests only: runs block while spinning the event loop.

#include "statuspoll.h"
#include "toolrun.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QStringList>
#include <QTemporaryDir>

namespace dr::test {

class LabSession
{
public:
    LabSession(const QString &drlabPath, const QString &drctlPath)
        : m_drlab(drlabPath)
        , m_drctl(drctlPath)
    {
    }
    LabSession(const LabSession &) = delete;
    LabSession &operator=(const LabSession &) = delete;

    // Starts the lab; the tools' journals and audit trails go to a folder of the session's
    // own (DRCONSOLE_DATA_DIR), never the developer's. Empty on success, else why not.
    // `upOptions` go to `drlab up` as well (e.g. --routing trafficmanager).
    QString up(const QStringList &upOptions = {})
    {
        if (!m_dir.isValid() || !m_data.isValid())
            return QStringLiteral("no temporary folder");
        qputenv("DRCONSOLE_DATA_DIR", m_data.path().toUtf8());
        const ToolRun run = drlab(QStringList{QStringLiteral("up"), QStringLiteral("--json")} + upOptions);
        if (run.exitCode != 0)
            return QStringLiteral("drlab up exited %1: %2").arg(run.exitCode).arg(QString::fromUtf8(run.err));
        const QJsonObject lab = QJsonDocument::fromJson(run.out).object();
        m_profile = lab.value(QStringLiteral("profile")).toString();
        for (const QJsonValue &v : lab.value(QStringLiteral("operators")).toArray())
            m_passphrases.insert(v.toObject().value(QStringLiteral("name")).toString(),
                                 v.toObject().value(QStringLiteral("passphraseFile")).toString());
        m_up = true;
        if (m_profile.isEmpty() || !m_passphrases.contains(QStringLiteral("lab-operator")))
            return QStringLiteral("drlab up --json named no profile or no lab-operator: %1").arg(QString::fromUtf8(run.out));
        return {};
    }

    void down()
    {
        if (m_up)
            drlab({QStringLiteral("down")});
        m_up = false;
    }

    // --dir right after the command: fault arguments may end the options with "--".
    ToolRun drlab(const QStringList &args, int timeoutMs = 120000) const
    {
        QStringList all = args;
        all.insert(qMin<qsizetype>(1, all.size()), QStringLiteral("--dir"));
        all.insert(qMin<qsizetype>(2, all.size()), m_dir.path());
        return runTool(m_drlab, all, timeoutMs);
    }

    ToolRun drctl(const QStringList &args, int timeoutMs = 180000) const
    {
        return runTool(m_drctl, args + QStringList{QStringLiteral("--profile"), m_profile}, timeoutMs);
    }

    // The sign-in options of an operator the lab created.
    QStringList as(const QString &who) const
    {
        return {QStringLiteral("--operator"), who, QStringLiteral("--passphrase-file"), m_passphrases.value(who)};
    }

    QJsonObject status() const
    {
        return QJsonDocument::fromJson(drctl({QStringLiteral("status"), QStringLiteral("--json")}, 60000).out).object();
    }

    bool waitFor(const std::function<bool(const QJsonObject &)> &predicate, QJsonObject *last, int timeoutMs = 40000) const
    {
        return pollStatus([this] { return status(); }, predicate, last, timeoutMs);
    }

    static bool allComponentsOk(const QJsonObject &s)
    {
        for (const QJsonValue &r : s.value(QStringLiteral("regions")).toArray()) {
            for (const QJsonValue &c : r.toObject().value(QStringLiteral("components")).toArray()) {
                if (c.toObject().value(QStringLiteral("state")).toString() != u"ok")
                    return false;
            }
        }
        return true;
    }

    // What a failover's gates want: every component ok, the index in sync and, unless told
    // otherwise, storage replication ok.
    bool waitReady(QJsonObject *last, bool replicationToo = true, int timeoutMs = 60000) const
    {
        return waitFor([replicationToo](const QJsonObject &s) {
            return allComponentsOk(s)
                && s.value(QStringLiteral("indexSync")).toObject().value(QStringLiteral("lagDocuments")).toInt(-1) == 0
                && (!replicationToo || s.value(QStringLiteral("storageReplication")).toObject().value(QStringLiteral("state")).toString() == u"ok");
        }, last, timeoutMs);
    }

    QString dir() const { return m_dir.path(); }
    QString dataDir() const { return m_data.path(); }
    QString profilePath() const { return m_profile; }
    QString passphraseFile(const QString &who) const { return m_passphrases.value(who); }

private:
    QString m_drlab, m_drctl;
    QTemporaryDir m_dir;
    QTemporaryDir m_data;
    QString m_profile;
    QMap<QString, QString> m_passphrases;
    bool m_up = false;
};

} // namespace dr::test
