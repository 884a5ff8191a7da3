#include "config/yaml_writer.h"

#include <algorithm>
#include <cctype>

namespace tmon::config {

// librdkafka properties carry credentials under names such as
// "sasl.password" or "ssl.key.password"; mask anything that looks like one.
bool is_secret_property(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* marker : {"password", "secret", "sasl"}) {
    if (name.find(marker) != std::string::npos) return true;
  }
  return false;
}

}  // namespace tmon::config
