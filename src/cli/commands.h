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

struct DemoOptions {
  std::string workdir = "tfmodel_demo";
};
int Demo(const DemoOptions& options, std::FILE* out);

}  // namespace tfmodel::cli

#endif  // TFMODEL_SRC_CLI_COMMANDS_H_
