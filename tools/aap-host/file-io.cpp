#include "file-io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

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

bool checkOutputWritable(const std::string& path, std::string* error) {
    if (path.empty()) {
        *error = "empty output path";
        return false;
    }
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
        *error = "cannot write " + path + ": it is a directory";
        return false;
    }
    const std::string directory = directoryOf(path);
    if (::access(directory.c_str(), W_OK | X_OK) != 0) {
        *error = "cannot write " + path + ": directory " + directory + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

bool writeFileAtomically(const std::string& path, const std::vector<uint8_t>& bytes, std::string* error) {
    if (!checkOutputWritable(path, error))
        return false;
    const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
    FileDescriptor fd{::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (fd.get() < 0) {
        *error = "cannot write " + path + ": " + std::strerror(errno);
        return false;
    }
    auto failWith = [&](const char* what, int code) {
        ::close(fd.release());
        ::unlink(temporary.c_str());
        *error = "cannot write " + path + ": " + what + ": " + std::strerror(code);
        return false;
    };
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return failWith("write", n < 0 ? errno : EIO);
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0)
        return failWith("fsync", errno);
    if (::close(fd.release()) != 0) {
        int code = errno;
        ::unlink(temporary.c_str());
        *error = "cannot write " + path + ": close: " + std::strerror(code);
        return false;
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        int code = errno;
        ::unlink(temporary.c_str());
        *error = "cannot write " + path + ": rename: " + std::strerror(code);
        return false;
    }
    return true;
}

} // namespace aap::host_tool
