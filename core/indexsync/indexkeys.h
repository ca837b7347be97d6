#pragma once

// The keys of one index as an index diff holds them: every key's UTF-8 bytes back to back in
// one buffer, sorted once they are all in. 100,000 keys are a few allocations, not 100,000
// strings and hash nodes; the diff of two such lists is one merge.

#include "search/searchclient.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <vector>

namespace dr {

class IndexKeys
{
public:
    void clear();
    void append(QByteArrayView key);
    void append(const QString &key) { append(QByteArrayView(key.toUtf8())); }
    void append(const KeyPage &page);
    // Moves `other`'s keys to the end of these (the ranges of one index, in order).
    void append(IndexKeys &&other);

    // Sorts by bytes (UTF-8 byte order is code point order) and drops repeats. A service
    // answers keys in its own order, so a list read in key ranges is usually sorted already
    // and this only checks it.
    void seal();

    qsizetype size() const { return qsizetype(m_items.size()); }
    bool isEmpty() const { return m_items.empty(); }
    QByteArrayView at(qsizetype i) const { return QByteArrayView(m_text.constData() + m_items[size_t(i)].offset, m_items[size_t(i)].length); }
    QString key(qsizetype i) const { return QString::fromUtf8(at(i)); }
    // Both sealed.
    bool contains(QByteArrayView key) const;
    // Keys in `a` and not in `b`, sorted; both sealed.
    static QList<QString> missingFrom(const IndexKeys &a, const IndexKeys &b);

private:
    struct Item
    {
        qsizetype offset = 0;
        qsizetype length = 0;
    };
    QByteArray m_text;
    std::vector<Item> m_items;
};

} // namespace dr
