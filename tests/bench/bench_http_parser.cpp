#include <backend/http/http_request_parser.h>
#include <backend/http/http_response_parser.h>
#include <backend/proxy/header_rewriter.h>

#include <benchmark/benchmark.h>
#include <cstring>
#include <memory>
#include <vector>

using namespace ToolCapture;

namespace {

constexpr int kConnections = 64; // as the haproxy_compare.sh runs (wrk -c64)

const QByteArray kRequest = "GET /bench/items HTTP/1.1\r\nHost: 127.0.0.1:8090\r\n\r\n";
const QByteArray kResponse =
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 03 Dec 2026 15:59:11 GMT\r\n"
    "Content-Type: application/json\r\nContent-Length: 100\r\nConnection: keep-alive\r\n\r\n"
    R"({"ok":true,"service":"bench","items":[1,2,3,4,5],"note":"a small JSON body for the proxy benchmark"})";

// The session's side of one proxied exchange: takes the request head (swapping it in, as
// ClientSession does, or moving it, which gives nothing back to reuse), forwards it, and
// writes the response head for the client.
struct Connection
    : HttpRequestParser::Handler
    , HttpResponseParser::Handler {
    explicit Connection(bool swapHeads)
        : swap(swapHeads)
        , requests(*this, {})
        , responses(*this, {}) {
        in.resize(64 * 1024); // a connection's read buffer, as the proxy's
    }

    void onRequestHead(RequestHead &&head) override {
        if (swap)
            std::swap(request, head);
        else
            request = std::move(head);
        upstreamOut.resize(0);
        writeUpstreamRequestHead(upstreamOut, request, {"127.0.0.1", correlationId, {}, {}});
    }
    void onRequestBody(const char *, qsizetype) override {}
    void onRequestComplete() override {}
    void onResponseHead(ResponseHead &&head) override {
        clientOut.resize(0);
        writeClientResponseHead(clientOut, head, clientFramingFor(head, 1), true, 1, correlationId);
        if (!swap)
            ResponseHead taken = std::move(head); // nothing left for the parser to reuse
    }
    void onResponseBody(const char *, qsizetype) override {}
    void onResponseComplete() override {}

    bool swap;
    HttpRequestParser requests;
    HttpResponseParser responses;
    RequestHead request;
    QByteArray in;
    QByteArray upstreamOut;
    QByteArray clientOut;
    QByteArray correlationId = "4f1c2a9e-8a43-4d0e-9d55-3e2a8d1c0b7f";
};

// One proxied GET's heads per iteration, round robin over 64 connections: request parsed and
// forwarded, response parsed and written for the client. Argument 1: heads swapped back for
// reuse (the proxy), 0: moved away (every head allocated afresh).
void BM_ProxiedExchangeHeads(benchmark::State &state) {
    std::vector<std::unique_ptr<Connection>> connections;
    for (int i = 0; i < kConnections; ++i)
        connections.push_back(std::make_unique<Connection>(state.range(0) != 0));
    int next = 0;
    for (auto _ : state) {
        Connection &c = *connections[size_t(next)];
        next = (next + 1) % kConnections;
        std::memcpy(c.in.data(), kRequest.constData(), size_t(kRequest.size()));
        c.requests.feed(c.in.constData(), kRequest.size());
        c.requests.resume(); // head -> end (no body)
        c.requests.resume(); // end -> idle
        std::memcpy(c.in.data(), kResponse.constData(), size_t(kResponse.size()));
        c.responses.expectResponseTo(c.request.method);
        c.responses.feed(c.in.constData(), kResponse.size());
        benchmark::DoNotOptimize(c.clientOut.size());
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProxiedExchangeHeads)->Arg(1)->Arg(0);

} // namespace

BENCHMARK_MAIN();
