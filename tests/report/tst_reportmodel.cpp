// The report model (core/report/report.h) built from a real run journal, a real audit trail
// and a real history file in a temporary folder, filled through their own APIs: measures and
// verdicts, gates, steps, overrides, notes, certificates, the chain's verification (intact,
// tampered, keyless), the content hash, the JSON round trip, the CSV form, and the drill
// schedule (with its profile loader errors).

#include "csv.h"
#include "history/historyrecorder.h"
#include "history/historystore.h"
#include "profile/profileloader.h"
#include "report/render.h"
#include "report/report.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace dr;
using namespace dr::report;
using dr::test::parseCsv;

namespace {

// A clock the test sets (the report's generatedAt, the history's "now").
class FixedClock : public Clock
{
public:
    explicit FixedClock(const QDateTime &now) : m_now(now) { }
    QDateTime nowUtc() const override { return m_now; }
    qint64 elapsedMs() const override { return m_now.toMSecsSinceEpoch(); }
    QDateTime m_now;
};

const QString kProfile = QString::fromUtf8(R"json({
  "schemaVersion": 1,
  "name": "Report test",
  "environment": "lab",
  "objectives": {"rpoSeconds": 900, "rtoSeconds": 60, "indexLagDocuments": 100},
  "regions": [
    {"id": "west", "displayName": "West", "role": "primary",
     "components": [{"id": "bot-api", "kind": "bot-api", "endpoint": "https://bot-west.example.com/health"}]},
    {"id": "north", "displayName": "North", "role": "secondary",
     "components": [{"id": "bot-api", "kind": "bot-api", "endpoint": "https://bot-north.example.com/health"}]}
  ],
  "routing": {"kind": "haproxy", "publicUrl": "https://bot.example.com",
              "settings": {"runtimeApi": "127.0.0.1:9999", "backend": "bot"},
              "targets": {"west": "west-server", "north": "north-server"}}DRILLS
})json");

Profile loadProfile(const QString &drills = QString())
{
    QString text = kProfile;
    text.replace(QStringLiteral("DRILLS"), drills.isEmpty() ? QString() : QString(QStringLiteral(",\n  \"drills\": ") + drills));
    auto p = ProfileLoader::loadData(text.toUtf8(), QStringLiteral("report-test.json"));
    if (!p) {
        qWarning("%s", qPrintable(ProfileLoader::formatIssues(p.error(), QStringLiteral("report-test.json"))));
        return {};
    }
    return *p;
}


Step step(const QString &id, StepKind kind, const QString &title)
{
    Step s;
    s.id = id;
    s.kind = kind;
    s.title = title;
    return s;
}

const Measure *measure(const QList<Measure> &measures, const QString &id)
{
    for (const Measure &m : measures) {
        if (m.id == id)
            return &m;
    }
    return nullptr;
}

} // namespace

class tst_ReportModel : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void runReportMeasuresGatesAndSteps();
    void failedObjectiveFailsTheRun();
    void notMeasuredIsNeverAPass();
    void unknownRunIsAnError();
    void jsonRoundTrip();
    void csvHasOneRowPerGateAndStep();
    void tamperedTrailSaysBroken();
    void keylessTrailIsNotVerified();
    void chartsFromHistory();
    void readinessReport();
    void drillSchedule_data();
    void drillSchedule();
    void drillsLoaderErrors_data();
    void drillsLoaderErrors();

private:
    // A finished drill: 8 steps (two gates, one overridden), audited, with a note and a verdict.
    QString addDrill(const QDateTime &started, const QJsonObject &extraData = {}, RunState state = RunState::Succeeded);
    ReportSources sources();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FixedClock> m_clock;
    std::unique_ptr<RunJournal> m_journal;
    std::unique_ptr<AuditTrail> m_audit;
    Profile m_profile;
    int m_runs = 0;
};

void tst_ReportModel::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_clock = std::make_unique<FixedClock>(QDateTime(QDate(2026, 11, 26), QTime(12, 0), Qt::UTC));
    m_journal = std::make_unique<RunJournal>(m_dir->filePath(QStringLiteral("journal.sqlite")), m_clock.get());
    QVERIFY(m_journal->open().has_value());
    m_audit = std::make_unique<AuditTrail>(m_dir->filePath(QStringLiteral("audit.sqlite")), QByteArrayLiteral("0123456789abcdef0123456789abcdef"),
                                           m_clock.get());
    QVERIFY(m_audit->open().has_value());
    m_profile = loadProfile(QStringLiteral(R"~({"schedule": "quarterly"})~"));
    QCOMPARE(m_profile.name, QStringLiteral("Report test"));
    m_runs = 0;
}

