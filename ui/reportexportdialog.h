#pragma once

// Exports a compliance report (core/report): the report of one run, or the readiness report
// over the last N days; as PDF (A4 or Letter), HTML, CSV or JSON; with a preview (the HTML
// rendering, shown as the report will read) and a progress bar with Cancel.
//
// Threads: the report is BUILT on the GUI thread, from the window's own journal, audit trail
// (with its key, so the chain is verified) and history: Qt Sql connections belong to the
// thread that opened them, and building is a read of one run's rows (tens of milliseconds).
// It is RENDERED (preview and export: charts, PDF pages) on a worker thread (QThread::create):
// the report is plain data, copied into the job, and rendering is the long part. Progress comes
// back queued; Cancel makes the renderer's progress callback answer false. The dialog waits
// for its worker when destroyed, so nothing outlives it.
//
// A cancelled or failed export leaves no file behind that was not there before (the renderers
// write atomically; a file finished just as Cancel was pressed is removed).

#include "report/render.h"
#include "report/report.h"

#include <QDialog>
#include <QPointer>

#include <atomic>
#include <functional>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTextBrowser;
class QThread;

namespace dr::ui {

class ReportExportDialog : public QDialog
{
    Q_OBJECT

public:
    enum class Kind { Run, Readiness };
    // Called on the GUI thread whenever a report is built: the window's sources right now.
    using SourcesProvider = std::function<report::ReportSources()>;

    explicit ReportExportDialog(SourcesProvider sources, QWidget *parent = nullptr);
    ~ReportExportDialog() override;

    // Preselects a kind (and the run for Kind::Run), builds the report and its preview.
    void showRun(const QString &runId);
    void showReadiness(int days);

    // Builds the chosen report now (GUI thread) and starts its preview; false with the reason
    // shown inline when it cannot be built.
    bool rebuild();
    // Starts the export to the chosen file; false (reason inline) when it cannot start.
    bool startExport();
    void cancelExport();
    bool isExporting() const { return m_exportThread != nullptr; }
    bool isPreviewing() const { return m_previewThread != nullptr; }

    // What the last export reported through RenderOptions::progress (-1 before any call).
    int lastProgressDone() const { return m_lastDone; }
    int lastProgressTotal() const { return m_lastTotal; }

    // For tests.
    QComboBox *kindCombo() const { return m_kind; }
    QLineEdit *runEdit() const { return m_run; }
    QSpinBox *daysSpin() const { return m_days; }
    QComboBox *formatCombo() const { return m_format; }
    QComboBox *pageSizeCombo() const { return m_pageSize; }
    QLineEdit *pathEdit() const { return m_path; }
    QPushButton *browseButton() const { return m_browse; }
    QTextBrowser *preview() const { return m_preview; }
    QProgressBar *progressBar() const { return m_progress; }
    QPushButton *exportButton() const { return m_export; }
    QPushButton *cancelButton() const { return m_cancel; }
    QPushButton *openFolderButton() const { return m_openFolder; }
    QLabel *resultLabel() const { return m_result; }

public Q_SLOTS:
    void reject() override;

Q_SIGNALS:
    void previewReady();
    // ok: `detail` is the written path; else the reason (cancelled included).
    void exportFinished(bool ok, const QString &detail);

private:
    struct Job;
    void build();
    report::Format format() const;
    Kind kind() const;
    void formatChanged();
    void kindChanged();
    void chooseFile();
    QString suggestedPath() const;
    void startPreview();
    void previewDone();
    void exportDone();
    void showResult(const QString &text, bool error, const QString &path = {});
    void updateButtons();

    SourcesProvider m_sources;
    std::shared_ptr<const report::RunReport> m_runReport;
    std::shared_ptr<const report::ReadinessReport> m_readinessReport;
    bool m_userChosePath = false;

    QThread *m_previewThread = nullptr;
    std::shared_ptr<Job> m_previewJob;
    bool m_previewAgain = false;
    QThread *m_exportThread = nullptr;
    std::shared_ptr<Job> m_exportJob;
    int m_lastDone = -1;
    int m_lastTotal = -1;

    QComboBox *m_kind = nullptr;
    QLineEdit *m_run = nullptr;
    QSpinBox *m_days = nullptr;
    QComboBox *m_format = nullptr;
    QComboBox *m_pageSize = nullptr;
    QLineEdit *m_path = nullptr;
    QPushButton *m_browse = nullptr;
    QPushButton *m_rebuild = nullptr;
    QTextBrowser *m_preview = nullptr;
    QProgressBar *m_progress = nullptr;
    QPushButton *m_export = nullptr;
    QPushButton *m_cancel = nullptr;
    QPushButton *m_close = nullptr;
    QPushButton *m_openFolder = nullptr;
    QLabel *m_result = nullptr;
    QString m_writtenPath;
};

} // namespace dr::ui
