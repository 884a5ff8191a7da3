#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child_process.h"

namespace tmon::testing {

// A `tmon broker` process and the bootstrap address it printed.
struct TmonBroker {
  std::unique_ptr<ChildProcess> process;
  std::string bootstrap;
};

// Starts `<tmon_binary> broker --config-dir <config_dir> <extra...>` and waits
// (up to 15 s) for its address; nullopt (with its stderr in `error`) if none.
std::optional<TmonBroker> start_tmon_broker(const std::string& tmon_binary,
                                            const std::string& config_dir,
                                            const std::vector<std::string>& extra_args = {},
                                            std::string* error = nullptr);

}  // namespace tmon::testing
