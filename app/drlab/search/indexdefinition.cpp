#include "indexdefinition.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>

namespace drlab {

namespace {

QString invalid(const QString &details)
{
    return QStringLiteral("The request is invalid. Details: ") + details;
}

struct TypeName
{
    const char *edm;
    FieldType type;
};

constexpr TypeName kTypes[] = {
    { "Edm.String", FieldType::String },
    { "Edm.Int32", FieldType::Int32 },
    { "Edm.Int64", FieldType::Int64 },
    { "Edm.Double", FieldType::Double },
    { "Edm.Boolean", FieldType::Boolean },
    { "Edm.DateTimeOffset", FieldType::DateTimeOffset },
    { "Edm.GeographyPoint", FieldType::GeographyPoint },
    { "Edm.Single", FieldType::Single },
};

bool parseType(const QString &text, FieldType *type, bool *collection)
{
    QString inner = text;
    *collection = false;
    if (text.startsWith(QLatin1String("Collection(")) && text.endsWith(QLatin1Char(')'))) {
        inner = text.mid(11, text.size() - 12);
        *collection = true;
    }
    for (const TypeName &t : kTypes) {
        if (inner == QLatin1String(t.edm)) {
            *type = t.type;
            // A lone Edm.Single is not a field type; only vectors use it.
            return *collection || t.type != FieldType::Single;
        }
    }
    return false;
}

const QSet<QString> &knownIndexProperties()
{
    static const QSet<QString> names {
        QStringLiteral("name"),
        QStringLiteral("description"),
        QStringLiteral("fields"),
        QStringLiteral("scoringProfiles"),
        QStringLiteral("defaultScoringProfile"),
        QStringLiteral("corsOptions"),
        QStringLiteral("suggesters"),
        QStringLiteral("analyzers"),
        QStringLiteral("tokenizers"),
        QStringLiteral("tokenFilters"),
        QStringLiteral("charFilters"),
        QStringLiteral("normalizers"),
        QStringLiteral("encryptionKey"),
        QStringLiteral("similarity"),
        QStringLiteral("semantic"),
        QStringLiteral("vectorSearch"),
        QStringLiteral("@odata.etag"),
        QStringLiteral("@odata.context"),
    };
    return names;
}

const QSet<QString> &knownFieldProperties()
{
    static const QSet<QString> names {
        QStringLiteral("name"),
        QStringLiteral("type"),
        QStringLiteral("key"),
        QStringLiteral("searchable"),
        QStringLiteral("filterable"),
        QStringLiteral("retrievable"),
        QStringLiteral("stored"),
        QStringLiteral("sortable"),
        QStringLiteral("facetable"),
        QStringLiteral("analyzer"),
        QStringLiteral("searchAnalyzer"),
        QStringLiteral("indexAnalyzer"),
        QStringLiteral("normalizer"),
        QStringLiteral("synonymMaps"),
        QStringLiteral("dimensions"),
        QStringLiteral("vectorSearchProfile"),
        QStringLiteral("vectorEncoding"),
        QStringLiteral("fields"),
    };
    return names;
}

// An attribute the caller may set or leave to the default; setting it where the type does
// not allow it is an error, as in the service.
SearchResult<bool> attribute(const QJsonObject &field, const QString &attr, bool defaultValue,
    bool allowed, const QString &fieldName)
{
    const QJsonValue v = field.value(attr);
    if (v.isUndefined() || v.isNull())
        return defaultValue && allowed;
    if (!v.isBool())
        return badRequest(
            invalid(QStringLiteral("The '%1' attribute of field '%2' must be true or false.")
                        .arg(attr, fieldName)));
    if (v.toBool() && !allowed)
        return badRequest(QStringLiteral("The field '%1' cannot be %2: its type does not allow it.")
                              .arg(fieldName, attr));
    return v.toBool();
}

} // namespace

QString FieldSpec::edmType() const
{
    QString inner;
    for (const TypeName &t : kTypes) {
        if (t.type == type)
            inner = QLatin1String(t.edm);
    }
    return collection ? QStringLiteral("Collection(") + inner + QLatin1Char(')') : inner;
}

bool IndexDefinition::isValidIndexName(const QString &name)
{
    // The service's rule: lower case letters, digits or dashes, starting with a letter or a
    // digit, no consecutive dashes, at most 128 characters.
    static const QRegularExpression re(QStringLiteral("^[a-z0-9](?:[a-z0-9]|-(?!-))*$"));
    return !name.isEmpty() && name.size() <= 128 && re.match(name).hasMatch()
        && !name.endsWith(QLatin1Char('-'));
}

const FieldSpec *IndexDefinition::field(const QString &name) const
{
    const int i = fieldIndex(name);
    return i < 0 ? nullptr : &m_fields.at(i);
}

QStringList IndexDefinition::searchableFields() const
{
    QStringList names;
    for (const FieldSpec &f : m_fields) {
        if (f.searchable && !f.isVector())
            names << f.name;
    }
    return names;
}

bool IndexDefinition::hasScoringProfile(const QString &name) const
{
    const QJsonArray profiles = m_json.value(QLatin1String("scoringProfiles")).toArray();
    for (const QJsonValue &p : profiles) {
        if (p.toObject().value(QLatin1String("name")).toString() == name)
            return true;
    }
    return false;
}

QString IndexDefinition::defaultScoringProfile() const
{
    return m_json.value(QLatin1String("defaultScoringProfile")).toString();
}

QHash<QString, double> IndexDefinition::textWeights(const QString &profile) const
{
    QHash<QString, double> weights;
    const QJsonArray profiles = m_json.value(QLatin1String("scoringProfiles")).toArray();
    for (const QJsonValue &p : profiles) {
        const QJsonObject o = p.toObject();
        if (o.value(QLatin1String("name")).toString() != profile)
            continue;
        const QJsonObject w
            = o.value(QLatin1String("text")).toObject().value(QLatin1String("weights")).toObject();
        for (auto it = w.begin(); it != w.end(); ++it)
            weights.insert(it.key(), it.value().toDouble(1.0));
    }
    return weights;
}

SearchResult<IndexDefinition> IndexDefinition::fromJson(const QJsonObject &json)
{
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (!knownIndexProperties().contains(it.key()))
            return badRequest(invalid(
                QStringLiteral("The property '%1' does not exist on type 'search.index'. "
                               "Make sure to only use property names that are defined by the type.")
                    .arg(it.key())));
    }
    IndexDefinition def;
    def.m_name = json.value(QLatin1String("name")).toString();
    if (!isValidIndexName(def.m_name))
        return badRequest(QStringLiteral(
            "Invalid index name '%1': index names must only contain lowercase letters, "
            "digits or dashes, cannot start or end with dashes, cannot have consecutive "
            "dashes and are limited to 128 characters.")
                              .arg(def.m_name));
    if (!json.value(QLatin1String("fields")).isArray()
        || json.value(QLatin1String("fields")).toArray().isEmpty())
        return badRequest(
            invalid(QStringLiteral("index.fields : The index must have at least one field.")));

