// Reports of a real drill on the real lab, through the real binaries: drctl drill while drlab
// traffic runs, drctl record (verdict, note, traffic), then drctl report in every format. The
// PDF is read back with poppler (pdfinfo, pdftotext) as an auditor would; the HTML must hold
// no remote reference; CSV and JSON parse back and agree with the PDF's figures; a tampered
// audit trail makes every form say BROKEN. Also: drctl status's drills block, the readiness
// report, and the errors (unknown run, unwritable --out, unknown format, a viewer's verdict).

#include "csv.h"
#include "labsession.h"
#include "toolrun.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using dr::test::parseCsv;
using dr::test::runTool;
using dr::test::ToolRun;

namespace {


QString squeeze(const QString &text)
{
    return QString(text).replace(QRegularExpression(QStringLiteral("\\s+")), QStringLiteral(" "));
}

// A figure as a PDF may print it: the JSON's shortest form, or rounded to 0-3 decimals.
bool holdsFigure(const QString &text, double value)
{
    QStringList forms{QString::number(value, 'g', QLocale::FloatingPointShortest)};
    for (int decimals = 0; decimals <= 3; ++decimals)
        forms.append(QString::number(value, 'f', decimals));
    for (const QString &f : forms) {
        if (text.contains(QRegularExpression(QStringLiteral("(^|[^0-9.])%1([^0-9]|$)").arg(QRegularExpression::escape(f)))))
            return true;
    }
    return false;
}

} // namespace

class tst_DrctlReport : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void drillUnderTrafficThenRecord();
    void jsonAndCsvAgree();
    void htmlIsSelfContained();
    void pdfHoldsTheFigures();
    void statusHasTheDrills();
    void readiness();
    void errors();
    void tamperedTrailSaysBroken();

private:
    ToolRun report(const QString &format, const QString &out, const QStringList &extra = {})
    {
        return m_lab.drctl(QStringList{QStringLiteral("report"), QStringLiteral("--run"), m_runId, QStringLiteral("--format"), format,
                                 QStringLiteral("--out"), out} + extra);
    }
    QString out(const QString &name) const { return m_out.filePath(name); }
    static QString dump(const QString &path) { return QFile::exists(path) ? path : QStringLiteral("not kept"); }
    static QByteArray read(const QString &path)
    {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }
    // The text in three of pdftotext's orders: physical layout keeps table rows on one line;
    // reading order and the content stream's own order (-raw: cell after cell, as Qt paints
    // the table) keep a cell's wrapped text together. Reading order alone lost a wrapped step
    // title now and then, depending on how wide the other columns came out.
    QString pdfText(const QString &path)
    {
        QString text;
        for (const QString &mode : {QStringLiteral("-layout"), QStringLiteral("-raw"), QString()}) {
            QStringList args;
            if (!mode.isEmpty())
                args << mode;
            args << path << QStringLiteral("-");
            const ToolRun run = runTool(QStringLiteral("pdftotext"), args, 60000);
            if (run.exitCode != 0)
                return QString();
            text += QString::fromUtf8(run.out) + u'\n';
        }
        // A wrapped cell can continue on the next page: in stream order the page's footer and
        // the next page's header come between its lines. Drop those lines (the header and
        // footer are checked on their own elsewhere) so the cell reads as one text again.
        static const QRegularExpression pageBands(QStringLiteral(
            "^\\s*(DR Console (readiness )?report .*|.*\u00b7\\s+(run|Readiness) .*|generated \\d{4}-.*|Page \\d+ of \\d+)\\s*$"));
        QStringList lines = text.split(u'\n');
        lines.removeIf([](const QString &line) { return pageBands.match(line).hasMatch(); });
        return lines.join(u'\n');
    }

    dr::test::LabSession m_lab{QStringLiteral(DRLAB_PATH), QStringLiteral(DRCTL_PATH)};
    QTemporaryDir m_out;
    QString m_runId;
    QJsonObject m_json; // the JSON report of the drill
};

void tst_DrctlReport::initTestCase()
{
    QVERIFY(m_out.isValid());
    QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("pdfinfo")).isEmpty(), "pdfinfo (poppler-utils) is needed");
    // No console ran: no history. Never the developer's own history file.
    qputenv("DRCONSOLE_HISTORY_FILE", QDir(m_lab.dataDir()).filePath(QStringLiteral("no-history.sqlite")).toUtf8());
    const QString up = m_lab.up();
    QVERIFY2(up.isEmpty(), qPrintable(up));
    QJsonObject last;
    QVERIFY2(m_lab.waitReady(&last), QJsonDocument(last).toJson().constData());
}

