#pragma once
// Whole-file reads and safe output files for aap-host (docs/aap-host.md, "Output files").
//
// An output naming a regular file (or nothing yet) is written to a fresh temporary file in the
// destination's directory, created with O_CREAT | O_EXCL | O_NOFOLLOW under an unpredictable
// name (so a symbolic link planted there is never followed), and renamed over the destination
// only when everything was written and flushed, and only if the destination is still a regular
// file or absent: a failed run never leaves a partial output file, and nothing but a regular
// file is ever replaced. An output naming a FIFO or a character device (`/dev/null`, a pipe a
// reader waits on) is opened and written directly, as a stream. Any other special file (a block
// device, a socket) and a directory are refused. An output that is a symbolic link is resolved
// first: the file it points to is the destination, and the link stays as it is.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace aap::host_tool {

// Reads a regular file (at most maxBytes). False and *error ("cannot read x: No such file or
// directory") otherwise.
bool readWholeFile(const std::string& path, std::vector<uint8_t>* bytes, std::string* error,
                   uint64_t maxBytes = uint64_t{2} << 30);

// [main-thread] One output being written. Move-only; destroying it before commit() discards the
// output (the temporary file is removed; a stream is merely closed).
class OutputFile {
public:
    OutputFile() = default;
    ~OutputFile();
    OutputFile(OutputFile&& other) noexcept;
    OutputFile& operator=(OutputFile&& other) noexcept;
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    // Opens `path` for writing by the rules above. False and *error ("cannot write x: ...")
    // when the destination is refused or cannot be created. `temporaryName`, for tests only,
    // replaces the random part of the temporary file names tried (it is called once per attempt).
    static bool open(const std::string& path, OutputFile* file, std::string* error,
                     const std::function<std::string()>& temporaryName = {});

    // Appends bytes (retrying short writes). False and *error on failure.
    bool write(const void* data, size_t size, std::string* error);
    // Finishes the output: fsync + rename for a regular file, close for a stream.
    bool commit(std::string* error);
    // Closes and removes the temporary file (a stream is closed); also done by the destructor.
    void discard() noexcept;

    bool isStream() const noexcept { return stream_; }
    // Where the bytes go until commit(): the temporary file, or the stream itself.
    const std::string& writingPath() const noexcept { return temporary_.empty() ? destination_ : temporary_; }

private:
    int fd_ = -1;
    bool stream_ = false;
    std::string path_;         // as given, for messages
    std::string destination_;  // the final path (a symbolic link resolved)
    std::string temporary_;    // empty for a stream
};

// Writes `bytes` to `path` through an OutputFile.
bool writeFileAtomically(const std::string& path, const std::vector<uint8_t>& bytes, std::string* error);

// Fails early (before a long render) when `path` would be refused or its directory does not
// exist or is not writable. The real check is OutputFile::open.
bool checkOutputWritable(const std::string& path, std::string* error);

} // namespace aap::host_tool
