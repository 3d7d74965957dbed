// End-to-end tests of the `tfmodel` binary: exit codes, stdout and stderr.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include <tfmodel/checkpoint.h>

namespace tfmodel {
namespace {

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun Exec(const std::string& args) {
  std::string err_file = ::testing::TempDir() + "cli_stderr.txt";
  std::string cmd = std::string(TFMODEL_CLI) + " " + args + " 2>" + err_file;
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream in(err_file);
  r.err.assign(std::istreambuf_iterator<char>(in), {});
  return r;
}

const std::string kHalfPlusTwo = std::string(TFMODEL_CORPUS_DIR) +
    "/tensorflow-serving/servables/tensorflow/testdata/saved_model_half_plus_two_cpu/00000123/"
    "variables/variables";

TEST(Cli, InspectListsTensorsLikeTensorFlow) {
  CliRun r = Exec("inspect-checkpoint " + kHalfPlusTwo);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "a (DT_FLOAT) []\na2 (DT_FLOAT) []\nb (DT_FLOAT) []\nc (DT_FLOAT) []\n"
                   "c2 (DT_FLOAT) []\n");
}

TEST(Cli, InspectJsonWithValues) {
  CliRun r = Exec("inspect-checkpoint " + kHalfPlusTwo + " --tensor b --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"tensors\": [{\"name\": \"b\", \"dtype\": \"float32\", \"shape\": [], "
                   "\"values\": [2.0]}]}\n");
  CliRun all = Exec("inspect-checkpoint " + kHalfPlusTwo + " --all");
  EXPECT_NE(all.out.find("tensor_name:  a\n0.5\n"), std::string::npos) << all.out;
}

TEST(Cli, ErrorsGoToStderrWithNonZeroExit) {
  CliRun missing = Exec("inspect-checkpoint /nonexistent/model.ckpt");
  EXPECT_EQ(missing.code, 1);
  EXPECT_TRUE(missing.out.empty());
  EXPECT_NE(missing.err.find("/nonexistent/model.ckpt"), std::string::npos) << missing.err;
  CliRun no_tensor = Exec("inspect-checkpoint " + kHalfPlusTwo + " --tensor zz");
  EXPECT_EQ(no_tensor.code, 1);
  EXPECT_NE(no_tensor.err.find("\"zz\""), std::string::npos);
  CliRun bad_args = Exec("inspect-checkpoint");
  EXPECT_EQ(bad_args.code, 2);
  CliRun unknown = Exec("frobnicate");
  EXPECT_EQ(unknown.code, 2);
}

TEST(Cli, VerifyReportsCorruptTensorByNameFileAndOffset) {
  std::string dir = ::testing::TempDir() + "cli_verify";
  std::string prefix = dir + "/m";
  auto w = CheckpointWriter::Create(prefix);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Add("first", Tensor::Scalar(1.0f)).ok());
  ASSERT_TRUE((*w)->Add("second", Tensor::Scalar(2.0f)).ok());
  ASSERT_TRUE((*w)->Finish().ok());
  CliRun ok = Exec("verify-checkpoint " + prefix);
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("OK: 2 tensors"), std::string::npos);
  {  // flip a byte of "second" (data offset 4)
    std::fstream f(prefix + ".data-00000-of-00001", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5);
    f.put('\x7f');
  }
  CliRun bad = Exec("verify-checkpoint " + prefix);
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("CORRUPT tensor \"second\" in " + prefix + ".data-00000-of-00001 at offset 4"),
            std::string::npos)
      << bad.out;
  EXPECT_EQ(bad.out.find("\"first\""), std::string::npos);
}

}  // namespace
}  // namespace tfmodel
