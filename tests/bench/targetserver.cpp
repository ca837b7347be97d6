// drbench-targets: the endpoints for the probe benchmarks. N tiny HTTP/1.1 servers on
// 127.0.0.1 (free ports chosen by the kernel), each answering every request with "200 ok"
// and keep-alive, all in one single-threaded epoll loop. It is a separate process so that the
// CPU it spends serving is never billed to the prober under test, and it is deliberately
// plain POSIX (plus OpenSSL for HTTPS) so that it costs as little as possible on a small
// machine.
//
//   drbench-targets --count N --ports-file FILE [--max-seconds S]
//                   [--tls-cert CHAIN.pem --tls-key KEY.pem]
//
// With --tls-cert/--tls-key every port speaks HTTPS (OpenSSL's defaults: TLS 1.3, session
// tickets offered, as most servers do). Writes the N ports to FILE (atomically, once all are
// listening), serves until SIGTERM or SIGINT or S seconds (default 900: it never outlives a
// forgotten benchmark), then prints "targets served=... connections=... cpu_s=..." on stdout
// (and "tls_handshakes=..." with TLS).

#include "procstats.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void onSignal(int) { g_stop = 1; }

constexpr std::string_view kResponse = "HTTP/1.1 200 OK\r\n"
                                       "Content-Type: text/plain\r\n"
                                       "Content-Length: 3\r\n"
                                       "\r\n"
                                       "ok\n";
constexpr std::size_t kMaxRequestBytes = 64 * 1024;

struct Connection
{
    Connection() = default;
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;
    ~Connection()
    {
        if (ssl)
            SSL_free(ssl);
    }
    std::string in;
    std::string out;
    bool closeAfterWrite = false;
    SSL *ssl = nullptr; // HTTPS: the session; plain HTTP: nullptr
    bool handshaken = false;
};

// HTTP/1.0 without keep-alive, or "Connection: close" (what blackbox_exporter sends): the
// client wants the connection closed after the answer.
bool wantsClose(std::string_view head)
{
    std::string lower(head);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    const bool http10 = lower.find(" http/1.0\r\n") != std::string::npos;
    if (lower.find("\r\nconnection: close") != std::string::npos)
        return true;
    return http10 && lower.find("\r\nconnection: keep-alive") == std::string::npos;
}

class Server
{
public:
    ~Server()
    {
        if (m_tls)
            SSL_CTX_free(m_tls);
    }

    bool enableTls(const std::string &certFile, const std::string &keyFile)
    {
        m_tls = SSL_CTX_new(TLS_server_method());
        if (!m_tls || SSL_CTX_use_certificate_chain_file(m_tls, certFile.c_str()) != 1
            || SSL_CTX_use_PrivateKey_file(m_tls, keyFile.c_str(), SSL_FILETYPE_PEM) != 1
            || SSL_CTX_check_private_key(m_tls) != 1) {
            char why[256];
            ERR_error_string_n(ERR_get_error(), why, sizeof why);
            std::fprintf(stderr, "drbench-targets: TLS setup: %s\n", why);
            return false;
        }
        // std::string may move its buffer between a short write and its retry.
        SSL_CTX_set_mode(m_tls, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        return true;
    }
    unsigned long long handshakes() const { return m_handshakes; }
    bool tls() const { return m_tls != nullptr; }

    bool listenOn(int count, std::vector<int> *ports)
    {
        m_epoll = epoll_create1(EPOLL_CLOEXEC);
        if (m_epoll < 0)
            return fail("epoll_create1");
        for (int i = 0; i < count; ++i) {
            const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0)
                return fail("socket");
            const int one = 1;
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            addr.sin_port = 0;
            if (bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0)
                return fail("bind");
            if (listen(fd, 1024) != 0)
                return fail("listen");
            socklen_t len = sizeof addr;
            getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
            ports->push_back(ntohs(addr.sin_port));
            slot(fd).listener = true;
            watch(fd, EPOLLIN, EPOLL_CTL_ADD);
        }
        return true;
    }

