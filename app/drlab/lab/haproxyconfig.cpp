#include "haproxyconfig.h"

namespace drlab {

QByteArray haproxyConfig(const LabState &state)
{
    const QString ca = state.caCertificate();
    QString cfg = QStringLiteral(
        "# Written by drlab up; rewritten at every up. Loopback only.\n"
        "global\n"
        "    pidfile %1\n"
        "    stats socket %2 mode 600 level admin\n"
        "    stats socket ipv4@127.0.0.1:%3 level admin\n"
        "    stats timeout 10s\n"
        "    tune.ssl.default-dh-param 2048\n"
        "\n"
        "defaults\n"
        "    mode http\n"
        "    timeout connect 2s\n"
        "    timeout client 30s\n"
        "    timeout server 30s\n"
        "    timeout check 2s\n"
        "    option redispatch\n"
        "    retries 1\n"
        "\n"
        "frontend global\n"
        "    bind 127.0.0.1:%4 ssl crt %5\n"
        "    default_backend %6\n"
        "\n"
        "backend %6\n"
        "    option httpchk\n"
        "    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host localhost\n"
        "    http-check expect status 200\n"
        "    default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 2 check ssl verify required ca-file %7 sni str(localhost) check-sni localhost\n")
                      .arg(state.path(QStringLiteral("haproxy/haproxy.pid")), state.path(QStringLiteral("haproxy/admin.sock")))
                      .arg(state.port(QStringLiteral("runtime-api")))
                      .arg(state.port(QStringLiteral("global")))
                      .arg(state.path(QStringLiteral("certs/global.bundle.pem")), QString::fromLatin1(kBackend), ca);
    cfg += QStringLiteral("    server west 127.0.0.1:%1\n").arg(state.port(QStringLiteral("service-west")));
    cfg += QStringLiteral("    server north 127.0.0.1:%1 backup\n").arg(state.port(QStringLiteral("service-north")));
    return cfg.toUtf8();
}

} // namespace drlab
