#include "auditviewer.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSet>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace dr::ui {

namespace {

// Typing pauses this long before the search runs: one query per word, not per key.
constexpr int kSearchDebounceMs = 300;

QString utcText(const QDateTime &at)
{
    return QString(at.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")) + QStringLiteral(" UTC"));
}

} // namespace

void AuditEntryModel::setEntries(const QList<AuditEntry> &entries)
{
    beginResetModel();
    m_entries = entries;
    endResetModel();
}

int AuditEntryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int AuditEntryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AuditEntryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AuditEntry &e = m_entries.at(index.row());
    if (role == Qt::ToolTipRole && index.column() == SummaryColumn)
        return e.summary;
    if (role != Qt::DisplayRole && role != Qt::AccessibleTextRole)
        return {};
    switch (index.column()) {
    case SeqColumn: return e.seq;
    case AtColumn: return utcText(e.at);
    case KindColumn: return e.kind;
    case ActorColumn: return e.actor;
    case RunColumn: return e.runId;
    case SummaryColumn: return e.summary;
    default: return {};
    }
}

QVariant AuditEntryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SeqColumn: return tr("Seq");
    case AtColumn: return tr("At (UTC)");
    case KindColumn: return tr("Kind");
    case ActorColumn: return tr("Operator");
    case RunColumn: return tr("Run");
    case SummaryColumn: return tr("Summary");
    default: return {};
    }
}

AuditViewer::AuditViewer(AuditTrail *trail, QWidget *parent)
    : QDialog(parent)
    , m_trail(trail)
    , m_model(new AuditEntryModel(this))
{
    if (!m_trail)
        m_openError = tr("no audit trail is open for this profile");
    build();
}

AuditViewer::AuditViewer(const QString &path, QWidget *parent)
    : QDialog(parent)
    , m_owned(std::make_unique<AuditTrail>(path, QByteArray()))
    , m_model(new AuditEntryModel(this))
{
    // Opening creates a missing trail; a viewer must not (an empty trail without a key would
    // stand in the way of the key created with the first real one).
    if (!QFileInfo::exists(path))
        m_openError = tr("no audit trail has been written for this profile yet (%1)").arg(path);
    else if (const auto opened = m_owned->open(); opened)
        m_trail = m_owned.get();
    else
        m_openError = opened.error();
    build();
}

AuditViewer::~AuditViewer() = default;

