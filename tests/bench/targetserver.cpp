// drbench-targets: the endpoints for the probe benchmarks. N tiny HTTP/1.1 servers on
// 127.0.0.1 (free ports chosen by the kernel), each answering every request with "200 ok"
// and keep-alive, all in one single-threaded epoll loop. It is a separate process so that the
// CPU it spends serving is never billed to the prober under test, and it is deliberately
// plain POSIX so that it costs as little as possible on a small machine.
//
//   drbench-targets --count N --ports-file FILE [--max-seconds S]
//
// Writes the N ports to FILE (atomically, once all are listening), serves until SIGTERM or
// SIGINT or S seconds (default 900: it never outlives a forgotten benchmark), then prints
// "targets served=... connections=... cpu_s=..." on stdout.

#include "procstats.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

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
    std::string in;
    std::string out;
    bool closeAfterWrite = false;
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
            watch(fd, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_ADD);
            ++m_accepted;
        }
    }

    void close(int fd)
    {
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
        slot(fd).connection.reset();
    }

    void serve(int fd, std::uint32_t events)
    {
        Connection &c = *slot(fd).connection;
        if (events & EPOLLIN) {
            char buffer[16 * 1024];
            for (;;) {
                const ssize_t got = read(fd, buffer, sizeof buffer);
                if (got > 0) {
                    c.in.append(buffer, std::size_t(got));
                    continue;
                }
                if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
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
            const ssize_t sent = send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
            if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                close(fd);
                return;
            }
            c.out.erase(0, std::size_t(std::max<ssize_t>(sent, 0)));
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
    std::vector<Slot> m_slots;
    unsigned long long m_served = 0;
    unsigned long long m_accepted = 0;
};

int usage()
{
    std::fprintf(stderr, "usage: drbench-targets --count N --ports-file FILE [--max-seconds S]\n");
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    int count = 0;
    std::string portsFile;
    double maxSeconds = 900;
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
        else
            return usage();
    }
    if (count <= 0 || count > 20000 || portsFile.empty() || maxSeconds <= 0)
        return usage();

    // Die with whoever started us: a benchmark script killed half-way leaves no servers.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGINT, onSignal);
    std::signal(SIGPIPE, SIG_IGN);
    drbench::raiseFileLimit(std::uint64_t(count) * 3 + 256);

    Server server;
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
    std::printf("targets served=%llu connections=%llu cpu_s=%.2f\n", server.served(), server.connections(),
                drbench::selfCpuSeconds() - cpuStart);
    return 0;
}
