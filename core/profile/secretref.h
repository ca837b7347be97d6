#pragma once

// A reference to a secret, never the secret itself. Profiles name where a secret lives: the OS
// keychain, an environment variable, or a file (for automation). Resolving a reference is the
// SecretStore's job; a profile, a log or a report only ever holds the reference.

#include <QJsonObject>
#include <QString>

namespace dr {

struct SecretRef
{
    enum class Source { Keychain, Env, File };
    Source source = Source::Keychain;
    QString name; // keychain entry, variable name or file path

    QString describe() const; // e.g. "keychain entry 'search-admin'" (safe to log)
    QJsonObject toJson() const;
    bool operator==(const SecretRef &) const = default;
};

} // namespace dr
