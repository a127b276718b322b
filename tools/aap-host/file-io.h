#pragma once
// Whole-file reads and crash-safe writes for aap-host. Writes go to a temporary file in the
// destination's directory that is renamed over the destination only when everything was written
// and flushed, so a failure never leaves a partial output file behind.

#include <cstdint>
#include <string>
#include <vector>

namespace aap::host_tool {

// Reads a regular file (at most maxBytes). False and *error ("cannot read x: No such file or
// directory") otherwise.
bool readWholeFile(const std::string& path, std::vector<uint8_t>* bytes, std::string* error,
                   uint64_t maxBytes = uint64_t{2} << 30);

// Writes bytes to `path` through "<path>.tmp-<pid>" + fsync + rename. On failure the temporary
// file is removed and the destination is untouched.
bool writeFileAtomically(const std::string& path, const std::vector<uint8_t>& bytes, std::string* error);

// Fails early (before a long render) when `path`'s directory does not exist or is not writable.
bool checkOutputWritable(const std::string& path, std::string* error);

} // namespace aap::host_tool
