#include "tlsprobe.h"

#include <QFile>
#include <QJsonArray>
#include <QSslConfiguration>
#include <QSslSocket>

namespace dr {

namespace {
QString nameOf(const QSslCertificate &cert, QSslCertificate::SubjectInfo field, bool issuer)
{
    const QStringList values = issuer ? cert.issuerInfo(field) : cert.subjectInfo(field);
    return values.isEmpty() ? QString() : values.first();
}

QString displayName(const QSslCertificate &cert, bool issuer)
{
    QString cn = nameOf(cert, QSslCertificate::CommonName, issuer);
    const QString org = nameOf(cert, QSslCertificate::Organization, issuer);
    if (cn.isEmpty())
        cn = org;
    else if (!org.isEmpty() && org != cn)
        cn += QStringLiteral(" (") + org + u')';
    return cn;
}
} // namespace

TlsProbe::TlsProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent)
    : Probe(target, context, parent)
{
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        onFailed(QStringLiteral("timed out after %1 ms").arg(m_target.settings.timeoutMs));
    });
}

TlsProbe::~TlsProbe()
{
    abort();
}

QList<QSslCertificate> TlsProbe::loadCaFile(const QString &path)
{
    return QSslCertificate::fromPath(path, QSsl::Pem);
}

void TlsProbe::start()
{
    m_socket = new QSslSocket(this);
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    QList<QSslCertificate> cas = m_context.extraCaCertificates;
    if (!m_target.settings.caCertificate.isEmpty())
        cas += loadCaFile(m_target.settings.caCertificate);
    if (!cas.isEmpty())
        ssl.addCaCertificates(cas);
    // Verify, but finish the handshake whatever the errors, so the chain can be inspected
    // and the operator told exactly what is wrong with it.
    ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
    m_socket->setSslConfiguration(ssl);
    connect(m_socket, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
        m_errors = errors;
        m_socket->ignoreSslErrors();
    });
    connect(m_socket, &QSslSocket::encrypted, this, &TlsProbe::onEncrypted);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error == QAbstractSocket::ConnectionRefusedError)
            onFailed(QStringLiteral("connection refused"));
        else if (error == QAbstractSocket::HostNotFoundError)
            onFailed(QStringLiteral("host not found: %1").arg(m_target.endpoint.host()));
        else if (error == QAbstractSocket::SslHandshakeFailedError)
            onFailed(QStringLiteral("TLS handshake failed: %1").arg(m_socket->errorString()), true);
        else
            onFailed(m_socket->errorString());
    });
    const QString peerName = m_target.settings.serverName.isEmpty() ? m_target.endpoint.host()
                                                                      : m_target.settings.serverName;
    m_elapsed.start();
    m_timeout.start(m_target.settings.timeoutMs);
    m_socket->connectToHostEncrypted(m_target.endpoint.host(), quint16(m_target.endpoint.port(443)), peerName);
}

void TlsProbe::abort()
{
    m_done = true;
    m_timeout.stop();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
}

void TlsProbe::onFailed(const QString &reason, bool handshake)
{
    if (m_done)
        return;
    ProbeResult r = ProbeResult::failure(reason, m_elapsed.elapsed());
    // Without a handshake there is no certificate to judge: its state is unknown.
    r.data.insert(QStringLiteral("state"), handshake ? QStringLiteral("invalid") : QStringLiteral("unknown"));
    r.data.insert(QStringLiteral("reason"), reason);
    finish(r);
}

