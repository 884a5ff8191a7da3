#pragma once

#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace tmon {

// What kind of failure an Error is; callers branch on this, humans read message.
enum class ErrorCode {
  kInvalidArgument,  // the input is malformed or out of range
  kNotFound,
  kParse,  // bytes that should be JSON/YAML/HTTP are not
  kIo,     // file or socket error
  kTimeout,
  kUnavailable,  // a dependency (broker, Redis, provider) cannot be reached
  kRejected,     // the peer understood and refused (4xx)
  kInternal,
};

std::string_view to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

// Expected failures are values: Result<T> holds a T or an Error.
template <typename T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

inline tl::unexpected<Error> make_error(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace tmon
