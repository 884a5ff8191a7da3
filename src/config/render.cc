#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>

#include "common/secrets.h"
#include "common/url_redaction.h"
#include "config/field_io.h"
#include "config/load.h"
#include "config/scalar.h"
#include "config/yaml_writer.h"

namespace tmon::config {
namespace {

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
  w.begin_map("scheduler");
  write_fields(w, c.scheduler);
  w.end_map();
  w.begin_map("rate_limit");
  write_fields(w, c.rate_limit);
  w.end_map();
}

void write_kafka_file(Writer& w, const KafkaConfig& k) {
  w.value("bootstrap_servers", k.bootstrap_servers);
  w.value("embedded_brokers", k.embedded_brokers);
  w.begin_map("topics");
  for (const auto& [key, topic] : {std::pair{"detection_results", &k.topics.detection_results},
                                   {"assessment_tasks", &k.topics.assessment_tasks},
                                   {"risk_assessment_results", &k.topics.risk_assessment_results},
                                   {"dead_letter", &k.topics.dead_letter}}) {
    w.begin_map(key);
    write_fields(w, *topic);
    w.end_map();
  }
  w.end_map();
  w.begin_map("producer");
  write_fields(w, k.producer);
  w.end_map();
  w.begin_map("consumer");
  write_fields(w, k.consumer);
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
  write_fields(w, m.logging);
  w.end_map();
  w.begin_map("metrics");
  write_fields(w, m.metrics);
  w.end_map();
  w.begin_map("alerts");
  write_fields(w, m.alerts);
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
  w.begin_map("dedup");
  write_fields(w, p.tasks.dedup);
  w.end_map();
  w.end_map();
  w.begin_map("aggregation");
  write_fields(w, p.aggregation);
  w.end_map();
  w.value("shutdown_timeout_seconds", p.shutdown_timeout_seconds);
  w.begin_map("redis");
  write_fields(w, p.redis);
  w.end_map();
  w.begin_map("api");
  write_fields(w, p.api);
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
