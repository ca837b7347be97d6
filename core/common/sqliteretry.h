#pragma once

// SQLite answers "database is locked" at once, without waiting for the busy timeout, in a few
// places: turning a new file to WAL, or reading the WAL index, while another process does the
// same (drconsole and drctl opening one journal or audit trail at the same moment). Those
// statements are safe to run again: try for up to ~5 s before giving up.

#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QThread>

namespace dr {

inline bool isSqliteLocked(const QSqlError &error)
{
    return error.nativeErrorCode() == u"5" || error.nativeErrorCode() == u"6"
        || error.text().contains(QStringLiteral("locked"));
}

inline bool execRetryingLocked(QSqlQuery &query, const QString &sql)
{
    for (int attempt = 0;; ++attempt) {
        if (query.exec(sql))
            return true;
        if (attempt >= 50 || !isSqliteLocked(query.lastError()))
            return false;
        QThread::msleep(100);
    }
}

} // namespace dr
