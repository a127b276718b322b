// Every reference the documentation and the source comments make to a file must name a file of
// this repository (issue 12: "docs that stand on their own"). Scanned: every *.md of the tree
// (README.md, CONTRIBUTING.md, docs/**) and every source, CMake and script file. A finding names
// the file, the line and what is wrong.
//
// Rules:
//   1. No path that leads out of the repository: a build machine's absolute path (the workspace
//      root), and the background notes that were never part of the tree (a "shared" directory next
//      to the repository).
//   2. Every file name ending in ".md" (outside URLs) resolves to a file of the repository:
//      relative to the citing file's directory or one of its ancestors (so a header may cite
//      docs/spec/abi.md and a page in docs/ the same file by its shorter name).
//   3. Every relative markdown link [text](target) resolves relative to the page, stays inside the
//      repository, and exists (the #anchor is not checked).
//   4. Every cited path that starts with a top-level directory of the repository ("tests/wire/",
//      "hosting/src/plugin-service.cpp", ...) exists relative to the citing file's directory or
//      one of its ancestors.
// TheChecksCatchBadReferences proves each check finds what it should in made-up text; this file,
// which holds those bad references on purpose, is left out of the tree scan.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path& root() {
    static const fs::path path = fs::weakly_canonical(fs::path(AAP_SOURCE_DIR));
    return path;
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string repoPath(const fs::path& path) {
    return fs::relative(path, root()).generic_string();
}

bool isInsideRepository(const fs::path& path) {
    const std::string r = fs::weakly_canonical(path).lexically_relative(root()).generic_string();
    return !r.empty() && r.rfind("..", 0) != 0;
}

// Directories never scanned: build trees, VCS data, binary fuzz seeds.
bool isSkippedDirectory(const fs::path& path) {
    const std::string name = path.filename().string();
    if (name == ".git" || name == "build" || name.rfind("build-", 0) == 0 || name == "corpus")
        return true;
    return false;
}

bool isScannedFile(const fs::path& path) {
    static const std::set<std::string> extensions = {".md", ".h", ".hpp", ".c", ".cc", ".cpp", ".cmake",
                                                     ".txt", ".py", ".sh", ".json", ".xml", ".in"};
    const std::string name = path.filename().string();
    if (name == "run" && path.parent_path().filename() == ".ci")
        return true;
    return extensions.count(path.extension().string()) != 0;
}

std::vector<fs::path> scannedFiles() {
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(root()); it != fs::recursive_directory_iterator(); ++it) {
        if (it->is_directory()) {
            if (isSkippedDirectory(it->path()))
                it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file() && isScannedFile(it->path()))
            files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

// Line number (1-based) of a byte offset.
std::size_t lineOf(const std::string& text, std::size_t offset) {
    return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

// The text with every URL (scheme://...) blanked out, keeping offsets, so that web addresses and
// extension URIs are not mistaken for file names.
std::string withoutUrls(std::string text) {
    static const std::regex url(R"([A-Za-z][A-Za-z0-9+.\-]*://[^\s)>"'`\]]*)");
    for (std::sregex_iterator it(text.begin(), text.end(), url), end; it != end; ++it)
        std::fill(text.begin() + it->position(), text.begin() + it->position() + it->length(), ' ');
    return text;
}

bool isPathChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '/' || c == '+';
}

// Resolves `cited` against the citing file's directory and each ancestor up to the root.
bool resolves(const fs::path& citingFile, const std::string& cited) {
    for (fs::path dir = citingFile.parent_path();; dir = dir.parent_path()) {
        const fs::path candidate = dir / cited;
        if (fs::exists(candidate) && isInsideRepository(candidate))
            return true;
        if (dir == root() || !isInsideRepository(dir / "x"))
            return false;
    }
}

struct Finding {
    std::string where;
    std::string what;
};

std::string format(const std::vector<Finding>& findings) {
    std::string out;
    for (const auto& f : findings)
        out += "  " + f.where + ": " + f.what + "\n";
    return out;
}

std::string where(const fs::path& file, const std::string& text, std::size_t offset) {
    return repoPath(file) + ":" + std::to_string(lineOf(text, offset));
}

// The strings of rule 1, assembled so that this file does not contain them literally.
std::vector<std::string> forbiddenFragments() {
    const std::string slash = "/";
    return {slash + "work" + slash, ".." + slash + "shared", "shared" + slash + "spec", "shared" + slash + "design",
            "shared" + slash + "style"};
}

// Top-level entries of the repository that rule 4 treats as the start of a cited path.
std::vector<std::string> topLevelDirectories() {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(root())) {
        const std::string name = entry.path().filename().string();
        if (entry.is_directory() && !isSkippedDirectory(entry.path()) && name != ".git")
            names.push_back(name);
    }
    return names;
}

} // namespace

