#pragma once

// The run journal: every run and every step's intent and result, written to SQLite (WAL)
// before and after the step runs, so a run interrupted by a crash, a kill or a power cut is
// found at next start and can be resumed or rolled back exactly where it stopped.
// Location: profileDataDir(profile)/journal.sqlite. Several processes may open one journal.
//
// Contract:
// - Every write is one SQLite transaction (BEGIN IMMEDIATE ... COMMIT, synchronous=FULL), so a
//   kill -9 at any moment leaves either the previous or the next consistent state.
// - Times are stored as UTC milliseconds; params and data as compact JSON.
// - A run is "driven" by one process (pid + host). interruptedRuns() lists the running or
//   halted runs that no live process drives; claim() refuses a run that another live process
//   (or another engine in this process) drives.
// - Before open() (or after it failed) every call answers an error saying why.

#include "common/clock.h"
#include "common/result.h"
#include "profile/profile.h"
#include "runbook.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace dr {

struct RunRecord
{
    QString id;               // "20261126-101502-planned-failover-3f2a" (sortable, unique)
    QString kind, mode, source, target;
    QString profileName;
    QString operatorName, approverName;
    QString host;             // the workstation
    qint64 pid = 0;           // the process running it (0 when none)
    QJsonObject params;
    RunState state = RunState::Running;
    QString outcome;          // one line: "north serves; RTO 2.4 s", "halted at ...: ..."
    QDateTime started, ended;
    QJsonObject data;         // merged step data (switchAt, rtoMs, rpoExposure, ...)
    QJsonObject toJson() const;
};

struct StepRecord
{
    int index = 0;
    QString id, title;
    StepKind kind = StepKind::Action;
    bool critical = true;
    bool reversible = false;
    StepState state = StepState::Pending;
    int attempts = 0;
    QDateTime started, ended;
    QString detail;
    QJsonObject data;
    QJsonObject toJson() const;
};

class RunJournal
{
public:
    RunJournal(const QString &databasePath, const Clock *clock = Clock::system());
    ~RunJournal();
    RunJournal(const RunJournal &) = delete;
    RunJournal &operator=(const RunJournal &) = delete;

    static QString defaultPath(const Profile &profile);
    static QString newRunId(const QString &kind, const QDateTime &now);

    Result<void> open(); // creates the folder and the schema; WAL; refuses a newer schema
    QString path() const { return m_path; }

    Result<void> createRun(const RunRecord &run, const QList<Step> &steps);
    Result<void> updateRun(const RunRecord &run);
    Result<void> updateStep(const QString &runId, const StepRecord &step);
    Result<void> appendLog(const QString &runId, const QString &line);

    Result<std::optional<RunRecord>> run(const QString &runId) const;
    Result<QList<RunRecord>> runs(int limit = 0) const; // newest first
    Result<QList<StepRecord>> steps(const QString &runId) const;
    Result<QStringList> log(const QString &runId) const;

    // Runs in state Running or Halted that nobody drives (pid 0, pid not alive on this host,
    // another host's run, or this process's run left by a destroyed engine): the runs to
    // offer for resume or roll back, newest first.
    Result<QList<RunRecord>> interruptedRuns() const;
    // Records that process `pid` on this host now drives the run, for resume. Refused while
    // another live process on this host (or another engine in this process) drives it.
    Result<void> claim(const QString &runId, qint64 pid);

    // RunbookEngine says which runs it drives, so that a run left behind by an engine that
    // was destroyed counts as interrupted even though its process (this one) is alive.
    static void setDrivenInThisProcess(const QString &runId, bool driven);
    static bool isDrivenInThisProcess(const QString &runId);

    static constexpr int kSchemaVersion = 1;

private:
    Result<void> write(const std::function<Result<void>()> &work);
    Result<void> exec(const QString &sql);
    Result<void> createSchema();
    Result<int> schemaVersion();
    QString notOpen() const;

    QString m_path;
    const Clock *m_clock;
    QString m_connection;
    bool m_open = false;
    QString m_error;
};

} // namespace dr
