#pragma once

// A five-step runbook whose steps append what they do to a file, so that a test can count
// how often each step ran across processes (a child killed with -9, then a resume in the
// test itself). Shared by tst_runbookengine and runbookhelper.

#include "runbook/runbook.h"

#include <QCoreApplication>
#include <QFile>
#include <QTimer>

namespace dr::test {

inline void appendLine(const QString &path, const QString &line)
{
    QFile f(path);
    if (f.open(QIODevice::Append | QIODevice::Text)) {
        f.write(line.toUtf8() + '\n');
        f.close(); // in the kernel now: a kill -9 right after cannot lose it
    }
}

inline QStringList readLines(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    return QString::fromUtf8(f.readAll()).split(u'\n', Qt::SkipEmptyParts);
}

// hangAt: the step (index) that records its start and then never answers; -1 for none.
inline Runbook scriptedRunbook(const QString &execLog, int hangAt = -1, int delayMs = 20)
{
    const auto work
        = [execLog, hangAt, delayMs](int index, const QString &name, QJsonObject data) -> StepWork {
        return [=](const StepContext &ctx, std::function<void(StepOutcome)> done) {
            appendLine(execLog,
                QStringLiteral("run ") + name
                    + (ctx.resumed ? QStringLiteral(" resumed") : QString()));
            if (index == hangAt)
                return;
            QTimer::singleShot(delayMs, QCoreApplication::instance(), [done, name, data] {
                done(StepOutcome::success(name + QStringLiteral(" done"), data));
            });
        };
    };
    const auto undo = [execLog, delayMs](const QString &name) -> StepWork {
        return [=](const StepContext &, std::function<void(StepOutcome)> done) {
            appendLine(execLog, QStringLiteral("undo ") + name);
            QTimer::singleShot(delayMs, QCoreApplication::instance(),
                [done, name] { done(StepOutcome::success(name + QStringLiteral(" undone"))); });
        };
    };
    Runbook rb;
    rb.kind = QStringLiteral("drill");
    rb.mode = QStringLiteral("planned");
    rb.source = QStringLiteral("west");
    rb.target = QStringLiteral("north");
    rb.params = QJsonObject { { QStringLiteral("target"), QStringLiteral("north") } };

    Step lock;
    lock.id = QStringLiteral("lock.acquire");
    lock.title = QStringLiteral("Acquire the run lock");
    lock.rerunOnResume = true;
    lock.run = work(0, QStringLiteral("lock"), {});
    lock.undo = undo(QStringLiteral("lock"));
    rb.steps.append(lock);

    Step gate;
    gate.id = QStringLiteral("gate.target");
    gate.kind = StepKind::Gate;
    gate.title = QStringLiteral("Target components ok");
    gate.run = work(1, QStringLiteral("gate"), {});
    rb.steps.append(gate);

    Step sw;
    sw.id = QStringLiteral("switch.enable-target");
    sw.title = QStringLiteral("Enable north in the global routing");
    sw.run
        = work(2, QStringLiteral("switch"), QJsonObject { { QStringLiteral("switched"), true } });
    sw.undo = undo(QStringLiteral("switch"));
    rb.steps.append(sw);

    Step verify;
    verify.id = QStringLiteral("verify.chat");
    verify.kind = StepKind::Verify;
    verify.title = QStringLiteral("Synthetic chat answered by north");
    verify.run
        = work(3, QStringLiteral("verify"), QJsonObject { { QStringLiteral("verified"), true } });
    rb.steps.append(verify);

    Step record;
    record.id = QStringLiteral("record.rto");
    record.title = QStringLiteral("Record RTO and RPO exposure");
    record.run = work(4, QStringLiteral("record"),
        QJsonObject { { QStringLiteral("runOutcome"), QStringLiteral("north serves") } });
    rb.steps.append(record);
    return rb;
}

} // namespace dr::test
