#pragma once

// Azure Storage Shared Key authorization for the Blob service (version 2009-09-19 and later),
// exactly as "Authorize with Shared Key" defines it, so that real accounts, Azurite and the
// lab's own secondary-endpoint front all accept what we sign and we accept what they sign.
//
//   StringToSign = VERB \n Content-Encoding \n Content-Language \n Content-Length (empty when
//                  0) \n Content-MD5 \n Content-Type \n Date \n If-Modified-Since \n If-Match \n
//                  If-None-Match \n If-Unmodified-Since \n Range \n
//                  CanonicalizedHeaders CanonicalizedResource
//   Signature    = Base64(HMAC-SHA256(key, UTF-8(StringToSign)))
//   Authorization: SharedKey <account>:<signature>
//
// CanonicalizedResource is "/" + account + the request's encoded URL path, then each query
// parameter on its own line ("\nname:value", names lower-cased and sorted, values URL-decoded,
// several values sorted and comma-joined). The path is the whole path as sent, so path-style
// (emulator) URLs name the account twice: https://127.0.0.1:10000/drlabstore/c/b signs
// "/drlabstore/drlabstore/c/b", as Microsoft documents and Azurite checks. A secondary
// endpoint never signs its "-secondary" suffix: the account is always the primary's name, so a
// path-style ".../drlabstore-secondary/c/b" signs "/drlabstore/drlabstore/c/b" (Azurite also
// accepts the suffix kept in; verify() does too, for the same SDK compatibility).
//
// Known differences of Azurite 3.35 from the documented rules, none of which our requests
// trigger: it does not fold runs of whitespace inside x-ms-* values, sorts x-ms-* names with
// localeCompare (not bytewise: differs only for names with "_" or other punctuation), keeps
// only the last value of a repeated query parameter and ignores parameters without "=".
//
// The key is held decoded in memory and never appears in any message or log.

#include "common/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QUrl>

#include <utility>

class QNetworkRequest;

namespace dr {
class TokenSource;
}

namespace dr::azure {

// The service version every request of ours pins (x-ms-version); Azurite accepts it.
inline constexpr char kStorageApiVersion[] = "2021-12-02";

// How requests to an account are authorized: its Shared Key, or Microsoft Entra ID bearer
// tokens (an app with a "Storage Blob Data ..." role; the key is then neither needed nor held).
struct StorageCredential
{
    QString accountName;
    QByteArray key; // decoded; empty with tokens
    // When set, requests carry "Authorization: Bearer TOKEN" for `scope` (empty:
    // https://storage.azure.com/.default), fetched per request from the source (which
    // caches), and are not signed. Not owned: it must outlive the clients using it.
    TokenSource *tokens = nullptr;
    QString scope = {};

    bool isValid() const { return !accountName.isEmpty() && (tokens || !key.isEmpty()); }
    bool bearer() const { return tokens != nullptr; }
    QString tokenScope() const;
    // From the account name and the base64 key as the portal or AZURITE_ACCOUNTS shows it.
    static Result<StorageCredential> fromBase64(
        const QString &accountName, const QByteArray &base64Key);
    // Entra ID tokens for the account; an error when the name is empty or there is no source.
    static Result<StorageCredential> fromTokens(
        const QString &accountName, TokenSource *tokens, const QString &scope = QString());
};

// Raw request headers, as on the wire: names in any case, in any order.
using RawHeaders = QList<std::pair<QByteArray, QByteArray>>;

// The x-ms-* headers, lower-cased, sorted, whitespace-folded, one "name:value\n" each.
QByteArray canonicalizedHeaders(const RawHeaders &headers);

// From the encoded path and query exactly as sent on the request line.
QByteArray canonicalizedResource(
    const QByteArray &encodedPath, const QByteArray &encodedQuery, const QString &accountName);
// The same for a URL, with the path and query encoded as QNetworkAccessManager sends them.
QByteArray canonicalizedResource(const QUrl &url, const QString &accountName);

QByteArray stringToSign(
    const QByteArray &verb, const RawHeaders &headers, const QByteArray &canonicalResource);

// Base64(HMAC-SHA256(key, stringToSign)).
QByteArray computeSignature(const QByteArray &stringToSign, const QByteArray &key);

// Signs a request about to be sent: sets x-ms-date (from now), x-ms-version (kStorageApiVersion
// unless the request already names one) and Authorization. Every other signed header
// (Content-Type, Range, x-ms-meta-*, ...) must be set before; contentLength is the body's size,
// which QNetworkAccessManager sends as Content-Length itself.
void sign(QNetworkRequest &request, const QByteArray &verb, qint64 contentLength,
    const StorageCredential &credential, const QDateTime &now);

// Authorizes a request with an Entra ID token instead: x-ms-date, x-ms-version as sign() does
// (kStorageApiVersion is past 2017-11-09, the first version that accepts OAuth) and
// "Authorization: Bearer TOKEN".
void authorizeBearer(QNetworkRequest &request, const QByteArray &token, const QDateTime &now);

// What the service does with a received request: recompute the signature and compare it in
// constant time. The request date (x-ms-date, else Date) must be within maxSkewSeconds of now,
// as the service allows 15 minutes. On failure the message is what AuthenticationErrorDetail
// says; it never holds the key.
Result<void> verify(const QByteArray &verb, const QByteArray &encodedPath,
    const QByteArray &encodedQuery, const RawHeaders &headers, const StorageCredential &credential,
    const QDateTime &now, int maxSkewSeconds = 15 * 60);

} // namespace dr::azure
