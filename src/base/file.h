// Files for the formats: whole-file reads, read-only mappings, durable writes and paths.
// Every error names the path and the system's reason.
#ifndef TFMODEL_SRC_BASE_FILE_H_
#define TFMODEL_SRC_BASE_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tfmodel/status.h"

namespace tfmodel {

Result<std::string> ReadFileToString(const std::string& path);
bool FileExists(const std::string& path);
bool IsDirectory(const std::string& path);
Result<uint64_t> FileSize(const std::string& path);
// Names (not paths) of the entries of `dir`, sorted, without "." and "..".
Result<std::vector<std::string>> ListDirectory(const std::string& dir);
// mkdir -p.
Status CreateDirectories(const std::string& dir);
// Missing files are not an error.
Status DeleteFile(const std::string& path);
Status DeleteEmptyDirectory(const std::string& dir);
Status RenameFile(const std::string& from, const std::string& to);
// fsync of a directory, making renames and creations in it durable.
Status SyncDirectory(const std::string& dir);
// Writes `contents` to a temporary file beside `path`, fsyncs it (when `sync`), renames it over
// `path` and fsyncs the directory: readers see the old or the new file, never a mix.
Status WriteFileAtomically(const std::string& path, std::string_view contents, bool sync = true);

// A read-only mapping of a whole file. The mapping lives as long as the object.
class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // Copies [offset, offset+n) into dst with pread: for large reads this beats touching the
  // mapping page by page. REQUIRES: offset + n <= size().
  Status ReadAt(uint64_t offset, uint64_t n, void* dst) const;

 private:
  MappedFile(std::string path, int fd, const uint8_t* data, uint64_t size)
      : path_(std::move(path)), fd_(fd), data_(data), size_(size) {}
  std::string path_;
  int fd_;
  const uint8_t* data_;
  uint64_t size_;
};

// A file written front to back, buffered; large appends go straight to the kernel.
// Not thread-safe. Close() (or the destructor) closes the descriptor.
class WritableFile {
 public:
  static Result<std::unique_ptr<WritableFile>> Create(const std::string& path);
  ~WritableFile();
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;

  Status Append(std::string_view data);
  Status Flush();
  // Flush, then fdatasync.
  Status Sync();
  Status Close();
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  WritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  Status WriteAll(const char* p, size_t n);
  std::string path_;
  int fd_;
  std::string buffer_;
  uint64_t size_ = 0;
};

// Paths.
std::string JoinPath(std::string_view a, std::string_view b);
std::string Dirname(std::string_view path);   // "a/b" -> "a", "b" -> "", "/b" -> "/"
std::string Basename(std::string_view path);  // "a/b" -> "b"
bool IsAbsolutePath(std::string_view path);
// A fresh random suffix for temporary files, e.g. "tempstate8317728893416" style digits.
std::string RandomDigits();

}  // namespace tfmodel

#endif  // TFMODEL_SRC_BASE_FILE_H_
