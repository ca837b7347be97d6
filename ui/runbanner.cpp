#include "runbanner.h"

#include <QAccessible>
#include <QAccessibleWidget>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTimer>

namespace dr::ui {

namespace {

// Qt gives a QFrame no accessible role of its own choosing: a factory says it is an alert,
// so screen readers announce it as one.
QAccessibleInterface *bannerAccessible(const QString &className, QObject *object)
{
    if (className == u"dr::ui::RunBanner" && object && object->isWidgetType())
        return new QAccessibleWidget(static_cast<QWidget *>(object), QAccessible::AlertMessage);
    return nullptr;
}

} // namespace

RunBanner::RunBanner(QWidget *parent)
    : QFrame(parent)
    , m_text(new QLabel(this))
    , m_resume(new QPushButton(tr("Res&ume\u2026"), this))
    , m_rollback(new QPushButton(tr("Ro&ll back\u2026"), this))
    , m_show(new QPushButton(tr("S&how"), this))
    , m_tick(new QTimer(this))
{
    static const bool installed = [] {
        QAccessible::installFactory(bannerAccessible);
        return true;
    }();
    Q_UNUSED(installed);
    setObjectName(QStringLiteral("runBanner"));
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    m_text->setObjectName(QStringLiteral("runBannerText"));
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    QFont bold = m_text->font();
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() * 1.15);
    m_text->setFont(bold);
    m_resume->setObjectName(QStringLiteral("resumeRun"));
    m_rollback->setObjectName(QStringLiteral("rollbackRun"));
    m_show->setObjectName(QStringLiteral("showRun"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 10, 6);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_resume);
    layout->addWidget(m_rollback);
    layout->addWidget(m_show);
    m_tick->setInterval(1000);
    connect(m_tick, &QTimer::timeout, this, &RunBanner::updateRunningText);
    connect(m_resume, &QPushButton::clicked, this, [this] { Q_EMIT resumeRequested(m_runId, m_description); });
    connect(m_rollback, &QPushButton::clicked, this, [this] { Q_EMIT rollbackRequested(m_runId, m_description); });
    connect(m_show, &QPushButton::clicked, this, &RunBanner::showRequested);
    clear();
}

QString RunBanner::describe(const QString &kind, const QString &target)
{
    QString words = kind;
    words.replace(u'-', u' ');
    return target.isEmpty() ? words : tr("%1 to %2").arg(words, target);
}

QString RunBanner::describe(const RunRecord &run)
{
    return describe(run.kind, run.target);
}

int RunBanner::stoppedAt(const QList<StepRecord> &steps)
{
    for (const StepRecord &s : steps) {
        if (s.state == StepState::Running)
            return s.index;
    }
    for (const StepRecord &s : steps) {
        if (s.state == StepState::Failed || s.state == StepState::UndoFailed || s.state == StepState::Undone)
            return s.index;
    }
    for (const StepRecord &s : steps) {
        if (s.state == StepState::Pending)
            return s.index;
    }
    return -1;
}

QString RunBanner::text() const
{
    return m_text->text();
}

void RunBanner::setMode(Mode mode, const QString &background)
{
    m_mode = mode;
    m_tick->stop();
    m_resume->setVisible(mode == Mode::Interrupted);
    m_rollback->setVisible(mode == Mode::Interrupted);
    m_show->setVisible(mode == Mode::Running);
    // The words say it too ("interrupted", "in progress"): never colour alone.
    setStyleSheet(background.isEmpty()
            ? QString()
            : QStringLiteral("QFrame#runBanner { background: %1; border: 2px solid #000; } "
                             "QLabel#runBannerText { color: #000; }")
                  .arg(background));
    setVisible(mode != Mode::Hidden);
}

void RunBanner::showInterrupted(const RunRecord &run, const QList<StepRecord> &steps, int more)
{
    m_runId = run.id;
    m_description = describe(run);
    const int at = stoppedAt(steps);
    QString title;
    for (const StepRecord &s : steps) {
        if (s.index == at)
            title = s.title;
    }
    const QString what = run.state == RunState::Halted ? tr("was halted") : tr("was interrupted");
    QString text = at >= 0 ? tr("Run %1 (%2) %3 at step %4: %5").arg(run.id, m_description, what).arg(at + 1).arg(title)
                           : tr("Run %1 (%2) %3").arg(run.id, m_description, what);
    if (more > 0)
        text += u' ' + tr("(and %n more interrupted run(s))", nullptr, more);
    m_text->setText(text);
    setAccessibleName(text);
    setMode(Mode::Interrupted, QStringLiteral("#ffb3b3"));
}

void RunBanner::showRunning(const QString &runId, const QString &kind, const QString &target, const QDateTime &started)
{
    m_runId = runId;
    m_description = describe(kind, target);
    m_started = started.isValid() ? started : QDateTime::currentDateTimeUtc();
    m_step.clear();
    setMode(Mode::Running, QStringLiteral("#ffe08a"));
    updateRunningText();
    m_tick->start();
}

void RunBanner::setRunningStep(int index, int count, const QString &title)
{
    if (m_mode != Mode::Running)
        return;
    m_step = count > 0 ? tr("step %1 of %2: %3").arg(index + 1).arg(count).arg(title)
                       : tr("step %1: %2").arg(index + 1).arg(title);
    updateRunningText();
}

void RunBanner::updateRunningText()
{
    const qint64 s = qMax<qint64>(0, m_started.secsTo(QDateTime::currentDateTimeUtc()));
    const QString elapsed = QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    const QString text = m_step.isEmpty()
        ? tr("Run %1 (%2) in progress, %3 elapsed").arg(m_runId, m_description, elapsed)
        : tr("Run %1 (%2) in progress at %3, %4 elapsed").arg(m_runId, m_description, m_step, elapsed);
    m_text->setText(text);
    setAccessibleName(text);
}

void RunBanner::showError(const QString &message)
{
    m_runId.clear();
    m_text->setText(message);
    setAccessibleName(message);
    setMode(Mode::Error, QStringLiteral("#ffd6a5"));
}

void RunBanner::clear()
{
    m_runId.clear();
    m_text->clear();
    setAccessibleName(QString());
    setMode(Mode::Hidden, QString());
}

} // namespace dr::ui
