#include "welcomepage.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardPaths>
#include <QTimer>
#include <QVBoxLayout>

#include <utility>

namespace dr::ui {

namespace {

// drlab up gives up by itself after 120 s; this only guards against a drlab that hangs.
constexpr int kLabTimeoutMs = 200'000;

QString firstExisting(const QStringList &candidates)
{
    for (const QString &c : candidates) {
        if (QFileInfo(c).isFile())
            return QFileInfo(c).absoluteFilePath();
    }
    return {};
}

} // namespace

WelcomePage::WelcomePage(QWidget *parent)
    : QWidget(parent)
    , m_drlab(defaultDrlabProgram())
    , m_template(defaultTemplatePath())
    , m_labTimeout(new QTimer(this))
{
    setObjectName(QStringLiteral("welcomePage"));
    auto *title = new QLabel(tr("<h2>Welcome to DR Console</h2>"), this);
    auto *intro = new QLabel(tr("No profile is open. A profile describes the two regions to "
                                "watch; pick a way to get one:"),
        this);
    intro->setWordWrap(true);

    m_labButton = new QPushButton(tr("Start the &local lab"), this);
    m_labButton->setObjectName(QStringLiteral("startLab"));
    m_openButton = new QPushButton(tr("&Open a profile\u2026"), this);
    m_openButton->setObjectName(QStringLiteral("openProfileButton"));
    m_templateButton = new QPushButton(tr("&New profile from the Azure template\u2026"), this);
    m_templateButton->setObjectName(QStringLiteral("newFromTemplate"));
    const QString labLine = tr("Runs drlab up: a complete two-region stack on this machine "
                               "(HAProxy, Azurite, the lab's region services), no Azure account "
                               "needed; takes about half a minute, then opens the lab's profile.");
    const QString openLine = tr("Opens a profile file (.json) you already have, e.g. one drlab "
                                "wrote or one for your Azure deployment.");
    const QString templateLine = tr("Copies the template of the two-region Azure architecture "
                                    "(bot API, knowledge base, search, storage, Traffic Manager) "
                                    "to a file you choose and opens it. Its placeholder "
                                    "subscription and tenant IDs show as problems until you "
                                    "fill them in: that is expected.");
    QGridLayout *grid = new QGridLayout;
    int row = 0;
    for (const auto &[button, line] : { std::pair { m_labButton, labLine },
             std::pair { m_openButton, openLine }, std::pair { m_templateButton, templateLine } }) {
        // Enter presses the focused button, as in a dialog (a plain widget's buttons take only
        // Space otherwise).
        button->setAutoDefault(true);
        auto *text = new QLabel(line, this);
        text->setWordWrap(true);
        text->setBuddy(button);
        button->setToolTip(line);
        button->setAccessibleDescription(line);
        grid->addWidget(button, row, 0, Qt::AlignTop);
        grid->addWidget(text, row, 1, Qt::AlignTop);
        ++row;
    }
    grid->setColumnStretch(1, 1);
    setTabOrder(m_labButton, m_openButton);
    setTabOrder(m_openButton, m_templateButton);

    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 0); // busy: drlab says what it does, not how far it is
    m_progress->setAccessibleName(tr("Starting the lab"));
    m_progress->hide();
    m_progressText = new QLabel(this);
    m_progressText->setObjectName(QStringLiteral("labProgress"));
    m_progressText->setWordWrap(true);
    m_progressText->hide();
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("welcomeError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->hide();
    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("welcomeMessage"));
    m_message->setWordWrap(true);

