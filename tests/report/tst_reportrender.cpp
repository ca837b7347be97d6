// The PDF and HTML renderers and the chart images (core/report: reportchart, reporthtml,
// reportpdf), from reports filled by hand. The PDFs are read back with the real poppler
// tools (pdfinfo, pdftotext) as an auditor's machine would.
#include "report/render.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QGuiApplication>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <limits>

Q_DECLARE_METATYPE(dr::report::PageSize)

using namespace dr;
using namespace dr::report;

namespace {

const QDateTime kStart = QDateTime(QDate(2026, 11, 26), QTime(10, 15, 2), Qt::UTC);

QStringList stepTitles()
{
    return {QStringLiteral("Sign in the operator"),      QStringLiteral("Check the target region"),
            QStringLiteral("Check target certificates"), QStringLiteral("Check replication lag"),
            QStringLiteral("Check index lag"),           QStringLiteral("Approve the drill"),
            QStringLiteral("Freeze writes"),             QStringLiteral("Final index sync"),
            QStringLiteral("Switch the routing"),        QStringLiteral("Verify the target"),
            QStringLiteral("Acknowledge the switch"),    QStringLiteral("Measure downtime"),
            QStringLiteral("Switch back"),               QStringLiteral("Verify the source"),
            QStringLiteral("Thaw writes"),               QStringLiteral("Record the verdict")};
}

Chart lagChart(int points)
{
    Chart chart;
    chart.id = QStringLiteral("lag");
    chart.title = QStringLiteral("Replication and index lag around the run");
    chart.unit = QStringLiteral("s");
    const qint64 from = kStart.toMSecsSinceEpoch() - kChartMarginMs;
    chart.fromMs = from;
    chart.toMs = from + 2 * kChartMarginMs + 60'000;
    ChartSeries rising{QStringLiteral("replication/lagSeconds"), QStringLiteral("Storage replication lag"), {}};
    ChartSeries flat{QStringLiteral("index/lagSeconds"), QStringLiteral("Index lag"), {}};
    const qint64 span = chart.toMs - chart.fromMs;
    for (int i = 0; i < points; ++i) {
        const qint64 at = from + span * i / std::max(1, points - 1);
        rising.points.append({at, 1.0 + 20.0 * i / std::max(1, points - 1)});
        flat.points.append({at, 3.0});
    }
    chart.series = {rising, flat};
    chart.markers = {{kStart.toMSecsSinceEpoch(), QStringLiteral("run start")},
                     {kStart.toMSecsSinceEpoch() + 2'000, QStringLiteral("switch")},
                     {kStart.toMSecsSinceEpoch() + 2'400, QStringLiteral("verified")}};
    return chart;
}

RunReport makeRunReport(int auditEntries, int chartPoints = 600)
{
    RunReport r;
    r.generatedAt = kStart.addSecs(3600);
    r.generator = QStringLiteral("DR Console 0.6.0 on test-host");
    r.profileName = QStringLiteral("contoso-chat");
    r.environment = QStringLiteral("lab");
    r.run.id = QStringLiteral("20261126-101502-drill-3f2a");
    r.run.kind = QStringLiteral("drill");
    r.run.mode = QStringLiteral("planned");
    r.run.source = QStringLiteral("west");
    r.run.target = QStringLiteral("north");
    r.run.operatorName = QStringLiteral("alice");
    r.run.approverName = QStringLiteral("bob");
    r.run.host = QStringLiteral("ops-ws-07");
    r.run.state = RunState::Succeeded;
    r.run.outcome = QStringLiteral("north serves; RTO 2.4 s");
    r.run.started = kStart;
    r.run.ended = kStart.addSecs(95);

    Measure rto{QStringLiteral("rto"), QStringLiteral("Recovery time (RTO)"), QStringLiteral("s"), 3600.0, 2.4,
                Verdict::Pass, QStringLiteral("start of the run to verified service")};
    Measure rpo{QStringLiteral("rpo-exposure"), QStringLiteral("RPO exposure"), QStringLiteral("s"), 300.0, 17.25,
                Verdict::Pass, QStringLiteral("storage lag at the switch")};
    Measure downtime{QStringLiteral("downtime"), QStringLiteral("User-visible downtime"), QStringLiteral("s"), 60.0,
                     std::nullopt, Verdict::NotMeasured, QStringLiteral("no traffic was measured")};
    r.measures = {rto, rpo, downtime};
    r.overall = Verdict::Pass;

    r.gates = {{QStringLiteral("gate.target-certificates"), QStringLiteral("Target certificates valid"),
                QStringLiteral("passed"), QStringLiteral("all 4 valid for 80+ days"), kStart.addSecs(3)},
               {QStringLiteral("gate.replication-lag"), QStringLiteral("Replication lag within objective"),
                QStringLiteral("overridden"), QStringLiteral("lag 400 s > 300 s"), kStart.addSecs(5)}};
    const QStringList titles = stepTitles();
    for (int i = 0; i < titles.size(); ++i) {
        StepRow s;
        s.index = i + 1;
        s.id = QStringLiteral("step-%1").arg(i + 1);
        s.title = titles.at(i);
        s.kind = i < 5 ? QStringLiteral("gate") : QStringLiteral("action");
        s.state = QStringLiteral("succeeded");
        s.attempts = i == 7 ? 2 : 1;
        s.started = kStart.addSecs(i * 5);
        s.ended = s.started.addMSecs(1234 + i);
        s.durationMs = 1234 + i;
        s.detail = i == 8 ? QStringLiteral("west out of the routing, north in") : QString();
        r.steps.append(s);
    }
    r.overrides = {{kStart.addSecs(5), QStringLiteral("bob"), QStringLiteral("gate.replication-lag"),
                    QStringLiteral("lag is from a known backfill")}};
    r.notes = {{kStart.addSecs(90), QStringLiteral("alice"),
                QStringLiteral("Watch for <script>alert(1)</script> & other \"quotes\"")}};
    r.verdict = {true, true, QStringLiteral("alice"), kStart.addSecs(95), QStringLiteral("Drill met its objectives.")};

    Chart latency = lagChart(chartPoints);
    latency.id = QStringLiteral("latency");
    latency.title = QStringLiteral("Chat latency around the run");
    latency.unit = QStringLiteral("ms");
    Chart empty;
    empty.id = QStringLiteral("traffic");
    empty.title = QStringLiteral("Traffic");
    empty.emptyReason = QStringLiteral("no history was recorded around this run (the console was not running)");
    r.charts = {lagChart(chartPoints), latency, empty};

    r.certificates = {{QStringLiteral("west-api"), QStringLiteral("west"), QStringLiteral("api.west.example"),
                       QStringLiteral("CN=api.west.example"), kStart.addDays(80), 80, QStringLiteral("ok")},
                      {QStringLiteral("north-api"), QStringLiteral("north"), QStringLiteral("api.north.example"),
                       QStringLiteral("CN=api.north.example"), kStart.addDays(-2), -2, QStringLiteral("expired")}};
    r.certificatesNote = QStringLiteral("inventory at the run's gates");
    r.traffic = QJsonObject{{QStringLiteral("sent"), 199}, {QStringLiteral("failed"), 0},
                            {QStringLiteral("byRegion"), QJsonObject{{QStringLiteral("north"), 199}}}};

    for (int i = 0; i < auditEntries; ++i) {
        AuditEntry e;
        e.seq = 1000 + i;
        e.at = kStart.addMSecs(i * 37);
        e.kind = i % 3 == 0 ? QStringLiteral("step") : QStringLiteral("gate");
        e.actor = QStringLiteral("alice");
        e.runId = r.run.id;
        e.summary = QStringLiteral("audit event number %1 of the drill").arg(i + 1);
        e.hash = QByteArray(64, 'a');
        r.audit.entries.append(e);
    }
    r.audit.verified = true;
    r.audit.verification.intact = false;
    r.audit.verification.entries = 2000;
    r.audit.verification.firstBadSeq = 1012;
    r.audit.verification.problem = QStringLiteral("entry 1012: its hash does not match its content");
    r.audit.summary = QStringLiteral("BROKEN at entry 1012: its hash does not match its content");
    r.contentSha256 = QString(64, QLatin1Char('f'));
    return r;
}

ReadinessReport makeReadiness()
{
    ReadinessReport r;
    r.generatedAt = kStart;
    r.generator = QStringLiteral("DR Console 0.6.0 on test-host");
    r.profileName = QStringLiteral("contoso-chat");
    r.environment = QStringLiteral("production");
    r.from = kStart.addDays(-30);
    r.to = kStart;
    r.activeRegion = QStringLiteral("west");
    r.overallNow = QStringLiteral("degraded");
    r.components = {{QStringLiteral("west"), QStringLiteral("bot-api"), QStringLiteral("Bot API"), 99.95, 43200, QStringLiteral("ok")},
                    {QStringLiteral("north"), QStringLiteral("search"), QStringLiteral("Search"), -1, 0, QStringLiteral("unknown")}};
    r.worstReplicationLagSeconds = 42.5;
    r.measures = {{QStringLiteral("rpo-exposure"), QStringLiteral("Worst replication lag"), QStringLiteral("s"), 300.0, 42.5,
                   Verdict::Pass, {}}};
    r.drills.intervalDays = 90;
    r.drills.scheduleText = QStringLiteral("quarterly");
    r.drills.overdue = true;
    r.drills.overdueDays = 12;
    r.drills.summary = QStringLiteral("drill overdue by 12 days (quarterly; last 2026-08-14)");
    DrillSummary newer{QStringLiteral("20261001-drill-aaaa"), kStart.addDays(-56), kStart.addDays(-56).addSecs(90),
                       QStringLiteral("succeeded"), 3.1, 12.0, 0.5, {}, Verdict::Pass};
    DrillSummary older{QStringLiteral("20260701-drill-bbbb"), kStart.addDays(-148), kStart.addDays(-148).addSecs(90),
                       QStringLiteral("succeeded"), 2.4, 20.0, std::nullopt, {}, Verdict::Pass};
    r.drills.lastDrill = newer;
    r.recentDrills = {newer, older};
    Chart lag = lagChart(200);
    lag.fromMs = r.from.toMSecsSinceEpoch();
    lag.toMs = r.to.toMSecsSinceEpoch();
    lag.markers.clear();
    r.charts = {lag};
    r.audit.verified = true;
    r.audit.verification.entries = 1234;
    r.audit.summary = QStringLiteral("intact: 1,234 entries");
    return r;
}

struct Tool
{
    int exitCode = -1;
    QString out;
};

Tool runTool(const QString &program, const QStringList &args)
{
    QProcess p;
    p.start(program, args);
    Tool tool;
    if (!p.waitForStarted(5000) || !p.waitForFinished(60000))
        return tool;
    tool.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    tool.out = QString::fromUtf8(p.readAllStandardOutput());
    return tool;
}

// The pixels that are not (nearly) white.
int inkedPixels(const QImage &image, const QRect &area)
{
    int count = 0;
    for (int y = area.top(); y <= area.bottom(); ++y) {
        for (int x = area.left(); x <= area.right(); ++x) {
            if (qGray(image.pixel(x, y)) < 200)
                ++count;
        }
    }
    return count;
}

// Pixels close to a series colour.
bool near(QRgb pixel, QRgb colour)
{
    return std::abs(qRed(pixel) - qRed(colour)) < 40 && std::abs(qGreen(pixel) - qGreen(colour)) < 40
           && std::abs(qBlue(pixel) - qBlue(colour)) < 40;
}

} // namespace

class tst_ReportRender : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void chartDrawsTheSeries();
    void chartDrawsTheEmptyReason();
    void chartSurvivesOddInput_data();
    void chartSurvivesOddInput();
    void chartDecimatesHugeSeries();
    void htmlIsSelfContained();
    void htmlReadiness();
    void pdfPageSizesAndText_data();
    void pdfPageSizesAndText();
    void pdfReadiness();
    void pdfCancelLeavesNoFile();
    void pdfUnwritablePathIsAnError();

private:
    QString pdfText(const QString &path, bool layout = true);
    QTemporaryDir m_dir;
};

void tst_ReportRender::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // To look at the documents: DR_KEEP_TEST_FILES=1 keeps them and says where.
    if (qEnvironmentVariableIsSet("DR_KEEP_TEST_FILES")) {
        m_dir.setAutoRemove(false);
        qInfo("documents kept in %s", qPrintable(m_dir.path()));
    }
    QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("pdfinfo")).isEmpty(), "pdfinfo (poppler-utils) is missing");
    QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("pdftotext")).isEmpty(), "pdftotext (poppler-utils) is missing");
}

