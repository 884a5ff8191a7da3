#include <map>
#include <string>

#include "config/field_io.h"
#include "config/scalar.h"
#include "config/sections.h"

namespace tmon::config {
namespace {

std::string quoted(const std::string& text) {
  return "\"" + text + "\"";
}

bool same_limits(const AccountConfig& a, const ApiKeyConfig& k) {
  return a.qps_limit == k.qps_limit && a.rpm_limit == k.rpm_limit && a.tpm_limit == k.tpm_limit;
}

// Keys that name an account nobody listed define it by their own limits. Two
// such keys disagreeing would make the account's budget depend on key order,
// so that is an error rather than a silent pick.
class ImplicitAccounts {
 public:
  explicit ImplicitAccounts(std::vector<AccountConfig>& accounts)
      : accounts_(accounts), listed_(accounts.size()) {}

  void add(MapReader& item, size_t key_index, const ApiKeyConfig& key) {
    for (size_t i = 0; i < accounts_.size(); ++i) {
      if (accounts_[i].name != key.account) continue;
      if (i < listed_) return;  // listed: its own limits govern
      if (same_limits(accounts_[i], key)) return;
      return item.fail("account", "expected the qps_limit, rpm_limit and tpm_limit of api_keys[" +
                                      std::to_string(defined_by_.at(key.account)) +
                                      "] for unlisted account " + quoted(key.account) +
                                      " (or list it under accounts)");
    }
    accounts_.push_back(
        AccountConfig{key.account, key.qps_limit, key.rpm_limit, key.tpm_limit, {}});
    defined_by_[key.account] = key_index;
  }

 private:
  std::vector<AccountConfig>& accounts_;
  size_t listed_;
  std::map<std::string, size_t> defined_by_;  // implicit account -> first key naming it
};

}  // namespace

void check_model_tokens(MapReader& item, ModelTokenConfig& model,
                        const std::vector<ModelTokenConfig>&) {
  if (model.min_pixels > model.max_pixels) {
    item.fail("max_pixels", "expected a number >= min_pixels (" + std::to_string(model.min_pixels) +
                                "), got " + quoted(std::to_string(model.max_pixels)));
  }
}

void check_account(MapReader& item, AccountConfig& account,
                   const std::vector<AccountConfig>& before) {
  if (account.name.empty()) return item.fail("name", "expected an account name");
  if (const auto i = index_of(before, &AccountConfig::name, account.name)) {
    return item.fail("name", "expected a name not used by accounts[" + std::to_string(*i) +
                                 "], got " + quoted(account.name));
  }
}

void check_api_key(MapReader& item, ApiKeyConfig& key, const std::vector<ApiKeyConfig>& before) {
  if (key.id.empty()) return item.fail("id", "expected a key id (logs show it instead of the key)");
  if (const auto i = index_of(before, &ApiKeyConfig::id, key.id)) {
    return item.fail("id", "expected an id not used by api_keys[" + std::to_string(*i) + "], got " +
                               quoted(key.id));
  }
  // Usually an unset ${VAR}: the deployment still starts, without this key.
  if (key.key.empty() && key.enabled) {
    key.enabled = false;
    item.warn("key", "api key " + quoted(key.id) + " has an empty key (unset ${VAR}?); disabled");
  }
}

void check_scheduler(MapReader& r, SchedulerConfig& s) {
  if (s.min_cooldown > s.max_cooldown) {
    r.fail("max_cooldown", "expected a number >= min_cooldown (" + format_number(s.min_cooldown) +
                               "), got " + quoted(format_number(s.max_cooldown)));
  }
}

void read_api_keys_file(MapReader& root, Config& config) {
  // Accounts come before keys in the table: keys are checked against the
  // listed ones whatever the order of the sections in the file.
  read_fields(root, config);
  if (root.failed()) return;
  ImplicitAccounts implicit(config.accounts);
  root.for_each("api_keys", [&](MapReader& item, size_t index) {
    const ApiKeyConfig& key = config.api_keys.at(index);
    if (!key.account.empty()) implicit.add(item, index, key);
  });
}

}  // namespace tmon::config
