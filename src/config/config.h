#pragma once

// Typed, immutable configuration of every tmon component, read from the four
// files under the config directory (see load.h). Defaults here are the
// documented defaults used when a file or key is absent. Durations are in the
// unit their name says; "limits" are per second / per minute as named.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/field_table.h"

namespace tmon::config {

// ---- config/api_keys.yaml ------------------------------------------------

// How a model counts an image's tokens (llm.models[]): whole patches of
// patch_pixels², the area kept within [min_pixels, max_pixels] (Qwen-VL's
// rule; see llm/token_estimate.h).
#define TMON_MODEL_TOKEN_FIELDS(X)                             \
  X(std::string, name, "", non_empty("model name"), kPlain)    \
  X(int, tokens_per_patch, 1, int_at_least(1), kPlain)         \
  X(int, patch_pixels, 28, int_at_least(1), kPlain)            \
  X(int64_t, min_pixels, 4 * 28 * 28, int_at_least(1), kPlain) \
  /* at least min_pixels (checked in read_api_keys.cc) */      \
  X(int64_t, max_pixels, 1280 * 28 * 28, int_at_least(1), kPlain)
struct ModelTokenConfig {
  TMON_CONFIG_FIELDS(TMON_MODEL_TOKEN_FIELDS)
};
void check_model_tokens(MapReader& item, ModelTokenConfig& model,
                        const std::vector<ModelTokenConfig>& before);

// The LLM provider: DashScope compatible mode or any OpenAI-compatible API.
#define TMON_LLM_FIELDS(X)                                                                        \
  X(std::string, base_url, "https://dashscope.aliyuncs.com/compatible-mode/v1", non_empty("URL"), \
    kPlain)                                                                                       \
  X(std::string, model, "qwen-vl-plus", non_empty("model name"), kPlain)                          \
  /* Tried in order when every key of `model` is cooling, out of tokens or                        \
     would make a task miss its deadline; empty (the default): no fallback. */                    \
  X(std::vector<std::string>, fallback_models, {}, anything(), kPlain)                            \
  /* token rules; unlisted models use the defaults */                                             \
  X(std::vector<ModelTokenConfig>, models, {}, records(check_model_tokens), kPlain)               \
  X(int, max_tokens, 1024, int_at_least(1), kPlain)                                               \
  /* OpenAI-compatible APIs, DashScope included, reject temperatures above 2. */                  \
  X(double, temperature, 0.1, number_between(0, 2), kPlain)                                       \
  /* empty: the built-in risk-assessment prompt */                                                \
  X(std::string, system_prompt, "", anything(), kPlain)                                           \
  /* Frame-level batching: a frame's tasks waiting together go to the LLM in                      \
     one call (several images in one user message, each labelled with its                         \
     group index); each group still gets its own result. */                                       \
  X(bool, batch_groups, true, anything(), kPlain)                                                \
  /* groups per batched call at most */                                                           \
  X(int, max_batch_groups, 8, int_between(1, 32), kPlain)
struct LlmConfig {
  TMON_CONFIG_FIELDS(TMON_LLM_FIELDS)
};

// An account's limits for one model (accounts[].models[]), when they differ
// from the account's own (which hold for llm.model and any unlisted model).
#define TMON_MODEL_LIMITS_FIELDS(X)                          \
  X(std::string, model, "", non_empty("model name"), kPlain) \
  X(double, qps_limit, 5, number_above(0), kPlain)           \
  X(int, rpm_limit, 300, int_at_least(1), kPlain)            \
  X(int, tpm_limit, 0, int_at_least(0), kPlain)
struct ModelLimitsConfig {
  TMON_CONFIG_FIELDS(TMON_MODEL_LIMITS_FIELDS)
};

// Providers count limits per account (and model). Keys naming the same
// account share these limits.
#define TMON_ACCOUNT_FIELDS(X)                         \
  /* required, unique (checked in read_api_keys.cc) */ \
  X(std::string, name, "", anything(), kPlain)         \
  /* requests per second */                            \
  X(double, qps_limit, 5, number_above(0), kPlain)     \
  /* requests per minute */                            \
  X(int, rpm_limit, 300, int_at_least(1), kPlain)      \
  /* tokens per minute; 0 = not enforced */            \
  X(int, tpm_limit, 0, int_at_least(0), kPlain)        \
  X(std::vector<ModelLimitsConfig>, models, {}, records<ModelLimitsConfig>(), kPlain)
struct AccountConfig {
  TMON_CONFIG_FIELDS(TMON_ACCOUNT_FIELDS)
};
void check_account(MapReader& item, AccountConfig& account,
                   const std::vector<AccountConfig>& before);

#define TMON_API_KEY_FIELDS(X)                                                \
  /* shown in logs, metrics and stats instead of the key; required, unique */ \
  X(std::string, id, "", anything(), kPlain)                                  \
  /* the secret; only ever sent in the Authorization header */                \
  X(std::string, key, "", anything(), kSecret)                                \
  /* empty: the key is its own account */                                     \
  X(std::string, account, "", anything(), kPlain)                             \
  X(bool, enabled, true, anything(), kPlain)                                  \
  /* relative share of traffic among keys with free permits */                \
  X(double, weight, 1.0, number_at_least(0), kPlain)                          \
  X(double, qps_limit, 5, number_above(0), kPlain)                            \
  X(int, rpm_limit, 300, int_at_least(1), kPlain)                             \
  X(int, tpm_limit, 0, int_at_least(0), kPlain)
struct ApiKeyConfig {
  TMON_CONFIG_FIELDS(TMON_API_KEY_FIELDS)
};
void check_api_key(MapReader& item, ApiKeyConfig& key, const std::vector<ApiKeyConfig>& before);

#define TMON_SCHEDULER_FIELDS(X)                                              \
  /* LLM calls in flight per scheduler process */                             \
  X(int, max_concurrent_tasks, 64, int_at_least(1), kPlain)                   \
  /* cooldown after a 429 when adaptive_cooldown is off */                    \
  X(double, key_cooldown_seconds, 60, number_at_least(0), kPlain)             \
  /* attempts per task, the first included */                                 \
  X(int, retry_max_attempts, 3, int_at_least(1), kPlain)                      \
  /* per LLM call */                                                          \
  X(double, timeout_seconds, 30, number_above(0), kPlain)                     \
  X(bool, adaptive_cooldown, true, anything(), kPlain)                        \
  /* seconds; at most max_cooldown (checked in read_api_keys.cc) */           \
  X(double, min_cooldown, 5, number_at_least(0), kPlain)                      \
  /* seconds */                                                               \
  X(double, max_cooldown, 120, number_at_least(0), kPlain)                    \
  /* tasks waiting for a permit before partitions pause */                    \
  X(int, queue_size, 1000, int_at_least(1), kPlain)                           \
  /* Bytes of images and prompts waiting before partitions pause (whichever   \
     of queue_size and this comes first). */                                  \
  X(int64_t, queue_max_bytes, 256LL << 20, int_at_least(1 << 20), kPlain)     \
  /* A key the provider disabled (401/403, lasting quota) is tried with one   \
     tiny request this often, and enabled again when it answers. */           \
  X(double, disabled_probe_seconds, 300, number_above(0), kPlain)             \
  /* When no key can serve a task before its deadline (all disabled, all      \
     cooling, the provider down), answer it with a rule-based assessment from \
     its safety measures and triggers (status ok, source "rules") instead of  \
     only `expired`. */                                                       \
  X(bool, rule_fallback, true, anything(), kPlain)
struct SchedulerConfig {
  TMON_CONFIG_FIELDS(TMON_SCHEDULER_FIELDS)
};
void check_scheduler(MapReader& r, SchedulerConfig& scheduler);

// Where permits come from. "local": this process alone paces its calls.
// "redis": every scheduler instance shares windows, cooldowns and disabled
// keys through Redis; without Redis each falls back to 1/expected_instances
// of every limit.
#define TMON_RATE_LIMIT_FIELDS(X)                                            \
  /* local or redis */                                                       \
  X(std::string, backend, "local", one_of({"local", "redis"}), kPlain)       \
  /* empty: pipeline.yaml redis.url */                                       \
  X(std::string, redis_url, "", anything(), kUrl)                            \
  /* short: a dead Redis must not stall permits */                           \
  X(int, redis_timeout_ms, 250, int_at_least(1), kPlain)                     \
  /* schedulers sharing the keys (fallback share) */                         \
  X(int, expected_instances, 1, int_at_least(1), kPlain)                     \
  /* least margin of our windows over the provider's */                      \
  X(int, window_margin_ms, 10, int_between(0, 10'000), kPlain)               \
  /* most the learned margin may grow to */                                  \
  X(int, max_window_margin_ms, 250, int_between(0, 10'000), kPlain)          \
  /* a learned margin halves this slowly */                                  \
  X(double, margin_half_life_seconds, 1800, number_above(0), kPlain)         \
  /* while falling back, how often Redis is tried */                         \
  X(double, probe_interval_seconds, 5, number_above(0), kPlain)              \
  /* After a burst 429 (limit_burst_rate) an account's per-second rate ramps \
     from ramp_start_fraction to its limit over ramp_up_seconds; with        \
     ramp_after_idle_seconds > 0 also after that long without calls. */      \
  X(double, ramp_up_seconds, 5, number_at_least(0), kPlain)                  \
  X(double, ramp_start_fraction, 0.2, number_between(0.01, 1), kPlain)       \
  X(double, ramp_after_idle_seconds, 0, number_at_least(0), kPlain)        \
  /* Tokens per minute spread over the minute: in any token_pace_seconds   \
     an account is charged at most 1.25x its share of the minute (0: off). */ \
  X(double, token_pace_seconds, 1, number_between(0, 60), kPlain)
struct RateLimitConfig {
  TMON_CONFIG_FIELDS(TMON_RATE_LIMIT_FIELDS)
};

// ---- config/kafka.yaml ---------------------------------------------------

#define TMON_TOPIC_FIELDS(X)                                \
  X(std::string, name, "", non_empty("topic name"), kPlain) \
  X(int, partitions, 16, int_at_least(1), kPlain)           \
  X(int, replication_factor, 1, int_at_least(1), kPlain)    \
  /* > 0, or -1 for unlimited */                            \
  X(int64_t, retention_ms, 24LL * 3600 * 1000, retention(), kPlain)
struct TopicConfig {
  TMON_CONFIG_FIELDS(TMON_TOPIC_FIELDS)
  bool compact = false;  // cleanup.policy=compact (the camera registry), not read from files
};

#define TMON_TOPICS_FIELDS(X)                                                                  \
  X(TopicConfig, detection_results, (TopicConfig{"detection-results"}), section(), kPlain)     \
  X(TopicConfig, assessment_tasks, (TopicConfig{"assessment-tasks"}), section(), kPlain)       \
  X(TopicConfig, risk_assessment_results, (TopicConfig{"risk-assessment-results"}), section(), \
    kPlain)                                                                                    \
  X(TopicConfig, dead_letter, (TopicConfig{"tmon-dead-letter", 4, 1, 7LL * 24 * 3600 * 1000}), \
    section(), kPlain)
struct TopicsConfig {
  TMON_CONFIG_FIELDS(TMON_TOPICS_FIELDS)
};

#define TMON_PRODUCER_FIELDS(X)                                                              \
  /* all or -1 while enable_idempotence (checked in read_kafka.cc) */                        \
  X(std::string, acks, "all", one_of({"all", "-1", "0", "1"}), kPlain)                       \
  X(bool, enable_idempotence, true, anything(), kPlain)                                      \
  X(std::string, compression_type, "lz4", one_of({"none", "gzip", "snappy", "lz4", "zstd"}), \
    kPlain)                                                                                  \
  /* each Kafka hop waits up to this (issue 15: 5 cost ~4 ms a hop) */                       \
  X(int, linger_ms, 1, int_at_least(0), kPlain)                                              \
  /* bytes */                                                                                \
  X(int, batch_size, 1'000'000, int_at_least(1), kPlain)                                     \
  /* group crops travel inline */                                                            \
  X(int, message_max_bytes, 10'000'000, int_at_least(1), kPlain)                             \
  X(int, delivery_timeout_ms, 30'000, int_at_least(1), kPlain)                               \
  /* passed to librdkafka as-is; credentials masked when shown */                            \
  X(Properties, properties, {}, anything(), kPlain)
struct ProducerConfig {
  TMON_CONFIG_FIELDS(TMON_PRODUCER_FIELDS)
};
void check_producer(MapReader& r, ProducerConfig& producer);

#define TMON_CONSUMER_FIELDS(X)                                                             \
  X(std::string, auto_offset_reset, "earliest", one_of({"earliest", "latest"}), kPlain)     \
  X(int, session_timeout_ms, 10'000, int_at_least(1), kPlain)                               \
  /* below session_timeout_ms (checked in read_kafka.cc) */                                 \
  X(int, heartbeat_interval_ms, 3'000, int_at_least(1), kPlain)                             \
  X(int, max_poll_interval_ms, 300'000, int_at_least(1), kPlain)                            \
  /* the embedded broker needs ~5 (DESIGN.md section 4) */                                  \
  X(int, fetch_wait_max_ms, 100, int_at_least(0), kPlain)                                   \
  X(int, commit_interval_ms, 1'000, int_at_least(1), kPlain)                                \
  X(std::string, group_generate, "tmon-generate", non_empty("consumer group id"), kPlain)   \
  X(std::string, group_schedule, "tmon-schedule", non_empty("consumer group id"), kPlain)   \
  X(std::string, group_aggregate, "tmon-aggregate", non_empty("consumer group id"), kPlain) \
  /* passed to librdkafka as-is; credentials masked when shown */                           \
  X(Properties, properties, {}, anything(), kPlain)
struct ConsumerConfig {
  TMON_CONFIG_FIELDS(TMON_CONSUMER_FIELDS)
};
void check_consumer(MapReader& r, ConsumerConfig& consumer);

// Cameras across detect processes (kafka.yaml `fleet:`): a compacted
// registry topic keyed by camera id, owned partition by partition by the
// members of one consumer group.
#define TMON_FLEET_FIELDS(X)                                                      \
  X(std::string, registry_topic, "tmon-cameras", non_empty("topic name"), kPlain) \
  /* most detect processes that can share the cameras */                          \
  X(int, registry_partitions, 12, int_between(1, 1000), kPlain)                   \
  /* the detect instances' consumer group */                                      \
  X(std::string, group_id, "tmon-detect", non_empty("consumer group id"), kPlain) \
  /* registry entries a process follows at most */                                \
  X(int, max_cameras, 10'000, int_between(1, 1'000'000), kPlain)                  \
  /* how often an owner writes its cameras' status */                             \
  X(double, status_period_seconds, 2, number_between(0.1, 60), kPlain)            \
  /* A status older than 3 periods means "no owner"; the key itself lives         \
     this long so a new owner can still read the last frame of the old one        \
     (at least 3 periods, checked in read_kafka.cc). */                           \
  X(double, status_ttl_seconds, 60, number_between(1, 86'400), kPlain)            \
  /* An ephemeral camera (/ws start_stream of an unknown id) is removed this      \
     long after its last watcher on an API process left. */                       \
  X(double, ephemeral_grace_seconds, 30, number_between(0, 86'400), kPlain)
struct FleetConfig {
  TMON_CONFIG_FIELDS(TMON_FLEET_FIELDS)
};
void check_fleet(MapReader& r, FleetConfig& fleet);

// kafka.yaml, its top-level keys.
#define TMON_KAFKA_FIELDS(X)                                                                  \
  /* "embedded" starts librdkafka's in-memory mock cluster in-process. */                     \
  X(std::string, bootstrap_servers, "embedded", non_empty("host:port list, or \"embedded\""), \
    kPlain)                                                                                   \
  X(int, embedded_brokers, 1, int_at_least(1), kPlain)                                        \
  X(TopicsConfig, topics, {}, section(), kPlain)                                              \
  X(ProducerConfig, producer, {}, section(check_producer), kPlain)                            \
  X(ConsumerConfig, consumer, {}, section(check_consumer), kPlain)                            \
  X(FleetConfig, fleet, {}, section(check_fleet), kPlain)
struct KafkaConfig {
  TMON_CONFIG_FIELDS(TMON_KAFKA_FIELDS)
};

// ---- config/monitoring.yaml ----------------------------------------------

// X(type, name, default, check, shown): one line per key (config/field_table.h).
#define TMON_LOGGING_FIELDS(X)                       \
  X(std::string, level, "info", log_level(), kPlain) \
  X(bool, json, false, anything(), kPlain)           \
  /* empty: stderr only */                           \
  X(std::string, file, "", anything(), kPlain)
struct LoggingConfig {
  TMON_CONFIG_FIELDS(TMON_LOGGING_FIELDS)
};

#define TMON_METRICS_FIELDS(X)                                   \
  X(bool, enabled, true, anything(), kPlain)                     \
  X(std::string, host, "127.0.0.1", non_empty("host"), kPlain)   \
  /* generate/schedule/aggregate instances count up from here */ \
  X(int, port_base, 9091, port(), kPlain)
struct MetricsConfig {
  TMON_CONFIG_FIELDS(TMON_METRICS_FIELDS)
};

#define TMON_ALERT_FIELDS(X)                                     \
  X(double, latency_p95_seconds, 5.0, number_above(0), kPlain)   \
  /* fraction of LLM calls */                                    \
  X(double, error_rate, 0.05, number_between(0, 1), kPlain)      \
  /* messages */                                                 \
  X(int, consumer_lag, 1000, int_at_least(0), kPlain)            \
  /* fraction of one key's calls */                              \
  X(double, key_failure_rate, 0.2, number_between(0, 1), kPlain) \
  X(int, min_available_keys, 1, int_at_least(0), kPlain)         \
  X(double, dead_letters_per_minute, 1.0, number_at_least(0), kPlain)
struct AlertThresholds {
  TMON_CONFIG_FIELDS(TMON_ALERT_FIELDS)
};

// monitoring.yaml, its top-level keys.
#define TMON_MONITORING_FIELDS(X)                  \
  X(LoggingConfig, logging, {}, section(), kPlain) \
  X(MetricsConfig, metrics, {}, section(), kPlain) \
  X(AlertThresholds, alerts, {}, section(), kPlain)
struct MonitoringConfig {
  TMON_CONFIG_FIELDS(TMON_MONITORING_FIELDS)
};

// ---- config/pipeline.yaml ------------------------------------------------

// A point of an image or of the ground, written [x, y].
struct Point2 {
  double x = 0, y = 0;
  bool operator==(const Point2&) const = default;
};

// One point of a camera's ground plane: a pixel and where it is on the road.
#define TMON_GROUND_POINT_FIELDS(X)                          \
  /* pixels */                                               \
  X(Point2, image, {}, required("the pixel [x, y]"), kPlain) \
  /* metres */                                               \
  X(Point2, ground, {}, required("the road point [x, y] in metres"), kPlain)
struct GroundPointConfig {
  TMON_CONFIG_FIELDS(TMON_GROUND_POINT_FIELDS)
  bool operator==(const GroundPointConfig&) const = default;
};

#define TMON_CAMERA_FIELDS(X)                                                 \
  /* Written as a plain integer (`id: 3`): the original numbers its cameras,  \
     and messages and /ws then carry the id as a JSON number (id_is_integer). \
     Required and unique (checked in read_pipeline.cc). */                    \
  X(std::string, id, "", anything(), kId)                                     \
  /* rtsp://, http(s)://, a file, a folder, or sim://; required */            \
  X(std::string, url, "", anything(), kCredentialUrl)                         \
  X(bool, enabled, true, anything(), kPlain)                                  \
  /* 0: detection.frame_interval_seconds (hence 0 allowed here, not there) */ \
  X(double, frame_interval_seconds, 0, number_between(0, 3600), kPlain)       \
  /* empty: detection.detector */                                             \
  X(std::string, detector, "", detector_name(true), kPlain)                   \
  /* video files and folders start over at the end */                         \
  X(bool, loop, true, anything(), kPlain)                                     \
  /* image: non-zero pixels are watched; empty: all */                        \
  X(std::string, roi_mask, "", anything(), kPlain)                            \
  /* Four image/ground point pairs: TTC/PET distances and speeds in metres.   \
     Empty: in pixels. */                                                     \
  X(std::vector<GroundPointConfig>, homography, {},                           \
    exactly<GroundPointConfig>(4, "point pairs {image: [x, y], ground: [x, y]}"), kPlain)
struct CameraConfig {
  TMON_CONFIG_FIELDS(TMON_CAMERA_FIELDS)
  bool id_is_integer = false;  // `id: 3` rather than `id: "3"` (set by reading, kId)
};
void check_camera(MapReader& item, CameraConfig& camera, const std::vector<CameraConfig>& before);
// The cameras used when pipeline.yaml names none: four simulated feeds, so a
// fresh checkout produces traffic without any hardware.
std::vector<CameraConfig> default_cameras();

#define TMON_DETECTION_FIELDS(X)                                                        \
  X(double, frame_interval_seconds, 1.8, number_between(0.05, 3600), kPlain)            \
  /* messages::kDetectorNames */                                                        \
  X(std::string, detector, "motion", detector_name(false), kPlain)                      \
  X(int, jpeg_quality, 80, int_between(1, 100), kPlain)                                 \
  X(int, min_group_size, 2, int_at_least(1), kPlain)                                    \
  /* grouping distance relative to object size */                                       \
  X(double, group_distance_factor, 1.5, number_above(0), kPlain)                        \
  /* group crop grown by this fraction per side */                                      \
  X(double, crop_margin, 0.15, number_between(0, 2), kPlain)                            \
  /* annotated frame for the dashboard (px); 0: none */                                 \
  X(int, thumbnail_width, 320, int_between(0, 4096), kPlain)                            \
  /* detection threads; 0: one per core */                                              \
  X(int, workers, 0, int_between(0, 256), kPlain)                                       \
  /* tracking-only frames run on threads this many nice values lower in                 \
     priority than the rest (analysed frames, Kafka, the stages); 0: the same */        \
  X(int, tracking_nice, 10, int_between(0, 19), kPlain)                                 \
  /* motion: sum over B, G, R of |frame - background| */                                \
  X(int, motion_threshold, 45, int_between(1, 765), kPlain)                             \
  /* motion: smallest blob, as a fraction of the frame */                               \
  X(double, min_area_ratio, 0.0004, number_between(0, 1), kPlain)                       \
  /* yolo: ONNX file (YOLOv5 or YOLOv8 export) */                                       \
  X(std::string, yolo_model, "", anything(), kPlain)                                    \
  X(int, yolo_input_size, 640, int_between(32, 4096), kPlain)                           \
  X(double, yolo_confidence, 0.25, number_between(0, 1), kPlain)                        \
  X(double, yolo_nms, 0.45, number_between(0, 1), kPlain)                               \
  X(std::vector<std::string>, classes,                                                  \
    (std::vector<std::string>{"person", "bicycle", "car", "motorcycle", "bus", "truck", \
                              "traffic light", "stop sign"}),                           \
    coco_class(), kPlain)                                                               \
  /* hog: enlarge frames whose people are under ~128 px */                              \
  X(double, hog_upscale, 1.0, number_between(1, 8), kPlain)                             \
  /* tracking: each camera detects and tracks this many frames per second               \
     (at most its source's rate) and publishes one every frame_interval_seconds;        \
     0 tracks only the published frames. */                                             \
  X(double, track_fps, 5, number_between(0, 60), kPlain)                                \
  /* tracked frames a lost object is remembered */                                      \
  X(int, tracker_max_age, 5, int_between(0, 1000), kPlain)                              \
  /* frames before a new object is reported */                                          \
  X(int, tracker_min_hits, 1, int_between(1, 1000), kPlain)                             \
  /* surrogate safety measures per pair of road users: conflict candidate when          \
     the time to collision / post-encroachment time is at most this */                  \
  X(double, ttc_seconds, 1.5, number_between(0, 60), kPlain)                            \
  X(double, pet_seconds, 4, number_between(0, 60), kPlain)                              \
  /* TTC looked for this far ahead */                                                   \
  X(double, ssm_horizon_seconds, 5, number_between(0.1, 60), kPlain)                    \
  /* Which sources a camera may have (pipeline.yaml, POST /api/cameras, /ws             \
     start_stream and check_camera alike): URL schemes, "file" meaning local            \
     files and image folders, which must also lie under one of media_roots              \
     (none by default). With allowed_hosts, network sources only on those               \
     hosts ("cam1.local", "10.0.0.7", "*.cams.example"). */                             \
  X(std::vector<std::string>, allowed_sources,                                          \
    (std::vector<std::string>{"rtsp", "rtsps", "http", "https", "sim", "file"}),        \
    one_of({"rtsp", "rtsps", "http", "https", "sim", "file"}), kPlain)                  \
  X(std::vector<std::string>, media_roots, {}, non_empty("media root"), kPlain)         \
  X(std::vector<std::string>, allowed_hosts, {}, non_empty("host"), kPlain)             \
  /* cameras one process pulls at most */                                               \
  X(int, max_cameras, 64, int_between(1, 10'000), kPlain)
struct DetectionConfig {
  TMON_CONFIG_FIELDS(TMON_DETECTION_FIELDS)
};

// tmon generate's triggers (tasks.triggers). Distances are in object sizes
// (the square root of the smaller box's area), so one setting suits near and
// far cameras alike. A gap, horizon, density or size of 0 switches its
// trigger off; priorities are free integers (higher first).

// conflict: detection's surrogate safety measures flag a pair of the group
// as a conflict candidate (TTC <= detection.ttc_seconds or PET <=
// detection.pet_seconds). Always on; the highest priority by default.
#define TMON_CONFLICT_TRIGGER_FIELDS(X) X(int, priority, 120, anything(), kPlain)
struct ConflictTriggerConfig {
  TMON_CONFIG_FIELDS(TMON_CONFLICT_TRIGGER_FIELDS)
};
// proximity: a pedestrian and a vehicle of the group this close.
#define TMON_PROXIMITY_TRIGGER_FIELDS(X)                  \
  X(double, max_gap, 0.5, number_between(0, 100), kPlain) \
  X(int, priority, 100, anything(), kPlain)
struct ProximityTriggerConfig {
  TMON_CONFIG_FIELDS(TMON_PROXIMITY_TRIGGER_FIELDS)
};
// closing: two members, moving as their tracks say, would come this close
// within the horizon (time to conflict).
#define TMON_CLOSING_TRIGGER_FIELDS(X)                         \
  X(double, horizon_seconds, 2, number_between(0, 60), kPlain) \
  X(double, max_gap, 0.25, number_between(0, 100), kPlain)     \
  X(int, priority, 80, anything(), kPlain)
struct ClosingTriggerConfig {
  TMON_CONFIG_FIELDS(TMON_CLOSING_TRIGGER_FIELDS)
};
// tailgating: two vehicles of the group this close.
#define TMON_TAILGATING_TRIGGER_FIELDS(X)                                      \
  X(double, max_gap, 0.25, number_between(0, 100), kPlain)                     \
  X(int, priority, 60, anything(), kPlain)                                     \
  /* Two vehicles follow one another (rather than pass side by side in       \
     neighbouring lanes) when their boxes overlap by at least this share of   \
     the smaller one across the way they go; only then is a close pair        \
     tailgating. 0 = any close pair. */                                       \
  X(double, min_in_line, 0.3, number_between(0, 1), kPlain)
struct TailgatingTriggerConfig {
  TMON_CONFIG_FIELDS(TMON_TAILGATING_TRIGGER_FIELDS)
};
// density: member box area / group box area at least this.
#define TMON_DENSITY_TRIGGER_FIELDS(X)                      \
  X(double, min_density, 0.9, number_between(0, 1), kPlain) \
  X(int, priority, 40, anything(), kPlain)
struct DensityTriggerConfig {
  TMON_CONFIG_FIELDS(TMON_DENSITY_TRIGGER_FIELDS)
};
// crowd: at least this many members.
#define TMON_CROWD_TRIGGER_FIELDS(X)                 \
  X(int, min_size, 6, int_between(0, 10000), kPlain) \
  X(int, priority, 20, anything(), kPlain)
struct CrowdTriggerConfig {
  TMON_CONFIG_FIELDS(TMON_CROWD_TRIGGER_FIELDS)
};

#define TMON_TASK_TRIGGER_FIELDS(X)                             \
  X(ConflictTriggerConfig, conflict, {}, section(), kPlain)     \
  X(ProximityTriggerConfig, proximity, {}, section(), kPlain)   \
  X(ClosingTriggerConfig, closing, {}, section(), kPlain)       \
  X(TailgatingTriggerConfig, tailgating, {}, section(), kPlain) \
  X(DensityTriggerConfig, density, {}, section(), kPlain)       \
  X(CrowdTriggerConfig, crowd, {}, section(), kPlain)
struct TaskTriggerConfig {
  TMON_CONFIG_FIELDS(TMON_TASK_TRIGGER_FIELDS)
};

// When an assessed group is assessed again (GroupMemory): a new conflict
// candidate, a higher trigger, a member joining or leaving that stays for a
// second analysed frame, or max_reassess_seconds passing. The two optional
// reasons below are off (0) by default: in flowing traffic they fire on most
// frames without telling a reviewer anything new.
#define TMON_TASK_DEDUP_FIELDS(X)                                                \
  /* an unchanged group is assessed again after this; alias: interval_seconds */ \
  X(double, max_reassess_seconds, 10, number_at_least(0), kPlain)                \
  /* Only members in a conflict or close pair count when they join or leave. */  \
  X(bool, involved_members_only, false, anything(), kPlain)                      \
  /* Members judged by track id: a group of tracks all assessed within           \
     max_reassess_seconds (in other groups) is no first sight, only a joining    \
     track no task showed lately is a member change, a member leaving is none. */\
  X(bool, track_identity, true, anything(), kPlain)                              \
  /* Deferrable reasons (members changed, refresh, gap, speed) wait up to this   \
     for a call the camera makes anyway (frame-level batching: several groups,   \
     one call) and go out when the wait ends; 0: each in its own frame. New      \
     close pairs never wait; first sights and higher triggers only when quiet   \
     (quiet_news_waits). */                                                      \
  X(double, coalesce_seconds, 9, number_at_least(0), kPlain)                   \
  /* A first sight or a higher trigger without a close pair (nothing, or only  \
     TTC/PET conflict candidates, which in flowing traffic mostly brake in      \
     time) waits like a deferrable reason, as long as its road users have; a    \
     close pair stays urgent. */                                                 \
  X(bool, quiet_news_waits, true, anything(), kPlain)                            \
  /* ... except a conflict candidate this close to colliding (TTC, seconds), too \
     close to brake in time: it goes at once; 0 = none. */                       \
  X(double, imminent_ttc_seconds, 0.3, number_at_least(0), kPlain)               \
  /* A close pair a task showed is news again once its gap falls below this      \
     share of its gap then (it is becoming a near miss); 0 = off. */             \
  X(double, closer_pair_ratio, 0.7, number_between(0, 1), kPlain)                \
  /* ... and only when its gap also fell by at least this (object sizes): at   \
     a tight gap a box's jitter of a few pixels is no approach. */              \
  X(double, closer_pair_min_drop, 0.1, number_at_least(0), kPlain)                \
  /* closest gap shrank by more than this (object sizes); 0 = off */             \
  X(double, distance_shrink, 0, number_at_least(0), kPlain)                      \
  /* speed changed by more than this (object sizes per second); 0 = off */       \
  X(double, speed_change, 0, number_at_least(0), kPlain)                         \
  /* a group unseen this long is forgotten */                                    \
  X(double, forget_after_seconds, 60, number_above(0), kPlain)                   \
  /* cameras remembered (least recently seen go first) */                        \
  X(int, max_cameras, 10000, int_at_least(1), kPlain)                            \
  /* groups remembered per camera */                                             \
  X(int, max_groups_per_camera, 256, int_at_least(1), kPlain)
struct TaskDedupConfig {
  TMON_CONFIG_FIELDS(TMON_TASK_DEDUP_FIELDS)
};
void read_dedup_aliases(MapReader& r, TaskDedupConfig& dedup);

#define TMON_TASK_FIELDS(X)                                                       \
  /* deadlineTs = captureTs + max_age */                                          \
  X(double, max_age_seconds, 10, number_above(0), kPlain)                         \
  /* smaller groups never make a task */                                          \
  X(int, min_group_size, 2, int_at_least(1), kPlain)                              \
  /* Send only groups the surrogate safety measures give a conflict potential:    \
     a conflict candidate pair, a pedestrian within the proximity gap of a        \
     vehicle, or two vehicles within the tailgating gap with one of them          \
     moving (following too close, or driving up to a stopped one). Groups         \
     whose detection carries no track motion are judged by the triggers alone. */ \
  X(bool, require_conflict_potential, true, anything(), kPlain)                   \
  X(TaskTriggerConfig, triggers, {}, section(), kPlain)                           \
  X(TaskDedupConfig, dedup, {}, with_aliases(read_dedup_aliases), kPlain)
struct TaskConfig {
  TMON_CONFIG_FIELDS(TMON_TASK_FIELDS)
};

#define TMON_AGGREGATION_FIELDS(X)                                                               \
  X(int, latest_ttl_seconds, 3600, int_at_least(1), kPlain)                                      \
  X(int, history_size, 100, int_at_least(1), kPlain)                                             \
  X(int, alerts_size, 100, int_at_least(1), kPlain)                                              \
  /* High-risk merged views kept per camera in alerts:{id}, the original's                       \
     list (its views carry the group crops: ~20 KB each). */                                     \
  X(int, high_risk_views_size, 100, int_at_least(1), kPlain)                                     \
  X(int, result_ttl_seconds, 86400, int_at_least(1), kPlain)                                     \
  X(double, partial_timeout_seconds, 15, number_above(0), kPlain)                                \
  /* frames waiting for results; more pauses intake */                                           \
  X(int, max_pending_frames, 10000, int_at_least(1), kPlain)                                     \
  /* an alert shows this long; a new one on the group within it continues it */                  \
  X(double, alert_display_seconds, 30, number_above(0), kPlain)                                  \
  /* group results at this risk level or above raise alerts */                                   \
  X(std::string, alert_min_level, "high", one_of({"low", "medium", "high", "critical"}), kPlain) \
  /* A frame's detection is kept this long to merge into its view; longer                        \
     than tasks.max_age_seconds + partial_timeout_seconds, when the last view                    \
     of a frame can go out (checked in read_pipeline.cc). */                                     \
  X(int, detection_ttl_seconds, 60, int_at_least(1), kPlain)
struct AggregationConfig {
  TMON_CONFIG_FIELDS(TMON_AGGREGATION_FIELDS)
};

#define TMON_REDIS_FIELDS(X)                                        \
  X(std::string, url, "redis://127.0.0.1:6379/0", anything(), kUrl) \
  X(int, timeout_ms, 2000, int_at_least(1), kPlain)
struct RedisConfig {
  TMON_CONFIG_FIELDS(TMON_REDIS_FIELDS)
};

#define TMON_API_FIELDS(X)                                                      \
  X(std::string, host, "127.0.0.1", non_empty("host"), kPlain)                  \
  X(int, port, 5000, ::tmon::config::port(), kPlain)                            \
  /* Changing state needs it (Authorization: Bearer, or a login session);       \
     empty: one is generated at start and printed once as the dashboard URL. */ \
  X(std::string, admin_token, "", anything(), kSecret)                          \
  /* read-only credential (needed off loopback) */                              \
  X(std::string, viewer_token, "", anything(), kSecret)                         \
  X(int, max_body_bytes, 1 << 20, int_at_least(1), kPlain)                      \
  X(int, threads, 2, int_at_least(1), kPlain)                                   \
  /* Browser origins trusted besides the server's own: they may read            \
     /api/... and /health/... (CORS), send requests that change state (with a   \
     credential) and open /ws (whose start/stop/probe they may use). "*"        \
     lets any page READ, never change state. Alias: cors_origins. */            \
  X(std::vector<std::string>, allowed_origins, {}, non_empty("origin"), kPlain) \
  /* open connections, WebSocket and streams included */                        \
  X(int, max_connections, 512, int_between(1, 1'000'000), kPlain)               \
  /* per client address (not loopback: a local proxy) */                        \
  X(int, max_connections_per_peer, 64, int_between(1, 1'000'000), kPlain)       \
  /* WebSocket and event-stream clients at once */                              \
  X(int, max_stream_clients, 256, int_between(1, 1'000'000), kPlain)            \
  /* a started request must arrive within this */                               \
  X(int, request_timeout_ms, 10'000, int_between(100, 600'000), kPlain)         \
  /* an idle keep-alive connection is closed after this */                      \
  X(int, idle_timeout_ms, 30'000, int_between(100, 3'600'000), kPlain)          \
  /* a WebSocket/stream client may lag this far behind */                       \
  X(int, max_client_queue_bytes, 8 << 20, int_between(65'536, 1 << 30), kPlain)
struct ApiConfig {
  TMON_CONFIG_FIELDS(TMON_API_FIELDS)
};
void read_api_aliases(MapReader& r, ApiConfig& api);

// Live view of a camera from any API process (issue 18): while a browser
// watches a camera pulled elsewhere, its API process holds a lease in Redis;
// the process pulling the camera publishes preview frames only while one is
// held.
#define TMON_PREVIEW_FIELDS(X)                                                   \
  /* needs Redis; off: /ws shows only cameras pulled here */                     \
  X(bool, enabled, true, anything(), kPlain)                                     \
  /* preview frames per second per watched camera at most */                     \
  X(double, max_fps, 2, number_between(0.1, 30), kPlain)                         \
  /* a wider annotated frame is left out of the preview (px) */                  \
  X(int, max_width, 640, int_between(16, 4096), kPlain)                          \
  /* larger previews lose their crops, then their frame, then go */              \
  X(int, max_bytes, 65536, int_between(4096, 8 << 20), kPlain)                   \
  /* a watcher's lease expires this long after its last refresh */               \
  X(double, lease_ttl_seconds, 10, number_between(1, 3600), kPlain)              \
  /* an API process refreshes its leases this often (below lease_ttl_seconds) */ \
  X(double, lease_refresh_seconds, 3, number_between(0.1, 3600), kPlain)         \
  /* a puller reads the leases of its cameras this often */                      \
  X(double, lease_poll_seconds, 1, number_between(0.1, 60), kPlain)              \
  /* cameras pulled elsewhere one API process watches at most */                 \
  X(int, max_watched_cameras, 64, int_between(1, 10'000), kPlain)
struct PreviewConfig {
  TMON_CONFIG_FIELDS(TMON_PREVIEW_FIELDS)
};
void check_preview(MapReader& r, PreviewConfig& preview);

// pipeline.yaml, its top-level keys.
#define TMON_PIPELINE_FIELDS(X)                                                             \
  /* absent: four sim:// cameras */                                                         \
  X(std::vector<CameraConfig>, cameras, {}, records(check_camera, default_cameras), kPlain) \
  X(DetectionConfig, detection, {}, section(), kPlain)                                      \
  X(TaskConfig, tasks, {}, section(), kPlain)                                               \
  X(AggregationConfig, aggregation, {}, section(), kPlain)                                  \
  /* SIGTERM to exit, whatever is down (Redis, the broker, the provider):                   \
     stages drain within it, and a process still stopping when it ends exits                \
     anyway, leaving unfinished work uncommitted (replayed, never lost).                    \
     Above scheduler.timeout_seconds, so calls in flight can finish. */                     \
  X(double, shutdown_timeout_seconds, 40, number_between(1, 3600), kPlain)                  \
  X(RedisConfig, redis, {}, section(), kPlain)                                              \
  X(ApiConfig, api, {}, with_aliases(read_api_aliases), kPlain)                             \
  X(PreviewConfig, preview, {}, section(check_preview), kPlain)
struct PipelineConfig {
  TMON_CONFIG_FIELDS(TMON_PIPELINE_FIELDS)
};

// ---- everything ----------------------------------------------------------

// api_keys.yaml, its top-level keys (members of Config itself).
#define TMON_API_KEYS_FILE_FIELDS(X)                                          \
  X(LlmConfig, llm, {}, section(), kPlain)                                    \
  X(std::vector<AccountConfig>, accounts, {}, records(check_account), kPlain) \
  X(std::vector<ApiKeyConfig>, api_keys, {}, records(check_api_key), kPlain)  \
  X(SchedulerConfig, scheduler, {}, section(check_scheduler), kPlain)         \
  X(RateLimitConfig, rate_limit, {}, section(), kPlain)

struct Config {
  std::string config_dir = "config";
  // api_keys.yaml: visit_fields visits these only.
  TMON_CONFIG_FIELDS(TMON_API_KEYS_FILE_FIELDS)
  KafkaConfig kafka;
  MonitoringConfig monitoring;
  PipelineConfig pipeline;
};

using ConfigPtr = std::shared_ptr<const Config>;

// The camera registry topic of `kafka.fleet`: compacted, kept forever.
inline TopicConfig registry_topic(const KafkaConfig& kafka) {
  return {kafka.fleet.registry_topic, kafka.fleet.registry_partitions,
          kafka.topics.detection_results.replication_factor, -1, true};
}

}  // namespace tmon::config
