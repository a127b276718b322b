// aap-host's output files (tools/aap-host/file-io.h): a fresh O_EXCL | O_NOFOLLOW temporary file
// renamed only over a regular file; FIFOs and character devices written in place; other special
// files refused and never replaced; a symbolic link planted at the temporary name never followed.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "file-io.h"

namespace aap::host_tool {
namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool exists(const std::string& path) {
    struct stat info {};
    return ::lstat(path.c_str(), &info) == 0;
}

class OutputFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/aap-output-file-test-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::string command = "rm -rf '" + dir_ + "'";
        EXPECT_EQ(std::system(command.c_str()), 0);
    }
    std::string path(const std::string& name) const { return dir_ + "/" + name; }
    void writeText(const std::string& name, const std::string& text) { std::ofstream(path(name)) << text; }
    // Names in the directory other than `keep`.
    std::string others(std::initializer_list<std::string> keep) {
        std::string command = "ls -A '" + dir_ + "'";
        std::string listing;
        FILE* pipe = ::popen(command.c_str(), "r");
        char line[512];
        while (pipe != nullptr && std::fgets(line, sizeof(line), pipe) != nullptr) {
            std::string name = line;
            name.pop_back();
            bool kept = false;
            for (const std::string& k : keep)
                kept = kept || name == k;
            if (!kept)
                listing += name + " ";
        }
        if (pipe != nullptr)
            ::pclose(pipe);
        return listing;
    }
    std::string dir_;
};

TEST_F(OutputFileTest, ReplacesARegularFileOnlyOnCommit) {
    writeText("out.wav", "old");
    OutputFile file;
    std::string error;
    ASSERT_TRUE(OutputFile::open(path("out.wav"), &file, &error)) << error;
    EXPECT_FALSE(file.isStream());
    EXPECT_NE(file.writingPath(), path("out.wav"));
    EXPECT_EQ(file.writingPath().rfind(path(".out.wav.tmp-"), 0), 0u) << file.writingPath();
    ASSERT_TRUE(file.write("new", 3, &error)) << error;
    EXPECT_EQ(slurp(path("out.wav")), "old");  // untouched until commit
    ASSERT_TRUE(file.commit(&error)) << error;
    EXPECT_EQ(slurp(path("out.wav")), "new");
    EXPECT_EQ(others({"out.wav"}), "");
}

TEST_F(OutputFileTest, DiscardingLeavesNothingBehind) {
    {
        OutputFile file;
        std::string error;
        ASSERT_TRUE(OutputFile::open(path("out.wav"), &file, &error)) << error;
        ASSERT_TRUE(file.write("partial", 7, &error));
    }
    EXPECT_EQ(others({}), "");
}

// The temporary name tried first has a symbolic link planted at it (to an existing file and to a
// file that does not exist yet, which O_CREAT alone would create): neither target is touched, the
// link is left alone and the output goes through the next, fresh name.
TEST_F(OutputFileTest, APlantedSymbolicLinkAtTheTemporaryNameIsNeverFollowed) {
    writeText("victim", "precious");
    ASSERT_EQ(::symlink(path("victim").c_str(), path(".out.wav.tmp-planted").c_str()), 0);
    ASSERT_EQ(::symlink(path("created-through-link").c_str(), path(".out.wav.tmp-dangling").c_str()), 0);
    const char* names[] = {"planted", "dangling", "fresh"};
    int attempt = 0;
    OutputFile file;
    std::string error;
    ASSERT_TRUE(OutputFile::open(path("out.wav"), &file, &error, [&] { return std::string(names[attempt++]); }))
        << error;
    EXPECT_EQ(attempt, 3);
    EXPECT_EQ(file.writingPath(), path(".out.wav.tmp-fresh"));
    ASSERT_TRUE(file.write("rendered", 8, &error));
    ASSERT_TRUE(file.commit(&error)) << error;
    EXPECT_EQ(slurp(path("victim")), "precious");
    EXPECT_FALSE(exists(path("created-through-link")));
    EXPECT_EQ(slurp(path("out.wav")), "rendered");
    struct stat info {};
    ASSERT_EQ(::lstat(path(".out.wav.tmp-planted").c_str(), &info), 0);
    EXPECT_TRUE(S_ISLNK(info.st_mode));
}

