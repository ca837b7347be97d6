#include "reportexportdialog.h"

#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTextBrowser>
#include <QThread>
#include <QUrl>
#include <QVBoxLayout>

namespace dr::ui {

using namespace dr::report;

struct ReportExportDialog::Job
{
    std::atomic_bool cancel { false };
    std::shared_ptr<const RunReport> run;
    std::shared_ptr<const ReadinessReport> readiness;
    Format format = Format::Pdf;
    PageSize pageSize = PageSize::A4;
    QString path;
    bool existedBefore = false;
    // Written by the worker, read after it finished.
    Result<void> result;
    QByteArray html;
};

namespace {

constexpr int kDefaultDays = 90;

} // namespace

ReportExportDialog::ReportExportDialog(SourcesProvider sources, QWidget *parent)
    : QDialog(parent)
    , m_sources(std::move(sources))
{
    build();
}

ReportExportDialog::~ReportExportDialog()
{
    // The workers use this dialog's queued callbacks: stop them before it goes.
    for (auto *job : { m_previewJob.get(), m_exportJob.get() }) {
        if (job)
            job->cancel = true;
    }
    for (QThread *thread : { m_previewThread, m_exportThread }) {
        if (thread) {
            thread->wait();
            delete thread;
        }
    }
}

void ReportExportDialog::build()
{
    setObjectName(QStringLiteral("reportExportDialog"));
    setWindowTitle(tr("Export report"));
    resize(1000, 720);

    m_kind = new QComboBox(this);
    m_kind->setObjectName(QStringLiteral("reportKind"));
    m_kind->setAccessibleName(tr("Report kind"));
    m_kind->addItem(tr("This run"), int(Kind::Run));
    m_kind->addItem(tr("Readiness over the last days"), int(Kind::Readiness));
    m_run = new QLineEdit(this);
    m_run->setObjectName(QStringLiteral("reportRun"));
    m_run->setAccessibleName(tr("Run id"));
    m_run->setPlaceholderText(tr("run id (from the Runs list)"));
    m_days = new QSpinBox(this);
    m_days->setObjectName(QStringLiteral("reportDays"));
    m_days->setAccessibleName(tr("Days covered by the readiness report"));
    m_days->setRange(1, 3660);
    m_days->setValue(kDefaultDays);
    m_days->setSuffix(tr(" days"));
    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("reportFormat"));
    m_format->setAccessibleName(tr("Format"));
    m_format->addItem(tr("PDF (for auditors)"), int(Format::Pdf));
    m_format->addItem(tr("HTML (one self-contained file)"), int(Format::Html));
    m_format->addItem(tr("CSV (gates and steps)"), int(Format::Csv));
    m_format->addItem(tr("JSON (for tools)"), int(Format::Json));
    m_pageSize = new QComboBox(this);
    m_pageSize->setObjectName(QStringLiteral("reportPageSize"));
    m_pageSize->setAccessibleName(tr("Page size"));
    m_pageSize->addItem(tr("A4"), int(PageSize::A4));
    m_pageSize->addItem(tr("Letter"), int(PageSize::Letter));
    m_path = new QLineEdit(this);
    m_path->setObjectName(QStringLiteral("reportPath"));
    m_path->setAccessibleName(tr("Output file"));
    m_browse = new QPushButton(tr("&Browse\u2026"), this);
    m_browse->setObjectName(QStringLiteral("reportBrowse"));
    m_rebuild = new QPushButton(tr("&Update preview"), this);
    m_rebuild->setObjectName(QStringLiteral("reportRebuild"));
    m_preview = new QTextBrowser(this);
    m_preview->setObjectName(QStringLiteral("reportPreview"));
    m_preview->setAccessibleName(tr("Report preview"));
    m_preview->setOpenLinks(false); // a report links nowhere; nothing to follow from here
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("reportProgress"));
    m_progress->setAccessibleName(tr("Export progress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setVisible(false);
    m_export = new QPushButton(tr("&Export"), this);
    m_export->setObjectName(QStringLiteral("reportExport"));
    m_export->setDefault(true);
    m_cancel = new QPushButton(tr("&Cancel export"), this);
    m_cancel->setObjectName(QStringLiteral("reportCancel"));
    m_cancel->setEnabled(false);
    m_close = new QPushButton(tr("Close"), this);
    m_close->setObjectName(QStringLiteral("reportClose"));
    m_openFolder = new QPushButton(tr("&Open folder"), this);
    m_openFolder->setObjectName(QStringLiteral("reportOpenFolder"));
    m_openFolder->setVisible(false);
    m_result = new QLabel(this);
    m_result->setObjectName(QStringLiteral("reportResult"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_result->setVisible(false);

    auto *form = new QFormLayout;
    form->addRow(tr("&Report:"), m_kind);
    form->addRow(tr("R&un:"), m_run);
    form->addRow(tr("&Period:"), m_days);
    form->addRow(tr("&Format:"), m_format);
    form->addRow(tr("Page si&ze:"), m_pageSize);
    auto *pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(m_browse);
    form->addRow(tr("O&utput file:"), pathRow);
    auto *resultRow = new QHBoxLayout;
    resultRow->addWidget(m_result, 1);
    resultRow->addWidget(m_openFolder);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_rebuild);
    buttons->addWidget(m_progress, 1);
    buttons->addWidget(m_export);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_close);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_preview, 1);
    layout->addLayout(resultRow);
    layout->addLayout(buttons);

    connect(m_kind, &QComboBox::currentIndexChanged, this, &ReportExportDialog::kindChanged);
    connect(m_format, &QComboBox::currentIndexChanged, this, &ReportExportDialog::formatChanged);
    connect(m_run, &QLineEdit::editingFinished, this, [this] {
        if (kind() == Kind::Run && (!m_runReport || m_runReport->run.id != m_run->text().trimmed()))
            rebuild();
    });
    connect(m_days, &QSpinBox::editingFinished, this, [this] {
        if (kind() == Kind::Readiness)
            rebuild();
    });
    connect(m_path, &QLineEdit::textEdited, this, [this] { m_userChosePath = true; });
    connect(m_browse, &QPushButton::clicked, this, &ReportExportDialog::chooseFile);
    connect(m_rebuild, &QPushButton::clicked, this, &ReportExportDialog::rebuild);
    connect(m_export, &QPushButton::clicked, this, &ReportExportDialog::startExport);
    connect(m_cancel, &QPushButton::clicked, this, &ReportExportDialog::cancelExport);
    connect(m_close, &QPushButton::clicked, this, &ReportExportDialog::reject);
    connect(m_openFolder, &QPushButton::clicked, this, [this] {
        QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(m_writtenPath).absolutePath()));
    });
    kindChanged();
    formatChanged();
}