    static const QRegularExpression fieldNameRe(QStringLiteral("^[A-Za-z][A-Za-z0-9_]{0,127}$"));
    QJsonArray normalized;
    const QJsonArray fields = json.value(QLatin1String("fields")).toArray();
    for (const QJsonValue &fv : fields) {
        if (!fv.isObject())
            return badRequest(
                invalid(QStringLiteral("index.fields : Each field must be an object.")));
        const QJsonObject in = fv.toObject();
        for (auto it = in.begin(); it != in.end(); ++it) {
            if (!knownFieldProperties().contains(it.key()))
                return badRequest(invalid(QStringLiteral(
                    "The property '%1' does not exist on type 'search.field'. "
                    "Make sure to only use property names that are defined by the type.")
                                              .arg(it.key())));
        }
        FieldSpec f;
        f.name = in.value(QLatin1String("name")).toString();
        if (!fieldNameRe.match(f.name).hasMatch()
            || f.name.startsWith(QLatin1String("azureSearch")))
            return badRequest(QStringLiteral(
                "Invalid field name '%1': field names must start with a letter and contain "
                "only letters, digits or underscores.")
                                  .arg(f.name));
        if (def.m_byName.contains(f.name))
            return badRequest(
                QStringLiteral("The field '%1' is defined more than once.").arg(f.name));
        const QString typeText = in.value(QLatin1String("type")).toString();
        if (typeText == QLatin1String("Edm.ComplexType")
            || typeText == QLatin1String("Collection(Edm.ComplexType)"))
            return badRequest(
                QStringLiteral("Field '%1': complex fields are not supported by the lab.")
                    .arg(f.name));
        if (!parseType(typeText, &f.type, &f.collection))
            return badRequest(QStringLiteral("Field '%1' has an invalid or unsupported type '%2'.")
                                  .arg(f.name, typeText));
        if (f.type == FieldType::GeographyPoint && f.collection)
            return badRequest(QStringLiteral(
                "Field '%1': Collection(Edm.GeographyPoint) is not supported by the lab.")
                                  .arg(f.name));

        const bool isString = f.type == FieldType::String;
        const bool vector = f.isVector();
        auto key = attribute(in, QStringLiteral("key"), false, isString && !f.collection, f.name);
        auto searchable
            = attribute(in, QStringLiteral("searchable"), true, isString || vector, f.name);
        auto filterable = attribute(in, QStringLiteral("filterable"), true, !vector, f.name);
        auto sortable = attribute(in, QStringLiteral("sortable"), true, !f.collection, f.name);
        auto facetable = attribute(in, QStringLiteral("facetable"), true,
            !vector && f.type != FieldType::GeographyPoint, f.name);
        auto retrievable = attribute(in, QStringLiteral("retrievable"), true, true, f.name);
        for (const auto *r :
            { &key, &searchable, &filterable, &sortable, &facetable, &retrievable }) {
            if (!r->has_value())
                return std::unexpected(r->error());
        }
        f.key = *key;
        f.searchable = *searchable;
        f.filterable = *filterable;
        f.sortable = *sortable;
        f.facetable = *facetable;
        f.retrievable = *retrievable;

        const QJsonValue dims = in.value(QLatin1String("dimensions"));
        const QJsonValue profile = in.value(QLatin1String("vectorSearchProfile"));
        if (vector) {
            if (!dims.isDouble() || dims.toInt() < 2 || dims.toInt() > 4096
                || dims.toDouble() != dims.toInt())
                return badRequest(
                    QStringLiteral("Vector field '%1' needs 'dimensions' between 2 and 4096.")
                        .arg(f.name));
            if (!profile.isString())
                return badRequest(
                    QStringLiteral("Vector field '%1' needs a 'vectorSearchProfile'.").arg(f.name));
            bool found = false;
            const QJsonArray profiles = json.value(QLatin1String("vectorSearch"))
                                            .toObject()
                                            .value(QLatin1String("profiles"))
                                            .toArray();
            for (const QJsonValue &p : profiles)
                found = found
                    || p.toObject().value(QLatin1String("name")).toString() == profile.toString();
            if (!found)
                return badRequest(QStringLiteral(
                    "Vector field '%1' refers to the vector search profile '%2', which the index "
                    "does not define.")
                                      .arg(f.name, profile.toString()));
            f.dimensions = dims.toInt();
        } else if (!(dims.isUndefined() || dims.isNull())
            || !(profile.isUndefined() || profile.isNull())) {
            return badRequest(QStringLiteral(
                "Field '%1': 'dimensions' and 'vectorSearchProfile' apply only to vector fields.")
                                  .arg(f.name));
        }
        if (f.key) {
            if (def.m_key >= 0)
                return badRequest(
                    QStringLiteral("The index has more than one key field ('%1' and '%2').")
                        .arg(def.m_fields.at(def.m_key).name, f.name));
            if (!f.retrievable)
                return badRequest(
                    QStringLiteral("The key field '%1' must be retrievable.").arg(f.name));
            def.m_key = int(def.m_fields.size());
        }

        QJsonObject out = in;
        out.insert(QStringLiteral("type"), f.edmType());
        out.insert(QStringLiteral("key"), f.key);
        out.insert(QStringLiteral("searchable"), f.searchable);
        out.insert(QStringLiteral("filterable"), f.filterable);
        out.insert(QStringLiteral("retrievable"), f.retrievable);
        out.insert(QStringLiteral("sortable"), f.sortable);
        out.insert(QStringLiteral("facetable"), f.facetable);
        for (const char *nullable : { "indexAnalyzer", "searchAnalyzer", "analyzer", "dimensions",
                 "vectorSearchProfile" }) {
            if (!out.contains(QLatin1String(nullable)))
                out.insert(QLatin1String(nullable), QJsonValue::Null);
        }
        if (!out.contains(QLatin1String("synonymMaps")))
            out.insert(QStringLiteral("synonymMaps"), QJsonArray());
        normalized.append(out);
        def.m_byName.insert(f.name, int(def.m_fields.size()));
        def.m_fields.append(f);
    }
    if (def.m_key < 0)
        return badRequest(QStringLiteral(
            "The index '%1' has no key field: exactly one Edm.String field must have "
            "\"key\": true.")
                              .arg(def.m_name));

