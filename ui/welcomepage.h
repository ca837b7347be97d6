#pragma once

// What the window shows with no profile open: three ways in, one line each on what they do.
//   Start the local lab         runs `drlab up --json` (progress: drlab's own lines), then asks
//                               for the profile the lab wrote;
//   Open a profile…             a file dialog;
//   New profile from the Azure template
//                               copies contoso-azure.example.json (the two-region Azure
//                               architecture) to a file the user picks, then asks for it.
// Every way ends in exactly one profileChosen(path), or in an error shown on the page. The
// MainWindow opens the profile; a profile with problems (the template's placeholder GUIDs)
// opens its error dialog, which the page says beforehand.
//
// Nothing blocks: drlab runs in a QProcess, dialogs are opened with open(). The drlab binary
// and the lab folder are seams for tests: the real drlab runs, with a folder of the test's own.

#include <QFileDialog> // QPointer needs the complete type
#include <QPointer>
#include <QString>
#include <QWidget>

class QLabel;
class QProcess;
class QProgressBar;
class QPushButton;
class QTimer;

namespace dr::ui {

class WelcomePage : public QWidget
{
    Q_OBJECT

public:
    explicit WelcomePage(QWidget *parent = nullptr);
    ~WelcomePage() override;

    // drlab beside this binary (installed: /usr/bin; build tree: ../drlab/drlab), else on PATH.
    static QString defaultDrlabProgram();
    // The Azure template: ../share/drconsole/profiles beside the binary, else the source tree's
    // resources/profiles (for a build tree); empty when neither exists.
    static QString defaultTemplatePath();

    void setDrlabProgram(const QString &program) { m_drlab = program; }
    QString drlabProgram() const { return m_drlab; }
    // Empty (the default): drlab's own default folder (~/.local/share/drconsole/lab).
    void setLabDirectory(const QString &dir) { m_labDir = dir; }
    void setTemplatePath(const QString &path) { m_template = path; }
    QString templatePath() const { return m_template; }
    // The arguments `Start the local lab` runs drlab with.
    QStringList labArguments() const;

    // A line under the buttons: why nothing is shown (e.g. the last profile had problems).
    QLabel *messageLabel() const { return m_message; }
    QPushButton *labButton() const { return m_labButton; }
    QPushButton *openButton() const { return m_openButton; }
    QPushButton *templateButton() const { return m_templateButton; }
    QLabel *errorLabel() const { return m_error; }
    QProgressBar *progressBar() const { return m_progress; }
    QFileDialog *fileDialog() const { return m_dialog; }
    bool labRunning() const { return m_process != nullptr; }

    void startLab();
    void showOpenDialog();
    void showTemplateDialog();
    // Copies the template to target (replacing nothing: an existing file is an error) and
    // answers profileChosen(target), or shows the error.
    bool createFromTemplate(const QString &target);

signals:
    void profileChosen(const QString &path);

private:
    void labFinished(int exitCode, bool crashed);
    void labFailed(const QString &why);
    void setBusy(bool busy);
    void showError(const QString &text);

    QString m_drlab;
    QString m_labDir;
    QString m_template;
    QLabel *m_message;
    QLabel *m_error;
    QLabel *m_progressText;
    QProgressBar *m_progress;
    QPushButton *m_labButton;
    QPushButton *m_openButton;
    QPushButton *m_templateButton;
    QProcess *m_process = nullptr;
    QTimer *m_labTimeout;
    QByteArray m_labOutput;
    QString m_labLastLine;
    QPointer<QFileDialog> m_dialog;
};

} // namespace dr::ui
