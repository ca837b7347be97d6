// drbench-blackbox: the reference run. Starts prometheus-blackbox-exporter on loopback with an
// http_2xx module and asks it, the way Prometheus would, to probe each target once per
// interval (GET /probe?module=http_2xx&target=http://127.0.0.1:PORT/), then reports the
// exporter's own CPU and peak RSS from /proc, and this driver's CPU separately.
//
//   drbench-blackbox --ports-file FILE [--seconds 30] [--interval-ms 1000] [--timeout-ms 2000]
//                    [--exporter /usr/bin/prometheus-blackbox-exporter] [--max-connections 1024]
//                    [--scheme https --ca-file CA.pem]
//
// With --scheme https the targets are https://127.0.0.1:PORT/ and the module trusts
// --ca-file (tls_config.ca_file), as the engine trusts it as an extra CA.
//
// The driver is plain POSIX (epoll, keep-alive connections to the exporter, a fixed-rate
// schedule staggered evenly over the interval) so that it takes as little of the machine
// from the exporter as possible. Prints one line:
//   RESULT tool=blackbox_exporter endpoints=... probes=... cpu_s=... peak_rss_mb=...

#include "procstats.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options
{
    std::string portsFile;
    std::string exporter = "/usr/bin/prometheus-blackbox-exporter";
    double seconds = 30;
    int intervalMs = 1000;
    int timeoutMs = 2000;
    int maxConnections = 1024;
    std::string scheme = "http";
    std::string caFile;
};

int usage()
{
    std::fprintf(stderr, "usage: drbench-blackbox --ports-file FILE [--seconds S] [--interval-ms MS] [--timeout-ms MS]\n"
                         "                        [--exporter PATH] [--max-connections N] [--scheme https --ca-file CA.pem]\n");
    return 2;
}

int freeLoopbackPort()
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = -1;
    if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0
        && getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

bool canConnect(int port)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(std::uint16_t(port));
    const bool ok = fd >= 0 && connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

// The exporter, started so that it dies with us and logs to a file.
pid_t spawnExporter(const Options &o, const std::string &config, int port, const std::string &log)
{
    const std::string configArg = "--config.file=" + config;
    const std::string listenArg = "--web.listen-address=127.0.0.1:" + std::to_string(port);
    const pid_t pid = fork();
    if (pid != 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
    }
    std::vector<char *> args{const_cast<char *>(o.exporter.c_str()), const_cast<char *>(configArg.c_str()),
                             const_cast<char *>(listenArg.c_str()), const_cast<char *>("--log.level=warn"), nullptr};
    execv(o.exporter.c_str(), args.data());
    std::fprintf(stderr, "drbench-blackbox: cannot run %s: %s\n", o.exporter.c_str(), std::strerror(errno));
    _exit(127);
}

// One HTTP/1.1 response at the front of `buffer`: 0 when incomplete, 1 when complete (its
// size in *consumed), -1 when malformed. Go's server answers either with Content-Length or,
// for bodies over 2 KiB (a probe's metrics usually are), chunked.
int parseResponse(const std::string &buffer, std::size_t *consumed, int *status, std::string *body, bool *close)
{
    const auto headEnd = buffer.find("\r\n\r\n");
    if (headEnd == std::string::npos)
        return buffer.size() > 64 * 1024 ? -1 : 0;
    std::string head = buffer.substr(0, headEnd + 2);
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (!head.starts_with("http/1.") || head.size() < 12)
        return -1;
    *status = std::atoi(head.c_str() + 9);
    *close = head.find("\r\nconnection: close") != std::string::npos;
    body->clear();
    std::size_t pos = headEnd + 4;
    if (const auto cl = head.find("\r\ncontent-length:"); cl != std::string::npos) {
        const auto length = std::strtoull(head.c_str() + cl + 17, nullptr, 10);
        if (buffer.size() < pos + length)
            return 0;
        body->assign(buffer, pos, length);
        *consumed = pos + length;
        return 1;
    }
    if (head.find("\r\ntransfer-encoding: chunked") == std::string::npos)
        return -1;
    for (;;) {
        const auto lineEnd = buffer.find("\r\n", pos);
        if (lineEnd == std::string::npos)
            return 0;
        const auto size = std::strtoull(buffer.c_str() + pos, nullptr, 16);
        pos = lineEnd + 2;
        if (size == 0) {
            const auto end = buffer.find("\r\n", pos); // no trailers from Go's server
            if (end == std::string::npos)
                return 0;
            *consumed = end + 2;
            return 1;
        }
        if (buffer.size() < pos + size + 2)
            return 0;
        body->append(buffer, pos, size);
        pos += size + 2;
    }
}

