#pragma once

// OpenSSL registers an atexit handler (OPENSSL_cleanup) on its first use. That handler frees
// the per-thread state of every thread that ever used libcrypto, without waiting for those
// threads: a thread that is ending at that very moment (Qt detaches its threads, and
// QThread::wait() returns before the thread's thread-specific destructors have run) then
// frees the same memory again, and glibc aborts the process with "double free or
// corruption" after its work is done. drctl's failback was seen to exit non-zero so.
//
// skipOpenSslCleanupAtExit() tells OpenSSL not to register that handler. It must run before
// anything in the process uses OpenSSL (first thing in main(), or a static constructor); the
// operating system reclaims the memory at exit anyway. Safe to call more than once; too late
// (after a first use without it) it changes nothing.

namespace dr {

void skipOpenSslCleanupAtExit();

} // namespace dr
