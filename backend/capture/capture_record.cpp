#include <backend/capture/capture_record.h>

#include <utility>

namespace ToolCapture {

namespace {

// Empties `bytes`, keeping its buffer when only it holds one of a reasonable size.
void emptyKeeping(QByteArray &bytes) {
    if (bytes.isDetached() && bytes.capacity() <= CaptureRecord::kReusedCapacity)
        bytes.resize(0);
    else
        bytes = QByteArray();
}

} // namespace

void copyReusing(QByteArray &to, QByteArrayView from) {
    if (to.isDetached()) {
        to.resize(0);
        to.append(from);
    } else {
        to = from.toByteArray();
    }
}

void CaptureRecord::clearForReuse() {
    id = 0;
    emptyKeeping(correlationId);
    emptyKeeping(sessionId);
    emptyKeeping(userContext);
    emptyKeeping(clientAddress);
    acceptedAtUs = 0;
    connectedUs = -1;
    firstByteUs = -1;
    doneUs = -1;
    emptyKeeping(method);
    emptyKeeping(path);
    emptyKeeping(query);
    status = 0;
    requestBytes = 0;
    responseBytes = 0;
    service.clear();
    instance.clear();
    attempts = 0;
    routingBrief = RoutingBrief();
    routing = QByteArray();
    secrets.clear();
    cache = QByteArray();
    breakerState = QByteArray();
    proxyError = QByteArray();
    // The header fields go to the spares, each emptied, up to a bound.
    for (std::vector<CapturedHeader> *headers : {&requestHeaders, &responseHeaders}) {
        for (CapturedHeader &header : *headers) {
            if (spareHeaders.size() >= kReusedHeaders)
                break;
            emptyKeeping(header.name);
            emptyKeeping(header.value);
            spareHeaders.push_back(std::move(header));
        }
        headers->clear();
    }
    emptyKeeping(requestContentType);
    emptyKeeping(responseContentType);
    emptyKeeping(requestBody);
    replayable = true;
    emptyKeeping(responseBody);
    responseBodyTruncated = false;
}

} // namespace ToolCapture
