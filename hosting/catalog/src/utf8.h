#pragma once
// UTF-8 decoding shared by the XML reader (which rejects invalid UTF-8 in metadata) and the JSON
// writer (which escapes what it cannot pass through).

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace aap {

// Length of the valid UTF-8 sequence starting at text[i] (which is >= 0x80), decoding its code
// point into *cp; 0 when the sequence is invalid (overlong, surrogate, > U+10FFFF, truncated).
// Requires i < text.size().
size_t decodeUtf8(std::string_view text, size_t i, uint32_t* cp);

} // namespace aap
