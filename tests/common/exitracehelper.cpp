// A process whose main() returns while a thread that used OpenSSL is still ending, held in
// the window where that thread frees its OpenSSL state: what drctl's Qt threads can do at
// any exit. Qt detaches its threads, and QThread::wait() returns before a thread's
// thread-specific destructors (OpenSSL's among them) have run.
//
//   exitracehelper guarded     calls dr::skipOpenSslCleanupAtExit() first, as our mains do
//   exitracehelper unguarded   does not: OPENSSL_cleanup, run by atexit(), frees the ending
//                              thread's state under it, and the thread then uses and frees
//                              it again (here a SIGSEGV on the freed lock; in drctl it was
//                              glibc's "double free" abort)
//
// The window is made wide rather than hoped for. OpenSSL's thread-stop destructor runs the
// thread's stop handlers under its registry lock, unlocks, then takes the lock again to
// remove the thread from the registry and frees the thread's list. OPENSSL_cleanup, run by
// exit(), frees every list still in the registry. This helper holds the ending thread just
// before it takes the lock again (it wraps OpenSSL's allocator to see the handlers' entries
// freed, and pthread_rwlock_* to see the unlock that follows) until exit() has begun and
// 300 ms more. At the very end of the exit it prints whether the thread was held there, so
// a test knows the race was really run.

#include "common/opensslexit.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <dlfcn.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace {

using namespace std::chrono_literals;

pthread_key_t g_endingKey; // created before OpenSSL's key, so its destructor runs first
pthread_t g_worker;
std::atomic<bool> g_workerUsedOpenSsl { false };
std::atomic<bool> g_exitBegun { false };
std::atomic<bool> g_heldInWindow { false };
thread_local bool t_ending = false;
thread_local bool t_justFreedStopEntry = false; // no lock call since
thread_local pthread_rwlock_t *t_registryLock = nullptr;

using RwLockFn = int (*)(pthread_rwlock_t *);
RwLockFn g_realWrlock = nullptr;
RwLockFn g_realUnlock = nullptr;

void markEnding(void *)
{
    t_ending = true;
}

void *allocate(size_t n, const char *, int)
{
    return std::malloc(n);
}

void *reallocate(void *p, size_t n, const char *, int)
{
    return std::realloc(p, n);
}

void release(void *p, const char *file, int)
{
    if (t_ending && file && std::strstr(file, "initthread.c"))
        t_justFreedStopEntry = true;
    std::free(p);
}

} // namespace

// Interposed on the C library's for the whole process (OpenSSL calls them through the
// dynamic linker). The registry lock is the one unlocked right after a stop entry was freed.
extern "C" int pthread_rwlock_unlock(pthread_rwlock_t *lock)
{
    if (t_justFreedStopEntry)
        t_registryLock = lock;
    t_justFreedStopEntry = false;
    return g_realUnlock(lock);
}

extern "C" int pthread_rwlock_wrlock(pthread_rwlock_t *lock)
{
    t_justFreedStopEntry = false;
    if (t_ending && lock == t_registryLock && !g_heldInWindow.exchange(true)) {
        while (!g_exitBegun)
            std::this_thread::sleep_for(1ms);
        std::this_thread::sleep_for(300ms);
    }
    return g_realWrlock(lock);
}

namespace {

void *work(void *)
{
    pthread_setspecific(g_endingKey, &g_endingKey);
    unsigned char bytes[16];
    RAND_bytes(bytes, sizeof bytes); // per-thread DRBGs: state freed when the thread ends
    g_workerUsedOpenSsl = true;
    return nullptr;
}

void beginExit()
{
    g_exitBegun = true;
}

void joinWorker()
{
    pthread_join(g_worker, nullptr);
    std::printf("%s\n", g_heldInWindow ? "the thread ended its OpenSSL state while the process exited"
                                        : "the thread ended outside the window");
    std::fflush(stdout);
}

} // namespace

int main(int argc, char *argv[])
{
    if (argc != 2 || (std::strcmp(argv[1], "guarded") != 0 && std::strcmp(argv[1], "unguarded") != 0)) {
        std::fprintf(stderr, "usage: exitracehelper guarded|unguarded\n");
        return 2;
    }
    g_realWrlock = reinterpret_cast<RwLockFn>(dlsym(RTLD_NEXT, "pthread_rwlock_wrlock"));
    g_realUnlock = reinterpret_cast<RwLockFn>(dlsym(RTLD_NEXT, "pthread_rwlock_unlock"));
    if (!g_realWrlock || !g_realUnlock) {
        std::fprintf(stderr, "exitracehelper: no pthread_rwlock_wrlock/unlock to wrap\n");
        return 2;
    }
    if (!CRYPTO_set_mem_functions(allocate, reallocate, release)) {
        std::fprintf(stderr, "exitracehelper: OpenSSL was used before main()\n");
        return 2;
    }
    pthread_key_create(&g_endingKey, markEnding); // before OpenSSL creates its key
    if (std::strcmp(argv[1], "guarded") == 0)
        dr::skipOpenSslCleanupAtExit();
    std::atexit(joinWorker); // registered first: runs last, after OpenSSL's own handler
    pthread_create(&g_worker, nullptr, work, nullptr);
    while (!g_workerUsedOpenSsl)
        std::this_thread::sleep_for(1ms);
    std::atexit(beginExit); // registered after OpenSSL's handler: runs before it
    return 0;
}
