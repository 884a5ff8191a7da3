#pragma once

#include <string>

namespace tmon::llm::testing {

// The header bytes of a baseline JPEG of the given size (SOI, an APP0
// segment, then SOF0): all image_size() reads. Not a decodable picture.
inline std::string jpeg_header(int width, int height) {
  std::string b = {'\xFF', '\xD8', '\xFF', '\xE0', 0, 16, 'J', 'F', 'I', 'F',
                   0,      1,      1,      0,      0, 1,  0,   1,   0,   0};
  const std::string sof = {'\xFF',
                           '\xC0',
                           0,
                           17,
                           8,
                           static_cast<char>(height >> 8),
                           static_cast<char>(height & 0xFF),
                           static_cast<char>(width >> 8),
                           static_cast<char>(width & 0xFF),
                           3};
  return b + sof + std::string(9, '\x11') + "\xFF\xD9";
}

inline std::string png_header(int width, int height) {
  std::string b("\x89PNG\r\n\x1a\n\0\0\0\x0DIHDR", 16);
  for (const int v : {width, height}) {
    b += static_cast<char>((v >> 24) & 0xFF);
    b += static_cast<char>((v >> 16) & 0xFF);
    b += static_cast<char>((v >> 8) & 0xFF);
    b += static_cast<char>(v & 0xFF);
  }
  return b + std::string(5, '\0');
}

}  // namespace tmon::llm::testing
