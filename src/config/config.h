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
struct ModelTokenConfig {
  std::string name;
  int tokens_per_patch = 1;
  int patch_pixels = 28;
  int64_t min_pixels = 4 * 28 * 28;
  int64_t max_pixels = 1280 * 28 * 28;
};

// The LLM provider: DashScope compatible mode or any OpenAI-compatible API.
struct LlmConfig {
  std::string base_url = "https://dashscope.aliyuncs.com/compatible-mode/v1";
  std::string model = "qwen-vl-plus";
  // Tried in order when every key of `model` is cooling, out of tokens or
  // would make a task miss its deadline; empty (the default): no fallback.
  std::vector<std::string> fallback_models;
  std::vector<ModelTokenConfig> models;  // token rules; unlisted models use the defaults
  int max_tokens = 1024;
  double temperature = 0.1;
  std::string system_prompt;  // empty: the built-in risk-assessment prompt
  // Frame-level batching: a frame's tasks waiting together go to the LLM in
  // one call (several images in one user message, each labelled with its
  // group index); each group still gets its own result.
  bool batch_groups = false;
  int max_batch_groups = 8;  // groups per batched call at most
};

// An account's limits for one model (accounts[].models[]), when they differ
// from the account's own (which hold for llm.model and any unlisted model).
struct ModelLimitsConfig {
  std::string model;
  double qps_limit = 5;
  int rpm_limit = 300;
  int tpm_limit = 0;
};

// Providers count limits per account (and model). Keys naming the same
// account share these limits.
struct AccountConfig {
  std::string name;
  double qps_limit = 5;  // requests per second
  int rpm_limit = 300;   // requests per minute
  int tpm_limit = 0;     // tokens per minute; 0 = not enforced
  std::vector<ModelLimitsConfig> models;
};

struct ApiKeyConfig {
  std::string id;       // shown in logs, metrics and stats instead of the key
  std::string key;      // the secret; only ever sent in the Authorization header
  std::string account;  // empty: the key is its own account
  bool enabled = true;
  double weight = 1.0;  // relative share of traffic among keys with free permits
  double qps_limit = 5;
  int rpm_limit = 300;
  int tpm_limit = 0;
};

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
  X(double, ramp_after_idle_seconds, 0, number_at_least(0), kPlain)
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

