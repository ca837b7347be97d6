#include "sharedkey.h"

#include "httpdate.h"

#include "common/constanttime.h"

#include <QMessageAuthenticationCode>
#include <QNetworkRequest>

#include <algorithm>
#include <map>

namespace dr::azure {

namespace {

constexpr char kSecondarySuffix[] = "-secondary";

// All values of one header (several occurrences joined with ","), or empty.
QByteArray headerValue(const RawHeaders &headers, const QByteArray &name)
{
    QByteArray value;
    bool found = false;
    for (const auto &[n, v] : headers) {
        if (n.compare(name, Qt::CaseInsensitive) != 0)
            continue;
        if (found)
            value += ',';
        value += v.trimmed();
        found = true;
    }
    return value;
}

bool hasHeader(const RawHeaders &headers, const QByteArray &name)
{
    return std::any_of(headers.cbegin(), headers.cend(),
        [&name](const auto &h) { return h.first.compare(name, Qt::CaseInsensitive) == 0; });
}

// Linear whitespace (spaces, tabs, CR, LF) becomes one space, except inside quoted strings.
QByteArray foldWhitespace(const QByteArray &value)
{
    QByteArray out;
    out.reserve(value.size());
    bool quoted = false;
    bool pendingSpace = false;
    for (const char c : value) {
        const bool space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
        if (space && !quoted) {
            pendingSpace = true;
            continue;
        }
        if (pendingSpace && !out.isEmpty())
            out += ' ';
        pendingSpace = false;
        if (c == '"')
            quoted = !quoted;
        out += c;
    }
    return out;
}

QByteArray urlDecode(QByteArray text)
{
    // Form encoding's "+" for space, as the service and the SDKs read query strings.
    text.replace('+', "%20");
    return QByteArray::fromPercentEncoding(text);
}

QByteArray hmac(const QByteArray &message, const QByteArray &key)
{
    return QMessageAuthenticationCode::hash(message, key, QCryptographicHash::Sha256);
}

bool isSecondaryPath(const QByteArray &path, const QByteArray &account)
{
    const QByteArray secondary = '/' + account + kSecondarySuffix;
    return path == secondary || path.startsWith(QByteArray(secondary + '/'));
}

QByteArray buildResource(const QByteArray &encodedPath, const QByteArray &encodedQuery,
    const QString &accountName, bool stripSecondary)
{
    const QByteArray account = accountName.toUtf8();
    QByteArray path = encodedPath.isEmpty() ? QByteArrayLiteral("/") : encodedPath;
    // Path-style secondary: "/account-secondary/..." signs as the primary "/account/...".
    if (stripSecondary && isSecondaryPath(path, account))
        path = '/' + account + path.mid(account.size() + qsizetype(sizeof(kSecondarySuffix)));

    QByteArray out = '/' + account + path;
    std::map<QByteArray, QByteArrayList> params; // ordered by lower-cased name, bytewise
    if (!encodedQuery.isEmpty()) {
        for (const QByteArray &pair : encodedQuery.split('&')) {
            if (pair.isEmpty())
                continue;
            const qsizetype eq = pair.indexOf('=');
            const QByteArray name = urlDecode(eq < 0 ? pair : pair.left(eq)).toLower();
            const QByteArray value = eq < 0 ? QByteArray() : urlDecode(pair.mid(eq + 1));
            params[name].append(value);
        }
    }
    for (auto &[name, values] : params) {
        std::sort(values.begin(), values.end());
        out += '\n' + name + ':' + values.join(',');
    }
    return out;
}

} // namespace

Result<StorageCredential> StorageCredential::fromBase64(
    const QString &accountName, const QByteArray &base64Key)
{
    if (accountName.isEmpty())
        return fail(QStringLiteral("storage account name is empty"));
    const auto decoded = QByteArray::fromBase64Encoding(
        base64Key.trimmed(), QByteArray::AbortOnBase64DecodingErrors);
    // The message names the account only: a key, even a malformed one, stays out of it.
    if (!decoded || decoded.decoded.isEmpty())
        return fail(
            QStringLiteral("the key of storage account %1 is not valid base64").arg(accountName));
    return StorageCredential { accountName, decoded.decoded };
}

Result<StorageCredential> StorageCredential::fromTokens(
    const QString &accountName, TokenSource *tokens, const QString &scope)
{
    if (accountName.isEmpty())
        return fail(QStringLiteral("storage account name is empty"));
    if (!tokens)
        return fail(QStringLiteral(
            "storage account %1 uses Entra ID auth but no token source was given (the profile "
            "needs an \"azure\" section with a clientSecret)")
                .arg(accountName));
    StorageCredential c;
    c.accountName = accountName;
    c.tokens = tokens;
    c.scope = scope;
    return c;
}

QString StorageCredential::tokenScope() const
{
    return scope.isEmpty() ? QStringLiteral("https://storage.azure.com/.default") : scope;
}

QByteArray canonicalizedHeaders(const RawHeaders &headers)
{
    std::map<QByteArray, QByteArray> msHeaders; // ordered by name, bytewise
    for (const auto &[name, value] : headers) {
        const QByteArray lower = name.trimmed().toLower();
        if (!lower.startsWith("x-ms-"))
            continue;
        const QByteArray folded = foldWhitespace(value.trimmed());
        auto it = msHeaders.find(lower);
        if (it == msHeaders.end())
            msHeaders.emplace(lower, folded);
        else
            it->second += ',' + folded;
    }
    QByteArray out;
    for (const auto &[name, value] : msHeaders)
        out += name + ':' + value + '\n';
    return out;
}

QByteArray canonicalizedResource(
    const QByteArray &encodedPath, const QByteArray &encodedQuery, const QString &accountName)
{
    return buildResource(encodedPath, encodedQuery, accountName, true);
}

QByteArray canonicalizedResource(const QUrl &url, const QString &accountName)
{
    // QNetworkAccessManager sends a non-empty path with its segments normalized ("a/./b" is
    // "a/b") and an empty one as "/": sign what goes on the wire.
    const QUrl sent = url.path().isEmpty() ? url : url.adjusted(QUrl::NormalizePathSegments);
    return canonicalizedResource(sent.path(QUrl::FullyEncoded).toLatin1(),
        sent.query(QUrl::FullyEncoded).toLatin1(), accountName);
}

QByteArray stringToSign(
    const QByteArray &verb, const RawHeaders &headers, const QByteArray &canonicalResource)
{
    QByteArray contentLength = headerValue(headers, "Content-Length");
    // Version 2015-02-21 and later: a zero length is signed as an empty line.
    if (contentLength == "0")
        contentLength.clear();
    QByteArray out = verb.toUpper() + '\n';
    out += headerValue(headers, "Content-Encoding") + '\n';
    out += headerValue(headers, "Content-Language") + '\n';
    out += contentLength + '\n';
    out += headerValue(headers, "Content-MD5") + '\n';
    out += headerValue(headers, "Content-Type") + '\n';
    out += headerValue(headers, "Date") + '\n';
    out += headerValue(headers, "If-Modified-Since") + '\n';
    out += headerValue(headers, "If-Match") + '\n';
    out += headerValue(headers, "If-None-Match") + '\n';
    out += headerValue(headers, "If-Unmodified-Since") + '\n';
    out += headerValue(headers, "Range") + '\n';
    out += canonicalizedHeaders(headers);
    out += canonicalResource;
    return out;
}

QByteArray computeSignature(const QByteArray &stringToSign, const QByteArray &key)
{
    return hmac(stringToSign, key).toBase64();
}

void sign(QNetworkRequest &request, const QByteArray &verb, qint64 contentLength,
    const StorageCredential &credential, const QDateTime &now)
{
    request.setRawHeader("x-ms-date", httpDate(now));
    if (!request.hasRawHeader("x-ms-version"))
        request.setRawHeader("x-ms-version", kStorageApiVersion);
    RawHeaders headers;
    const QList<QByteArray> names = request.rawHeaderList();
    for (const QByteArray &name : names) {
        // QNetworkAccessManager writes Content-Length from the body; sign that, not a stale value.
        if (name.compare("Content-Length", Qt::CaseInsensitive) == 0
            || name.compare("Authorization", Qt::CaseInsensitive) == 0)
            continue;
        headers.append({ name, request.rawHeader(name) });
    }
    if (contentLength > 0)
        headers.append({ QByteArrayLiteral("Content-Length"), QByteArray::number(contentLength) });
    const QByteArray toSign
        = stringToSign(verb, headers, canonicalizedResource(request.url(), credential.accountName));
    request.setRawHeader("Authorization",
        "SharedKey " + credential.accountName.toUtf8() + ':'
            + computeSignature(toSign, credential.key));
}

void authorizeBearer(QNetworkRequest &request, const QByteArray &token, const QDateTime &now)
{
    request.setRawHeader("x-ms-date", httpDate(now));
    if (!request.hasRawHeader("x-ms-version"))
        request.setRawHeader("x-ms-version", kStorageApiVersion);
    request.setRawHeader("Authorization", "Bearer " + token);
}

Result<void> verify(const QByteArray &verb, const QByteArray &encodedPath,
    const QByteArray &encodedQuery, const RawHeaders &headers, const StorageCredential &credential,
    const QDateTime &now, int maxSkewSeconds)
{
    const QByteArray authorization = headerValue(headers, "Authorization");
    if (authorization.isEmpty())
        return fail(QStringLiteral("The request has no Authorization header."));
    const QByteArray scheme = QByteArrayLiteral("SharedKey ");
    if (!authorization.startsWith(scheme))
        return fail(QStringLiteral("The authorization scheme is not SharedKey."));
    const QByteArray credentialPart = authorization.mid(scheme.size()).trimmed();
    const qsizetype colon = credentialPart.lastIndexOf(':');
    if (colon <= 0)
        return fail(QStringLiteral(
            "The Authorization header is not in the form SharedKey account:signature."));
    const QString claimedAccount = QString::fromUtf8(credentialPart.left(colon));
    const QByteArray signature = credentialPart.mid(colon + 1);
    if (claimedAccount != credential.accountName)
        return fail(QStringLiteral(
            "Cannot find the claimed account when trying to GetProperties for the account %1.")
                        .arg(claimedAccount));

    const bool hasMsDate = hasHeader(headers, "x-ms-date");
    const QByteArray dateText
        = hasMsDate ? headerValue(headers, "x-ms-date") : headerValue(headers, "Date");
    const QDateTime date = parseHttpDate(dateText);
    if (!date.isValid())
        return fail(QStringLiteral("The request has no valid x-ms-date or Date header."));
    if (date.secsTo(now) > maxSkewSeconds)
        return fail(
            QStringLiteral("Request date header too old: '%1'").arg(QString::fromLatin1(dateText)));
    if (now.secsTo(date) > maxSkewSeconds)
        return fail(QStringLiteral("Request date header too far in the future: '%1'")
                        .arg(QString::fromLatin1(dateText)));

    const auto provided
        = QByteArray::fromBase64Encoding(signature, QByteArray::AbortOnBase64DecodingErrors);
    // The candidates a correct client may have signed: the documented resource (no
    // "-secondary"), the resource with the suffix kept (some SDKs, accepted by Azurite too),
    // and, when x-ms-date is present, the Date line left empty as the documentation allows.
    QByteArrayList resources { buildResource(
        encodedPath, encodedQuery, credential.accountName, true) };
    if (isSecondaryPath(encodedPath, credential.accountName.toUtf8()))
        resources.append(buildResource(encodedPath, encodedQuery, credential.accountName, false));
    QList<RawHeaders> headerVariants { headers };
    if (hasMsDate && hasHeader(headers, "Date")) {
        RawHeaders withoutDate;
        for (const auto &h : headers) {
            if (h.first.compare("Date", Qt::CaseInsensitive) != 0)
                withoutDate.append(h);
        }
        headerVariants.append(withoutDate);
    }
    bool matched = false;
    QByteArray firstStringToSign;
    for (const QByteArray &resource : std::as_const(resources)) {
        for (const RawHeaders &variant : std::as_const(headerVariants)) {
            const QByteArray toSign = stringToSign(verb, variant, resource);
            if (firstStringToSign.isEmpty())
                firstStringToSign = toSign;
            // Every candidate is computed and compared whole: no early exit to time.
            matched
                |= provided && constantTimeEquals(hmac(toSign, credential.key), provided.decoded);
        }
    }
    if (!matched)
        return fail(QStringLiteral(
            "The MAC signature found in the HTTP request '%1' is not the same as any computed "
            "signature. Server used following string to sign: '%2'.")
                        .arg(QString::fromLatin1(signature), QString::fromUtf8(firstStringToSign)));
    return {};
}

} // namespace dr::azure
