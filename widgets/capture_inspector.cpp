#include <models/json_lines.h>
#include <widgets/capture_inspector.h>
#include <widgets/correlation_timeline_view.h>
#include <widgets/routing_explanation_view.h>
#include <widgets/timing_waterfall_view.h>

#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedLayout>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace ToolCapture {

namespace {

QTreeWidget *headerTree(QWidget *parent) {
    auto *tree = new QTreeWidget(parent);
    tree->setRootIsDecorated(false);
    tree->setUniformRowHeights(true);
    tree->setHeaderLabels({CaptureInspector::tr("Field"), CaptureInspector::tr("Value")});
    tree->setColumnWidth(0, 200);
    return tree;
}

QPlainTextEdit *bodyEdit(QWidget *parent) {
    auto *edit = new QPlainTextEdit(parent);
    edit->setReadOnly(true);
    edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    return edit;
}

QWidget *messagePage(QTreeWidget *headers, QPlainTextEdit *body) {
    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(headers);
    splitter->addWidget(body);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 2);
    return splitter;
}

void fillHeaders(QTreeWidget *tree, const HeaderFields &fields, const QString &contentType) {
    tree->clear();
    bool hasContentType = false;
    for (const HeaderField &field : fields) {
        auto *item = new QTreeWidgetItem(tree, {field.name, field.value});
        item->setToolTip(1, field.value);
        hasContentType |= field.name.compare(u"content-type", Qt::CaseInsensitive) == 0;
    }
    // Always kept, even when the allowlist drops the field itself.
    if (!hasContentType && !contentType.isEmpty())
        new QTreeWidgetItem(tree, {QStringLiteral("Content-Type"), contentType});
}

QString row(const QString &label, const QString &value) {
    return QStringLiteral("<tr><td style='padding-right:12px'><b>%1</b></td><td>%2</td></tr>")
        .arg(label.toHtmlEscaped(), value.toHtmlEscaped());
}

} // namespace

CaptureInspector::CaptureInspector(QWidget *parent)
    : QWidget(parent)
    , m_message(new QLabel(this))
    , m_tabs(new QTabWidget(this))
    , m_overview(new QLabel)
    , m_waterfall(new TimingWaterfallView)
    , m_requestHeaders(headerTree(this))
    , m_requestBody(bodyEdit(this))
    , m_responseHeaders(headerTree(this))
    , m_responseBody(bodyEdit(this))
    , m_routing(new RoutingExplanationView)
    , m_timeline(new CorrelationTimelineView) {
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_overview->setTextFormat(Qt::RichText);
    m_overview->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_overview->setAlignment(Qt::AlignTop | Qt::AlignLeft);

    // The facts on the left, the timings beside them; scrolls when the inspector is short.
    auto *overview = new QWidget;
    auto *overviewLayout = new QHBoxLayout(overview);
    overviewLayout->addWidget(m_overview, 1);
    auto *timings = new QVBoxLayout;
    timings->addWidget(new QLabel(tr("<b>Timings</b>")));
    timings->addWidget(m_waterfall);
    timings->addStretch(1);
    overviewLayout->addLayout(timings, 1);
    auto *overviewScroll = new QScrollArea;
    overviewScroll->setWidget(overview);
    overviewScroll->setWidgetResizable(true);
    overviewScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    overviewScroll->setFrameShape(QFrame::NoFrame);

    m_tabs->addTab(overviewScroll, tr("Overview"));
    m_tabs->addTab(messagePage(m_requestHeaders, m_requestBody), tr("Request"));
    m_tabs->addTab(messagePage(m_responseHeaders, m_responseBody), tr("Response"));
    m_tabs->addTab(m_routing, tr("Routing"));
    m_tabs->addTab(m_timeline, tr("Timeline"));

    auto *stack = new QStackedLayout(this);
    stack->addWidget(m_message);
    stack->addWidget(m_tabs);
    clear();
}

QString CaptureInspector::bodyForDisplay(const QByteArray &body) {
    if (body.isEmpty())
        return tr("(no body)");
    if (const auto json = JsonLines::fromJson(body))
        return json->text();
    if (QByteArrayView(body).isValidUtf8())
        return QString::fromUtf8(body);
    return tr("(%n binary byte(s))", nullptr, int(body.size()));
}

QString CaptureInspector::webSocketMessagesText(const CaptureSummary::WebSocketMessages &messages) {
    const QLocale locale;
    QString text = tr("%n message(s)", nullptr, int(messages.messages));
    if (messages.messages > 0) {
        text += tr(", %1 in all, the largest %2")
                    .arg(locale.formattedDataSize(messages.dataBytes),
                         locale.formattedDataSize(messages.largestMessage));
    }
    text += tr("; %n control frame(s)", nullptr, int(messages.controlFrames));
    if (messages.malformed)
        text += tr(" (then bytes that are not frames: not counted further)");
    return text;
}