ReportExportDialog::Kind ReportExportDialog::kind() const
{
    return Kind(m_kind->currentData().toInt());
}

Format ReportExportDialog::format() const
{
    return Format(m_format->currentData().toInt());
}

void ReportExportDialog::showRun(const QString &runId)
{
    m_run->setText(runId);
    m_kind->blockSignals(true);
    m_kind->setCurrentIndex(m_kind->findData(int(Kind::Run)));
    m_kind->blockSignals(false);
    kindChanged();
    rebuild();
}

void ReportExportDialog::showReadiness(int days)
{
    m_days->setValue(days);
    m_kind->blockSignals(true);
    m_kind->setCurrentIndex(m_kind->findData(int(Kind::Readiness)));
    m_kind->blockSignals(false);
    kindChanged();
    rebuild();
}

void ReportExportDialog::kindChanged()
{
    const bool run = kind() == Kind::Run;
    m_run->setEnabled(run);
    m_days->setEnabled(!run);
    if (!m_userChosePath)
        m_path->setText(suggestedPath());
    // A run report of an empty run id would only say so: wait for one.
    if (isVisible() && (!run || !m_run->text().trimmed().isEmpty()))
        rebuild();
}

void ReportExportDialog::formatChanged()
{
    m_pageSize->setEnabled(format() == Format::Pdf);
    m_pageSize->setToolTip(format() == Format::Pdf ? QString() : tr("Only PDF has pages"));
    // The suffix follows the format, whoever chose the name.
    const QString current = m_path->text().trimmed();
    if (!m_userChosePath || current.isEmpty()) {
        m_path->setText(suggestedPath());
        return;
    }
    const QFileInfo info(current);
    const QString base = info.path() + QLatin1Char('/') + info.completeBaseName();
    m_path->setText(QDir::toNativeSeparators(base + formatSuffix(format())));
}