void tst_ReportModel::cleanup()
{
    m_audit.reset();
    m_journal.reset();
    m_dir.reset();
}

ReportSources tst_ReportModel::sources()
{
    ReportSources s;
    s.profile = &m_profile;
    s.journal = m_journal.get();
    s.audit = m_audit.get();
    s.clock = m_clock.get();
    s.generator = QStringLiteral("tst_reportmodel");
    return s;
}

QString tst_ReportModel::addDrill(const QDateTime &started, const QJsonObject &extraData, RunState state)
{
    RunRecord run;
    run.id = QStringLiteral("%1-drill-%2").arg(started.toString(QStringLiteral("yyyyMMdd-hhmmss"))).arg(++m_runs);
    run.kind = QStringLiteral("drill");
    run.mode = QStringLiteral("planned");
    run.source = QStringLiteral("west");
    run.target = QStringLiteral("north");
    run.profileName = m_profile.name;
    run.operatorName = QStringLiteral("alice");
    run.host = QStringLiteral("ws1");
    run.started = started;
    const QList<Step> steps{step(QStringLiteral("lock.acquire"), StepKind::Action, QStringLiteral("Take the run lock")),
                            step(QStringLiteral("gate.target-components"), StepKind::Gate, QStringLiteral("North's components are healthy")),
                            step(QStringLiteral("gate.storage-replication"), StepKind::Gate, QStringLiteral("Storage replication, within the RPO")),
                            step(QStringLiteral("switch.enable-target"), StepKind::Action, QStringLiteral("Put north in the global routing")),
                            step(QStringLiteral("switch.disable-source"), StepKind::Action, QStringLiteral("Put west in maintenance")),
                            step(QStringLiteral("verify.synthetic-chat"), StepKind::Verify, QStringLiteral("Verify north answers")),
                            step(QStringLiteral("back.gate.target-components"), StepKind::Gate, QStringLiteral("West's components are healthy (west)")),
                            step(QStringLiteral("lock.release"), StepKind::Action, QStringLiteral("Release the run lock"))};
    if (!m_journal->createRun(run, steps))
        return {};
    QDateTime t = started;
    for (int i = 0; i < steps.size(); ++i) {
        StepRecord r;
        r.index = i;
        r.id = steps.at(i).id;
        r.title = steps.at(i).title;
        r.kind = steps.at(i).kind;
        r.critical = i != 7;
        r.attempts = 1;
        r.started = t;
        t = t.addMSecs(1500);
        r.ended = t;
        r.state = i == 7 ? StepState::Failed : StepState::Succeeded;
        // Commas, quotes and a line break: the CSV must quote them.
        r.detail = i == 7 ? QStringLiteral("lease \"lost\", retried\nthen gave up") : QStringLiteral("ok %1").arg(i);
        if (i == 2)
            r.data = QJsonObject{{QStringLiteral("overridden"), true}};
        m_journal->updateStep(run.id, r);
        m_audit->append(steps.at(i).kind == StepKind::Gate ? QStringLiteral("gate") : QStringLiteral("step"), QStringLiteral("alice"), run.id,
                        QStringLiteral("Step %1 (%2) done").arg(i + 1).arg(steps.at(i).title));
        if (i == 2) {
            m_audit->append(QStringLiteral("override"), QStringLiteral("alice"), run.id,
                            QStringLiteral("Storage replication overridden by break-glass (replica checked by hand): lag 20 min"),
                            QJsonObject{{QStringLiteral("gate"), QJsonObject{{QStringLiteral("id"), QStringLiteral("gate.storage-replication")},
                                                                              {QStringLiteral("reason"), QStringLiteral("lag 20 min")}}}});
        }
    }
    m_audit->append(QStringLiteral("note"), QStringLiteral("alice"), run.id, QStringLiteral("Smooth drill, bob watched the dashboards"));
    m_audit->append(QStringLiteral("sign-in"), QStringLiteral("bob"), QString(), QStringLiteral("bob signed in as viewer")); // not the run's
    run.state = state;
    run.ended = t;
    run.outcome = QStringLiteral("west serves again; drill PASS");
    run.params = QJsonObject{{QStringLiteral("breakGlassReason"), QStringLiteral("replica checked by hand")}};
    QJsonObject data{{QStringLiteral("rtoMs"), 2400},
                     {QStringLiteral("back.rtoMs"), 3100},
                     {QStringLiteral("rpoExposureSeconds"), 4},
                     {QStringLiteral("indexLagDocuments"), 0},
                     {QStringLiteral("switchAt"), started.addSecs(4).toString(Qt::ISODateWithMs)},
                     {QStringLiteral("verifiedAt"), started.addSecs(6).toString(Qt::ISODateWithMs)},
                     {QStringLiteral("switchToVerifiedMs"), 2000},
                     {QStringLiteral("scorecard"), QJsonObject{{QStringLiteral("verdict"), QStringLiteral("PASS")}}},
                     {QStringLiteral("gateSnapshot"),
                      QJsonObject{{QStringLiteral("at"), started.toString(Qt::ISODateWithMs)},
                                  {QStringLiteral("certificates"),
                                   QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("global")},
                                                          {QStringLiteral("endpoint"), QStringLiteral("bot.example.com:443")},
                                                          {QStringLiteral("notAfter"), QStringLiteral("2027-02-01T00:00:00.000Z")},
                                                          {QStringLiteral("daysLeft"), 67},
                                                          {QStringLiteral("state"), QStringLiteral("ok")}}}}}},
                     {QStringLiteral("traffic"), QJsonObject{{QStringLiteral("sent"), 100}, {QStringLiteral("succeeded"), 98},
                                                             {QStringLiteral("failed"), 2}, {QStringLiteral("longestOutageMs"), 1500}}},
                     {QStringLiteral("verdict"), QJsonObject{{QStringLiteral("pass"), true}, {QStringLiteral("author"), QStringLiteral("alice")},
                                                             {QStringLiteral("at"), t.toString(Qt::ISODateWithMs)},
                                                             {QStringLiteral("note"), QStringLiteral("as planned")}}}};
    for (auto it = extraData.begin(); it != extraData.end(); ++it) {
        if (it.value().isNull())
            data.remove(it.key());
        else
            data.insert(it.key(), it.value());
    }
    run.data = data;
    if (!m_journal->updateRun(run))
        return {};
    return run.id;
}