    QJsonObject out = json;
    out.remove(QStringLiteral("@odata.etag"));
    out.remove(QStringLiteral("@odata.context"));
    out.insert(QStringLiteral("fields"), normalized);

    // Scoring profiles: names must be unique, text weights must name searchable fields.
    QSet<QString> profileNames;
    const QJsonValue profilesValue = out.value(QLatin1String("scoringProfiles"));
    if (!profilesValue.isUndefined() && !profilesValue.isNull() && !profilesValue.isArray())
        return badRequest(invalid(QStringLiteral("index.scoringProfiles : must be an array.")));
    for (const QJsonValue &pv : profilesValue.toArray()) {
        const QJsonObject p = pv.toObject();
        const QString name = p.value(QLatin1String("name")).toString();
        if (name.isEmpty() || profileNames.contains(name))
            return badRequest(QStringLiteral("Each scoring profile needs a unique name."));
        profileNames.insert(name);
        const QJsonObject w
            = p.value(QLatin1String("text")).toObject().value(QLatin1String("weights")).toObject();
        for (auto it = w.begin(); it != w.end(); ++it) {
            const FieldSpec *f = def.field(it.key());
            if (!f || !f->searchable || f->isVector())
                return badRequest(QStringLiteral(
                    "Scoring profile '%1' weights '%2', which is not a searchable field.")
                                      .arg(name, it.key()));
            if (!it.value().isDouble() || it.value().toDouble() <= 0)
                return badRequest(QStringLiteral(
                    "Scoring profile '%1': the weight of '%2' must be a positive number.")
                                      .arg(name, it.key()));
        }
    }
    const QJsonValue defaultProfile = out.value(QLatin1String("defaultScoringProfile"));
    if (defaultProfile.isString() && !profileNames.contains(defaultProfile.toString()))
        return badRequest(
            QStringLiteral("The default scoring profile '%1' is not defined in the index.")
                .arg(defaultProfile.toString()));

    const auto emptyArray = [&out](const char *name) {
        if (!out.value(QLatin1String(name)).isArray())
            out.insert(QLatin1String(name), QJsonArray());
    };
    const auto nullValue = [&out](const char *name) {
        if (!out.contains(QLatin1String(name)))
            out.insert(QLatin1String(name), QJsonValue::Null);
    };
    emptyArray("scoringProfiles");
    emptyArray("suggesters");
    emptyArray("analyzers");
    emptyArray("tokenizers");
    emptyArray("tokenFilters");
    emptyArray("charFilters");
    nullValue("defaultScoringProfile");
    nullValue("corsOptions");
    nullValue("encryptionKey");
    nullValue("semantic");
    nullValue("vectorSearch");
    if (!out.value(QLatin1String("similarity")).isObject()) {
        out.insert(QStringLiteral("similarity"),
            QJsonObject { { QStringLiteral("@odata.type"),
                              QStringLiteral("#Microsoft.Azure.Search.BM25Similarity") },
                { QStringLiteral("b"), QJsonValue::Null },
                { QStringLiteral("k1"), QJsonValue::Null } });
    }
    def.m_json = out;
    return def;
}

} // namespace drlab
