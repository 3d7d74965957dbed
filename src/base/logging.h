// TFM_CHECK: for our own bugs only, never for anything read from a file, request or argument.
#ifndef TFMODEL_SRC_BASE_LOGGING_H_
#define TFMODEL_SRC_BASE_LOGGING_H_

namespace tfmodel::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);
}  // namespace tfmodel::internal

#define TFM_CHECK(cond) \
  do {                  \
    if (!(cond)) ::tfmodel::internal::CheckFailed(__FILE__, __LINE__, #cond); \
  } while (0)

#endif  // TFMODEL_SRC_BASE_LOGGING_H_
