#pragma once

// Page 6: what the run achieved, from the journal: the outcome, measured RTO against the
// objective (PASS/FAIL), RPO exposure and index lag at the switch, every step's outcome, and
// the downtime users saw when a `drlab traffic --json` measurement is attached (the console
// cannot see users' requests itself: "not measured" otherwise).

#include <QJsonObject>
#include <QWizardPage>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace dr::ui {

class FailoverWizard;

class SummaryPage : public QWizardPage
{
    Q_OBJECT

public:
    explicit SummaryPage(FailoverWizard *wizard);

    void initializePage() override;

    // Reads a `drlab traffic --json` document; an error says what is wrong with the file.
    bool attachTrafficFile(const QString &path);
    QString outcomeText() const;
    QString rtoText() const;
    QString rpoText() const;
    QString indexLagText() const;
    QString trafficText() const;
    QTreeWidget *stepView() const { return m_steps; }
    QPushButton *attachButton() const { return m_attach; }

    // The traffic line for a drlab traffic document (or why it cannot be read).
    static QString describeTraffic(const QJsonObject &traffic);

private:
    void chooseTrafficFile();

    FailoverWizard *m_wizard;
    QLabel *m_outcome;
    QLabel *m_rto;
    QLabel *m_rpo;
    QLabel *m_indexLag;
    QLabel *m_traffic;
    QPushButton *m_attach;
    QTreeWidget *m_steps;
};

} // namespace dr::ui
