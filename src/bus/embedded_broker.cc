#include "bus/embedded_broker.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>

#include "bus/kafka_conf.h"
#include "common/logging.h"

namespace tmon::bus {
namespace {

void log_to_spdlog(const rd_kafka_t*, int level, const char* facility, const char* message) {
  static const auto logger = get_logger("kafka");
  logger->log(syslog_to_spdlog(level), "broker {}: {}", facility, message);
}

}  // namespace

Result<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::start(
    int brokers, const config::TopicsConfig& topics,
    const std::vector<config::TopicConfig>& extra_topics) {
  if (brokers < 1) return make_error(ErrorCode::kInvalidArgument, "brokers must be >= 1");
  std::unique_ptr<EmbeddedBroker> self(new EmbeddedBroker());
  self->brokers_ = brokers;

  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "client.id", "tmon-embedded-broker", error, sizeof error);
  // This handle only hosts the mock cluster; it never connects anywhere, so
  // its "no bootstrap.servers" notice is noise.
  rd_kafka_conf_set(conf, "log_level", "4", error, sizeof error);
  rd_kafka_conf_set_log_cb(conf, log_to_spdlog);
  self->handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (!self->handle_) {
    rd_kafka_conf_destroy(conf);
    return make_error(ErrorCode::kInternal, std::string("embedded broker handle: ") + error);
  }
  self->cluster_ = rd_kafka_mock_cluster_new(self->handle_, brokers);
  if (!self->cluster_) return make_error(ErrorCode::kInternal, "mock cluster did not start");
  self->bootstrap_servers_ = rd_kafka_mock_cluster_bootstraps(self->cluster_);

  for (const auto* topic : {&topics.detection_results, &topics.assessment_tasks,
                            &topics.risk_assessment_results, &topics.dead_letter}) {
    if (auto ok = self->create_topic(topic->name, topic->partitions, topic->replication_factor);
        !ok) {
      return tl::unexpected(ok.error());
    }
  }
  // The mock keeps every record (no compaction); readers of a compacted
  // topic take a key's last record, so that changes nothing for them.
  for (const auto& topic : extra_topics) {
    if (auto ok = self->create_topic(topic.name, topic.partitions, topic.replication_factor); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  get_logger("bus")->info("embedded broker (in-memory, development only) at {}",
                          self->bootstrap_servers_);
  return self;
}

EmbeddedBroker::~EmbeddedBroker() {
  if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
  if (handle_) rd_kafka_destroy(handle_);
}

void EmbeddedBroker::set_available(bool available) {
  for (int32_t id = 1; id <= brokers_; ++id) {
    if (available) {
      rd_kafka_mock_broker_set_up(cluster_, id);
    } else {
      rd_kafka_mock_broker_set_down(cluster_, id);
    }
  }
}

Status EmbeddedBroker::create_topic(const std::string& name, int partitions,
                                    int replication_factor) {
  // The mock cannot place more replicas than it has brokers.
  const int replicas = std::clamp(replication_factor, 1, brokers_);
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, replicas);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    return make_error(ErrorCode::kInternal, "create topic " + name + ": " + rd_kafka_err2str(err));
  }
  return {};
}

}  // namespace tmon::bus
