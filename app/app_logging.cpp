#include <app/app_logging.h>

namespace ToolCapture {

Q_LOGGING_CATEGORY(lcApp, "toolcapture.app")

} // namespace ToolCapture
