#include "secretstore.h"

#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QTimer>

#include <qt6keychain/keychain.h>

namespace dr {

namespace {
QByteArray trimmedValue(QByteArray value)
{
    // A secret file or variable usually ends with the newline an editor or echo added.
    while (value.endsWith('\n') || value.endsWith('\r'))
        value.chop(1);
    return value;
}

QString keychainError(const QKeychain::Job *job, const QString &what)
{
    switch (job->error()) {
    case QKeychain::EntryNotFound:
        return QStringLiteral("%1: no such entry in the keychain").arg(what);
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return QStringLiteral("%1: the keychain refused access (is it unlocked?)").arg(what);
    case QKeychain::NoBackendAvailable:
        return QStringLiteral("%1: no keychain is available (start a Secret Service such as gnome-keyring, "
                              "or use an {\"env\"} or {\"file\"} reference)")
            .arg(what);
    default:
        return QStringLiteral("%1: %2").arg(what, job->errorString());
    }
}
} // namespace

SecretStore::SecretStore(QObject *parent)
    : QObject(parent)
{}

Result<QByteArray> SecretStore::readEnv(const QString &variable)
{
    if (!qEnvironmentVariableIsSet(variable.toLocal8Bit().constData()))
        return fail(QStringLiteral("environment variable %1 is not set").arg(variable));
    const QByteArray value = trimmedValue(qgetenv(variable.toLocal8Bit().constData()));
    if (value.isEmpty())
        return fail(QStringLiteral("environment variable %1 is empty").arg(variable));
    return value;
}

Result<QByteArray> SecretStore::readFile(const QString &path)
{
    QFileInfo info(path);
    if (!info.exists())
        return fail(QStringLiteral("secret file %1 does not exist").arg(path));
    if (!info.isFile())
        return fail(QStringLiteral("secret file %1 is not a regular file").arg(path));
    const QFile::Permissions loose = QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther
                                     | QFile::WriteOther | QFile::ExeOther;
    if (info.permissions() & loose)
        return fail(QStringLiteral("secret file %1 may be read by others than its owner: chmod 600 %1").arg(path));
    if (info.size() > kMaxSecretBytes)
        return fail(QStringLiteral("secret file %1 is %2 bytes; a secret may be at most %3 bytes")
                        .arg(path)
                        .arg(info.size())
                        .arg(kMaxSecretBytes));
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("cannot read secret file %1: %2").arg(path, f.errorString()));
    const QByteArray value = trimmedValue(f.read(kMaxSecretBytes));
    if (value.isEmpty())
        return fail(QStringLiteral("secret file %1 is empty").arg(path));
    return value;
}

void SecretStore::read(const SecretRef &ref, ValueCallback done)
{
    if (ref.source != SecretRef::Source::Keychain) {
        // Answer asynchronously like the keychain does, so callers meet one behaviour.
        Result<QByteArray> value = ref.source == SecretRef::Source::Env ? readEnv(ref.name) : readFile(ref.name);
        QTimer::singleShot(0, this, [done = std::move(done), value = std::move(value)] { done(value); });
        return;
    }
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setKey(ref.name);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    const QString what = ref.describe();
    connect(job, &QKeychain::Job::finished, this, [done = std::move(done), what](QKeychain::Job *j) {
        if (j->error() != QKeychain::NoError) {
            done(fail(keychainError(j, what)));
            return;
        }
        const QByteArray value = static_cast<QKeychain::ReadPasswordJob *>(j)->binaryData();
        if (value.isEmpty())
            done(fail(QStringLiteral("%1 is empty").arg(what)));
        else
            done(value);
    });
    job->start();
}

void SecretStore::runKeychainJob(QKeychain::Job *job, const QString &name, DoneCallback done)
{
    job->setKey(name);
    job->setAutoDelete(true);
    job->setInsecureFallback(false);
    const QString what = SecretRef{SecretRef::Source::Keychain, name}.describe();
    connect(job, &QKeychain::Job::finished, this, [done = std::move(done), what](QKeychain::Job *j) {
        if (j->error() != QKeychain::NoError)
            done(fail(keychainError(j, what)));
        else
            done({});
    });
    job->start();
}

void SecretStore::writeKeychain(const QString &name, const QByteArray &value, DoneCallback done)
{
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setBinaryData(value);
    runKeychainJob(job, name, std::move(done));
}

void SecretStore::removeKeychain(const QString &name, DoneCallback done)
{
    runKeychainJob(new QKeychain::DeletePasswordJob(m_service, this), name, std::move(done));
}

} // namespace dr