void AuditViewer::build()
{
    setObjectName(QStringLiteral("auditViewer"));
    setWindowTitle(tr("Audit trail"));
    resize(1100, 700);

    m_useFrom = new QCheckBox(tr("&From"), this);
    m_useFrom->setObjectName(QStringLiteral("auditUseFrom"));
    m_useTo = new QCheckBox(tr("&To"), this);
    m_useTo->setObjectName(QStringLiteral("auditUseTo"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const auto makeEdit = [this](const QString &name, const QString &accessible, const QDateTime &at) {
        auto *e = new QDateTimeEdit(at, this);
        e->setObjectName(name);
        e->setAccessibleName(accessible);
        e->setTimeSpec(Qt::UTC);
        e->setDateTime(at);
        e->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        e->setCalendarPopup(true);
        e->setEnabled(false);
        return e;
    };
    m_from = makeEdit(QStringLiteral("auditFrom"), tr("From (UTC)"), now.addDays(-30));
    m_to = makeEdit(QStringLiteral("auditTo"), tr("To (UTC)"), now);
    m_actor = new QComboBox(this);
    m_actor->setObjectName(QStringLiteral("auditActor"));
    m_actor->setAccessibleName(tr("Operator"));
    m_actor->setEditable(true); // names not in the recent entries can still be typed
    m_kind = new QComboBox(this);
    m_kind->setObjectName(QStringLiteral("auditKind"));
    m_kind->setAccessibleName(tr("Kind"));
    m_run = new QLineEdit(this);
    m_run->setObjectName(QStringLiteral("auditRun"));
    m_run->setAccessibleName(tr("Run id"));
    m_run->setPlaceholderText(tr("any run"));
    m_run->setClearButtonEnabled(true);
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("auditSearch"));
    m_search->setAccessibleName(tr("Search the summaries"));
    m_search->setPlaceholderText(tr("search the summaries"));
    m_search->setClearButtonEnabled(true);
    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(kSearchDebounceMs);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("auditTable"));
    m_table->setAccessibleName(tr("Audit entries"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setTabKeyNavigation(false);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setColumnWidth(AuditEntryModel::AtColumn, 200);
    m_table->setColumnWidth(AuditEntryModel::RunColumn, 240);
    m_detail = new QPlainTextEdit(this);
    m_detail->setObjectName(QStringLiteral("auditDetail"));
    m_detail->setAccessibleName(tr("Details of the selected entry"));
    m_detail->setReadOnly(true);
    m_detail->setTabChangesFocus(true);
    m_verify = new QPushButton(tr("&Verify chain"), this);
    m_verify->setObjectName(QStringLiteral("auditVerify"));
    m_verification = new QLabel(this);
    m_verification->setObjectName(QStringLiteral("auditVerification"));
    m_verification->setWordWrap(true);
    m_verification->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_verification->setVisible(false);
    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("auditCount"));
    m_count->setWordWrap(true);

    auto *filters = new QGridLayout;
    filters->addWidget(m_useFrom, 0, 0);
    filters->addWidget(m_from, 0, 1);
    filters->addWidget(m_useTo, 0, 2);
    filters->addWidget(m_to, 0, 3);
    const auto label = [this](const QString &text, QWidget *buddy) {
        auto *l = new QLabel(text, this);
        l->setBuddy(buddy);
        return l;
    };
    filters->addWidget(label(tr("&Operator:"), m_actor), 1, 0);
    filters->addWidget(m_actor, 1, 1);
    filters->addWidget(label(tr("&Kind:"), m_kind), 1, 2);
    filters->addWidget(m_kind, 1, 3);
    filters->addWidget(label(tr("&Run:"), m_run), 2, 0);
    filters->addWidget(m_run, 2, 1);
    filters->addWidget(label(tr("&Search:"), m_search), 2, 2);
    filters->addWidget(m_search, 2, 3);
    filters->setColumnStretch(1, 1);
    filters->setColumnStretch(3, 1);
    auto *verifyRow = new QHBoxLayout;
    verifyRow->addWidget(m_verify);
    verifyRow->addWidget(m_verification, 1);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_table);
    split->addWidget(m_detail);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    auto *close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(filters);
    layout->addLayout(verifyRow);
    layout->addWidget(m_count);
    layout->addWidget(split, 1);
    layout->addWidget(close);

    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_useFrom, &QCheckBox::toggled, m_from, &QWidget::setEnabled);
    connect(m_useTo, &QCheckBox::toggled, m_to, &QWidget::setEnabled);
    for (QCheckBox *c : { m_useFrom, m_useTo })
        connect(c, &QCheckBox::toggled, this, &AuditViewer::reload);
    for (QDateTimeEdit *e : { m_from, m_to })
        connect(e, &QDateTimeEdit::dateTimeChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_actor, &QComboBox::currentTextChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_kind, &QComboBox::currentIndexChanged, this, &AuditViewer::reload);
    connect(m_run, &QLineEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_search, &QLineEdit::textChanged, m_debounce, qOverload<>(&QTimer::start));
    connect(m_debounce, &QTimer::timeout, this, &AuditViewer::reload);
    connect(m_verify, &QPushButton::clicked, this, &AuditViewer::verifyChain);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &AuditViewer::showSelected);

    fillChoices();
    reload();
}

void AuditViewer::fillChoices()
{
    m_kind->blockSignals(true);
    m_actor->blockSignals(true);
    m_kind->addItem(tr("any kind"), QString());
    m_actor->addItem(QString());
    if (m_trail) {
        // What the trail holds (its newest entries: the kinds and people that matter now).
        AuditFilter recent;
        recent.limit = kLimit;
        QSet<QString> kinds, actors;
        if (const auto entries = m_trail->entries(recent); entries) {
            for (const AuditEntry &e : *entries) {
                kinds.insert(e.kind);
                actors.insert(e.actor);
            }
        }
        QStringList k(kinds.cbegin(), kinds.cend());
        QStringList a(actors.cbegin(), actors.cend());
        k.sort();
        a.sort(Qt::CaseInsensitive);
        for (const QString &kind : std::as_const(k))
            m_kind->addItem(kind, kind);
        m_actor->addItems(a);
    }
    m_actor->setCurrentIndex(0);
    m_actor->lineEdit()->setPlaceholderText(tr("anyone"));
    m_kind->blockSignals(false);
    m_actor->blockSignals(false);
}

