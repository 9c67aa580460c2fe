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

void CaptureRecord::clearForReuse() {
    // A new record, given the old one's buffers where only it held them and they are not too
    // large: a field added later starts from its default whether or not it is listed here.
    CaptureRecord fresh;
    const auto keep = [](QByteArray &to, QByteArray &from) {
        if (from.isDetached() && from.capacity() <= kReusedCapacity) {
            from.resize(0);
            to = std::move(from);
        }
    };
    keep(fresh.correlationId, correlationId);
    keep(fresh.sessionId, sessionId);
    keep(fresh.userContext, userContext);
    keep(fresh.clientAddress, clientAddress);
    keep(fresh.method, method);
    keep(fresh.path, path);
    keep(fresh.query, query);
    keep(fresh.requestContentType, requestContentType);
    keep(fresh.responseContentType, responseContentType);
    keep(fresh.requestBody, requestBody);
    keep(fresh.responseBody, responseBody);
    // The header fields become spares, emptied, up to a bound; so do their vectors' capacity.
    fresh.spareHeaders = std::move(spareHeaders);
    for (std::vector<CapturedHeader> *headers : {&requestHeaders, &responseHeaders}) {
        for (CapturedHeader &header : *headers) {
            if (fresh.spareHeaders.size() >= kReusedHeaders)
                break;
            CapturedHeader &spare = fresh.spareHeaders.emplace_back();
            keep(spare.name, header.name);
            keep(spare.value, header.value);
        }
    }
    requestHeaders.clear();
    responseHeaders.clear();
    fresh.requestHeaders = std::move(requestHeaders);
    fresh.responseHeaders = std::move(responseHeaders);
    *this = std::move(fresh);
}

} // namespace ToolCapture