void tst_DrctlReport::cleanupTestCase()
{
    m_lab.down();
}

void tst_DrctlReport::drillUnderTrafficThenRecord()
{
    // Before any drill: the lab's quarterly schedule says overdue, and status still exits as
    // the stacks are (0 when all is ok).
    const ToolRun before = m_lab.drctl({QStringLiteral("status"), QStringLiteral("--json")}, 60000);
    const QJsonObject drillsBefore = QJsonDocument::fromJson(before.out).object().value(QStringLiteral("drills")).toObject();
    QCOMPARE(drillsBefore.value(QStringLiteral("schedule")).toString(), QStringLiteral("quarterly"));
    QCOMPARE(drillsBefore.value(QStringLiteral("overdue")).toBool(), true);
    QVERIFY(drillsBefore.value(QStringLiteral("lastDrill")).isNull());
    const ToolRun text = m_lab.drctl({QStringLiteral("status")}, 60000);
    QVERIFY2(text.out.contains("WARNING: drill overdue"), text.out.constData());
    QCOMPARE(text.exitCode, before.exitCode);

    QProcess traffic;
    traffic.start(QStringLiteral(DRLAB_PATH), {QStringLiteral("traffic"), QStringLiteral("--dir"), m_lab.dir(), QStringLiteral("--seconds"),
                                               QStringLiteral("30"), QStringLiteral("--rate"), QStringLiteral("5"), QStringLiteral("--json")});
    QVERIFY(traffic.waitForStarted());
    const ToolRun drill = m_lab.drctl(QStringList{QStringLiteral("drill"), QStringLiteral("--yes"), QStringLiteral("--json")} + m_lab.as(QStringLiteral("lab-operator")));
    QVERIFY2(drill.exitCode == 0, drill.err.constData());
    m_runId = QJsonDocument::fromJson(drill.out).object().value(QStringLiteral("id")).toString();
    QVERIFY(!m_runId.isEmpty());
    QVERIFY(traffic.waitForFinished(60000));
    const QByteArray trafficJson = traffic.readAllStandardOutput();
    QVERIFY2(QJsonDocument::fromJson(trafficJson).object().value(QStringLiteral("sent")).toInt() > 0, trafficJson.constData());
    const QString trafficFile = out(QStringLiteral("traffic.json"));
    {
        QFile f(trafficFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(trafficJson);
    }

    // A viewer may not record a verdict.
    if (!m_lab.passphraseFile(QStringLiteral("lab-viewer")).isEmpty()) {
        const ToolRun viewer = m_lab.drctl(QStringList{QStringLiteral("record"), QStringLiteral("--run"), m_runId, QStringLiteral("--verdict"),
                                                 QStringLiteral("fail")} + m_lab.as(QStringLiteral("lab-viewer")));
        QCOMPARE(viewer.exitCode, 1);
        QVERIFY2(viewer.err.contains("may not"), viewer.err.constData());
    }
    const ToolRun record = m_lab.drctl(QStringList{QStringLiteral("record"), QStringLiteral("--run"), m_runId, QStringLiteral("--verdict"), QStringLiteral("pass"),
                                             QStringLiteral("--note"), QStringLiteral("Drill went to plan, traffic kept flowing"),
                                             QStringLiteral("--traffic"), trafficFile} + m_lab.as(QStringLiteral("lab-operator")));
    QVERIFY2(record.exitCode == 0, record.err.constData());

    const ToolRun json = report(QStringLiteral("json"), out(QStringLiteral("run.json")));
    QVERIFY2(json.exitCode == 0, json.err.constData());
    m_json = QJsonDocument::fromJson(read(out(QStringLiteral("run.json")))).object();
    QCOMPARE(m_json.value(QStringLiteral("schema")).toString(), QStringLiteral("drconsole.run-report/1"));
    QCOMPARE(m_json.value(QStringLiteral("run")).toObject().value(QStringLiteral("id")).toString(), m_runId);
}

void tst_DrctlReport::jsonAndCsvAgree()
{
    QVERIFY(!m_json.isEmpty());
    QMap<QString, QJsonObject> measures;
    for (const QJsonValue &v : m_json.value(QStringLiteral("measures")).toArray())
        measures.insert(v.toObject().value(QStringLiteral("id")).toString(), v.toObject());
    const QJsonObject rto = measures.value(QStringLiteral("rto"));
    QVERIFY2(rto.value(QStringLiteral("achieved")).toDouble() > 0, QJsonDocument(rto).toJson().constData());
    QCOMPARE(rto.value(QStringLiteral("verdict")).toString(), QStringLiteral("PASS"));
    QVERIFY(measures.value(QStringLiteral("rpo-exposure")).value(QStringLiteral("achieved")).isDouble());
    QVERIFY2(measures.value(QStringLiteral("downtime")).value(QStringLiteral("achieved")).isDouble(), "the attached traffic measures the downtime");
    const QJsonObject verdict = m_json.value(QStringLiteral("verdict")).toObject();
    QVERIFY(verdict.value(QStringLiteral("recorded")).toBool() && verdict.value(QStringLiteral("pass")).toBool());
    QCOMPARE(verdict.value(QStringLiteral("author")).toString(), QStringLiteral("lab-operator"));
    QVERIFY(m_json.value(QStringLiteral("audit")).toObject().value(QStringLiteral("summary")).toString().startsWith(QStringLiteral("intact: ")));
    QVERIFY(m_json.value(QStringLiteral("audit")).toObject().value(QStringLiteral("entries")).toArray().size() > 10);
    QVERIFY2(!m_json.value(QStringLiteral("certificates")).toArray().isEmpty(), "the gates' certificate snapshot");
    QVERIFY(m_json.value(QStringLiteral("certificatesNote")).toString().contains(QStringLiteral("gates")));
    const QJsonArray steps = m_json.value(QStringLiteral("steps")).toArray();
    QVERIFY(steps.size() > 10);
    QVERIFY(m_json.value(QStringLiteral("contentSha256")).toString().size() == 64);

    const ToolRun csvRun = report(QStringLiteral("csv"), out(QStringLiteral("run.csv")));
    QVERIFY2(csvRun.exitCode == 0, csvRun.err.constData());
    const QList<QStringList> rows = parseCsv(read(out(QStringLiteral("run.csv"))));
    QVERIFY(rows.size() > 1);
    const QStringList header = rows.first();
    const auto column = [&](const char *name) { return int(header.indexOf(QString::fromLatin1(name))); };
    int stepRows = 0, gateRows = 0;
    for (const QStringList &row : rows.mid(1)) {
        QCOMPARE(row.size(), header.size());
        stepRows += row.first() == u"step";
        gateRows += row.first() == u"gate";
        if (row.first() == u"measure" && measures.contains(row.at(column("id")))) {
            const QJsonValue achieved = measures.value(row.at(column("id"))).value(QStringLiteral("achieved"));
            if (achieved.isDouble())
                QCOMPARE(row.at(column("achieved")).toDouble(), achieved.toDouble());
            QCOMPARE(row.at(column("verdict")), measures.value(row.at(column("id"))).value(QStringLiteral("verdict")).toString());
        }
    }
    QCOMPARE(stepRows, int(steps.size()));
    QCOMPARE(gateRows, int(m_json.value(QStringLiteral("gates")).toArray().size()));
}

void tst_DrctlReport::htmlIsSelfContained()
{
    const ToolRun html = report(QStringLiteral("html"), out(QStringLiteral("run.html")));
    QVERIFY2(html.exitCode == 0, html.err.constData());
    const QString text = QString::fromUtf8(read(out(QStringLiteral("run.html"))));
    QVERIFY(text.contains(m_runId));
    // Every src= and href= attribute, and every url( in CSS: local (data: or #fragment) only.
    static const QRegularExpression attribute(QStringLiteral("(?:src|href)\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)'|([^\\s>]+))"),
                                              QRegularExpression::CaseInsensitiveOption);
    for (auto it = attribute.globalMatch(text); it.hasNext();) {
        const auto m = it.next();
        const QString value = QString(m.captured(1) + m.captured(2) + m.captured(3)).trimmed();
        QVERIFY2(value.startsWith(QStringLiteral("data:")) || value.startsWith(u'#'), qPrintable(value.left(80)));
    }
    static const QRegularExpression cssUrl(QStringLiteral("url\\(\\s*['\"]?([^)'\"]*)"), QRegularExpression::CaseInsensitiveOption);
    for (auto it = cssUrl.globalMatch(text); it.hasNext();) {
        const QString value = it.next().captured(1).trimmed();
        QVERIFY2(value.startsWith(QStringLiteral("data:")) || value.startsWith(u'#'), qPrintable(value.left(80)));
    }
    QVERIFY(!text.contains(QStringLiteral("src=\"//")));
    QVERIFY(!text.contains(QStringLiteral("@import"), Qt::CaseInsensitive));
}

void tst_DrctlReport::pdfHoldsTheFigures()
{
    for (const QString &size : {QStringLiteral("a4"), QStringLiteral("letter")}) {
        const QString path = out(QStringLiteral("run-%1.pdf").arg(size));
        const ToolRun pdf = report(QStringLiteral("pdf"), path, {QStringLiteral("--page-size"), size});
        QVERIFY2(pdf.exitCode == 0, pdf.err.constData());
        const ToolRun info = runTool(QStringLiteral("pdfinfo"), {path}, 60000);
        QVERIFY2(info.exitCode == 0, info.err.constData());
        const QRegularExpressionMatch pages = QRegularExpression(QStringLiteral("Pages:\\s+(\\d+)")).match(QString::fromUtf8(info.out));
        QVERIFY2(pages.hasMatch() && pages.captured(1).toInt() >= 1, info.out.constData());
        const QString pageSize = QRegularExpression(QStringLiteral("Page size:\\s+([^\\n]+)")).match(QString::fromUtf8(info.out)).captured(1);
        QVERIFY2(pageSize.contains(size == u"a4" ? QStringLiteral("A4") : QStringLiteral("letter")), qPrintable(pageSize));
    }
    const QString text = squeeze(pdfText(out(QStringLiteral("run-a4.pdf"))));
    QVERIFY2(!text.isEmpty(), "pdftotext read nothing");
    QVERIFY2(text.contains(m_runId), qPrintable(text.left(400)));
    for (const QJsonValue &v : m_json.value(QStringLiteral("measures")).toArray()) {
        const QJsonObject m = v.toObject();
        if (m.value(QStringLiteral("id")).toString() == u"rto" || m.value(QStringLiteral("id")).toString() == u"rpo-exposure") {
            const double achieved = m.value(QStringLiteral("achieved")).toDouble();
            QVERIFY2(holdsFigure(text, achieved), qPrintable(QStringLiteral("%1 = %2 not in the PDF").arg(m.value(QStringLiteral("id")).toString()).arg(achieved)));
        }
    }
    for (const QJsonValue &v : m_json.value(QStringLiteral("steps")).toArray()) {
        const QString title = squeeze(v.toObject().value(QStringLiteral("title")).toString());
        if (!text.contains(title)) {
            QFile dump(out(QStringLiteral("run-a4.txt")));
            if (dump.open(QIODevice::WriteOnly))
                dump.write(pdfText(out(QStringLiteral("run-a4.pdf"))).toUtf8());
            m_out.setAutoRemove(false);
        }
        QVERIFY2(text.contains(title), qPrintable(QStringLiteral("step \"%1\" is not in the PDF (its text: %2)").arg(title, dump(out(QStringLiteral("run-a4.txt"))))));
    }
}

void tst_DrctlReport::statusHasTheDrills()
{
    const ToolRun status = m_lab.drctl({QStringLiteral("status"), QStringLiteral("--json")}, 60000);
    const QJsonObject drills = QJsonDocument::fromJson(status.out).object().value(QStringLiteral("drills")).toObject();
    QCOMPARE(drills.value(QStringLiteral("schedule")).toString(), QStringLiteral("quarterly"));
    QCOMPARE(drills.value(QStringLiteral("overdue")).toBool(true), false);
    QCOMPARE(drills.value(QStringLiteral("lastDrill")).toObject().value(QStringLiteral("runId")).toString(), m_runId);
    const QDateTime due = QDateTime::fromString(drills.value(QStringLiteral("dueAt")).toString(), Qt::ISODateWithMs);
    QVERIFY(due > QDateTime::currentDateTimeUtc().addDays(80));
    QVERIFY2(drills.value(QStringLiteral("summary")).toString().startsWith(QStringLiteral("next drill due")), qPrintable(drills.value(QStringLiteral("summary")).toString()));
}

void tst_DrctlReport::readiness()
{
    const ToolRun json = m_lab.drctl({QStringLiteral("report"), QStringLiteral("--readiness"), QStringLiteral("--days"), QStringLiteral("7"),
                                QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--out"), out(QStringLiteral("ready.json"))});
    QVERIFY2(json.exitCode == 0, json.err.constData());
    const QJsonObject r = QJsonDocument::fromJson(read(out(QStringLiteral("ready.json")))).object();
    QCOMPARE(r.value(QStringLiteral("schema")).toString(), QStringLiteral("drconsole.readiness-report/1"));
    QCOMPARE(r.value(QStringLiteral("now")).toObject().value(QStringLiteral("activeRegion")).toString(), QStringLiteral("west"));
    QCOMPARE(r.value(QStringLiteral("drills")).toObject().value(QStringLiteral("lastDrill")).toObject().value(QStringLiteral("runId")).toString(), m_runId);
    QVERIFY(!r.value(QStringLiteral("components")).toArray().isEmpty());
    QVERIFY(!r.value(QStringLiteral("certificates")).toArray().isEmpty());
    QVERIFY(r.value(QStringLiteral("audit")).toObject().value(QStringLiteral("summary")).toString().startsWith(QStringLiteral("intact")));

    const QString pdf = out(QStringLiteral("ready.pdf"));
    const ToolRun pdfRun = m_lab.drctl({QStringLiteral("report"), QStringLiteral("--readiness"), QStringLiteral("--format"), QStringLiteral("pdf"),
                                  QStringLiteral("--out"), pdf});
    QVERIFY2(pdfRun.exitCode == 0, pdfRun.err.constData());
    QCOMPARE(runTool(QStringLiteral("pdfinfo"), {pdf}, 60000).exitCode, 0);
    QVERIFY(squeeze(pdfText(pdf)).contains(QStringLiteral("quarterly")));
}

void tst_DrctlReport::errors()
{
    const ToolRun unknownRun = m_lab.drctl({QStringLiteral("report"), QStringLiteral("--run"), QStringLiteral("20200101-000000-drill-none"), QStringLiteral("--format"),
                                      QStringLiteral("json"), QStringLiteral("--out"), out(QStringLiteral("x.json"))});
    QCOMPARE(unknownRun.exitCode, 1);
    QVERIFY2(unknownRun.err.contains("20200101-000000-drill-none"), unknownRun.err.constData());
    const ToolRun badFormat = report(QStringLiteral("docx"), out(QStringLiteral("x.docx")));
    QCOMPARE(badFormat.exitCode, 1);
    QVERIFY2(badFormat.err.contains("docx"), badFormat.err.constData());
    const QString unwritable = m_out.filePath(QStringLiteral("no/such/folder/run.json"));
    const ToolRun badOut = report(QStringLiteral("json"), unwritable);
    QCOMPARE(badOut.exitCode, 1);
    QVERIFY2(badOut.err.contains(unwritable.toUtf8()), badOut.err.constData());
    QVERIFY(!QFile::exists(unwritable));
    const ToolRun noProfile = runTool(QStringLiteral(DRCTL_PATH), {QStringLiteral("report"), QStringLiteral("--run"), m_runId, QStringLiteral("--format"),
                                                                   QStringLiteral("json"), QStringLiteral("--out"), out(QStringLiteral("y.json")),
                                                                   QStringLiteral("--profile"), out(QStringLiteral("traffic.json"))});
    QCOMPARE(noProfile.exitCode, 2);
}

void tst_DrctlReport::tamperedTrailSaysBroken()
{
    QString auditPath;
    for (QDirIterator it(m_lab.dataDir(), {QStringLiteral("audit.sqlite")}, QDir::Files, QDirIterator::Subdirectories); it.hasNext();)
        auditPath = it.next();
    QVERIFY(!auditPath.isEmpty());
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tamper"));
        db.setDatabaseName(auditPath);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("UPDATE entries SET summary = summary || ' (edited)' WHERE seq = 2")));
        QCOMPARE(q.numRowsAffected(), 1);
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("tamper"));

    for (const QString &format : {QStringLiteral("json"), QStringLiteral("csv"), QStringLiteral("html")}) {
        const QString path = out(QStringLiteral("broken.") + format);
        const ToolRun run = report(format, path);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY2(read(path).contains("BROKEN at entry 2"), qPrintable(format));
    }
    const QString pdf = out(QStringLiteral("broken.pdf"));
    const ToolRun run = report(QStringLiteral("pdf"), pdf);
    QVERIFY2(run.exitCode == 0, run.err.constData());
    QVERIFY2(squeeze(pdfText(pdf)).contains(QStringLiteral("BROKEN at entry 2")), "the PDF must say the trail is broken");
}

QTEST_GUILESS_MAIN(tst_DrctlReport)
#include "tst_drctlreport.moc"
