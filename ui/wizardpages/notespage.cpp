#include "notespage.h"

#include "../failoverwizard.h"
#include "failover/failovercontroller.h"

#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace dr::ui {

NotesPage::NotesPage(FailoverWizard *wizard)
    : m_wizard(wizard)
    , m_note(new QPlainTextEdit(this))
    , m_error(new QLabel(this))
{
    setObjectName(QStringLiteral("notesPage"));
    setTitle(tr("Notes"));
    setSubTitle(tr("What happened, what you saw, what should change: saved with the run and in the audit trail."));
    m_note->setObjectName(QStringLiteral("note"));
    m_note->setAccessibleName(tr("Note on the run"));
    m_note->setTabChangesFocus(true); // keyboard users must be able to reach Finish
    m_error->setObjectName(QStringLiteral("noteError"));
    m_error->setWordWrap(true);
    m_error->setVisible(false);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_note, 1);
    layout->addWidget(m_error);
}

bool NotesPage::validatePage()
{
    const QString note = m_note->toPlainText().trimmed();
    if (note.isEmpty())
        return true;
    const QString author = m_wizard->operatorSignedIn ? m_wizard->operatorSignedIn->name : QString();
    if (auto saved = m_wizard->controller()->addNote(m_wizard->runId(), author, note); !saved) {
        m_error->setText(tr("The note was not saved: %1").arg(saved.error()));
        m_error->setVisible(true);
        return false;
    }
    m_error->setVisible(false);
    return true;
}

QString NotesPage::errorText() const
{
    return m_error->text();
}

} // namespace dr::ui
