// drctl secret: named secrets in the OS keychain.

#include "cli.h"
#include "commands.h"

#include "logging/logging.h"
#include "secrets/secretstore.h"

namespace drctl {

int runSecret(QCoreApplication &app, const QStringList &args)
{
    QCommandLineParser parser;
    Common common;
    parser.setApplicationDescription(QStringLiteral(
        "Store, check or delete a secret in the OS keychain (service \"drconsole\"), for profiles that\n"
        "reference it as {\"keychain\": \"NAME\"}. The value is never printed.\n\n"
        "  set NAME      the value from --from-file, typed at the terminal (not echoed), or piped on stdin\n"
        "  check NAME    exit 0 when the entry exists and is not empty\n"
        "  delete NAME   remove the entry"));
    parser.addHelpOption();
    QCommandLineOption fromFile(QStringLiteral("from-file"), QStringLiteral("Read the value from FILE."), QStringLiteral("FILE"));
    parser.addOptions({fromFile, common.verbose});
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("set, check or delete"));
    parser.addPositionalArgument(QStringLiteral("name"), QStringLiteral("The keychain entry."));
    parser.process(args);
    dr::log::init({parser.isSet(common.verbose), true, {}});

    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 2 || !QStringList{QStringLiteral("set"), QStringLiteral("check"), QStringLiteral("delete")}.contains(positional.at(0)))
        return failWith(1, QStringLiteral("usage: drctl secret set|check|delete NAME"));
    const QString action = positional.at(0);
    const QString name = positional.at(1);

    dr::SecretStore store;
    int exitCode = 0;
    const auto finish = [&](const QString &error, const QString &done) {
        if (!error.isEmpty())
            exitCode = failWith(1, error);
        else if (!done.isEmpty())
            printOut(done + u'\n');
        app.quit();
    };
    if (action == u"set") {
        const auto value = readSecretValue(parser.value(fromFile));
        if (!value)
            return failWith(1, value.error());
        store.writeKeychain(name, *value, [&](dr::Result<void> r) {
            finish(r ? QString() : r.error(), QStringLiteral("stored keychain entry '%1'").arg(name));
        });
    } else if (action == u"check") {
        store.read(dr::SecretRef{dr::SecretRef::Source::Keychain, name}, [&](dr::Result<QByteArray> r) {
            finish(r ? QString() : r.error(), QStringLiteral("keychain entry '%1' is present").arg(name));
        });
    } else {
        store.removeKeychain(name, [&](dr::Result<void> r) {
            finish(r ? QString() : r.error(), QStringLiteral("deleted keychain entry '%1'").arg(name));
        });
    }
    app.exec();
    return exitCode;
}

} // namespace drctl