QString CaptureInspector::responseBodyText() const {
    return m_responseBody->toPlainText();
}

QString CaptureInspector::overviewText() const {
    return m_overview->text();
}

void CaptureInspector::setDetail(const CaptureDetail &detail) {
    m_detail = detail;
    const CaptureSummary &s = detail.summary;
    const QLocale locale;
    QString status =
        s.status == 0 ? tr("none (the connection ended first)") : QString::number(s.status);
    if (!s.proxyError.isEmpty())
        status = tr("%1, answered by the proxy: %2").arg(status, s.proxyError);
    QString html = QStringLiteral("<table>");
    html += row(tr("Request"), s.method + QLatin1Char(' ') + s.target());
    html += row(tr("Status"), status);
    html += row(tr("Service"), s.service.isEmpty() ? tr("(no route matched)") : s.service);
    html += row(tr("Instance"), s.instance.isEmpty() ? tr("(none answered)") : s.instance);
    html += row(tr("Attempts"), locale.toString(s.attempts));
    html += row(tr("Breaker"), s.breakerState.isEmpty()
                                   ? tr("unknown")
                                   : tr("%1 when the attempt began").arg(s.breakerState));
    html += row(tr("Cache"), s.cache.isEmpty() ? tr("not consulted") : s.cache);
    html += row(tr("Correlation ID"), s.correlationId);
    html += row(tr("Capture"), tr("#%1").arg(s.id));
    html += row(tr("Accepted"),
                locale.toString(QDateTime::fromMSecsSinceEpoch(s.acceptedAtUs / 1000).toLocalTime(),
                                QLocale::LongFormat));
    html += row(tr("Duration"), s.doneUs < 0
                                    ? tr("did not complete")
                                    : tr("%1 ms").arg(locale.toString(s.durationMs(), 'f', 3)));
    html += row(tr("Bytes"), tr("%1 in, %2 out")
                                 .arg(locale.formattedDataSize(s.requestBytes),
                                      locale.formattedDataSize(s.responseBytes)));
    html += row(tr("Client"), s.clientAddress);
    if (!s.sessionId.isEmpty())
        html += row(tr("Session"), s.sessionId);
    if (!s.userContext.isEmpty())
        html += row(tr("User context"), s.userContext);
    if (!s.tunnelEnd.isEmpty()) {
        // The bytes and the duration above are the whole tunnel's.
        html += row(tr("WebSocket"), tr("tunnel ended: %1").arg(s.tunnelEnd));
        if (s.webSocketCounted) {
            html += row(tr("Client to upstream"), webSocketMessagesText(s.messagesFromClient));
            html += row(tr("Upstream to client"), webSocketMessagesText(s.messagesFromUpstream));
        }
    }
    html += row(tr("Replayable"), s.replayable             ? tr("yes")
                                  : !s.tunnelEnd.isEmpty() ? tr("no (a WebSocket tunnel)")
                                                           : tr("no (the body was not kept)"));
    html += QStringLiteral("</table>");
    m_overview->setText(html);
    m_waterfall->setTimings(s.connectedUs, s.firstByteUs, s.doneUs);

    fillHeaders(m_requestHeaders, detail.requestHeaders, s.requestContentType);
    fillHeaders(m_responseHeaders, detail.responseHeaders, s.responseContentType);
    m_requestBody->setPlainText(bodyForDisplay(detail.requestBody));
    QString response = bodyForDisplay(detail.responseBody);
    if (s.responseBodyTruncated)
        response += tr("\n… (only the first %n byte(s) were kept)", nullptr,
                       int(detail.responseBody.size()));
    m_responseBody->setPlainText(response);
    m_routing->setExplanation(detail.routing);
    m_timeline->setCorrelationId(s.correlationId);
    static_cast<QStackedLayout *>(layout())->setCurrentWidget(m_tabs);
}

void CaptureInspector::setMessage(const QString &message) {
    m_detail.reset();
    m_message->setText(message);
    static_cast<QStackedLayout *>(layout())->setCurrentWidget(m_message);
}

void CaptureInspector::clear() {
    setMessage(tr("Select a captured request to inspect it."));
    m_routing->clear();
    m_waterfall->clear();
    m_timeline->setCorrelationId({});
}

void CaptureInspector::setTransport(FeedTransport *transport) {
    m_timeline->setTransport(transport);
}

} // namespace ToolCapture
