#pragma once

#include <cstddef>
#include <cstdint>

namespace ToolCapture {

// CRC-32C (Castagnoli, reflected, as iSCSI, ext4 and Kafka's record batches use it) of `size`
// bytes, continuing from `crc` (0 to start). Uses the CPU's crc32 instruction where there is one
// (SSE 4.2, checked once at run time) and eight-bytes-at-a-time tables elsewhere; both give the
// same value for every input (tst_crc32c compares them).
std::uint32_t crc32c(const void *data, std::size_t size, std::uint32_t crc = 0);

// The table implementation alone, for tests and for machines without the instruction.
std::uint32_t crc32cPortable(const void *data, std::size_t size, std::uint32_t crc = 0);

// Whether crc32c() uses the instruction on this machine.
bool crc32cHardware();

} // namespace ToolCapture
