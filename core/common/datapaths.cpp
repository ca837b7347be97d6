#include "datapaths.h"

#include <QDir>
#include <QStandardPaths>

namespace dr {

QString dataDir()
{
    const QString fromEnv = qEnvironmentVariable("DRCONSOLE_DATA_DIR");
    if (!fromEnv.isEmpty())
        return QDir::cleanPath(fromEnv);
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/drconsole");
}

QString profileDataDir(const Profile &profile)
{
    QString name = profile.name;
    for (QChar &c : name) {
        if (!(c.isLetterOrNumber() && c.unicode() < 128) && c != u'.' && c != u'_' && c != u'-')
            c = u'_';
    }
    if (name.isEmpty() || name.startsWith(u'.'))
        name.prepend(u'_');
    return dataDir() + QStringLiteral("/profiles/") + name;
}

QString defaultHistoryPath()
{
    const QString overridden = qEnvironmentVariable("DRCONSOLE_HISTORY_FILE");
    if (!overridden.isEmpty())
        return overridden;
    // drconsole's AppLocalDataLocation (organisation and application both "drconsole"),
    // spelt out so drctl, whose application name differs, finds the same file.
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)
        + QStringLiteral("/drconsole/drconsole/history.sqlite");
}

} // namespace dr
