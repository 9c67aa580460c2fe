#pragma once

#include <QLoggingCategory>

namespace ToolCapture {

Q_DECLARE_LOGGING_CATEGORY(lcProxy)
Q_DECLARE_LOGGING_CATEGORY(lcUpstream)
Q_DECLARE_LOGGING_CATEGORY(lcAdmin)
Q_DECLARE_LOGGING_CATEGORY(lcConfig)
Q_DECLARE_LOGGING_CATEGORY(lcEngine)
Q_DECLARE_LOGGING_CATEGORY(lcDemo)
Q_DECLARE_LOGGING_CATEGORY(lcEvents)

// Installs a message handler writing one line per event to stderr: plain text
// ("2026-11-22T17:00:00.123Z info toolcapture.proxy: ...") or one JSON object per line. Without
// `debug`, ToolCapture's debug messages are not written (unless QT_LOGGING_RULES says so: an
// operator's rules win).
void installLogHandler(bool json, bool debug = false);

} // namespace ToolCapture
