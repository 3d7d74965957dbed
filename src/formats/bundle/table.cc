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

constexpr uint64_t kFooter = 48;   // footer size
constexpr uint64_t kTrailer = 5;   // block trailer: type byte + crc

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

bool GetVarint64(std::string_view& in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift <= 63 && !in.empty(); shift += 7) {
    const uint8_t b = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

// leveldb's varint32 decoding of block entry headers (at most 5 bytes, high bits dropped).
bool GetVarint32(std::string_view& in, uint64_t* v) {
  uint32_t result = 0;
  for (uint32_t shift = 0; shift <= 28 && !in.empty(); shift += 7) {
    const uint32_t b = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    result |= (b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = result;
      return true;
    }
  }
  return false;
}

bool HandleFits(std::string_view& in, uint64_t limit) {
  uint64_t offset, size;
  if (!GetVarint64(in, &offset) || !GetVarint64(in, &size)) return true;  // leveldb reports it
  return offset <= limit && size <= limit - offset && limit - offset - size >= kTrailer;
}

// leveldb allocates a block's declared size before reading it, so a corrupt block handle
// would be a huge allocation rather than an error: check the footer's index handle and, in an
// uncompressed index block, every data block handle against the file size first. Structure
// errors are left to leveldb, which reports them after verifying the checksums.
Status CheckBlockHandles(std::string_view contents, const std::string& path) {
  if (contents.size() < kFooter) return Status::Ok();
  const uint64_t limit = contents.size() - kFooter;
  std::string_view footer = contents.substr(limit);
  if (footer.substr(40) != std::string_view("\x57\xfb\x80\x8b\x24\x75\x47\xdb", 8)) {
    return Status::Ok();  // leveldb reports the bad magic number
  }
  uint64_t skip;
  if (!GetVarint64(footer, &skip) || !GetVarint64(footer, &skip)) return Status::Ok();
  std::string_view index_handle = footer;
  if (!HandleFits(footer, limit)) {
    return DataLoss(path + " is not a valid checkpoint index table: the footer's index block "
                    "handle points past the end of the file");
  }
  uint64_t offset, size;
  GetVarint64(index_handle, &offset);
  GetVarint64(index_handle, &size);
  if (contents[offset + size] != 0 || size < 4) return Status::Ok();  // compressed or invalid
  std::string_view block = contents.substr(offset, size);
  uint32_t num_restarts;
  std::memcpy(&num_restarts, block.data() + block.size() - 4, 4);
  if (num_restarts == 0 || num_restarts > (block.size() - 4) / 4) return Status::Ok();
  const size_t entries_end = block.size() - 4 - 4 * static_cast<size_t>(num_restarts);
  uint32_t first_restart;
  std::memcpy(&first_restart, block.data() + entries_end, 4);
  if (first_restart > entries_end) return Status::Ok();
  std::string_view entries = block.substr(first_restart, entries_end - first_restart);
  while (!entries.empty()) {  // as leveldb iterates it: from the first restart point
    uint64_t shared, unshared, value_len;
    if (!GetVarint32(entries, &shared) || !GetVarint32(entries, &unshared) ||
        !GetVarint32(entries, &value_len) || unshared > entries.size() ||
        value_len > entries.size() - unshared) {
      return Status::Ok();
    }
    std::string_view value = entries.substr(unshared, value_len);
    entries.remove_prefix(unshared + value_len);
    if (!HandleFits(value, limit)) {
      return DataLoss(path + " is a corrupt checkpoint index table: a data block handle points "
                      "past the end of the file");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ReadTable(std::string_view contents, const std::string& path,
                 const std::function<Status(std::string_view, std::string_view)>& fn) {
  TFM_RETURN_IF_ERROR(CheckBlockHandles(contents, path));
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
