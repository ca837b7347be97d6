// drctl operators: the profile's operator directory (who may act, with which role).

#include "cli.h"
#include "commands.h"

#include "auth/operatordirectory.h"
#include "logging/logging.h"
#include "secrets/secretstore.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <unistd.h>

namespace drctl {

namespace {

// A passphrase from a file (owner-only, as SecretStore demands of any secret file), else typed
// at the terminal, else piped on stdin. `twice`: a new passphrase is typed twice at a terminal.
dr::Result<QByteArray> readPassphrase(const QString &file, const QString &prompt, bool twice)
{
    if (!file.isEmpty())
        return dr::SecretStore::readFile(file);
    const bool tty = ::isatty(STDIN_FILENO);
    auto first = readSecretValue(QString(), prompt);
    if (!first || !tty || !twice)
        return first;
    auto again = readSecretValue(QString(), QStringLiteral("Again"));
    if (!again)
        return again;
    if (*again != *first)
        return dr::fail(QStringLiteral("the two passphrases differ"));
    return first;
}

QJsonValue lockedUntil(const dr::OperatorRecord &r, const QDateTime &now)
{
    if (!r.lockedUntil.isValid() || r.lockedUntil <= now)
        return QJsonValue::Null;
    return r.lockedUntil.toString(Qt::ISODate);
}

} // namespace

int runOperators(QCoreApplication &, const QStringList &args)
{
    QCommandLineParser parser;
    Common common;
    parser.setApplicationDescription(QStringLiteral(
        "Manage the operator directory the profile references (\"operators\", default operators.json\n"
        "beside it). Passphrases are stored only as PBKDF2-HMAC-SHA256 hashes.\n\n"
        "  list          name, role and lockout of every operator (never a hash)\n"
        "  add NAME      --role viewer|operator|approver|admin; the passphrase from --passphrase-file,\n"
        "                typed twice at the terminal (not echoed), or piped on stdin. The first operator\n"
        "                of an empty directory must be an admin; later ones need --admin NAME and its\n"
        "                passphrase (--admin-passphrase-file, or typed).\n"
        "  remove NAME   needs --admin NAME; the last admin cannot be removed.\n\n"
        "Passphrase files must be readable by their owner only (chmod 600)."));
    parser.addHelpOption();
    QCommandLineOption role(QStringLiteral("role"), QStringLiteral("The new operator's role: viewer, operator, approver or admin."),
                            QStringLiteral("ROLE"));
    QCommandLineOption passphraseFile(QStringLiteral("passphrase-file"), QStringLiteral("The new operator's passphrase (a 0600 file)."),
                                      QStringLiteral("FILE"));
    QCommandLineOption admin(QStringLiteral("admin"), QStringLiteral("The admin who authorises the change."), QStringLiteral("NAME"));
    QCommandLineOption adminPassphraseFile(QStringLiteral("admin-passphrase-file"),
                                           QStringLiteral("The admin's passphrase (a 0600 file)."), QStringLiteral("FILE"));
    parser.addOptions({common.profile, common.json, common.verbose, role, passphraseFile, admin, adminPassphraseFile});
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("list, add or remove"));
    parser.addPositionalArgument(QStringLiteral("name"), QStringLiteral("The operator to add or remove."), QStringLiteral("[NAME]"));
    parser.process(args);
    dr::log::init({parser.isSet(common.verbose), true, {}});

    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(0);
    const bool list = action == u"list" && positional.size() == 1;
    const bool change = (action == u"add" || action == u"remove") && positional.size() == 2;
    if (!list && !change)
        return failWith(1, QStringLiteral("usage: drctl operators list|add NAME|remove NAME --profile FILE (see --help)"));

    int exitCode = 0;
    const auto profile = loadProfile(parser.value(common.profile), &exitCode);
    if (!profile)
        return exitCode;
    dr::OperatorDirectory directory(profile->operatorsFile);
    if (auto ok = directory.load(); !ok)
        return failWith(1, ok.error());
    const QString where = QDir::toNativeSeparators(profile->operatorsFile);

