#include "testpki.h"

#include <QDir>
#include <QFile>
#include <QProcess>

namespace dr::test {

namespace {
QString asn1Time(const QDateTime &t)
{
    return t.toUTC().toString(QStringLiteral("yyyyMMddHHmmss")) + u'Z';
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}
} // namespace

QSslCertificate IssuedCertificate::certificate() const
{
    const auto certs = QSslCertificate::fromPath(certPath, QSsl::Pem);
    return certs.isEmpty() ? QSslCertificate() : certs.first();
}

QSslKey IssuedCertificate::key() const
{
    QFile f(keyPath);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QSslKey(f.readAll(), QSsl::Ec, QSsl::Pem);
}

TestPki::TestPki()
{
    const QString d = m_dir.path();
    QDir(d).mkpath(QStringLiteral("newcerts"));
    writeFile(d + QStringLiteral("/index.txt"), {});
    writeFile(d + QStringLiteral("/serial"), "1000\n");
    writeFile(d + QStringLiteral("/ca.cnf"),
              "[ ca ]\ndefault_ca = CA_default\n"
              "[ CA_default ]\ndatabase = index.txt\nnew_certs_dir = newcerts\nserial = serial\n"
              "default_md = sha256\npolicy = policy_any\nunique_subject = no\ncopy_extensions = none\n"
              "[ policy_any ]\ncommonName = supplied\norganizationName = optional\n");
    const QString caKey = d + QStringLiteral("/ca.key");
    const QString caCert = d + QStringLiteral("/ca.pem");
    if (!run({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("ec"),
              QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
              QStringLiteral("-keyout"), caKey, QStringLiteral("-out"), caCert, QStringLiteral("-days"),
              QStringLiteral("3650"), QStringLiteral("-subj"), QStringLiteral("/O=DR Console Tests/CN=DR Test CA"),
              QStringLiteral("-addext"), QStringLiteral("basicConstraints=critical,CA:TRUE"), QStringLiteral("-addext"),
              QStringLiteral("keyUsage=critical,keyCertSign,cRLSign")}))
        return;
    m_caKeyPath = caKey;
    m_caCertPath = caCert;
}

bool TestPki::run(const QStringList &args)
{
    QProcess p;
    p.setWorkingDirectory(m_dir.path());
    p.start(QStringLiteral("openssl"), args);
    if (!p.waitForFinished(30000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        m_error = QStringLiteral("openssl %1 failed: %2")
                      .arg(args.value(0), QString::fromLocal8Bit(p.readAllStandardError()));
        return false;
    }
    return true;
}

IssuedCertificate TestPki::issue(const QString &name, const QStringList &altNames, const QDateTime &notBefore,
                                 const QDateTime &notAfter, bool selfSigned)
{
    const QString d = m_dir.path();
    IssuedCertificate out;
    const QString key = d + u'/' + name + QStringLiteral(".key");
    const QString csr = d + u'/' + name + QStringLiteral(".csr");
    const QString cert = d + u'/' + name + QStringLiteral(".pem");
    const QString ext = d + u'/' + name + QStringLiteral(".ext");
    writeFile(ext, QStringLiteral("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                                  "extendedKeyUsage=serverAuth\nsubjectAltName=%1\n")
                       .arg(altNames.join(u','))
                       .toUtf8());
    if (!run({QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-newkey"), QStringLiteral("ec"),
              QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
              QStringLiteral("-keyout"), key, QStringLiteral("-out"), csr, QStringLiteral("-subj"),
              QStringLiteral("/O=DR Console Tests/CN=") + name}))
        return out;
    QStringList args{QStringLiteral("ca"), QStringLiteral("-batch"), QStringLiteral("-notext"),
                     QStringLiteral("-config"), d + QStringLiteral("/ca.cnf"), QStringLiteral("-in"), csr,
                     QStringLiteral("-out"), cert, QStringLiteral("-startdate"), asn1Time(notBefore),
                     QStringLiteral("-enddate"), asn1Time(notAfter), QStringLiteral("-extfile"), ext};
    if (selfSigned)
        args << QStringLiteral("-selfsign") << QStringLiteral("-keyfile") << key;
    else
        args << QStringLiteral("-cert") << m_caCertPath << QStringLiteral("-keyfile") << m_caKeyPath;
    if (!run(args))
        return out;
    out.certPath = cert;
    out.keyPath = key;
    return out;
}

IssuedCertificate TestPki::issueForDays(const QString &name, int days, const QStringList &altNames)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    return issue(name, altNames, now.addDays(-1), now.addDays(days).addSecs(3600));
}

} // namespace dr::test
