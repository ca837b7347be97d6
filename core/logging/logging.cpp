#include "logging.h"

#include <QCoreApplication>
#include <QDir>
#include <QStandardPaths>

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace dr::log {

namespace {
struct State
{
    std::mutex mutex;
    std::vector<spdlog::sink_ptr> sinks;
    QString filePath;
    bool initialised = false;
};

State &state()
{
    static State s;
    return s;
}

void ensureDefaultSinks(State &s)
{
    if (!s.sinks.empty())
        return;
    auto err = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    err->set_level(spdlog::level::warn);
    err->set_pattern("%^%l%$ [%n] %v");
    s.sinks.push_back(err);
}
} // namespace

void init(const Options &options)
{
    State &s = state();
    std::lock_guard lock(s.mutex);
    s.sinks.clear();
    auto err = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    err->set_level(options.verbose ? spdlog::level::debug : spdlog::level::warn);
    err->set_pattern("%^%l%$ [%n] %v");
    s.sinks.push_back(err);
    if (options.toFile) {
        QString path = options.filePath;
        if (path.isEmpty()) {
            const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)
                                + QStringLiteral("/logs");
            const QString app = QCoreApplication::applicationName().isEmpty() ? QStringLiteral("drconsole")
                                                                              : QCoreApplication::applicationName();
            path = dir + u'/' + app + QStringLiteral(".log");
        }
        if (QDir().mkpath(QFileInfo(path).absolutePath())) {
            try {
                auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(path.toStdString(), 5 * 1024 * 1024, 3);
                file->set_level(spdlog::level::debug);
                file->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l [%n] %v");
                s.sinks.push_back(file);
                s.filePath = path;
            } catch (const spdlog::spdlog_ex &e) {
                err->log(spdlog::details::log_msg("log", spdlog::level::warn,
                                                  fmt::format("cannot write the log file {}: {}", path.toStdString(), e.what())));
            }
        }
    }
    s.initialised = true;
    // Re-point every logger made so far at the new sinks.
    spdlog::apply_all([&s](const std::shared_ptr<spdlog::logger> &logger) {
        logger->sinks() = s.sinks;
        logger->set_level(spdlog::level::debug);
        logger->flush_on(spdlog::level::warn);
    });
}

std::shared_ptr<spdlog::logger> get(std::string_view area)
{
    State &s = state();
    std::lock_guard lock(s.mutex);
    const std::string name(area);
    if (auto existing = spdlog::get(name))
        return existing;
    ensureDefaultSinks(s);
    auto logger = std::make_shared<spdlog::logger>(name, s.sinks.begin(), s.sinks.end());
    logger->set_level(spdlog::level::debug);
    logger->flush_on(spdlog::level::warn);
    spdlog::register_logger(logger);
    return logger;
}

QString logFilePath()
{
    State &s = state();
    std::lock_guard lock(s.mutex);
    return s.filePath;
}

QString redactedUrl(const QUrl &url)
{
    return url.toString(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment);
}

} // namespace dr::log
