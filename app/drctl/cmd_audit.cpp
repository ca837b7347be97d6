// drctl audit: verify and list the tamper-evident audit trail of a profile on this workstation.

#include "audit/audittrail.h"
#include "audit/remoteaudit.h"
#include "cli.h"
#include "commands.h"
#include "common/datapaths.h"
#include "logging/logging.h"
#include "secrets/secretstore.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>

#include <optional>

namespace drctl {

namespace {

// Exit codes of `audit verify`; an auditor's script must tell "tampered" from "could not check".
enum AuditExit {
    Intact = 0,
    Broken = 1, // also usage errors, as every drctl command
    ProfileInvalid = 2,
    CannotVerify = 3, // no key, unreadable trail
};

const QString kDescription = QStringLiteral(
    "The tamper-evident audit trail of a profile on this workstation (%1).\n\n"
    "  verify   check every entry's HMAC-SHA256 and its link to the previous one; prints\n"
    "           \"audit trail intact: N entries\", or \"audit trail broken at entry N: PROBLEM\"\n"
    "           naming the first bad entry. Needs the audit key: the profile's \"audit\": "
    "{\"key\": ...}\n"
    "           reference, else the OS keychain entry audit-key/PROFILE-NAME.\n"
    "           When the profile has no trail yet on this workstation, it says so and exits 0 "
    "with\n"
    "           0 entries: nothing has been recorded, so nothing can have been changed.\n"
    "           With --remote, also compares the trail with its copy in each region's storage\n"
    "           (container drconsole-audit, blob PROFILE-NAME/audit.jsonl): one line per region,\n"
    "           \"matches: N entries (local has M; K not yet pushed)\", \"MISSING entries A-B ...\",\n"
    "           \"MISSING locally: ...\" (the local trail was replaced by an older copy or cut),\n"
    "           \"DIFFERS at entry N: ...\" or \"unreachable: ...\".\n"
    "  list     the entries, oldest first, one per line (or a JSON array with --json); no key "
    "needed.\n"
    "  push     append the entries not yet copied to each region's storage (an append blob per\n"
    "           region; what cannot be pushed now waits in the local trail for the next push).\n\n"
    "Exit codes of verify: 0 intact (or no trail yet), 1 broken (or a usage error), 2 the profile\n"
    "is invalid, 3 the trail could not be checked (no key, unreadable file). With --remote: 1 also\n"
    "when a copy differs or lacks entries, 3 also when a region's storage is unreachable.\n"
    "Exit codes of push: 0 every region's copy is complete, 1 an error (a copy disagrees with the\n"
    "local trail, storage refused), 2 the profile is invalid, 3 a region is unreachable (queued).");

QByteArray compact(const QJsonValue &v)
{
    return v.isArray() ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)
                       : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact);
}

// Runs an asynchronous call to its answer.
template<typename T, typename Start>
T runToAnswer(QCoreApplication &app, Start start)
{
    std::optional<T> answer;
    start([&](T r) {
        answer = std::move(r);
        app.quit();
    });
    if (!answer)
        app.exec();
    return std::move(*answer);
}

QJsonObject checkToJson(const dr::RemoteAuditCheck &c)
{
    return QJsonObject { { QStringLiteral("region"), c.regionId },
        { QStringLiteral("state"), dr::remoteAuditCheckStateName(c.state) },
        { QStringLiteral("remoteEntries"), c.remoteEntries },
        { QStringLiteral("localEntries"), c.localEntries },
        { QStringLiteral("notYetPushed"), c.notYetPushed },
        { QStringLiteral("firstSeq"), c.firstSeq }, { QStringLiteral("lastSeq"), c.lastSeq },
        { QStringLiteral("detail"), c.detail } };
}

