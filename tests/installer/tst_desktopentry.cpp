// The desktop integration the package installs: the .desktop entry and the AppStream metainfo
// pass their validators (desktop-file-validate, appstreamcli validate --no-net), agree with
// each other (id, launchable, icon, binaries) and with the project's version; the icon exists
// as SVG and as a PNG of each size, that size.

#include "toolrun.h"

#include <QFile>
#include <QImageReader>
#include <QTest>
#include <QXmlStreamReader>

using namespace dr::test;

namespace {

const QString kId = QStringLiteral("io.github.drconsole.DRConsole");

QString installerFile(const QString &name)
{
    return qEnvironmentVariable("DR_SOURCE_DIR") + QStringLiteral("/installer/") + name;
}

QString desktopValue(const QString &key)
{
    QFile f(installerFile(kId + QStringLiteral(".desktop")));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith(QByteArray(key.toUtf8() + '=')))
            return QString::fromUtf8(line.mid(key.size() + 1));
    }
    return {};
}

} // namespace

class TestDesktopEntry : public QObject
{
    Q_OBJECT

private slots:
    void desktopEntryValidates();
    void metainfoValidates();
    void metainfoAgreesWithTheEntry();
    void icons_data();
    void icons();
};

void TestDesktopEntry::desktopEntryValidates()
{
    const ToolRun run = runTool(QStringLiteral("desktop-file-validate"),
        { installerFile(kId + QStringLiteral(".desktop")) }, 30000);
    QVERIFY2(run.exitCode != -1, "desktop-file-validate did not run (apt-get install desktop-file-utils)");
    QVERIFY2(run.exitCode == 0 && run.out.isEmpty(), QByteArray(run.out + run.err).constData());
    QCOMPARE(desktopValue(QStringLiteral("Exec")), QStringLiteral("drconsole"));
    QCOMPARE(desktopValue(QStringLiteral("Icon")), QStringLiteral("drconsole"));
}

void TestDesktopEntry::metainfoValidates()
{
    const ToolRun run = runTool(QStringLiteral("appstreamcli"),
        { QStringLiteral("validate"), QStringLiteral("--no-net"),
            installerFile(kId + QStringLiteral(".metainfo.xml")) },
        60000);
    QVERIFY2(run.exitCode != -1, "appstreamcli did not run (apt-get install appstream)");
    QVERIFY2(run.exitCode == 0, QByteArray(run.out + run.err).constData());
}

void TestDesktopEntry::metainfoAgreesWithTheEntry()
{
    QFile f(installerFile(kId + QStringLiteral(".metainfo.xml")));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&f);
    QString id, launchable, icon, firstRelease;
    QStringList binaries;
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        const auto name = xml.name();
        if (name == QLatin1String("id"))
            id = xml.readElementText();
        else if (name == QLatin1String("launchable"))
            launchable = xml.readElementText();
        else if (name == QLatin1String("icon"))
            icon = xml.readElementText();
        else if (name == QLatin1String("binary"))
            binaries << xml.readElementText();
        else if (name == QLatin1String("release") && firstRelease.isEmpty())
            firstRelease = xml.attributes().value(QStringLiteral("version")).toString();
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QCOMPARE(id, kId);
    QCOMPARE(launchable, kId + QStringLiteral(".desktop"));
    QCOMPARE(icon, desktopValue(QStringLiteral("Icon")));
    QCOMPARE(binaries,
        (QStringList { QStringLiteral("drconsole"), QStringLiteral("drctl"), QStringLiteral("drlab") }));
    QCOMPARE(firstRelease, QStringLiteral(DR_PROJECT_VERSION)); // the newest release comes first
}

void TestDesktopEntry::icons_data()
{
    QTest::addColumn<int>("size");
    for (int size : { 16, 32, 48, 64, 128, 256 })
        QTest::addRow("%d", size) << size;
}

void TestDesktopEntry::icons()
{
    QFETCH(int, size);
    QVERIFY(QFile::exists(installerFile(QStringLiteral("icons/drconsole.svg"))));
    QImageReader reader(installerFile(QStringLiteral("icons/drconsole-%1.png").arg(size)));
    QCOMPARE(reader.format(), QByteArray("png"));
    QCOMPARE(reader.size(), QSize(size, size));
    const QImage image = reader.read();
    QVERIFY2(!image.isNull(), qPrintable(reader.errorString()));
    // Drawn, not blank: the corners are transparent (rounded), the middle is not.
    QCOMPARE(qAlpha(image.pixel(0, 0)), 0);
    QVERIFY(qAlpha(image.pixel(size / 2, size / 2)) > 200);
}

QTEST_MAIN(TestDesktopEntry)
#include "tst_desktopentry.moc"
