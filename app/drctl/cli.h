#pragma once

// What every drctl command shares: output, failure with a one-line reason, the common options,
// loading the profile, reading secrets and passphrases without echo.

#include "azure/entra.h"
#include "common/result.h"
#include "profile/profile.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QCoreApplication>

#include <csignal>
#include <optional>

namespace drctl {

extern volatile std::sig_atomic_t g_interrupted;

void printOut(const QString &text);
// Prints "drctl: MESSAGE" on stderr and returns `code`.
int failWith(int code, const QString &message);

struct Common
{
    QCommandLineOption profile{QStringList{QStringLiteral("p"), QStringLiteral("profile")},
                               QStringLiteral("The deployment profile (JSON)."), QStringLiteral("FILE")};
    QCommandLineOption json{QStringLiteral("json"), QStringLiteral("Print one JSON document on stdout.")};
    QCommandLineOption verbose{QStringList{QStringLiteral("v"), QStringLiteral("verbose")},
                               QStringLiteral("Diagnostics to stderr.")};
    QCommandLineOption noColor{QStringLiteral("no-color"), QStringLiteral("Never colour the output.")};
};

// The profile at `path`, or nullopt with *exitCode set (1: no path, 2: invalid) and the
// problems printed.
std::optional<dr::Profile> loadProfile(const QString &path, int *exitCode);
bool useColor(const QCommandLineParser &parser, const Common &common);

// A secret value: from a file, from a terminal without echo (prompt on stderr), or from piped
// stdin. Trailing newlines are dropped; an empty value is an error.
dr::Result<QByteArray> readSecretValue(const QString &fromFile, const QString &prompt = QStringLiteral("Secret"));
// An operator's passphrase: from a file (one trailing line break dropped), else asked at the
// terminal without echo; without a terminal and a file, an error naming --passphrase-file.
dr::Result<QByteArray> readPassphrase(const QString &file, const QString &who);

// `who` (e.g. "the operator") signs in with Entra ID by the device code flow of the profile's
// azure.signIn: prints "To sign in, open URL and enter the code CODE" on stderr and waits
// until the sign-in ends (Ctrl+C cancels). Refused at once when the profile does not enable
// Entra ID sign-in. The token is for FailoverController::signInWithEntra(), which maps it.
dr::Result<dr::AccessToken> entraDeviceCodeToken(const dr::Profile &profile, const QString &who);

} // namespace drctl
