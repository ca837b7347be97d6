#include "blobclient.h"

#include "entra.h"
#include "httpdate.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QRegularExpression>
#include <QSslConfiguration>
#include <QTimer>
#include <QUuid>

namespace dr::azure {

namespace {

constexpr char kMetaPrefix[] = "x-ms-meta-";

using Header = std::pair<QByteArray, QByteArray>;

QString describe(const QString &container, const QString &blob)
{
    return container + u'/' + blob;
}

// Container names: 3-63 of a-z, 0-9 and "-" ("$root" and "$logs" are the service's own).
bool validContainerName(const QString &name)
{
    if (name.size() < 3 || name.size() > 63)
        return false;
    for (qsizetype i = 0; i < name.size(); ++i) {
        const QChar c = name.at(i);
        const bool ok = (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'-'
            || (i == 0 && c == u'$');
        if (!ok)
            return false;
    }
    return true;
}

QString blobNameProblem(const QString &name)
{
    if (name.isEmpty())
        return QStringLiteral("the blob name is empty");
    if (name.size() > 1024)
        return QStringLiteral("the blob name is longer than 1024 characters");
    for (const QString &segment : name.split(u'/')) {
        // QNetworkAccessManager normalizes these away, so the request would name another blob.
        if (segment.isEmpty() || segment == u"." || segment == u"..")
            return QStringLiteral(
                "blob name \"%1\" has an empty, \".\" or \"..\" path segment, which HTTP "
                "clients rewrite")
                .arg(name.left(200));
    }
    return {};
}

QByteArray queryString(const QList<std::pair<QByteArray, QString>> &params)
{
    QByteArray out;
    for (const auto &[name, value] : params) {
        if (!out.isEmpty())
            out += '&';
        out += name + '=' + QUrl::toPercentEncoding(value);
    }
    return out;
}

void addMetadata(RawHeaders &headers, const QMap<QString, QString> &metadata)
{
    for (auto it = metadata.constBegin(); it != metadata.constEnd(); ++it) {
        // A line break in a value would end the header and start another: fold it to a space.
        QByteArray value = it.value().toUtf8();
        value.replace('\r', ' ').replace('\n', ' ');
        headers.append(Header(kMetaPrefix + it.key().toLower().toUtf8(), value));
    }
}

} // namespace

struct BlobClient::Response
{
    int status = 0;
    QByteArray reason;
    QList<QNetworkReply::RawHeaderPair> headers;
    QByteArray body;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[n, v] : headers) {
            if (n.compare(name, Qt::CaseInsensitive) == 0)
                return v;
        }
        return {};
    }

    BlobItem properties(const QString &name) const
    {
        BlobItem p;
        p.name = name;
        p.etag = QString::fromLatin1(header("ETag"));
        if (p.etag.size() >= 2 && p.etag.startsWith(u'"') && p.etag.endsWith(u'"'))
            p.etag = p.etag.mid(1, p.etag.size() - 2);
        p.lastModified = parseHttpDate(header("Last-Modified"));
        p.creationTime = parseHttpDate(header("x-ms-creation-time"));
        p.contentLength = header("Content-Length").toLongLong();
        p.contentType = QString::fromUtf8(header("Content-Type"));
        p.blobType = QString::fromLatin1(header("x-ms-blob-type"));
        for (const auto &[n, v] : headers) {
            const QByteArray lower = n.toLower();
            if (lower.startsWith(kMetaPrefix))
                p.metadata.insert(QString::fromUtf8(lower.mid(int(sizeof(kMetaPrefix)) - 1)),
                    QString::fromUtf8(v));
        }
        return p;
    }

    WriteResult writeResult() const
    {
        const BlobItem p = properties({});
        const QByteArray offset = header("x-ms-blob-append-offset");
        return WriteResult { p.etag, p.lastModified, offset.isEmpty() ? -1 : offset.toLongLong() };
    }

