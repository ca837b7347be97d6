#pragma once

// Page 7: the operator's note on the run, saved with FailoverController::addNote() (audited)
// when Finish is pressed; an empty note saves nothing. For drills, a pass/fail verdict beside
// it (none chosen by default: a verdict is a decision, not a default), recorded with
// FailoverController::recordVerdict() by the signed-in operator, the note as its reason.

#include <QWizardPage>

class QButtonGroup;
class QGroupBox;
class QLabel;
class QPlainTextEdit;
class QRadioButton;

namespace dr::ui {

class FailoverWizard;

class NotesPage : public QWizardPage
{
    Q_OBJECT

public:
    explicit NotesPage(FailoverWizard *wizard);

    void initializePage() override;
    bool validatePage() override;
    QPlainTextEdit *noteEdit() const { return m_note; }
    QGroupBox *verdictBox() const { return m_verdictBox; }
    QRadioButton *passButton() const { return m_pass; }
    QRadioButton *failButton() const { return m_fail; }
    QString errorText() const;

private:
    FailoverWizard *m_wizard;
    QPlainTextEdit *m_note;
    QGroupBox *m_verdictBox;
    QRadioButton *m_pass;
    QRadioButton *m_fail;
    QButtonGroup *m_verdict;
    QLabel *m_error;
    // Finish may be pressed again after a failure: what was saved is not saved twice.
    bool m_noteSaved = false;
    bool m_verdictSaved = false;
};

} // namespace dr::ui
