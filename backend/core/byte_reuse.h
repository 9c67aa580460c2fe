#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace ToolCapture {

// `to` holds a copy of `from` afterwards, written into the buffer `to` already has when nobody
// else holds it (no allocation when it is large enough), else into a new one. For buffers kept
// from one message, or one recycled capture record, to the next: plain assignment would share
// `from`'s data and drop the buffer kept for reuse.
inline void assignReusing(QByteArray &to, QByteArrayView from) {
    if (to.isDetached()) {
        to.resize(0);
        to.append(from);
    } else {
        to = from.toByteArray();
    }
}

} // namespace ToolCapture