    // "what: HTTP 404 BlobNotFound: The specified blob does not exist."
    QString error(const QString &what) const
    {
        QString code = QString::fromLatin1(header("x-ms-error-code"));
        QString message;
        QString detail;
        if (const auto parsed = parseErrorBody(body)) {
            if (code.isEmpty())
                code = parsed->code;
            message = parsed->message;
            detail = parsed->authenticationErrorDetail;
        }
        if (message.isEmpty())
            message = QString::fromUtf8(reason).section(u'\n', 0, 0);
        QString out = QStringLiteral("%1: HTTP %2").arg(what).arg(status);
        if (!code.isEmpty())
            out += u' ' + code;
        if (!message.isEmpty())
            out += QStringLiteral(": ") + message;
        if (!detail.isEmpty())
            out += QStringLiteral(" (") + detail.left(400) + u')';
        return out;
    }

    QString errorCode() const
    {
        const QByteArray fromHeader = header("x-ms-error-code");
        if (!fromHeader.isEmpty())
            return QString::fromLatin1(fromHeader);
        const auto parsed = parseErrorBody(body);
        return parsed ? parsed->code : QString();
    }
};

// One request in flight: its reply, its timeout, its size cap. Deleting it aborts the request
// without answering.
class BlobClient::Call : public QObject
{
public:
    Call(BlobClient *client, QNetworkReply *reply, int timeoutMs, qint64 maxBytes, QString what,
        RawCallback done)
        : QObject(client)
        , m_reply(reply)
        , m_maxBytes(maxBytes)
        , m_what(std::move(what))
        , m_done(std::move(done))
    {
        reply->setReadBufferSize(0);
        m_timer.setSingleShot(true);
        connect(&m_timer, &QTimer::timeout, this, [this, timeoutMs] {
            m_abortReason = QStringLiteral("timed out after %1 ms").arg(timeoutMs);
            if (m_reply)
                m_reply->abort();
        });
        connect(reply, &QNetworkReply::readyRead, this, &Call::onReadyRead);
        connect(reply, &QNetworkReply::finished, this, &Call::onFinished);
        connect(reply, &QNetworkReply::sslErrors, this, [this](const QList<QSslError> &errors) {
            for (const QSslError &e : errors)
                m_sslErrors.append(e.errorString());
        });
        m_timer.start(timeoutMs);
    }

    ~Call() override
    {
        if (m_reply) {
            QNetworkReply *reply = m_reply;
            m_reply = nullptr;
            reply->disconnect(this);
            reply->abort();
            reply->deleteLater();
        }
    }

private:
    void onReadyRead()
    {
        if (!m_reply)
            return;
        m_body += m_reply->read(m_maxBytes + 1 - m_body.size());
        if (m_body.size() > m_maxBytes) {
            m_abortReason = QStringLiteral("response larger than %1 bytes").arg(m_maxBytes);
            m_reply->abort();
        }
    }

    void onFinished()
    {
        if (!m_reply)
            return;
        m_timer.stop();
        QNetworkReply *reply = m_reply;
        m_reply = nullptr;
        reply->deleteLater();
        const QString host
            = QStringLiteral("%1:%2").arg(reply->url().host()).arg(reply->url().port(443));

        Result<Response> result = fail(QString());
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        if (!m_abortReason.isEmpty()) {
            result = fail(QStringLiteral("%1: %2 (%3)").arg(m_what, m_abortReason, host));
        } else if (!status.isValid()) {
            QString reason;
            switch (reply->error()) {
            case QNetworkReply::ConnectionRefusedError:
                reason = QStringLiteral("connection refused");
                break;
            case QNetworkReply::HostNotFoundError:
                reason = QStringLiteral("host not found");
                break;
            case QNetworkReply::RemoteHostClosedError:
                reason = QStringLiteral("connection closed by the server before a response");
                break;
            case QNetworkReply::SslHandshakeFailedError:
                reason = QStringLiteral("TLS error: %1")
                             .arg(m_sslErrors.isEmpty() ? reply->errorString()
                                                        : m_sslErrors.join(QStringLiteral("; ")));
                break;
            default:
                reason = reply->errorString();
            }
            result = fail(QStringLiteral("%1: %2 (%3)").arg(m_what, reason, host));
        } else {
            m_body += reply->read(m_maxBytes + 1 - m_body.size());
            if (m_body.size() > m_maxBytes) {
                result = fail(QStringLiteral("%1: response larger than %2 bytes (%3)")
                                  .arg(m_what)
                                  .arg(m_maxBytes)
                                  .arg(host));
            } else {
                Response r;
                r.status = status.toInt();
                r.reason
                    = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray();
                r.headers = reply->rawHeaderPairs();
                r.body = std::move(m_body);
                result = std::move(r);
            }
        }
        RawCallback done = std::move(m_done);
        deleteLater();
        done(std::move(result));
    }