void tst_ReportModel::runReportMeasuresGatesAndSteps()
{
    const QString id = addDrill(m_clock->m_now.addDays(-2));
    QVERIFY(!id.isEmpty());
    addDrill(m_clock->m_now.addDays(-1)); // another run: none of its entries belong here
    const auto report = buildRunReport(sources(), id);
    QVERIFY2(report.has_value(), qPrintable(report ? QString() : report.error()));

    QCOMPARE(report->run.id, id);
    QCOMPARE(report->profileName, QStringLiteral("Report test"));
    QCOMPARE(report->environment, QStringLiteral("lab"));
    const Measure *rto = measure(report->measures, QStringLiteral("rto"));
    QVERIFY(rto);
    QCOMPARE(*rto->achieved, 3.1); // the worse of the two legs
    QCOMPARE(*rto->objective, 60.0);
    QCOMPARE(rto->verdict, Verdict::Pass);
    QCOMPARE(*measure(report->measures, QStringLiteral("rpo-exposure"))->achieved, 4.0);
    QCOMPARE(measure(report->measures, QStringLiteral("rpo-exposure"))->verdict, Verdict::Pass);
    QCOMPARE(*measure(report->measures, QStringLiteral("index-lag"))->achieved, 0.0);
    QCOMPARE(*measure(report->measures, QStringLiteral("downtime"))->achieved, 1.5);
    QCOMPARE(measure(report->measures, QStringLiteral("downtime"))->verdict, Verdict::Pass);
    const Measure *s2v = measure(report->measures, QStringLiteral("switch-to-verified"));
    QVERIFY(!s2v->objective);
    QCOMPARE(*s2v->achieved, 2.0);
    QCOMPARE(report->overall, Verdict::Pass);

    QCOMPARE(report->steps.size(), qsizetype(8));
    QCOMPARE(report->steps.first().index, 1);
    QCOMPARE(report->steps.at(7).state, QStringLiteral("failed"));
    QCOMPARE(report->steps.at(3).durationMs, qint64(1500));
    QCOMPARE(report->gates.size(), qsizetype(3));
    QCOMPARE(report->gates.at(0).outcome, QStringLiteral("passed"));
    QCOMPARE(report->gates.at(1).outcome, QStringLiteral("overridden"));
    QCOMPARE(report->gates.at(2).id, QStringLiteral("back.gate.target-components"));
    QCOMPARE(report->overrides.size(), qsizetype(1));
    QCOMPARE(report->overrides.first().gate, QStringLiteral("gate.storage-replication"));
    QVERIFY(report->overrides.first().reason.contains(QStringLiteral("replica checked by hand")));
    QCOMPARE(report->notes.size(), qsizetype(1));
    QCOMPARE(report->notes.first().author, QStringLiteral("alice"));
    QVERIFY(report->verdict.recorded && report->verdict.pass);
    QCOMPARE(report->verdict.note, QStringLiteral("as planned"));
    QCOMPARE(report->certificates.size(), qsizetype(1));
    QCOMPARE(report->certificates.first().daysLeft, 67);
    QVERIFY(report->certificatesNote.contains(QStringLiteral("gates")));
    QCOMPARE(report->traffic.value(QStringLiteral("sent")).toInt(), 100);

    // The run's 10 entries only (8 steps, 1 override, 1 note), the whole trail verified.
    QCOMPARE(report->audit.entries.size(), qsizetype(10));
    for (const AuditEntry &e : report->audit.entries)
        QCOMPARE(e.runId, id);
    QVERIFY(report->audit.verified);
    QVERIFY(report->audit.verification.intact);
    QCOMPARE(report->audit.summary, QStringLiteral("intact: 22 entries"));

    QCOMPARE(report->charts.size(), qsizetype(2));
    QVERIFY(!report->charts.at(0).emptyReason.isEmpty()); // no history given
    QVERIFY(report->contentSha256.contains(QRegularExpression(QStringLiteral("^[0-9a-f]{64}$"))));
    QCOMPARE(reportContentHash(*report), report->contentSha256);
    RunReport changed = *report;
    changed.steps[0].detail += u'!';
    QVERIFY(reportContentHash(changed) != report->contentSha256);
}

