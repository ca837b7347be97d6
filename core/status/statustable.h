#pragma once

// Renders a status document (StatusMonitor::snapshot()) as the human table drctl prints.
// Rendering from the JSON document keeps the table and --json telling the same story.

#include <QJsonObject>
#include <QString>

namespace dr {

struct TableStyle
{
    bool color = false; // ANSI colours; the state is always written out as text as well
};

QString renderStatusTable(const QJsonObject &snapshot, const TableStyle &style = {});

} // namespace dr
