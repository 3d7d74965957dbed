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
  ic->add_option("--tensor", inspect.tensor,
                 "Print only this tensor (a key, or an object path of an object-based "
                 "checkpoint), with its values");
  ic->add_flag("--all", inspect.all, "Print every tensor with all of its values");
  ic->add_flag("--json", inspect.json,
               "Print JSON: {\"tensors\":[{name,dtype,shape,values}]} (object-based "
               "checkpoints add object_path, full_name, slot, slot_of)");

  std::string verify_path;
  auto* vc = app.add_subcommand("verify-checkpoint",
                                "Check every tensor's crc32c; exit 0 only if all are intact");
  vc->add_option("path", verify_path, "Checkpoint prefix, file or directory")->required();

  tfmodel::cli::ShowOptions show;
  auto* sc = app.add_subcommand("show", "Show a SavedModel's signatures or a graph's inputs/outputs/ops");
  sc->add_option("path", show.path, "SavedModel dir (or versioned base), .pb, .pbtxt or .meta")->required();
  sc->add_flag("--all", show.all, "Every tag set with every signature (like saved_model_cli show --all)");
  sc->add_flag("--json", show.json, "Print JSON");

  tfmodel::cli::RunOptions run;
  auto* rc = app.add_subcommand("run", "Run a model on inputs and print or save the outputs");
  rc->add_option("path", run.path, "SavedModel dir (or versioned base), .pb, .pbtxt or .meta")->required();
  rc->add_option("--tag_set", run.tag_set, "Comma-separated tags of the MetaGraph (default serve)");
  rc->add_option("--signature_def", run.signature_def, "Signature key (default serving_default)");
  rc->add_option("--inputs", run.inputs, "'key=file.npy;key2=file2.npy'");
  rc->add_option("--input_exprs", run.input_exprs, "'key=[[1,2],[3,4]];key2=2.5'");
  rc->add_option("--fetch", run.fetch, "Tensors to compute ('node:0,other:0'), or output keys");
  rc->add_option("--outdir", run.outdir, "Write one .npy per output into this directory");
  rc->add_option("--checkpoint", run.checkpoint,
                 "Checkpoint prefix for a .meta or a GraphDef with variables");
  rc->add_flag("--json", run.json, "Print JSON: {\"outputs\":{NAME:{dtype,shape,values}}}");

  tfmodel::cli::FreezeOptions freeze;
  auto* fc = app.add_subcommand("freeze", "Freeze variables into constants: a .meta (+ checkpoint) or a SavedModel -> .pb");
  fc->add_option("path", freeze.path, ".meta (with its checkpoint) or SavedModel dir")->required();
  fc->add_option("--output_node_names", freeze.output_node_names, "Comma-separated output nodes (default: the signature's outputs)");
  fc->add_option("--output", freeze.output, "The .pb (or .pbtxt) to write")->required();
  fc->add_option("--checkpoint", freeze.checkpoint, "Checkpoint prefix for a .meta (default: the latest beside it)");
  fc->add_option("--tag_set", freeze.tag_set, "SavedModel tags (default serve)");
  fc->add_option("--signature_def", freeze.signature_def, "SavedModel signature whose outputs to keep");

  tfmodel::cli::ConvertOptions convert;
  auto* cc = app.add_subcommand("convert", "Convert between frozen .pb, .meta + checkpoint and SavedModel");
  cc->add_option("path", convert.path, ".pb/.pbtxt, .meta (with its checkpoint) or SavedModel dir")->required();
  cc->add_option("--to", convert.to, "pb | saved_model | checkpoint")->required();
  cc->add_option("--output", convert.output, "The .pb, SavedModel directory or checkpoint prefix to write")->required();
  cc->add_option("--checkpoint", convert.checkpoint, "Checkpoint prefix for a .meta");
  cc->add_option("--tag_set", convert.tag_set, "Tags to read and write (default serve)");
  cc->add_option("--signature_def", convert.signature_def, "Signature key (default serving_default)");
  cc->add_option("--output_node_names", convert.output_node_names, "To pb: comma-separated output nodes");
  cc->add_option("--inputs", convert.inputs, "To saved_model: 'key=tensor:0,...' (default: the placeholders)");
  cc->add_option("--outputs", convert.outputs, "To saved_model: 'key=tensor:0,...' (default: the likely outputs)");

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
  if (sc->parsed()) return tfmodel::cli::Show(show, stdout);
  if (rc->parsed()) return tfmodel::cli::RunModel(run, stdout);
  if (fc->parsed()) return tfmodel::cli::Freeze(freeze, stdout);
  if (cc->parsed()) return tfmodel::cli::Convert(convert, stdout);
  if (dc->parsed()) return tfmodel::cli::Demo(demo, stdout);
  return 2;
}