void tst_ReportModel::failedObjectiveFailsTheRun()
{
    m_profile.objectives.rtoSeconds = 3; // 3.1 s misses it
    const QString id = addDrill(m_clock->m_now.addDays(-1));
    const auto report = buildRunReport(sources(), id);
    QVERIFY(report.has_value());
    QCOMPARE(measure(report->measures, QStringLiteral("rto"))->verdict, Verdict::Fail);
    QCOMPARE(report->overall, Verdict::Fail);

    m_profile.objectives.rtoSeconds = 60;
    const QString failed = addDrill(m_clock->m_now.addDays(-1), {}, RunState::Failed);
    const auto failedReport = buildRunReport(sources(), failed);
    QVERIFY(failedReport.has_value());
    QCOMPARE(failedReport->overall, Verdict::Fail); // every figure passes, the run did not
}

void tst_ReportModel::notMeasuredIsNeverAPass()
{
    const QString id = addDrill(m_clock->m_now.addDays(-1), {{QStringLiteral("traffic"), QJsonValue()},
                                                             {QStringLiteral("rtoMs"), QJsonValue()},
                                                             {QStringLiteral("back.rtoMs"), QJsonValue()}});
    const auto report = buildRunReport(sources(), id);
    QVERIFY(report.has_value());
    const Measure *downtime = measure(report->measures, QStringLiteral("downtime"));
    QCOMPARE(downtime->verdict, Verdict::NotMeasured);
    QVERIFY(!downtime->achieved);
    QVERIFY(downtime->note.startsWith(QStringLiteral("not measured")));
    QCOMPARE(measure(report->measures, QStringLiteral("rto"))->verdict, Verdict::NotMeasured);
    QCOMPARE(report->overall, Verdict::Pass); // RPO and index lag were measured and pass

    // Traffic given to the builder counts even when the run has none.
    ReportSources s = sources();
    s.traffic = QJsonObject{{QStringLiteral("sent"), 10}, {QStringLiteral("failed"), 5}, {QStringLiteral("longestOutageMs"), 120000}};
    const auto withTraffic = buildRunReport(s, id);
    QCOMPARE(measure(withTraffic->measures, QStringLiteral("downtime"))->verdict, Verdict::Fail);
    QCOMPARE(withTraffic->overall, Verdict::Fail);
}

void tst_ReportModel::unknownRunIsAnError()
{
    const auto report = buildRunReport(sources(), QStringLiteral("20260101-000000-drill-none"));
    QVERIFY(!report.has_value());
    QVERIFY2(report.error().contains(QStringLiteral("20260101-000000-drill-none")), qPrintable(report.error()));
    ReportSources noJournal = sources();
    noJournal.journal = nullptr;
    QVERIFY(!buildRunReport(noJournal, QStringLiteral("x")).has_value());
}

