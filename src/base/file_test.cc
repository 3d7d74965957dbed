#include "src/base/file.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace tfmodel {
namespace {

std::string TempDir() {
  std::string d = ::testing::TempDir() + "tfm_file_test_" + RandomDigits();
  EXPECT_TRUE(CreateDirectories(d).ok());
  return d;
}

TEST(File, AtomicWriteReplacesAndLeavesNoTemp) {
  std::string dir = TempDir();
  std::string p = JoinPath(dir, "state");
  ASSERT_TRUE(WriteFileAtomically(p, "one").ok());
  ASSERT_TRUE(WriteFileAtomically(p, "two").ok());
  EXPECT_EQ(ReadFileToString(p).value(), "two");
  EXPECT_EQ(ListDirectory(dir).value(), std::vector<std::string>{"state"});
}

TEST(File, ErrorsNameThePath) {
  auto r = ReadFileToString("/nonexistent/dir/file");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/dir/file"), std::string::npos);
  auto w = WritableFile::Create("/nonexistent/dir/file");
  EXPECT_FALSE(w.ok());
}

TEST(File, MappedFileSeesContents) {
  std::string dir = TempDir();
  std::string p = JoinPath(dir, "f");
  ASSERT_TRUE(WriteFileAtomically(p, std::string(5000, 'x') + "end", false).ok());
  auto m = MappedFile::Open(p);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->size(), 5003u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>((*m)->data()) + 5000, 3), "end");
  ASSERT_TRUE(WriteFileAtomically(JoinPath(dir, "empty"), "", false).ok());
  auto e = MappedFile::Open(JoinPath(dir, "empty"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->size(), 0u);
}

TEST(File, Paths) {
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("a", "/b"), "/b");
  EXPECT_EQ(Dirname("a/b/c"), "a/b");
  EXPECT_EQ(Dirname("c"), "");
  EXPECT_EQ(Dirname("/c"), "/");
  EXPECT_EQ(Basename("a/b/c"), "c");
}

}  // namespace
}  // namespace tfmodel
