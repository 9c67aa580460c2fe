#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

namespace ToolCapture {

// The parts of an absolute-form request target (RFC 9112 section 3.2.2), "http://" or
// "https://" in any case. The authority ends at the first '/', '?' or '#'; `rest` is what
// follows it (empty, or starting with one of those three).
struct AbsoluteFormTarget {
    QByteArrayView authority;
    QByteArrayView rest;
};

std::optional<AbsoluteFormTarget> splitAbsoluteForm(QByteArrayView target) noexcept;

// Whether `value` is a valid Host field value: uri-host [ ":" port ] (RFC 9110 section 7.2,
// RFC 3986 section 3.2.2), an IP literal in brackets, an IPv4 address or a registered name of
// unreserved characters, percent-encodings and sub-delims. Userinfo ('@'), whitespace and
// anything else are refused. An empty value is valid (a target with no authority).
bool isValidHostFieldValue(QByteArrayView value) noexcept;

// Removes the dot segments of an origin-form target's path in place (RFC 3986 section 5.2.4),
// counting percent-encoded dots ("%2e", RFC 3986 section 6.2.2.2) as dots, so that the path the
// proxy routes by is the path the upstream resolves: "/a/./b/../c?q" becomes "/a/c?q" and
// "/svc/../admin" "/admin". The query is left as it is. Returns whether anything changed; a
// target without a dot segment is only scanned.
bool removeDotSegments(QByteArray &target);

} // namespace ToolCapture
