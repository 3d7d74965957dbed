// Helpers shared by tests (header-only; test binaries only).
#ifndef TFMODEL_SRC_BASE_TEST_UTIL_H_
#define TFMODEL_SRC_BASE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include "src/base/file.h"
#include "tfmodel/status.h"

namespace tfmodel::test {

// A fresh directory under the test temp dir; all of them are removed when the test binary exits,
// unless a test failed (then they are kept for inspection).
inline std::string MakeTempDir(const std::string& tag) {
  struct TempDirs {
    std::vector<std::string> dirs;
    ~TempDirs() {
      if (::testing::UnitTest::GetInstance()->Failed()) return;
      std::error_code ignored;
      for (const std::string& d : dirs) std::filesystem::remove_all(d, ignored);
    }
  };
  static TempDirs temp_dirs;
  std::string d = ::testing::TempDir() + "tfm_test_" + tag + "_" + RandomDigits();
  EXPECT_TRUE(CreateDirectories(d).ok());
  temp_dirs.dirs.push_back(d);
  return d;
}

// Success when `s` is an error whose message contains every one of `parts`.
inline ::testing::AssertionResult Mentions(const Status& s, std::initializer_list<std::string> parts) {
  if (s.ok()) return ::testing::AssertionFailure() << "expected an error, got OK";
  for (const std::string& p : parts) {
    if (s.message().find(p) == std::string::npos) {
      return ::testing::AssertionFailure() << "\"" << p << "\" not in: " << s.ToString();
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace tfmodel::test

#endif  // TFMODEL_SRC_BASE_TEST_UTIL_H_
