#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ToolCapture::FuzzChecks {

// Feeds `data` to an HttpRequestParser in 1 to 3 pieces (cut where `splitSeed` says; the
// first byte without it), resuming after every pause, and checks the parser's invariants:
// consumed <= offered, no handler call after a failure, body bytes never beyond
// Content-Length, progress on every feed (a loop that spins fails loudly), refusals only with
// the documented statuses. Returns "" or what was violated.
std::string checkRequestParser(const std::uint8_t *data, std::size_t size);
std::string checkRequestParser(const std::uint8_t *data, std::size_t size, unsigned splitSeed);

// The same for HttpResponseParser (answers to GET or, when bit 7 of the seed is set, HEAD).
std::string checkResponseParser(const std::uint8_t *data, std::size_t size);
std::string checkResponseParser(const std::uint8_t *data, std::size_t size, unsigned splitSeed);

// Feeds `data` (a tunnel's bytes in one direction) to a WebSocketFrameMeter whole, and again in
// pieces of 1 to 16 bytes whose sizes come from `splitSeed` (the first byte without it), and
// checks: the counts do not depend on the cuts, never go back as bytes come, and stay within
// what the bytes can hold (a frame has at least a two-byte header, payload bytes passed).
std::string checkWebSocketFrameMeter(const std::uint8_t *data, std::size_t size);
std::string checkWebSocketFrameMeter(const std::uint8_t *data, std::size_t size,
                                     unsigned splitSeed);

} // namespace ToolCapture::FuzzChecks
