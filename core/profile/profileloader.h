#pragma once

// Reads a profile (schemaVersion 1) and reports every problem at once, in file order. Each
// issue carries the JSON pointer of the offending value, its line:column in the file, and
// what was expected, so an operator can fix a broken profile in one pass. A JSON syntax
// error, a file that cannot be read or a profile of another schemaVersion is reported alone:
// nothing after it can be judged. Relative file paths in the profile (CA certificates,
// secret files, an HAProxy socket) are resolved against the profile's folder.
// docs/PROFILE.md is the reference of every field and rule.

#include "profile.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <expected>

namespace dr {

struct ProfileIssue
{
    QString pointer; // RFC 6901; "" is the whole document
    int line = 0;    // 1-based; 0 when unknown
    int column = 0;
    QString message;

    // "FILE:LINE:COLUMN: POINTER: MESSAGE", the form compilers and editors understand.
    QString format(const QString &filePath) const;
};

using ProfileIssues = QList<ProfileIssue>;

class ProfileLoader
{
public:
    static constexpr qint64 kMaxFileBytes = 4 * 1024 * 1024;

    static std::expected<Profile, ProfileIssues> loadFile(const QString &path);
    static std::expected<Profile, ProfileIssues> loadData(const QByteArray &data,
                                                          const QString &path = {});
    static QString formatIssues(const ProfileIssues &issues, const QString &filePath);
};

} // namespace dr
