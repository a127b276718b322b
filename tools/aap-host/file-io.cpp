#include "file-io.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

namespace aap::host_tool {
namespace {

std::string directoryOf(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const noexcept { return fd_; }
    int release() noexcept {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_;
};

} // namespace

bool readWholeFile(const std::string& path, std::vector<uint8_t>* bytes, std::string* error, uint64_t maxBytes) {
    FileDescriptor fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
    if (fd.get() < 0) {
        *error = "cannot read " + path + ": " + std::strerror(errno);
        return false;
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
        *error = "cannot read " + path + ": not a regular file";
        return false;
    }
    if (static_cast<uint64_t>(info.st_size) > maxBytes) {
        *error = "cannot read " + path + ": larger than " + std::to_string(maxBytes) + " bytes";
        return false;
    }
    std::vector<uint8_t> data(static_cast<size_t>(info.st_size));
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::read(fd.get(), data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *error = "cannot read " + path + ": " + (n < 0 ? std::strerror(errno) : "file shrank while reading");
            return false;
        }
        done += static_cast<size_t>(n);
    }
    *bytes = std::move(data);
    return true;
}

namespace {

std::string baseNameOf(const std::string& path) {
    auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// What an output path names, after resolving a symbolic link.
struct Destination {
    enum class Kind { Absent, Regular, Stream } kind = Kind::Absent;
    std::string path;
};

bool classifyOutput(const std::string& path, Destination* destination, std::string* error) {
    if (path.empty()) {
        *error = "empty output path";
        return false;
    }
    auto fail = [&](const std::string& why) {
        *error = "cannot write " + path + ": " + why;
        return false;
    };
    std::string resolved = path;
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) {
        if (errno != ENOENT)
            return fail(std::strerror(errno));
        destination->kind = Destination::Kind::Absent;
        destination->path = path;
        return true;
    }
    if (S_ISLNK(info.st_mode)) {
        // The user named the link: the file it points to is the destination (the link stays).
        char* real = ::realpath(path.c_str(), nullptr);
        if (real == nullptr)
            return fail(std::string("it is a symbolic link that cannot be resolved: ") + std::strerror(errno));
        resolved = real;
        std::free(real);
        if (::lstat(resolved.c_str(), &info) != 0)
            return fail(resolved + ": " + std::strerror(errno));
    }
    if (S_ISDIR(info.st_mode))
        return fail("it is a directory");
    if (S_ISBLK(info.st_mode))
        return fail("it is a block device (aap-host writes regular files, FIFOs and character devices only)");
    if (S_ISSOCK(info.st_mode))
        return fail("it is a socket (aap-host writes regular files, FIFOs and character devices only)");
    if (S_ISFIFO(info.st_mode) || S_ISCHR(info.st_mode)) {
        destination->kind = Destination::Kind::Stream;
    } else if (S_ISREG(info.st_mode)) {
        destination->kind = Destination::Kind::Regular;
    } else {
        return fail("it is not a regular file");
    }
    destination->path = resolved;
    return true;
}

std::string randomName() {
    static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    uint8_t bytes[12];
    size_t got = 0;
    while (got < sizeof(bytes)) {
        ssize_t n = ::getrandom(bytes + got, sizeof(bytes) - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += static_cast<size_t>(n);
    }
    if (got < sizeof(bytes)) {  // no getrandom (old kernel): still unpredictable enough to retry on
        std::random_device device;
        for (uint8_t& b : bytes)
            b = static_cast<uint8_t>(device());
    }
    std::string name;
    for (uint8_t b : bytes)
        name += kAlphabet[b % (sizeof(kAlphabet) - 1)];
    return name;
}

} // namespace

OutputFile::~OutputFile() { discard(); }

OutputFile::OutputFile(OutputFile&& other) noexcept
    : fd_(other.fd_), stream_(other.stream_), path_(std::move(other.path_)),
      destination_(std::move(other.destination_)), temporary_(std::move(other.temporary_)) {
    other.fd_ = -1;
    other.temporary_.clear();
}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
    if (this != &other) {
        discard();
        fd_ = other.fd_;
        stream_ = other.stream_;
        path_ = std::move(other.path_);
        destination_ = std::move(other.destination_);
        temporary_ = std::move(other.temporary_);
        other.fd_ = -1;
        other.temporary_.clear();
    }
    return *this;
}

bool OutputFile::open(const std::string& path, OutputFile* file, std::string* error,
                      const std::function<std::string()>& temporaryName) {
    Destination destination;
    if (!classifyOutput(path, &destination, error))
        return false;
    OutputFile out;
    out.path_ = path;
    out.destination_ = destination.path;
    if (destination.kind == Destination::Kind::Stream) {
        // Written in place, never replaced. Opening a FIFO waits for its reader, as any writer does.
        int fd = ::open(destination.path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
            *error = "cannot write " + path + ": " + std::strerror(errno);
            return false;
        }
        out.fd_ = fd;
        out.stream_ = true;
        struct stat info {};
        if (::fstat(fd, &info) != 0 || !(S_ISFIFO(info.st_mode) || S_ISCHR(info.st_mode))) {
            *error = "cannot write " + path + ": it changed while being opened";
            return false;
        }
        *file = std::move(out);
        return true;
    }
    // A fresh file beside the destination (same file system, so rename is atomic). O_EXCL and
    // O_NOFOLLOW: whatever exists at the name - a file, a planted symbolic link - is never opened.
    const std::string directory = directoryOf(destination.path);
    std::string base = baseNameOf(destination.path);
    if (base.size() > 200)
        base.resize(200);  // the temporary name stays within NAME_MAX
    for (int attempt = 0; attempt < 100; attempt++) {
        std::string candidate =
            directory + "/." + base + ".tmp-" + (temporaryName ? temporaryName() : randomName());
        int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd >= 0) {
            out.fd_ = fd;
            out.temporary_ = std::move(candidate);
            *file = std::move(out);
            return true;
        }
        if (errno != EEXIST && errno != ELOOP) {
            const int code = errno;
            if (code == EACCES || code == EPERM || code == EROFS)
                *error = "cannot write " + path + ": directory " + directory + " is not writable: " + std::strerror(code);
            else
                *error = "cannot write " + path + ": " + std::strerror(code);
            return false;
        }
    }
    *error = "cannot write " + path + ": no unused temporary file name in " + directory;
    return false;
}

