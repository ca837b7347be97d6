#include "runjournal.h"

#include "common/sqliteretry.h"

#include "common/datapaths.h"
#include "logging/logging.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMutex>
#include <QMutexLocker>
#include <QRandomGenerator>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSysInfo>
#include <QUuid>

#include <cerrno>
#include <signal.h>

namespace dr {

namespace {

QString describe(const QSqlError &error)
{
    const QString text = error.text().trimmed();
    return text.isEmpty() ? QStringLiteral("unknown SQLite error") : text;
}

QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QJsonObject objectFrom(const QVariant &v)
{
    return QJsonDocument::fromJson(v.toString().toUtf8()).object();
}

QVariant msOf(const QDateTime &t)
{
    return t.isValid() ? QVariant(t.toMSecsSinceEpoch()) : QVariant(QMetaType::fromType<qint64>());
}

QDateTime timeOf(const QVariant &v)
{
    return v.isNull() ? QDateTime() : QDateTime::fromMSecsSinceEpoch(v.toLongLong(), Qt::UTC);
}

QString isoOf(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

// kill(pid, 0) asks whether the process exists without signalling it; EPERM means it exists
// but belongs to someone else, which still counts as alive.
bool processAlive(qint64 pid)
{
    if (pid <= 0)
        return false;
    return !(::kill(static_cast<pid_t>(pid), 0) == -1 && errno == ESRCH);
}

QMutex &drivenMutex()
{
    static QMutex mutex;
    return mutex;
}

QSet<QString> &drivenRuns()
{
    static QSet<QString> runs;
    return runs;
}

const QString kRunColumns = QStringLiteral(
    "id, kind, mode, source, target, profile, operator, approver, host, pid, params, state,"
    " outcome, started, ended, data");

RunRecord runFrom(const QSqlQuery &q)
{
    RunRecord r;
    r.id = q.value(0).toString();
    r.kind = q.value(1).toString();
    r.mode = q.value(2).toString();
    r.source = q.value(3).toString();
    r.target = q.value(4).toString();
    r.profileName = q.value(5).toString();
    r.operatorName = q.value(6).toString();
    r.approverName = q.value(7).toString();
    r.host = q.value(8).toString();
    r.pid = q.value(9).toLongLong();
    r.params = objectFrom(q.value(10));
    // An unknown state (a newer writer) is shown as halted: it must not look finished.
    r.state = runStateFromName(q.value(11).toString()).value_or(RunState::Halted);
    r.outcome = q.value(12).toString();
    r.started = timeOf(q.value(13));
    r.ended = timeOf(q.value(14));
    r.data = objectFrom(q.value(15));
    return r;
}

} // namespace

QJsonObject RunRecord::toJson() const
{
    return QJsonObject {
        { QStringLiteral("id"), id },
        { QStringLiteral("kind"), kind },
        { QStringLiteral("mode"), mode },
        { QStringLiteral("source"), source },
        { QStringLiteral("target"), target },
        { QStringLiteral("profile"), profileName },
        { QStringLiteral("operator"), operatorName },
        { QStringLiteral("approver"), approverName },
        { QStringLiteral("host"), host },
        { QStringLiteral("pid"), pid },
        { QStringLiteral("params"), params },
        { QStringLiteral("state"), runStateName(state) },
        { QStringLiteral("outcome"), outcome },
        { QStringLiteral("started"), isoOf(started) },
        { QStringLiteral("ended"), isoOf(ended) },
        { QStringLiteral("data"), data },
    };
}

QJsonObject StepRecord::toJson() const
{
    return QJsonObject {
        { QStringLiteral("index"), index },
        { QStringLiteral("id"), id },
        { QStringLiteral("title"), title },
        { QStringLiteral("kind"), stepKindName(kind) },
        { QStringLiteral("critical"), critical },
        { QStringLiteral("reversible"), reversible },
        { QStringLiteral("state"), stepStateName(state) },
        { QStringLiteral("attempts"), attempts },
        { QStringLiteral("started"), isoOf(started) },
        { QStringLiteral("ended"), isoOf(ended) },
        { QStringLiteral("detail"), detail },
        { QStringLiteral("data"), data },
    };
}

RunJournal::RunJournal(const QString &databasePath, const Clock *clock)
    : m_path(databasePath)
    , m_clock(clock ? clock : Clock::system())
    // One connection per journal: two journals on one file (two engines, a test) must not
    // share a connection, and SQLite serialises them through the file locks.
    , m_connection(QStringLiteral("journal-") + QUuid::createUuid().toString(QUuid::WithoutBraces))
{ }

RunJournal::~RunJournal()
{
    m_open = false;
    if (QSqlDatabase::contains(m_connection)) {
        {
            QSqlDatabase db = QSqlDatabase::database(m_connection, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_connection);
    }
}

QString RunJournal::defaultPath(const Profile &profile)
{
    const QString dir = profileDataDir(profile);
    QDir().mkpath(dir); // open() says so when the folder cannot be made
    return dir + QStringLiteral("/journal.sqlite");
}

QString RunJournal::newRunId(const QString &kind, const QDateTime &now)
{
    const QString suffix
        = QString::number(QRandomGenerator::global()->bounded(0x10000), 16).rightJustified(4, u'0');
    return now.toUTC().toString(QStringLiteral("yyyyMMdd-HHmmss")) + u'-' + kind + u'-' + suffix;
}

Result<void> RunJournal::open()
{
    m_open = false;
    const auto refuse = [this](const QString &why) {
        m_error = QStringLiteral("the run journal %1 cannot be opened: %2")
                      .arg(QDir::toNativeSeparators(m_path), why);
        log::get("runbook")->warn("{}", m_error.toStdString());
        if (QSqlDatabase::contains(m_connection)) {
            {
                QSqlDatabase db = QSqlDatabase::database(m_connection, false);
                db.close();
            }
            QSqlDatabase::removeDatabase(m_connection);
        }
        return dr::fail(m_error);
    };
    const QString folder = QFileInfo(m_path).absolutePath();
    if (!QDir().mkpath(folder))
        return refuse(
            QStringLiteral("cannot create the folder %1").arg(QDir::toNativeSeparators(folder)));
    {
        QSqlDatabase db = QSqlDatabase::contains(m_connection)
            ? QSqlDatabase::database(m_connection, false)
            : QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
        if (!db.isValid())
            return refuse(QStringLiteral("the Qt SQLite driver is missing"));
        db.close();
        db.setDatabaseName(m_path);
        // Another process (a second console, drctl) may hold the write lock for a moment.
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
        if (!db.open())
            return refuse(describe(db.lastError()));
    }
    if (auto ok = createSchema(); !ok)
        return refuse(ok.error());
    m_error.clear();
    m_open = true;
    return {};
}

Result<void> RunJournal::exec(const QString &sql)
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(sql))
        return dr::fail(describe(q.lastError()));
    return {};
}

Result<int> RunJournal::schemaVersion()
{
    QSqlQuery v(QSqlDatabase::database(m_connection, false));
    if (!execRetryingLocked(v, QStringLiteral("PRAGMA user_version")) || !v.next())
        return dr::fail(describe(v.lastError()));
    const int version = v.value(0).toInt();
    v.finish(); // an unfinished statement would keep COMMIT from completing
    if (version > kSchemaVersion)
        return dr::fail(
            QStringLiteral("it was written by a newer DR Console (schema %1, this one reads %2)")
                .arg(version)
                .arg(kSchemaVersion));
    return version;
}

Result<void> RunJournal::createSchema()
{
    {
        QSqlQuery q(QSqlDatabase::database(m_connection, false));
        // A file that is not a database opens fine: the first statement is where SQLite notices.
        if (!execRetryingLocked(q, QStringLiteral("PRAGMA journal_mode=WAL")))
            return dr::fail(describe(q.lastError()));
        // FULL: a committed step result survives a power cut too, at one fsync per write,
        // which is nothing next to a step's duration.
        if (!execRetryingLocked(q, QStringLiteral("PRAGMA synchronous=FULL")))
            return dr::fail(describe(q.lastError()));
    }
    const auto version = schemaVersion();
    if (!version)
        return dr::fail(version.error());
    if (*version == kSchemaVersion)
        return {};
    return write([this]() -> Result<void> {
        // Again inside the write lock: another process may have created it meanwhile.
        const auto now = schemaVersion();
        if (!now)
            return dr::fail(now.error());
        if (*now == kSchemaVersion)
            return {};
        for (const char *sql : {
                 "CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, mode "
                 "TEXT,"
                 " source TEXT, target TEXT, profile TEXT, operator TEXT, approver TEXT, host TEXT,"
                 " pid INTEGER NOT NULL DEFAULT 0, params TEXT, state TEXT NOT NULL, outcome TEXT,"
                 " started INTEGER, ended INTEGER, data TEXT)",
                 "CREATE INDEX IF NOT EXISTS runs_started ON runs (started)",
                 "CREATE INDEX IF NOT EXISTS runs_state ON runs (state)",
                 "CREATE TABLE IF NOT EXISTS steps (run_id TEXT NOT NULL, idx INTEGER NOT NULL,"
                 " id TEXT NOT NULL, title TEXT, kind TEXT NOT NULL, critical INTEGER NOT NULL,"
                 " reversible INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL "
                 "DEFAULT 0,"
                 " started INTEGER, ended INTEGER, detail TEXT, data TEXT, PRIMARY KEY (run_id, "
                 "idx))",
                 "CREATE TABLE IF NOT EXISTS log (run_id TEXT NOT NULL, seq INTEGER NOT NULL,"
                 " at INTEGER NOT NULL, line TEXT NOT NULL, PRIMARY KEY (run_id, seq))",
             }) {
            if (auto ok = exec(QString::fromLatin1(sql)); !ok)
                return ok;
        }
        return exec(QStringLiteral("PRAGMA user_version=%1").arg(kSchemaVersion));
    });
}

QString RunJournal::notOpen() const
{
    return m_error.isEmpty()
        ? QStringLiteral("the run journal %1 is not open").arg(QDir::toNativeSeparators(m_path))
        : m_error;
}

Result<void> RunJournal::write(const std::function<Result<void>()> &work)
{
    // IMMEDIATE takes the write lock up front (waiting up to the busy timeout): a deferred
    // transaction that reads first could fail to upgrade while another process writes.
    if (auto ok = exec(QStringLiteral("BEGIN IMMEDIATE")); !ok)
        return dr::fail(QStringLiteral("the run journal %1 is busy or unwritable: %2")
                            .arg(QDir::toNativeSeparators(m_path), ok.error()));
    auto result = work();
    if (result) {
        if (auto ok = exec(QStringLiteral("COMMIT")); !ok)
            result = dr::fail(ok.error());
    }
    if (!result) {
        exec(QStringLiteral("ROLLBACK"));
        return dr::fail(QStringLiteral("writing the run journal %1 failed: %2")
                            .arg(QDir::toNativeSeparators(m_path), result.error()));
    }
    return {};
}

Result<void> RunJournal::createRun(const RunRecord &run, const QList<Step> &steps)
{
    if (!m_open)
        return dr::fail(notOpen());
    if (run.id.isEmpty())
        return dr::fail(QStringLiteral("a run needs an id to be recorded"));
    return write([&]() -> Result<void> {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        QSqlQuery q(db);
        q.prepare(QStringLiteral("INSERT INTO runs (") + kRunColumns
            + QStringLiteral(") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        for (const QVariant &v : { QVariant(run.id), QVariant(run.kind), QVariant(run.mode),
                 QVariant(run.source), QVariant(run.target), QVariant(run.profileName),
                 QVariant(run.operatorName), QVariant(run.approverName), QVariant(run.host),
                 QVariant(run.pid), QVariant(compact(run.params)),
                 QVariant(runStateName(run.state)), QVariant(run.outcome), msOf(run.started),
                 msOf(run.ended), QVariant(compact(run.data)) })
            q.addBindValue(v);
        if (!q.exec()) {
            return dr::fail(QStringLiteral("run %1 cannot be recorded: %2")
                                .arg(run.id, describe(q.lastError())));
        }
        q.prepare(QStringLiteral(
            "INSERT INTO steps (run_id, idx, id, title, kind, critical, reversible, state,"
            " attempts, started, ended, detail, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0,"
            " NULL, NULL, '', '{}')"));
        for (int i = 0; i < steps.size(); ++i) {
            const Step &s = steps.at(i);
            for (const QVariant &v :
                { QVariant(run.id), QVariant(i), QVariant(s.id), QVariant(s.title),
                    QVariant(stepKindName(s.kind)), QVariant(s.critical ? 1 : 0),
                    QVariant(s.undo ? 1 : 0), QVariant(stepStateName(StepState::Pending)) })
                q.addBindValue(v);
            if (!q.exec())
                return dr::fail(describe(q.lastError()));
        }
        return {};
    });
}

Result<void> RunJournal::updateRun(const RunRecord &run)
{
    if (!m_open)
        return dr::fail(notOpen());
    return write([&]() -> Result<void> {
        QSqlQuery q(QSqlDatabase::database(m_connection, false));
        q.prepare(QStringLiteral(
            "UPDATE runs SET kind = ?, mode = ?, source = ?, target = ?, profile = ?,"
            " operator = ?, approver = ?, host = ?, pid = ?, params = ?, state = ?,"
            " outcome = ?, started = ?, ended = ?, data = ? WHERE id = ?"));
        for (const QVariant &v :
            { QVariant(run.kind), QVariant(run.mode), QVariant(run.source), QVariant(run.target),
                QVariant(run.profileName), QVariant(run.operatorName), QVariant(run.approverName),
                QVariant(run.host), QVariant(run.pid), QVariant(compact(run.params)),
                QVariant(runStateName(run.state)), QVariant(run.outcome), msOf(run.started),
                msOf(run.ended), QVariant(compact(run.data)), QVariant(run.id) })
            q.addBindValue(v);
        if (!q.exec())
            return dr::fail(describe(q.lastError()));
        if (q.numRowsAffected() != 1)
            return dr::fail(QStringLiteral("there is no run %1 in the journal").arg(run.id));
        return {};
    });
}

Result<void> RunJournal::updateStep(const QString &runId, const StepRecord &step)
{
    if (!m_open)
        return dr::fail(notOpen());
    return write([&]() -> Result<void> {
        QSqlQuery q(QSqlDatabase::database(m_connection, false));
        q.prepare(QStringLiteral(
            "UPDATE steps SET id = ?, title = ?, kind = ?, critical = ?, reversible = ?,"
            " state = ?, attempts = ?, started = ?, ended = ?, detail = ?, data = ?"
            " WHERE run_id = ? AND idx = ?"));
        for (const QVariant &v :
            { QVariant(step.id), QVariant(step.title), QVariant(stepKindName(step.kind)),
                QVariant(step.critical ? 1 : 0), QVariant(step.reversible ? 1 : 0),
                QVariant(stepStateName(step.state)), QVariant(step.attempts), msOf(step.started),
                msOf(step.ended), QVariant(step.detail), QVariant(compact(step.data)),
                QVariant(runId), QVariant(step.index) })
            q.addBindValue(v);
        if (!q.exec())
            return dr::fail(describe(q.lastError()));
        if (q.numRowsAffected() != 1)
            return dr::fail(QStringLiteral("run %1 has no step %2 in the journal")
                                .arg(runId)
                                .arg(step.index + 1));
        return {};
    });
}

Result<void> RunJournal::appendLog(const QString &runId, const QString &line)
{
    if (!m_open)
        return dr::fail(notOpen());
    return write([&]() -> Result<void> {
        QSqlQuery q(QSqlDatabase::database(m_connection, false));
        // The next sequence number is computed inside the write transaction: no two lines of
        // one run can get the same number, whoever writes them.
        q.prepare(
            QStringLiteral("INSERT INTO log (run_id, seq, at, line)"
                           " SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ? FROM log WHERE run_id = ?"));
        q.addBindValue(runId);
        q.addBindValue(m_clock->nowUtc().toMSecsSinceEpoch());
        q.addBindValue(line);
        q.addBindValue(runId);
        if (!q.exec())
            return dr::fail(describe(q.lastError()));
        return {};
    });
}

Result<std::optional<RunRecord>> RunJournal::run(const QString &runId) const
{
    if (!m_open)
        return dr::fail(notOpen());
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT ") + kRunColumns + QStringLiteral(" FROM runs WHERE id = ?"));
    q.addBindValue(runId);
    if (!q.exec())
        return dr::fail(QStringLiteral("reading run %1 from the journal failed: %2")
                            .arg(runId, describe(q.lastError())));
    if (!q.next())
        return std::optional<RunRecord>();
    return std::optional<RunRecord>(runFrom(q));
}

Result<QList<RunRecord>> RunJournal::runs(int limit) const
{
    if (!m_open)
        return dr::fail(notOpen());
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT ") + kRunColumns
        + QStringLiteral(" FROM runs ORDER BY started DESC, id DESC LIMIT ?"));
    q.addBindValue(limit > 0 ? limit : -1);
    if (!q.exec())
        return dr::fail(QStringLiteral("reading the runs from the journal failed: %1")
                            .arg(describe(q.lastError())));
    QList<RunRecord> list;
    while (q.next())
        list.append(runFrom(q));
    return list;
}

