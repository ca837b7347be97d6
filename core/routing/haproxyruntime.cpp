#include "haproxyruntime.h"

#include <QLocalSocket>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

namespace dr {

namespace {
constexpr qint64 kMaxReplyBytes = 4 * 1024 * 1024;

// One exchange on one socket; deletes itself after answering.
template<typename Socket>
void exchange(Socket *socket, const QByteArray &line, int timeoutMs, const QString &address, HaproxyRuntime::TextCallback done)
{
    auto reply = std::make_shared<QByteArray>();
    auto answered = std::make_shared<bool>(false);
    auto timer = new QTimer(socket);
    timer->setSingleShot(true);
    const auto finish = [socket, reply, answered, done](Result<QString> r) {
        if (*answered)
            return;
        *answered = true;
        // The connections dropped below own this very lambda: keep the callback first.
        const auto callback = done;
        socket->disconnect();
        socket->abort();
        socket->deleteLater();
        callback(std::move(r));
    };
    QObject::connect(timer, &QTimer::timeout, socket, [finish, address, timeoutMs] {
        finish(fail(QStringLiteral("HAProxy runtime API at %1 did not answer within %2 ms").arg(address).arg(timeoutMs)));
    });
    QObject::connect(socket, &Socket::connected, socket, [socket, line] { socket->write(line + '\n'); });
    QObject::connect(socket, &Socket::readyRead, socket, [socket, reply, finish] {
        *reply += socket->readAll();
        if (reply->size() > kMaxReplyBytes)
            finish(fail(QStringLiteral("HAProxy's reply is larger than %1 bytes").arg(kMaxReplyBytes)));
    });
    QObject::connect(socket, &Socket::disconnected, socket, [socket, reply, finish] {
        *reply += socket->readAll();
        finish(QString::fromUtf8(*reply));
    });
    QObject::connect(socket, &Socket::errorOccurred, socket, [socket, reply, finish, address](auto error) {
        // HAProxy closing the connection after its answer is the normal end of an exchange
        // (RemoteHostClosedError and QLocalSocket::PeerClosedError share the value).
        if (int(error) == int(QAbstractSocket::RemoteHostClosedError)) {
            *reply += socket->readAll();
            finish(QString::fromUtf8(*reply));
            return;
        }
        finish(fail(QStringLiteral("cannot reach the HAProxy runtime API at %1: %2").arg(address, socket->errorString())));
    });
    timer->start(timeoutMs);
}
} // namespace

HaproxyRuntime::HaproxyRuntime(const QString &address, QObject *parent)
    : QObject(parent)
    , m_address(address)
{}

void HaproxyRuntime::command(const QString &line, TextCallback done)
{
    const QByteArray bytes = line.toUtf8();
    if (bytes.contains('\n') || bytes.contains(';')) {
        // One command per call: a newline or ';' would smuggle in a second one.
        QTimer::singleShot(0, this, [done] { done(fail(QStringLiteral("a runtime API command is one line without ';'"))); });
        return;
    }
    if (m_address.startsWith(QStringLiteral("unix:"))) {
        auto *socket = new QLocalSocket(this);
        exchange(socket, bytes, m_timeoutMs, m_address, std::move(done));
        socket->connectToServer(m_address.mid(5));
        return;
    }
    const qsizetype colon = m_address.lastIndexOf(u':');
    auto *socket = new QTcpSocket(this);
    exchange(socket, bytes, m_timeoutMs, m_address, std::move(done));
    socket->connectToHost(m_address.left(colon), quint16(m_address.mid(colon + 1).toUInt()));
}

void HaproxyRuntime::serverStates(const QString &backend, StatesCallback done)
{
    command(QStringLiteral("show stat"), [backend, done](Result<QString> text) {
        if (!text)
            done(std::unexpected(text.error()));
        else
            done(parseStat(*text, backend));
    });
}

void HaproxyRuntime::setServerState(const QString &backend, const QString &server, const QString &state,
                                    std::function<void(Result<void>)> done)
{
    command(QStringLiteral("set server %1/%2 state %3").arg(backend, server, state), [done](Result<QString> text) {
        if (!text) {
            done(std::unexpected(text.error()));
            return;
        }
        // Success is silence; anything HAProxy says is why it refused.
        const QString said = text->trimmed();
        if (said.isEmpty())
            done({});
        else
            done(fail(QStringLiteral("HAProxy refused: %1").arg(said)));
    });
}

Result<QList<HaproxyServerState>> HaproxyRuntime::parseStat(const QString &csv, const QString &backend)
{
    const QStringList lines = csv.split(u'\n', Qt::SkipEmptyParts);
    if (lines.isEmpty() || !lines.first().startsWith(QStringLiteral("# ")))
        return fail(QStringLiteral("unexpected answer to 'show stat': %1").arg(csv.left(120).trimmed()));
    const QStringList header = lines.first().mid(2).split(u',');
    const auto col = [&header](const char *name) { return header.indexOf(QLatin1String(name)); };
    const int pxname = col("pxname"), svname = col("svname"), status = col("status"), bck = col("bck"),
              weight = col("weight"), checkStatus = col("check_status"), lastChange = col("lastchg"),
              checkDesc = col("check_desc");
    if (pxname < 0 || svname < 0 || status < 0 || bck < 0)
        return fail(QStringLiteral("'show stat' lacks the pxname, svname, status or bck column"));
    QList<HaproxyServerState> servers;
    bool backendSeen = false;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QStringList f = lines.at(i).split(u',');
        if (f.size() < header.size() - 1 || f.value(pxname) != backend)
            continue;
        backendSeen = true;
        const QString name = f.value(svname);
        if (name == u"FRONTEND" || name == u"BACKEND")
            continue;
        HaproxyServerState s;
        s.backend = backend;
        s.server = name;
        s.status = f.value(status);
        s.backup = f.value(bck) == u"1";
        s.weight = f.value(weight).toInt();
        // "* L7OK" while a check is running: the state of the last completed one is what counts.
        s.checkStatus = f.value(checkStatus).remove(u'*').trimmed();
        s.checkDetail = checkDesc >= 0 ? f.value(checkDesc) : QString();
        s.lastChangeSeconds = lastChange >= 0 && !f.value(lastChange).isEmpty() ? f.value(lastChange).toLongLong() : -1;
        servers.append(s);
    }
    if (!backendSeen)
        return fail(QStringLiteral("HAProxy has no backend '%1'").arg(backend));
    return servers;
}

QString HaproxyRuntime::servingServer(const QList<HaproxyServerState> &servers)
{
    for (const HaproxyServerState &s : servers) {
        if (!s.backup && s.isUp() && s.weight > 0)
            return s.server;
    }
    for (const HaproxyServerState &s : servers) {
        if (s.backup && s.isUp() && s.weight > 0)
            return s.server;
    }
    return {};
}

} // namespace dr
