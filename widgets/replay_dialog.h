#pragma once

#include <models/capture_detail.h>
#include <models/replay_outcome.h>
#include <models/replay_request.h>

#include <QDialog>
#include <QPointer>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;

namespace ToolCapture {

class FeedTransport;
class InstanceChooser;
class ResponseDiffView;

// Replays one captured request: to the routed instance or one chosen from the services
// document, with its header fields and body editable first; the answer is shown side by side
// with the captured response (ResponseDiffView). Can replay again after more edits.
class ReplayDialog : public QDialog {
    Q_OBJECT
public:
    ReplayDialog(FeedTransport *transport, const CaptureDetail &capture, QWidget *parent = nullptr);

    // The choice of target: "" routes through the proxy. False when no such instance is listed.
    bool setTargetInstance(const QString &instance);
    QString targetInstance() const;
    QStringList instances() const; // as listed by the services document, once loaded

    // Edits as the editors hold them: a header field set (or removed with a null value),
    // the body replaced.
    void setHeader(const QString &name, const QString &value);
    void removeHeader(const QString &name);
    void setBody(const QByteArray &body);
    // The request body the edits describe (only what differs from the capture).
    ReplayRequest request() const;

    ResponseDiffView *diffView() const { return m_diff; }
    const ReplayOutcome &outcome() const { return m_outcome; }

public slots:
    void replay();

signals:
    void instancesLoaded();
    void replayFinished(const ToolCapture::ReplayOutcome &outcome);

private:
    void addHeaderRow(const QString &name, const QString &value);

    QPointer<FeedTransport> m_transport;
    CaptureDetail m_capture;
    ReplayOutcome m_outcome;
    InstanceChooser *m_target;
    QTableWidget *m_headers;
    QPlainTextEdit *m_body;
    QPushButton *m_replay;
    QLabel *m_state;
    ResponseDiffView *m_diff;
};

} // namespace ToolCapture