Result<QList<StepRecord>> RunJournal::steps(const QString &runId) const
{
    if (!m_open)
        return dr::fail(notOpen());
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral(
        "SELECT idx, id, title, kind, critical, reversible, state, attempts, started, ended,"
        " detail, data FROM steps WHERE run_id = ? ORDER BY idx"));
    q.addBindValue(runId);
    if (!q.exec())
        return dr::fail(QStringLiteral("reading the steps of run %1 failed: %2")
                            .arg(runId, describe(q.lastError())));
    QList<StepRecord> list;
    while (q.next()) {
        StepRecord s;
        s.index = q.value(0).toInt();
        s.id = q.value(1).toString();
        s.title = q.value(2).toString();
        s.kind = stepKindFromName(q.value(3).toString()).value_or(StepKind::Action);
        s.critical = q.value(4).toInt() != 0;
        s.reversible = q.value(5).toInt() != 0;
        s.state = stepStateFromName(q.value(6).toString()).value_or(StepState::Pending);
        s.attempts = q.value(7).toInt();
        s.started = timeOf(q.value(8));
        s.ended = timeOf(q.value(9));
        s.detail = q.value(10).toString();
        s.data = objectFrom(q.value(11));
        list.append(s);
    }
    return list;
}

Result<QStringList> RunJournal::log(const QString &runId) const
{
    if (!m_open)
        return dr::fail(notOpen());
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT line FROM log WHERE run_id = ? ORDER BY seq"));
    q.addBindValue(runId);
    if (!q.exec())
        return dr::fail(QStringLiteral("reading the log of run %1 failed: %2")
                            .arg(runId, describe(q.lastError())));
    QStringList lines;
    while (q.next())
        lines.append(q.value(0).toString());
    return lines;
}

