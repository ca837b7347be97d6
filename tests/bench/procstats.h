#pragma once

// What the probe benchmarks measure about a process, read the way `top` and `ps` read it:
// CPU seconds (user + system, all threads) and peak resident memory from /proc, so that the
// engine and blackbox_exporter are measured by exactly the same yardstick. Linux only.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace drbench {

// CPU seconds (user + system) used so far by this process, all threads; microsecond resolution.
double selfCpuSeconds();
// The same for another process, from /proc/PID/stat (clock-tick resolution, usually 10 ms).
// Negative when the process cannot be read.
double processCpuSeconds(pid_t pid);
// CPU seconds so far of each thread of this process, summed by thread name (comm): shows
// where a process spends, e.g. the engine's own thread against Qt's HTTP thread.
std::map<std::string, double> threadCpuSeconds();
// A "VmHWM"/"VmRSS"-style line of /proc/PID/status, in KiB; -1 when absent.
long statusKb(pid_t pid, const char *field);

// Raises the soft open-file limit towards the hard limit: 1,000 endpoints need 1,000+
// sockets on each side. Returns the soft limit in force afterwards.
std::uint64_t raiseFileLimit(std::uint64_t wanted);

// One TCP port per line, as drbench-targets writes them.
std::vector<int> readPorts(const std::string &path, std::string *error);

// Nearest-rank percentile (p in 0..100) of an unsorted sample; 0 for an empty one.
double percentile(std::vector<double> sample, double p);

// Monotonic milliseconds, for schedules and latencies.
double monotonicMs();

} // namespace drbench
