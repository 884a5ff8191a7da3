#include "messages/detector_names.h"

#include <algorithm>

namespace tmon::messages {

bool is_detector_name(std::string_view name) {
  return std::ranges::find(kDetectorNames, name) != kDetectorNames.end();
}

std::string detector_names_text() {
  std::string text;
  for (size_t i = 0; i < kDetectorNames.size(); ++i) {
    if (i > 0) text += i + 1 == kDetectorNames.size() ? " or " : ", ";
    text += kDetectorNames[i];
  }
  return text;
}

}  // namespace tmon::messages
