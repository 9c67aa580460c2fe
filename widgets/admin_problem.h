#pragma once

#include <backend/feed/feed_message.h>

#include <QString>

namespace ToolCapture {

// What an admin API answer that is not a success says, for the operator: the problem+json's
// detail with the status ("recommendation r-1 is dismissed (HTTP 409)"), else its title, else
// the transport's own error (no answer at all).
QString adminProblemText(const FeedResponse &response);

} // namespace ToolCapture
