#include "profileerrordialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace dr::ui {

ProfileErrorDialog::ProfileErrorDialog(
    const QString &profilePath, const QString &issues, QWidget *parent)
    : QDialog(parent)
    , m_path(profilePath)
    , m_issues(new QPlainTextEdit(this))
{
    setObjectName(QStringLiteral("profileErrorDialog"));
    setWindowTitle(tr("The profile cannot be used"));
    auto *intro
        = new QLabel(tr("DR Console cannot watch %1. Fix every problem below and open it again.")
                         .arg(profilePath),
            this);
    intro->setWordWrap(true);
    m_issues->setReadOnly(true);
    m_issues->setPlainText(issues);
    m_issues->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_issues->setAccessibleName(tr("Problems in the profile"));
    m_issues->setMinimumSize(640, 200);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton *another
        = buttons->addButton(tr("Open another profile\u2026"), QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(another, &QPushButton::clicked, this, [this] {
        accept();
        emit openAnotherRequested();
    });
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_issues, 1);
    layout->addWidget(buttons);
}

QString ProfileErrorDialog::issuesText() const
{
    return m_issues->toPlainText();
}

} // namespace dr::ui