void tst_ReportModel::jsonRoundTrip()
{
    const QString id = addDrill(m_clock->m_now.addDays(-1));
    const auto report = buildRunReport(sources(), id);
    QVERIFY(report.has_value());
    const QJsonObject json = toJson(*report);
    QCOMPARE(json.value(QStringLiteral("schema")).toString(), QString::fromLatin1(kRunReportSchema));
    QCOMPARE(json.value(QStringLiteral("overall")).toString(), QStringLiteral("PASS"));
    // Through text, as a tool would read the file.
    const QJsonObject reread = QJsonDocument::fromJson(QJsonDocument(json).toJson()).object();
    const auto parsed = runReportFromJson(reread);
    QVERIFY2(parsed.has_value(), qPrintable(parsed ? QString() : parsed.error()));
    QCOMPARE(toJson(*parsed), json);
    QCOMPARE(reportContentHash(*parsed), report->contentSha256);
    QCOMPARE(parsed->steps.size(), report->steps.size());
    QCOMPARE(parsed->audit.entries.size(), report->audit.entries.size());
    QCOMPARE(*measure(parsed->measures, QStringLiteral("rto"))->achieved, 3.1);

    QVERIFY(!runReportFromJson(QJsonObject{{QStringLiteral("schema"), QStringLiteral("other/1")}}).has_value());
    QJsonObject badState = json;
    QJsonObject run = badState.value(QStringLiteral("run")).toObject();
    run.insert(QStringLiteral("state"), QStringLiteral("sideways"));
    badState.insert(QStringLiteral("run"), run);
    QVERIFY(!runReportFromJson(badState).has_value());
}

void tst_ReportModel::csvHasOneRowPerGateAndStep()
{
    const QString id = addDrill(m_clock->m_now.addDays(-1));
    const auto report = buildRunReport(sources(), id);
    QVERIFY(report.has_value());
    const QByteArray csv = toCsv(*report);
    QVERIFY(csv.endsWith("\r\n"));
    const QList<QStringList> rows = parseCsv(csv);
    QVERIFY(rows.size() > 1);
    const QStringList header = rows.first();
    QCOMPARE(header.first(), QStringLiteral("section"));
    const int section = 0;
    const int idColumn = int(header.indexOf(QStringLiteral("id")));
    const int achieved = int(header.indexOf(QStringLiteral("achieved")));
    const int verdict = int(header.indexOf(QStringLiteral("verdict")));
    const int detail = int(header.indexOf(QStringLiteral("detail")));
    QVERIFY(idColumn > 0 && achieved > 0 && verdict > 0 && detail > 0);
    int gates = 0, steps = 0;
    QString rto, runId, lastStepDetail;
    for (const QStringList &row : rows.mid(1)) {
        QCOMPARE(row.size(), header.size()); // every row has every column, even quoted line breaks
        if (row.at(section) == u"gate")
            ++gates;
        if (row.at(section) == u"step") {
            ++steps;
            lastStepDetail = row.at(detail);
        }
        if (row.at(section) == u"measure" && row.at(idColumn) == u"rto")
            rto = row.at(achieved);
        if (row.at(section) == u"run")
            runId = row.at(idColumn);
    }
    QCOMPARE(qsizetype(gates), report->gates.size());
    QCOMPARE(qsizetype(steps), report->steps.size());
    QCOMPARE(runId, id);
    // The CSV's figure is the JSON's.
    QCOMPARE(rto.toDouble(), toJson(*report).value(QStringLiteral("measures")).toArray().at(0).toObject().value(QStringLiteral("achieved")).toDouble());
    QCOMPARE(lastStepDetail, QStringLiteral("lease \"lost\", retried\nthen gave up"));
}

void tst_ReportModel::tamperedTrailSaysBroken()
{
    const QString id = addDrill(m_clock->m_now.addDays(-1));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("tamper"));
        db.setDatabaseName(m_dir->filePath(QStringLiteral("audit.sqlite")));
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("UPDATE entries SET summary = summary || 'x' WHERE seq = 3")));
        QCOMPARE(q.numRowsAffected(), 1);
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("tamper"));
    const auto report = buildRunReport(sources(), id);
    QVERIFY2(report.has_value(), qPrintable(report ? QString() : report.error()));
    QVERIFY(report->audit.verified);
    QVERIFY(!report->audit.verification.intact);
    QVERIFY2(report->audit.summary.startsWith(QStringLiteral("BROKEN at entry 3")), qPrintable(report->audit.summary));
    QVERIFY(QString::fromUtf8(toCsv(*report)).contains(QStringLiteral("BROKEN at entry 3")));
    QCOMPARE(toJson(*report).value(QStringLiteral("audit")).toObject().value(QStringLiteral("intact")).toBool(true), false);
}

