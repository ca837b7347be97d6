#include "notespage.h"

#include "../failoverwizard.h"
#include "failover/failovercontroller.h"

#include <QButtonGroup>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QRadioButton>
#include <QVBoxLayout>

namespace dr::ui {

NotesPage::NotesPage(FailoverWizard *wizard)
    : m_wizard(wizard)
    , m_note(new QPlainTextEdit(this))
    , m_verdictBox(new QGroupBox(tr("Drill verdict"), this))
    , m_pass(new QRadioButton(tr("&Pass: the objectives were met"), m_verdictBox))
    , m_fail(new QRadioButton(tr("F&ail: something must change"), m_verdictBox))
    , m_verdict(new QButtonGroup(this))
    , m_error(new QLabel(this))
{
    setObjectName(QStringLiteral("notesPage"));
    setTitle(tr("Notes"));
    setSubTitle(tr("What happened, what you saw, what should change: saved with the run and in the audit trail."));
    m_note->setObjectName(QStringLiteral("note"));
    m_note->setAccessibleName(tr("Note on the run"));
    m_note->setTabChangesFocus(true); // keyboard users must be able to reach Finish
    m_verdictBox->setObjectName(QStringLiteral("verdictBox"));
    m_verdictBox->setAccessibleName(tr("Drill verdict: pass or fail"));
    m_pass->setObjectName(QStringLiteral("verdictPass"));
    m_fail->setObjectName(QStringLiteral("verdictFail"));
    m_verdict->addButton(m_pass);
    m_verdict->addButton(m_fail);
    auto *verdictLayout = new QVBoxLayout(m_verdictBox);
    verdictLayout->addWidget(new QLabel(tr("Leave both unchosen to record no verdict now (the Runs list can record it later)."), m_verdictBox));
    verdictLayout->addWidget(m_pass);
    verdictLayout->addWidget(m_fail);
    verdictLayout->addStretch(1);
    m_verdictBox->setVisible(false);
    m_error->setObjectName(QStringLiteral("noteError"));
    m_error->setWordWrap(true);
    m_error->setVisible(false);
    auto *row = new QHBoxLayout;
    row->addWidget(m_note, 2);
    row->addWidget(m_verdictBox, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(row, 1);
    layout->addWidget(m_error);
}

void NotesPage::initializePage()
{
    m_verdictBox->setVisible(m_wizard->request().flow == Flow::Drill);
}

bool NotesPage::validatePage()
{
    const QString note = m_note->toPlainText().trimmed();
    const QString author = m_wizard->operatorSignedIn ? m_wizard->operatorSignedIn->name : QString();
    const auto refuse = [this](const QString &message) {
        m_error->setText(message);
        m_error->setVisible(true);
        return false;
    };
    if (!note.isEmpty() && !m_noteSaved) {
        if (auto saved = m_wizard->controller()->addNote(m_wizard->runId(), author, note); !saved)
            return refuse(tr("The note was not saved: %1").arg(saved.error()));
        m_noteSaved = true;
    }
    const bool verdictChosen = m_wizard->request().flow == Flow::Drill && m_verdict->checkedButton();
    if (verdictChosen && !m_verdictSaved) {
        if (auto saved = m_wizard->controller()->recordVerdict(m_wizard->runId(), author, m_pass->isChecked(), note); !saved)
            return refuse(tr("The verdict was not recorded: %1").arg(saved.error()));
        m_verdictSaved = true;
    }
    m_error->setVisible(false);
    return true;
}

QString NotesPage::errorText() const
{
    return m_error->text();
}

} // namespace dr::ui
