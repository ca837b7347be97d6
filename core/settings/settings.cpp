#include "settings.h"

#include <QSettings>

namespace dr {

namespace {

// Machine-scoped keys live in their own group so that a roaming profile copy of the user's
// preferences never moves a window onto a screen this workstation does not have.
QString storedKey(const char *name, SettingScope scope)
{
    const QString key = QString::fromLatin1(name);
    return scope == SettingScope::Machine ? QStringLiteral("machine/") + key : key;
}

} // namespace

Settings::Settings(const QString &filePath, QObject *parent)
    : QObject(parent)
    , m_store(filePath.isEmpty() ? std::make_unique<QSettings>()
                                 : std::make_unique<QSettings>(filePath, QSettings::IniFormat))
{ }

Settings::~Settings() = default;

QVariant Settings::load(const char *name, SettingScope scope) const
{
    return m_store->value(storedKey(name, scope));
}

void Settings::store(const char *name, SettingScope scope, const QVariant &value)
{
    const QString key = storedKey(name, scope);
    if (!value.isValid())
        m_store->remove(key);
    else
        m_store->setValue(key, value);
    emit changed(QString::fromLatin1(name));
}

void Settings::addRecentProfile(const QString &path)
{
    QStringList recent = value(settings::kRecentProfiles);
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > settings::kMaxRecentProfiles)
        recent.removeLast();
    setValue(settings::kRecentProfiles, recent);
}

void Settings::sync()
{
    m_store->sync();
}

QString Settings::fileName() const
{
    return m_store->fileName();
}

} // namespace dr
