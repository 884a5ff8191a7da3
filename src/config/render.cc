#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

#include "common/secrets.h"
#include "common/url_redaction.h"
#include "config/load.h"
#include "config/scalar.h"

namespace tmon::config {
namespace {

// librdkafka properties carry credentials under names such as
// "sasl.password" or "ssl.key.password"; mask anything that looks like one.
bool is_secret_property(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* marker : {"password", "secret", "sasl"}) {
    if (name.find(marker) != std::string::npos) return true;
  }
  return false;
}

// YAML::Emitter with one call per "key: value", so the section writers below
// read like the files they mirror.
class Writer {
 public:
  void value(std::string_view name, const std::string& v) { key(name) << v; }
  void value(std::string_view name, const char* v) { key(name) << v; }  // not the bool overload
  void quoted(std::string_view name, const std::string& v) { key(name) << YAML::DoubleQuoted << v; }
  void value(std::string_view name, int v) { key(name) << v; }
  void value(std::string_view name, int64_t v) { key(name) << v; }
  void value(std::string_view name, bool v) { key(name) << v; }
  // The emitter prints 0.1 as 0.10000000000000001; the shortest form reads back the same.
  void value(std::string_view name, double v) { key(name) << format_number(v); }

  void begin_map(std::string_view name) { key(name) << YAML::BeginMap; }
  void begin_map() { out_ << YAML::BeginMap; }
  void end_map() { out_ << YAML::EndMap; }
  void begin_list(std::string_view name, bool empty) {
    key(name);
    if (empty) out_ << YAML::Flow;  // "[]" on the key's line
    out_ << YAML::BeginSeq;
  }
  void end_list() { out_ << YAML::EndSeq; }
  void numbers(std::string_view name, const std::vector<double>& items) {
    key(name) << YAML::Flow << YAML::BeginSeq;
    for (const double item : items) out_ << format_number(item);
    out_ << YAML::EndSeq;
  }
  void strings(std::string_view name, const std::vector<std::string>& items) {
    key(name) << YAML::Flow << YAML::BeginSeq;
    for (const auto& item : items) out_ << item;
    out_ << YAML::EndSeq;
  }

  void properties(std::string_view name, const std::map<std::string, std::string>& props) {
    key(name);
    if (props.empty()) out_ << YAML::Flow;
    out_ << YAML::BeginMap;
    for (const auto& [property, v] : props) {
      value(property, is_secret_property(property) ? mask_secret(v) : v);
    }
    out_ << YAML::EndMap;
  }

  std::string text() const { return out_.c_str(); }

 private:
  YAML::Emitter& key(std::string_view name) {
    return out_ << YAML::Key << std::string(name) << YAML::Value;
  }

