#pragma once

// The schema of each file: a reader that fills one part of Config from the
// file's root map, including the cross-field checks that need a line number.
// Internal to tmon_config; load.cc decides which file feeds which reader.

#include "config/config.h"
#include "config/yaml_reader.h"

namespace tmon::config {

// api_keys.yaml: llm, accounts, api_keys, scheduler, rate_limit.
void read_api_keys_file(MapReader& root, Config& config);
// kafka.yaml: bootstrap_servers, embedded_brokers, topics, producer, consumer.
void read_kafka_file(MapReader& root, KafkaConfig& kafka);
// monitoring.yaml: logging, metrics, alerts.
void read_monitoring_file(MapReader& root, MonitoringConfig& monitoring);
// pipeline.yaml: cameras, detection, tasks, aggregation, redis, api, preview.
void read_pipeline_file(MapReader& root, PipelineConfig& pipeline);

}  // namespace tmon::config
