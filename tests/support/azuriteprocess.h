#pragma once

// A real Azurite blob service for a test (Microsoft's Azure Storage emulator, the lab's region
// storage), started from the project's node_modules (located through DR_SOURCE_DIR, which ctest
// sets) on a loopback port, over HTTPS with the given certificate, with one account and key
// (AZURITE_ACCOUNTS), data in a directory (a temporary one unless given), telemetry off.
//
// start() returns once the service listens, or an error that says why (Azurite missing: run
// `bash .ci/deps`). stop() ends it (SIGTERM, then SIGKILL); the destructor stops it too, and the
// child is also killed by the kernel if the test process dies (PR_SET_PDEATHSIG), so no
// Azurite outlives its test. pause()/resume() freeze it with SIGSTOP/SIGCONT: connections are
// accepted by the kernel and never answered, as with a hung server.

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <QUrl>

#include <memory>

namespace dr::test {

class AzuriteProcess
{
public:
    struct Options
    {
        QString accountName = QStringLiteral("drlabstore");
        QByteArray keyBase64; // empty: a random 64-byte key
        QString certPath;
        QString keyPath;
        QString dataDir; // empty: a temporary directory, removed with this object
        quint16 port = 0; // 0: a free loopback port (kept across restarts)
        int startTimeoutMs = 20000;
    };

    explicit AzuriteProcess(Options options);
    ~AzuriteProcess();
    AzuriteProcess(const AzuriteProcess &) = delete;
    AzuriteProcess &operator=(const AzuriteProcess &) = delete;

    // Starts (or restarts, on the same port and data) and waits until it listens.
    bool start(QString *error);
    void stop();
    bool pause();
    bool resume();
    bool isRunning() const;

    quint16 port() const { return m_port; }
    QString accountName() const { return m_options.accountName; }
    QByteArray keyBase64() const { return m_options.keyBase64; }
    // https://127.0.0.1:PORT/ACCOUNT, and the path-style secondary .../ACCOUNT-secondary.
    QUrl endpoint() const;
    QUrl secondaryEndpoint() const;
    QString dataDir() const { return m_dataDir; }
    // The last of what Azurite printed, for failure messages.
    QString output() const { return QString::fromLocal8Bit(m_output); }

    // Where the Azurite blob binary should be, from DR_SOURCE_DIR; empty when that is unset.
    static QString binaryPath();

private:
    Options m_options;
    std::unique_ptr<QTemporaryDir> m_tempDir;
    QString m_dataDir;
    quint16 m_port = 0;
    std::unique_ptr<QProcess> m_process;
    QByteArray m_output;
    bool m_paused = false;
};

} // namespace dr::test