  YAML::Emitter out_;
};

void write_api_keys_file(Writer& w, const Config& c) {
  w.begin_map("llm");
  w.value("base_url", c.llm.base_url);
  w.value("model", c.llm.model);
  w.strings("fallback_models", c.llm.fallback_models);
  w.begin_list("models", c.llm.models.empty());
  for (const auto& m : c.llm.models) {
    w.begin_map();
    w.value("name", m.name);
    w.value("tokens_per_patch", m.tokens_per_patch);
    w.value("patch_pixels", m.patch_pixels);
    w.value("min_pixels", m.min_pixels);
    w.value("max_pixels", m.max_pixels);
    w.end_map();
  }
  w.end_list();
  w.value("max_tokens", c.llm.max_tokens);
  w.value("temperature", c.llm.temperature);
  w.value("system_prompt", c.llm.system_prompt);
  w.value("batch_groups", c.llm.batch_groups);
  w.value("max_batch_groups", c.llm.max_batch_groups);
  w.end_map();
  w.begin_list("accounts", c.accounts.empty());
  for (const auto& a : c.accounts) {
    w.begin_map();
    w.value("name", a.name);
    w.value("qps_limit", a.qps_limit);
    w.value("rpm_limit", a.rpm_limit);
    w.value("tpm_limit", a.tpm_limit);
    if (!a.models.empty()) {
      w.begin_list("models", false);
      for (const auto& m : a.models) {
        w.begin_map();
        w.value("model", m.model);
        w.value("qps_limit", m.qps_limit);
        w.value("rpm_limit", m.rpm_limit);
        w.value("tpm_limit", m.tpm_limit);
        w.end_map();
      }
      w.end_list();
    }
    w.end_map();
  }
  w.end_list();
  w.begin_list("api_keys", c.api_keys.empty());
  for (const auto& k : c.api_keys) {
    w.begin_map();
    w.value("id", k.id);
    w.value("key", mask_secret(k.key));
    w.value("account", k.account);
    w.value("enabled", k.enabled);
    w.value("weight", k.weight);
    w.value("qps_limit", k.qps_limit);
    w.value("rpm_limit", k.rpm_limit);
    w.value("tpm_limit", k.tpm_limit);
    w.end_map();
  }
  w.end_list();
  const auto& s = c.scheduler;
  w.begin_map("scheduler");
  w.value("max_concurrent_tasks", s.max_concurrent_tasks);
  w.value("key_cooldown_seconds", s.key_cooldown_seconds);
  w.value("retry_max_attempts", s.retry_max_attempts);
  w.value("timeout_seconds", s.timeout_seconds);
  w.value("adaptive_cooldown", s.adaptive_cooldown);
  w.value("min_cooldown", s.min_cooldown);
  w.value("max_cooldown", s.max_cooldown);
  w.value("queue_size", s.queue_size);
  w.value("queue_max_bytes", s.queue_max_bytes);
  w.value("disabled_probe_seconds", s.disabled_probe_seconds);
  w.value("rule_fallback", s.rule_fallback);

  w.end_map();
  const auto& l = c.rate_limit;
  w.begin_map("rate_limit");
  w.value("backend", l.backend);
  w.value("redis_url", redact_url_password(l.redis_url));
  w.value("redis_timeout_ms", l.redis_timeout_ms);
  w.value("expected_instances", l.expected_instances);
  w.value("window_margin_ms", l.window_margin_ms);
  w.value("max_window_margin_ms", l.max_window_margin_ms);
  w.value("margin_half_life_seconds", l.margin_half_life_seconds);
  w.value("probe_interval_seconds", l.probe_interval_seconds);
  w.value("ramp_up_seconds", l.ramp_up_seconds);
  w.value("ramp_start_fraction", l.ramp_start_fraction);
  w.value("ramp_after_idle_seconds", l.ramp_after_idle_seconds);
  w.end_map();
}

void write_topic(Writer& w, std::string_view key, const TopicConfig& t) {
  w.begin_map(key);
  w.value("name", t.name);
  w.value("partitions", t.partitions);
  w.value("replication_factor", t.replication_factor);
  w.value("retention_ms", t.retention_ms);
  w.end_map();
}

void write_kafka_file(Writer& w, const KafkaConfig& k) {
  w.value("bootstrap_servers", k.bootstrap_servers);
  w.value("embedded_brokers", k.embedded_brokers);
  w.begin_map("topics");
  write_topic(w, "detection_results", k.topics.detection_results);
  write_topic(w, "assessment_tasks", k.topics.assessment_tasks);
  write_topic(w, "risk_assessment_results", k.topics.risk_assessment_results);
  write_topic(w, "dead_letter", k.topics.dead_letter);
  w.end_map();
  const auto& p = k.producer;
  w.begin_map("producer");
  w.value("acks", p.acks);
  w.value("enable_idempotence", p.enable_idempotence);
  w.value("compression_type", p.compression_type);
  w.value("linger_ms", p.linger_ms);
  w.value("batch_size", p.batch_size);
  w.value("message_max_bytes", p.message_max_bytes);
  w.value("delivery_timeout_ms", p.delivery_timeout_ms);
  w.properties("properties", p.properties);
  w.end_map();
  const auto& c = k.consumer;
  w.begin_map("consumer");
  w.value("auto_offset_reset", c.auto_offset_reset);
  w.value("session_timeout_ms", c.session_timeout_ms);
  w.value("heartbeat_interval_ms", c.heartbeat_interval_ms);
  w.value("max_poll_interval_ms", c.max_poll_interval_ms);
  w.value("fetch_wait_max_ms", c.fetch_wait_max_ms);
  w.value("commit_interval_ms", c.commit_interval_ms);
  w.value("group_generate", c.group_generate);
  w.value("group_schedule", c.group_schedule);
  w.value("group_aggregate", c.group_aggregate);
  w.properties("properties", c.properties);
  w.end_map();
  const auto& f = k.fleet;
  w.begin_map("fleet");
  w.value("registry_topic", f.registry_topic);
  w.value("registry_partitions", f.registry_partitions);
  w.value("group_id", f.group_id);
  w.value("max_cameras", f.max_cameras);
  w.value("status_period_seconds", f.status_period_seconds);
  w.value("status_ttl_seconds", f.status_ttl_seconds);
  w.value("ephemeral_grace_seconds", f.ephemeral_grace_seconds);
  w.end_map();
}

void write_monitoring_file(Writer& w, const MonitoringConfig& m) {
  w.begin_map("logging");
  w.value("level", m.logging.level);
  w.value("json", m.logging.json);
  w.value("file", m.logging.file);
  w.end_map();
  w.begin_map("metrics");
  w.value("enabled", m.metrics.enabled);
  w.value("host", m.metrics.host);
  w.value("port_base", m.metrics.port_base);
  w.end_map();
  const auto& a = m.alerts;
  w.begin_map("alerts");
  w.value("latency_p95_seconds", a.latency_p95_seconds);
  w.value("error_rate", a.error_rate);
  w.value("consumer_lag", a.consumer_lag);
  w.value("key_failure_rate", a.key_failure_rate);
  w.value("min_available_keys", a.min_available_keys);
  w.value("dead_letters_per_minute", a.dead_letters_per_minute);
  w.end_map();
}

void write_pipeline_file(Writer& w, const PipelineConfig& p) {
  w.begin_list("cameras", p.cameras.empty());
  for (const auto& cam : p.cameras) {
    w.begin_map();
    if (!cam.id_is_integer && is_decimal_integer(cam.id)) {
      w.quoted("id", cam.id);  // a string that looks like a number stays a string
    } else {
      w.value("id", cam.id);
    }
    w.value("url", mask_url_credentials(cam.url));  // a camera password is not for a terminal
    w.value("enabled", cam.enabled);
    w.value("frame_interval_seconds", cam.frame_interval_seconds);
    w.value("detector", cam.detector);
    w.value("loop", cam.loop);
    w.value("roi_mask", cam.roi_mask);
    if (!cam.homography.empty()) {
      w.begin_list("homography", false);
      for (const auto& point : cam.homography) {
        w.begin_map();
        w.numbers("image", {point.image_x, point.image_y});
        w.numbers("ground", {point.ground_x, point.ground_y});
        w.end_map();
      }
      w.end_list();
    }
    w.end_map();
  }
  w.end_list();
  const auto& d = p.detection;
  w.begin_map("detection");
  w.value("frame_interval_seconds", d.frame_interval_seconds);
  w.value("detector", d.detector);
  w.value("jpeg_quality", d.jpeg_quality);
  w.value("min_group_size", d.min_group_size);
  w.value("group_distance_factor", d.group_distance_factor);
  w.value("crop_margin", d.crop_margin);
  w.value("thumbnail_width", d.thumbnail_width);
  w.value("workers", d.workers);
  w.value("motion_threshold", d.motion_threshold);
  w.value("min_area_ratio", d.min_area_ratio);
  w.value("yolo_model", d.yolo_model);
  w.value("yolo_input_size", d.yolo_input_size);
  w.value("yolo_confidence", d.yolo_confidence);
  w.value("yolo_nms", d.yolo_nms);
  w.strings("classes", d.classes);
  w.value("hog_upscale", d.hog_upscale);
  w.value("track_fps", d.track_fps);
  w.value("tracker_max_age", d.tracker_max_age);
  w.value("tracker_min_hits", d.tracker_min_hits);
  w.value("ttc_seconds", d.ttc_seconds);
  w.value("pet_seconds", d.pet_seconds);
  w.value("ssm_horizon_seconds", d.ssm_horizon_seconds);
  w.strings("allowed_sources", d.allowed_sources);
  w.strings("media_roots", d.media_roots);
  w.strings("allowed_hosts", d.allowed_hosts);
  w.value("max_cameras", d.max_cameras);
  w.end_map();
  w.begin_map("tasks");
  w.value("max_age_seconds", p.tasks.max_age_seconds);
  w.value("min_group_size", p.tasks.min_group_size);
  w.value("require_conflict_potential", p.tasks.require_conflict_potential);
  const auto& trig = p.tasks.triggers;
  w.begin_map("triggers");
  w.begin_map("conflict");
  w.value("priority", trig.conflict_priority);
  w.end_map();
  w.begin_map("proximity");
  w.value("max_gap", trig.proximity_max_gap);
  w.value("priority", trig.proximity_priority);
  w.end_map();
  w.begin_map("closing");
  w.value("horizon_seconds", trig.closing_horizon_seconds);
  w.value("max_gap", trig.closing_max_gap);
  w.value("priority", trig.closing_priority);
  w.end_map();
  w.begin_map("tailgating");
  w.value("max_gap", trig.tailgating_max_gap);
  w.value("priority", trig.tailgating_priority);
  w.end_map();
  w.begin_map("density");
  w.value("min_density", trig.density_min);
  w.value("priority", trig.density_priority);
  w.end_map();
  w.begin_map("crowd");
  w.value("min_size", trig.crowd_min_size);
  w.value("priority", trig.crowd_priority);
  w.end_map();
  w.end_map();
  const auto& dedup = p.tasks.dedup;
  w.begin_map("dedup");
  w.value("max_reassess_seconds", dedup.max_reassess_seconds);
  w.value("involved_members_only", dedup.involved_members_only);
  w.value("distance_shrink", dedup.distance_shrink);
  w.value("speed_change", dedup.speed_change);
  w.value("forget_after_seconds", dedup.forget_after_seconds);
  w.value("max_cameras", dedup.max_cameras);
  w.value("max_groups_per_camera", dedup.max_groups_per_camera);
  w.end_map();
  w.end_map();
  const auto& a = p.aggregation;
  w.begin_map("aggregation");
  w.value("latest_ttl_seconds", a.latest_ttl_seconds);
  w.value("history_size", a.history_size);
  w.value("alerts_size", a.alerts_size);
  w.value("high_risk_views_size", a.high_risk_views_size);
  w.value("result_ttl_seconds", a.result_ttl_seconds);
  w.value("partial_timeout_seconds", a.partial_timeout_seconds);
  w.value("max_pending_frames", a.max_pending_frames);
  w.value("alert_display_seconds", a.alert_display_seconds);
  w.value("alert_min_level", a.alert_min_level);
  w.value("detection_ttl_seconds", a.detection_ttl_seconds);
  w.end_map();
  w.value("shutdown_timeout_seconds", p.shutdown_timeout_seconds);
  w.begin_map("redis");
  w.value("url", redact_url_password(p.redis.url));
  w.value("timeout_ms", p.redis.timeout_ms);
  w.end_map();
  w.begin_map("api");
  w.value("host", p.api.host);
  w.value("port", p.api.port);
  w.value("admin_token", mask_secret(p.api.admin_token));
  w.value("viewer_token", mask_secret(p.api.viewer_token));
  w.value("max_body_bytes", p.api.max_body_bytes);
  w.value("threads", p.api.threads);
  w.strings("allowed_origins", p.api.allowed_origins);
  w.value("max_connections", p.api.max_connections);
  w.value("max_connections_per_peer", p.api.max_connections_per_peer);
  w.value("max_stream_clients", p.api.max_stream_clients);
  w.value("request_timeout_ms", p.api.request_timeout_ms);
  w.value("idle_timeout_ms", p.api.idle_timeout_ms);
  w.value("max_client_queue_bytes", p.api.max_client_queue_bytes);
  w.end_map();
  const auto& v = p.preview;
  w.begin_map("preview");
  w.value("enabled", v.enabled);
  w.value("max_fps", v.max_fps);
  w.value("max_width", v.max_width);
  w.value("max_bytes", v.max_bytes);
  w.value("lease_ttl_seconds", v.lease_ttl_seconds);
  w.value("lease_refresh_seconds", v.lease_refresh_seconds);
  w.value("lease_poll_seconds", v.lease_poll_seconds);
  w.value("max_watched_cameras", v.max_watched_cameras);
  w.end_map();
}

}  // namespace

std::string render_effective_config(const Config& config) {
  // One map keyed by file name: each subtree is that file's effective
  // content, so it can be compared with (or pasted into) the file.
  Writer w;
  w.begin_map();
  w.value("config_dir", config.config_dir);
  w.begin_map("api_keys.yaml");
  write_api_keys_file(w, config);
  w.end_map();
  w.begin_map("kafka.yaml");
  write_kafka_file(w, config.kafka);
  w.end_map();
  w.begin_map("monitoring.yaml");
  write_monitoring_file(w, config.monitoring);
  w.end_map();
  w.begin_map("pipeline.yaml");
  write_pipeline_file(w, config.pipeline);
  w.end_map();
  w.end_map();
  return w.text() + "\n";
}

}  // namespace tmon::config
