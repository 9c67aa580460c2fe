#include <backend/capture/capture_record.h>

#include <utility>

namespace ToolCapture {

// Every field is reset below, by hand: cheaper than building a new record and moving it in (a
// tenth of the capture thread's time). A field added to CaptureRecord changes its size and stops
// the build here until it is reset too (tst_capture_recycling checks the result).
static_assert(sizeof(void *) != 8 || sizeof(CaptureRecord) == 936,
              "a field was added to CaptureRecord: reset it in clearForReuse()");

void CaptureRecord::clearForReuse() {
    // Buffers only this record holds are kept (emptied) while they fit the bounds; others go.
    qsizetype kept = 0;
    const auto empty = [&kept](QByteArray &bytes) {
        const qsizetype capacity = bytes.capacity();
        if (bytes.isDetached() && capacity <= kReusedCapacity && kept + capacity <= kReusedBytes) {
            kept += capacity;
            bytes.resize(0);
        } else {
            bytes = QByteArray();
        }
    };
    id = 0;
    // The fields every exchange fills first.
    empty(correlationId);
    empty(clientAddress);
    empty(method);
    empty(path);
    empty(requestContentType);
    empty(responseContentType);
    empty(responseBody);
    empty(requestBody);
    empty(sessionId);
    empty(userContext);
    empty(query);
    acceptedAtUs = 0;
    connectedUs = -1;
    firstByteUs = -1;
    doneUs = -1;
    status = 0;
    requestBytes = 0;
    responseBytes = 0;
    service = QString();
    instance = QString();
    attempts = 0;
    routingBrief = RoutingBrief();
    routing = QByteArray();
    secrets.clear();
    cache = QByteArray();
    breakerState = QByteArray();
    proxyError = QByteArray();
    tunnelEnd = QByteArray();
    webSocketCounted = false;
    messagesFromClient = {};
    messagesFromUpstream = {};
    replayable = true;
    responseBodyTruncated = false;
    // Then the header fields, as spares (those not used last time first), while they fit.
    const auto keepHeader = [&empty](CapturedHeader &header) {
        empty(header.name);
        empty(header.value);
        return header.name.capacity() > 0 || header.value.capacity() > 0;
    };
    std::size_t spares = 0;
    for (std::size_t i = 0; i < spareHeaders.size() && spares < kReusedHeaders; ++i) {
        if (!keepHeader(spareHeaders[i]))
            continue;
        if (i != spares)
            spareHeaders[spares] = std::move(spareHeaders[i]);
        ++spares;
    }
    spareHeaders.resize(spares);
    for (std::vector<CapturedHeader> *headers : {&requestHeaders, &responseHeaders}) {
        for (CapturedHeader &header : *headers) {
            if (spareHeaders.size() >= kReusedHeaders)
                break;
            if (keepHeader(header))
                spareHeaders.push_back(std::move(header));
        }
        headers->clear();
    }
}

} // namespace ToolCapture
