// The typed settings registry: defaults, round trips through the store, the recent profiles
// list, and the changed() signal.

#include "settings/settings.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;

class tst_Settings : public QObject
{
    Q_OBJECT

private slots:
    void defaultsWhenUnset();
    void valuesSurviveANewInstance();
    void recentProfilesAreUniqueNewestFirstAndBounded();
    void changedNamesTheKey();
    void resetReturnsToTheDefault();

private:
    QString file() const { return m_dir.filePath(QStringLiteral("settings.ini")); }
    QTemporaryDir m_dir;
};

void tst_Settings::defaultsWhenUnset()
{
    QTemporaryDir dir;
    Settings s(dir.filePath(QStringLiteral("empty.ini")));
    QCOMPARE(s.value(settings::kHighContrastTheme), false);
    QCOMPARE(s.value(settings::kRecentProfiles), QStringList());
    QCOMPARE(s.value(settings::kWindowGeometry), QByteArray());
    QCOMPARE(s.value(settings::kLastProfile), QString());
}

void tst_Settings::valuesSurviveANewInstance()
{
    {
        Settings s(file());
        s.setValue(settings::kHighContrastTheme, true);
        s.setValue(settings::kWindowGeometry, QByteArray("\x01\x02\x00\xff", 4));
        s.setValue(settings::kRecentProfiles, QStringList { QStringLiteral("/a.json") });
        s.sync();
    }
    Settings again(file());
    QCOMPARE(again.value(settings::kHighContrastTheme), true);
    QCOMPARE(again.value(settings::kWindowGeometry), QByteArray("\x01\x02\x00\xff", 4));
    // A one-element list must come back as a list, not as a plain string.
    QCOMPARE(again.value(settings::kRecentProfiles), QStringList { QStringLiteral("/a.json") });
}

void tst_Settings::recentProfilesAreUniqueNewestFirstAndBounded()
{
    QTemporaryDir dir;
    Settings s(dir.filePath(QStringLiteral("recent.ini")));
    for (int i = 0; i < settings::kMaxRecentProfiles + 3; ++i)
        s.addRecentProfile(QStringLiteral("/p%1.json").arg(i));
    s.addRecentProfile(QStringLiteral("/p5.json"));
    const QStringList recent = s.value(settings::kRecentProfiles);
    QCOMPARE(recent.size(), settings::kMaxRecentProfiles);
    QCOMPARE(recent.first(), QStringLiteral("/p5.json"));
    QCOMPARE(recent.count(QStringLiteral("/p5.json")), 1);
    QCOMPARE(recent.at(1), QStringLiteral("/p%1.json").arg(settings::kMaxRecentProfiles + 2));
}

void tst_Settings::changedNamesTheKey()
{
    QTemporaryDir dir;
    Settings s(dir.filePath(QStringLiteral("changed.ini")));
    QSignalSpy spy(&s, &Settings::changed);
    s.setValue(settings::kHighContrastTheme, true);
    QCOMPARE(spy.size(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("ui/highContrastTheme"));
}

void tst_Settings::resetReturnsToTheDefault()
{
    QTemporaryDir dir;
    Settings s(dir.filePath(QStringLiteral("reset.ini")));
    s.setValue(settings::kLastProfile, QStringLiteral("/x.json"));
    s.reset(settings::kLastProfile);
    QCOMPARE(s.value(settings::kLastProfile), QString());
}

QTEST_GUILESS_MAIN(tst_Settings)
#include "tst_settings.moc"
