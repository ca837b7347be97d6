// drctl audit: verify and list the tamper-evident audit trail of a profile on this workstation.

#include "audit/audittrail.h"
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
    "  list     the entries, oldest first, one per line (or a JSON array with --json); no key "
    "needed.\n\n"
    "Exit codes of verify: 0 intact (or no trail yet), 1 broken (or a usage error), 2 the profile\n"
    "is invalid, 3 the trail could not be checked (no key, unreadable file).");

QByteArray compact(const QJsonValue &v)
{
    return v.isArray() ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)
                       : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact);
}

int verify(QCoreApplication &app, const dr::Profile &profile, bool json)
{
    const QString path = dr::AuditTrail::defaultPath(profile);
    const QString shownPath = QDir::toNativeSeparators(path);
    if (!QFileInfo::exists(path)) {
        if (json) {
            printOut(
                QString::fromUtf8(compact(QJsonObject { { QStringLiteral("profile"), profile.name },
                    { QStringLiteral("path"), shownPath }, { QStringLiteral("exists"), false },
                    { QStringLiteral("intact"), true }, { QStringLiteral("entries"), 0 },
                    { QStringLiteral("firstBadSeq"), 0 },
                    { QStringLiteral("problem"), QString() } }))
                + u'\n');
        } else {
            printOut(QStringLiteral(
                "no audit trail yet for profile %1 (%2)\naudit trail intact: 0 entries\n")
                         .arg(profile.name, shownPath));
        }
        return Intact;
    }

    dr::SecretStore store;
    std::optional<dr::Result<QByteArray>> key;
    dr::loadAuditKey(&store, profile, false, [&](dr::Result<QByteArray> r) {
        key = std::move(r);
        app.quit();
    });
    if (!key)
        app.exec();
    if (!*key)
        return failWith(CannotVerify,
            QStringLiteral("cannot verify the audit trail %1: %2").arg(shownPath, key->error()));

    dr::AuditTrail trail(path, **key);
    if (auto ok = trail.open(); !ok)
        return failWith(CannotVerify, ok.error());
    const auto result = trail.verify();
    if (!result)
        return failWith(CannotVerify, result.error());
    if (json) {
        printOut(
            QString::fromUtf8(compact(QJsonObject { { QStringLiteral("profile"), profile.name },
                { QStringLiteral("path"), shownPath }, { QStringLiteral("exists"), true },
                { QStringLiteral("intact"), result->intact },
                { QStringLiteral("entries"), result->entries },
                { QStringLiteral("firstBadSeq"), result->firstBadSeq },
                { QStringLiteral("problem"), result->problem } }))
            + u'\n');
    }
    if (!result->intact) {
        return failWith(Broken,
            QStringLiteral("audit trail broken at entry %1: %2")
                .arg(result->firstBadSeq)
                .arg(result->problem));
    }
    if (!json)
        printOut(QStringLiteral("audit trail intact: %1 entries\n").arg(result->entries));
    return Intact;
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
    parser.addOptions(
        { common.profile, common.json, common.verbose, run, kind, actor, text, limit });
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("verify or list"));
    parser.process(args);
    dr::log::init({ parser.isSet(common.verbose), true, {} });

    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1
        || !QStringList { QStringLiteral("verify"), QStringLiteral("list") }.contains(
            positional.at(0)))
        return failWith(
            1, QStringLiteral("usage: drctl audit verify|list --profile FILE [--json]"));

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
        return verify(app, *profile, parser.isSet(common.json));
    return list(*profile, filter, parser.isSet(common.json));
}

} // namespace drctl