    auto *box = new QWidget(this);
    box->setMaximumWidth(900);
    auto *inner = new QVBoxLayout(box);
    inner->addWidget(title);
    inner->addWidget(intro);
    inner->addSpacing(8);
    inner->addLayout(grid);
    inner->addWidget(m_progress);
    inner->addWidget(m_progressText);
    inner->addWidget(m_error);
    inner->addWidget(m_message);
    // Stretches around the box, not an alignment: an aligned widget gets its size hint's height,
    // which cuts the wrapped lines.
    auto *centred = new QHBoxLayout;
    centred->addStretch(1);
    centred->addWidget(box, 4);
    centred->addStretch(1);
    auto *outer = new QVBoxLayout(this);
    outer->addStretch(1);
    outer->addLayout(centred);
    outer->addStretch(2);
    setFocusProxy(m_labButton);

    m_labTimeout->setSingleShot(true);
    connect(m_labTimeout, &QTimer::timeout, this, [this] {
        labFailed(tr("drlab up did not finish within %1 s; see its logs in the lab folder")
                      .arg(kLabTimeoutMs / 1000));
    });
    connect(m_labButton, &QPushButton::clicked, this, &WelcomePage::startLab);
    connect(m_openButton, &QPushButton::clicked, this, &WelcomePage::showOpenDialog);
    connect(m_templateButton, &QPushButton::clicked, this, &WelcomePage::showTemplateDialog);
}

WelcomePage::~WelcomePage()
{
    if (m_process) {
        // The lab's processes outlive drlab up by design; only drlab up itself stops here.
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(2000);
    }
}

QString WelcomePage::defaultDrlabProgram()
{
    const QString dir = QCoreApplication::applicationDirPath();
    const QString beside = firstExisting(
        { dir + QStringLiteral("/drlab"), dir + QStringLiteral("/../drlab/drlab"),
            dir + QStringLiteral("/../../app/drlab/drlab") });
    if (!beside.isEmpty())
        return beside;
    const QString onPath = QStandardPaths::findExecutable(QStringLiteral("drlab"));
    return onPath.isEmpty() ? QStringLiteral("drlab") : onPath;
}

QString WelcomePage::defaultTemplatePath()
{
    const QString dir = QCoreApplication::applicationDirPath();
    const QString name = QStringLiteral("contoso-azure.example.json");
    // Installed (bin/../share), then a build tree: build/NAME/app/drconsole or
    // build/NAME/tests/ui, four levels under the source tree.
    return firstExisting({ dir + QStringLiteral("/../share/drconsole/profiles/") + name,
        dir + QStringLiteral("/../../../../resources/profiles/") + name });
}

QStringList WelcomePage::labArguments() const
{
    QStringList args { QStringLiteral("up"), QStringLiteral("--json") };
    if (!m_labDir.isEmpty())
        args << QStringLiteral("--dir") << m_labDir;
    return args;
}

void WelcomePage::startLab()
{
    if (m_process)
        return;
    m_error->hide();
    m_labOutput.clear();
    m_labLastLine.clear();
    m_process = new QProcess(this);
    m_process->setProgram(m_drlab);
    m_process->setArguments(labArguments());
    connect(m_process, &QProcess::readyReadStandardOutput, this,
        [this] { m_labOutput += m_process->readAllStandardOutput(); });
    connect(m_process, &QProcess::readyReadStandardError, this, [this] {
        const QStringList lines = QString::fromUtf8(m_process->readAllStandardError())
                                      .split(u'\n', Qt::SkipEmptyParts);
        if (!lines.isEmpty()) {
            m_labLastLine = lines.constLast().trimmed();
            m_progressText->setText(tr("Starting the lab\u2026 %1").arg(m_labLastLine));
        }
    });
    connect(m_process, &QProcess::finished, this,
        [this](int code, QProcess::ExitStatus status) {
            labFinished(code, status == QProcess::CrashExit);
        });
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        // A crash or a timeout also ends in finished(); only a process that never ran does not.
        if (error == QProcess::FailedToStart)
            labFailed(tr("Cannot run %1 (%2). Is the drconsole package complete?")
                          .arg(m_drlab, m_process->errorString()));
    });
    setBusy(true);
    m_progressText->setText(tr("Starting the lab (HAProxy, Azurite, the region services)\u2026 "
                               "this takes about half a minute."));
    m_labTimeout->start(kLabTimeoutMs);
    m_process->start();
}

