// libleveldb adapters for reading a table from memory and writing one to a file.
#include "src/formats/bundle/table.h"

#include <leveldb/env.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/table.h>
#include <leveldb/table_builder.h>

#include <cstring>
#include <memory>

#include "src/base/file.h"

namespace tfmodel {
namespace {

// A leveldb file view over bytes we already hold.
class MemoryFile : public leveldb::RandomAccessFile {
 public:
  explicit MemoryFile(std::string_view contents) : contents_(contents) {}
  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* /*scratch*/) const override {
    if (offset > contents_.size()) {
      *result = leveldb::Slice();
      return leveldb::Status::IOError("read past the end of the file");
    }
    size_t avail = std::min<size_t>(n, contents_.size() - offset);
    *result = leveldb::Slice(contents_.data() + offset, avail);
    return leveldb::Status::OK();
  }

 private:
  std::string_view contents_;
};

// leveldb's WritableFile interface over ours.
class FileSink : public leveldb::WritableFile {
 public:
  explicit FileSink(tfmodel::WritableFile* file) : file_(file) {}
  leveldb::Status Append(const leveldb::Slice& data) override {
    return Convert(file_->Append(std::string_view(data.data(), data.size())));
  }
  leveldb::Status Close() override { return leveldb::Status::OK(); }
  leveldb::Status Flush() override { return Convert(file_->Flush()); }
  leveldb::Status Sync() override { return Convert(file_->Sync()); }
  const Status& status() const { return status_; }

 private:
  leveldb::Status Convert(const Status& s) {
    if (s.ok()) return leveldb::Status::OK();
    if (status_.ok()) status_ = s;
    return leveldb::Status::IOError(s.message());
  }
  tfmodel::WritableFile* file_;
  Status status_;
};

}  // namespace

Status ReadTable(std::string_view contents, const std::string& path,
                 const std::function<Status(std::string_view, std::string_view)>& fn) {
  MemoryFile file(contents);
  leveldb::Options options;
  options.paranoid_checks = true;  // verify the index block's checksum at open
  leveldb::Table* raw = nullptr;
  leveldb::Status s = leveldb::Table::Open(options, &file, contents.size(), &raw);
  if (!s.ok()) return DataLoss(path + " is not a valid checkpoint index table: " + s.ToString());
  std::unique_ptr<leveldb::Table> table(raw);
  leveldb::ReadOptions read;
  read.verify_checksums = true;
  read.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(table->NewIterator(read));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    leveldb::Slice k = it->key(), v = it->value();
    TFM_RETURN_IF_ERROR(fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size())));
  }
  if (!it->status().ok()) {
    return DataLoss(path + " is a corrupt checkpoint index table: " + it->status().ToString());
  }
  return Status::Ok();
}

Status WriteTable(const std::string& path, const std::map<std::string, std::string>& entries,
                  bool sync) {
  TFM_ASSIGN_OR_RETURN(std::unique_ptr<tfmodel::WritableFile> file, tfmodel::WritableFile::Create(path));
  FileSink sink(file.get());
  leveldb::Options options;
  options.compression = leveldb::kNoCompression;
  options.block_size = 256 * 1024;
  options.block_restart_interval = 16;
  options.filter_policy = nullptr;
  leveldb::TableBuilder builder(options, &sink);
  for (const auto& [key, value] : entries) builder.Add(key, value);
  leveldb::Status s = builder.Finish();
  if (!sink.status().ok()) return sink.status();
  if (!s.ok()) return Internal("cannot build table " + path + ": " + s.ToString());
  if (sync) TFM_RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

}  // namespace tfmodel