void AuditViewer::reload()
{
    m_debounce->stop();
    if (!m_trail) {
        m_model->setEntries({});
        m_count->setText(tr("The audit trail cannot be read: %1").arg(m_openError));
        m_verify->setEnabled(false);
        showSelected();
        return;
    }
    AuditFilter filter;
    if (m_useFrom->isChecked())
        filter.from = m_from->dateTime().toUTC();
    if (m_useTo->isChecked())
        filter.to = m_to->dateTime().toUTC();
    filter.actor = m_actor->currentText().trimmed();
    filter.kind = m_kind->currentData().toString();
    filter.runId = m_run->text().trimmed();
    filter.text = m_search->text().trimmed();
    // One more than shown, to know whether more match.
    filter.limit = kLimit + 1;
    const auto entries = m_trail->entries(filter);
    if (!entries) {
        m_model->setEntries({});
        m_count->setText(tr("The audit trail cannot be read: %1").arg(entries.error()));
        showSelected();
        return;
    }
    QList<AuditEntry> shown = *entries;
    const bool more = shown.size() > kLimit;
    if (more)
        shown.removeFirst(); // the oldest: entries() keeps the newest, in seq order
    m_model->setEntries(shown);
    if (shown.isEmpty())
        m_count->setText(tr("No entry matches the filters."));
    else if (more)
        m_count->setText(tr("Showing the newest %L1 matching entries; more match: narrow the filters to see older ones.").arg(kLimit));
    else
        m_count->setText(tr("%L1 matching entries.").arg(shown.size()));
    if (!shown.isEmpty()) {
        m_table->selectionModel()->setCurrentIndex(m_model->index(int(shown.size()) - 1, 0),
            QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_table->scrollToBottom();
    }
    showSelected();
}

void AuditViewer::showSelected()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    if (!current.isValid() || current.row() >= m_model->size()) {
        m_detail->setPlainText(m_model->size() > 0 ? tr("Select an entry to see its details.") : QString());
        return;
    }
    const AuditEntry &e = m_model->entry(current.row());
    m_detail->setPlainText(tr("Entry %1 \u2014 %2 \u2014 %3 by %4%5\n%6\n\nData:\n%7\nprevHash: %8\nhash:     %9")
                               .arg(QString::number(e.seq), utcText(e.at), e.kind, e.actor,
                                   e.runId.isEmpty() ? QString() : tr(" (run %1)").arg(e.runId), e.summary,
                                   QString::fromUtf8(QJsonDocument(e.data).toJson(QJsonDocument::Indented)),
                                   QString::fromLatin1(e.prevHash), QString::fromLatin1(e.hash)));
}

void AuditViewer::verifyChain()
{
    if (!m_trail)
        return;
    QApplication::setOverrideCursor(Qt::BusyCursor);
    const auto verification = m_trail->verify();
    QApplication::restoreOverrideCursor();
    QString text;
    QString style;
    // Said in words and colour: never colour alone.
    if (!verification) {
        text = tr("NOT VERIFIED: %1").arg(verification.error());
        style = QStringLiteral("background: #ffe08a; color: #000; padding: 4px; font-weight: bold;");
    } else if (verification->intact) {
        text = tr("INTACT: %L1 entries, every hash matches.").arg(verification->entries);
        style = QStringLiteral("background: #c8f0c8; color: #000; padding: 4px; font-weight: bold;");
    } else {
        text = tr("BROKEN at entry %1: %2").arg(verification->firstBadSeq).arg(verification->problem);
        style = QStringLiteral("background: #ff9090; color: #000; padding: 4px; font-weight: bold; border: 2px solid #000;");
    }
    m_verification->setText(text);
    m_verification->setStyleSheet(style);
    m_verification->setAccessibleName(text);
    m_verification->setVisible(true);
}

} // namespace dr::ui