void WelcomePage::labFinished(int exitCode, bool crashed)
{
    if (!m_process)
        return;
    m_labOutput += m_process->readAllStandardOutput();
    if (crashed || exitCode != 0) {
        const QString why = m_labLastLine.isEmpty()
            ? (crashed ? tr("drlab crashed") : tr("drlab exited with %1").arg(exitCode))
            : m_labLastLine;
        labFailed(why);
        return;
    }
    const QJsonObject doc = QJsonDocument::fromJson(m_labOutput).object();
    const QString profile = doc.value(QStringLiteral("profile")).toString();
    if (profile.isEmpty() || !QFileInfo::exists(profile)) {
        labFailed(tr("drlab up answered without a profile file"));
        return;
    }
    m_labTimeout->stop();
    m_process->deleteLater();
    m_process = nullptr;
    setBusy(false);
    emit profileChosen(profile);
}

void WelcomePage::labFailed(const QString &why)
{
    if (!m_process)
        return; // already answered
    m_labTimeout->stop();
    m_process->disconnect(this);
    if (m_process->state() != QProcess::NotRunning)
        m_process->kill();
    m_process->deleteLater();
    m_process = nullptr;
    setBusy(false);
    showError(tr("The lab did not start: %1").arg(why));
}

void WelcomePage::setBusy(bool busy)
{
    m_labButton->setEnabled(!busy);
    m_progress->setVisible(busy);
    m_progressText->setVisible(busy);
}

void WelcomePage::showError(const QString &text)
{
    m_error->setText(text);
    m_error->show();
}

void WelcomePage::showOpenDialog()
{
    if (m_dialog)
        m_dialog->close();
    auto *dialog = new QFileDialog(
        this, tr("Open profile"), QString(), tr("Profiles (*.json);;All files (*)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this,
        [this](const QString &path) { emit profileChosen(path); });
    m_dialog = dialog;
    dialog->open();
}

void WelcomePage::showTemplateDialog()
{
    if (m_template.isEmpty() || !QFileInfo(m_template).isFile()) {
        showError(tr("The Azure template (contoso-azure.example.json) is not installed: "
                     "expected in /usr/share/drconsole/profiles."));
        return;
    }
    if (m_dialog)
        m_dialog->close();
    auto *dialog = new QFileDialog(this, tr("New profile from the Azure template"),
        QDir::home().filePath(QStringLiteral("contoso-azure.json")),
        tr("Profiles (*.json)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(QStringLiteral("json"));
    connect(dialog, &QFileDialog::fileSelected, this,
        [this](const QString &path) { createFromTemplate(path); });
    m_dialog = dialog;
    dialog->open();
}

bool WelcomePage::createFromTemplate(const QString &target)
{
    m_error->hide();
    if (QFileInfo::exists(target)) {
        showError(tr("%1 already exists: choose a new file name (the template never replaces a "
                     "profile).").arg(target));
        return false;
    }
    QFile source(m_template);
    if (!source.open(QIODevice::ReadOnly)) {
        showError(tr("Cannot read the Azure template %1: %2").arg(m_template, source.errorString()));
        return false;
    }
    const QByteArray content = source.readAll();
    QFile out(target);
    // NewOnly: never overwrite a profile someone already filled in (the dialog asked, but a
    // file may appear in between).
    if (!out.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
        showError(tr("Cannot create %1: %2").arg(target, out.errorString()));
        return false;
    }
    if (out.write(content) != content.size() || !out.flush()) {
        showError(tr("Cannot write %1: %2").arg(target, out.errorString()));
        out.close();
        out.remove();
        return false;
    }
    out.close();
    emit profileChosen(QFileInfo(target).absoluteFilePath());
    return true;
}

} // namespace dr::ui