Result<QList<RunRecord>> RunJournal::interruptedRuns() const
{
    if (!m_open)
        return dr::fail(notOpen());
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT ") + kRunColumns
        + QStringLiteral(" FROM runs WHERE state IN (?, ?) ORDER BY started DESC, id DESC"));
    q.addBindValue(runStateName(RunState::Running));
    q.addBindValue(runStateName(RunState::Halted));
    if (!q.exec())
        return dr::fail(QStringLiteral("reading the runs from the journal failed: %1")
                            .arg(describe(q.lastError())));
    const QString here = QSysInfo::machineHostName();
    const qint64 self = QCoreApplication::applicationPid();
    QList<RunRecord> list;
    while (q.next()) {
        RunRecord r = runFrom(q);
        bool interrupted = r.pid == 0 || r.host != here;
        if (!interrupted)
            interrupted = r.pid == self ? !isDrivenInThisProcess(r.id) : !processAlive(r.pid);
        if (interrupted)
            list.append(r);
    }
    return list;
}

Result<void> RunJournal::claim(const QString &runId, qint64 pid)
{
    if (!m_open)
        return dr::fail(notOpen());
    return write([&]() -> Result<void> {
        QSqlQuery q(QSqlDatabase::database(m_connection, false));
        q.prepare(QStringLiteral("SELECT pid, host FROM runs WHERE id = ?"));
        q.addBindValue(runId);
        if (!q.exec())
            return dr::fail(describe(q.lastError()));
        if (!q.next())
            return dr::fail(QStringLiteral("there is no run %1 in the journal").arg(runId));
        const qint64 holder = q.value(0).toLongLong();
        const QString host = q.value(1).toString();
        q.finish();
        const QString here = QSysInfo::machineHostName();
        // Checked inside the write transaction, so two processes claiming at once cannot both win.
        if (holder != 0 && host == here) {
            const bool busy = holder == QCoreApplication::applicationPid()
                ? isDrivenInThisProcess(runId)
                : (holder != pid && processAlive(holder));
            if (busy)
                return dr::fail(
                    QStringLiteral("run %1 is being driven by process %2 on this workstation")
                        .arg(runId)
                        .arg(holder));
        }
        QSqlQuery u(QSqlDatabase::database(m_connection, false));
        u.prepare(QStringLiteral("UPDATE runs SET pid = ?, host = ? WHERE id = ?"));
        u.addBindValue(pid);
        u.addBindValue(here);
        u.addBindValue(runId);
        if (!u.exec())
            return dr::fail(describe(u.lastError()));
        return {};
    });
}

void RunJournal::setDrivenInThisProcess(const QString &runId, bool driven)
{
    QMutexLocker lock(&drivenMutex());
    if (driven)
        drivenRuns().insert(runId);
    else
        drivenRuns().remove(runId);
}

bool RunJournal::isDrivenInThisProcess(const QString &runId)
{
    QMutexLocker lock(&drivenMutex());
    return drivenRuns().contains(runId);
}

} // namespace dr
