#include "labsupervisor.h"

#include "armstandin.h"
#include "haproxyconfig.h"
#include "labpki.h"
#include "labprofile.h"

#include "auth/operatordirectory.h"
#include "logging/logging.h"
#include "routing/haproxyruntime.h"
#include "secrets/secretstore.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRandomGenerator>
#include <QSslConfiguration>
#include <QStandardPaths>
#include <QThread>
#include <QTimer>
#include <QUuid>

#include <array>
#include <csignal>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace drlab {

namespace {

const QStringList kPortNames = {QStringLiteral("global"),      QStringLiteral("runtime-api"), QStringLiteral("service-west"),
                                QStringLiteral("service-north"), QStringLiteral("blob-west"),   QStringLiteral("blob-north"),
                                QStringLiteral("front")};
const QString kArmPart = QStringLiteral("arm-standin");

struct Operator
{
    const char *name;
    const char *role;
};
constexpr Operator kOperators[] = {
    {"lab-admin", "admin"}, {"lab-operator", "operator"}, {"lab-approver", "approver"}, {"lab-viewer", "viewer"}};

QByteArray randomBytes(int n)
{
    QByteArray b(n, Qt::Uninitialized);
    for (int i = 0; i < n; ++i)
        b[i] = char(QRandomGenerator::system()->bounded(256));
    return b;
}

// A client secret as Entra ID makes them (40 characters, with '~', '.', '_' and '-'), so the
// lab exercises the form encoding a real secret needs.
QByteArray entraClientSecret()
{
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~-";
    QByteArray secret;
    for (int i = 0; i < 40; ++i)
        secret += kAlphabet[QRandomGenerator::system()->bounded(int(sizeof(kAlphabet)) - 1)];
    secret[3] = '8';
    secret[4] = 'Q';
    secret[5] = '~';
    return secret;
}

// The HTTP status of one GET (any status means the server answers), or -1 with the reason.
int httpStatus(const QUrl &url, const QString &caFile, int timeoutMs, QString *why)
{
    QNetworkAccessManager network;
    QNetworkRequest request(url);
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.addCaCertificates(QSslCertificate::fromPath(caFile));
    request.setSslConfiguration(ssl);
    request.setTransferTimeout(timeoutMs);
    QNetworkReply *reply = network.get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs + 500, &loop, &QEventLoop::quit);
    loop.exec();
    const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!reply->isFinished() || !status.isValid()) {
        if (why)
            *why = reply->isFinished() ? reply->errorString() : QStringLiteral("no answer within %1 ms").arg(timeoutMs);
        reply->abort();
        delete reply;
        return -1;
    }
    delete reply;
    return status.toInt();
}

QString runtimeCommand(const QString &address, const QString &command, QString *why)
{
    dr::HaproxyRuntime runtime(address);
    runtime.setTimeoutMs(2000);
    QEventLoop loop;
    QString answer;
    runtime.command(command, [&](dr::Result<QString> r) {
        if (r)
            answer = *r;
        else if (why)
            *why = r.error();
        loop.quit();
    });
    loop.exec();
    return answer;
}

} // namespace

LabSupervisor::LabSupervisor(const QString &dir)
{
    m_state.dir = QDir(dir).absolutePath();
}

QStringList LabSupervisor::partNames()
{
    return {QStringLiteral("azurite-west"), QStringLiteral("azurite-north"), QStringLiteral("region-west"),
            QStringLiteral("region-north"), QStringLiteral("replicator"),    QStringLiteral("haproxy")};
}

QStringList LabSupervisor::parts() const
{
    QStringList names = partNames();
    if (m_state.trafficManager())
        names << kArmPart;
    return names;
}

QString LabSupervisor::selfExecutable()
{
    return QCoreApplication::applicationFilePath();
}

