// The report export dialog driven through its widgets over a real journal and audit trail (a
// temporary folder, no lab): the preview shows the run's report; JSON and PDF exports write
// files that parse back (the JSON holds the run id; the PDF starts as one and its progress
// reached the last page); a cancelled export leaves no file and no temporary behind; the
// format decides the suffix; the readiness report previews too; errors show inline.

#include "report/render.h"
#include "reportexportdialog.h"
#include "runfixture.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>

using namespace dr;
using namespace dr::ui;

class tst_ReportExportDialog : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void previewShowsTheRun();
    void exportsJson();
    void exportsPdfWithProgress();
    void cancelLeavesNoFile();
    void suffixFollowsTheFormat();
    void readinessPreviews();
    void unknownRunIsSaidInline();

private:
    std::unique_ptr<ReportExportDialog> makeDialog();
    void chooseFormat(ReportExportDialog &d, report::Format format);
    void typePath(ReportExportDialog &d, const QString &path);
    QTemporaryDir m_dir;
    QTemporaryDir m_out;
    std::unique_ptr<RunJournal> m_journal;
    std::unique_ptr<AuditTrail> m_audit;
    const QString m_runId = QStringLiteral("20261120-090000-drill-abcd");
};

void tst_ReportExportDialog::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_out.isValid());
    m_journal = std::make_unique<RunJournal>(m_dir.filePath(QStringLiteral("journal.sqlite")));
    QVERIFY(m_journal->open());
    QCOMPARE(test::addFixtureRun(*m_journal, m_runId, QStringLiteral("drill"),
                 QDateTime(QDate(2026, 11, 20), QTime(9, 0), Qt::UTC), 240, 6),
        QString());
    m_audit = std::make_unique<AuditTrail>(m_dir.filePath(QStringLiteral("audit.sqlite")), test::fixtureAuditKey());
    QVERIFY(m_audit->open());
    // Enough entries for a PDF of several pages, so that progress has somewhere to go.
    for (int i = 0; i < 300; ++i)
        QVERIFY(m_audit->append(QStringLiteral("step"), QStringLiteral("ana"), m_runId,
            QStringLiteral("fixture step event %1 of the drill").arg(i)));
}

std::unique_ptr<ReportExportDialog> tst_ReportExportDialog::makeDialog()
{
    auto d = std::make_unique<ReportExportDialog>([this] {
        report::ReportSources sources;
        sources.journal = m_journal.get();
        sources.audit = m_audit.get();
        sources.generator = QStringLiteral("tst_reportexportdialog");
        return sources;
    });
    d->resize(1280, 800);
    d->show();
    return d;
}

void tst_ReportExportDialog::chooseFormat(ReportExportDialog &d, report::Format format)
{
    d.formatCombo()->setCurrentIndex(d.formatCombo()->findData(int(format)));
    QCOMPARE(d.formatCombo()->currentData().toInt(), int(format));
}

void tst_ReportExportDialog::typePath(ReportExportDialog &d, const QString &path)
{
    d.pathEdit()->selectAll();
    QTest::keyClick(d.pathEdit(), Qt::Key_Backspace);
    QTest::keyClicks(d.pathEdit(), path);
}

void tst_ReportExportDialog::previewShowsTheRun()
{
    auto d = makeDialog();
    QSignalSpy preview(d.get(), &ReportExportDialog::previewReady);
    d->showRun(m_runId);
    QVERIFY(preview.wait(20000));
    const QString text = d->preview()->toPlainText();
    QVERIFY2(text.contains(m_runId), qPrintable(text.left(500)));
    QVERIFY(text.contains(QStringLiteral("Fixture step 5")));
    QVERIFY(d->pathEdit()->text().endsWith(QStringLiteral(".pdf")));
}

void tst_ReportExportDialog::exportsJson()
{
    auto d = makeDialog();
    d->showRun(m_runId);
    chooseFormat(*d, report::Format::Json);
    QVERIFY(!d->pageSizeCombo()->isEnabled()); // pages are PDF's
    const QString path = m_out.filePath(QStringLiteral("run.json"));
    typePath(*d, path);
    QSignalSpy finished(d.get(), &ReportExportDialog::exportFinished);
    QTest::mouseClick(d->exportButton(), Qt::LeftButton);
    QVERIFY(finished.wait(20000));
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &error);
    QVERIFY2(doc.isObject(), qPrintable(error.errorString()));
    QCOMPARE(doc.object().value(QStringLiteral("run")).toObject().value(QStringLiteral("id")).toString(), m_runId);
    const auto parsed = report::runReportFromJson(doc.object());
    QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error()));
    QCOMPARE(parsed->steps.size(), 6);
    QVERIFY(d->resultLabel()->text().contains(QStringLiteral("run.json")));
    QVERIFY(!d->openFolderButton()->isHidden());
    QVERIFY(d->exportButton()->isEnabled());
}

