#pragma once

// Waits, on the event loop, for the one answer of an asynchronous call that reports through a
// callback taking Result<T>. Empty when no answer came within the timeout: a hang is a
// failure the test reports, not a stuck test. And how a check reads a result's error.

#include "common/result.h"

#include <QTest>

#include <functional>
#include <optional>

namespace dr::test {

template<typename T>
std::optional<Result<T>> awaitResult(const std::function<void(std::function<void(Result<T>)>)> &call, int timeoutMs = 10000)
{
    std::optional<Result<T>> answer;
    call([&answer](Result<T> r) { answer = std::move(r); });
    if (!QTest::qWaitFor([&] { return answer.has_value(); }, timeoutMs))
        return std::nullopt;
    return answer;
}

// The error of a result, or nothing: QVERIFY2 builds its message even when the check passes,
// so it must never read error() of a value.
template<typename T>
QString errorOf(const Result<T> &r)
{
    return r.has_value() ? QString() : r.error();
}

// The same for an awaited answer (none at all is no error here: check that apart).
template<typename T>
QString errorOf(const std::optional<Result<T>> &r)
{
    return r && !r->has_value() ? r->error() : QString();
}

} // namespace dr::test

// QVERIFY for a Result: passes when it holds a value, else fails with the error it carries.
// The expression is evaluated once.
#define DR_VERIFY_OK(expression)                                                                   \
    do {                                                                                           \
        const auto &drResult_ = (expression);                                                      \
        QVERIFY2(drResult_.has_value(), qPrintable(dr::test::errorOf(drResult_)));                 \
    } while (false)