    void run(double maxSeconds)
    {
        const double deadline = drbench::monotonicMs() + maxSeconds * 1000.0;
        std::vector<epoll_event> events(512);
        while (!g_stop && drbench::monotonicMs() < deadline) {
            const int n = epoll_wait(m_epoll, events.data(), int(events.size()), 200);
            for (int i = 0; i < n; ++i) {
                const int fd = events[std::size_t(i)].data.fd;
                if (slot(fd).listener)
                    acceptAll(fd);
                else
                    serve(fd, events[std::size_t(i)].events);
            }
        }
    }

    unsigned long long served() const { return m_served; }
    unsigned long long connections() const { return m_accepted; }

private:
    struct Slot
    {
        bool listener = false;
        std::unique_ptr<Connection> connection;
    };

    Slot &slot(int fd)
    {
        if (std::size_t(fd) >= m_slots.size())
            m_slots.resize(std::size_t(fd) + 1024);
        return m_slots[std::size_t(fd)];
    }

    void watch(int fd, std::uint32_t events, int op)
    {
        epoll_event ev{};
        ev.events = events;
        ev.data.fd = fd;
        epoll_ctl(m_epoll, op, fd, &ev);
    }

    static bool fail(const char *what)
    {
        std::fprintf(stderr, "drbench-targets: %s: %s\n", what, std::strerror(errno));
        return false;
    }

    void acceptAll(int listener)
    {
        for (;;) {
            const int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0)
                return; // EAGAIN: drained; EMFILE and friends: the client sees a timeout
            const int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            slot(fd).connection = std::make_unique<Connection>();
            if (m_tls) {
                SSL *ssl = SSL_new(m_tls);
                SSL_set_fd(ssl, fd);
                SSL_set_accept_state(ssl);
                slot(fd).connection->ssl = ssl;
            }
            watch(fd, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_ADD);
            ++m_accepted;
        }
    }

    void close(int fd)
    {
        // TLS: a close_notify first, as a polite server does (one write, never waited on).
        if (const auto &c = slot(fd).connection; c && c->ssl && c->handshaken) {
            SSL_shutdown(c->ssl);
            ERR_clear_error();
        }
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
        slot(fd).connection.reset();
    }

    // TLS: drives the handshake; true once it is done (and then the request may already be
    // waiting in OpenSSL's buffer). On false the connection waits for the socket, or is closed.
    bool handshake(int fd, Connection &c)
    {
        const int r = SSL_do_handshake(c.ssl);
        if (r == 1) {
            c.handshaken = true;
            ++m_handshakes;
            return true;
        }
        const int e = SSL_get_error(c.ssl, r);
        if (e == SSL_ERROR_WANT_READ)
            watch(fd, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
        else if (e == SSL_ERROR_WANT_WRITE)
            watch(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, EPOLL_CTL_MOD);
        else
            close(fd);
        ERR_clear_error();
        return false;
    }

    // Reads what is there: >0 bytes, 0 nothing more for now, -1 closed or failed.
    static ssize_t receive(int fd, Connection &c, char *buffer, std::size_t size)
    {
        if (!c.ssl) {
            const ssize_t got = read(fd, buffer, size);
            if (got > 0)
                return got;
            return got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) ? -1 : 0;
        }
        const int got = SSL_read(c.ssl, buffer, int(size));
        if (got > 0)
            return got;
        const int e = SSL_get_error(c.ssl, got);
        ERR_clear_error();
        return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
    }

    // Writes what it can: bytes written (maybe 0), or -1 on a failure.
    static ssize_t transmit(int fd, Connection &c)
    {
        if (!c.ssl) {
            const ssize_t sent = send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
            if (sent >= 0)
                return sent;
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
        const int sent = SSL_write(c.ssl, c.out.data(), int(c.out.size()));
        if (sent > 0)
            return sent;
        const int e = SSL_get_error(c.ssl, sent);
        ERR_clear_error();
        return e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ ? 0 : -1;
    }

    void serve(int fd, std::uint32_t events)
    {
        Connection &c = *slot(fd).connection;
        if (c.ssl && !c.handshaken) {
            if (!handshake(fd, c))
                return;
            events |= EPOLLIN;
        }
        if (events & EPOLLIN) {
            char buffer[16 * 1024];
            for (;;) {
                const ssize_t got = receive(fd, c, buffer, sizeof buffer);
                if (got > 0) {
                    c.in.append(buffer, std::size_t(got));
                    continue;
                }
                if (got < 0) {
                    close(fd);
                    return;
                }
                break;
            }
            // Requests are bodiless GETs: each ends at the blank line. Pipelined ones are
            // answered in order.
            for (auto end = c.in.find("\r\n\r\n"); end != std::string::npos && !c.closeAfterWrite;
                 end = c.in.find("\r\n\r\n")) {
                c.closeAfterWrite = wantsClose(std::string_view(c.in).substr(0, end + 2));
                c.in.erase(0, end + 4);
                c.out += kResponse;
                ++m_served;
            }
            if (c.in.size() > kMaxRequestBytes) {
                close(fd);
                return;
            }
        }
        if (!c.out.empty()) {
            const ssize_t sent = transmit(fd, c);
            if (sent < 0) {
                close(fd);
                return;
            }
            c.out.erase(0, std::size_t(sent));
            // A full socket buffer (never with 3-byte bodies, but be correct): finish on EPOLLOUT.
            watch(fd, c.out.empty() ? (EPOLLIN | EPOLLRDHUP) : (EPOLLIN | EPOLLOUT | EPOLLRDHUP), EPOLL_CTL_MOD);
        }
        if (c.out.empty() && c.closeAfterWrite) {
            close(fd);
            return;
        }
        if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && c.out.empty())
            close(fd);
    }

    int m_epoll = -1;
    SSL_CTX *m_tls = nullptr;
    unsigned long long m_handshakes = 0;
    std::vector<Slot> m_slots;
    unsigned long long m_served = 0;
    unsigned long long m_accepted = 0;
};

