#include <gtest/gtest.h>

#include "src/base/strings.h"
#include "tfmodel/status.h"

namespace tfmodel {
namespace {

Result<int> Half(int v) {
  if (v % 2) return InvalidArgument("odd: " + std::to_string(v));
  return v / 2;
}

Status Quarter(int v, int* out) {
  TFM_ASSIGN_OR_RETURN(int h, Half(v));
  TFM_ASSIGN_OR_RETURN(*out, Half(h));
  return Status::Ok();
}

TEST(Status, MacrosPropagateFirstError) {
  int q = 0;
  EXPECT_TRUE(Quarter(8, &q).ok());
  EXPECT_EQ(q, 2);
  Status s = Quarter(6, &q);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.ToString(), "InvalidArgument: odd: 3");
  EXPECT_EQ(s.WithContext("reading x").message(), "reading x: odd: 3");
}

TEST(Status, HttpMapping) {
  EXPECT_EQ(HttpStatusForCode(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusForCode(StatusCode::kDataLoss), 500);
}

TEST(Strings, EscapeSplitParse) {
  EXPECT_EQ(CEscape(std::string("\x00" "a\xff", 3)), "\\x00a\\xff");
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(ParseInt64("-42").value(), -42);
  EXPECT_FALSE(ParseInt64("12x").ok());
  EXPECT_FALSE(ParseInt64("99999999999999999999").ok());
  EXPECT_EQ(FormatFloat(0.1f), "0.1");
  EXPECT_EQ(FormatDouble(2.5), "2.5");
}

}  // namespace
}  // namespace tfmodel
