#include "procstats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace drbench {

double selfCpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval &tv) { return double(tv.tv_sec) + double(tv.tv_usec) / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

namespace {
// utime + stime of one /proc/.../stat file; negative when it cannot be read.
double statCpuSeconds(const std::string &path, std::string *comm = nullptr)
{
    std::ifstream in(path);
    std::string line;
    if (!std::getline(in, line))
        return -1;
    // The command name (field 2) may hold spaces and parentheses: fields are counted from
    // the last ')'. utime and stime are fields 14 and 15, i.e. the 12th and 13th after it.
    const auto open = line.find('(');
    const auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open)
        return -1;
    if (comm)
        *comm = line.substr(open + 1, close - open - 1);
    std::istringstream rest(line.substr(close + 1));
    std::string field;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14)
            utime = std::stoull(field);
        else if (i == 15)
            stime = std::stoull(field);
    }
    return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}
} // namespace

double processCpuSeconds(pid_t pid)
{
    return statCpuSeconds("/proc/" + std::to_string(pid) + "/stat");
}

std::map<std::string, double> threadCpuSeconds()
{
    std::map<std::string, double> byName;
    std::error_code ec;
    for (const auto &task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
        std::string comm;
        const double seconds = statCpuSeconds(task.path().string() + "/stat", &comm);
        if (seconds >= 0)
            byName[comm] += seconds;
    }
    return byName;
}

long statusKb(pid_t pid, const char *field)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    const std::string prefix = std::string(field) + ':';
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with(prefix))
            return std::strtol(line.c_str() + prefix.size(), nullptr, 10);
    }
    return -1;
}

std::uint64_t raiseFileLimit(std::uint64_t wanted)
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 0;
    if (limit.rlim_cur < wanted) {
        limit.rlim_cur = std::min<rlim_t>(wanted, limit.rlim_max);
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    return limit.rlim_cur;
}

std::vector<int> readPorts(const std::string &path, std::string *error)
{
    std::vector<int> ports;
    std::ifstream in(path);
    if (!in) {
        *error = "cannot read " + path;
        return ports;
    }
    for (int port = 0; in >> port;) {
        if (port <= 0 || port > 65535) {
            *error = "bad port " + std::to_string(port) + " in " + path;
            return {};
        }
        ports.push_back(port);
    }
    if (ports.empty())
        *error = "no ports in " + path;
    return ports;
}

double percentile(std::vector<double> sample, double p)
{
    if (sample.empty())
        return 0;
    const auto rank = std::clamp<std::size_t>(std::size_t(std::ceil(p / 100.0 * double(sample.size()))), 1, sample.size());
    std::nth_element(sample.begin(), sample.begin() + std::ptrdiff_t(rank - 1), sample.end());
    return sample[rank - 1];
}

double monotonicMs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

} // namespace drbench
