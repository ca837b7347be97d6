// Drives the scripted runbook in its own process, so that tst_runbookengine can kill it with
// -9 in the middle of a step, or run several at once against one journal.
//
//   runbookhelper JOURNAL EXECLOG [--hang-at N] [--runs N] [--delay MS]
// Prints "RUN <id>" when a run starts and "FINISHED <state> <outcome>" when it ends.

#include "runbook/runbookengine.h"
#include "runbook/runjournal.h"
#include "scriptedrunbook.h"

#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 3) {
        std::fputs(
            "usage: runbookhelper JOURNAL EXECLOG [--hang-at N] [--runs N] [--delay MS]\n", stderr);
        return 2;
    }
    int hangAt = -1;
    int runs = 1;
    int delay = 20;
    for (int i = 3; i + 1 < args.size(); i += 2) {
        if (args.at(i) == u"--hang-at")
            hangAt = args.at(i + 1).toInt();
        else if (args.at(i) == u"--runs")
            runs = args.at(i + 1).toInt();
        else if (args.at(i) == u"--delay")
            delay = args.at(i + 1).toInt();
    }
    dr::RunJournal journal(args.at(1));
    if (auto ok = journal.open(); !ok) {
        std::fprintf(stderr, "%s\n", qPrintable(ok.error()));
        return 1;
    }
    dr::RunbookEngine engine(&journal);
    engine.setAutoAcknowledge(QStringLiteral("helper"));
    QTextStream out(stdout);
    int left = runs;
    int failures = 0;
    const auto startOne = [&] {
        dr::RunRecord run;
        run.operatorName = QStringLiteral("helper");
        const auto id = engine.start(run, dr::test::scriptedRunbook(args.at(2), hangAt, delay));
        if (!id) {
            std::fprintf(stderr, "%s\n", qPrintable(id.error()));
            app.exit(1);
            return;
        }
        out << "RUN " << *id << Qt::endl;
    };
    QObject::connect(&engine, &dr::RunbookEngine::runFinished, &app,
        [&](dr::RunState state, const QString &outcome) {
            out << "FINISHED " << dr::runStateName(state) << ' ' << outcome << Qt::endl;
            if (state != dr::RunState::Succeeded)
                ++failures;
            if (--left > 0)
                QTimer::singleShot(0, &app, startOne);
            else
                app.exit(failures == 0 ? 0 : 3);
        });
    QTimer::singleShot(0, &app, startOne);
    return app.exec();
}
