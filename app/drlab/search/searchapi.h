#pragma once

// The Azure AI Search REST subset the lab's region service serves under /indexes, as a pure
// function from a request to a response (no sockets, no event loop). Paths take both the
// plain form (/indexes/kb/docs) and the OData form (/indexes('kb')/docs('1')).
//
//   GET    /indexes                          list index definitions           admin
//   POST   /indexes                          create an index (201, 409)       admin
//   PUT    /indexes/{n}                      create (201) or update (200)     admin
//   GET    /indexes/{n}                      the definition                   admin
//   DELETE /indexes/{n}                      204                              admin
//   GET    /indexes/{n}/stats                documentCount, storageSize...    admin
//   GET    /indexes/{n}/docs/$count          bare number, text/plain          query
//   GET    /indexes/{n}/docs                 search (query string)            query
//   POST   /indexes/{n}/docs/search          search (body); also search.post.search
//   GET    /indexes/{n}/docs/{key}           lookup, $select                  query
//   POST   /indexes/{n}/docs/index           batch upload/merge/mergeOrUpload/delete
//                                            (also search.index); 200, or 207 when an item
//                                            failed                           admin
//
// Every request needs api-version (400 otherwise) and an api-key header: the admin key may
// do everything, the query key only what is marked "query" above (403 otherwise, as for a
// wrong or missing key). Errors have the service's body {"error": {"code", "message"}}.
// Limits are the service's: a batch of at most 1,000 actions (400) and a body of at most
// 16 MB (413); $skip at most 100,000 (400); results come in pages of at most 1,000 (50 when
// $top is not given), and a response that holds fewer results than asked for carries
// @odata.nextLink (and, for POST, @search.nextPageParameters) to the next page — so $top
// above 1,000 is allowed, as in the service. Nothing a client sends can crash the handler.

#include "httpresponse.h"

#include <QByteArray>
#include <QHash>
#include <QUrl>

namespace drlab {

class SearchStore;

class SearchApi
{
public:
    SearchApi(SearchStore *store, QByteArray adminKey, QByteArray queryKey);

    // method "GET"/"POST"/"PUT"/"DELETE"; url as received (path and query; may be
    // relative); header names in lower case; baseUrl (e.g. https://127.0.0.1:PORT) is where
    // @odata.nextLink points; when empty, the URL's own scheme and authority are used.
    HttpResponse handle(const QByteArray &method, const QUrl &url,
        const QHash<QByteArray, QByteArray> &headers, const QByteArray &body,
        const QUrl &baseUrl) const;

    static bool handles(const QUrl &url); // true for paths under /indexes

    static constexpr int MaxBatchActions = 1000;
    static constexpr qsizetype MaxRequestBytes = 16 * 1024 * 1024;
    static constexpr int MaxSkip = 100000;
    static constexpr int DefaultPageSize = 50;

    // The server-side page size limit (the service's is 1,000). Tests lower it to see paging
    // without thousands of documents.
    void setMaxPageSize(int size) { m_maxPageSize = size > 0 ? size : 1; }
    int maxPageSize() const { return m_maxPageSize; }

private:
    SearchStore *m_store;
    QByteArray m_adminKey;
    QByteArray m_queryKey;
    int m_maxPageSize = 1000;
};

} // namespace drlab
