#include "opensslexit.h"

#include <openssl/crypto.h>

namespace dr {

void skipOpenSslCleanupAtExit()
{
    // The first OPENSSL_init_crypto() decides, once, whether OPENSSL_cleanup is registered
    // with atexit(): later calls without the flag (Qt's TLS backend, our PBKDF2) keep this.
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
}

} // namespace dr
