// Every file in ../shared/azure-rest-examples/ (Microsoft's official examples, the contract of
// our Azure code) is used by at least one contract test: a test registered with the ctest
// label "contract" whose sources name the file. An example nobody replays is a part of Azure's
// behaviour our code was never held to.

#include "replayserver.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTest>

using dr::test::AzureExample;

class tst_ExampleCoverage : public QObject
{
    Q_OBJECT

private:
    static QString sourceDir()
    {
        const QString s = qEnvironmentVariable("DR_SOURCE_DIR");
        return s.isEmpty() ? QFINDTESTDATA("../..") : s;
    }

    // The sources of every test labelled "contract", from the tests' CMakeLists.txt files.
    static QStringList contractSources(QStringList *tests)
    {
        static const QRegularExpression call(QStringLiteral("dr_add_test\\s*\\(([^)]*)\\)"));
        QStringList sources;
        QDirIterator it(sourceDir() + QStringLiteral("/tests"), {QStringLiteral("CMakeLists.txt")}, QDir::Files,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            QFile f(path);
            if (!f.open(QIODevice::ReadOnly))
                continue;
            const QString text = QString::fromUtf8(f.readAll());
            for (auto m = call.globalMatch(text); m.hasNext();) {
                const QStringList words = m.next().captured(1).simplified().split(u' ');
                const qsizetype labels = words.indexOf(QStringLiteral("LABELS"));
                if (labels < 0)
                    continue;
                bool contract = false;
                for (qsizetype i = labels + 1; i < words.size() && words.at(i).toUpper() != words.at(i); ++i)
                    contract = contract || words.at(i) == u"contract";
                if (!contract)
                    continue;
                tests->append(words.value(words.indexOf(QStringLiteral("NAME")) + 1));
                const qsizetype from = words.indexOf(QStringLiteral("SOURCES"));
                for (qsizetype i = from + 1; from >= 0 && i < words.size() && words.at(i).toUpper() != words.at(i); ++i)
                    sources.append(QFileInfo(path).absolutePath() + u'/' + words.at(i));
            }
        }
        return sources;
    }

private slots:
    void everyExampleIsReplayedByAContractTest()
    {
        const QStringList examples = AzureExample::allFiles();
        QVERIFY2(examples.size() >= 25, qPrintable(QStringLiteral("only %1 examples under %2")
                                                       .arg(examples.size())
                                                       .arg(AzureExample::examplesDir())));
        QStringList tests;
        const QStringList sources = contractSources(&tests);
        QVERIFY2(!sources.isEmpty(), "no test is labelled contract");
        QString corpus;
        for (const QString &path : sources) {
            QFile f(path);
            if (f.open(QIODevice::ReadOnly))
                corpus += QString::fromUtf8(f.readAll());
        }
        QStringList unused;
        for (const QString &example : examples) {
            // SOURCES.md lists the files; it is not one.
            if (!example.endsWith(QStringLiteral(".json")))
                continue;
            if (!corpus.contains(QFileInfo(example).fileName()))
                unused.append(example);
        }
        QVERIFY2(unused.isEmpty(), qPrintable(QStringLiteral("no contract test (%1) names: %2")
                                                  .arg(tests.join(QStringLiteral(", ")), unused.join(QStringLiteral(", ")))));
    }

    void everyExampleReadsAsAnExample()
    {
        // Each file has the shape the replay server relies on: parameters and responses.
        for (const QString &example : AzureExample::allFiles()) {
            const AzureExample e = AzureExample::load(example);
            QVERIFY2(e.ok(), qPrintable(e.error));
            QVERIFY2(!e.parameters.isEmpty(), qPrintable(example));
            QVERIFY2(!e.apiVersion().isEmpty(), qPrintable(example + QStringLiteral(": no api-version")));
        }
    }
};

QTEST_GUILESS_MAIN(tst_ExampleCoverage)
#include "tst_examplecoverage.moc"