struct Request
{
    int target = 0;
    double dueMs = 0;
    double sentMs = 0;
};

struct Connection
{
    int fd = -1;
    bool connected = false;
    bool busy = false;
    Request request;
    std::string in;
    std::string out;
};

class Driver
{
public:
    Driver(const Options &o, const std::vector<int> &targets, int exporterPort)
        : m_options(o)
        , m_targets(targets)
        , m_exporterPort(exporterPort)
    {
        m_epoll = epoll_create1(EPOLL_CLOEXEC);
    }

    // Drives the schedule from startMs until endMs, then waits up to graceMs for answers
    // still in flight (they are not counted).
    void run(double startMs, double endMs, double graceMs)
    {
        m_start = startMs;
        m_end = endMs;
        const double n = double(m_targets.size());
        std::vector<epoll_event> events(256);
        double lastSweep = drbench::monotonicMs();
        for (;;) {
            const double now = drbench::monotonicMs();
            if (now >= endMs + graceMs || (now >= endMs && m_inFlight == 0))
                break;
            // Fixed rate, staggered: target i is due at start + k*interval + i*interval/n.
            for (;;) {
                const auto i = std::size_t(m_next % m_targets.size());
                const auto k = double(m_next / m_targets.size());
                const double due = startMs + (k + double(i) / n) * m_options.intervalMs;
                if (due > now || due >= endMs)
                    break;
                ++m_next;
                dispatch(Request{int(i), due, 0});
            }
            if (now - lastSweep > 100) {
                expireStuck(now);
                lastSweep = now;
            }
            const double nextDue = startMs
                                   + (double(m_next / m_targets.size()) + double(m_next % m_targets.size()) / n)
                                         * m_options.intervalMs;
            const double wakeAt = std::min(nextDue < endMs ? nextDue : endMs + graceMs, now + 100);
            const int got = epoll_wait(m_epoll, events.data(), int(events.size()),
                                       std::max(0, int(std::ceil(wakeAt - now))));
            for (int e = 0; e < got; ++e)
                onEvent(events[std::size_t(e)].data.fd, events[std::size_t(e)].events);
        }
    }

    unsigned long long ok = 0;
    unsigned long long failed = 0;
    unsigned long long connectionsOpened = 0;
    std::vector<double> sendDelays; // due -> sent: the driver's own lateness
    std::vector<double> latencies;  // sent -> answered: the exporter's probe as Prometheus sees it
    std::string firstFailure;

private:
    void dispatch(const Request &request)
    {
        Connection *c = nullptr;
        while (!m_idle.empty() && !c) {
            c = m_connections[std::size_t(m_idle.back())].get();
            m_idle.pop_back();
        }
        if (!c && m_open < m_options.maxConnections)
            c = openConnection();
        if (!c) {
            m_pending.push_back(request);
            return;
        }
        send(*c, request);
    }