    if (list) {
        const QDateTime now = dr::Clock::system()->nowUtc();
        if (parser.isSet(common.json)) {
            QJsonArray operators;
            for (const dr::OperatorRecord &r : directory.operators()) {
                operators.append(QJsonObject{{QStringLiteral("name"), r.name},
                                             {QStringLiteral("role"), dr::roleName(r.role)},
                                             {QStringLiteral("lockedUntil"), lockedUntil(r, now)},
                                             {QStringLiteral("failedAttempts"), r.failedAttempts},
                                             {QStringLiteral("created"), r.created.toString(Qt::ISODate)}});
            }
            const QJsonObject doc{{QStringLiteral("operatorsFile"), profile->operatorsFile},
                                  {QStringLiteral("operators"), operators}};
            printOut(QString::fromUtf8(QJsonDocument(doc).toJson(QJsonDocument::Indented)));
            return 0;
        }
        if (directory.operators().isEmpty()) {
            printOut(QStringLiteral("no operators in %1; add the first admin with: drctl operators add NAME --role admin\n").arg(where));
            return 0;
        }
        QString text = QStringLiteral("%1 %2 %3\n").arg(QStringLiteral("NAME"), -24).arg(QStringLiteral("ROLE"), -9).arg(QStringLiteral("LOCKED UNTIL"));
        for (const dr::OperatorRecord &r : directory.operators()) {
            const QJsonValue until = lockedUntil(r, now);
            text += QStringLiteral("%1 %2 %3\n").arg(r.name, -24).arg(dr::roleName(r.role), -9).arg(until.isNull() ? QStringLiteral("-") : until.toString());
        }
        printOut(text);
        return 0;
    }

    const QString name = positional.at(1);
    if (auto ok = dr::OperatorDirectory::validateName(name); !ok)
        return failWith(1, ok.error());
    std::optional<dr::Role> newRole;
    if (action == u"add") {
        if (!parser.isSet(role))
            return failWith(1, QStringLiteral("--role viewer|operator|approver|admin is required"));
        newRole = dr::roleFromName(parser.value(role));
        if (!newRole)
            return failWith(1, QStringLiteral("'%1' is not a role: use viewer, operator, approver or admin").arg(parser.value(role)));
    }
    const bool bootstrap = action == u"add" && directory.operators().isEmpty();
    if (!bootstrap && !parser.isSet(admin))
        return failWith(1, QStringLiteral("changing the operators in %1 needs --admin NAME (an admin signs in)").arg(where));
    if (!::isatty(STDIN_FILENO) && parser.isSet(admin) && !parser.isSet(adminPassphraseFile) && action == u"add"
        && !parser.isSet(passphraseFile))
        return failWith(1, QStringLiteral("stdin can carry only one passphrase: give --passphrase-file or --admin-passphrase-file"));

    std::optional<dr::SignedInOperator> by;
    if (parser.isSet(admin)) {
        const auto adminPassphrase = readPassphrase(parser.value(adminPassphraseFile),
                                                    QStringLiteral("Passphrase of %1").arg(parser.value(admin)), false);
        if (!adminPassphrase)
            return failWith(1, adminPassphrase.error());
        auto signedIn = directory.signIn(parser.value(admin), *adminPassphrase);
        if (!signedIn)
            return failWith(1, signedIn.error());
        if (auto ok = dr::authorise(*signedIn, dr::Permission::ManageOperators); !ok)
            return failWith(1, ok.error());
        by = *signedIn;
    }

    if (action == u"remove") {
        if (auto ok = directory.remove(name, *by); !ok)
            return failWith(1, ok.error());
        if (parser.isSet(common.json))
            printOut(QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("removed"), name}, {QStringLiteral("operatorsFile"), profile->operatorsFile}})
                                           .toJson(QJsonDocument::Compact))
                     + u'\n');
        else
            printOut(QStringLiteral("removed operator %1 from %2\n").arg(name, where));
        return 0;
    }

    const auto passphrase = readPassphrase(parser.value(passphraseFile), QStringLiteral("Passphrase for %1").arg(name), true);
    if (!passphrase)
        return failWith(1, passphrase.error());
    if (auto ok = directory.add(name, *newRole, *passphrase, by); !ok)
        return failWith(1, ok.error());
    if (parser.isSet(common.json))
        printOut(QString::fromUtf8(QJsonDocument(QJsonObject{{QStringLiteral("added"), name},
                                                             {QStringLiteral("role"), dr::roleName(*newRole)},
                                                             {QStringLiteral("operatorsFile"), profile->operatorsFile}})
                                       .toJson(QJsonDocument::Compact))
                 + u'\n');
    else
        printOut(QStringLiteral("added operator %1 (%2) to %3\n").arg(name, dr::roleName(*newRole), where));
    return 0;
}

} // namespace drctl