QString ReportExportDialog::suggestedPath() const
{
    QString folder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (folder.isEmpty())
        folder = QDir::homePath();
    QString name;
    if (kind() == Kind::Run) {
        const QString id = m_run->text().trimmed();
        name = id.isEmpty() ? QStringLiteral("run-report") : QString(QStringLiteral("run-") + id);
    } else {
        name = QStringLiteral("readiness-")
            + QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd"));
    }
    return QDir::toNativeSeparators(folder + QLatin1Char('/') + name + formatSuffix(format()));
}

void ReportExportDialog::chooseFile()
{
    auto *dialog = new QFileDialog(this, tr("Export the report to"), m_path->text());
    dialog->setObjectName(QStringLiteral("reportFileDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(formatSuffix(format()).mid(1));
    dialog->setNameFilter(tr("%1 files (*%2)").arg(formatName(format()).toUpper(), formatSuffix(format())));
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) {
        m_userChosePath = true;
        m_path->setText(QDir::toNativeSeparators(path));
        formatChanged(); // the suffix follows the format
    });
    dialog->open();
}

bool ReportExportDialog::rebuild()
{
    m_runReport.reset();
    m_readinessReport.reset();
    m_result->setVisible(false);
    m_openFolder->setVisible(false);
    const ReportSources sources = m_sources ? m_sources() : ReportSources {};
    QString error;
    if (!sources.journal) {
        error = tr("No run journal is open (open a profile, and check the run banner for why failovers are unavailable).");
    } else if (kind() == Kind::Run) {
        const QString id = m_run->text().trimmed();
        if (id.isEmpty()) {
            error = tr("Choose a run: select it in the Runs list, or type its id.");
        } else if (auto built = buildRunReport(sources, id); built) {
            m_runReport = std::make_shared<const RunReport>(std::move(*built));
        } else {
            error = built.error();
        }
    } else {
        const Clock *clock = sources.clock ? sources.clock : Clock::system();
        const QDateTime to = clock->nowUtc();
        if (auto built = buildReadinessReport(sources, to.addDays(-m_days->value()), to); built)
            m_readinessReport = std::make_shared<const ReadinessReport>(std::move(*built));
        else
            error = built.error();
    }
    if (!m_userChosePath)
        m_path->setText(suggestedPath());
    if (!error.isEmpty()) {
        m_preview->setPlainText(tr("No report to show: %1").arg(error));
        showResult(tr("The report cannot be built: %1").arg(error), true);
        updateButtons();
        return false;
    }
    startPreview();
    updateButtons();
    return true;
}

void ReportExportDialog::startPreview()
{
    if (m_previewThread) {
        // One preview at a time; the latest report is previewed once this one is done.
        m_previewJob->cancel = true;
        m_previewAgain = true;
        return;
    }
    auto job = std::make_shared<Job>();
    job->run = m_runReport;
    job->readiness = m_readinessReport;
    m_previewJob = job;
    m_preview->setPlainText(tr("Rendering the preview\u2026"));
    m_previewThread = QThread::create([job] {
        RenderOptions options;
        options.progress = [job](int, int) { return !job->cancel.load(); };
        job->html = job->run ? toHtml(*job->run, options)
            : job->readiness ? toHtml(*job->readiness, options)
                             : QByteArray();
    });
    connect(m_previewThread, &QThread::finished, this, &ReportExportDialog::previewDone);
    m_previewThread->start(QThread::LowPriority);
}

void ReportExportDialog::previewDone()
{
    m_previewThread->wait();
    delete m_previewThread;
    m_previewThread = nullptr;
    const std::shared_ptr<Job> job = std::move(m_previewJob);
    if (m_previewAgain) {
        m_previewAgain = false;
        startPreview();
        return;
    }
    if (job->html.isEmpty())
        m_preview->setPlainText(tr("The preview could not be rendered."));
    else
        m_preview->setHtml(QString::fromUtf8(job->html));
    Q_EMIT previewReady();
}