void tst_ReportModel::keylessTrailIsNotVerified()
{
    const QString id = addDrill(m_clock->m_now.addDays(-1));
    ReportSources s = sources();
    s.audit = nullptr;
    s.auditPath = m_dir->filePath(QStringLiteral("audit.sqlite"));
    const auto report = buildRunReport(s, id);
    QVERIFY(report.has_value());
    QVERIFY(!report->audit.verified);
    QVERIFY2(report->audit.summary.startsWith(QStringLiteral("not verified")), qPrintable(report->audit.summary));
    QCOMPARE(report->audit.entries.size(), qsizetype(10));

    s.auditPath = m_dir->filePath(QStringLiteral("missing.sqlite"));
    const auto missing = buildRunReport(s, id);
    QVERIFY(missing.has_value());
    QVERIFY(missing->audit.summary.startsWith(QStringLiteral("not verified")));
    QVERIFY(missing->audit.entries.isEmpty());
}

void tst_ReportModel::chartsFromHistory()
{
    const QDateTime started = m_clock->m_now.addSecs(-3600);
    const QString id = addDrill(started);
    HistoryStore::Options o;
    o.flushIntervalMs = 0;
    o.compactIntervalMs = 0;
    HistoryStore history(m_clock.get(), o);
    QVERIFY(history.open(m_dir->filePath(QStringLiteral("history.sqlite"))).has_value());
    for (int i = -30; i < 60; ++i) {
        const QDateTime at = started.addSecs(i * 10);
        history.record(HistoryRecorder::replicationLagSecondsKey(), at, 5 + (i % 3));
        history.record(HistoryRecorder::latencyKey(QStringLiteral("west/bot-api")), at, 40);
        history.record(HistoryRecorder::latencyKey(QStringLiteral("north/bot-api")), at, 55);
        history.record(HistoryRecorder::latencyKey(QStringLiteral("west/kb")), at, 99); // not a bot
    }
    history.record(HistoryRecorder::replicationLagSecondsKey(), started.addDays(-1), 999); // outside the window
    QVERIFY(history.flush().has_value());
    ReportSources s = sources();
    s.history = &history;
    const auto report = buildRunReport(s, id);
    QVERIFY(report.has_value());
    const Chart &lag = report->charts.at(0);
    QCOMPARE(lag.id, QStringLiteral("lag"));
    QVERIFY2(lag.emptyReason.isEmpty(), qPrintable(lag.emptyReason));
    QCOMPARE(lag.series.size(), qsizetype(1));
    QCOMPARE(lag.series.first().key, QStringLiteral("replication/lagSeconds"));
    for (const ChartPoint &p : lag.series.first().points) {
        QVERIFY(p.atMs >= lag.fromMs && p.atMs <= lag.toMs);
        QVERIFY(p.value < 10);
    }
    QCOMPARE(lag.fromMs, started.addMSecs(-kChartMarginMs).toMSecsSinceEpoch());
    QStringList labels;
    for (const ChartMarker &m : lag.markers)
        labels.append(m.label);
    QCOMPARE(labels, (QStringList{QStringLiteral("run start"), QStringLiteral("switch"), QStringLiteral("verified"), QStringLiteral("run end")}));
    const Chart &latency = report->charts.at(1);
    QCOMPARE(latency.series.size(), qsizetype(2));
    QStringList keys{latency.series.at(0).key, latency.series.at(1).key};
    keys.sort();
    QCOMPARE(keys, (QStringList{QStringLiteral("latency/north/bot-api"), QStringLiteral("latency/west/bot-api")}));
}

