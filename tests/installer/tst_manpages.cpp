// The man pages the build writes (installer/man/mkman.sh): groff reads them without a warning,
// and every command and option each tool's --help lists (and each command's own --help) is in
// its page, as a reader sees it rendered. No path of the build machine leaks into them.

#include "helpoptions.h"

#include <QFile>
#include <QProcess>
#include <QTest>

using namespace dr::test;

namespace {

struct Tool
{
    QString name;
    QString path;
};

QList<Tool> tools()
{
    QList<Tool> list { { QStringLiteral("drctl"), QStringLiteral(DRCTL_PATH) },
        { QStringLiteral("drlab"), QStringLiteral(DRLAB_PATH) } };
#ifdef DRCONSOLE_PATH
    list.append({ QStringLiteral("drconsole"), QStringLiteral(DRCONSOLE_PATH) });
#endif
    return list;
}

QString pagePath(const QString &tool)
{
    return QStringLiteral(DR_MAN_DIR "/") + tool + QStringLiteral(".1");
}

// groff's rendering as plain text, its hyphens and minus signs back to ASCII.
QString rendered(const QString &page, QString *warnings)
{
    QProcess groff;
    groff.start(QStringLiteral("groff"),
        { QStringLiteral("-man"), QStringLiteral("-Tutf8"), QStringLiteral("-ww"),
            QStringLiteral("-P-cbou"), page });
    if (!groff.waitForFinished(30000))
        return {};
    *warnings = QString::fromUtf8(groff.readAllStandardError());
    QString text = QString::fromUtf8(groff.readAllStandardOutput());
    text.replace(QChar(0x2212), u'-').replace(QChar(0x2010), u'-');
    // Undo the line filling: an option split at a line end must still be found.
    text.replace(QStringLiteral("-\n"), QStringLiteral("-"));
    return text.simplified();
}

} // namespace

class TestManPages : public QObject
{
    Q_OBJECT

private slots:
    void pageListsEverythingOfHelp_data();
    void pageListsEverythingOfHelp();
    void noBuildPaths();
};

void TestManPages::pageListsEverythingOfHelp_data()
{
    QTest::addColumn<QString>("tool");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("command");
    for (const Tool &t : tools()) {
        QTest::addRow("%s", qPrintable(t.name)) << t.name << t.path << QString();
        for (const QString &c : helpCommands(t.path))
            QTest::addRow("%s %s", qPrintable(t.name), qPrintable(c)) << t.name << t.path << c;
    }
}

void TestManPages::pageListsEverythingOfHelp()
{
    QFETCH(QString, tool);
    QFETCH(QString, path);
    QFETCH(QString, command);
    QVERIFY2(QFile::exists(pagePath(tool)), qPrintable(pagePath(tool) + u" was not built"));
    QString warnings;
    const QString text = rendered(pagePath(tool), &warnings);
    QVERIFY2(!text.isEmpty(), "groff rendered nothing");
    QVERIFY2(warnings.isEmpty(), qPrintable(warnings));

    const QStringList args = command.isEmpty() ? QStringList() : QStringList { command };
    const QStringList options = helpOptions(path, args);
    const bool hasCommands = !helpCommands(path).isEmpty();
    // drctl's and drlab's own --help lists commands; each command's lists the options.
    if (!command.isEmpty() || !hasCommands)
        QVERIFY2(options.contains(QStringLiteral("--help")), "the --help output has no options");
    if (command.isEmpty()) {
        QVERIFY(text.contains(QStringLiteral("SYNOPSIS")));
        for (const QString &c : helpCommands(path)) {
            const QString heading = tool + u' ' + c;
            QVERIFY2(text.contains(heading), qPrintable(heading + u" has no section"));
        }
    }
    for (const QString &o : options) {
        if (!text.contains(o)) {
            QFAIL(qPrintable(QStringLiteral("%1(1) does not mention %2 %3")
                                 .arg(tool, command.isEmpty() ? tool : command, o)));
        }
    }
}

void TestManPages::noBuildPaths()
{
    const QByteArray binaryDir = qgetenv("DR_BINARY_DIR");
    const QByteArray sourceDir = qgetenv("DR_SOURCE_DIR");
    const QByteArray home = qgetenv("HOME");
    for (const Tool &t : tools()) {
        QFile page(pagePath(t.name));
        QVERIFY(page.open(QIODevice::ReadOnly));
        const QByteArray content = page.readAll();
        QVERIFY2(!content.contains(binaryDir), qPrintable(t.name + u" names the build tree"));
        QVERIFY2(!content.contains(sourceDir), qPrintable(t.name + u" names the source tree"));
        if (home.size() > 1)
            QVERIFY2(!content.contains(QByteArray(home + '/')), qPrintable(t.name + u" names the builder's home"));
    }
}

QTEST_GUILESS_MAIN(TestManPages)
#include "tst_manpages.moc"