struct TopicsConfig {
  TopicConfig detection_results{"detection-results"};
  TopicConfig assessment_tasks{"assessment-tasks"};
  TopicConfig risk_assessment_results{"risk-assessment-results"};
  TopicConfig dead_letter{"tmon-dead-letter", 4, 1, 7LL * 24 * 3600 * 1000};
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

// Cameras across detect processes (kafka.yaml `fleet:`): a compacted
// registry topic keyed by camera id, owned partition by partition by the
// members of one consumer group.
struct FleetConfig {
  std::string registry_topic = "tmon-cameras";
  int registry_partitions = 12;          // most detect processes that can share the cameras
  std::string group_id = "tmon-detect";  // the detect instances' consumer group
  int max_cameras = 10'000;              // registry entries a process follows at most
  double status_period_seconds = 2;      // how often an owner writes its cameras' status
  // A status older than 3 periods means "no owner"; the key itself lives
  // this long so a new owner can still read the last frame of the old one.
  double status_ttl_seconds = 60;
  // An ephemeral camera (/ws start_stream of an unknown id) is removed this
  // long after its last watcher on an API process left.
  double ephemeral_grace_seconds = 30;
};

struct KafkaConfig {
  // "embedded" starts librdkafka's in-memory mock cluster in-process.
  std::string bootstrap_servers = "embedded";
  int embedded_brokers = 1;
  TopicsConfig topics;
  ProducerConfig producer;
  ConsumerConfig consumer;
  FleetConfig fleet;
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

struct MonitoringConfig {
  LoggingConfig logging;
  MetricsConfig metrics;
  AlertThresholds alerts;
};

// ---- config/pipeline.yaml ------------------------------------------------

// One point of a camera's ground plane: a pixel and where it is on the road.
struct GroundPointConfig {
  double image_x = 0, image_y = 0;    // pixels
  double ground_x = 0, ground_y = 0;  // metres
  bool operator==(const GroundPointConfig&) const = default;
};

struct CameraConfig {
  std::string id;
  // Written as a plain integer (`id: 3`): the original numbers its cameras,
  // and messages and /ws then carry the id as a JSON number.
  bool id_is_integer = false;
  std::string url;  // rtsp://, http(s)://, a file, a folder, or sim://
  bool enabled = true;
  double frame_interval_seconds = 0;  // 0: detection.frame_interval_seconds
  std::string detector;               // empty: detection.detector
  bool loop = true;                   // video files and folders start over at the end
  std::string roi_mask;               // image: non-zero pixels are watched; empty: all
  // Four image/ground point pairs: TTC/PET distances and speeds in metres.
  // Empty: in pixels.
  std::vector<GroundPointConfig> homography;
};

struct DetectionConfig {
  double frame_interval_seconds = 1.8;
  std::string detector = "motion";  // motion, yolo, hog
  int jpeg_quality = 80;
  int min_group_size = 2;
  double group_distance_factor = 1.5;  // grouping distance relative to object size
  double crop_margin = 0.15;           // group crop grown by this fraction per side
  int thumbnail_width = 320;           // annotated frame for the dashboard (px); 0: none
  int workers = 0;                     // detection threads; 0: one per core
  // motion
  int motion_threshold = 45;       // sum over B, G, R of |frame - background|
  double min_area_ratio = 0.0004;  // smallest blob, as a fraction of the frame
  // yolo
  std::string yolo_model;  // ONNX file (YOLOv5 or YOLOv8 export)
  int yolo_input_size = 640;
  double yolo_confidence = 0.25;
  double yolo_nms = 0.45;
  std::vector<std::string> classes{"person", "bicycle", "car",           "motorcycle",
                                   "bus",    "truck",   "traffic light", "stop sign"};
  // hog
  double hog_upscale = 1.0;  // enlarge frames whose people are under ~128 px
  // tracking: each camera detects and tracks this many frames per second
  // (at most its source's rate) and publishes one every frame_interval_seconds;
  // 0 tracks only the published frames.
  double track_fps = 5;
  int tracker_max_age = 5;   // tracked frames a lost object is remembered
  int tracker_min_hits = 1;  // frames before a new object is reported
  // surrogate safety measures per pair of road users
  double ttc_seconds = 1.5;        // conflict candidate: time to collision at most this
  double pet_seconds = 4;          // conflict candidate: post-encroachment time at most this
  double ssm_horizon_seconds = 5;  // TTC looked for this far ahead
  // Which sources a camera may have (pipeline.yaml, POST /api/cameras, /ws
  // start_stream and check_camera alike): URL schemes, "file" meaning local
  // files and image folders, which must also lie under one of media_roots
  // (none by default). With allowed_hosts, network sources only on those
  // hosts ("cam1.local", "10.0.0.7", "*.cams.example").
  std::vector<std::string> allowed_sources{"rtsp", "rtsps", "http", "https", "sim", "file"};
  std::vector<std::string> media_roots;
  std::vector<std::string> allowed_hosts;
  int max_cameras = 64;  // cameras one process pulls at most
};

// tmon generate. Distances are in object sizes (the square root of the
// smaller box's area), so one setting suits near and far cameras alike.
struct TaskTriggerConfig {
  // conflict: detection's surrogate safety measures flag a pair of the group
  // as a conflict candidate (TTC <= detection.ttc_seconds or PET <=
  // detection.pet_seconds). Always on; the highest priority by default.
  int conflict_priority = 120;
  // proximity: a pedestrian and a vehicle of the group this close.
  double proximity_max_gap = 0.5;  // 0 = off
  int proximity_priority = 100;
  // closing: two members, moving as their tracks say, would come this close
  // within the horizon (time to conflict).
  double closing_horizon_seconds = 2;  // 0 = off
  double closing_max_gap = 0.25;
  int closing_priority = 80;
  // tailgating: two vehicles of the group this close.
  double tailgating_max_gap = 0.25;  // 0 = off
  int tailgating_priority = 60;
  // density: member box area / group box area at least this.
  double density_min = 0.9;  // 0 = off
  int density_priority = 40;
  // crowd: at least this many members.
  int crowd_min_size = 6;  // 0 = off
  int crowd_priority = 20;
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

struct TaskConfig {
  double max_age_seconds = 10;  // deadlineTs = captureTs + max_age
  int min_group_size = 2;       // smaller groups never make a task
  // Send only groups the surrogate safety measures give a conflict potential:
  // a conflict candidate pair, a pedestrian within the proximity gap of a
  // vehicle, or two vehicles within the tailgating gap with one of them
  // moving (following too close, or driving up to a stopped one). Groups
  // whose detection carries no track motion are judged by the triggers alone.
  bool require_conflict_potential = true;
  TaskTriggerConfig triggers;
  TaskDedupConfig dedup;
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

// Live view of a camera from any API process (issue 18): while a browser
// watches a camera pulled elsewhere, its API process holds a lease in Redis;
// the process pulling the camera publishes preview frames only while one is
// held.
struct PreviewConfig {
  bool enabled = true;               // needs Redis; off: /ws shows only cameras pulled here
  double max_fps = 2;                // preview frames per second per watched camera at most
  int max_width = 640;               // a wider annotated frame is left out of the preview (px)
  int max_bytes = 65536;             // larger previews lose their crops, then their frame, then go
  double lease_ttl_seconds = 10;     // a watcher's lease expires this long after its last refresh
  double lease_refresh_seconds = 3;  // an API process refreshes its leases this often
  double lease_poll_seconds = 1;     // a puller reads the leases of its cameras this often
  int max_watched_cameras = 64;      // cameras pulled elsewhere one API process watches at most
};

struct PipelineConfig {
  std::vector<CameraConfig> cameras;  // default: four sim:// cameras
  DetectionConfig detection;
  TaskConfig tasks;
  AggregationConfig aggregation;
  // SIGTERM to exit, whatever is down (Redis, the broker, the provider):
  // stages drain within it, and a process still stopping when it ends exits
  // anyway, leaving unfinished work uncommitted (replayed, never lost).
  // Above scheduler.timeout_seconds, so calls in flight can finish.
  double shutdown_timeout_seconds = 40;
  RedisConfig redis;
  ApiConfig api;
  PreviewConfig preview;
};

// ---- everything ----------------------------------------------------------

struct Config {
  std::string config_dir = "config";
  LlmConfig llm;
  std::vector<AccountConfig> accounts;
  std::vector<ApiKeyConfig> api_keys;
  SchedulerConfig scheduler;
  RateLimitConfig rate_limit;
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
