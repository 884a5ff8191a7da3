#include "detect/assignment.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tmon::detect {

std::vector<int> assign_min_cost(const std::vector<std::vector<double>>& cost) {
  const size_t rows = cost.size();
  const size_t cols = rows == 0 ? 0 : cost[0].size();
  if (rows == 0 || cols == 0) return std::vector<int>(rows, -1);
  // Square the problem; infeasible pairs cost a large finite amount so the
  // algorithm runs, and are dropped from the answer afterwards.
  const size_t n = std::max(rows, cols);
  double largest = 1;
  for (const auto& row : cost) {
    for (double c : row) {
      if (std::isfinite(c)) largest = std::max(largest, std::abs(c));
    }
  }
  const double forbidden = largest * static_cast<double>(n + 1) * 10;
  const auto at = [&](size_t r, size_t c) {
    if (r >= rows || c >= cols) return 0.0;  // padding: free
    return std::isfinite(cost[r][c]) ? cost[r][c] : forbidden;
  };
  // Potentials u (rows), v (columns); p[c] = row matched to column c (1-based).
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0), v(n + 1, 0);
  std::vector<size_t> p(n + 1, 0), way(n + 1, 0);
  for (size_t r = 1; r <= n; ++r) {
    p[0] = r;
    size_t c0 = 0;
    std::vector<double> minv(n + 1, inf);
    std::vector<bool> used(n + 1, false);
    do {
      used[c0] = true;
      const size_t r0 = p[c0];
      double delta = inf;
      size_t c1 = 0;
      for (size_t c = 1; c <= n; ++c) {
        if (used[c]) continue;
        const double reduced = at(r0 - 1, c - 1) - u[r0] - v[c];
        if (reduced < minv[c]) {
          minv[c] = reduced;
          way[c] = c0;
        }
        if (minv[c] < delta) {
          delta = minv[c];
          c1 = c;
        }
      }
      for (size_t c = 0; c <= n; ++c) {
        if (used[c]) {
          u[p[c]] += delta;
          v[c] -= delta;
        } else {
          minv[c] -= delta;
        }
      }
      c0 = c1;
    } while (p[c0] != 0);
    do {
      const size_t c1 = way[c0];
      p[c0] = p[c1];
      c0 = c1;
    } while (c0 != 0);
  }
  std::vector<int> column_of(rows, -1);
  for (size_t c = 1; c <= n; ++c) {
    const size_t r = p[c] - 1;
    if (p[c] == 0 || r >= rows || c - 1 >= cols) continue;
    if (std::isfinite(cost[r][c - 1])) column_of[r] = static_cast<int>(c - 1);
  }
  return column_of;
}

}  // namespace tmon::detect