void tst_ReportExportDialog::exportsPdfWithProgress()
{
    auto d = makeDialog();
    d->showRun(m_runId);
    chooseFormat(*d, report::Format::Pdf);
    QVERIFY(d->pageSizeCombo()->isEnabled());
    d->pageSizeCombo()->setCurrentIndex(d->pageSizeCombo()->findData(int(report::PageSize::Letter)));
    const QString path = m_out.filePath(QStringLiteral("run.pdf"));
    typePath(*d, path);
    QSignalSpy finished(d.get(), &ReportExportDialog::exportFinished);
    QTest::mouseClick(d->exportButton(), Qt::LeftButton);
    QVERIFY(d->isExporting());
    QVERIFY(!d->exportButton()->isEnabled());
    QVERIFY(d->cancelButton()->isEnabled());
    QVERIFY(finished.wait(30000));
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(f.read(5) == "%PDF-");
    // The renderer's own progress reached its last page, and the bar shows the end.
    QVERIFY(d->lastProgressTotal() > 0);
    QCOMPARE(d->lastProgressDone(), d->lastProgressTotal());
    QCOMPARE(d->progressBar()->value(), d->progressBar()->maximum());
    QVERIFY(!d->cancelButton()->isEnabled());
}

void tst_ReportExportDialog::cancelLeavesNoFile()
{
    auto d = makeDialog();
    d->showRun(m_runId);
    chooseFormat(*d, report::Format::Pdf);
    QDir folder(m_out.filePath(QStringLiteral("cancel")));
    QVERIFY(folder.mkpath(QStringLiteral(".")));
    const QString path = folder.filePath(QStringLiteral("cancelled.pdf"));
    typePath(*d, path);
    QSignalSpy finished(d.get(), &ReportExportDialog::exportFinished);
    QTest::mouseClick(d->exportButton(), Qt::LeftButton);
    QTest::mouseClick(d->cancelButton(), Qt::LeftButton);
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.at(0).at(0).toBool(), false);
    QVERIFY(!QFile::exists(path));
    QCOMPARE(folder.entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot), QStringList {});
    QVERIFY(d->resultLabel()->text().contains(QStringLiteral("cancelled")));
    QVERIFY(d->exportButton()->isEnabled());
}

void tst_ReportExportDialog::suffixFollowsTheFormat()
{
    auto d = makeDialog();
    d->showRun(m_runId);
    typePath(*d, m_out.filePath(QStringLiteral("mine.pdf")));
    chooseFormat(*d, report::Format::Csv);
    QCOMPARE(QDir::fromNativeSeparators(d->pathEdit()->text()), m_out.filePath(QStringLiteral("mine.csv")));
    chooseFormat(*d, report::Format::Html);
    QCOMPARE(QDir::fromNativeSeparators(d->pathEdit()->text()), m_out.filePath(QStringLiteral("mine.html")));
}

void tst_ReportExportDialog::readinessPreviews()
{
    auto d = makeDialog();
    QSignalSpy preview(d.get(), &ReportExportDialog::previewReady);
    d->showReadiness(30);
    QVERIFY2(d->resultLabel()->isHidden(), qPrintable(d->resultLabel()->text()));
    QVERIFY(preview.wait(20000));
    QVERIFY(!d->preview()->toPlainText().isEmpty());
    QVERIFY(!d->runEdit()->isEnabled());
    chooseFormat(*d, report::Format::Csv);
    const QString path = m_out.filePath(QStringLiteral("readiness.csv"));
    typePath(*d, path);
    QSignalSpy finished(d.get(), &ReportExportDialog::exportFinished);
    QTest::mouseClick(d->exportButton(), Qt::LeftButton);
    QVERIFY(finished.wait(20000));
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QVERIFY(QFileInfo(path).size() > 0);
}

void tst_ReportExportDialog::unknownRunIsSaidInline()
{
    auto d = makeDialog();
    d->showRun(QStringLiteral("no-such-run"));
    QVERIFY(!d->resultLabel()->isHidden());
    QVERIFY2(d->resultLabel()->text().contains(QStringLiteral("no-such-run")), qPrintable(d->resultLabel()->text()));
    typePath(*d, m_out.filePath(QStringLiteral("never.pdf")));
    QVERIFY(!d->startExport());
    QVERIFY(!QFile::exists(m_out.filePath(QStringLiteral("never.pdf"))));
}

QTEST_MAIN(tst_ReportExportDialog)
#include "tst_reportexportdialog.moc"