int usage()
{
    std::fprintf(stderr, "usage: drbench-targets --count N --ports-file FILE [--max-seconds S]\n"
                         "                       [--tls-cert CHAIN.pem --tls-key KEY.pem]\n");
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    int count = 0;
    std::string portsFile;
    double maxSeconds = 900;
    std::string tlsCert;
    std::string tlsKey;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc)
            return usage();
        if (arg == "--count")
            count = std::atoi(argv[++i]);
        else if (arg == "--ports-file")
            portsFile = argv[++i];
        else if (arg == "--max-seconds")
            maxSeconds = std::atof(argv[++i]);
        else if (arg == "--tls-cert")
            tlsCert = argv[++i];
        else if (arg == "--tls-key")
            tlsKey = argv[++i];
        else
            return usage();
    }
    if (count <= 0 || count > 20000 || portsFile.empty() || maxSeconds <= 0 || tlsCert.empty() != tlsKey.empty())
        return usage();

    // Die with whoever started us: a benchmark script killed half-way leaves no servers.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGINT, onSignal);
    std::signal(SIGPIPE, SIG_IGN);
    drbench::raiseFileLimit(std::uint64_t(count) * 3 + 256);

    Server server;
    if (!tlsCert.empty() && !server.enableTls(tlsCert, tlsKey))
        return 1;
    std::vector<int> ports;
    if (!server.listenOn(count, &ports))
        return 1;
    {
        const std::string tmp = portsFile + ".tmp";
        std::ofstream out(tmp, std::ios::trunc);
        for (const int port : ports)
            out << port << '\n';
        out.close();
        if (!out || std::rename(tmp.c_str(), portsFile.c_str()) != 0) {
            std::fprintf(stderr, "drbench-targets: cannot write %s\n", portsFile.c_str());
            return 1;
        }
    }
    const double cpuStart = drbench::selfCpuSeconds();
    server.run(maxSeconds);
    std::printf("targets served=%llu connections=%llu cpu_s=%.2f", server.served(), server.connections(),
                drbench::selfCpuSeconds() - cpuStart);
    if (server.tls())
        std::printf(" tls_handshakes=%llu", server.handshakes());
    std::printf("\n");
    return 0;
}
