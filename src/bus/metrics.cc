#include "bus/metrics.h"

#include "bus/dead_letter.h"

namespace tmon::bus {

BusMetrics::BusMetrics(prometheus::Registry& registry)
    : consumer_lag(prometheus::BuildGauge()
                       .Name("kafka_consumer_lag")
                       .Help("Messages a consumer group has yet to finish on a partition: high "
                             "watermark minus committed offset (or position when nothing is "
                             "committed)")
                       .Register(registry)),
      messages_consumed(prometheus::BuildCounter()
                            .Name("kafka_messages_consumed_total")
                            .Help("Messages handed to a stage by its Kafka consumer")
                            .Register(registry)),
      produce_errors(prometheus::BuildCounter()
                         .Name("kafka_produce_errors_total")
                         .Help("Messages that could not be queued or were not delivered to Kafka")
                         .Register(registry)),
      dead_letters(prometheus::BuildCounter()
                       .Name("dead_letters_total")
                       .Help("Messages sent to the dead-letter topic, by source topic, stage and "
                             "reason category")
                       .Register(registry)),
      dead_letters_truncated(prometheus::BuildCounter()
                                 .Name("dead_letters_truncated_total")
                                 .Help("Dead letters whose payload was cut to fit the topic")
                                 .Register(registry)),
      delivery_retries(prometheus::BuildCounter()
                           .Name("kafka_delivery_retries_total")
                           .Help("Outputs sent again after a failed delivery (never dropped)")
                           .Register(registry)),
      deliveries_pending_retry(prometheus::BuildGauge()
                                   .Name("kafka_deliveries_pending_retry")
                                   .Help("Outputs waiting to be sent again after a failed delivery")
                                   .Register(registry)),
      handler_errors(prometheus::BuildCounter()
                         .Name("stage_handler_errors_total")
                         .Help("Exceptions out of a stage's message handler or loop")
                         .Register(registry)) {}

void BusMetrics::init_stage(const std::string& source_topic, const std::string& stage,
                            const std::vector<std::string>& output_topics) {
  for (const auto reason : kDeadLetterReasons) {
    dead_letters.Add({{"topic", source_topic}, {"stage", stage}, {"reason", std::string(reason)}});
  }
  for (const auto& topic : output_topics) {
    produce_errors.Add({{"topic", topic}});
    delivery_retries.Add({{"topic", topic}});
  }
  dead_letters_truncated.Add({{"topic", source_topic}, {"stage", stage}});
  handler_errors.Add({{"stage", stage}});
}

}  // namespace tmon::bus
