#pragma once

// The one typed settings registry (as KeePassXC's ConfigKey table): every setting the
// programs keep is declared once below with its key, type, default and scope, and read and
// written only through Settings. Nothing else touches QSettings. Settings hold preferences
// only (a theme, recent files, window geometry): never a secret. Secrets live in the OS
// keychain (SecretStore) and profiles refer to them.
//
// Values are written through at once (QSettings batches them to disk itself); changed()
// tells every listener which key moved.

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <memory>

class QSettings;

namespace dr {

enum class SettingScope {
    User, // follows the operator: preferences
    Machine, // belongs to this workstation: window placement on its screens
};

template<typename T>
struct SettingKey
{
    const char *name; // the key in the store, "group/key"
    T defaultValue;
    SettingScope scope;
};

namespace settings {
// The registry. Add a setting here, nowhere else.
inline const SettingKey<bool> kHighContrastTheme { "ui/highContrastTheme", false,
    SettingScope::User };
inline const SettingKey<QStringList> kRecentProfiles { "ui/recentProfiles", {},
    SettingScope::User };
inline const SettingKey<QString> kLastProfile { "ui/lastProfile", {}, SettingScope::User };
inline const SettingKey<QByteArray> kWindowGeometry { "ui/windowGeometry", {},
    SettingScope::Machine };
inline const SettingKey<QByteArray> kWindowState { "ui/windowState", {}, SettingScope::Machine };
inline constexpr int kMaxRecentProfiles = 8;
} // namespace settings

class Settings : public QObject
{
    Q_OBJECT

public:
    // filePath empty: the platform's standard location for the application (organisation
    // and application names of QCoreApplication). Tests pass a file of their own.
    explicit Settings(const QString &filePath = {}, QObject *parent = nullptr);
    ~Settings() override;

    template<typename T>
    T value(const SettingKey<T> &key) const
    {
        const QVariant v = raw(key);
        return v.isValid() && v.canConvert<T>() ? v.template value<T>() : key.defaultValue;
    }

    template<typename T>
    void setValue(const SettingKey<T> &key, const T &value)
    {
        store(key.name, key.scope, QVariant::fromValue(value));
    }

    template<typename T>
    void reset(const SettingKey<T> &key)
    {
        store(key.name, key.scope, QVariant());
    }

    // Puts path first in the recent profiles list, without duplicates, at most
    // settings::kMaxRecentProfiles long.
    void addRecentProfile(const QString &path);

    void sync();
    QString fileName() const;

signals:
    void changed(const QString &key);

private:
    template<typename T>
    QVariant raw(const SettingKey<T> &key) const
    {
        return load(key.name, key.scope);
    }
    QVariant load(const char *name, SettingScope scope) const;
    void store(const char *name, SettingScope scope, const QVariant &value); // invalid: remove

    std::unique_ptr<QSettings> m_store;
};

} // namespace dr