    Connection *openConnection()
    {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return nullptr;
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(std::uint16_t(m_exporterPort));
        const int rc = connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
        if (rc != 0 && errno != EINPROGRESS) {
            close(fd);
            return nullptr;
        }
        if (std::size_t(fd) >= m_connections.size())
            m_connections.resize(std::size_t(fd) + 256);
        auto &slot = m_connections[std::size_t(fd)];
        slot = std::make_unique<Connection>();
        slot->fd = fd;
        slot->connected = rc == 0;
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
        ev.data.fd = fd;
        epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev);
        ++m_open;
        ++connectionsOpened;
        return slot.get();
    }

    void send(Connection &c, Request request)
    {
        request.sentMs = drbench::monotonicMs();
        sendDelays.push_back(request.sentMs - request.dueMs);
        c.busy = true;
        c.request = request;
        ++m_inFlight;
        // The target URL is percent-encoded, as Prometheus encodes __param_target.
        c.out = "GET /probe?module=http_2xx&target=" + m_options.scheme + "%3A%2F%2F127.0.0.1%3A"
                + std::to_string(m_targets[std::size_t(request.target)])
                + "%2F HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(m_exporterPort)
                + "\r\nUser-Agent: drbench\r\nAccept: text/plain\r\n\r\n";
        flush(c);
    }

    // False when the connection failed and is gone.
    bool flush(Connection &c)
    {
        if (!c.connected || c.out.empty())
            return true;
        const ssize_t sent = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            drop(c, "send failed");
            return false;
        }
        c.out.erase(0, std::size_t(std::max<ssize_t>(sent, 0)));
        epoll_event ev{};
        ev.events = c.out.empty() ? (EPOLLIN | EPOLLRDHUP) : (EPOLLIN | EPOLLOUT | EPOLLRDHUP);
        ev.data.fd = c.fd;
        epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
        return true;
    }

    void onEvent(int fd, std::uint32_t events)
    {
        if (std::size_t(fd) >= m_connections.size() || !m_connections[std::size_t(fd)])
            return;
        Connection &c = *m_connections[std::size_t(fd)];
        if (!c.connected && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0) {
                drop(c, "cannot connect to the exporter");
                return;
            }
            c.connected = true;
        }
        if ((events & EPOLLOUT) && !flush(c))
            return;
        if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
            return;
        char buffer[16 * 1024];
        bool eof = false;
        for (;;) {
            const ssize_t got = read(fd, buffer, sizeof buffer);
            if (got > 0) {
                c.in.append(buffer, std::size_t(got));
                continue;
            }
            eof = got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
            break;
        }
        if (c.busy) {
            std::size_t consumed = 0;
            int status = 0;
            bool close = false;
            const int parsed = parseResponse(c.in, &consumed, &status, &m_body, &close);
            if (parsed < 0) {
                drop(c, "malformed response from the exporter");
                return;
            }
            if (parsed > 0) {
                const double now = drbench::monotonicMs();
                c.in.erase(0, consumed);
                c.busy = false;
                --m_inFlight;
                if (now <= m_end) {
                    latencies.push_back(now - c.request.sentMs);
                    if (status == 200 && m_body.find("\nprobe_success 1\n") != std::string::npos) {
                        ++ok;
                    } else {
                        ++failed;
                        if (firstFailure.empty())
                            firstFailure = "HTTP " + std::to_string(status) + " or probe_success 0";
                    }
                }
                if (close || eof) {
                    drop(c, nullptr);
                } else if (!m_pending.empty()) {
                    const Request next = m_pending.front();
                    m_pending.pop_front();
                    send(c, next);
                } else {
                    m_idle.push_back(fd);
                }
                return;
            }
        }
        if (eof)
            drop(c, c.busy ? "the exporter closed the connection" : nullptr);
    }

    // A request the exporter has not answered within timeout + 3 s is a failure, and its
    // connection is abandoned.
    void expireStuck(double now)
    {
        std::vector<int> stuck; // collected first: drop() may open connections and grow the table
        for (const auto &slot : m_connections) {
            if (slot && slot->busy && now - slot->request.sentMs > m_options.timeoutMs + 3000.0)
                stuck.push_back(slot->fd);
        }
        for (const int fd : stuck) {
            if (m_connections[std::size_t(fd)])
                drop(*m_connections[std::size_t(fd)], "no answer from the exporter");
        }
    }

    void drop(Connection &c, const char *failure)
    {
        const int fd = c.fd;
        if (c.busy) {
            --m_inFlight;
            if (drbench::monotonicMs() <= m_end) {
                ++failed;
                if (firstFailure.empty() && failure)
                    firstFailure = failure;
            }
        }
        std::erase(m_idle, fd);
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
        m_connections[std::size_t(fd)].reset();
        --m_open;
        if (!m_pending.empty() && drbench::monotonicMs() < m_end) {
            const Request next = m_pending.front();
            m_pending.pop_front();
            dispatch(next);
        }
    }

    const Options m_options;
    const std::vector<int> m_targets;
    const int m_exporterPort;
    int m_epoll = -1;
    double m_start = 0;
    double m_end = 0;
    unsigned long long m_next = 0;
    int m_open = 0;
    int m_inFlight = 0;
    std::vector<std::unique_ptr<Connection>> m_connections; // by fd
    std::vector<int> m_idle;
    std::deque<Request> m_pending;
    std::string m_body;
};

} // namespace