TEST(References, TheScanFindsTheDocumentationAndTheSources) {
    const auto files = scannedFiles();
    std::set<std::string> names;
    for (const auto& f : files)
        names.insert(repoPath(f));
    // Guards against a scan that silently checks nothing.
    for (const char* expected : {"README.md", "docs/README.md", "docs/spec/abi.md", "docs/spec/wire.md",
                                 "docs/architecture.md", "include/aap/android-audio-plugin.h",
                                 "hosting/src/plugin-service.cpp", "tests/CMakeLists.txt"})
        EXPECT_TRUE(names.count(expected)) << expected << " is not scanned";
    EXPECT_GT(files.size(), 200u);
}

namespace {

// ---- the four checks, each on one file's text (so a test can feed them a made-up file) ----

std::vector<Finding> pathsOutOfTheRepository(const fs::path& file, const std::string& text) {
    std::vector<Finding> findings;
    for (const auto& fragment : forbiddenFragments())
        for (std::size_t at = text.find(fragment); at != std::string::npos; at = text.find(fragment, at + 1))
            findings.push_back({where(file, text, at), "refers to \"" + fragment + "\", outside the repository"});
    return findings;
}

std::vector<Finding> missingMarkdownFiles(const fs::path& file, const std::string& original) {
    std::vector<Finding> findings;
    static const std::regex md(R"([A-Za-z0-9_./+\-]*[A-Za-z0-9_+\-]\.md\b)");
    const std::string text = withoutUrls(original);
    for (std::sregex_iterator it(text.begin(), text.end(), md), end; it != end; ++it) {
        const std::size_t at = static_cast<std::size_t>(it->position());
        if (at > 0 && (isPathChar(text[at - 1]) || text[at - 1] == ':'))
            continue; // part of a longer token the regex did not start at, or of a URN
        std::string cited = it->str();
        // "${PROJECT_SOURCE_DIR}/docs/README.md", SOURCE_DIR "/docs/README.md": the name after a
        // variable counts from the repository root (an absolute path elsewhere is then missing).
        while (!cited.empty() && cited[0] == '/')
            cited.erase(0, 1);
        if (!resolves(file, cited))
            findings.push_back({where(file, original, at), "cites \"" + cited + "\", which is not in the repository"});
    }
    return findings;
}

std::vector<Finding> brokenMarkdownLinks(const fs::path& file, const std::string& text) {
    std::vector<Finding> findings;
    static const std::regex link(R"(\]\(([^)\s]+)\))");
    for (std::sregex_iterator it(text.begin(), text.end(), link), end; it != end; ++it) {
        std::string target = (*it)[1].str();
        if (target.find("://") != std::string::npos || target.rfind("mailto:", 0) == 0 || target[0] == '#')
            continue;
        target = target.substr(0, target.find('#'));
        const fs::path resolved = file.parent_path() / target;
        if (!isInsideRepository(resolved))
            findings.push_back({where(file, text, static_cast<std::size_t>(it->position())),
                                "links to \"" + target + "\", outside the repository"});
        else if (!fs::exists(resolved))
            findings.push_back({where(file, text, static_cast<std::size_t>(it->position())),
                                "links to \"" + target + "\", which does not exist"});
    }
    return findings;
}

std::vector<Finding> missingRepositoryPaths(const fs::path& file, const std::string& original) {
    static const std::vector<std::string> tops = topLevelDirectories();
    std::vector<Finding> findings;
    const std::string text = withoutUrls(original);
    for (const auto& top : tops) {
        const std::string prefix = top + "/";
        for (std::size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
            if (at > 0 && (isPathChar(text[at - 1]) || text[at - 1] == ':'))
                continue; // inside a longer path (aap/ext/...) or a URN (urn:x:ext/v1)
            std::size_t end = at;
            while (end < text.size() && isPathChar(text[end]))
                end++;
            std::string cited = text.substr(at, end - at);
            while (!cited.empty() && (cited.back() == '.' || cited.back() == '-'))
                cited.pop_back();
            if (!resolves(file, cited))
                findings.push_back({where(file, original, at), "cites \"" + cited + "\", which does not exist"});
        }
    }
    return findings;
}

using Check = std::vector<Finding> (*)(const fs::path&, const std::string&);

// Every scanned file except this one, whose probes in TheChecksCatchBadReferences are bad
// references on purpose.
std::vector<Finding> checkTree(Check check, bool markdownOnly) {
    std::vector<Finding> findings;
    const fs::path self = root() / "tests" / "docs" / "references-test.cpp";
    for (const auto& file : scannedFiles()) {
        if ((markdownOnly && file.extension() != ".md") || file == self)
            continue;
        auto found = check(file, readFile(file));
        findings.insert(findings.end(), found.begin(), found.end());
    }
    return findings;
}

} // namespace

