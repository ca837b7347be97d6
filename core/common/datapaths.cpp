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

} // namespace dr