void tst_ReportModel::readinessReport()
{
    addDrill(m_clock->m_now.addDays(-100)); // quarterly: due 3 months later, overdue now
    const QDateTime from = m_clock->m_now.addDays(-30);
    HistoryStore::Options o;
    o.flushIntervalMs = 0;
    o.compactIntervalMs = 0;
    HistoryStore history(m_clock.get(), o);
    QVERIFY(history.open(m_dir->filePath(QStringLiteral("history.sqlite"))).has_value());
    for (int i = 0; i < 100; ++i) {
        const QDateTime at = m_clock->m_now.addSecs(-3600 + i * 30);
        history.record(HistoryRecorder::upKey(QStringLiteral("west/bot-api")), at, i < 90 ? 1 : 0); // 90 %
        history.record(HistoryRecorder::replicationLagSecondsKey(), at, i == 50 ? 1200 : 10);
        history.record(HistoryRecorder::indexLagDocumentsKey(), at, i == 20 ? 42 : 0);
    }
    QVERIFY(history.flush().has_value());
    ReportSources s = sources();
    s.history = &history;
    s.statusSnapshot = QJsonDocument::fromJson(R"({"activeRegion": "west", "takenAt": "2026-11-26T12:00:00.000Z",
        "regions": [{"id": "west", "components": [{"id": "bot-api", "state": "ok"}]},
                    {"id": "north", "components": [{"id": "bot-api", "state": "down"}]}],
        "certificates": [{"id": "late", "endpoint": "a:443", "notAfter": "2027-06-01T00:00:00.000Z", "daysLeft": 187, "state": "ok"},
                         {"id": "unknown", "endpoint": "b:443", "notAfter": null, "state": "unknown"},
                         {"id": "soon", "endpoint": "c:443", "notAfter": "2026-12-01T00:00:00.000Z", "daysLeft": 5, "state": "critical"}]})")
                           .object();
    const auto report = buildReadinessReport(s, from, m_clock->m_now);
    QVERIFY2(report.has_value(), qPrintable(report ? QString() : report.error()));
    QCOMPARE(report->activeRegion, QStringLiteral("west"));
    QCOMPARE(report->overallNow, QStringLiteral("down"));
    QCOMPARE(report->components.size(), qsizetype(2));
    QCOMPARE(report->components.at(0).stateNow, QStringLiteral("ok"));
    QCOMPARE(report->components.at(0).uptimePercent, 90.0);
    QCOMPARE(report->components.at(0).samples, qint64(100));
    QCOMPARE(report->components.at(1).uptimePercent, -1.0); // nothing recorded
    QCOMPARE(*report->worstReplicationLagSeconds, 1200.0);
    QCOMPARE(*report->worstIndexLagDocuments, 42.0);
    QCOMPARE(measure(report->measures, QStringLiteral("worst-replication-lag"))->verdict, Verdict::Fail); // 1200 > 900
    QCOMPARE(measure(report->measures, QStringLiteral("worst-index-lag"))->verdict, Verdict::Pass);
    QCOMPARE(report->certificates.size(), qsizetype(3));
    QCOMPARE(report->certificates.at(0).id, QStringLiteral("soon"));
    QCOMPARE(report->certificates.at(1).id, QStringLiteral("late"));
    QCOMPARE(report->certificates.at(2).id, QStringLiteral("unknown"));
    QVERIFY(report->drills.overdue);
    QVERIFY2(report->drills.summary.contains(QStringLiteral("overdue")), qPrintable(report->drills.summary));
    QCOMPARE(report->recentDrills.size(), qsizetype(1));
    QCOMPARE(report->recentDrills.first().overall, Verdict::Pass);
    QVERIFY(report->audit.verified && report->audit.entries.isEmpty());
    QCOMPARE(reportContentHash(*report), report->contentSha256);
    const QList<QStringList> rows = parseCsv(toCsv(*report));
    int components = 0;
    for (const QStringList &row : rows)
        components += row.first() == u"component" ? 1 : 0;
    QCOMPARE(components, 2);
    QVERIFY(!buildReadinessReport(s, m_clock->m_now, from).has_value()); // an inverted period
}