// The checks are real: each one finds what it is meant to find in a made-up page and a made-up
// header, and accepts the good references next to them.
TEST(References, TheChecksCatchBadReferences) {
    const fs::path page = root() / "docs" / "probe.md";
    const fs::path header = root() / "include" / "aap" / "probe.h";
    const std::string slash = "/";

    EXPECT_EQ(1u, pathsOutOfTheRepository(page, "see " + slash + "work" + slash + "main/x.txt").size());
    EXPECT_FALSE(pathsOutOfTheRepository(page, "see .." + slash + "shared" + slash + "notes.txt").empty());
    EXPECT_TRUE(pathsOutOfTheRepository(page, "see spec/abi.md").empty());

    EXPECT_EQ(1u, missingMarkdownFiles(page, "as design.md says").size());
    EXPECT_EQ(1u, missingMarkdownFiles(header, "(docs/spec/nowhere.md section 2)").size());
    EXPECT_EQ(1u, missingMarkdownFiles(page, "spec/abi.md and spec/gone.md").size());
    EXPECT_TRUE(missingMarkdownFiles(page, "spec/abi.md, hosting.md, ../README.md").empty());
    EXPECT_TRUE(missingMarkdownFiles(header, "docs/spec/wire.md section 3").empty());
    EXPECT_TRUE(missingMarkdownFiles(page, "https://example.org/other/README.x.md").empty());

    EXPECT_EQ(1u, brokenMarkdownLinks(page, "[a](spec/missing.md)").size());
    EXPECT_EQ(1u, brokenMarkdownLinks(page, "[a](../../outside.md)").size());
    EXPECT_TRUE(brokenMarkdownLinks(page, "[a](spec/abi.md#4-routing) [b](#top) [c](https://x.org/y)").empty());

    EXPECT_EQ(1u, missingRepositoryPaths(header, "see tests/wire/no_such_test.cpp").size());
    EXPECT_EQ(1u, missingRepositoryPaths(page, "hosting/src/gone.cpp.").size());
    EXPECT_TRUE(missingRepositoryPaths(header, "tests/wire/wire_vectors_test.cpp, aap/ext/midi.h, urn:x:ext/v1").empty());
}

TEST(References, NoPathLeadsOutOfTheRepository) {
    const auto findings = checkTree(&pathsOutOfTheRepository, false);
    EXPECT_TRUE(findings.empty()) << findings.size() << " reference(s) outside the repository:\n" << format(findings);
}

TEST(References, EveryCitedMarkdownFileExists) {
    const auto findings = checkTree(&missingMarkdownFiles, false);
    EXPECT_TRUE(findings.empty()) << findings.size() << " missing markdown file(s):\n" << format(findings);
}

TEST(References, EveryRelativeMarkdownLinkExists) {
    const auto findings = checkTree(&brokenMarkdownLinks, true);
    EXPECT_TRUE(findings.empty()) << findings.size() << " broken link(s):\n" << format(findings);
}

TEST(References, EveryCitedRepositoryPathExists) {
    const auto findings = checkTree(&missingRepositoryPaths, false);
    EXPECT_TRUE(findings.empty()) << findings.size() << " missing path(s):\n" << format(findings);
}