bool OutputFile::write(const void* data, size_t size, std::string* error) {
    const auto* bytes = static_cast<const uint8_t*>(data);
    size_t done = 0;
    while (done < size) {
        ssize_t n = ::write(fd_, bytes + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *error = "cannot write " + path_ + ": write: " + std::strerror(n < 0 ? errno : EIO);
            return false;
        }
        done += static_cast<size_t>(n);
    }
    return true;
}

bool OutputFile::commit(std::string* error) {
    if (fd_ < 0) {
        *error = "cannot write " + path_ + ": not open";
        return false;
    }
    auto failWith = [&](const std::string& what, int code) {
        discard();
        *error = "cannot write " + path_ + ": " + what + (code != 0 ? std::string(": ") + std::strerror(code) : "");
        return false;
    };
    if (!stream_ && ::fsync(fd_) != 0)
        return failWith("fsync", errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0)
        return failWith("close", errno);
    if (stream_)
        return true;
    // Replace only a regular file (or nothing): the destination may have changed since open().
    struct stat info {};
    if (::lstat(destination_.c_str(), &info) == 0 && !S_ISREG(info.st_mode))
        return failWith("it is no longer a regular file; it is left as it is", 0);
    if (::rename(temporary_.c_str(), destination_.c_str()) != 0)
        return failWith("rename", errno);
    temporary_.clear();
    return true;
}

void OutputFile::discard() noexcept {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (!temporary_.empty()) {
        ::unlink(temporary_.c_str());
        temporary_.clear();
    }
}

bool checkOutputWritable(const std::string& path, std::string* error) {
    Destination destination;
    if (!classifyOutput(path, &destination, error))
        return false;
    if (destination.kind == Destination::Kind::Stream)
        return true;
    const std::string directory = directoryOf(destination.path);
    if (::access(directory.c_str(), W_OK | X_OK) != 0) {
        const int code = errno;
        if (code == EACCES || code == EPERM || code == EROFS)
            *error = "cannot write " + path + ": directory " + directory + " is not writable: " + std::strerror(code);
        else
            *error = "cannot write " + path + ": directory " + directory + ": " + std::strerror(code);
        return false;
    }
    return true;
}

bool writeFileAtomically(const std::string& path, const std::vector<uint8_t>& bytes, std::string* error) {
    OutputFile file;
    return OutputFile::open(path, &file, error) && file.write(bytes.data(), bytes.size(), error) &&
           file.commit(error);
}

} // namespace aap::host_tool
