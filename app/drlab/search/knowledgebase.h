#pragma once

// The lab's knowledge base: the FAQ an enterprise IT/HR chatbot answers from (passwords, VPN,
// MFA, leave, payroll, expenses, travel, facilities, security...), as documents
// {id, question, answer, category, lastUpdated}. Generation is a pure function of (count,
// seed): the same arguments give the same documents on every machine and every run, and no
// clock is read. Each of 77 topics has several phrasings, each phrasing several contexts
// ("on my Mac", "in the Berlin office"...) whose answer carries a matching note, and each of
// those a few conversational openings; about 9,800 distinct questions. The first documents
// of any count cover every topic in its plainest phrasing ("How do I reset my password?").
// Beyond the distinct questions, questions repeat under new ids (for ingest benchmarks).

#include <QJsonObject>
#include <QList>
#include <QString>

namespace drlab {

QList<QJsonObject> generateKnowledgeBase(int count = 2400, quint32 seed = 1);

// The index the knowledge base lives in: id (key), question and answer (searchable, the
// question weighted 3:1 by the default scoring profile), category (filterable, facetable),
// lastUpdated (Edm.DateTimeOffset, filterable, sortable).
QJsonObject knowledgeBaseIndexDefinition(const QString &name = QStringLiteral("kb"));

} // namespace drlab