void tst_ReportRender::chartDrawsTheSeries()
{
    Chart chart = lagChart(500);
    chart.series.removeLast(); // only the rising one, in the first colour
    const QImage image = renderChart(chart, 1000, 360);
    QCOMPARE(image.size(), QSize(1000, 360));
    QCOMPARE(image.format(), QImage::Format_ARGB32);
    QCOMPARE(image.pixel(2, 2), qRgb(255, 255, 255)); // white background

    // The first palette colour (0072b2) drawn across the width, rising to the right.
    const QRgb blue = qRgb(0x00, 0x72, 0xb2);
    QList<double> meanY(3, 0);
    QList<int> counts(3, 0);
    int columnsWithSeries = 0;
    for (int x = 0; x < image.width(); ++x) {
        bool seen = false;
        for (int y = 0; y < image.height() - 60; ++y) { // above the legend
            if (near(image.pixel(x, y), blue)) {
                seen = true;
                const int third = std::min(2, x * 3 / image.width());
                meanY[third] += y;
                ++counts[third];
            }
        }
        columnsWithSeries += seen;
    }
    QVERIFY2(columnsWithSeries > 700, qPrintable(QStringLiteral("series in %1 columns").arg(columnsWithSeries)));
    QVERIFY(counts[0] > 0 && counts[2] > 0);
    QVERIFY2(meanY[0] / counts[0] > meanY[2] / counts[2] + 100, "the rising series does not rise");
}

