#include "azuriteprocess.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTcpSocket>

#include <csignal>
#include <sys/prctl.h>

namespace dr::test {

namespace {

constexpr qsizetype kMaxOutput = 64 * 1024;

quint16 freePort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    const quint16 port = s.serverPort();
    s.close();
    return port;
}

} // namespace

AzuriteProcess::AzuriteProcess(Options options)
    : m_options(std::move(options))
{
    if (m_options.keyBase64.isEmpty()) {
        QByteArray key(64, Qt::Uninitialized);
        QRandomGenerator::system()->generate(key.begin(), key.end());
        m_options.keyBase64 = key.toBase64();
    }
    if (m_options.dataDir.isEmpty()) {
        m_tempDir = std::make_unique<QTemporaryDir>();
        m_dataDir = m_tempDir->path();
    } else {
        m_dataDir = m_options.dataDir;
    }
    m_port = m_options.port ? m_options.port : freePort();
}

AzuriteProcess::~AzuriteProcess()
{
    stop();
}

QString AzuriteProcess::binaryPath()
{
    const QString source = qEnvironmentVariable("DR_SOURCE_DIR");
    if (source.isEmpty())
        return {};
    return source + QStringLiteral("/node_modules/.bin/azurite-blob");
}

QUrl AzuriteProcess::endpoint() const
{
    QUrl url;
    url.setScheme(QStringLiteral("https"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(m_port);
    url.setPath(u'/' + m_options.accountName);
    return url;
}

QUrl AzuriteProcess::secondaryEndpoint() const
{
    QUrl url = endpoint();
    url.setPath(u'/' + m_options.accountName + QStringLiteral("-secondary"));
    return url;
}

bool AzuriteProcess::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

bool AzuriteProcess::start(QString *error)
{
    stop();
    const QString binary = binaryPath();
    if (binary.isEmpty()) {
        *error = QStringLiteral("DR_SOURCE_DIR is not set: run this test through ctest");
        return false;
    }
    if (!QFileInfo(binary).isExecutable()) {
        *error = QStringLiteral(
            "Azurite is not installed (%1 is missing): run `bash .ci/deps` in the source tree")
                     .arg(binary);
        return false;
    }
    if (m_options.certPath.isEmpty() || m_options.keyPath.isEmpty()) {
        *error
            = QStringLiteral("AzuriteProcess needs a certificate and key (TestPki::issueForDays)");
        return false;
    }
    QDir().mkpath(m_dataDir);

    m_output.clear();
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("AZURITE_ACCOUNTS"),
        m_options.accountName + u':' + QString::fromLatin1(m_options.keyBase64));
    m_process->setProcessEnvironment(env);
    // Dies with the test process, even when that one crashes.
    m_process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    m_process->start(binary,
        { QStringLiteral("--blobHost"), QStringLiteral("127.0.0.1"), QStringLiteral("--blobPort"),
            QString::number(m_port), QStringLiteral("--location"), m_dataDir,
            QStringLiteral("--cert"), m_options.certPath, QStringLiteral("--key"),
            m_options.keyPath, QStringLiteral("--skipApiVersionCheck"),
            QStringLiteral("--disableProductStyleUrl"),
            // No internet here, and none to be used: Azurite would phone home.
            QStringLiteral("--disableTelemetry"), QStringLiteral("--silent") });
    if (!m_process->waitForStarted(5000)) {
        *error = QStringLiteral("cannot start %1: %2").arg(binary, m_process->errorString());
        m_process.reset();
        return false;
    }
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < m_options.startTimeoutMs) {
        m_process->waitForReadyRead(100);
        m_output += m_process->readAll();
        if (m_output.size() > kMaxOutput)
            m_output = m_output.right(kMaxOutput);
        if (m_process->state() != QProcess::Running) {
            *error = QStringLiteral("Azurite exited at start (code %1): %2")
                         .arg(m_process->exitCode())
                         .arg(output().right(2000));
            m_process.reset();
            return false;
        }
        if (m_output.contains("successfully listens")) {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, m_port);
            if (probe.waitForConnected(1000))
                return true;
        }
    }
    *error = QStringLiteral("Azurite did not listen on port %1 within %2 ms: %3")
                 .arg(m_port)
                 .arg(m_options.startTimeoutMs)
                 .arg(output().right(2000));
    stop();
    return false;
}

void AzuriteProcess::stop()
{
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        if (m_paused)
            ::kill(pid_t(m_process->processId()), SIGCONT);
        m_process->terminate();
        if (!m_process->waitForFinished(5000)) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }
    m_output += m_process->readAll();
    m_paused = false;
    m_process.reset();
}

bool AzuriteProcess::pause()
{
    if (!isRunning() || m_paused)
        return false;
    m_paused = ::kill(pid_t(m_process->processId()), SIGSTOP) == 0;
    return m_paused;
}

bool AzuriteProcess::resume()
{
    if (!isRunning() || !m_paused)
        return false;
    m_paused = ::kill(pid_t(m_process->processId()), SIGCONT) != 0;
    return !m_paused;
}

} // namespace dr::test
