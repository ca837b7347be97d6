#pragma once

// Page 7: the operator's note on the run, saved with FailoverController::addNote() (audited)
// when Finish is pressed; an empty note saves nothing.

#include <QWizardPage>

class QLabel;
class QPlainTextEdit;

namespace dr::ui {

class FailoverWizard;

class NotesPage : public QWizardPage
{
    Q_OBJECT

public:
    explicit NotesPage(FailoverWizard *wizard);

    bool validatePage() override;
    QPlainTextEdit *noteEdit() const { return m_note; }
    QString errorText() const;

private:
    FailoverWizard *m_wizard;
    QPlainTextEdit *m_note;
    QLabel *m_error;
};

} // namespace dr::ui
