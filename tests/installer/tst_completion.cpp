// The bash completions (installer/completions) driven in a real bash as bash-completion drives
// them: COMP_WORDS/COMP_CWORD set, the function called, COMPREPLY read back. Every command and
// every option the built drctl and drlab list in --help must be offered; so must profile files
// after --profile, the profile's own regions after --to, and the lab's faults and regions.
// Each case runs with bash-completion loaded (as installed) and without it (the fallback).

#include "helpoptions.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace dr::test;

namespace {

const QString kBashCompletion = QStringLiteral("/usr/share/bash-completion/bash_completion");

QString completionFile(const QString &tool)
{
    return qEnvironmentVariable("DR_SOURCE_DIR") + QStringLiteral("/installer/completions/") + tool;
}

} // namespace

class TestCompletion : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void offers_data();
    void offers();
    void profileFiles_data() { modes(); }
    void profileFiles();
    void regionsOfTheProfile_data() { modes(); }
    void regionsOfTheProfile();

private:
    void modes();
    // COMPREPLY for the command line `words` (the last one is the word being completed).
    QStringList complete(bool withBashCompletion, const QStringList &words);
    QTemporaryDir m_dir;
};

void TestCompletion::initTestCase()
{
    QVERIFY2(QFile::exists(kBashCompletion), "bash-completion is not installed (.ci/deps installs it)");
    QVERIFY(m_dir.isValid());
    QFile a(m_dir.filePath(QStringLiteral("lab.json")));
    QVERIFY(a.open(QIODevice::WriteOnly));
    QFile b(m_dir.filePath(QStringLiteral("notes.txt")));
    QVERIFY(b.open(QIODevice::WriteOnly));
}

void TestCompletion::modes()
{
    QTest::addColumn<bool>("withBashCompletion");
    QTest::newRow("bash-completion") << true;
    QTest::newRow("plain bash") << false;
}

QStringList TestCompletion::complete(bool withBashCompletion, const QStringList &words)
{
    const QString tool = words.first();
    const QString script = QStringLiteral(
        "if [ \"$1\" = with ]; then source \"$2\"; fi\n"
        "source \"$3\"; func=$4; shift 4\n"
        "COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}\n"
        "$func \"$1\" \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n"
        "printf '%s\\n' \"${COMPREPLY[@]}\"\n");
    QProcess bash;
    bash.setWorkingDirectory(m_dir.path());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // The tools the completions ask for their --help: the ones just built.
    env.insert(QStringLiteral("PATH"),
        QFileInfo(QStringLiteral(DRCTL_PATH)).absolutePath() + u':'
            + QFileInfo(QStringLiteral(DRLAB_PATH)).absolutePath() + u':' + env.value(QStringLiteral("PATH")));
    bash.setProcessEnvironment(env);
    bash.start(QStringLiteral("bash"),
        QStringList { QStringLiteral("--norc"), QStringLiteral("--noprofile"), QStringLiteral("-c"),
            script, QStringLiteral("bash"),
            withBashCompletion ? QStringLiteral("with") : QStringLiteral("without"), kBashCompletion,
            completionFile(tool), u'_' + tool }
            + words);
    if (!bash.waitForFinished(60000))
        return { QStringLiteral("<bash timed out>") };
    const QString err = QString::fromUtf8(bash.readAllStandardError());
    if (!err.isEmpty())
        qWarning().noquote() << "bash:" << err;
    return QString::fromUtf8(bash.readAllStandardOutput()).split(u'\n', Qt::SkipEmptyParts);
}

