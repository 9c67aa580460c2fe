#pragma once

#include <QLoggingCategory>

namespace ToolCapture {

// Start-up, shutdown and signal handling of the executable.
Q_DECLARE_LOGGING_CATEGORY(lcApp)

} // namespace ToolCapture
