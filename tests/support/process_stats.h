#pragma once

#include <QtGlobal>

namespace ToolCapture {

// The number of file descriptors this process has open (entries of /proc/self/fd), or -1.
int openFileDescriptorCount();

// This process's resident set size in bytes (/proc/self/statm), or -1.
qint64 residentBytes();

} // namespace ToolCapture
