#include "httpdate.h"

#include <QList>
#include <QLocale>
#include <QTime>

namespace dr::azure {

QByteArray httpDate(const QDateTime &time)
{
    if (!time.isValid())
        return {};
    return QLocale::c().toString(time.toUTC(), u"ddd, dd MMM yyyy hh:mm:ss 'GMT'").toLatin1();
}

QDateTime parseHttpDate(const QByteArray &text)
{
    // Parsed by hand rather than with QLocale::toDateTime: that reads the fields as local
    // time, and a local DST gap would turn a valid GMT time into an invalid one.
    static const QByteArrayList months { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
        "Sep", "Oct", "Nov", "Dec" };
    const QByteArrayList parts = text.simplified().split(' ');
    if (parts.size() != 6 || !parts[0].endsWith(',') || parts[5] != "GMT")
        return {};
    bool dayOk = false;
    bool yearOk = false;
    const int day = parts[1].toInt(&dayOk);
    const int month = int(months.indexOf(parts[2])) + 1;
    const int year = parts[3].toInt(&yearOk);
    const QTime time = QTime::fromString(QString::fromLatin1(parts[4]), u"hh:mm:ss");
    const QDate date(year, month, day);
    if (!dayOk || !yearOk || month < 1 || !date.isValid() || !time.isValid())
        return {};
    return QDateTime(date, time, Qt::UTC);
}

} // namespace dr::azure