void tst_ReportModel::drillSchedule_data()
{
    QTest::addColumn<QString>("drills");        // the profile's "drills" (empty: none)
    QTest::addColumn<int>("lastDrillDaysAgo");  // -1: no drill
    QTest::addColumn<bool>("lastRunning");      // a newer drill still running (ignored)
    QTest::addColumn<bool>("overdue");
    QTest::addColumn<QString>("summaryHas");
    QTest::newRow("no schedule, no drill") << QString() << -1 << false << false << QStringLiteral("no drill schedule");
    QTest::newRow("no schedule, a drill") << QString() << 400 << false << false << QStringLiteral("last drill");
    QTest::newRow("quarterly, none yet") << QStringLiteral(R"({"schedule": "quarterly"})") << -1 << false << true << QStringLiteral("no drill recorded");
    QTest::newRow("quarterly, 100 days ago") << QStringLiteral(R"({"schedule": "quarterly"})") << 100 << false << true << QStringLiteral("overdue by");
    QTest::newRow("quarterly, 30 days ago") << QStringLiteral(R"({"schedule": "quarterly"})") << 30 << false << false << QStringLiteral("next drill due");
    QTest::newRow("30 days, 10 ago") << QStringLiteral(R"({"intervalDays": 30})") << 10 << false << false << QStringLiteral("in 20 days");
    QTest::newRow("30 days, 31 ago") << QStringLiteral(R"({"intervalDays": 30})") << 31 << false << true << QStringLiteral("overdue by 1 day (every 30 days");
    QTest::newRow("running drill ignored") << QStringLiteral(R"({"intervalDays": 30})") << 31 << true << true << QStringLiteral("overdue");
    QTest::newRow("annually, 200 ago") << QStringLiteral(R"({"schedule": "annually"})") << 200 << false << false << QStringLiteral("annually");
}

void tst_ReportModel::drillSchedule()
{
    QFETCH(QString, drills);
    QFETCH(int, lastDrillDaysAgo);
    QFETCH(bool, lastRunning);
    QFETCH(bool, overdue);
    QFETCH(QString, summaryHas);
    m_profile = loadProfile(drills);
    QCOMPARE(m_profile.name, QStringLiteral("Report test"));
    QString lastId;
    if (lastDrillDaysAgo >= 0)
        lastId = addDrill(m_clock->m_now.addDays(-lastDrillDaysAgo));
    if (lastRunning)
        addDrill(m_clock->m_now.addDays(-1), {}, RunState::Running);
    const auto s = report::drillSchedule(m_profile, *m_journal, m_clock->m_now);
    QVERIFY(s.has_value());
    QCOMPARE(s->overdue, overdue);
    QVERIFY2(s->summary.contains(summaryHas), qPrintable(s->summary));
    QCOMPARE(s->lastDrill.has_value(), lastDrillDaysAgo >= 0);
    if (s->lastDrill)
        QCOMPARE(s->lastDrill->runId, lastId);
    QCOMPARE(s->dueAt.isValid(), !drills.isEmpty() && lastDrillDaysAgo >= 0);
    if (drills.contains(QStringLiteral("intervalDays")) && lastDrillDaysAgo >= 0)
        QCOMPARE(s->intervalDays, 30);
}

void tst_ReportModel::drillsLoaderErrors_data()
{
    QTest::addColumn<QString>("drills");
    QTest::addColumn<QString>("message");
    QTest::newRow("weekly") << QStringLiteral(R"({"schedule": "weekly"})")
                            << QStringLiteral("/drills/schedule: expected one of monthly, quarterly, semiannually, annually; got \"weekly\"");
    QTest::newRow("zero days") << QStringLiteral(R"({"intervalDays": 0})")
                               << QStringLiteral("/drills/intervalDays: expected an integer from 1 to 3650; got 0");
    QTest::newRow("both") << QStringLiteral(R"({"schedule": "monthly", "intervalDays": 30})")
                          << QStringLiteral("/drills/intervalDays: give either \"schedule\" or \"intervalDays\", not both");
    QTest::newRow("empty") << QStringLiteral("{}") << QStringLiteral("/drills: missing required key \"schedule\"");
    QTest::newRow("typo") << QStringLiteral(R"({"schedul": "monthly"})") << QStringLiteral("unknown key \"schedul\" (did you mean \"schedule\"?)");
    QTest::newRow("not an object") << QStringLiteral(R"("quarterly")") << QStringLiteral("/drills: expected an object; got a string");
}

void tst_ReportModel::drillsLoaderErrors()
{
    QFETCH(QString, drills);
    QFETCH(QString, message);
    QString text = kProfile;
    text.replace(QStringLiteral("DRILLS"), QString(QStringLiteral(",\n  \"drills\": ") + drills));
    const auto p = ProfileLoader::loadData(text.toUtf8(), QStringLiteral("report-test.json"));
    QVERIFY(!p.has_value());
    const QString formatted = ProfileLoader::formatIssues(p.error(), QStringLiteral("report-test.json"));
    QVERIFY2(formatted.contains(message), qPrintable(formatted));
    QVERIFY2(formatted.contains(QRegularExpression(QStringLiteral("report-test.json:15:\\d+: /drills"))), qPrintable(formatted));
}

QTEST_GUILESS_MAIN(tst_ReportModel)
#include "tst_reportmodel.moc"
