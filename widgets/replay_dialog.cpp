#include <backend/feed/feed_transport.h>
#include <widgets/instance_chooser.h>
#include <widgets/replay_dialog.h>
#include <widgets/response_diff_view.h>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <map>

namespace ToolCapture {

ReplayDialog::ReplayDialog(FeedTransport *transport, const CaptureDetail &capture, QWidget *parent)
    : QDialog(parent)
    , m_transport(transport)
    , m_capture(capture)
    , m_target(
          new InstanceChooser(transport, capture.summary.service, capture.summary.instance, this))
    , m_headers(new QTableWidget(0, 2, this))
    , m_body(new QPlainTextEdit(this))
    , m_replay(new QPushButton(tr("&Replay"), this))
    , m_state(new QLabel(this))
    , m_diff(new ResponseDiffView(this)) {
    const CaptureSummary &s = capture.summary;
    setWindowTitle(tr("Replay %1 %2").arg(s.method, s.target()));
    connect(m_target, &InstanceChooser::loaded, this, &ReplayDialog::instancesLoaded);
    connect(m_target, &InstanceChooser::loadFailed, this, [this](const QString &error) {
        m_state->setText(tr("The instance list could not be read: %1").arg(error));
    });

    m_headers->setHorizontalHeaderLabels({tr("Header field"), tr("Value")});
    m_headers->horizontalHeader()->setStretchLastSection(true);
    m_headers->verticalHeader()->hide();
    m_headers->setColumnWidth(0, 180);
    for (const HeaderField &field : capture.requestHeaders)
        addHeaderRow(field.name, field.value);
    auto *addHeader = new QPushButton(tr("Add field"), this);
    auto *removeHeader = new QPushButton(tr("Remove field"), this);
    connect(addHeader, &QPushButton::clicked, this, [this] {
        addHeaderRow(QString(), QString());
        m_headers->editItem(m_headers->item(m_headers->rowCount() - 1, 0));
    });
    connect(removeHeader, &QPushButton::clicked, this, [this] {
        const int row = m_headers->currentRow();
        if (row >= 0)
            m_headers->removeRow(row);
    });
    m_body->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_body->setPlainText(QString::fromUtf8(capture.requestBody));
    m_body->setPlaceholderText(s.replayable ? tr("(no body)")
                                            : tr("The body was not kept: supply one to replay."));

    auto *editor = new QWidget;
    auto *editorLayout = new QVBoxLayout(editor);
    editorLayout->setContentsMargins(0, 0, 0, 0);
    auto *form = new QFormLayout;
    form->addRow(tr("Send to:"), m_target);
    editorLayout->addLayout(form);
    editorLayout->addWidget(new QLabel(tr("Request header fields (values shown as [REDACTED] are "
                                          "not sent unless you replace them)")));
    editorLayout->addWidget(m_headers, 2);
    auto *headerButtons = new QHBoxLayout;
    headerButtons->addWidget(addHeader);
    headerButtons->addWidget(removeHeader);
    headerButtons->addStretch(1);
    editorLayout->addLayout(headerButtons);
    editorLayout->addWidget(new QLabel(tr("Request body")));
    editorLayout->addWidget(m_body, 1);

    auto *splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(editor);
    splitter->addWidget(m_diff);
    m_diff->showCaptured(capture);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 2);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_replay, QDialogButtonBox::ActionRole);
    m_replay->setDefault(true);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_replay, &QPushButton::clicked, this, &ReplayDialog::replay);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(
        new QLabel(tr("<b>%1 %2</b> — capture #%3, answered %4 by %5")
                       .arg(s.method.toHtmlEscaped(), s.target().toHtmlEscaped())
                       .arg(s.id)
                       .arg(s.status)
                       .arg(s.instance.isEmpty() ? tr("the proxy") : s.instance.toHtmlEscaped())));
    layout->addWidget(splitter, 1);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_state, 1);
    bottom->addWidget(buttons);
    layout->addLayout(bottom);
    resize(1280, 760);
}

