// The `tfmodel` command line: inspect, verify and (later) run, convert and serve models.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "src/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"tfmodel: TensorFlow checkpoints, graphs and SavedModels without TensorFlow"};
  app.require_subcommand(1);

  tfmodel::cli::InspectOptions inspect;
  auto* ic = app.add_subcommand("inspect-checkpoint",
                                "List a checkpoint's tensors (name, dtype, shape) and values");
  ic->add_option("path", inspect.path,
                 "Checkpoint prefix, its .index or .data file, or a directory with a "
                 "`checkpoint` file")
      ->required();
  ic->add_option("--tensor", inspect.tensor, "Print only this tensor, with its values");
  ic->add_flag("--all", inspect.all, "Print every tensor with all of its values");
  ic->add_flag("--json", inspect.json, "Print JSON: {\"tensors\":[{name,dtype,shape,values}]}");

  std::string verify_path;
  auto* vc = app.add_subcommand("verify-checkpoint",
                                "Check every tensor's crc32c; exit 0 only if all are intact");
  vc->add_option("path", verify_path, "Checkpoint prefix, file or directory")->required();

  tfmodel::cli::DemoOptions demo;
  auto* dc = app.add_subcommand("demo", "Run the seed workflow demo");
  dc->add_option("--workdir", demo.workdir, "Directory for the files the demo writes");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  if (ic->parsed()) return tfmodel::cli::InspectCheckpoint(inspect, stdout);
  if (vc->parsed()) return tfmodel::cli::VerifyCheckpoint(verify_path, stdout);
  if (dc->parsed()) return tfmodel::cli::Demo(demo, stdout);
  return 2;
}
