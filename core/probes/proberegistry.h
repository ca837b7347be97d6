#pragma once

// Maps a probe kind name ("http", "tls", ...) to the class that implements it. The built-in
// kinds are registered on first use; tests and plugins may add more.

#include "probe.h"

#include <QHash>
#include <QSet>
#include <QStringList>

#include <functional>

namespace dr {

class ProbeRegistry
{
public:
    using Factory = std::function<Probe *(const ProbeTarget &, const ProbeContext &, QObject *parent)>;

    static ProbeRegistry &instance();

    // Component kinds may be named in a profile's component "probe"; the others are
    // profile-wide (routing, index sync, ...) and built by StatusMonitor from their sections.
    enum class Scope { Component, ProfileWide };

    template<typename ProbeClass>
    void add(const QString &kind, Scope scope = Scope::Component)
    {
        add(kind, [](const ProbeTarget &t, const ProbeContext &c, QObject *parent) -> Probe * {
            return new ProbeClass(t, c, parent);
        }, scope);
    }
    void add(const QString &kind, Factory factory, Scope scope = Scope::Component)
    {
        m_factories.insert(kind, std::move(factory));
        if (scope == Scope::Component)
            m_componentKinds.insert(kind);
    }

    bool contains(const QString &kind) const { return m_factories.contains(kind); }
    bool isComponentKind(const QString &kind) const { return m_componentKinds.contains(kind); }
    QStringList kinds() const;
    QStringList componentKinds() const;
    // nullptr for an unknown kind.
    Probe *create(const ProbeTarget &target, const ProbeContext &context, QObject *parent) const;

private:
    ProbeRegistry();
    QHash<QString, Factory> m_factories;
    QSet<QString> m_componentKinds;
};

} // namespace dr
