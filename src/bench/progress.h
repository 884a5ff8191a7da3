#pragma once

#include <string>

namespace tmon::bench {

// Live figures of a long benchmark: on a terminal, one bar redrawn in place
// (each update); otherwise (CI logs, files) a plain line every `every_s`.
class ProgressDisplay {
 public:
  explicit ProgressDisplay(bool bar_allowed, double every_s = 10);
  // done: 0..1 of the load; figures: a short line of the latest numbers.
  void update(double t_s, double done, const std::string& figures);
  // A line of its own (a phase change), not overwritten by the bar.
  void note(const std::string& line);
  void finish();

 private:
  bool bar_ = false;
  bool drawn_ = false;
  double every_s_;
  double next_line_s_ = 0;
};

}  // namespace tmon::bench
