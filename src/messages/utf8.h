#pragma once

// UTF-8 helpers for the codecs (internal). Kafka payloads and keys are
// arbitrary bytes; JSON strings must be UTF-8, so the codecs check before
// embedding bytes.

#include <cstddef>
#include <string>
#include <string_view>

namespace tmon::messages::detail {

// True when `bytes` is well-formed UTF-8 (RFC 3629): no overlong forms, no
// surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view bytes);

// `bytes` with each byte that does not start a well-formed sequence replaced
// by U+FFFD, much as the JSON encoder would; doing it before encoding
// keeps a struct equal to what decoding its encoding yields.
std::string sanitize_utf8(std::string_view bytes);

// The longest prefix of `text` of at most `max_bytes` bytes that does not end
// inside a multi-byte sequence, so cutting valid UTF-8 keeps it valid.
std::string_view truncate_utf8(std::string_view text, size_t max_bytes);

}  // namespace tmon::messages::detail