TlsProbe::Verdict TlsProbe::judge(const QList<QSslCertificate> &chain, const QList<QSslError> &errors,
                                  const QDateTime &now, int warningDays, int criticalDays)
{
    Verdict v;
    if (chain.isEmpty()) {
        v.state = QStringLiteral("invalid");
        v.reason = QStringLiteral("the server presented no certificate");
        return v;
    }
    const QSslCertificate &leaf = chain.first();
    const qint64 secondsLeft = now.secsTo(leaf.expiryDate());
    // Whole days, rounded down: 23 hours left is 0 days left.
    v.daysLeft = secondsLeft >= 0 ? secondsLeft / 86400 : -((-secondsLeft + 86399) / 86400);

    QStringList problems;
    bool expired = leaf.expiryDate() <= now;
    for (const QSslError &e : errors) {
        switch (e.error()) {
        case QSslError::CertificateExpired:
            expired = true;
            break;
        case QSslError::CertificateNotYetValid:
            problems.append(QStringLiteral("not valid before %1").arg(leaf.effectiveDate().toString(Qt::ISODate)));
            break;
        case QSslError::HostNameMismatch:
            problems.append(QStringLiteral("issued for %1, not this host")
                                .arg(leaf.subjectAlternativeNames().values(QSsl::DnsEntry).join(QStringLiteral(", "))
                                         .isEmpty()
                                         ? nameOf(leaf, QSslCertificate::CommonName, false)
                                         : leaf.subjectAlternativeNames().values(QSsl::DnsEntry).join(QStringLiteral(", "))));
            break;
        case QSslError::SelfSignedCertificate:
        case QSslError::SelfSignedCertificateInChain:
            problems.append(QStringLiteral("self-signed and not trusted"));
            break;
        case QSslError::UnableToGetLocalIssuerCertificate:
        case QSslError::UnableToGetIssuerCertificate:
        case QSslError::UnableToVerifyFirstCertificate:
        case QSslError::CertificateUntrusted:
            problems.append(QStringLiteral("issuer %1 is not trusted").arg(displayName(leaf, true)));
            break;
        default:
            problems.append(e.errorString());
        }
    }
    problems.removeDuplicates();
    if (expired) {
        v.state = QStringLiteral("expired");
        v.reason = QStringLiteral("expired on %1").arg(leaf.expiryDate().toUTC().toString(Qt::ISODate));
        if (!problems.isEmpty())
            v.reason += QStringLiteral("; ") + problems.join(QStringLiteral("; "));
    } else if (!problems.isEmpty()) {
        v.state = QStringLiteral("invalid");
        v.reason = problems.join(QStringLiteral("; "));
    } else if (v.daysLeft <= criticalDays) {
        v.state = QStringLiteral("critical");
        v.reason = QStringLiteral("expires in %1 days (critical at %2)").arg(v.daysLeft).arg(criticalDays);
    } else if (v.daysLeft <= warningDays) {
        v.state = QStringLiteral("warning");
        v.reason = QStringLiteral("expires in %1 days (warning at %2)").arg(v.daysLeft).arg(warningDays);
    } else {
        v.state = QStringLiteral("ok");
        v.reason = QStringLiteral("valid for %1 more days").arg(v.daysLeft);
    }
    return v;
}

void TlsProbe::onEncrypted()
{
    if (m_done)
        return;
    const qint64 latency = m_elapsed.elapsed();
    const QList<QSslCertificate> chain = m_socket->peerCertificateChain();
    const Verdict v = judge(chain, m_errors, m_context.clock->nowUtc(), m_target.certificateWarningDays,
                            m_target.certificateCriticalDays);
    ProbeResult r;
    r.latencyMs = latency;
    r.outcome = v.state == u"ok"                              ? ProbeResult::Outcome::Success
                : (v.state == u"warning" || v.state == u"critical") ? ProbeResult::Outcome::Degraded
                                                                    : ProbeResult::Outcome::Failure;
    r.detail = QStringLiteral("certificate %1: %2").arg(v.state, v.reason);
    r.data.insert(QStringLiteral("state"), v.state);
    r.data.insert(QStringLiteral("reason"), v.reason);
    if (!chain.isEmpty()) {
        const QSslCertificate &leaf = chain.first();
        r.data.insert(QStringLiteral("notBefore"), leaf.effectiveDate().toUTC().toString(Qt::ISODate));
        r.data.insert(QStringLiteral("notAfter"), leaf.expiryDate().toUTC().toString(Qt::ISODate));
        r.data.insert(QStringLiteral("daysLeft"), v.daysLeft);
        r.data.insert(QStringLiteral("subject"), displayName(leaf, false));
        r.data.insert(QStringLiteral("issuer"), displayName(leaf, true));
        r.data.insert(QStringLiteral("serialNumber"), QString::fromLatin1(leaf.serialNumber()));
        r.data.insert(QStringLiteral("sha256"),
                      QString::fromLatin1(leaf.digest(QCryptographicHash::Sha256).toHex()));
        r.data.insert(QStringLiteral("dnsNames"),
                      QJsonArray::fromStringList(leaf.subjectAlternativeNames().values(QSsl::DnsEntry)));
        r.data.insert(QStringLiteral("chainLength"), chain.size());
    }
    finish(r);
}

void TlsProbe::finish(ProbeResult result)
{
    if (m_done)
        return;
    m_done = true;
    m_timeout.stop();
    result.finishedAt = m_context.clock->nowUtc();
    result.data.insert(QStringLiteral("endpoint"),
                       QStringLiteral("%1:%2").arg(m_target.endpoint.host()).arg(m_target.endpoint.port(443)));
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    emit finished(result);
}

} // namespace dr