dr::Result<QString> LabSupervisor::azuriteExecutable()
{
    if (QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty())
        return dr::fail(QStringLiteral("Node.js is missing (Azurite needs it): apt-get install nodejs npm"));
    QStringList candidates;
    if (qEnvironmentVariableIsSet("DRLAB_AZURITE"))
        candidates << qEnvironmentVariable("DRLAB_AZURITE");
    // The package's copy (/usr/bin/../lib/drconsole/azurite), then a source tree's node_modules
    // above a build tree inside it (build/PRESET/app/drlab: four levels up): no build path is
    // compiled in.
    const QString self = QCoreApplication::applicationDirPath();
    candidates << self + QStringLiteral("/../lib/drconsole/azurite/node_modules/.bin/azurite-blob");
    QString up = self;
    for (int level = 0; level < 5; ++level) {
        up += QStringLiteral("/..");
        candidates << up + QStringLiteral("/node_modules/.bin/azurite-blob");
    }
    candidates << QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
            + QStringLiteral("/drconsole/azurite/node_modules/.bin/azurite-blob");
    for (const QString &c : std::as_const(candidates)) {
        if (QFileInfo(c).isFile())
            return QFileInfo(c).absoluteFilePath();
    }
    return dr::fail(QStringLiteral("Azurite is not installed: reinstall the drconsole package, or run 'bash .ci/deps' "
                                   "in a source tree (npm ci into node_modules/), or set DRLAB_AZURITE to azurite-blob"));
}