int verify(QCoreApplication &app, const dr::Profile &profile, bool json, bool remote)
{
    const QString path = dr::AuditTrail::defaultPath(profile);
    const QString shownPath = QDir::toNativeSeparators(path);
    const bool exists = QFileInfo::exists(path);
    QJsonObject out { { QStringLiteral("profile"), profile.name },
        { QStringLiteral("path"), shownPath }, { QStringLiteral("exists"), exists } };
    QString text;
    QString brokenReason;

    // Without a local trail there is nothing local to check, but a remote copy still has a
    // story to tell (a lost or wiped workstation): only then is the key needed.
    QByteArray key;
    dr::SecretStore store;
    if (exists || remote) {
        auto loaded = runToAnswer<dr::Result<QByteArray>>(app,
            [&](auto done) { dr::loadAuditKey(&store, profile, false, done); });
        if (!loaded)
            return failWith(CannotVerify,
                QStringLiteral("cannot verify the audit trail %1: %2").arg(shownPath, loaded.error()));
        key = *loaded;
    }

    if (!exists) {
        out.insert(QStringLiteral("intact"), true);
        out.insert(QStringLiteral("entries"), 0);
        out.insert(QStringLiteral("firstBadSeq"), 0);
        out.insert(QStringLiteral("problem"), QString());
        text = QStringLiteral("no audit trail yet for profile %1 (%2)\naudit trail intact: 0 entries\n")
                   .arg(profile.name, shownPath);
    } else {
        dr::AuditTrail trail(path, key);
        if (auto ok = trail.open(); !ok)
            return failWith(CannotVerify, ok.error());
        const auto result = trail.verify();
        if (!result)
            return failWith(CannotVerify, result.error());
        out.insert(QStringLiteral("intact"), result->intact);
        out.insert(QStringLiteral("entries"), result->entries);
        out.insert(QStringLiteral("firstBadSeq"), result->firstBadSeq);
        out.insert(QStringLiteral("problem"), result->problem);
        if (result->intact)
            text = QStringLiteral("audit trail intact: %1 entries\n").arg(result->entries);
        else
            brokenReason = QStringLiteral("audit trail broken at entry %1: %2")
                               .arg(result->firstBadSeq)
                               .arg(result->problem);
    }

    int code = brokenReason.isEmpty() ? Intact : Broken;
    QString remoteReason;
    if (remote) {
        QNetworkAccessManager network;
        dr::RemoteAuditCopy copy(profile, key, &network, &store);
        const auto checks = runToAnswer<dr::Result<QList<dr::RemoteAuditCheck>>>(
            app, [&](auto done) { copy.verifyRemote(done); });
        if (!checks)
            return failWith(CannotVerify, checks.error());
        QJsonArray regions;
        bool unreachable = false;
        for (const dr::RemoteAuditCheck &c : *checks) {
            regions.append(checkToJson(c));
            text += QStringLiteral("remote copy in %1: %2\n").arg(c.regionId, c.detail);
            switch (c.state) {
            case dr::RemoteAuditCheck::State::Matches:
                break;
            case dr::RemoteAuditCheck::State::Unreachable:
            case dr::RemoteAuditCheck::State::Error:
                unreachable = true;
                if (remoteReason.isEmpty())
                    remoteReason = QStringLiteral("the remote audit copy in %1 could not be checked: %2")
                                       .arg(c.regionId, c.detail);
                break;
            default:
                code = Broken;
                if (brokenReason.isEmpty())
                    brokenReason = QStringLiteral("the remote audit copy in %1 does not match: %2")
                                       .arg(c.regionId, c.detail);
            }
        }
        out.insert(QStringLiteral("remote"), regions);
        if (code == Intact && unreachable)
            code = CannotVerify;
    }

    if (json)
        printOut(QString::fromUtf8(compact(out)) + u'\n');
    else
        printOut(text);
    if (code == Broken)
        return failWith(Broken, brokenReason);
    if (code == CannotVerify)
        return failWith(CannotVerify, remoteReason);
    return Intact;
}

int push(QCoreApplication &app, const dr::Profile &profile, bool json)
{
    dr::SecretStore store;
    QNetworkAccessManager network;
    // Pushing needs no audit key: it copies entries as they are; verify --remote checks them.
    dr::RemoteAuditCopy copy(profile, {}, &network, &store);
    const auto report = runToAnswer<dr::Result<dr::RemoteAuditPushReport>>(
        app, [&](auto done) { copy.push(done); });
    if (!report)
        return failWith(1, report.error());
    QJsonArray regions;
    QString text;
    QString error;
    QString queued;
    for (const dr::RemoteAuditPush &r : report->regions) {
        const QString state = dr::remoteAuditPushStateName(r.state);
        regions.append(QJsonObject { { QStringLiteral("region"), r.regionId },
            { QStringLiteral("state"), state }, { QStringLiteral("pushed"), r.pushed },
            { QStringLiteral("remoteEntries"), r.remoteEntries },
            { QStringLiteral("detail"), r.detail } });
        if (r.state == dr::RemoteAuditPush::State::Pushed) {
            text += QStringLiteral("%1: pushed %2 entries (the copy holds %3 of %4)\n")
                        .arg(r.regionId)
                        .arg(r.pushed)
                        .arg(r.remoteEntries)
                        .arg(report->localEntries);
            continue;
        }
        text += QStringLiteral("%1: %2: %3\n").arg(r.regionId, state, r.detail);
        const QString line = QStringLiteral("the audit copy in %1 is %2: %3").arg(r.regionId, state, r.detail);
        if (r.state == dr::RemoteAuditPush::State::Unreachable) {
            if (queued.isEmpty())
                queued = line + QStringLiteral(" (the entries wait in the local trail)");
        } else if (error.isEmpty()) {
            error = line;
        }
    }
    if (json)
        printOut(QString::fromUtf8(compact(QJsonObject { { QStringLiteral("profile"), profile.name },
                     { QStringLiteral("localEntries"), report->localEntries },
                     { QStringLiteral("regions"), regions } }))
            + u'\n');
    else
        printOut(text);
    if (!error.isEmpty())
        return failWith(1, error);
    if (!queued.isEmpty())
        return failWith(3, queued);
    return 0;
}

