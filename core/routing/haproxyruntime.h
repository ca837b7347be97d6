#pragma once

// A client of HAProxy's runtime API (the "stats socket" at admin level), over TCP
// ("HOST:PORT") or a Unix socket ("unix:PATH"), as the profile's routing.settings.runtimeApi
// names it. One command per connection (HAProxy's non-interactive mode): send the line, read
// until HAProxy closes. Asynchronous, with a timeout and a size cap; one answer per call.

#include "common/result.h"

#include <QList>
#include <QObject>
#include <QString>

#include <functional>

namespace dr {

struct HaproxyServerState
{
    QString backend;
    QString server;
    QString status;     // UP, DOWN, MAINT, DRAIN, "UP 1/2", "DOWN 1/2", NOLB, no check
    bool backup = false;
    int weight = 0;
    QString checkStatus; // L7OK, L4CON, L7STS, ...
    QString checkDetail; // HAProxy's words about the last check
    qint64 lastChangeSeconds = -1;

    bool isUp() const { return status.startsWith(QStringLiteral("UP")) || status == u"no check"; }
    bool isMaintenance() const { return status.startsWith(QStringLiteral("MAINT")); }
};

class HaproxyRuntime : public QObject
{
    Q_OBJECT

public:
    HaproxyRuntime(const QString &address, QObject *parent = nullptr);

    void setTimeoutMs(int ms) { m_timeoutMs = ms; }

    using TextCallback = std::function<void(Result<QString>)>;
    // Sends one command line (no newline) and answers with HAProxy's reply.
    void command(const QString &line, TextCallback done);

    using StatesCallback = std::function<void(Result<QList<HaproxyServerState>>)>;
    // "show stat" for one backend: its servers, in configuration order.
    void serverStates(const QString &backend, StatesCallback done);
    // "set server BACKEND/SERVER state ready|drain|maint"; HAProxy's complaint becomes an error.
    void setServerState(const QString &backend, const QString &server, const QString &state, std::function<void(Result<void>)> done);

    // Pure: parse "show stat" CSV output. Public for tests.
    static Result<QList<HaproxyServerState>> parseStat(const QString &csv, const QString &backend);
    // Which server carries traffic: an UP non-backup server, else the first UP backup
    // (HAProxy's own rule); empty when none.
    static QString servingServer(const QList<HaproxyServerState> &servers);

private:
    QString m_address;
    int m_timeoutMs = 5000;
};

} // namespace dr
