#pragma once

// An Azure AI Search index definition, validated and completed as the service does on create:
// every field gets all of its attributes (searchable, filterable, retrievable, sortable,
// facetable, key, analyzers, dimensions, vectorSearchProfile, synonymMaps) with the service's
// defaults, and the optional sections get their empty values. toJson() is what GET
// /indexes/{name} returns. What the lab does not model (Edm.ComplexType, analyzers,
// suggesters' behaviour, scoring functions) is either refused with a 400 or kept verbatim and
// ignored; text weights of scoring profiles are honoured.

#include "searcherror.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace drlab {

enum class FieldType {
    String,
    Int32,
    Int64,
    Double,
    Boolean,
    DateTimeOffset,
    GeographyPoint,
    Single, // only as Collection(Edm.Single): a vector field
};

struct FieldSpec
{
    QString name;
    FieldType type = FieldType::String;
    bool collection = false;
    bool key = false;
    bool searchable = false;
    bool filterable = false;
    bool sortable = false;
    bool facetable = false;
    bool retrievable = true;
    int dimensions = 0; // vector fields only

    bool isVector() const { return collection && type == FieldType::Single; }
    // A plain SQL column holds the value of the key, of simple fields that can be filtered,
    // sorted or faceted (other than geography points), and of vectors (as float32 BLOBs).
    // Everything else lives only in the stored JSON and, if searchable, the full-text table.
    bool hasColumn() const
    {
        return isVector()
            || (!collection && type != FieldType::GeographyPoint
                && (key || filterable || sortable || facetable));
    }
    QString edmType() const;
};

class IndexDefinition
{
public:
    IndexDefinition() = default;

    static SearchResult<IndexDefinition> fromJson(const QJsonObject &json);
    static bool isValidIndexName(const QString &name);

    QJsonObject toJson() const { return m_json; }
    QString name() const { return m_name; }
    const QList<FieldSpec> &fields() const { return m_fields; }
    int fieldIndex(const QString &name) const { return m_byName.value(name, -1); }
    const FieldSpec *field(const QString &name) const;
    int keyIndex() const { return m_key; }
    const FieldSpec &keyField() const { return m_fields.at(m_key); }

    // Searchable fields in definition order: the columns of the full-text table.
    QStringList searchableFields() const;

    bool hasScoringProfile(const QString &name) const;
    QString defaultScoringProfile() const;
    // Text weights of a scoring profile (field -> weight); empty for no profile.
    QHash<QString, double> textWeights(const QString &profile) const;

    // The SQL column of field i in the documents table.
    static QString column(int fieldIndex)
    {
        return QStringLiteral("c") + QString::number(fieldIndex);
    }

private:
    QJsonObject m_json;
    QString m_name;
    QList<FieldSpec> m_fields;
    QHash<QString, int> m_byName;
    int m_key = -1;
};

} // namespace drlab
