// The `tfmodel` subcommands. Each returns the process exit code: 0 success, 1 failure (the
// reason already printed to stderr).
#ifndef TFMODEL_SRC_CLI_COMMANDS_H_
#define TFMODEL_SRC_CLI_COMMANDS_H_

#include <cstdio>
#include <string>

namespace tfmodel::cli {

struct InspectOptions {
  std::string path;
  std::string tensor;  // empty: every tensor
  bool all = false;    // print every value of every tensor, unsummarised
  bool json = false;
};
int InspectCheckpoint(const InspectOptions& options, std::FILE* out);
int VerifyCheckpoint(const std::string& path, std::FILE* out);

struct ShowOptions {
  std::string path;
  bool all = false;
  bool json = false;
};
int Show(const ShowOptions& options, std::FILE* out);

struct RunOptions {
  std::string path;
  std::string tag_set;                                  // "serve" or "train,serve"
  std::string signature_def = "serving_default";
  std::string inputs;                                   // "k=file.npy;k2=file2.npy"
  std::string input_exprs;                              // "k=[[1,2],[3,4]]"
  std::string fetch;                                    // "node:0,other:0" / output keys
  std::string outdir;
  std::string checkpoint;
  bool json = false;
};
int RunModel(const RunOptions& options, std::FILE* out);

struct DemoOptions {
  std::string workdir = "tfmodel_demo";
};
int Demo(const DemoOptions& options, std::FILE* out);

}  // namespace tfmodel::cli

#endif  // TFMODEL_SRC_CLI_COMMANDS_H_
