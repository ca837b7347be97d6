#pragma once

// A failed search operation as Azure AI Search reports it: the HTTP status plus the code and
// message of its {"error": {"code", "message"}} body. SearchStore returns these so that
// SearchApi only has to serialise them; messages follow the service's wording where it is
// known ("The request is invalid. Details: ...", "Invalid expression: ...").

#include <QString>

#include <expected>

namespace drlab {

struct SearchError
{
    int status = 400;
    QString code;
    QString message;
};

template<typename T>
using SearchResult = std::expected<T, SearchError>;

inline std::unexpected<SearchError> searchFail(
    int status, const QString &code, const QString &message)
{
    return std::unexpected<SearchError>(SearchError { status, code, message });
}

// 400 with the service's generic code for a request it refuses to run.
inline std::unexpected<SearchError> badRequest(const QString &message)
{
    return searchFail(400, QStringLiteral("InvalidRequestParameter"), message);
}

} // namespace drlab
