#pragma once

// Maps a probe kind name ("http", "tls", ...) to the class that implements it. The built-in
// kinds are registered on first use; tests and plugins may add more.

#include "probe.h"

#include <QHash>
#include <QStringList>

#include <functional>

namespace dr {

class ProbeRegistry
{
public:
    using Factory = std::function<Probe *(const ProbeTarget &, const ProbeContext &, QObject *parent)>;

    static ProbeRegistry &instance();

    template<typename ProbeClass>
    void add(const QString &kind)
    {
        m_factories.insert(kind, [](const ProbeTarget &t, const ProbeContext &c, QObject *parent) -> Probe * {
            return new ProbeClass(t, c, parent);
        });
    }
    void add(const QString &kind, Factory factory) { m_factories.insert(kind, std::move(factory)); }

    bool contains(const QString &kind) const { return m_factories.contains(kind); }
    QStringList kinds() const;
    // nullptr for an unknown kind.
    Probe *create(const ProbeTarget &target, const ProbeContext &context, QObject *parent) const;

private:
    ProbeRegistry();
    QHash<QString, Factory> m_factories;
};

} // namespace dr
