#pragma once

#include <backend/http/http_request_parser.h>

#include <QByteArray>
#include <QList>

#include <vector>

namespace ToolCapture {

// Feeds raw bytes to an HttpRequestParser in pieces, resuming after every pause, and records
// what the handler saw: the test-side view of a client connection.
struct RequestRun : HttpRequestParser::Handler {
    std::vector<RequestHead> heads;
    QList<QByteArray> bodies;
    int completes = 0;
    QByteArray events; // 'H' head, 'B' body, 'C' complete
    HttpParseError error;
    bool stalled = false;

    void onRequestHead(RequestHead &&head) override {
        heads.push_back(std::move(head));
        bodies.append(QByteArray());
        events.append('H');
    }
    void onRequestBody(const char *data, qsizetype size) override {
        bodies.last().append(data, size);
        if (!events.endsWith('B'))
            events.append('B');
    }
    void onRequestComplete() override {
        ++completes;
        events.append('C');
    }

    // piece <= 0: the whole input at once.
    static RequestRun run(const QByteArray &raw, qsizetype piece,
                          HttpRequestParser::Limits limits = {}) {
        RequestRun result;
        HttpRequestParser parser(result, limits);
        using State = HttpRequestParser::State;
        qsizetype offset = 0;
        while (offset < raw.size()) {
            const qsizetype length =
                piece > 0 ? qMin(piece, raw.size() - offset) : raw.size() - offset;
            const qsizetype consumed = parser.feed(raw.constData() + offset, length);
            offset += consumed;
            if (parser.state() == State::Failed)
                break;
            bool paused = false;
            while (parser.state() == State::PausedAtHead || parser.state() == State::PausedAtEnd) {
                parser.resume();
                paused = true;
            }
            if (!paused && consumed < length) {
                result.stalled = true;
                break;
            }
        }
        if (parser.state() != State::Failed)
            parser.finish();
        result.error = parser.error();
        return result;
    }
};

} // namespace ToolCapture
