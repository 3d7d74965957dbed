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

namespace tfmodel {
namespace {

const std::string kServingDir =
    std::string(TFMODEL_CORPUS_DIR) + "/tensorflow-serving/servables/tensorflow/testdata/";

TEST(Cli, ShowLaysOutSignaturesLikeSavedModelCli) {
  CliRun tags = Exec("show " + kServingDir + "saved_model_half_plus_three/00000123");
  ASSERT_EQ(tags.code, 0) << tags.err;
  EXPECT_EQ(tags.out, "The given SavedModel contains the following tag-sets:\n'serve'\n");
  CliRun all = Exec("show " + kServingDir + "saved_model_half_plus_two_cpu --all");
  ASSERT_EQ(all.code, 0) << all.err;
  // The layout of saved_model_cli show --all (spec/tf-formats.md 6.2).
  EXPECT_NE(all.out.find("\nMetaGraphDef with tag-set: 'serve' contains the following SignatureDefs:\n"
                         "\nsignature_def['classify_x_to_y']:\n"
                         "  The given SavedModel SignatureDef contains the following input(s):\n"
                         "    inputs['inputs'] tensor_info:\n"
                         "        dtype: DT_STRING\n"
                         "        shape: unknown_rank\n"
                         "        name: tf_example:0\n"),
            std::string::npos)
      << all.out;
  EXPECT_NE(all.out.find("  Method name is: tensorflow/serving/predict\n"), std::string::npos);
  // Then the ops of the MetaGraph, as a Python set (saved_model_cli's order is arbitrary).
  EXPECT_NE(all.out.find("        name: y:0\n  Method name is: tensorflow/serving/predict\n"
                         "The MetaGraph with tag set ['serve'] contains the following ops: "
                         "{'Add', 'Assign', 'Const', 'Identity', 'MergeV2Checkpoints', 'Mul', "
                         "'NoOp', 'Pack', 'ParseExample', 'Placeholder', 'PlaceholderWithDefault', "
                         "'Reshape', 'RestoreV2', 'SaveV2', 'ShardedFilename', 'StringJoin', "
                         "'VariableV2'}\n"),
            std::string::npos)
      << all.out;
}

TEST(Cli, ShowSortsTagsAndNamesReferenceDtypes) {
  // Tags {train, serve}: the tag-set listing sorts them, --all keeps the stored order.
  const std::string rust = std::string(TFMODEL_CORPUS_DIR) + "/tensorflow-rust/test_resources/regression-model";
  CliRun tags = Exec("show " + rust);
  ASSERT_EQ(tags.code, 0) << tags.err;
  EXPECT_EQ(tags.out, "The given SavedModel contains the following tag-sets:\n'serve, train'\n");
  CliRun all = Exec("show " + rust + " --all");
  EXPECT_NE(all.out.find("MetaGraphDef with tag-set: 'train, serve' contains"), std::string::npos);
  EXPECT_NE(all.out.find("The MetaGraph with tag set ['train', 'serve'] contains"), std::string::npos);
  // saved_model_counter's outputs are reference variables.
  CliRun counter = Exec("show " + kServingDir + "saved_model_counter --all");
  ASSERT_EQ(counter.code, 0) << counter.err;
  EXPECT_NE(counter.out.find("    outputs['output'] tensor_info:\n        dtype: DT_FLOAT_REF\n"
                             "        shape: ()\n        name: counter:0\n"),
            std::string::npos)
      << counter.out;
}

TEST(Cli, RunSavedModelSignatureAndGraphTensors) {
  CliRun r = Exec("run " + kServingDir + "saved_model_half_plus_two_cpu --input_exprs 'x=[2.0, 3.0]' --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"outputs\": {\"y\": {\"dtype\": \"float32\", \"shape\": [2], \"values\": [3.0, 3.5]}}}\n");
  const std::string frozen = std::string(TFMODEL_CORPUS_DIR) + "/tensorflow-rust/examples/addition/model.pb";
  CliRun add = Exec("run " + frozen + " --input_exprs 'x=2;y=40' --fetch z:0 --json");
  ASSERT_EQ(add.code, 0) << add.err;
  EXPECT_EQ(add.out, "{\"outputs\": {\"z:0\": {\"dtype\": \"int32\", \"shape\": [], \"values\": [42]}}}\n");
  std::string outdir = ::testing::TempDir();
  CliRun npy = Exec("run " + frozen + " --input_exprs 'x=2;y=40' --fetch z --outdir " + outdir);
  ASSERT_EQ(npy.code, 0) << npy.err;
  auto z = ReadNpy(outdir + "/z.npy");
  ASSERT_TRUE(z.ok()) << z.status().ToString();
  EXPECT_EQ(z->flat<int32_t>()[0], 42);
}

TEST(Cli, RunErrorsNameWhatIsWrong) {
  CliRun no_fetch = Exec("run " + std::string(TFMODEL_CORPUS_DIR) + "/tensorflow-rust/examples/addition/model.pb");
  EXPECT_EQ(no_fetch.code, 1);
  EXPECT_NE(no_fetch.err.find("--fetch"), std::string::npos);
  CliRun missing = Exec("run " + kServingDir + "saved_model_half_plus_two_cpu");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("missing input 'x'"), std::string::npos) << missing.err;
  CliRun bad_key = Exec("run " + kServingDir + "saved_model_half_plus_two_cpu --signature_def nope");
  EXPECT_NE(bad_key.err.find("signature 'nope'"), std::string::npos) << bad_key.err;
  CliRun bad_expr = Exec("run " + kServingDir + "saved_model_half_plus_two_cpu --input_exprs 'x=[1,[2]]'");
  EXPECT_EQ(bad_expr.code, 1);
  EXPECT_NE(bad_expr.err.find("ragged"), std::string::npos) << bad_expr.err;
  CliRun bad_tags = Exec("run " + kServingDir + "saved_model_half_plus_two_cpu --tag_set train --input_exprs 'x=[1.0]'");
  EXPECT_NE(bad_tags.err.find("available tag sets"), std::string::npos) << bad_tags.err;
  {
    std::ifstream in(std::string(TFMODEL_CORPUS_DIR) + "/cppflow/examples/load_frozen_graph/model.pb", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    ASSERT_GT(bytes.size(), 1000u);
    std::ofstream(::testing::TempDir() + "truncated.pb", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  CliRun truncated = Exec("show " + ::testing::TempDir() + "truncated.pb");
  EXPECT_EQ(truncated.code, 1);
  EXPECT_NE(truncated.err.find("truncated.pb"), std::string::npos) << truncated.err;
}

}  // namespace
}  // namespace tfmodel
