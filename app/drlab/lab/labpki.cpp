#include "labpki.h"

#include "labstate.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSslCertificate>
#include <QSslKey>
#include <QStandardPaths>

namespace drlab {

namespace {
QString asn1Time(const QDateTime &t)
{
    return t.toUTC().toString(QStringLiteral("yyyyMMddHHmmss")) + u'Z';
}
} // namespace

LabPki::LabPki(const QString &labDir)
    : m_dir(labDir)
{}

QString LabPki::caCertificate() const
{
    return m_dir + QStringLiteral("/ca/ca.pem");
}

QString LabPki::certificate(const QString &name) const
{
    return m_dir + QStringLiteral("/certs/%1.pem").arg(name);
}

QString LabPki::privateKey(const QString &name) const
{
    return m_dir + QStringLiteral("/certs/%1.key").arg(name);
}

QString LabPki::bundle(const QString &name) const
{
    return m_dir + QStringLiteral("/certs/%1.bundle.pem").arg(name);
}

bool LabPki::hasCa() const
{
    return QFileInfo::exists(caCertificate()) && QFileInfo::exists(m_dir + QStringLiteral("/ca/ca.key"));
}

bool LabPki::hasCertificate(const QString &name) const
{
    return QFileInfo::exists(certificate(name)) && QFileInfo::exists(privateKey(name)) && QFileInfo::exists(bundle(name));
}

dr::Result<void> LabPki::openssl(const QStringList &args) const
{
    const QString exe = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    if (exe.isEmpty())
        return dr::fail(QStringLiteral("openssl is not installed: apt-get install openssl"));
    QProcess p;
    p.setWorkingDirectory(m_dir + QStringLiteral("/ca"));
    p.start(exe, args);
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        return dr::fail(QStringLiteral("openssl %1 failed: %2")
                            .arg(args.value(0), QString::fromLocal8Bit(p.readAllStandardError()).trimmed()));
    }
    return {};
}

dr::Result<void> LabPki::ensureCa()
{
    if (hasCa())
        return {};
    const QString ca = m_dir + QStringLiteral("/ca");
    if (!QDir().mkpath(ca) || !QDir().mkpath(m_dir + QStringLiteral("/certs")))
        return dr::fail(QStringLiteral("cannot create %1").arg(ca));
    QFile::setPermissions(ca, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    if (auto r = writePrivateFile(ca + QStringLiteral("/index.txt"), {}); !r)
        return r;
    if (auto r = writePrivateFile(ca + QStringLiteral("/serial"), "1000\n"); !r)
        return r;
    QDir().mkpath(ca + QStringLiteral("/issued"));
    const QByteArray config = "[ ca ]\ndefault_ca = lab\n"
                              "[ lab ]\ndatabase = index.txt\nnew_certs_dir = issued\nserial = serial\n"
                              "default_md = sha256\npolicy = any\nunique_subject = no\ncopy_extensions = none\n"
                              "[ any ]\ncommonName = supplied\norganizationName = optional\n";
    if (auto r = writePrivateFile(ca + QStringLiteral("/ca.cnf"), config); !r)
        return r;
    return openssl({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                    QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                    QStringLiteral("-keyout"), QStringLiteral("ca.key"), QStringLiteral("-out"), QStringLiteral("ca.pem"),
                    QStringLiteral("-days"), QStringLiteral("3650"), QStringLiteral("-subj"),
                    QStringLiteral("/O=DR Console Lab/CN=DR Console Lab CA"), QStringLiteral("-addext"),
                    QStringLiteral("basicConstraints=critical,CA:TRUE"), QStringLiteral("-addext"),
                    QStringLiteral("keyUsage=critical,keyCertSign,cRLSign")});
}

dr::Result<void> LabPki::issue(const QString &name, const QDateTime &notBefore, const QDateTime &notAfter)
{
    if (auto r = ensureCa(); !r)
        return r;
    const QString ca = m_dir + QStringLiteral("/ca");
    const QString work = ca + QStringLiteral("/") + name;
    const QByteArray ext = "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                           "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n";
    if (auto r = writePrivateFile(work + QStringLiteral(".ext"), ext); !r)
        return r;
    if (auto r = openssl({QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-newkey"), QStringLiteral("ec"),
                          QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                          QStringLiteral("-keyout"), work + QStringLiteral(".key"), QStringLiteral("-out"),
                          work + QStringLiteral(".csr"), QStringLiteral("-subj"),
                          QStringLiteral("/O=DR Console Lab/CN=%1.drlab.localhost").arg(name)});
        !r)
        return r;
    if (auto r = openssl({QStringLiteral("ca"), QStringLiteral("-batch"), QStringLiteral("-notext"), QStringLiteral("-config"),
                          QStringLiteral("ca.cnf"), QStringLiteral("-cert"), QStringLiteral("ca.pem"), QStringLiteral("-keyfile"),
                          QStringLiteral("ca.key"), QStringLiteral("-in"), work + QStringLiteral(".csr"), QStringLiteral("-out"),
                          work + QStringLiteral(".pem"), QStringLiteral("-startdate"), asn1Time(notBefore),
                          QStringLiteral("-enddate"), asn1Time(notAfter), QStringLiteral("-extfile"), work + QStringLiteral(".ext")});
        !r)
        return r;
    const auto cert = readFile(work + QStringLiteral(".pem"));
    const auto key = readFile(work + QStringLiteral(".key"));
    if (!cert || !key)
        return dr::fail(!cert ? cert.error() : key.error());
    // Replace each file in one step, so a server reloading them never reads half a file.
    if (auto r = writePrivateFile(privateKey(name), *key); !r)
        return r;
    if (auto r = writePrivateFile(bundle(name), *cert + *key); !r)
        return r;
    if (auto r = writePrivateFile(certificate(name), *cert); !r)
        return r;
    QFile::setPermissions(certificate(name), QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
    for (const char *suffix : {".csr", ".pem", ".key", ".ext"})
        QFile::remove(work + QLatin1String(suffix));
    return {};
}

dr::Result<void> LabPki::issueForDays(const QString &name, int days)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QDateTime notBefore = now.addDays(-1);
    const QDateTime notAfter = now.addDays(days).addSecs(days >= 0 ? 3600 : 0);
    if (notAfter <= notBefore)
        notBefore = notAfter.addDays(-30); // an already expired certificate was valid once
    return issue(name, notBefore, notAfter);
}

dr::Result<QSslConfiguration> LabPki::serverTls(const QString &certificatePath, const QString &privateKeyPath)
{
    QFile certFile(certificatePath);
    QFile keyFile(privateKeyPath);
    if (!certFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly))
        return dr::fail(QStringLiteral("cannot read the certificate %1 or its key").arg(certificatePath));
    const QSslCertificate cert(certFile.readAll(), QSsl::Pem);
    const QSslKey key(keyFile.readAll(), QSsl::Ec, QSsl::Pem);
    if (cert.isNull() || key.isNull())
        return dr::fail(QStringLiteral("%1 or its key is not a PEM certificate and EC key").arg(certificatePath));
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setLocalCertificate(cert);
    ssl.setPrivateKey(key);
    ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
    return ssl;
}

} // namespace drlab
