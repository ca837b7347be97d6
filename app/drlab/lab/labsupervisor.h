#pragma once

// Brings the lab up and down and says how it is: the command side of `drlab up|down|status`.
// `up` is idempotent: parts that run are left alone, parts that died are started again, and
// it returns only when every part answers (or says which one did not, and why). `down` stops
// exactly the processes the lab recorded (checked by their command line), and leaves nothing
// listening on the lab's ports.

#include "labstate.h"

#include <QJsonObject>
#include <QStringList>

namespace drlab {

struct PartStatus
{
    QString name;
    bool running = false;
    bool healthy = false;
    QString detail;
};

class LabSupervisor
{
public:
    explicit LabSupervisor(const QString &dir);

    // The contract's `up --json` document. `routing` "haproxy" or "trafficmanager" (the ARM
    // stand-in, armstandin.h); empty: what the lab ran last (haproxy for a new lab).
    dr::Result<QJsonObject> up(int timeoutSeconds = 120, const QString &routing = QString());
    dr::Result<void> down(bool purge);
    QList<PartStatus> status();
    // "haproxy" or "trafficmanager", as recorded (after status(), up() or down()).
    QString routing() const { return m_state.routing; }

    static QStringList partNames();   // the parts every lab runs
    QStringList parts() const;        // and those of this lab's routing (the ARM stand-in)
    // Where the lab's own executable is (for serve-region and replicate children).
    static QString selfExecutable();
    // Azurite's blob service in the project's node_modules, or empty with the reason.
    static dr::Result<QString> azuriteExecutable();
    static dr::Result<QString> haproxyExecutable();

    QJsonObject upDocument() const;

private:
    dr::Result<void> prepare();          // PKI, secrets, ports, configs
    dr::Result<void> startPart(const QString &name);
    bool checkHealth(const QString &name, QString *detail);
    dr::Result<void> writeProfile();
    // DIR/operators.json with the four lab operators, hashed from their passphrase files.
    dr::Result<void> ensureOperatorDirectory();
    void stopProcess(const LabProcess &process);

    LabState m_state;
};

} // namespace drlab