void tst_ReportRender::chartDrawsTheEmptyReason()
{
    Chart chart;
    chart.title = QStringLiteral("Latency");
    chart.emptyReason = QStringLiteral("no history was recorded around this run");
    const QImage image = renderChart(chart, 800, 300);
    QCOMPARE(image.size(), QSize(800, 300));
    const QRect middle(100, 120, 600, 80);
    QVERIFY2(inkedPixels(image, middle) > 200, "the reason is not drawn in the middle");
    chart.emptyReason = QStringLiteral("x");
    QVERIFY(inkedPixels(renderChart(chart, 800, 300), middle) < inkedPixels(image, middle));
}

void tst_ReportRender::chartSurvivesOddInput_data()
{
    QTest::addColumn<QList<double>>("values");
    QTest::addColumn<bool>("window");
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    QTest::newRow("single point") << QList<double>{5} << false << 600 << 240;
    QTest::newRow("single point in a window") << QList<double>{5} << true << 600 << 240;
    QTest::newRow("all equal") << QList<double>{7, 7, 7, 7} << true << 600 << 240;
    QTest::newRow("all zero") << QList<double>{0, 0, 0} << true << 600 << 240;
    QTest::newRow("negative") << QList<double>{-5, -2, -9} << true << 600 << 240;
    QTest::newRow("nan and inf skipped") << QList<double>{nan, 1, inf, 2, -inf, 3} << true << 600 << 240;
    QTest::newRow("only nan") << QList<double>{nan, nan} << true << 600 << 240;
    QTest::newRow("tiny values") << QList<double>{1e-9, 2e-9} << true << 600 << 240;
    QTest::newRow("huge values") << QList<double>{1e15, 3e15} << true << 600 << 240;
    QTest::newRow("zero size") << QList<double>{1, 2} << true << 0 << 0;
    QTest::newRow("negative size") << QList<double>{1, 2} << true << -5 << -5;
}