int main(int argc, char **argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc)
            return usage();
        if (arg == "--ports-file")
            o.portsFile = argv[++i];
        else if (arg == "--seconds")
            o.seconds = std::atof(argv[++i]);
        else if (arg == "--interval-ms")
            o.intervalMs = std::atoi(argv[++i]);
        else if (arg == "--timeout-ms")
            o.timeoutMs = std::atoi(argv[++i]);
        else if (arg == "--exporter")
            o.exporter = argv[++i];
        else if (arg == "--max-connections")
            o.maxConnections = std::atoi(argv[++i]);
        else if (arg == "--scheme")
            o.scheme = argv[++i];
        else if (arg == "--ca-file")
            o.caFile = argv[++i];
        else
            return usage();
    }
    if (o.portsFile.empty() || o.seconds <= 0 || o.seconds > 3600 || o.intervalMs <= 0 || o.timeoutMs <= 0
        || o.maxConnections <= 0 || (o.scheme != "http" && o.scheme != "https"))
        return usage();
    std::string error;
    const std::vector<int> ports = drbench::readPorts(o.portsFile, &error);
    if (ports.empty()) {
        std::fprintf(stderr, "drbench-blackbox: %s\n", error.c_str());
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);
    drbench::raiseFileLimit(std::uint64_t(o.maxConnections) + 256);

    char dirTemplate[] = "/tmp/drbench-blackbox-XXXXXX";
    if (!mkdtemp(dirTemplate)) {
        std::fprintf(stderr, "drbench-blackbox: mkdtemp: %s\n", std::strerror(errno));
        return 1;
    }
    const std::string dir = dirTemplate;
    const std::string config = dir + "/blackbox.yml";
    {
        // The same check as the engine's http target: GET, any 2xx, the same timeout, IPv4
        // (the targets listen on 127.0.0.1 only).
        std::ofstream out(config);
        out << "modules:\n"
               "  http_2xx:\n"
               "    prober: http\n"
               "    timeout: "
            << o.timeoutMs << "ms\n"
            << "    http:\n"
               "      method: GET\n"
               "      preferred_ip_protocol: ip4\n"
               "      ip_protocol_fallback: false\n";
        if (!o.caFile.empty())
            out << "      tls_config:\n"
                   "        ca_file: "
                << std::filesystem::absolute(o.caFile).string() << "\n";
    }
    const int port = freeLoopbackPort();
    const std::string log = dir + "/exporter.log";
    const pid_t pid = spawnExporter(o, config, port, log);
    if (pid < 0 || port < 0) {
        std::fprintf(stderr, "drbench-blackbox: cannot start the exporter\n");
        return 1;
    }
    bool ready = false;
    for (int i = 0; i < 200 && !ready; ++i) { // up to 10 s
        ready = canConnect(port);
        if (!ready) {
            int status = 0;
            if (waitpid(pid, &status, WNOHANG) == pid)
                break;
            usleep(50 * 1000);
        }
    }
    int rc = 0;
    if (!ready) {
        std::fprintf(stderr, "drbench-blackbox: the exporter did not start listening; see %s\n", log.c_str());
        rc = 1;
    } else {
        // Let it finish starting up before the window opens, as the engine has before start().
        usleep(500 * 1000);
        Driver driver(o, ports, port);
        const double exporterCpuStart = drbench::processCpuSeconds(pid);
        const double driverCpuStart = drbench::selfCpuSeconds();
        const double start = drbench::monotonicMs();
        const double end = start + o.seconds * 1000.0;
        // Only the window is driven; the exporter is measured the moment it closes.
        driver.run(start, end, 0);
        const double wall = (drbench::monotonicMs() - start) / 1000.0;
        const double exporterCpu = drbench::processCpuSeconds(pid) - exporterCpuStart;
        const double driverCpu = drbench::selfCpuSeconds() - driverCpuStart;
        const long hwmKb = drbench::statusKb(pid, "VmHWM");
        const unsigned long long probes = driver.ok + driver.failed;
        std::printf("RESULT tool=blackbox_exporter endpoints=%zu seconds=%.1f probes=%llu ok=%llu failed=%llu "
                    "probes_per_s=%.1f cpu_s=%.2f cpu_pct=%.1f cpu_s_per_probe=%.6f peak_rss_mb=%.1f "
                    "driver_cpu_s=%.2f driver_cpu_pct=%.1f p99_driver_delay_ms=%.0f p99_latency_ms=%.0f "
                    "driver_connections=%llu\n",
                    ports.size(), wall, probes, driver.ok, driver.failed, double(probes) / wall, exporterCpu,
                    100.0 * exporterCpu / wall, probes ? exporterCpu / double(probes) : 0.0, double(hwmKb) / 1024.0,
                    driverCpu, 100.0 * driverCpu / wall, drbench::percentile(driver.sendDelays, 99),
                    drbench::percentile(driver.latencies, 99), driver.connectionsOpened);
        if (!driver.firstFailure.empty())
            std::fprintf(stderr, "drbench-blackbox: first failure: %s\n", driver.firstFailure.c_str());
        std::fflush(stdout);
    }
    kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid, &status, WNOHANG) == 0; ++i)
        usleep(50 * 1000);
    if (waitpid(pid, &status, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    std::error_code ignored;
    if (rc == 0)
        std::filesystem::remove_all(dir, ignored);
    return rc;
}
