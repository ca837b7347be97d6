#pragma once

// Helpers for the Azure tests: run one asynchronous client call to its answer (checking that it
// is not answered synchronously), and start Azurite with a TestPki certificate.

#include "asyncwait.h"
#include "azuriteprocess.h"
#include "common/result.h"
#include "testpki.h"

#include <QTest>

#include <memory>
#include <optional>

namespace dr::test {

// The answer of an asynchronous call, or a failure saying it came too early or never.
template<typename T, typename Start>
Result<T> await(Start start, int timeoutMs = 20000)
{
    // Shared, so a late answer after a timeout writes into live memory, not the old stack.
    struct State
    {
        std::optional<Result<T>> result;
        int calls = 0;
    };
    auto state = std::make_shared<State>();
    start([state](Result<T> r) {
        ++state->calls;
        state->result = std::move(r);
    });
    if (state->calls != 0)
        return fail(QStringLiteral("TEST: answered synchronously, inside the call"));
    if (!QTest::qWaitFor([&state] { return state->calls > 0; }, timeoutMs))
        return fail(QStringLiteral("TEST: no answer within %1 ms").arg(timeoutMs));
    QTest::qWait(1); // a second answer would land here
    if (state->calls != 1)
        return fail(QStringLiteral("TEST: answered %1 times").arg(state->calls));
    return std::move(*state->result);
}

// Starts an Azurite with a certificate from pki; the error says why not.
inline std::unique_ptr<AzuriteProcess> startAzurite(TestPki &pki, const QString &name,
    const QByteArray &keyBase64, QString *error,
    const QString &account = QStringLiteral("drlabstore"))
{
    const IssuedCertificate cert = pki.issueForDays(name, 30);
    if (cert.certPath.isEmpty()) {
        *error = pki.error();
        return nullptr;
    }
    AzuriteProcess::Options options;
    options.accountName = account;
    options.keyBase64 = keyBase64;
    options.certPath = cert.certPath;
    options.keyPath = cert.keyPath;
    auto azurite = std::make_unique<AzuriteProcess>(options);
    if (!azurite->start(error))
        return nullptr;
    return azurite;
}

inline QList<QSslCertificate> caOf(const TestPki &pki)
{
    return QSslCertificate::fromPath(pki.caCertPath(), QSsl::Pem);
}

} // namespace dr::test
