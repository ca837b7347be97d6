#include "indexkeys.h"

#include <algorithm>

namespace dr {

void IndexKeys::clear()
{
    m_text.clear();
    m_items.clear();
}

void IndexKeys::append(QByteArrayView key)
{
    m_items.push_back(Item{m_text.size(), key.size()});
    m_text.append(key);
}

void IndexKeys::append(const KeyPage &page)
{
    const qsizetype base = m_text.size();
    m_text.append(page.text);
    qsizetype begin = 0;
    for (const qsizetype end : page.ends) {
        m_items.push_back(Item{base + begin, end - begin});
        begin = end;
    }
}

void IndexKeys::append(IndexKeys &&other)
{
    if (isEmpty()) {
        *this = std::move(other);
        return;
    }
    const qsizetype base = m_text.size();
    m_text.append(other.m_text);
    m_items.reserve(m_items.size() + other.m_items.size());
    for (const Item &item : other.m_items)
        m_items.push_back(Item{base + item.offset, item.length});
    other.clear();
}

void IndexKeys::seal()
{
    const auto less = [this](const Item &a, const Item &b) {
        return QByteArrayView(m_text.constData() + a.offset, a.length) < QByteArrayView(m_text.constData() + b.offset, b.length);
    };
    if (!std::is_sorted(m_items.begin(), m_items.end(), less))
        std::sort(m_items.begin(), m_items.end(), less);
    const auto same = [this](const Item &a, const Item &b) {
        return QByteArrayView(m_text.constData() + a.offset, a.length) == QByteArrayView(m_text.constData() + b.offset, b.length);
    };
    m_items.erase(std::unique(m_items.begin(), m_items.end(), same), m_items.end());
}

bool IndexKeys::contains(QByteArrayView key) const
{
    qsizetype lo = 0;
    qsizetype hi = size();
    while (lo < hi) {
        const qsizetype mid = lo + (hi - lo) / 2;
        if (at(mid) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < size() && at(lo) == key;
}

QList<QString> IndexKeys::missingFrom(const IndexKeys &a, const IndexKeys &b)
{
    QList<QString> out;
    qsizetype j = 0;
    for (qsizetype i = 0; i < a.size(); ++i) {
        const QByteArrayView k = a.at(i);
        while (j < b.size() && b.at(j) < k)
            ++j;
        if (j < b.size() && b.at(j) == k)
            continue;
        out.append(QString::fromUtf8(k));
    }
    return out;
}

} // namespace dr
