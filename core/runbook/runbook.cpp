#include "runbook.h"

#include <array>
#include <utility>

namespace dr {

namespace {

// One table per enum, so that a name and its value cannot drift apart between the two
// directions (the journal stores the names).
constexpr std::array<std::pair<StepKind, const char16_t *>, 5> kStepKinds { {
    { StepKind::Gate, u"gate" },
    { StepKind::Action, u"action" },
    { StepKind::Verify, u"verify" },
    { StepKind::Acknowledge, u"acknowledge" },
    { StepKind::Approval, u"approval" },
} };

constexpr std::array<std::pair<StepState, const char16_t *>, 7> kStepStates { {
    { StepState::Pending, u"pending" },
    { StepState::Running, u"running" },
    { StepState::Succeeded, u"succeeded" },
    { StepState::Failed, u"failed" },
    { StepState::Skipped, u"skipped" },
    { StepState::Undone, u"undone" },
    { StepState::UndoFailed, u"undo-failed" },
} };

constexpr std::array<std::pair<RunState, const char16_t *>, 5> kRunStates { {
    { RunState::Running, u"running" },
    { RunState::Succeeded, u"succeeded" },
    { RunState::Failed, u"failed" },
    { RunState::Halted, u"halted" },
    { RunState::RolledBack, u"rolled-back" },
} };

template<typename E, std::size_t N>
QString nameOf(const std::array<std::pair<E, const char16_t *>, N> &table, E value)
{
    for (const auto &[v, name] : table) {
        if (v == value)
            return QString::fromUtf16(name);
    }
    return QStringLiteral("unknown");
}

template<typename E, std::size_t N>
std::optional<E> valueOf(
    const std::array<std::pair<E, const char16_t *>, N> &table, const QString &name)
{
    for (const auto &[v, n] : table) {
        if (name == QString::fromUtf16(n))
            return v;
    }
    return std::nullopt;
}

} // namespace

QString stepKindName(StepKind kind)
{
    return nameOf(kStepKinds, kind);
}

QString stepStateName(StepState state)
{
    return nameOf(kStepStates, state);
}

QString runStateName(RunState state)
{
    return nameOf(kRunStates, state);
}

std::optional<StepKind> stepKindFromName(const QString &name)
{
    return valueOf(kStepKinds, name);
}

std::optional<StepState> stepStateFromName(const QString &name)
{
    return valueOf(kStepStates, name);
}

std::optional<RunState> runStateFromName(const QString &name)
{
    return valueOf(kRunStates, name);
}

} // namespace dr
