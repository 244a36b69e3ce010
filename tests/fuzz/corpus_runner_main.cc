// Runs a libFuzzer target over a seed corpus without libFuzzer, so the corpus is a regression
// suite in every build (g++ included). Usage: <target>_corpus <dir-or-file>...
// Each file is fed to LLVMFuzzerTestOneInput exactly once; a crash, sanitizer report or
// non-zero return fails the run. Prints "N passed, 0 failed" at the end.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(p)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else if (std::filesystem::is_regular_file(p)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "corpus path not found: %s\n", argv[i]);
      return 1;
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "empty corpus\n");
    return 1;
  }
  int failed = 0;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Copy into an exact-size heap buffer so ASan catches reads past the input.
    std::vector<uint8_t> buf(bytes.begin(), bytes.end());
    const uint8_t* data = buf.empty() ? nullptr : buf.data();
    if (LLVMFuzzerTestOneInput(data, buf.size()) != 0) {
      std::fprintf(stderr, "FAILED: %s\n", f.c_str());
      ++failed;
    }
  }
  std::printf("%zu passed, %d failed\n", files.size() - static_cast<size_t>(failed), failed);
  return failed == 0 ? 0 : 1;
}
