#include "bus/kafka_conf.h"

#include "common/logging.h"

namespace tmon::bus {

spdlog::level::level_enum syslog_to_spdlog(int level) {
  // librdkafka uses syslog levels: 0 emerg .. 3 err, 4 warning, 5 notice, 6 info, 7 debug.
  if (level <= 3) return spdlog::level::err;
  if (level == 4) return spdlog::level::warn;
  if (level <= 6) return spdlog::level::info;
  return spdlog::level::debug;
}

namespace {

// Sends librdkafka's own log lines and client errors to the "kafka" logger,
// so they share format, level and sinks with everything else.
class KafkaLogBridge final : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& event) override {
    static const auto logger = get_logger("kafka");
    switch (event.type()) {
      case RdKafka::Event::EVENT_LOG:
        logger->log(syslog_to_spdlog(event.severity()), "{}: {}", event.fac(), event.str());
        break;
      case RdKafka::Event::EVENT_ERROR:
        logger->log(event.fatal() ? spdlog::level::critical : spdlog::level::warn, "{}: {}",
                    RdKafka::err2str(event.err()), event.str());
        break;
      default:
        break;
    }
  }
};

KafkaLogBridge log_bridge;  // stateless; outlives every client

}  // namespace

Status set_property(RdKafka::Conf& conf, const std::string& name, const std::string& value) {
  std::string error;
  if (conf.set(name, value, error) != RdKafka::Conf::CONF_OK) {
    return make_error(ErrorCode::kInvalidArgument, "kafka property " + name + ": " + error);
  }
  return {};
}

namespace {

Result<std::unique_ptr<RdKafka::Conf>> make_common_conf(const config::KafkaConfig& kafka,
                                                        const std::string& client_id) {
  if (kafka.bootstrap_servers.empty() || kafka.bootstrap_servers == "embedded") {
    return make_error(ErrorCode::kInvalidArgument,
                      "bootstrap_servers must be resolved to host:port before connecting");
  }
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  for (const auto& [name, value] :
       {std::pair<std::string, std::string>{"bootstrap.servers", kafka.bootstrap_servers},
        {"client.id", client_id},
        // Large group crops travel inline in messages.
        {"message.max.bytes", std::to_string(kafka.producer.message_max_bytes)},
        {"log.connection.close", "false"}}) {
    if (auto ok = set_property(*conf, name, value); !ok) return tl::unexpected(ok.error());
  }
  std::string error;
  if (conf->set("event_cb", &log_bridge, error) != RdKafka::Conf::CONF_OK) {
    return make_error(ErrorCode::kInternal, "event_cb: " + error);
  }
  return conf;
}

Status apply_all(RdKafka::Conf& conf, const std::map<std::string, std::string>& properties) {
  for (const auto& [name, value] : properties) {
    if (auto ok = set_property(conf, name, value); !ok) return ok;
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<RdKafka::Conf>> make_producer_conf(const config::KafkaConfig& kafka,
                                                          const std::string& client_id) {
  auto conf = make_common_conf(kafka, client_id);
  if (!conf) return conf;
  const auto& p = kafka.producer;
  const std::map<std::string, std::string> settings{
      {"acks", p.acks},
      {"enable.idempotence", p.enable_idempotence ? "true" : "false"},
      {"compression.type", p.compression_type},
      {"linger.ms", std::to_string(p.linger_ms)},
      {"batch.size", std::to_string(p.batch_size)},
      {"delivery.timeout.ms", std::to_string(p.delivery_timeout_ms)},
  };
  if (auto ok = apply_all(**conf, settings); !ok) return tl::unexpected(ok.error());
  if (auto ok = apply_all(**conf, p.properties); !ok) return tl::unexpected(ok.error());
  return conf;
}

Result<std::unique_ptr<RdKafka::Conf>> make_consumer_conf(const config::KafkaConfig& kafka,
                                                          const std::string& client_id,
                                                          const std::string& group_id) {
  auto conf = make_common_conf(kafka, client_id);
  if (!conf) return conf;
  const auto& c = kafka.consumer;
  const std::map<std::string, std::string> settings{
      {"group.id", group_id},
      // Offsets are committed by us, only for work that is done (DESIGN.md §3).
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", c.auto_offset_reset},
      {"session.timeout.ms", std::to_string(c.session_timeout_ms)},
      {"heartbeat.interval.ms", std::to_string(c.heartbeat_interval_ms)},
      {"max.poll.interval.ms", std::to_string(c.max_poll_interval_ms)},
      {"fetch.wait.max.ms", std::to_string(c.fetch_wait_max_ms)},
      {"fetch.message.max.bytes", std::to_string(kafka.producer.message_max_bytes)},
      {"enable.partition.eof", "false"},
  };
  if (auto ok = apply_all(**conf, settings); !ok) return tl::unexpected(ok.error());
  if (auto ok = apply_all(**conf, c.properties); !ok) return tl::unexpected(ok.error());
  return conf;
}

}  // namespace tmon::bus
