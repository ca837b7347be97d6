#pragma once

// Polls a status sample (drctl status --json, usually) until a predicate holds or the time is
// up. Tests only: it blocks while spinning the event loop between samples.

#include <QElapsedTimer>
#include <QJsonObject>
#include <QTest>

#include <functional>

namespace dr::test {

inline bool pollStatus(const std::function<QJsonObject()> &sample,
                       const std::function<bool(const QJsonObject &)> &predicate, QJsonObject *last,
                       int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    do {
        *last = sample();
        if (predicate(*last))
            return true;
        QTest::qWait(500);
    } while (t.elapsed() < timeoutMs);
    return false;
}

} // namespace dr::test
