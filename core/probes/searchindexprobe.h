#pragma once

// A search index component: its document count through the Search REST API (GET
// /indexes/NAME/docs/$count with an api-key, or with auth "entra" a bearer token from
// ProbeContext::azureTokens for its searchScope). Healthy when the service answers with a
// count; an empty index is degraded (a bot with no knowledge answers nothing useful).
// options: indexName, apiVersion, auth ("key" | "entra"); secrets: apiKey (auth "key").

#include "probe.h"

#include <QPointer>

namespace dr {

class SearchClient;

class SearchIndexProbe final : public Probe
{
    Q_OBJECT

public:
    SearchIndexProbe(const ProbeTarget &target, const ProbeContext &context, QObject *parent = nullptr);
    void start() override;
    void abort() override;

private:
    QPointer<SearchClient> m_client;
    bool m_done = false;
};

} // namespace dr
