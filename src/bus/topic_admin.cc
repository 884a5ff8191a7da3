#include "bus/topic_admin.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <map>
#include <memory>

#include "bus/kafka_conf.h"
#include "common/logging.h"

namespace tmon::bus {
namespace {

std::vector<config::TopicConfig> configured_topics(const config::KafkaConfig& kafka) {
  const auto& t = kafka.topics;
  return {t.detection_results, t.assessment_tasks, t.risk_assessment_results, t.dead_letter,
          config::registry_topic(kafka)};
}

Result<std::unique_ptr<RdKafka::Producer>> admin_handle(const config::KafkaConfig& kafka) {
  auto conf = make_producer_conf(kafka, "tmon-admin");
  if (!conf) return tl::unexpected(conf.error());
  std::string error;
  std::unique_ptr<RdKafka::Producer> handle(RdKafka::Producer::create(conf->get(), error));
  if (!handle) return make_error(ErrorCode::kInvalidArgument, "kafka admin: " + error);
  return handle;
}

// Partition counts of the topics that exist.
Result<std::map<std::string, int>> existing_partitions(RdKafka::Producer& handle, Millis timeout) {
  RdKafka::Metadata* raw = nullptr;
  const auto err = handle.metadata(true, nullptr, &raw, static_cast<int>(timeout.count()));
  if (err != RdKafka::ERR_NO_ERROR) {
    return make_error(ErrorCode::kUnavailable, "metadata: " + RdKafka::err2str(err));
  }
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  std::map<std::string, int> partitions;
  for (const auto* topic : *metadata->topics()) {
    if (topic->err() == RdKafka::ERR_NO_ERROR) {
      partitions[topic->topic()] = static_cast<int>(topic->partitions()->size());
    }
  }
  return partitions;
}

Status create_topics(RdKafka::Producer& handle, const std::vector<config::TopicConfig>& topics,
                     Millis timeout) {
  rd_kafka_t* rk = handle.c_ptr();
  char error[512];
  std::vector<rd_kafka_NewTopic_t*> new_topics;
  for (const auto& item : topics) {
    const config::TopicConfig* topic = &item;
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic->name.c_str(), topic->partitions,
                                                    topic->replication_factor, error, sizeof error);
    if (!nt) {
      rd_kafka_NewTopic_destroy_array(new_topics.data(), new_topics.size());
      return make_error(ErrorCode::kInvalidArgument, topic->name + ": " + error);
    }
    rd_kafka_NewTopic_set_config(nt, "retention.ms", std::to_string(topic->retention_ms).c_str());
    if (topic->compact) {
      // A camera's value is its last record; a tombstone must outlive every
      // process that may restart and seed that camera again (config seeds only
      // ids the registry never saw), so deletions are kept for ~10 years.
      rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
      rd_kafka_NewTopic_set_config(nt, "delete.retention.ms", "315360000000");
    }
    new_topics.push_back(nt);
  }
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, static_cast<int>(timeout.count()), error,
                                              sizeof error);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, new_topics.data(), new_topics.size(), options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, static_cast<int>(timeout.count()) + 1000);

  Status status;
  if (!event) {
    status = make_error(ErrorCode::kTimeout,
                        "CreateTopics got no answer (the embedded broker creates its topics "
                        "itself at start; `tmon broker` does)");
  } else if (rd_kafka_event_error(event)) {
    status = make_error(ErrorCode::kUnavailable,
                        std::string("CreateTopics: ") + rd_kafka_event_error_string(event));
  } else {
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    for (size_t i = 0; i < count; ++i) {
      const auto err = rd_kafka_topic_result_error(results[i]);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        status = make_error(ErrorCode::kRejected,
                            std::string(rd_kafka_topic_result_name(results[i])) + ": " +
                                rd_kafka_topic_result_error_string(results[i]));
        break;
      }
    }
  }
  if (event) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_NewTopic_destroy_array(new_topics.data(), new_topics.size());
  return status;
}

}  // namespace

Result<std::vector<TopicStatus>> describe_topics(const config::KafkaConfig& kafka, Millis timeout) {
  auto handle = admin_handle(kafka);
  if (!handle) return tl::unexpected(handle.error());
  auto existing = existing_partitions(**handle, timeout);
  if (!existing) return tl::unexpected(existing.error());
  std::vector<TopicStatus> statuses;
  for (const auto& [name, partitions] : *existing) statuses.push_back({name, partitions, false});
  return statuses;
}

Result<std::vector<TopicStatus>> ensure_topics(const config::KafkaConfig& kafka, Millis timeout) {
  auto handle = admin_handle(kafka);
  if (!handle) return tl::unexpected(handle.error());
  auto existing = existing_partitions(**handle, timeout);
  if (!existing) return tl::unexpected(existing.error());

  std::vector<config::TopicConfig> missing;
  std::vector<TopicStatus> statuses;
  for (const auto& item : configured_topics(kafka)) {
    const config::TopicConfig* topic = &item;
    const auto it = existing->find(topic->name);
    if (it == existing->end()) {
      missing.push_back(item);
      statuses.push_back({topic->name, topic->partitions, true});
      continue;
    }
    if (it->second != topic->partitions) {
      get_logger("bus")->warn("topic {} has {} partitions, config says {}; left as is", topic->name,
                              it->second, topic->partitions);
    }
    statuses.push_back({topic->name, it->second, false});
  }
  if (!missing.empty()) {
    if (auto ok = create_topics(**handle, missing, timeout); !ok) return tl::unexpected(ok.error());
  }
  return statuses;
}

}  // namespace tmon::bus
