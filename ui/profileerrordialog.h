#pragma once

// Shown instead of the window content when a profile cannot be used: every problem the
// loader found, one per line as FILE:LINE:COLUMN: POINTER: MESSAGE (the form editors jump
// to), selectable so an operator can copy them. Opened with open(), never exec(): the GUI
// thread keeps running.

#include <QDialog>

class QPlainTextEdit;

namespace dr::ui {

class ProfileErrorDialog : public QDialog
{
    Q_OBJECT

public:
    ProfileErrorDialog(
        const QString &profilePath, const QString &issues, QWidget *parent = nullptr);

    QString profilePath() const { return m_path; }
    QString issuesText() const;

signals:
    void openAnotherRequested();

private:
    QString m_path;
    QPlainTextEdit *m_issues;
};

} // namespace dr::ui