TEST_F(OutputFileTest, ASymbolicLinkAsTheOutputWritesItsTargetAndStays) {
    writeText("real.wav", "old");
    ASSERT_EQ(::symlink("real.wav", path("link.wav").c_str()), 0);
    std::string error;
    ASSERT_TRUE(writeFileAtomically(path("link.wav"), {'n', 'e', 'w'}, &error)) << error;
    EXPECT_EQ(slurp(path("real.wav")), "new");
    struct stat info {};
    ASSERT_EQ(::lstat(path("link.wav").c_str(), &info), 0);
    EXPECT_TRUE(S_ISLNK(info.st_mode));
    // A link to nothing is refused rather than guessed at.
    ASSERT_EQ(::symlink(path("missing.wav").c_str(), path("dangling.wav").c_str()), 0);
    EXPECT_FALSE(writeFileAtomically(path("dangling.wav"), {'x'}, &error));
    EXPECT_NE(error.find("symbolic link"), std::string::npos) << error;
    EXPECT_FALSE(exists(path("missing.wav")));
}

TEST_F(OutputFileTest, AFifoIsWrittenInPlace) {
    ASSERT_EQ(::mkfifo(path("pipe").c_str(), 0600), 0);
    // Open the reading end first (non-blocking), so the writer's open does not wait.
    int reader = ::open(path("pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(reader, 0);
    OutputFile file;
    std::string error;
    ASSERT_TRUE(OutputFile::open(path("pipe"), &file, &error)) << error;
    EXPECT_TRUE(file.isStream());
    ASSERT_TRUE(file.write("streamed", 8, &error)) << error;
    ASSERT_TRUE(file.commit(&error)) << error;
    char buffer[16] = {};
    EXPECT_EQ(::read(reader, buffer, sizeof(buffer)), 8);
    EXPECT_EQ(std::string(buffer), "streamed");
    ::close(reader);
    struct stat info {};
    ASSERT_EQ(::lstat(path("pipe").c_str(), &info), 0);
    EXPECT_TRUE(S_ISFIFO(info.st_mode));
    EXPECT_EQ(others({"pipe"}), "");
}

TEST_F(OutputFileTest, DevNullIsWrittenInPlaceAndNeverReplaced) {
    struct stat before {}, after {};
    ASSERT_EQ(::lstat("/dev/null", &before), 0);
    ASSERT_TRUE(S_ISCHR(before.st_mode));
    std::string error;
    EXPECT_TRUE(writeFileAtomically("/dev/null", {'x', 'y'}, &error)) << error;
    ASSERT_EQ(::lstat("/dev/null", &after), 0);
    EXPECT_TRUE(S_ISCHR(after.st_mode));
    EXPECT_EQ(before.st_ino, after.st_ino);
    EXPECT_EQ(before.st_rdev, after.st_rdev);
    EXPECT_EQ(before.st_mode, after.st_mode);
}

TEST_F(OutputFileTest, ASocketOrADirectoryIsRefusedAndLeftAsItIs) {
    int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string socketPath = path("socket");
    ASSERT_LT(socketPath.size(), sizeof(address.sun_path));
    std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", socketPath.c_str());
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    std::string error;
    EXPECT_FALSE(checkOutputWritable(socketPath, &error));
    EXPECT_NE(error.find("it is a socket"), std::string::npos) << error;
    EXPECT_FALSE(writeFileAtomically(socketPath, {'x'}, &error));
    EXPECT_NE(error.find("it is a socket"), std::string::npos) << error;
    struct stat info {};
    ASSERT_EQ(::lstat(socketPath.c_str(), &info), 0);
    EXPECT_TRUE(S_ISSOCK(info.st_mode));
    ::close(listener);
    EXPECT_FALSE(writeFileAtomically(dir_, {'x'}, &error));
    EXPECT_NE(error.find("it is a directory"), std::string::npos) << error;
    EXPECT_EQ(others({"socket"}), "");
}

// Between open() and commit() the destination became a FIFO: commit refuses to rename over it.
TEST_F(OutputFileTest, CommitNeverRenamesOverAFileThatBecameSpecial) {
    OutputFile file;
    std::string error;
    ASSERT_TRUE(OutputFile::open(path("out.wav"), &file, &error)) << error;
    ASSERT_TRUE(file.write("x", 1, &error));
    ASSERT_EQ(::mkfifo(path("out.wav").c_str(), 0600), 0);
    EXPECT_FALSE(file.commit(&error));
    EXPECT_NE(error.find("no longer a regular file"), std::string::npos) << error;
    struct stat info {};
    ASSERT_EQ(::lstat(path("out.wav").c_str(), &info), 0);
    EXPECT_TRUE(S_ISFIFO(info.st_mode));
    EXPECT_EQ(others({"out.wav"}), "");
}

} // namespace
} // namespace aap::host_tool
