// Linked into every test executable (dr_add_test) and the benchmarks that link drcore: like
// drctl, drconsole and drlab, they keep OpenSSL from freeing its threads' state at exit under
// a thread still ending, which would fail a test after its last check passed (see
// core/common/opensslexit.h). A static constructor, since QTEST_MAIN leaves no place before
// the first use of OpenSSL.

#include "common/opensslexit.h"

namespace {

const struct OpenSslExitGuard
{
    OpenSslExitGuard() { dr::skipOpenSslCleanupAtExit(); }
} g_openSslExitGuard;

} // namespace
