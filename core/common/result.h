#pragma once

// Errors are values: a Result<T> holds either the value or a message an operator can act on.
// No exception crosses a signal or a module boundary.

#include <QString>

#include <expected>

namespace dr {

template<typename T>
using Result = std::expected<T, QString>;

inline std::unexpected<QString> fail(const QString &message)
{
    return std::unexpected<QString>(message);
}

} // namespace dr
