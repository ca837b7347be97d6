#pragma once

// Waits, on the event loop, for the one answer of an asynchronous call that reports through a
// callback taking Result<T>. Empty when no answer came within the timeout: a hang is a
// failure the test reports, not a stuck test.

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

} // namespace dr::test
