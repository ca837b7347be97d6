// Preloaded into drctl by tst_drctl (LD_PRELOAD). At the very end of the process, after every
// atexit() handler, it says on stderr whether OpenSSL's TLS library was loaded and whether
// OpenSSL's own exit cleanup ran: it must not (core/common/opensslexit.h). Touches OpenSSL
// only then, never before main(), so it cannot change what drctl sets up.

#include <openssl/crypto.h>

#include <dlfcn.h>

#include <cstdio>

namespace {

__attribute__((destructor)) void report()
{
    void *ssl = dlopen("libssl.so.3", RTLD_NOW | RTLD_NOLOAD);
    if (ssl)
        dlclose(ssl);
    // Once OPENSSL_cleanup has run, OpenSSL refuses to initialise again (and raises no error
    // then: its error state is gone too). Otherwise this is a no-op that registers nothing.
    const bool cleanedUp = OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr) == 0;
    std::fprintf(stderr, "opensslexitprobe: libssl %s, OpenSSL cleanup at exit %s\n",
        ssl ? "loaded" : "not loaded", cleanedUp ? "ran" : "did not run");
}

} // namespace