void TestCompletion::offers_data()
{
    QTest::addColumn<bool>("withBashCompletion");
    QTest::addColumn<QStringList>("words");
    QTest::addColumn<QStringList>("expected");
    const QString drctl = QStringLiteral(DRCTL_PATH);
    const QString drlab = QStringLiteral(DRLAB_PATH);
    const QStringList faults = { QStringLiteral("region-down"), QStringLiteral("region-up"),
        QStringLiteral("component-down"), QStringLiteral("component-up"), QStringLiteral("slow"),
        QStringLiteral("replication-lag"), QStringLiteral("index-drift"),
        QStringLiteral("cert-expiry"), QStringLiteral("heal") };
    for (bool with : { true, false }) {
        const char *mode = with ? "bash-completion" : "plain";
        for (const auto &[tool, path] : { std::pair { QStringLiteral("drctl"), drctl },
                 std::pair { QStringLiteral("drlab"), drlab } }) {
            const QStringList commands = helpCommands(path);
            QVERIFY2(commands.size() >= 5, qPrintable(tool + u" --help lists no commands"));
            QTest::addRow("%s: %s commands", mode, qPrintable(tool))
                << with << QStringList { tool, QString() } << commands;
            for (const QString &c : commands) {
                QTest::addRow("%s: %s %s options", mode, qPrintable(tool), qPrintable(c))
                    << with << QStringList { tool, c, QStringLiteral("--") }
                    << helpOptions(path, { c });
            }
        }
        QTest::addRow("%s: drctl failover --mode", mode)
            << with
            << QStringList { QStringLiteral("drctl"), QStringLiteral("failover"),
                   QStringLiteral("--mode"), QString() }
            << QStringList { QStringLiteral("planned"), QStringLiteral("unplanned") };
        QTest::addRow("%s: drctl report --format", mode)
            << with
            << QStringList { QStringLiteral("drctl"), QStringLiteral("report"),
                   QStringLiteral("--format"), QString() }
            << QStringList { QStringLiteral("pdf"), QStringLiteral("html"), QStringLiteral("csv"),
                   QStringLiteral("json") };
        QTest::addRow("%s: drlab fault", mode)
            << with << QStringList { QStringLiteral("drlab"), QStringLiteral("fault"), QString() }
            << faults;
        QTest::addRow("%s: drlab --dir D fault", mode)
            << with
            << QStringList { QStringLiteral("drlab"), QStringLiteral("--dir"), QStringLiteral("/tmp"),
                   QStringLiteral("fault"), QString() }
            << faults;
        QTest::addRow("%s: drlab fault region-down", mode)
            << with
            << QStringList { QStringLiteral("drlab"), QStringLiteral("fault"),
                   QStringLiteral("region-down"), QString() }
            << QStringList { QStringLiteral("west"), QStringLiteral("north") };
        QTest::addRow("%s: drlab fault component-down west", mode)
            << with
            << QStringList { QStringLiteral("drlab"), QStringLiteral("fault"),
                   QStringLiteral("component-down"), QStringLiteral("west"), QString() }
            << QStringList { QStringLiteral("knowledge-base"), QStringLiteral("search-index"),
                   QStringLiteral("storage") };
    }
}

void TestCompletion::offers()
{
    QFETCH(bool, withBashCompletion);
    QFETCH(QStringList, words);
    QFETCH(QStringList, expected);
    QVERIFY(!expected.isEmpty());
    const QStringList offered = complete(withBashCompletion, words);
    for (const QString &e : expected) {
        if (!offered.contains(e))
            QFAIL(qPrintable(QStringLiteral("'%1' is not offered for '%2'; offered: %3")
                                 .arg(e, words.join(u' '), offered.join(u' '))));
    }
}

void TestCompletion::profileFiles()
{
    QFETCH(bool, withBashCompletion);
    const QStringList offered = complete(withBashCompletion,
        { QStringLiteral("drctl"), QStringLiteral("status"), QStringLiteral("--profile"), QString() });
    QVERIFY2(offered.contains(QStringLiteral("lab.json")), qPrintable(offered.join(u' ')));
    if (withBashCompletion) // the fallback offers every file; _filedir json only profiles
        QVERIFY2(!offered.contains(QStringLiteral("notes.txt")), qPrintable(offered.join(u' ')));
}

void TestCompletion::regionsOfTheProfile()
{
    QFETCH(bool, withBashCompletion);
    const QString azure = qEnvironmentVariable("DR_SOURCE_DIR")
        + QStringLiteral("/resources/profiles/contoso-azure.example.json");
    QStringList offered = complete(withBashCompletion,
        { QStringLiteral("drctl"), QStringLiteral("failover"), QStringLiteral("--profile"), azure,
            QStringLiteral("--to"), QString() });
    offered.sort();
    // The regions, not their components' ids.
    QCOMPARE(offered, (QStringList { QStringLiteral("northeurope"), QStringLiteral("westeurope") }));
    offered = complete(withBashCompletion,
        { QStringLiteral("drctl"), QStringLiteral("sync-index"), QStringLiteral("--from"), QString() });
    offered.sort();
    QCOMPARE(offered, (QStringList { QStringLiteral("north"), QStringLiteral("west") }));
}

QTEST_GUILESS_MAIN(TestCompletion)
#include "tst_completion.moc"
