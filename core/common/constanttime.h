#pragma once

// Compares secrets (keys, MACs, hashes) without stopping at the first difference, so how long
// a check takes says nothing about how close a forged value came.

#include <QByteArrayView>

namespace dr {

inline bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

} // namespace dr
