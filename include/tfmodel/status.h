// Status and Result<T>: errors as values, never exceptions.
//
//   Result<int> ParsePort(std::string_view s);
//   Status Run() {
//     TFM_ASSIGN_OR_RETURN(int port, ParsePort("8500"));
//     if (port == 0) return InvalidArgument("port must be positive");
//     return Status::Ok();
//   }
//
// Codes mirror TensorFlow's canonical ones. Thread-compatible value types.
#ifndef TFMODEL_STATUS_H_
#define TFMODEL_STATUS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tfmodel {

enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
};

// "InvalidArgument", "DataLoss", ...
std::string_view StatusCodeName(StatusCode code);
// The HTTP status a server answers for this code (one table for the whole project).
int HttpStatusForCode(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "DataLoss: crc mismatch for tensor ..." (or "OK").
  std::string ToString() const;
  // Returns a copy whose message is "context: message"; OK stays OK.
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

Status InvalidArgument(std::string message);
Status NotFound(std::string message);
Status AlreadyExists(std::string message);
Status DataLoss(std::string message);
Status Unimplemented(std::string message);
Status FailedPrecondition(std::string message);
Status ResourceExhausted(std::string message);
Status OutOfRange(std::string message);
Status Internal(std::string message);
Status PermissionDenied(std::string message);

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status(StatusCode::kInternal, "Result built from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace tfmodel

#define TFM_CONCAT_INNER_(a, b) a##b
#define TFM_CONCAT_(a, b) TFM_CONCAT_INNER_(a, b)

#define TFM_RETURN_IF_ERROR(expr)                  \
  do {                                             \
    ::tfmodel::Status tfm_status_ = (expr);        \
    if (!tfm_status_.ok()) return tfm_status_;     \
  } while (0)

#define TFM_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

#define TFM_ASSIGN_OR_RETURN(lhs, expr) \
  TFM_ASSIGN_OR_RETURN_IMPL_(TFM_CONCAT_(tfm_result_, __LINE__), lhs, expr)

#endif  // TFMODEL_STATUS_H_
