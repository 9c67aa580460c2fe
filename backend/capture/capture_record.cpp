#include <backend/capture/capture_record.h>

#include <utility>

namespace ToolCapture {

void copyReusing(QByteArray &to, QByteArrayView from) {
    if (to.isDetached()) {
        to.resize(0);
        to.append(from);
    } else {
        to = from.toByteArray();
    }
}

// Every field is reset below, by hand: cheaper than building a new record and moving it in (a
// tenth of the capture thread's time). A field added to CaptureRecord changes its size and stops
// the build here until it is reset too (tst_capture_recycling checks the result).
static_assert(sizeof(void *) != 8 || sizeof(CaptureRecord) == 824,
              "a field was added to CaptureRecord: reset it in clearForReuse()");

void CaptureRecord::clearForReuse() {
    // Buffers only this record holds, up to kReusedCapacity, are kept (emptied); others go.
    const auto empty = [](QByteArray &bytes) {
        if (bytes.isDetached() && bytes.capacity() <= kReusedCapacity)
            bytes.resize(0);
        else
            bytes = QByteArray();
    };
    id = 0;
    empty(correlationId);
    empty(sessionId);
    empty(userContext);
    empty(clientAddress);
    acceptedAtUs = 0;
    connectedUs = -1;
    firstByteUs = -1;
    doneUs = -1;
    empty(method);
    empty(path);
    empty(query);
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
    // The header fields become spares, emptied, up to a bound.
    for (std::vector<CapturedHeader> *headers : {&requestHeaders, &responseHeaders}) {
        for (CapturedHeader &header : *headers) {
            if (spareHeaders.size() >= kReusedHeaders)
                break;
            empty(header.name);
            empty(header.value);
            spareHeaders.push_back(std::move(header));
        }
        headers->clear();
    }
    empty(requestContentType);
    empty(responseContentType);
    empty(requestBody);
    replayable = true;
    empty(responseBody);
    responseBodyTruncated = false;
}

} // namespace ToolCapture
