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

void read_llm(MapReader r, LlmConfig& llm) {
  r.read("base_url", llm.base_url, non_empty("URL"));
  r.read("model", llm.model, non_empty("model name"));
  r.read("fallback_models", llm.fallback_models);
  r.for_each("models", [&](MapReader& item, size_t) {
    ModelTokenConfig model;
    item.read("name", model.name, non_empty("model name"));
    item.read("tokens_per_patch", model.tokens_per_patch, int_at_least(1));
    item.read("patch_pixels", model.patch_pixels, int_at_least(1));
    item.read("min_pixels", model.min_pixels, int_at_least(1));
    item.read("max_pixels", model.max_pixels, int_at_least(1));
    if (item.failed()) return;
    if (model.min_pixels > model.max_pixels) {
      return item.fail("max_pixels", "expected a number >= min_pixels (" +
                                         std::to_string(model.min_pixels) + "), got " +
                                         quoted(std::to_string(model.max_pixels)));
    }
    llm.models.push_back(std::move(model));
  });
  r.read("max_tokens", llm.max_tokens, int_at_least(1));
  // OpenAI-compatible APIs, DashScope included, reject temperatures above 2.
  r.read("temperature", llm.temperature, number_between(0, 2));
  r.read("system_prompt", llm.system_prompt);
  r.read("batch_groups", llm.batch_groups);
  r.read("max_batch_groups", llm.max_batch_groups, int_between(1, 32));
}

void read_limits(MapReader& item, double& qps, int& rpm, int& tpm) {
  item.read("qps_limit", qps, number_above(0));
  item.read("rpm_limit", rpm, int_at_least(1));
  item.read("tpm_limit", tpm, int_at_least(0));
}

bool same_limits(const AccountConfig& a, const ApiKeyConfig& k) {
  return a.qps_limit == k.qps_limit && a.rpm_limit == k.rpm_limit && a.tpm_limit == k.tpm_limit;
}

void read_accounts(MapReader& root, std::vector<AccountConfig>& accounts) {
  std::map<std::string, size_t> first_index;
  root.for_each("accounts", [&](MapReader& item, size_t index) {
    AccountConfig account;
    item.read("name", account.name);
    read_limits(item, account.qps_limit, account.rpm_limit, account.tpm_limit);
    item.for_each("models", [&](MapReader& model_item, size_t) {
      ModelLimitsConfig model;
      model_item.read("model", model.model, non_empty("model name"));
      read_limits(model_item, model.qps_limit, model.rpm_limit, model.tpm_limit);
      if (!model_item.failed()) account.models.push_back(std::move(model));
    });
    if (item.failed()) return;
    if (account.name.empty()) return item.fail("name", "expected an account name");
    const auto [it, inserted] = first_index.emplace(account.name, index);
    if (!inserted) {
      return item.fail("name", "expected a name not used by accounts[" +
                                   std::to_string(it->second) + "], got " + quoted(account.name));
    }
    accounts.push_back(std::move(account));
  });
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

void read_keys(MapReader& root, Config& config) {
  std::map<std::string, size_t> first_index;
  ImplicitAccounts implicit(config.accounts);
  root.for_each("api_keys", [&](MapReader& item, size_t index) {
    ApiKeyConfig key;
    item.read("id", key.id);
    item.read("key", key.key);
    item.read("account", key.account);
    item.read("enabled", key.enabled);
    item.read("weight", key.weight, number_at_least(0));
    read_limits(item, key.qps_limit, key.rpm_limit, key.tpm_limit);
    if (item.failed()) return;
    if (key.id.empty())
      return item.fail("id", "expected a key id (logs show it instead of the key)");
    const auto [it, inserted] = first_index.emplace(key.id, index);
    if (!inserted) {
      return item.fail("id", "expected an id not used by api_keys[" + std::to_string(it->second) +
                                 "], got " + quoted(key.id));
    }
    // Usually an unset ${VAR}: the deployment still starts, without this key.
    if (key.key.empty() && key.enabled) {
      key.enabled = false;
      item.warn("key", "api key " + quoted(key.id) + " has an empty key (unset ${VAR}?); disabled");
    }
    if (!key.account.empty()) implicit.add(item, index, key);
    if (item.failed()) return;
    config.api_keys.push_back(std::move(key));
  });
}

void read_scheduler(MapReader r, SchedulerConfig& s) {
  read_fields(r, s);
  if (!r.failed() && s.min_cooldown > s.max_cooldown) {
    r.fail("max_cooldown", "expected a number >= min_cooldown (" + format_number(s.min_cooldown) +
                               "), got " + quoted(format_number(s.max_cooldown)));
  }
}

}  // namespace

void read_api_keys_file(MapReader& root, Config& config) {
  read_llm(root.map("llm"), config.llm);
  // Accounts first: keys are checked against the listed ones whatever the
  // order of the sections in the file.
  read_accounts(root, config.accounts);
  read_keys(root, config);
  read_scheduler(root.map("scheduler"), config.scheduler);
  read_fields(root.map("rate_limit"), config.rate_limit);
}

}  // namespace tmon::config
