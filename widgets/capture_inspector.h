#pragma once

#include <models/capture_detail.h>

#include <QWidget>

#include <optional>

class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTreeWidget;

namespace ToolCapture {

class CorrelationTimelineView;
class FeedTransport;
class RoutingExplanationView;
class TimingWaterfallView;

// One captured exchange in full: an overview (request line, status, instance, attempts, the
// breaker state when the attempt began, cache, client) with the timings as a waterfall; the
// request and the response with their headers and bodies (JSON pretty-printed); and the
// routing explanation; and what the analyser saw of its correlation id (Timeline, read through
// the transport when that tab is shown).
class CaptureInspector : public QWidget {
    Q_OBJECT
public:
    explicit CaptureInspector(QWidget *parent = nullptr);

    void setDetail(const CaptureDetail &detail);
    // Instead of a record: why there is none ("Loading…", an error).
    void setMessage(const QString &message);
    void clear();
    // Where the Timeline tab reads from; null: it reads nothing.
    void setTransport(FeedTransport *transport);

    const std::optional<CaptureDetail> &detail() const { return m_detail; }
    RoutingExplanationView *routingView() const { return m_routing; }
    CorrelationTimelineView *timelineView() const { return m_timeline; }
    QTabWidget *tabs() const { return m_tabs; }
    QString responseBodyText() const;
    // The overview's text (rich text: the rows as HTML).
    QString overviewText() const;

    // A body for people: JSON indented, UTF-8 as it is, anything else as a byte count.
    static QString bodyForDisplay(const QByteArray &body);
    // A WebSocket exchange's messages one way, for people.
    static QString webSocketMessagesText(const CaptureSummary::WebSocketMessages &messages);

private:
    std::optional<CaptureDetail> m_detail;
    QLabel *m_message;
    QTabWidget *m_tabs;
    QLabel *m_overview;
    TimingWaterfallView *m_waterfall;
    QTreeWidget *m_requestHeaders;
    QPlainTextEdit *m_requestBody;
    QTreeWidget *m_responseHeaders;
    QPlainTextEdit *m_responseBody;
    RoutingExplanationView *m_routing;
    CorrelationTimelineView *m_timeline;
};

} // namespace ToolCapture
