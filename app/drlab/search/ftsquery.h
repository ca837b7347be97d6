#pragma once

// Azure AI Search's simple query syntax, translated to an SQLite FTS5 MATCH expression.
// Understood: terms, "quoted phrases", +required, -excluded, prefix*, and the "|" operator
// (read as "any"). searchMode any ORs the optional terms (required terms must all match);
// all ANDs every term. "-term" always excludes ("AND NOT"); the service reads it as "OR NOT"
// under searchMode any, which is rarely what anyone means. Every term is quoted for FTS5,
// so no user input can produce an FTS5 syntax error; punctuation-only tokens are dropped.
// Empty text or "*" matches every document.

#include <QString>
#include <QStringList>

namespace drlab {

class FtsQuery
{
public:
    // columns: the FTS columns to restrict to (empty: all).
    static FtsQuery fromSimpleQuery(
        const QString &text, bool searchModeAll, const QStringList &columns = {});

    bool matchesAll() const { return m_match.isEmpty(); }
    QString match() const { return m_match; } // documents that must match; empty: all
    QString exclude() const { return m_exclude; } // documents to drop; empty: none
    // The searched words (no operators), for callers that want to explain a match.
    QStringList terms() const { return m_terms; }

private:
    QString m_match;
    QString m_exclude;
    QStringList m_terms;
};

} // namespace drlab
