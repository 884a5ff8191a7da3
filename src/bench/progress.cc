#include "bench/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

namespace tmon::bench {

ProgressDisplay::ProgressDisplay(bool bar_allowed, double every_s)
    : bar_(bar_allowed && isatty(STDOUT_FILENO) == 1), every_s_(every_s) {}

void ProgressDisplay::update(double t_s, double done, const std::string& figures) {
  done = std::clamp(done, 0.0, 1.0);
  if (bar_) {
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(done * kWidth);
    std::cout << fmt::format("\r\033[K[{}{}] {:3.0f}% {}", std::string(filled, '#'),
                             std::string(kWidth - filled, '.'), 100 * done, figures)
              << std::flush;
    drawn_ = true;
    return;
  }
  if (t_s < next_line_s_) return;
  next_line_s_ = t_s + every_s_;
  std::cout << fmt::format("  {:3.0f}% {}", 100 * done, figures) << std::endl;
}

void ProgressDisplay::note(const std::string& line) {
  if (drawn_) std::cout << "\r\033[K";
  drawn_ = false;
  std::cout << line << std::endl;
}

void ProgressDisplay::finish() {
  if (drawn_) std::cout << "\n";
  drawn_ = false;
}

}  // namespace tmon::bench
