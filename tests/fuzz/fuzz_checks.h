#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ToolCapture::FuzzChecks {

// Feeds `data` to an HttpRequestParser in 1 to 3 pieces (cut where the first byte says),
// resuming after every pause, and checks the parser's invariants: consumed <= offered, no
// handler call after a failure, body bytes never beyond Content-Length, progress unless paused,
// refusals only with the documented statuses. Returns "" or what was violated.
std::string checkRequestParser(const std::uint8_t *data, std::size_t size);

// The same for HttpResponseParser (answers to GET or, by the first byte, HEAD).
std::string checkResponseParser(const std::uint8_t *data, std::size_t size);

} // namespace ToolCapture::FuzzChecks