void ReplayDialog::addHeaderRow(const QString &name, const QString &value) {
    const int row = m_headers->rowCount();
    m_headers->insertRow(row);
    m_headers->setItem(row, 0, new QTableWidgetItem(name));
    m_headers->setItem(row, 1, new QTableWidgetItem(value));
}

QStringList ReplayDialog::instances() const {
    return m_target->instances();
}

bool ReplayDialog::setTargetInstance(const QString &instance) {
    return m_target->setInstance(instance);
}

QString ReplayDialog::targetInstance() const {
    return m_target->instance();
}

void ReplayDialog::setHeader(const QString &name, const QString &value) {
    for (int row = 0; row < m_headers->rowCount(); ++row) {
        if (m_headers->item(row, 0)->text().compare(name, Qt::CaseInsensitive) == 0) {
            m_headers->item(row, 1)->setText(value);
            return;
        }
    }
    addHeaderRow(name, value);
}

void ReplayDialog::removeHeader(const QString &name) {
    for (int row = m_headers->rowCount() - 1; row >= 0; --row) {
        if (m_headers->item(row, 0)->text().compare(name, Qt::CaseInsensitive) == 0)
            m_headers->removeRow(row);
    }
}

void ReplayDialog::setBody(const QByteArray &body) {
    m_body->setPlainText(QString::fromUtf8(body));
}

ReplayRequest ReplayDialog::request() const {
    ReplayRequest request;
    request.instance = targetInstance();
    // Values per name (lower case), in the order first seen, for the capture and the editor.
    const auto collect = [](const QList<std::pair<QString, QString>> &fields) {
        std::map<QString, std::pair<QString, QStringList>> byName;
        for (const auto &[name, value] : fields) {
            auto &entry = byName[name.toLower()];
            if (entry.first.isEmpty())
                entry.first = name;
            entry.second << value;
        }
        return byName;
    };
    QList<std::pair<QString, QString>> original;
    for (const HeaderField &field : m_capture.requestHeaders)
        original.push_back({field.name, field.value});
    QList<std::pair<QString, QString>> edited;
    for (int row = 0; row < m_headers->rowCount(); ++row) {
        const QString name = m_headers->item(row, 0)->text().trimmed();
        if (!name.isEmpty())
            edited.push_back({name, m_headers->item(row, 1)->text()});
    }
    const auto before = collect(original);
    const auto after = collect(edited);
    for (const auto &[key, entry] : after) {
        const auto it = before.find(key);
        if (it == before.end() || it->second.second != entry.second)
            request.headers.push_back({entry.first, entry.second.join(QStringLiteral(", "))});
    }
    for (const auto &[key, entry] : before) {
        if (!after.count(key))
            request.headers.push_back({entry.first, std::nullopt});
    }
    const QByteArray body = m_body->toPlainText().toUtf8();
    if (body != m_capture.requestBody)
        request.body = body;
    return request;
}

void ReplayDialog::replay() {
    if (!m_transport)
        return;
    m_replay->setEnabled(false);
    m_state->setText(tr("Replaying…"));
    FeedRequest request;
    request.method = "POST";
    request.target = ReplayRequest::target(m_capture.summary.id);
    request.body = this->request().toJson();
    m_transport->request(request, this, [this](const FeedResponse &response) {
        m_replay->setEnabled(true);
        m_outcome = ReplayOutcome::fromResponse(response.status, response.body, response.error);
        m_state->setText(m_outcome.ok ? (m_outcome.diff.changed ? tr("The response changed.")
                                                                : tr("Same response."))
                                      : tr("Replay failed: %1").arg(m_outcome.error));
        m_diff->setComparison(m_capture, m_outcome);
        emit replayFinished(m_outcome);
    });
}

} // namespace ToolCapture