    QPointer<QNetworkReply> m_reply;
    QTimer m_timer;
    qint64 m_maxBytes;
    QString m_what;
    RawCallback m_done;
    QByteArray m_body;
    QString m_abortReason;
    QStringList m_sslErrors;
};

BlobClient::BlobClient(QNetworkAccessManager *network, const QUrl &accountEndpoint,
    const StorageCredential &credential, QObject *parent)
    : QObject(parent)
    , m_network(network)
    , m_endpoint(accountEndpoint)
    , m_credential(credential)
{ }

BlobClient::~BlobClient() = default;

QUrl BlobClient::serviceUrl(const QString &query) const
{
    QUrl url = m_endpoint;
    QString path = url.path(QUrl::FullyEncoded);
    while (path.endsWith(u'/'))
        path.chop(1);
    url.setPath(path.isEmpty() ? QStringLiteral("/") : path, QUrl::TolerantMode);
    url.setQuery(query, QUrl::TolerantMode);
    url.setFragment({});
    return url;
}

Result<QUrl> BlobClient::resourceUrl(
    const QString &container, const std::optional<QString> &blob, const QString &query) const
{
    if (!validContainerName(container))
        return fail(QStringLiteral("\"%1\" is not a valid container name (3-63 of a-z, 0-9, -)")
                        .arg(container.left(100)));
    QUrl url = m_endpoint;
    QString path = url.path(QUrl::FullyEncoded);
    while (path.endsWith(u'/'))
        path.chop(1);
    path += u'/' + container;
    if (blob) {
        if (const QString problem = blobNameProblem(*blob); !problem.isEmpty())
            return fail(problem);
        path += u'/' + QString::fromLatin1(QUrl::toPercentEncoding(*blob, "/"));
    }
    url.setPath(path, QUrl::TolerantMode);
    url.setQuery(query, QUrl::TolerantMode);
    url.setFragment({});
    return url;
}

void BlobClient::failLater(const QString &message, std::function<void(const QString &)> deliver)
{
    QMetaObject::invokeMethod(
        this, [message, deliver = std::move(deliver)] { deliver(message); }, Qt::QueuedConnection);
}

