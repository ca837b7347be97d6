#pragma once

// What a tool's --help lists: its commands (the "Commands:" block of drctl and drlab) and the
// long options of the tool or of one command. The installer tests check the man pages and the
// completions against these, read from the binaries the build just made.

#include "toolrun.h"

#include <QRegularExpression>
#include <QSet>
#include <QStringList>

namespace dr::test {

inline QString helpOf(const QString &tool, const QStringList &command = {})
{
    return QString::fromUtf8(runTool(tool, command + QStringList { QStringLiteral("--help") }, 30000).out);
}

inline QStringList helpCommands(const QString &tool)
{
    QStringList commands;
    bool in = false;
    const QStringList lines = helpOf(tool).split(u'\n');
    static const QRegularExpression entry(QStringLiteral("^  ([a-z][a-z-]*) "));
    for (const QString &line : lines) {
        if (line == QLatin1String("Commands:")) {
            in = true;
            continue;
        }
        if (in && line.isEmpty())
            break;
        if (const auto m = entry.match(line); in && m.hasMatch())
            commands << m.captured(1);
    }
    return commands;
}

inline QStringList helpOptions(const QString &tool, const QStringList &command = {})
{
    QSet<QString> options;
    static const QRegularExpression option(QStringLiteral("^  (?:-[a-zA-Z], )?(--[a-z][a-z-]*)"));
    for (const QString &line : helpOf(tool, command).split(u'\n')) {
        if (const auto m = option.match(line); m.hasMatch())
            options.insert(m.captured(1));
    }
    QStringList sorted(options.begin(), options.end());
    sorted.sort();
    return sorted;
}

} // namespace dr::test
