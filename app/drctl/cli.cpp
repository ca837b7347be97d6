#include "cli.h"

#include "auth/entrasignin.h"
#include "profile/profileloader.h"
#include "secrets/secretstore.h"
#include "status/statusmonitor.h"

#include <QEventLoop>
#include <QFile>
#include <QNetworkAccessManager>
#include <QTimer>

#include <cstdio>
#include <termios.h>
#include <unistd.h>

namespace drctl {

volatile std::sig_atomic_t g_interrupted = 0;

void printOut(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

int failWith(int code, const QString &message)
{
    const QByteArray bytes = (QStringLiteral("drctl: ") + message + u'\n').toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
    return code;
}

std::optional<dr::Profile> loadProfile(const QString &path, int *exitCode)
{
    if (path.isEmpty()) {
        *exitCode = failWith(1, QStringLiteral("--profile FILE is required"));
        return std::nullopt;
    }
    auto loaded = dr::ProfileLoader::loadFile(path);
    if (!loaded) {
        const QString issues = dr::ProfileLoader::formatIssues(loaded.error(), path);
        *exitCode = failWith(int(dr::StatusExit::ProfileInvalid),
                             QStringLiteral("the profile %1 is invalid (%2 problem%3):\n%4")
                                 .arg(path)
                                 .arg(loaded.error().size())
                                 .arg(loaded.error().size() == 1 ? QString() : QStringLiteral("s"))
                                 .arg(issues));
        return std::nullopt;
    }
    return *loaded;
}

bool useColor(const QCommandLineParser &parser, const Common &common)
{
    return !parser.isSet(common.noColor) && qEnvironmentVariableIsEmpty("NO_COLOR") && ::isatty(STDOUT_FILENO);
}

// Reads a secret value: from a file, from a terminal without echo, or from piped stdin.
dr::Result<QByteArray> readSecretValue(const QString &fromFile, const QString &prompt)
{
    if (!fromFile.isEmpty()) {
        QFile f(fromFile);
        if (!f.open(QIODevice::ReadOnly))
            return dr::fail(QStringLiteral("cannot read %1: %2").arg(fromFile, f.errorString()));
        QByteArray value = f.read(dr::SecretStore::kMaxSecretBytes + 1);
        if (value.size() > dr::SecretStore::kMaxSecretBytes)
            return dr::fail(QStringLiteral("%1 is larger than %2 bytes").arg(fromFile).arg(dr::SecretStore::kMaxSecretBytes));
        while (value.endsWith('\n') || value.endsWith('\r'))
            value.chop(1);
        return value;
    }
    const bool tty = ::isatty(STDIN_FILENO);
    termios saved{};
    if (tty) {
        std::fputs(qPrintable(prompt + QStringLiteral(" (not echoed): ")), stderr);
        std::fflush(stderr);
        ::tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    QByteArray value;
    char buffer[4096];
    while (value.size() <= dr::SecretStore::kMaxSecretBytes) {
        if (!std::fgets(buffer, sizeof buffer, stdin))
            break;
        value += buffer;
        if (tty && value.endsWith('\n'))
            break; // one line at a terminal
    }
    if (tty) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::fputs("\n", stderr);
    }
    if (value.size() > dr::SecretStore::kMaxSecretBytes)
        return dr::fail(QStringLiteral("the secret is larger than %1 bytes").arg(dr::SecretStore::kMaxSecretBytes));
    while (value.endsWith('\n') || value.endsWith('\r'))
        value.chop(1);
    if (value.isEmpty())
        return dr::fail(QStringLiteral("no secret was given"));
    return value;
}

dr::Result<QByteArray> readPassphrase(const QString &file, const QString &who)
{
    if (!file.isEmpty()) {
        auto value = dr::SecretStore::readFile(file);
        if (!value)
            return value;
        QByteArray v = *value;
        while (v.endsWith('\n') || v.endsWith('\r'))
            v.chop(1);
        return v;
    }
    if (!::isatty(STDIN_FILENO))
        return dr::fail(QStringLiteral("no passphrase for %1: give --passphrase-file (or run at a terminal)").arg(who));
    return readSecretValue(QString(), QStringLiteral("Passphrase for %1").arg(who));
}

dr::Result<dr::AccessToken> entraDeviceCodeToken(const dr::Profile &profile, const QString &who)
{
    if (const auto allowed = dr::entraSignInAllowed(profile); !allowed)
        return dr::fail(allowed.error());
    QNetworkAccessManager network;
    dr::EntraTokenClient client(&network, dr::entraSignInSettings(profile));
    QEventLoop loop;
    std::optional<dr::Result<dr::AccessToken>> result;
    client.deviceCode(
        dr::entraSignInScope(profile),
        [&who](const dr::DeviceCodePrompt &prompt) {
            const QString text = QStringLiteral("To sign in, open %1 and enter the code %2\n"
                                                "(waiting for %3 to sign in with Entra ID; Ctrl+C cancels)\n")
                                     .arg(prompt.verificationUri.toString(), prompt.userCode, who);
            std::fputs(text.toLocal8Bit().constData(), stderr);
            std::fflush(stderr);
        },
        [&](dr::Result<dr::AccessToken> token) {
            result = std::move(token);
            loop.quit();
        });
    // The signal handler only sets a flag: look at it while waiting.
    QTimer interrupt;
    QObject::connect(&interrupt, &QTimer::timeout, &loop, [&] {
        if (g_interrupted)
            client.cancelDeviceCode();
    });
    interrupt.start(200);
    if (!result)
        loop.exec();
    if (!*result)
        return dr::fail(QStringLiteral("Entra ID sign-in of %1 did not finish: %2").arg(who, result->error()));
    return std::move(**result);
}

} // namespace drctl
