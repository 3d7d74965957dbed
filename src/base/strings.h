// Small string helpers shared by the formats and the CLI.
#ifndef TFMODEL_SRC_BASE_STRINGS_H_
#define TFMODEL_SRC_BASE_STRINGS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tfmodel/status.h"

namespace tfmodel {

// C-style escaping of non-printable bytes ("\x00a\x00\x01"), for names in messages.
std::string CEscape(std::string_view s);
// Splits on `sep`, keeping empty pieces.
std::vector<std::string> Split(std::string_view s, char sep);
// Whole-string decimal integer, optional sign; fails on junk or overflow.
Result<int64_t> ParseInt64(std::string_view s);
// Shortest decimal that reads back as the same float/double ("0.1", "1e+30", "nan", "inf").
std::string FormatFloat(float v);
std::string FormatDouble(double v);

}  // namespace tfmodel

#endif  // TFMODEL_SRC_BASE_STRINGS_H_
