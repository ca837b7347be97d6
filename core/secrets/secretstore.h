#pragma once

// Resolves secret references (profile/secretref.h) to their values, and keeps named secrets
// in the OS keychain (QtKeychain: the Secret Service on Linux) under the service "drconsole".
// Every call is asynchronous and answers exactly once through its callback, on the thread
// that made the call; errors say which reference failed and why, never the value.
//
// File references are refused when the file is readable by anyone but its owner, as ssh
// refuses a private key: a secret in a world-readable file is not a secret.

#include "common/result.h"
#include "profile/secretref.h"

#include <QByteArray>
#include <QObject>

#include <functional>

namespace QKeychain {
class Job;
}

namespace dr {

class SecretStore : public QObject
{
    Q_OBJECT

public:
    static constexpr qint64 kMaxSecretBytes = 64 * 1024;

    explicit SecretStore(QObject *parent = nullptr);

    // The keychain service name; tests use their own.
    void setService(const QString &service) { m_service = service; }
    QString service() const { return m_service; }

    using ValueCallback = std::function<void(Result<QByteArray>)>;
    using DoneCallback = std::function<void(Result<void>)>;

    void read(const SecretRef &ref, ValueCallback done);
    void writeKeychain(const QString &name, const QByteArray &value, DoneCallback done);
    void removeKeychain(const QString &name, DoneCallback done);

    // Synchronous parts, public for tests.
    static Result<QByteArray> readEnv(const QString &variable);
    static Result<QByteArray> readFile(const QString &path);

private:
    void runKeychainJob(QKeychain::Job *job, const QString &name, DoneCallback done);

    QString m_service = QStringLiteral("drconsole");
};

} // namespace dr