void BlobClient::send(const QByteArray &verb, const QUrl &url, const RawHeaders &headers,
    const QByteArray &body, const QString &what, RawCallback done)
{
    QNetworkRequest request(url);
    request.setAttribute(
        QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(
        QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    // HTTP/1.1 only: what Azurite and the lab's front speak, and one less negotiation to go wrong.
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("DRConsole/" DR_VERSION));
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    if (url.scheme() == u"https") {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        if (!m_caCertificates.isEmpty())
            ssl.addCaCertificates(m_caCertificates);
        ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
        request.setSslConfiguration(ssl);
    }
    if (!m_credential.bearer()) {
        sign(request, verb, body.size(), m_credential, m_clock->nowUtc());
        dispatch(std::move(request), verb, body, what, std::move(done));
        return;
    }
    const QString scope = m_credential.tokenScope();
    QPointer<BlobClient> self(this);
    m_credential.tokens->token(scope,
        [self, request, verb, body, what, scope, done](Result<QByteArray> token) mutable {
            // The client is gone: its requests are abandoned without an answer, as documented.
            if (!self)
                return;
            if (!token)
                return self->failLater(
                    QStringLiteral("%1: no Entra ID token for %2: %3").arg(what, scope, token.error()),
                    [done](const QString &e) { done(fail(e)); });
            authorizeBearer(request, *token, self->m_clock->nowUtc());
            self->dispatch(std::move(request), verb, body, what, std::move(done));
        });
}

void BlobClient::dispatch(QNetworkRequest request, const QByteArray &verb, const QByteArray &body,
    const QString &what, RawCallback done)
{
    QNetworkReply *reply = nullptr;
    if (verb == "GET")
        reply = m_network->get(request);
    else if (verb == "HEAD")
        reply = m_network->head(request);
    else if (verb == "DELETE")
        reply = m_network->deleteResource(request);
    else if (verb == "PUT")
        reply = m_network->put(request, body);
    else
        reply = m_network->sendCustomRequest(request, verb, body);
    new Call(this, reply, m_timeoutMs, m_maxResponseBytes, what, std::move(done));
}

void BlobClient::createContainer(const QString &container, Callback<bool> done)
{
    const QString what = QStringLiteral("createContainer ") + container;
    const auto url = resourceUrl(container, std::nullopt, QStringLiteral("restype=container"));
    if (!url)
        return failLater(
            what + QStringLiteral(": ") + url.error(), [done](const QString &e) { done(fail(e)); });
    send("PUT", *url, {}, {}, what, [done, what](Result<Response> r) {
        if (!r)
            return done(fail(r.error()));
        if (r->status == 201)
            return done(true);
        if (r->status == 409 && r->errorCode() == u"ContainerAlreadyExists")
            return done(false);
        done(fail(r->error(what)));
    });
}

void BlobClient::deleteContainer(const QString &container, Callback<bool> done)
{
    const QString what = QStringLiteral("deleteContainer ") + container;
    const auto url = resourceUrl(container, std::nullopt, QStringLiteral("restype=container"));
    if (!url)
        return failLater(
            what + QStringLiteral(": ") + url.error(), [done](const QString &e) { done(fail(e)); });
    send("DELETE", *url, {}, {}, what, [done, what](Result<Response> r) {
        if (!r)
            return done(fail(r.error()));
        if (r->status == 202)
            return done(true);
        if (r->status == 404)
            return done(false);
        done(fail(r->error(what)));
    });
}

void BlobClient::listContainers(
    const QString &prefix, const QString &marker, int maxResults, Callback<ContainerListPage> done)
{
    const QString what = QStringLiteral("listContainers");
    QList<std::pair<QByteArray, QString>> params { { "comp", QStringLiteral("list") } };
    if (!prefix.isEmpty())
        params.append({ "prefix", prefix });
    if (!marker.isEmpty())
        params.append({ "marker", marker });
    if (maxResults > 0)
        params.append({ "maxresults", QString::number(maxResults) });
    send("GET", serviceUrl(QString::fromLatin1(queryString(params))), {}, {}, what,
        [done, what](Result<Response> r) {
            if (!r)
                return done(fail(r.error()));
            if (r->status != 200)
                return done(fail(r->error(what)));
            auto page = parseContainerList(r->body);
            if (!page)
                return done(fail(what + QStringLiteral(": ") + page.error()));
            done(std::move(*page));
        });
}

void BlobClient::listAllContainers(Callback<QList<ContainerItem>> done)
{
    listContainersFrom({}, {}, std::move(done));
}

void BlobClient::listContainersFrom(
    const QString &marker, QList<ContainerItem> collected, Callback<QList<ContainerItem>> done)
{
    listContainers({}, marker, 0,
        [this, collected = std::move(collected), done](Result<ContainerListPage> page) mutable {
            if (!page)
                return done(fail(page.error()));
            collected += page->items;
            if (collected.size() > kMaxListedItems)
                return done(fail(QStringLiteral("listContainers: more than %1 containers")
                                     .arg(kMaxListedItems)));
            if (page->nextMarker.isEmpty())
                return done(std::move(collected));
            listContainersFrom(page->nextMarker, std::move(collected), std::move(done));
        });
}

void BlobClient::listBlobs(
    const QString &container, const ListBlobsOptions &options, Callback<BlobListPage> done)
{
    const QString what = QStringLiteral("listBlobs ") + container;
    QList<std::pair<QByteArray, QString>> params { { "restype", QStringLiteral("container") },
        { "comp", QStringLiteral("list") } };
    if (!options.prefix.isEmpty())
        params.append({ "prefix", options.prefix });
    if (!options.marker.isEmpty())
        params.append({ "marker", options.marker });
    if (options.maxResults > 0)
        params.append({ "maxresults", QString::number(options.maxResults) });
    if (options.includeMetadata)
        params.append({ "include", QStringLiteral("metadata") });
    const auto url = resourceUrl(container, std::nullopt, QString::fromLatin1(queryString(params)));
    if (!url)
        return failLater(
            what + QStringLiteral(": ") + url.error(), [done](const QString &e) { done(fail(e)); });
    send("GET", *url, {}, {}, what, [done, what](Result<Response> r) {
        if (!r)
            return done(fail(r.error()));
        if (r->status != 200)
            return done(fail(r->error(what)));
        auto page = parseBlobList(r->body);
        if (!page)
            return done(fail(what + QStringLiteral(": ") + page.error()));
        done(std::move(*page));
    });
}

void BlobClient::listAllBlobs(const QString &container, const QString &prefix, bool includeMetadata,
    Callback<QList<BlobItem>> done)
{
    listBlobsFrom(container, prefix, includeMetadata, {}, {}, std::move(done));
}

void BlobClient::listBlobsFrom(const QString &container, const QString &prefix,
    bool includeMetadata, const QString &marker, QList<BlobItem> collected,
    Callback<QList<BlobItem>> done)
{
    ListBlobsOptions options;
    options.prefix = prefix;
    options.marker = marker;
    options.includeMetadata = includeMetadata;
    listBlobs(container, options,
        [this, container, prefix, includeMetadata, collected = std::move(collected), done](
            Result<BlobListPage> page) mutable {
            if (!page)
                return done(fail(page.error()));
            collected += page->items;
            if (collected.size() > kMaxListedItems)
                return done(fail(QStringLiteral("listBlobs %1: more than %2 blobs")
                                     .arg(container)
                                     .arg(kMaxListedItems)));
            if (page->nextMarker.isEmpty())
                return done(std::move(collected));
            listBlobsFrom(container, prefix, includeMetadata, page->nextMarker,
                std::move(collected), std::move(done));
        });
}

void BlobClient::getBlob(
    const QString &container, const QString &blob, Callback<std::optional<Blob>> done)
{
    const QString what = QStringLiteral("getBlob ") + describe(container, blob);
    const auto url = resourceUrl(container, blob, QString());
    if (!url)
        return failLater(
            what + QStringLiteral(": ") + url.error(), [done](const QString &e) { done(fail(e)); });
    send("GET", *url, {}, {}, what, [done, what, blob](Result<Response> r) {
        if (!r)
            return done(fail(r.error()));
        if (r->status == 404)
            return done(std::optional<Blob>());
        if (r->status != 200)
            return done(fail(r->error(what)));
        Blob b { r->properties(blob), std::move(r->body) };
        b.properties.contentLength = b.data.size();
        done(std::optional<Blob>(std::move(b)));
    });
}

void BlobClient::getBlobRange(const QString &container, const QString &blob, qint64 offset,
    qint64 length, Callback<std::optional<Blob>> done)
{
    const QString what = QStringLiteral("getBlobRange %1 (bytes %2+%3)")
                             .arg(describe(container, blob))
                             .arg(offset)
                             .arg(length);
    if (offset < 0 || length < 1)
        return failLater(what + QStringLiteral(": a range needs offset >= 0 and length >= 1"),
            [done](const QString &e) { done(fail(e)); });
    const auto url = resourceUrl(container, blob, QString());
    if (!url)
        return failLater(
            what + QStringLiteral(": ") + url.error(), [done](const QString &e) { done(fail(e)); });
    const RawHeaders headers { { "x-ms-range",
        "bytes=" + QByteArray::number(offset) + '-' + QByteArray::number(offset + length - 1) } };
    send("GET", *url, headers, {}, what, [done, what, blob](Result<Response> r) {
        if (!r)
            return done(fail(r.error()));
        if (r->status == 404)
            return done(std::optional<Blob>());
        if (r->status != 206 && r->status != 200)
            return done(fail(r->error(what)));
        Blob b { r->properties(blob), std::move(r->body) };
        // "Content-Range: bytes START-END/TOTAL" carries the whole length; Content-Length is
        // the range's.
        const QByteArray range = r->header("Content-Range");
        const qsizetype slash = range.lastIndexOf('/');
        bool ok = false;
        const qint64 total = slash >= 0 ? range.mid(slash + 1).toLongLong(&ok) : 0;
        b.properties.contentLength = ok ? total : b.data.size();
        done(std::optional<Blob>(std::move(b)));
    });
}

void BlobClient::getBlobProperties(
    const QString &container, const QString &blob, Callback<std::optional<BlobItem>> done)
{
    const QString what = QStringLiteral("getBlobProperties ") + describe(container, blob);
    const auto url = resourceUrl(container, blob, QString());
    if (!url)
        return failLater(
            what + QStringLiteral(": ") + url.error(), [done](const QString &e) { done(fail(e)); });
    send("HEAD", *url, {}, {}, what, [done, what, blob](Result<Response> r) {
        if (!r)
            return done(fail(r.error()));
        if (r->status == 404)
            return done(std::optional<BlobItem>());
        if (r->status != 200)
            return done(fail(r->error(what)));
        done(std::optional<BlobItem>(r->properties(blob)));
    });
}

void BlobClient::write(const QByteArray &verb, const QString &container, const QString &blob,
    const QString &query, const RawHeaders &headers, const QByteArray &body,
    const QString &operation, Callback<WriteResult> done)
{
    const QString what = operation + u' ' + describe(container, blob);
    const auto url = resourceUrl(container, blob, query);
    if (!url)
        return failLater(
            what + QStringLiteral(": ") + url.error(), [done](const QString &e) { done(fail(e)); });
    send(verb, *url, headers, body, what, [done, what](Result<Response> r) {
        if (!r)
            return done(fail(r.error()));
        if (r->status != 200 && r->status != 201)
            return done(fail(r->error(what)));
        done(r->writeResult());
    });
}

void BlobClient::putBlockBlob(const QString &container, const QString &blob, const QByteArray &data,
    const QString &contentType, const QMap<QString, QString> &metadata, const QString &leaseId,
    Callback<WriteResult> done)
{
    RawHeaders headers { { "x-ms-blob-type", "BlockBlob" } };
    if (!contentType.isEmpty()) {
        headers.append(Header("Content-Type", contentType.toUtf8()));
        headers.append(Header("x-ms-blob-content-type", contentType.toUtf8()));
    } else {
        // Without one, Qt would send none and the service would store its default anyway.
        headers.append(Header("Content-Type", "application/octet-stream"));
    }
    addMetadata(headers, metadata);
    if (!leaseId.isEmpty())
        headers.append(Header("x-ms-lease-id", leaseId.toLatin1()));
    write("PUT", container, blob, QString(), headers, data, QStringLiteral("putBlockBlob"),
        std::move(done));
}

void BlobClient::deleteBlob(const QString &container, const QString &blob, Callback<bool> done)
{
    const QString what = QStringLiteral("deleteBlob ") + describe(container, blob);
    const auto url = resourceUrl(container, blob, QString());
    if (!url)
        return failLater(
            what + QStringLiteral(": ") + url.error(), [done](const QString &e) { done(fail(e)); });
    send("DELETE", *url, {}, {}, what, [done, what](Result<Response> r) {
        if (!r)
            return done(fail(r.error()));
        if (r->status == 202)
            return done(true);
        if (r->status == 404)
            return done(false);
        done(fail(r->error(what)));
    });
}

void BlobClient::setBlobMetadata(const QString &container, const QString &blob,
    const QMap<QString, QString> &metadata, Callback<WriteResult> done)
{
    RawHeaders headers;
    addMetadata(headers, metadata);
    write("PUT", container, blob, QStringLiteral("comp=metadata"), headers, {},
        QStringLiteral("setBlobMetadata"), std::move(done));
}

void BlobClient::createAppendBlob(const QString &container, const QString &blob,
    const QString &contentType, const QMap<QString, QString> &metadata, Callback<WriteResult> done)
{
    RawHeaders headers { { "x-ms-blob-type", "AppendBlob" } };
    if (!contentType.isEmpty())
        headers.append(Header("x-ms-blob-content-type", contentType.toUtf8()));
    addMetadata(headers, metadata);
    write("PUT", container, blob, QString(), headers, {}, QStringLiteral("createAppendBlob"),
        std::move(done));
}

void BlobClient::createAppendBlobIfMissing(const QString &container, const QString &blob,
    const QString &contentType, const QMap<QString, QString> &metadata, Callback<bool> done)
{
    const QString what = QStringLiteral("createAppendBlobIfMissing ") + describe(container, blob);
    const auto url = resourceUrl(container, blob, QString());
    if (!url)
        return failLater(
            what + QStringLiteral(": ") + url.error(), [done](const QString &e) { done(fail(e)); });
    RawHeaders headers { { "x-ms-blob-type", "AppendBlob" }, { "If-None-Match", "*" } };
    if (!contentType.isEmpty())
        headers.append(Header("x-ms-blob-content-type", contentType.toUtf8()));
    addMetadata(headers, metadata);
    send("PUT", *url, headers, {}, what, [done, what](Result<Response> r) {
        if (!r)
            return done(fail(r.error()));
        if (r->status == 201)
            return done(true);
        const QString code = r->errorCode();
        if ((r->status == 409 && code == u"BlobAlreadyExists")
            || (r->status == 412 && code == u"ConditionNotMet"))
            return done(false);
        done(fail(r->error(what)));
    });
}

void BlobClient::appendBlock(const QString &container, const QString &blob, const QByteArray &data,
    std::optional<qint64> expectedOffset, Callback<WriteResult> done)
{
    if (data.size() > kMaxAppendBlockBytes)
        return failLater(
            QStringLiteral("appendBlock %1: %2 bytes is more than one block may hold (%3)")
                .arg(describe(container, blob))
                .arg(data.size())
                .arg(kMaxAppendBlockBytes),
            [done](const QString &e) { done(fail(e)); });
    RawHeaders headers { { "Content-Type", "application/octet-stream" } };
    if (expectedOffset)
        headers.append(Header(QByteArrayLiteral("x-ms-blob-condition-appendpos"),
            QByteArray::number(*expectedOffset)));
    write("PUT", container, blob, QStringLiteral("comp=appendblock"), headers, data,
        QStringLiteral("appendBlock"), std::move(done));
}

void BlobClient::leaseBlob(const QString &container, const QString &blob, LeaseAction action,
    const QString &leaseId, int durationSeconds, const QString &proposedLeaseId,
    Callback<LeaseResult> done)
{
    QByteArray actionName;
    int expectedStatus = 200;
    switch (action) {
    case LeaseAction::Acquire:
        actionName = "acquire";
        expectedStatus = 201;
        break;
    case LeaseAction::Renew:
        actionName = "renew";
        break;
    case LeaseAction::Release:
        actionName = "release";
        break;
    case LeaseAction::Break:
        actionName = "break";
        expectedStatus = 202;
        break;
    case LeaseAction::Change:
        actionName = "change";
        break;
    }
    const QString what = QStringLiteral("leaseBlob (%1) %2")
                             .arg(QString::fromLatin1(actionName), describe(container, blob));
    const auto refuse = [this, what, done](const QString &problem) {
        failLater(
            what + QStringLiteral(": ") + problem, [done](const QString &e) { done(fail(e)); });
    };
    // Lease ids are GUIDs; anything else would only earn a 400 from the service, and a line
    // break would end the header.
    const auto guid = [](const QString &id) { return !QUuid::fromString(id).isNull(); };
    RawHeaders headers { { "x-ms-lease-action", actionName } };
    if (action == LeaseAction::Acquire) {
        if (durationSeconds != -1 && (durationSeconds < 15 || durationSeconds > 60))
            return refuse(QStringLiteral("a lease lasts 15-60 s or is infinite (-1), not %1 s")
                              .arg(durationSeconds));
        headers.append(Header("x-ms-lease-duration", QByteArray::number(durationSeconds)));
    } else if (action == LeaseAction::Break && durationSeconds != -1) {
        if (durationSeconds < 0 || durationSeconds > 60)
            return refuse(
                QStringLiteral("a break period is 0-60 s, not %1 s").arg(durationSeconds));
        headers.append(Header("x-ms-lease-break-period", QByteArray::number(durationSeconds)));
    }
    const bool needsLeaseId = action == LeaseAction::Renew || action == LeaseAction::Release
        || action == LeaseAction::Change;
    if (needsLeaseId && leaseId.isEmpty())
        return refuse(QStringLiteral("the active lease id is needed"));
    if (!leaseId.isEmpty()) {
        if (!guid(leaseId))
            return refuse(QStringLiteral("lease id \"%1\" is not a GUID").arg(leaseId.left(60)));
        headers.append(Header("x-ms-lease-id", leaseId.toLatin1()));
    }
    if (action == LeaseAction::Change && proposedLeaseId.isEmpty())
        return refuse(QStringLiteral("changing a lease needs the proposed lease id"));
    if (!proposedLeaseId.isEmpty()) {
        if (!guid(proposedLeaseId))
            return refuse(QStringLiteral("proposed lease id \"%1\" is not a GUID")
                              .arg(proposedLeaseId.left(60)));
        headers.append(Header("x-ms-proposed-lease-id", proposedLeaseId.toLatin1()));
    }
    const auto url = resourceUrl(container, blob, QStringLiteral("comp=lease"));
    if (!url)
        return refuse(url.error());
    send("PUT", *url, headers, {}, what, [done, what, expectedStatus](Result<Response> r) {
        if (!r)
            return done(fail(r.error()));
        if (r->status != expectedStatus)
            return done(fail(r->error(what)));
        LeaseResult lease;
        lease.leaseId = QString::fromLatin1(r->header("x-ms-lease-id"));
        const QByteArray time = r->header("x-ms-lease-time");
        if (!time.isEmpty())
            lease.leaseTimeSeconds = time.toInt();
        done(lease);
    });
}

QString BlobClient::serviceErrorCode(const QString &error)
{
    // Response::error() writes "WHAT: HTTP NNN CODE[: message][ (detail)]". The first match
    // wins: only a blob name spelling ": HTTP 409 X" itself could mislead it.
    static const QRegularExpression pattern(
        QStringLiteral(": HTTP [1-5][0-9][0-9] ([A-Za-z][A-Za-z0-9]*)(?::|$| )"));
    const auto match = pattern.match(error);
    return match.hasMatch() ? match.captured(1) : QString();
}

void BlobClient::getServiceStats(Callback<GeoReplicationStats> done)
{
    const QString what = QStringLiteral("getServiceStats");
    send("GET", serviceUrl(QStringLiteral("restype=service&comp=stats")), {}, {}, what,
        [done, what](Result<Response> r) {
            if (!r)
                return done(fail(r.error()));
            if (r->status != 200)
                return done(fail(r->error(what)));
            auto stats = parseServiceStats(r->body);
            if (!stats)
                return done(fail(what + QStringLiteral(": ") + stats.error()));
            done(std::move(*stats));
        });
}

} // namespace dr::azure