int list(const dr::Profile &profile, const dr::AuditFilter &filter, bool json)
{
    const QString path = dr::AuditTrail::defaultPath(profile);
    if (!QFileInfo::exists(path)) {
        if (json)
            printOut(QStringLiteral("[]\n"));
        else
            printOut(QStringLiteral("no audit trail yet for profile %1 (%2)\n")
                         .arg(profile.name, QDir::toNativeSeparators(path)));
        return 0;
    }
    // Listing needs no key: a viewer may read the trail; only verify() proves it.
    dr::AuditTrail trail(path, {});
    if (auto ok = trail.open(); !ok)
        return failWith(1, ok.error());
    const auto entries = trail.entries(filter);
    if (!entries)
        return failWith(1, entries.error());
    if (json) {
        QJsonArray array;
        for (const dr::AuditEntry &e : *entries)
            array.append(dr::auditEntryToJson(e));
        printOut(QString::fromUtf8(compact(array)) + u'\n');
        return 0;
    }
    QString out;
    for (const dr::AuditEntry &e : *entries) {
        out += QStringLiteral("%1  %2  %3  %4  %5  %6\n")
                   .arg(e.seq)
                   .arg(e.at.toString(Qt::ISODateWithMs), e.kind, e.actor,
                       e.runId.isEmpty() ? QStringLiteral("-") : e.runId, e.summary);
    }
    printOut(out);
    return 0;
}

} // namespace

int runAudit(QCoreApplication &app, const QStringList &args)
{
    QCommandLineParser parser;
    Common common;
    parser.setApplicationDescription(kDescription.arg(
        QDir::toNativeSeparators(dr::dataDir() + QStringLiteral("/profiles/NAME/audit.sqlite"))));
    parser.addHelpOption();
    QCommandLineOption run(QStringLiteral("run"),
        QStringLiteral("list: only the entries of run ID."), QStringLiteral("ID"));
    QCommandLineOption kind(QStringLiteral("kind"),
        QStringLiteral("list: only entries of kind K (sign-in, gate, step, ...)."),
        QStringLiteral("K"));
    QCommandLineOption actor(QStringLiteral("actor"),
        QStringLiteral("list: only entries by operator A (or \"system\")."), QStringLiteral("A"));
    QCommandLineOption text(QStringLiteral("text"),
        QStringLiteral("list: only entries whose summary contains TEXT (any case)."),
        QStringLiteral("TEXT"));
    QCommandLineOption limit(QStringLiteral("limit"),
        QStringLiteral("list: only the last N matching entries."), QStringLiteral("N"));
    QCommandLineOption remote(QStringLiteral("remote"),
        QStringLiteral("verify: also compare with the copy in each region's storage."));
    parser.addOptions(
        { common.profile, common.json, common.verbose, run, kind, actor, text, limit, remote });
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("verify, list or push"));
    parser.process(args);
    dr::log::init({ parser.isSet(common.verbose), true, {} });

    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1
        || !QStringList { QStringLiteral("verify"), QStringLiteral("list"), QStringLiteral("push") }
                .contains(positional.at(0)))
        return failWith(1,
            QStringLiteral("usage: drctl audit verify [--remote]|list|push --profile FILE [--json]"));
    if (parser.isSet(remote) && positional.at(0) != u"verify")
        return failWith(1, QStringLiteral("--remote goes with verify only"));

    dr::AuditFilter filter;
    filter.runId = parser.value(run);
    filter.kind = parser.value(kind);
    filter.actor = parser.value(actor);
    filter.text = parser.value(text);
    if (parser.isSet(limit)) {
        bool ok = false;
        filter.limit = parser.value(limit).toInt(&ok);
        if (!ok || filter.limit < 1)
            return failWith(1,
                QStringLiteral("--limit expects a positive number; got \"%1\"")
                    .arg(parser.value(limit)));
    }

    int exitCode = 0;
    const auto profile = loadProfile(parser.value(common.profile), &exitCode);
    if (!profile)
        return exitCode;
    if (positional.at(0) == u"verify")
        return verify(app, *profile, parser.isSet(common.json), parser.isSet(remote));
    if (positional.at(0) == u"push")
        return push(app, *profile, parser.isSet(common.json));
    return list(*profile, filter, parser.isSet(common.json));
}

} // namespace drctl
