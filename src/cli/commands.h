// The `tfmodel` subcommands. Each returns the process exit code: 0 success, 1 failure (the
// reason already printed to stderr).
#ifndef TFMODEL_SRC_CLI_COMMANDS_H_
#define TFMODEL_SRC_CLI_COMMANDS_H_

#include <cstdio>
#include <string>
#include <vector>

#include <tfmodel/status.h>

namespace tfmodel::cli {

// Prints "tfmodel: <status>" to stderr and returns the failure exit code (1).
int Fail(const Status& s);
// Prints a one-line notice to stderr for each file of SavedModel directory `dir` that tfmodel
// reads past (keras_metadata.pb); nothing for other paths.
void NoteIgnoredFiles(const std::string& dir);
// "a,b,,c" -> {"a", "b", "c"}.
std::vector<std::string> SplitComma(const std::string& s);

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

struct FreezeOptions {
  std::string path;               // .meta (+ checkpoint) or SavedModel dir
  std::string output_node_names;  // "a,b"; default: the signature's outputs
  std::string output;             // the .pb (.pbtxt) to write
  std::string checkpoint;         // .meta: the checkpoint prefix (default: the latest beside it)
  std::string tag_set;            // SavedModel: tags (default serve)
  std::string signature_def = "serving_default";
};
int Freeze(const FreezeOptions& options, std::FILE* out);

struct ConvertOptions {
  std::string path;    // .pb/.pbtxt, .meta (+ checkpoint) or SavedModel dir
  std::string to;      // pb | saved_model | checkpoint
  std::string output;  // the file, directory or checkpoint prefix to write
  std::string checkpoint;
  std::string tag_set;
  std::string signature_def = "serving_default";
  std::string output_node_names;  // to pb from a .meta
  std::string inputs;             // to saved_model: 'key=tensor:0,...' (default: placeholders)
  std::string outputs;            // to saved_model: 'key=tensor:0,...' (default: likely outputs)
};
int Convert(const ConvertOptions& options, std::FILE* out);

struct DemoOptions {
  std::string workdir = "tfmodel_demo";
};
int Demo(const DemoOptions& options, std::FILE* out);

}  // namespace tfmodel::cli

#endif  // TFMODEL_SRC_CLI_COMMANDS_H_
