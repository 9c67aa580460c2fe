#pragma once

#include <QtGlobal>

namespace ToolCapture {

// The number of file descriptors this process has open (entries of /proc/self/fd), or -1.
int openFileDescriptorCount();

// This process's resident set size in bytes (/proc/self/statm), or -1.
qint64 residentBytes();

// Bytes the C library's allocator has handed out and not had back (glibc's mallinfo2(): every
// arena, mmapped chunks included), or -1 where that is not known. Next to residentBytes() it
// tells live data from memory the allocator keeps without using it.
qint64 heapInUseBytes();

// Whether resident memory measures the program: not under AddressSanitizer, whose quarantine
// of freed memory and shadow memory dominate it. Tests assert memory bounds only where it does
// (the regular build); under the sanitizer they still run everything else.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kResidentMemoryIsMeaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kResidentMemoryIsMeaningful = false;
#else
inline constexpr bool kResidentMemoryIsMeaningful = true;
#endif
#else
inline constexpr bool kResidentMemoryIsMeaningful = true;
#endif

} // namespace ToolCapture