dr::Result<QString> LabSupervisor::haproxyExecutable()
{
    QString exe = QStandardPaths::findExecutable(QStringLiteral("haproxy"));
    if (exe.isEmpty())
        exe = QStandardPaths::findExecutable(QStringLiteral("haproxy"), {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin")});
    if (exe.isEmpty())
        return dr::fail(QStringLiteral("HAProxy is missing (the lab's global endpoint): apt-get install haproxy"));
    return exe;
}

dr::Result<void> LabSupervisor::prepare()
{
    for (const char *sub : {"logs", "secrets", "operators", "haproxy", "azurite/west", "azurite/north", "region"}) {
        if (!QDir().mkpath(m_state.path(QLatin1String(sub))))
            return dr::fail(QStringLiteral("cannot create %1").arg(m_state.path(QLatin1String(sub))));
    }
    QFile::setPermissions(m_state.dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    QFile::setPermissions(m_state.path(QStringLiteral("secrets")), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

    LabPki pki(m_state.dir);
    if (auto r = pki.ensureCa(); !r)
        return r;
    QStringList endpoints = {QStringLiteral("global"), QStringLiteral("west"), QStringLiteral("north")};
    if (m_state.trafficManager())
        endpoints << QStringLiteral("arm");
    for (const QString &name : std::as_const(endpoints)) {
        if (!pki.hasCertificate(name)) {
            if (auto r = pki.issueForDays(name, 90); !r)
                return r;
        }
    }

    const auto ensureSecret = [this](const QString &name, const QByteArray &value) -> dr::Result<void> {
        if (QFileInfo::exists(m_state.secretFile(name)))
            return {};
        return writePrivateFile(m_state.secretFile(name), value + '\n');
    };
    if (auto r = ensureSecret(QStringLiteral("storage-account-key"), randomBytes(32).toBase64()); !r)
        return r;
    // The audit trail's HMAC key: the lab has no keychain it may rely on (CI, headless), so a
    // 0600 key file that the profile references; base64 text, as loadAuditKey() creates them.
    if (auto r = ensureSecret(QStringLiteral("audit-key"), randomBytes(32).toBase64()); !r)
        return r;
    for (const QString &region : kRegions) {
        for (const char *kind : {"admin", "query"}) {
            if (auto r = ensureSecret(QStringLiteral("search-%1-%2").arg(region, QLatin1String(kind)), randomBytes(16).toHex().toUpper());
                !r)
                return r;
        }
    }
    for (const Operator &op : kOperators) {
        const QString file = m_state.path(QStringLiteral("operators/%1.passphrase").arg(QLatin1String(op.name)));
        if (!QFileInfo::exists(file)) {
            if (auto r = writePrivateFile(file, randomBytes(18).toBase64(QByteArray::Base64UrlEncoding) + '\n'); !r)
                return r;
        }
    }
    if (auto r = ensureOperatorDirectory(); !r)
        return r;
    if (m_state.trafficManager()) {
        // The lab's Entra ID app: its secret for the profile (a file reference), and the key the
        // ARM stand-in signs its tokens with.
        if (auto r = ensureSecret(QStringLiteral("entra-client-secret"), entraClientSecret()); !r)
            return r;
        if (auto r = ensureSecret(QStringLiteral("entra-signing-key"), randomBytes(32).toBase64()); !r)
            return r;
        if (m_state.tenantId.isEmpty())
            m_state.tenantId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        if (m_state.clientId.isEmpty())
            m_state.clientId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    }

    // Ports: keep the recorded ones while they are ours or free; a part that is not running
    // and whose port someone else took gets a new one (and everything is restarted, since
    // the others' configuration names it).
    bool changed = false;
    QStringList portNames = kPortNames;
    if (m_state.trafficManager())
        portNames << QStringLiteral("arm");
    for (const QString &name : std::as_const(portNames)) {
        const quint16 recorded = m_state.port(name);
        const bool ours = std::any_of(m_state.processes.cbegin(), m_state.processes.cend(), processAlive);
        if (recorded != 0 && (ours || portFree(recorded)))
            continue;
        const quint16 port = freePort();
        if (port == 0)
            return dr::fail(QStringLiteral("no free TCP port on 127.0.0.1"));
        m_state.ports.insert(name, port);
        changed = changed || recorded != 0;
    }
    if (changed) {
        for (const LabProcess &p : std::as_const(m_state.processes))
            stopProcess(p);
        m_state.processes.clear();
    }
    if (auto r = writePrivateFile(m_state.path(QStringLiteral("haproxy/haproxy.cfg")), haproxyConfig(m_state)); !r)
        return r;
    return m_state.save();
}

dr::Result<void> LabSupervisor::startPart(const QString &name)
{
    QString program;
    QStringList args;
    QString marker;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (name.startsWith(QStringLiteral("azurite-"))) {
        const QString region = name.mid(8);
        const auto azurite = azuriteExecutable();
        if (!azurite)
            return std::unexpected(azurite.error());
        const auto key = readFile(m_state.secretFile(QStringLiteral("storage-account-key")));
        if (!key)
            return std::unexpected(key.error());
        program = QStandardPaths::findExecutable(QStringLiteral("node"));
        const QString location = m_state.path(QStringLiteral("azurite/") + region);
        args = {*azurite,
                QStringLiteral("--blobHost"), QStringLiteral("127.0.0.1"),
                QStringLiteral("--blobPort"), QString::number(m_state.port(QStringLiteral("blob-") + region)),
                QStringLiteral("--location"), location,
                QStringLiteral("--cert"), m_state.certificate(region),
                QStringLiteral("--key"), m_state.privateKey(region),
                QStringLiteral("--skipApiVersionCheck"), QStringLiteral("--disableProductStyleUrl"),
                QStringLiteral("--disableTelemetry")};
        marker = location;
        env.insert(QStringLiteral("AZURITE_ACCOUNTS"),
                   QStringLiteral("%1:%2").arg(QLatin1String(kAccountName), QString::fromLatin1(key->trimmed())));
    } else if (name.startsWith(QStringLiteral("region-"))) {
        program = selfExecutable();
        args = {QStringLiteral("serve-region"), QStringLiteral("--dir"), m_state.dir, QStringLiteral("--region"), name.mid(7)};
        marker = args.join(u' ');
    } else if (name == u"replicator") {
        program = selfExecutable();
        args = {QStringLiteral("replicate"), QStringLiteral("--dir"), m_state.dir};
        marker = args.join(u' ');
    } else if (name == kArmPart) {
        program = selfExecutable();
        args = {QStringLiteral("serve-arm"), QStringLiteral("--dir"), m_state.dir};
        marker = args.join(u' ');
    } else if (name == u"haproxy") {
        const auto exe = haproxyExecutable();
        if (!exe)
            return std::unexpected(exe.error());
        program = *exe;
        // -db: stay in the foreground of the detached process, so its pid is the one we record.
        args = {QStringLiteral("-db"), QStringLiteral("-f"), m_state.path(QStringLiteral("haproxy/haproxy.cfg"))};
        marker = args.join(u' ');
    } else {
        return dr::fail(QStringLiteral("unknown lab part %1").arg(name));
    }

    QProcess process;
    process.setProgram(program);
    process.setArguments(args);
    process.setProcessEnvironment(env);
    process.setWorkingDirectory(m_state.dir);
    process.setStandardInputFile(QProcess::nullDevice());
    process.setStandardOutputFile(m_state.logPath(name), QIODevice::Append);
    process.setStandardErrorFile(m_state.logPath(name), QIODevice::Append);
    qint64 pid = 0;
    if (!process.startDetached(&pid))
        return dr::fail(QStringLiteral("cannot start %1 (%2): %3").arg(name, program, process.errorString()));
    m_state.processes.insert(name, LabProcess{name, pid, marker});
    dr::log::get("lab")->info("started {} (pid {})", name.toStdString(), pid);
    return m_state.save();
}

bool LabSupervisor::checkHealth(const QString &name, QString *detail)
{
    const QString ca = m_state.caCertificate();
    QString why;
    if (name.startsWith(QStringLiteral("azurite-"))) {
        const QUrl url(QStringLiteral("https://127.0.0.1:%1/%2?comp=list")
                           .arg(m_state.port(QStringLiteral("blob-") + name.mid(8)))
                           .arg(QLatin1String(kAccountName)));
        const int status = httpStatus(url, ca, 2000, &why);
        *detail = status > 0 ? QStringLiteral("blob service answers") : why;
        return status > 0;
    }
    if (name.startsWith(QStringLiteral("region-"))) {
        const QUrl url(QStringLiteral("https://localhost:%1/healthz").arg(m_state.port(QStringLiteral("service-") + name.mid(7))));
        const int status = httpStatus(url, ca, 2000, &why);
        *detail = status == 200 ? QStringLiteral("healthy") : status > 0 ? QStringLiteral("HTTP %1").arg(status) : why;
        return status == 200;
    }
    if (name == u"replicator") {
        const QUrl url(QStringLiteral("https://localhost:%1/%2?restype=service&comp=stats")
                           .arg(m_state.port(QStringLiteral("front")))
                           .arg(QLatin1String(kAccountName)));
        const int status = httpStatus(url, ca, 2000, &why);
        *detail = status > 0 ? QStringLiteral("secondary endpoint answers") : why;
        return status > 0;
    }
    if (name == u"haproxy") {
        const QString info = runtimeCommand(QStringLiteral("127.0.0.1:%1").arg(m_state.port(QStringLiteral("runtime-api"))),
                                            QStringLiteral("show info"), &why);
        if (!info.contains(QStringLiteral("Name: HAProxy"))) {
            *detail = why.isEmpty() ? QStringLiteral("the runtime API does not answer") : why;
            return false;
        }
        const QUrl url(QStringLiteral("https://localhost:%1/healthz").arg(m_state.port(QStringLiteral("global"))));
        const int status = httpStatus(url, ca, 3000, &why);
        *detail = status == 200 ? QStringLiteral("serving") : status > 0 ? QStringLiteral("HTTP %1").arg(status) : why;
        return status == 200;
    }
    if (name == kArmPart) {
        // Without a token, ARM answers 401: the stand-in is up and checks its callers.
        const QUrl url(QStringLiteral("https://localhost:%1/subscriptions/%2/resourceGroups/%3/providers/Microsoft.Network/trafficManagerProfiles/%4?api-version=%5")
                           .arg(m_state.port(QStringLiteral("arm")))
                           .arg(QLatin1String(kTmSubscriptionId), QLatin1String(kTmResourceGroup), QLatin1String(kTmProfileName),
                                QLatin1String(kTmApiVersion)));
        const int status = httpStatus(url, ca, 2000, &why);
        *detail = status == 401 ? QStringLiteral("answers (401 without a token, as ARM)")
                  : status > 0  ? QStringLiteral("HTTP %1 without a token, expected 401").arg(status)
                                : why;
        return status == 401;
    }
    *detail = QStringLiteral("unknown part");
    return false;
}

dr::Result<QJsonObject> LabSupervisor::up(int timeoutSeconds, const QString &routing)
{
    if (!routing.isEmpty() && routing != u"haproxy" && routing != u"trafficmanager")
        return dr::fail(QStringLiteral("unknown routing '%1' (haproxy or trafficmanager)").arg(routing));
    auto loaded = LabState::load(m_state.dir);
    if (!loaded)
        return std::unexpected(loaded.error());
    m_state = *loaded;
    if (!routing.isEmpty())
        m_state.routing = routing;
    // Back to plain HAProxy routing: the stand-in has nothing left to serve.
    if (!m_state.trafficManager() && m_state.processes.contains(kArmPart)) {
        stopProcess(m_state.processes.value(kArmPart));
        m_state.processes.remove(kArmPart);
    }
    // Check what the parts need before touching anything, so a missing package is one line.
    if (auto a = azuriteExecutable(); !a)
        return std::unexpected(a.error());
    if (auto h = haproxyExecutable(); !h)
        return std::unexpected(h.error());
    if (auto r = prepare(); !r)
        return std::unexpected(r.error());

    // Start what is not running, in dependency order, waiting for each layer to answer.
    QList<QStringList> layers = {{QStringLiteral("azurite-west"), QStringLiteral("azurite-north")},
                                 {QStringLiteral("region-west"), QStringLiteral("region-north"), QStringLiteral("replicator")},
                                 {QStringLiteral("haproxy")}};
    if (m_state.trafficManager())
        layers.append({kArmPart}); // it drives HAProxy's runtime API
    QElapsedTimer clock;
    clock.start();
    for (const QStringList &layer : layers) {
        for (const QString &part : layer) {
            if (processAlive(m_state.processes.value(part)))
                continue;
            if (auto r = startPart(part); !r)
                return std::unexpected(r.error());
        }
        for (const QString &part : layer) {
            QString detail;
            while (!checkHealth(part, &detail)) {
                if (!processAlive(m_state.processes.value(part))) {
                    return dr::fail(QStringLiteral("%1 stopped while starting: %2 (see %3)")
                                        .arg(part, detail, m_state.logPath(part)));
                }
                if (clock.elapsed() > timeoutSeconds * 1000) {
                    return dr::fail(QStringLiteral("%1 is not healthy after %2 s: %3 (see %4)")
                                        .arg(part)
                                        .arg(timeoutSeconds)
                                        .arg(detail, m_state.logPath(part)));
                }
                QThread::msleep(200);
            }
        }
    }
    if (auto r = writeProfile(); !r)
        return std::unexpected(r.error());
    return upDocument();
}

void LabSupervisor::stopProcess(const LabProcess &process)
{
    if (!processAlive(process))
        return;
    const auto pid = pid_t(process.pid);
    ::kill(pid, SIGCONT); // a paused part (a storage fault) must be able to hear SIGTERM
    ::kill(pid, SIGTERM);
    QElapsedTimer t;
    t.start();
    while (processAlive(process) && t.elapsed() < 5000)
        QThread::msleep(50);
    if (processAlive(process)) {
        dr::log::get("lab")->warn("{} (pid {}) ignored SIGTERM; killing it", process.name.toStdString(), process.pid);
        ::kill(pid, SIGKILL);
        while (processAlive(process) && t.elapsed() < 8000)
            QThread::msleep(50);
    }
}

dr::Result<void> LabSupervisor::down(bool purge)
{
    auto loaded = LabState::load(m_state.dir);
    if (!loaded)
        return std::unexpected(loaded.error());
    m_state = *loaded;
    // The front door first, so no new traffic arrives while the rest stops; then anything else
    // recorded (a part of a routing the lab no longer runs).
    QStringList order = parts();
    std::reverse(order.begin(), order.end());
    for (const QString &name : m_state.processes.keys()) {
        if (!order.contains(name))
            order.prepend(name);
    }
    for (const QString &name : order) {
        if (m_state.processes.contains(name))
            stopProcess(m_state.processes.value(name));
    }
    QStringList stillRunning;
    for (const LabProcess &p : std::as_const(m_state.processes)) {
        if (processAlive(p))
            stillRunning << QStringLiteral("%1 (pid %2)").arg(p.name).arg(p.pid);
    }
    if (!stillRunning.isEmpty())
        return dr::fail(QStringLiteral("could not stop %1").arg(stillRunning.join(QStringLiteral(", "))));
    m_state.processes.clear();
    QStringList busy;
    for (auto it = m_state.ports.cbegin(); it != m_state.ports.cend(); ++it) {
        if (!portFree(it.value()))
            busy << QStringLiteral("%1 (%2)").arg(it.value()).arg(it.key());
    }
    if (purge) {
        if (!QFileInfo::exists(m_state.path(QStringLiteral("lab.json"))) && QDir(m_state.dir).exists()
            && !QDir(m_state.dir).isEmpty())
            return dr::fail(QStringLiteral("%1 does not look like a lab folder (no lab.json): not removing it").arg(m_state.dir));
        if (!QDir(m_state.dir).removeRecursively())
            return dr::fail(QStringLiteral("cannot remove %1").arg(m_state.dir));
    } else if (QFileInfo::exists(m_state.path(QStringLiteral("lab.json")))) {
        if (auto r = m_state.save(); !r)
            return r;
    }
    if (!busy.isEmpty())
        return dr::fail(QStringLiteral("the lab stopped, but these ports are still in use: %1").arg(busy.join(QStringLiteral(", "))));
    return {};
}

QList<PartStatus> LabSupervisor::status()
{
    QList<PartStatus> parts;
    if (auto loaded = LabState::load(m_state.dir))
        m_state = *loaded;
    for (const QString &name : LabSupervisor::parts()) {
        PartStatus p;
        p.name = name;
        p.running = processAlive(m_state.processes.value(name));
        if (p.running)
            p.healthy = checkHealth(name, &p.detail);
        else
            p.detail = m_state.processes.contains(name) ? QStringLiteral("not running (crashed or stopped): 'drlab up' restarts it")
                                                        : QStringLiteral("not started");
        parts.append(p);
    }
    return parts;
}

dr::Result<void> LabSupervisor::ensureOperatorDirectory()
{
    const QString path = m_state.path(QStringLiteral("operators.json"));
    const auto passphraseFile = [this](const Operator &op) {
        return m_state.path(QStringLiteral("operators/%1.passphrase").arg(QLatin1String(op.name)));
    };

    // Keep the directory while it holds the four lab operators and no passphrase file is newer
    // than it: hashing costs a noticeable fraction of a second per operator, and keeping it
    // keeps what happened to it (a lockout a test provoked) as on any real deployment.
    const QFileInfo current(path);
    if (current.exists()) {
        dr::OperatorDirectory existing(path);
        bool keep = bool(existing.load());
        for (const Operator &op : kOperators) {
            const auto record = existing.find(QLatin1String(op.name));
            keep = keep && record && dr::roleName(record->role) == QLatin1String(op.role)
                   && QFileInfo(passphraseFile(op)).lastModified() <= current.lastModified();
        }
        if (keep)
            return {};
    }

    QList<QByteArray> passphrases;
    for (const Operator &op : kOperators) {
        auto passphrase = dr::SecretStore::readFile(passphraseFile(op));
        if (!passphrase)
            return std::unexpected(passphrase.error());
        passphrases << *passphrase;
    }

    // Built beside the real one and renamed over it, so an interrupted `up` never leaves a
    // directory with some of the operators.
    const QString building = path + QStringLiteral(".new");
    QFile::remove(building);
    dr::OperatorDirectory directory(building);
    const Operator &admin = kOperators[0];
    if (auto r = directory.add(QLatin1String(admin.name), dr::Role::Admin, passphrases.at(0), std::nullopt); !r)
        return r;
    // The admin is the lab itself here: it just chose every passphrase, so it needs no sign-in.
    const dr::SignedInOperator by{QLatin1String(admin.name), dr::Role::Admin, dr::Clock::system()->nowUtc()};
    constexpr int kOthers = int(std::size(kOperators)) - 1;
    std::array<dr::Result<void>, kOthers> results;
    std::vector<std::thread> threads;
    for (int i = 0; i < kOthers; ++i) {
        threads.emplace_back([&, i] {
            const Operator &op = kOperators[i + 1];
            // Each add hashes outside the directory's lock file, so the hashes run in parallel.
            dr::OperatorDirectory mine(building);
            results[size_t(i)] = mine.add(QLatin1String(op.name), *dr::roleFromName(QLatin1String(op.role)),
                                          passphrases.at(i + 1), by);
        });
    }
    for (std::thread &t : threads)
        t.join();
    for (const auto &r : results) {
        if (!r) {
            QFile::remove(building);
            return r;
        }
    }
    // rename(2) replaces the old directory in one step; QFile::rename would not overwrite it.
    if (std::rename(QFile::encodeName(building).constData(), QFile::encodeName(path).constData()) != 0)
        return dr::fail(QStringLiteral("cannot rename %1 to %2: %3").arg(building, path, QString::fromLocal8Bit(std::strerror(errno))));
    return {};
}

dr::Result<void> LabSupervisor::writeProfile()
{
    return writePrivateFile(m_state.profilePath(), QJsonDocument(labProfile(m_state)).toJson(QJsonDocument::Indented));
}

QJsonObject LabSupervisor::upDocument() const
{
    QJsonArray operators;
    for (const Operator &op : kOperators) {
        operators.append(QJsonObject{{QStringLiteral("name"), QLatin1String(op.name)},
                                     {QStringLiteral("role"), QLatin1String(op.role)},
                                     {QStringLiteral("passphraseFile"),
                                      m_state.path(QStringLiteral("operators/%1.passphrase").arg(QLatin1String(op.name)))}});
    }
    return {{QStringLiteral("profile"), m_state.profilePath()},
            {QStringLiteral("globalEndpoint"), QStringLiteral("https://localhost:%1/").arg(m_state.port(QStringLiteral("global")))},
            {QStringLiteral("caCertificate"), m_state.caCertificate()},
            {QStringLiteral("regions"), QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("west")},
                                                               {QStringLiteral("role"), QStringLiteral("primary")}},
                                                   QJsonObject{{QStringLiteral("id"), QStringLiteral("north")},
                                                               {QStringLiteral("role"), QStringLiteral("secondary")}}}},
            {QStringLiteral("operators"), operators},
            {QStringLiteral("dir"), m_state.dir},
            {QStringLiteral("routing"), m_state.routing}};
}

} // namespace drlab