bool ReportExportDialog::startExport()
{
    if (m_exportThread)
        return false;
    const QString path = QDir::fromNativeSeparators(m_path->text().trimmed());
    if (path.isEmpty()) {
        showResult(tr("Choose the output file first."), true);
        return false;
    }
    const bool wanted = kind() == Kind::Run
        ? (m_runReport && m_runReport->run.id == m_run->text().trimmed())
        : bool(m_readinessReport);
    if (!wanted && !rebuild())
        return false;
    if (!QFileInfo(QFileInfo(path).absolutePath()).isDir()) {
        showResult(tr("The folder %1 does not exist.").arg(QDir::toNativeSeparators(QFileInfo(path).absolutePath())), true);
        return false;
    }
    auto job = std::make_shared<Job>();
    job->run = kind() == Kind::Run ? m_runReport : nullptr;
    job->readiness = kind() == Kind::Readiness ? m_readinessReport : nullptr;
    job->format = format();
    job->pageSize = PageSize(m_pageSize->currentData().toInt());
    job->path = path;
    job->existedBefore = QFileInfo::exists(path);
    m_exportJob = job;
    m_lastDone = -1;
    m_lastTotal = -1;
    m_progress->setRange(0, 0); // busy until the renderer says how much there is
    m_progress->setVisible(true);
    m_result->setVisible(false);
    m_openFolder->setVisible(false);
    m_exportThread = QThread::create([job, this] {
        RenderOptions options;
        options.pageSize = job->pageSize;
        options.progress = [job, this](int done, int total) {
            // `this` outlives the worker: the destructor waits for it.
            QMetaObject::invokeMethod(this, [this, done, total] {
                m_lastDone = done;
                m_lastTotal = total;
                if (total > 0) {
                    m_progress->setRange(0, total);
                    m_progress->setValue(qBound(0, done, total));
                }
            }, Qt::QueuedConnection);
            return !job->cancel.load();
        };
        job->result = job->run ? writeReport(*job->run, job->format, job->path, options)
                               : writeReport(*job->readiness, job->format, job->path, options);
    });
    connect(m_exportThread, &QThread::finished, this, &ReportExportDialog::exportDone);
    m_exportThread->start();
    updateButtons();
    return true;
}

void ReportExportDialog::cancelExport()
{
    if (!m_exportJob)
        return;
    m_exportJob->cancel = true;
    m_cancel->setEnabled(false);
    showResult(tr("Cancelling\u2026"), false);
}

void ReportExportDialog::exportDone()
{
    m_exportThread->wait();
    delete m_exportThread;
    m_exportThread = nullptr;
    const std::shared_ptr<Job> job = std::move(m_exportJob);
    updateButtons();
    if (job->cancel) {
        // Finished just as Cancel was pressed: cancelled means nothing new was left behind.
        if (job->result && !job->existedBefore)
            QFile::remove(job->path);
        m_progress->setVisible(false);
        const QString why = job->result && job->existedBefore
            ? tr("Cancelled too late: %1 had already been written.").arg(QDir::toNativeSeparators(job->path))
            : tr("Export cancelled: nothing was written.");
        showResult(why, false);
        Q_EMIT exportFinished(false, why);
        return;
    }
    if (!job->result) {
        m_progress->setVisible(false);
        showResult(tr("The report was not exported: %1").arg(job->result.error()), true);
        Q_EMIT exportFinished(false, job->result.error());
        return;
    }
    m_progress->setRange(0, 1);
    m_progress->setValue(1);
    m_writtenPath = job->path;
    showResult(tr("Exported to %1").arg(QDir::toNativeSeparators(job->path)), false, job->path);
    Q_EMIT exportFinished(true, job->path);
}

void ReportExportDialog::showResult(const QString &text, bool error, const QString &path)
{
    m_result->setText(text);
    m_result->setAccessibleName(text);
    m_result->setStyleSheet(error ? QStringLiteral("color: #a00000; font-weight: bold;") : QString());
    m_result->setVisible(true);
    m_openFolder->setVisible(!path.isEmpty());
}

void ReportExportDialog::updateButtons()
{
    const bool busy = m_exportThread != nullptr;
    m_export->setEnabled(!busy);
    m_cancel->setEnabled(busy && m_exportJob && !m_exportJob->cancel);
    for (QWidget *w : { static_cast<QWidget *>(m_kind), static_cast<QWidget *>(m_format),
             static_cast<QWidget *>(m_path), static_cast<QWidget *>(m_browse), static_cast<QWidget *>(m_rebuild) })
        w->setEnabled(!busy);
    m_run->setEnabled(!busy && kind() == Kind::Run);
    m_days->setEnabled(!busy && kind() == Kind::Readiness);
    m_pageSize->setEnabled(!busy && format() == Format::Pdf);
}

void ReportExportDialog::reject()
{
    // Closing while exporting cancels the export (the destructor waits for the worker).
    cancelExport();
    QDialog::reject();
}

} // namespace dr::ui
