#pragma once

// Diagnostics, not the audit trail: spdlog with one logger per area ("probe", "profile",
// "cli", ...), all sharing two sinks: stderr (warnings, or everything with --verbose) and a
// rotating file in the standard app data location. Never log a secret: log references
// (SecretRef::describe()) and URLs through redactedUrl().

#include <QString>
#include <QUrl>

#include <spdlog/logger.h>

#include <memory>
#include <string_view>

namespace dr::log {

struct Options
{
    bool verbose = false;  // debug and above to stderr
    bool toFile = true;
    QString filePath;      // empty: <AppLocalDataLocation>/logs/<application>.log
};

// Safe to call more than once (later calls reconfigure). Without init(), loggers write
// warnings to stderr only.
void init(const Options &options);
std::shared_ptr<spdlog::logger> get(std::string_view area);
QString logFilePath();

// A URL without user info, query or fragment: query strings carry SAS tokens and keys.
QString redactedUrl(const QUrl &url);

} // namespace dr::log
