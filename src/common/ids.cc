#include "common/ids.h"

#include <random>

namespace tmon {

std::string random_hex_id(int bytes) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  id.reserve(static_cast<size_t>(bytes) * 2);
  std::uniform_int_distribution<int> nibble(0, 15);
  for (int i = 0; i < bytes * 2; ++i) id.push_back(kHex[nibble(generator)]);
  return id;
}

}  // namespace tmon
