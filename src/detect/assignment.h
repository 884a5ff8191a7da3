#pragma once

#include <vector>

namespace tmon::detect {

// Minimum-cost assignment of rows to columns (the Hungarian method,
// O(n^3)). `cost[r][c]` may be +infinity for pairs that must not match.
// Returns, for each row, its column or -1 when it stays unmatched (because
// only infeasible columns were left).
std::vector<int> assign_min_cost(const std::vector<std::vector<double>>& cost);

}  // namespace tmon::detect