void tst_ReportRender::chartSurvivesOddInput()
{
    QFETCH(QList<double>, values);
    QFETCH(bool, window);
    QFETCH(int, width);
    QFETCH(int, height);
    Chart chart;
    chart.title = QStringLiteral("odd");
    chart.unit = QStringLiteral("s");
    chart.emptyReason = QStringLiteral("nothing");
    ChartSeries series{QStringLiteral("k"), QStringLiteral("series"), {}};
    const qint64 t0 = kStart.toMSecsSinceEpoch();
    for (int i = 0; i < values.size(); ++i)
        series.points.append({t0 + i * 1000, values.at(i)});
    chart.series = {series};
    if (window) {
        chart.fromMs = t0 - 5000;
        chart.toMs = t0 + 60'000;
    }
    chart.markers = {{t0 + 500, QStringLiteral("switch")}, {t0 + 600, QStringLiteral("verified")}};
    const QImage image = renderChart(chart, width, height);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() > 0 && image.height() > 0);
    QVERIFY(inkedPixels(image, image.rect()) > 50);
}

void tst_ReportRender::chartDecimatesHugeSeries()
{
    Chart chart = lagChart(100'000);
    // and a window of more than a day, so the date labels are drawn too
    chart.fromMs -= 2 * 86'400'000LL;
    QElapsedTimer timer;
    timer.start();
    const QImage image = renderChart(chart, 1000, 360);
    const qint64 ms = timer.elapsed();
    QVERIFY(!image.isNull());
    QVERIFY2(ms < 1500, qPrintable(QStringLiteral("2 x 100,000 points took %1 ms").arg(ms)));
    QVERIFY(inkedPixels(image, image.rect()) > 1000);
}

void tst_ReportRender::htmlIsSelfContained()
{
    const RunReport report = makeRunReport(50);
    const QString html = QString::fromUtf8(toHtml(report));
    QFile file(m_dir.filePath(QStringLiteral("run.html")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(html.toUtf8());
    file.close();
    QVERIFY(html.startsWith(QStringLiteral("<!DOCTYPE html>")));
    QVERIFY(html.contains(QStringLiteral("<meta charset=\"utf-8\">")));
    QVERIFY(html.contains(QStringLiteral("<style>")));

    // Nothing remote: no http(s) or protocol-relative reference in src, href or url().
    static const QRegularExpression remote(
        QStringLiteral("(?:src|href)\\s*=\\s*[\"']?\\s*(?:https?:|//)|url\\(\\s*[\"']?\\s*(?:https?:|//)"),
        QRegularExpression::CaseInsensitiveOption);
    QVERIFY2(!remote.match(html).hasMatch(), qPrintable(remote.match(html).captured()));
    static const QRegularExpression link(QStringLiteral("<link\\b"), QRegularExpression::CaseInsensitiveOption);
    QVERIFY(!link.match(html).hasMatch());

    // Charts are inline PNGs with alt text; one per chart.
    static const QRegularExpression img(QStringLiteral("<img [^>]*src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"[^>]*alt=\"([^\"]+)\""));
    int images = 0;
    for (auto it = img.globalMatch(html); it.hasNext();) {
        const auto match = it.next();
        QImage decoded;
        QVERIFY(decoded.loadFromData(QByteArray::fromBase64(match.captured(1).toLatin1()), "PNG"));
        QCOMPARE(decoded.size(), QSize(1000, 360));
        QVERIFY(!match.captured(2).isEmpty());
        ++images;
    }
    QCOMPARE(images, 3);
    QVERIFY(html.contains(QStringLiteral("no history was recorded around this run")));

    // The facts, every step, escaped text.
    QVERIFY(html.contains(report.run.id));
    QVERIFY(html.contains(QStringLiteral("2.4 s")));
    QVERIFY(html.contains(QStringLiteral("17.25 s")));
    for (const QString &title : stepTitles())
        QVERIFY2(html.contains(title), qPrintable(title));
    QVERIFY(!html.contains(QStringLiteral("<script>")));
    QVERIFY(html.contains(QStringLiteral("&lt;script&gt;alert(1)&lt;/script&gt; &amp; other &quot;quotes&quot;")));
    QVERIFY(html.contains(QStringLiteral("<span class=\"broken\">BROKEN at entry 1012")));
    QVERIFY(html.contains(QStringLiteral("audit event number 50 of the drill")));
    QVERIFY(html.contains(report.contentSha256));
    QVERIFY(html.contains(QStringLiteral("lag is from a known backfill")));
    QVERIFY(html.contains(QStringLiteral("Drill met its objectives.")));
    QVERIFY(html.trimmed().endsWith(QStringLiteral("</html>")));

    // Balanced: every element that was opened is closed (a browser would guess otherwise).
    for (const QString &tag : {QStringLiteral("table"), QStringLiteral("thead"), QStringLiteral("tr"), QStringLiteral("td"),
                              QStringLiteral("th"), QStringLiteral("p"), QStringLiteral("span"), QStringLiteral("h2")}) {
        const QRegularExpression open(QStringLiteral("<%1[\\s>]").arg(tag));
        QCOMPARE(html.count(open), html.count(QStringLiteral("</%1>").arg(tag)));
    }
    QCOMPARE(html.count(QStringLiteral("<table class=\"grid audit\"")), 1);
}

void tst_ReportRender::htmlReadiness()
{
    const QString html = QString::fromUtf8(toHtml(makeReadiness()));
    QVERIFY(html.startsWith(QStringLiteral("<!DOCTYPE html>")));
    QVERIFY(html.contains(QStringLiteral("class=\"overdue\">DRILL OVERDUE: drill overdue by 12 days")));
    QVERIFY(html.contains(QStringLiteral("99.95 %")));
    QVERIFY(html.contains(QStringLiteral("20261001-drill-aaaa")));
    // RTO 3.1 s after 2.4 s: worse; RPO 12 s after 20 s: better.
    QVERIFY(html.contains(QStringLiteral("3.1 s <span class=\"worse\">&#9650; +0.7 worse</span>")));
    QVERIFY(html.contains(QStringLiteral("12 s <span class=\"better\">&#9660; -8 better</span>")));
    QVERIFY(html.contains(QStringLiteral("intact: 1,234 entries")));
    QVERIFY(html.contains(QStringLiteral("data:image/png;base64,")));
}

QString tst_ReportRender::pdfText(const QString &path, bool layout)
{
    QStringList args;
    if (layout)
        args << QStringLiteral("-layout");
    args << path << QStringLiteral("-");
    const Tool tool = runTool(QStringLiteral("pdftotext"), args);
    return tool.exitCode == 0 ? tool.out : QString();
}

void tst_ReportRender::pdfPageSizesAndText_data()
{
    QTest::addColumn<PageSize>("pageSize");
    QTest::addColumn<QSize>("points");
    QTest::newRow("A4") << PageSize::A4 << QSize(595, 842);
    QTest::newRow("Letter") << PageSize::Letter << QSize(612, 792);
}

void tst_ReportRender::pdfPageSizesAndText()
{
    QFETCH(PageSize, pageSize);
    QFETCH(QSize, points);
    const RunReport report = makeRunReport(200);
    const QString path = m_dir.filePath(QStringLiteral("run-%1.pdf").arg(QLatin1String(QTest::currentDataTag())));
    RenderOptions options;
    options.pageSize = pageSize;
    QList<int> seen;
    int total = 0;
    options.progress = [&](int done, int of) {
        seen.append(done);
        total = of;
        return true;
    };
    const auto written = writePdf(report, path, options);
    QVERIFY2(written, qPrintable(written ? QString() : written.error()));

    const Tool info = runTool(QStringLiteral("pdfinfo"), {path});
    QCOMPARE(info.exitCode, 0);
    static const QRegularExpression pagesLine(QStringLiteral("^Pages:\\s+(\\d+)$"), QRegularExpression::MultilineOption);
    const int pages = pagesLine.match(info.out).captured(1).toInt();
    QVERIFY2(pages >= 2, qPrintable(info.out));
    static const QRegularExpression sizeLine(QStringLiteral("^Page size:\\s+([0-9.]+) x ([0-9.]+) pts"),
                                             QRegularExpression::MultilineOption);
    const auto size = sizeLine.match(info.out);
    QVERIFY2(size.hasMatch(), qPrintable(info.out));
    QCOMPARE(QSize(qRound(size.captured(1).toDouble()), qRound(size.captured(2).toDouble())), points);
    QVERIFY2(info.out.contains(QStringLiteral("DR Console report 20261126-101502-drill-3f2a")), qPrintable(info.out));
    QCOMPARE(total, pages);
    QCOMPARE(seen.size(), pages);
    QCOMPARE(seen.back(), pages);

    const QString text = pdfText(path);
    QVERIFY(!text.isEmpty());
    QVERIFY(text.contains(report.run.id));
    QVERIFY(text.contains(QStringLiteral("Page 1 of %1").arg(pages)));
    QVERIFY(text.contains(QStringLiteral("Page %1 of %1").arg(pages)));
    QVERIFY(text.contains(QStringLiteral("2.4 s")));   // RTO
    QVERIFY(text.contains(QStringLiteral("17.25 s"))); // RPO exposure
    QVERIFY(text.contains(QStringLiteral("BROKEN at entry 1012")));
    QVERIFY(text.contains(QStringLiteral("<script>alert(1)</script>")));
    QVERIFY(text.contains(QStringLiteral("audit event number 200 of the drill")));
    for (const QString &title : stepTitles())
        QVERIFY2(text.contains(title), qPrintable(title));
    // The header line on every page.
    static const QRegularExpression header(QStringLiteral("contoso-chat\\s+\u00b7\\s+run 20261126-101502-drill-3f2a\\s+generated 2026-11-26 11:15:02 UTC"));
    int headers = 0;
    for (auto it = header.globalMatch(text); it.hasNext(); it.next())
        ++headers;
    QCOMPARE(headers, pages);
}

void tst_ReportRender::pdfReadiness()
{
    const QString path = m_dir.filePath(QStringLiteral("readiness.pdf"));
    QFile html(m_dir.filePath(QStringLiteral("readiness.html")));
    QVERIFY(html.open(QIODevice::WriteOnly));
    html.write(toHtml(makeReadiness()));
    html.close();
    const auto written = writePdf(makeReadiness(), path);
    QVERIFY2(written, qPrintable(written ? QString() : written.error()));
    const Tool info = runTool(QStringLiteral("pdfinfo"), {path});
    QCOMPARE(info.exitCode, 0);
    const QString text = pdfText(path);
    QVERIFY(text.contains(QStringLiteral("Readiness")));
    QVERIFY(text.contains(QStringLiteral("DRILL OVERDUE")));
    QVERIFY(text.contains(QStringLiteral("20260701-drill-bbbb")));
    QVERIFY(text.contains(QStringLiteral("Page 1 of")));
}

void tst_ReportRender::pdfCancelLeavesNoFile()
{
    const QString path = m_dir.filePath(QStringLiteral("cancelled.pdf"));
    RenderOptions options;
    int calls = 0;
    options.progress = [&](int done, int) {
        ++calls;
        return done < 2;
    };
    const auto written = writePdf(makeRunReport(200), path, options);
    QVERIFY(!written);
    QVERIFY2(written.error().contains(QStringLiteral("cancelled")), qPrintable(written.error()));
    QCOMPARE(calls, 2);
    QVERIFY(!QFile::exists(path));
    const QStringList left = QDir(m_dir.path()).entryList({QStringLiteral("cancelled*")}, QDir::Files);
    QVERIFY2(left.isEmpty(), qPrintable(left.join(u',')));
}

void tst_ReportRender::pdfUnwritablePathIsAnError()
{
    const QString path = m_dir.filePath(QStringLiteral("no/such/folder/run.pdf"));
    const auto written = writePdf(makeRunReport(5), path);
    QVERIFY(!written);
    QVERIFY2(written.error().contains(QStringLiteral("run.pdf")), qPrintable(written.error()));
    QVERIFY(!writePdf(makeRunReport(5), QString()));
}

QTEST_MAIN(tst_ReportRender)
#include "tst_reportrender.moc"
