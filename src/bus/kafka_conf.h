#pragma once

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/common.h>

#include <memory>
#include <string>

#include "common/result.h"
#include "config/config.h"

namespace tmon::bus {

// librdkafka configuration for one client. `kafka.bootstrap_servers` must be
// an address list by now ("embedded" is resolved by the caller that starts
// the broker). Every setting is checked; a rejected one is an error naming it.
Result<std::unique_ptr<RdKafka::Conf>> make_producer_conf(const config::KafkaConfig& kafka,
                                                          const std::string& client_id);
Result<std::unique_ptr<RdKafka::Conf>> make_consumer_conf(const config::KafkaConfig& kafka,
                                                          const std::string& client_id,
                                                          const std::string& group_id);

// librdkafka's syslog-style level (0..7) as an spdlog level.
spdlog::level::level_enum syslog_to_spdlog(int level);

// Sets one property, turning librdkafka's error string into an Error.
Status set_property(RdKafka::Conf& conf, const std::string& name, const std::string& value);

}  // namespace tmon::bus
