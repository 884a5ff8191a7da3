#include "runtime/pipeline.h"

#include <sys/utsname.h>

#include "aggregate/aggregate_stage.h"
#include "api/camera_routes.h"
#include "api/stats_counters.h"
#include "api/ws_protocol.h"
#include "bus/consumer.h"
#include "bus/dead_letter.h"
#include "bus/embedded_broker.h"
#include "bus/metrics.h"
#include "bus/producer.h"
#include "bus/retrying_sender.h"
#include "bus/stage_runner.h"
#include "common/logging.h"
#include "dashboard/static_routes.h"
#include "detect/camera_manager.h"
#include "detect/detector_factory.h"
#include "detect/source_policy.h"
#include "fleet/fleet_node.h"
#include "generate/generate_stage.h"
#include "http/access.h"
#include "http/client.h"
#include "http/io_threads.h"
#include "messages/codec.h"
#include "metrics/exposition.h"
#include "preview/live_view.h"
#include "runtime/camera_control.h"
#include "runtime/config_sections.h"
#include "schedule/llm_provider.h"
#include "schedule/schedule_stage.h"
#include "schedule/scheduler.h"
#include "schedule/scheduler_routes.h"
#include "schedule/scheduler_runtime.h"
#include "store/memory_result_store.h"
#include "store/open.h"
#include "store/redis_subscriber.h"

namespace tmon::runtime {

// Everything a pipeline process owns, declared in start order.
class PipelineParts {
 public:
  config::ConfigPtr config;
  config::KafkaConfig kafka;  // with bootstrap_servers resolved
  PipelineRoles roles;
  Clock* clock = nullptr;
  metrics::RegistryPtr registry = std::make_shared<prometheus::Registry>();
  // Run before each scrape of /metrics; they read parts declared below,
  // which the servers that run them (stopped in stop()) never outlive.
  metrics::ScrapeHooksPtr scrape_hooks = std::make_shared<metrics::ScrapeHooks>();
  // Before the producer and consumers whose callbacks count into it.
  std::unique_ptr<bus::BusMetrics> bus_metrics;

  std::unique_ptr<bus::EmbeddedBroker> broker;
  // Declared before the producer it sends through: destroyed after it, so
  // the producer's last callbacks (purged at its destruction) find it.
  std::unique_ptr<bus::RetryingSender> sender;
  std::unique_ptr<bus::Producer> producer;
  store::ResultStorePtr store;
  std::shared_ptr<store::RedisClient> redis_client;  // when the store is Redis's
  // Per-minute counts for /api/stats/summary, written by the aggregator
  // through aggregate_store (the store, counting what it publishes).
  api::StatsCountersPtr stats;
  store::ResultStorePtr aggregate_store;
  api::ComponentHealth store_health{"store", api::HealthStatus::kOk, ""};
  std::unique_ptr<schedule::LlmProvider> llm;  // the provider, or the built-in mock
  std::unique_ptr<schedule::SchedulerRuntime> scheduler_runtime;
  schedule::Scheduler* scheduler = nullptr;  // scheduler_runtime's
  // /metrics (and the scheduler's endpoints) of a process without the API.
  std::unique_ptr<http::Server> ops;
  std::vector<std::unique_ptr<bus::DeadLetterPublisher>> dead_letters;
  std::unique_ptr<generate::GenerateStage> generate;
  std::unique_ptr<schedule::ScheduleStage> schedule;
  std::unique_ptr<aggregate::AggregateMetrics> aggregate_metrics;
  std::unique_ptr<aggregate::AggregateStage> aggregate;
  std::vector<std::unique_ptr<bus::StageRunner>> runners;  // stop in this order
  std::unique_ptr<detect::DetectMetrics> detect_metrics;
  std::unique_ptr<detect::DetectorFactory> detectors;
  std::unique_ptr<detect::CameraManager> cameras;
  std::unique_ptr<ManagedCameras> camera_control;  // what the API sees of `cameras`
  // Previews of watched cameras to and from other processes; outlives `ws`.
  std::unique_ptr<preview::LiveView> live_view;
  // The camera registry: ownership of `cameras`, and the API's control of
  // every camera of the deployment (fleet->control()).
  std::unique_ptr<fleet::FleetNode> fleet;
  std::unique_ptr<api::WsProtocol> ws;  // /ws
  // Views fanned out to /ws and /api/stream clients; fed by the Redis
  // subscriber, or by the in-process store's publish hook.
  std::shared_ptr<api::LiveFeed> live_feed;
  std::unique_ptr<api::LiveFeedMetrics> live_metrics;
  std::unique_ptr<store::RedisSubscriber> live_subscriber;
  std::unique_ptr<api::ApiServer> api;
  // The admin token in force; generated at start when none is configured.
  std::string admin_token;
  bool admin_token_generated = false;
  bool stopped = false;

  Status start_broker();
  Status start_store();
  Status start_llm();
  bus::DeadLetterPublisher& dead_letter_publisher(const std::string& stage);
  std::vector<api::ComponentHealth> health() const;
  // `outputs`: the topics the stage produces to (the dead-letter topic besides).
  Status add_stage(const std::string& name, const std::string& group,
                   const std::vector<std::string>& topics, std::vector<std::string> outputs,
                   bus::MessageHandler& handler, Millis drain_timeout = Millis(10'000));
  Status start_stages();
  Status start_live_feed();
  Status start_api();
  Status start_ops();
  void add_metrics(http::Router& router);
  Status start_cameras();
  Status start_live_view();
  Status start_fleet();
  api::CameraControl* api_cameras() const;
  api::ClassesOf classes_of() const;
  messages::JsonValue environment() const;
};

namespace {

// "Linux 6.1.0-18-amd64 x86_64": where the process runs, for the health report.
std::string platform_description() {
  utsname name{};
  if (uname(&name) != 0) return "unknown";
  return std::string(name.sysname) + " " + name.release + " " + name.machine;
}

std::shared_ptr<spdlog::logger> logger() {
  return get_logger("app");
}

// kafka_consumer_lag of this process's consumers, summed per topic.
std::map<std::string, int64_t> kafka_lag_by_topic(prometheus::Registry& registry) {
  std::map<std::string, int64_t> lag;
  for (const auto& family : registry.Collect()) {
    if (family.name != "kafka_consumer_lag") continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "topic") lag[label.value] += static_cast<int64_t>(metric.gauge.value);
      }
    }
  }
  return lag;
}

// `tmon api` on `bootstrap_servers: embedded`: its broker would be its own,
// which no detect process can reach, so it follows no registry.
constexpr std::string_view kNoRegistry =
    "no camera registry: kafka.bootstrap_servers is embedded, a broker no other process "
    "reaches; run tmon api with --brokers ADDR (or TMON_KAFKA_BOOTSTRAP_SERVERS), the broker "
    "of the detect processes";

}  // namespace

Status PipelineParts::start_broker() {
  kafka = config->kafka;
  if (kafka.bootstrap_servers != "embedded") return {};
  auto started = bus::EmbeddedBroker::start(kafka.embedded_brokers, kafka.topics,
                                            {config::registry_topic(kafka)});
  if (!started) return tl::unexpected(started.error());
  broker = std::move(*started);
  kafka.bootstrap_servers = broker->bootstrap_servers();
  logger()->warn("kafka: embedded in-memory broker at {} (development only: data is lost on exit)",
                 kafka.bootstrap_servers);
  return {};
}

Status PipelineParts::start_store() {
  auto opened = store::open(
      config->pipeline.redis, store::store_options(config->pipeline.aggregation),
      roles.allow_memory_store ? store::MemoryFallback::kAllowed : store::MemoryFallback::kRefused,
      *clock);
  if (!opened) return tl::unexpected(opened.error());
  store = opened->store;
  redis_client = opened->redis;
  if (redis_client) {
    stats = std::make_shared<api::RedisStatsCounters>(redis_client);
  } else {
    stats = std::make_shared<api::MemoryStatsCounters>();
  }
  store_health = {"store", opened->health, opened->detail};
  return {};
}

Status PipelineParts::start_llm() {
  auto provider = schedule::LlmProvider::open(config->llm, config->api_keys);
  if (!provider) return tl::unexpected(provider.error());
  llm = std::move(*provider);
  auto created = schedule::SchedulerRuntime::create(scheduler_sections(*config), roles.instance_id,
                                                    llm->keys(config->api_keys), llm->base_url(),
                                                    *clock, registry.get());
  if (!created) return tl::unexpected(created.error());
  scheduler_runtime = std::move(*created);
  scheduler = &scheduler_runtime->scheduler();
  // Key states and queue gauges as of the scrape (like /api/scheduler/stats,
  // this may ask a shared Redis limiter for cooldowns).
  scrape_hooks->add([this] { scheduler->update_metrics(); });
  scheduler->start();
  return {};
}

bus::DeadLetterPublisher& PipelineParts::dead_letter_publisher(const std::string& stage) {
  // Within what the producer may send, with room for librdkafka's framing.
  const size_t producer_limit =
      static_cast<size_t>(std::max(kafka.producer.message_max_bytes - 4096, 16 * 1024));
  dead_letters.push_back(std::make_unique<bus::DeadLetterPublisher>(
      *sender, kafka.topics.dead_letter.name, stage, *clock, bus_metrics.get(),
      std::min(bus::kMaxDeadLetterBytes, producer_limit)));
  return *dead_letters.back();
}

std::vector<api::ComponentHealth> PipelineParts::health() const {
  std::vector<api::ComponentHealth> components;
  if (store) components.push_back(store_health);
  if (fleet) components.push_back(fleet->health());
  if (roles.api && !fleet && !camera_control) {
    components.push_back({"fleet", api::HealthStatus::kDegraded, std::string(kNoRegistry)});
  }
  if (producer) {
    std::string detail = broker ? "embedded in-memory broker at " + kafka.bootstrap_servers
                                : kafka.bootstrap_servers;
    auto status = api::HealthStatus::kOk;
    // Outputs that failed to reach the broker and wait to be sent again.
    if (const size_t waiting = sender ? sender->pending() : 0; waiting > 0) {
      status = api::HealthStatus::kDegraded;
      detail += "; " + std::to_string(waiting) +
                " outputs not delivered, retrying (last error: " + sender->last_error() + ")";
    }
    // Handlers that threw: their messages went to the dead-letter topic.
    for (const auto& runner : runners) {
      if (const int64_t failures = runner->failures(); failures > 0) {
        status = status == api::HealthStatus::kOk ? api::HealthStatus::kDegraded : status;
        detail += "; stage " + runner->name() + ": " + std::to_string(failures) +
                  " handler errors (messages dead-lettered)";
      }
    }
    components.push_back(
        {"kafka", status, detail, {{"bootstrapServers", kafka.bootstrap_servers}}});
  }
  if (live_view) components.push_back(live_view->health());
  if (live_subscriber) {
    const auto stats = live_subscriber->stats();
    const std::string counts = std::to_string(stats.messages) + " views, " +
                               std::to_string(stats.reconnects) + " reconnects";
    components.push_back(
        {"live", stats.connected ? api::HealthStatus::kOk : api::HealthStatus::kDegraded,
         stats.connected
             ? "subscribed to views on " + live_subscriber->describe() + " (" + counts + ")"
             : "not subscribed to " + live_subscriber->describe() +
                   ": live push paused, reconnecting (" + counts + ")"});
  } else if (live_feed) {
    components.push_back({"live", api::HealthStatus::kOk, "views of the in-process store"});
  }
  if (scheduler) {
    const auto health = scheduler->health();
    std::string detail = health.reasons.empty() ? "healthy" : "";
    for (const auto& reason : health.reasons) detail += (detail.empty() ? "" : "; ") + reason;
    if (llm && llm->simulated()) detail += "; SIMULATED by the built-in mock LLM";
    components.push_back({"scheduler", health.status, detail});
  }
  return components;
}

Status PipelineParts::add_stage(const std::string& name, const std::string& group,
                                const std::vector<std::string>& topics,
                                std::vector<std::string> outputs, bus::MessageHandler& handler,
                                Millis drain_timeout) {
  bus::ConsumerOptions options{group, topics, "tmon-" + name + "-" + roles.instance_id,
                               bus_metrics.get()};
  options.clock = clock;
  auto consumer = bus::Consumer::create(kafka, std::move(options));
  outputs.push_back(kafka.topics.dead_letter.name);
  if (!consumer) return tl::unexpected(consumer.error());
  for (const auto& topic : topics) bus_metrics->init_stage(topic, name, outputs);
  // A handler that throws: its message is dead-lettered and its offset
  // completes, so the partition goes on.
  const bus::StageFailurePolicy failures{&dead_letter_publisher(name), bus_metrics.get()};
  runners.push_back(std::make_unique<bus::StageRunner>(name, std::move(*consumer), handler,
                                                       drain_timeout, failures));
  runners.back()->start();
  return {};
}

Status PipelineParts::start_stages() {
  const auto& topics = kafka.topics;
  const auto& groups = kafka.consumer;
  if (roles.generate) {
    generate = std::make_unique<generate::GenerateStage>(
        generate::TaskGenerator(config->pipeline.tasks), *sender, topics.assessment_tasks.name,
        dead_letter_publisher("generate"), *clock, *registry);
    if (auto ok = add_stage("generate", groups.group_generate, {topics.detection_results.name},
                            {topics.assessment_tasks.name}, *generate);
        !ok) {
      return ok;
    }
  }
  if (roles.schedule) {
    if (auto ok = start_llm(); !ok) return ok;
    schedule = std::make_unique<schedule::ScheduleStage>(scheduler->dispatcher(), *sender,
                                                         topics.risk_assessment_results.name,
                                                         dead_letter_publisher("schedule"), *clock);
    // On SIGTERM calls in flight may finish or time out before the final
    // commit, within the shutdown budget.
    const Millis drain(
        std::min(static_cast<int64_t>(config->scheduler.timeout_seconds * 1000) + 2'000,
                 static_cast<int64_t>(config->pipeline.shutdown_timeout_seconds * 1000 * 3 / 4)));
    if (auto ok = add_stage("schedule", groups.group_schedule, {topics.assessment_tasks.name},
                            {topics.risk_assessment_results.name}, *schedule, drain);
        !ok) {
      return ok;
    }
  }
  if (roles.aggregate) {
    // The frames' detections too: a view is the original's merged view.
    const auto options =
        aggregate::aggregate_options(config->pipeline.aggregation, topics.detection_results.name);
    aggregate_metrics = std::make_unique<aggregate::AggregateMetrics>(*registry);
    aggregate_store = std::make_shared<api::CountingResultStore>(store, stats, *clock);
    aggregate = std::make_unique<aggregate::AggregateStage>(
        *aggregate_store, dead_letter_publisher("aggregate"), *clock, options,
        aggregate_metrics.get());
    if (auto ok = add_stage("aggregate", groups.group_aggregate,
                            {topics.risk_assessment_results.name, options.detections_topic}, {},
                            *aggregate);
        !ok) {
      return ok;
    }
  }
  if (roles.detect) {
    if (auto ok = start_cameras(); !ok) return ok;
  }
  return {};
}

Status PipelineParts::start_cameras() {
  const auto& d = config->pipeline.detection;
  detect_metrics = std::make_unique<detect::DetectMetrics>(*registry);
  detectors = std::make_unique<detect::DetectorFactory>(d);
  cameras = std::make_unique<detect::CameraManager>(*detectors, detect::analyzer_options(d),
                                                    detect_metrics.get(), *clock, d.workers);
  camera_control = std::make_unique<ManagedCameras>(*cameras, d);
  const std::string topic = kafka.topics.detection_results.name;
  camera_control->set_sink([this, topic](const messages::DetectionResult& result) {
    auto sent = producer->send(topic, result.cameraId, messages::encode(result),
                               [id = result.cameraId](Result<bus::DeliveredOffset> delivered) {
                                 if (!delivered) {
                                   logger()->warn("camera={} frame not delivered: {}", id,
                                                  delivered.error().message);
                                 }
                               });
    if (!sent) logger()->warn("camera={} frame dropped: {}", result.cameraId, sent.error().message);
  });
  // Which cameras this process pulls is the fleet's decision (start_fleet):
  // pipeline.yaml's cameras seed the registry, ownership starts them here.
  cameras->start();
  return {};
}

Status PipelineParts::start_live_view() {
  // Live view across processes needs a Redis they share.
  if (!redis_client || !config->pipeline.preview.enabled || !(camera_control || roles.api)) {
    return {};
  }
  auto started = preview::LiveView::start(
      {config->pipeline.preview, redis_client->address(), Millis(config->pipeline.redis.timeout_ms),
       camera_control.get(), roles.api},
      *registry, *clock);
  if (!started) return tl::unexpected(started.error());
  live_view = std::move(*started);
  return {};
}

Status PipelineParts::start_fleet() {
  // `tmon api` alone follows the registry of the Kafka cluster it is given;
  // with an embedded broker there is no one to share cameras with.
  if (!roles.detect && config->kafka.bootstrap_servers == "embedded") {
    logger()->warn("{}", kNoRegistry);
    return {};
  }
  if (!roles.detect) kafka = config->kafka;
  for (const auto& camera : config->pipeline.cameras) {
    // A camera the config describes wrongly is a config error: fail fast.
    if (auto allowed = detect::SourcePolicy(config->pipeline.detection).check(camera.url);
        camera.enabled && !allowed) {
      return make_error(ErrorCode::kInvalidArgument,
                        "pipeline.yaml camera " + camera.id + ": " + allowed.error().message);
    }
  }
  fleet::FleetNodeOptions options;
  options.own_cameras = roles.detect;
  options.instance_id = roles.detect_instance_id;
  options.seed = config->pipeline.cameras;
  options.runner = camera_control.get();
  options.local = camera_control.get();
  options.redis = redis_client;
  options.registry = registry.get();
  auto policy = std::make_shared<detect::SourcePolicy>(config->pipeline.detection);
  options.check_source = [policy](const std::string& url) { return policy->check(url); };
  options.probe = [](const std::string& url, Millis timeout) {
    return detect::probe_camera(url, timeout);
  };
  options.classes_of = classes_of();
  // `tmon up` is the only instance: it pulls every camera, so its own bound
  // is the deployment's.
  if (roles.detect && roles.generate && roles.schedule && roles.aggregate) {
    options.max_cameras = static_cast<size_t>(
        std::min(config->pipeline.detection.max_cameras, kafka.fleet.max_cameras));
  }
  auto started = fleet::FleetNode::start(kafka, *clock, std::move(options));
  if (!started) return tl::unexpected(started.error());
  fleet = std::move(*started);
  return {};
}

api::CameraControl* PipelineParts::api_cameras() const {
  if (fleet) return &fleet->control();
  return camera_control.get();
}

api::ClassesOf PipelineParts::classes_of() const {
  return [settings = config->pipeline.detection](const std::string& detector) {
    return detect::detector_classes(settings, detector);
  };
}

messages::JsonValue PipelineParts::environment() const {
  // What the original reported (its runtime, platform, frame interval),
  // in tmon's terms.
  messages::JsonValue roles_json = messages::JsonValue::array();
  for (const auto& [role, on] : {std::pair{"detect", roles.detect},
                                 {"generate", roles.generate},
                                 {"schedule", roles.schedule},
                                 {"aggregate", roles.aggregate},
                                 {"api", roles.api}}) {
    if (on) roles_json.push_back(role);
  }
  return messages::JsonValue{{"runtime", "C++20"},
                             {"platform", platform_description()},
                             {"frame_interval", config->pipeline.detection.frame_interval_seconds},
                             {"detector", config->pipeline.detection.detector},
                             {"roles", std::move(roles_json)},
                             {"instance", roles.instance_id}};
}

Status PipelineParts::start_live_feed() {
  api::LiveFeedOptions feed_options;
  feed_options.classes_of = classes_of();
  live_feed = std::make_shared<api::LiveFeed>(*clock, feed_options);
  live_metrics = std::make_unique<api::LiveFeedMetrics>(*registry);
  scrape_hooks->add([this] {
    live_metrics->update(live_feed->stats(),
                         !live_subscriber || live_subscriber->stats().connected);
  });
  // The listeners hold the feed itself: whichever of store, subscriber and
  // feed goes last, nothing calls into a destroyed feed.
  const store::ViewListener publish = [feed = live_feed](const std::string& camera_id,
                                                         const std::string& view) {
    feed->publish(camera_id, view);
  };
  if (auto memory = std::dynamic_pointer_cast<store::MemoryResultStore>(store)) {
    memory->on_publish(publish);
    logger()->info("live push: views of the in-process store");
    return {};
  }
  // Every API process subscribes for itself, so all of them push every view.
  auto address = store::RedisAddress::parse(config->pipeline.redis.url);
  if (!address) return tl::unexpected(address.error());
  store::RedisSubscriberOptions options;
  options.timeout = Millis(config->pipeline.redis.timeout_ms);
  live_subscriber = std::make_unique<store::RedisSubscriber>(*address, publish, options);
  live_subscriber->start();
  return {};
}

Status PipelineParts::start_api() {
  config::ApiConfig api_config = config->pipeline.api;
  if (roles.api_port) api_config.port = *roles.api_port;
  // Control always needs a credential: without one configured, one is made
  // here and shown once (Pipeline::dashboard_url), never logged.
  admin_token = api_config.admin_token;
  if (admin_token.empty()) {
    admin_token = http::random_token(24);
    admin_token_generated = true;
    api_config.admin_token = admin_token;
  }
  // /ws everywhere: with cameras here it streams their frames with the risk
  // of their newest assessment; in `tmon api` alone it pushes assessed views.
  api::WsOptions ws_options;
  ws_options.classes_of = classes_of();
  ws_options.remote = live_view ? live_view->remote() : nullptr;
  if (camera_control) {
    ws_options.pulled_here = [local = camera_control.get()](const std::string& camera_id) {
      return local->has(camera_id);
    };
  }
  ws_options.check_source =
      [policy = std::make_shared<detect::SourcePolicy>(config->pipeline.detection)](
          const std::string& url) { return policy->check(url); };
  // With cameras here, /ws controls the registry (a start_stream of an
  // unknown id registers an ephemeral camera); without, it pushes views.
  ws = std::make_unique<api::WsProtocol>(camera_control ? api_cameras() : nullptr, live_feed.get(),
                                         *clock, ws_options);
  api::ApiOptions options;
  options.health = [this] { return health(); };
  options.environment = environment();
  options.access = api::make_access(api_config, admin_token_generated, *clock);
  // Alert handling is shared by every API process through Redis.
  options.acks = redis_client
                     ? api::AlertAcksPtr(std::make_shared<api::RedisAlertAcks>(redis_client))
                     : std::make_shared<api::MemoryAlertAcks>();
  options.stats = stats;
  options.kafka_lag = [registry = registry] { return kafka_lag_by_topic(*registry); };
  options.extra = [this, token = admin_token](http::Router& router) {
    dashboard::add_static_routes(router);
    add_metrics(router);
    if (scheduler) {
      schedule::add_scheduler_routes(router, *scheduler, token);
    } else {
      schedule::add_scheduler_elsewhere_routes(router);
    }
    if (auto* cameras = api_cameras()) {
      api::add_camera_routes(router, *cameras, ws->slow_executor());
    } else {
      api::add_unshared_camera_routes(router, std::string(kNoRegistry));
    }
    ws->attach(router);
  };
  options.live = api::LiveOptions{live_feed.get()};
  auto server = api::ApiServer::start(api_config, store, *clock, std::move(options));
  if (!server) return tl::unexpected(server.error());
  api = std::move(*server);
  return {};
}

void PipelineParts::add_metrics(http::Router& router) {
  if (!config->monitoring.metrics.enabled) return;
  metrics::add_metrics_route(router, registry, scrape_hooks);
}

Status PipelineParts::start_ops() {
  const bool metrics_enabled = config->monitoring.metrics.enabled;
  if (!scheduler && !metrics_enabled) return {};  // nothing to serve
  auto router = std::make_shared<http::Router>();
  add_metrics(*router);
  if (scheduler) {
    schedule::add_scheduler_routes(*router, *scheduler, config->pipeline.api.admin_token);
  }
  http::ServerOptions options;
  options.name = scheduler ? "scheduler ops" : "metrics";
  options.host = config->monitoring.metrics.host;
  options.port =
      roles.ops_port.value_or(default_metrics_port(roles, config->monitoring.metrics.port_base));
  auto server = http::Server::start(options, router);
  if (!server) return tl::unexpected(server.error());
  ops = std::move(*server);
  logger()->info("{} on http://{}:{}/metrics", options.name, options.host, ops->port());
  return {};
}

int default_metrics_port(const PipelineRoles& roles, int port_base) {
  if (roles.schedule) return port_base;
  if (roles.generate) return port_base + 1;
  if (roles.aggregate) return port_base + 2;
  return port_base;
}

Pipeline::Pipeline() : parts_(std::make_unique<PipelineParts>()) {}

Pipeline::~Pipeline() {
  stop();
}

Result<std::unique_ptr<Pipeline>> Pipeline::start(config::ConfigPtr config, PipelineRoles roles,
                                                  Clock& clock) {
  std::unique_ptr<Pipeline> pipeline(new Pipeline());
  PipelineParts& parts = *pipeline->parts_;
  parts.config = std::move(config);
  parts.roles = std::move(roles);
  parts.clock = &clock;
  const bool needs_kafka =
      parts.roles.detect || parts.roles.generate || parts.roles.schedule || parts.roles.aggregate;
  if (needs_kafka) {
    if (auto ok = parts.start_broker(); !ok) return tl::unexpected(ok.error());
    parts.bus_metrics = std::make_unique<bus::BusMetrics>(*parts.registry);
    auto producer = bus::Producer::create(parts.kafka, "tmon-" + parts.roles.instance_id,
                                          parts.bus_metrics.get());
    if (!producer) return tl::unexpected(producer.error());
    parts.producer = std::move(*producer);
    parts.sender =
        std::make_unique<bus::RetryingSender>(*parts.producer, clock, parts.bus_metrics.get());
  }
  if (parts.roles.aggregate || parts.roles.api) {
    if (auto ok = parts.start_store(); !ok) return tl::unexpected(ok.error());
    // Before the aggregator starts, so that no published view is missed.
    if (parts.roles.api) {
      if (auto ok = parts.start_live_feed(); !ok) return tl::unexpected(ok.error());
    }
  }
  if (auto ok = parts.start_stages(); !ok) return tl::unexpected(ok.error());
  if (parts.roles.detect || parts.roles.api) {
    if (auto ok = parts.start_fleet(); !ok) return tl::unexpected(ok.error());
  }
  if (auto ok = parts.start_live_view(); !ok) return tl::unexpected(ok.error());
  if (parts.roles.api) {
    if (auto ok = parts.start_api(); !ok) return tl::unexpected(ok.error());
  } else if (needs_kafka) {
    // Every process is scraped: stage processes serve /metrics on a port of their own.
    if (auto ok = parts.start_ops(); !ok) return tl::unexpected(ok.error());
  }
  return pipeline;
}

void Pipeline::stop() {
  PipelineParts& parts = *parts_;
  if (parts.stopped) return;
  parts.stopped = true;
  const SteadyTime deadline =
      parts.clock->now() +
      Millis(static_cast<int64_t>(parts.config->pipeline.shutdown_timeout_seconds * 1000));
  // Intake first, then each stage in flow order drains and commits. The
  // fleet first of all: leaving the group hands our cameras to the others.
  if (parts.fleet) parts.fleet->stop();
  if (parts.cameras) parts.cameras->stop();
  for (auto& runner : parts.runners) runner->stop();
  // Outputs still waiting for a retry are given up: their inputs were not
  // completed, so the commits above left them for the next run to replay.
  if (parts.sender) parts.sender->stop();
  // LLM calls that outlived the drain stay suspended; their tasks are replayed.
  if (parts.scheduler_runtime) parts.scheduler_runtime->stop_io();
  // What hands messages to WebSocket sessions stops before the server that
  // owns them: a session must not outlive the server's io_context.
  if (parts.ws) parts.ws->stop();
  if (parts.live_view) parts.live_view->stop();
  if (parts.live_subscriber) parts.live_subscriber->stop();
  if (parts.api) parts.api->stop();
  if (parts.ops) parts.ops->stop();
  // Deliveries complete offsets of consumers that are still alive here.
  if (parts.producer) {
    const Millis left = std::chrono::duration_cast<Millis>(deadline - parts.clock->now());
    if (auto flushed = parts.producer->flush(std::clamp(left, Millis(100), Millis(10'000)));
        !flushed) {
      logger()->warn("producer: {}", flushed.error().message);
    }
  }
  if (parts.llm) parts.llm->stop();
}

std::string Pipeline::dashboard_url() const {
  const auto& parts = *parts_;
  if (!parts.api || !parts.admin_token_generated) return "";
  const std::string& host = parts.config->pipeline.api.host;
  const std::string shown = http::is_loopback_host(host) ? host : "127.0.0.1";
  return "http://" + shown + ":" + std::to_string(parts.api->port()) +
         "/?token=" + parts.admin_token;
}

std::string Pipeline::api_url() const {
  const auto& parts = *parts_;
  if (!parts.api) return "";
  return "http://" + parts.config->pipeline.api.host + ":" + std::to_string(parts.api->port());
}

void Pipeline::reload(config::ConfigPtr config) {
  PipelineParts& parts = *parts_;
  if (parts.scheduler) {
    parts.scheduler->reload(scheduler_sections(*config), parts.llm->keys(config->api_keys));
  }
  const auto& old_llm = parts.config->llm;
  if (config->llm.base_url != old_llm.base_url) {
    logger()->warn("llm.base_url changed: restart to use the new provider");
  }
  parts.config = std::move(config);
}

std::string Pipeline::ops_url() const {
  const auto& parts = *parts_;
  if (!parts.ops) return "";
  return "http://" + parts.config->monitoring.metrics.host + ":" +
         std::to_string(parts.ops->port());
}

std::string Pipeline::bootstrap_servers() const {
  return parts_->producer ? parts_->kafka.bootstrap_servers : "";
}

std::vector<std::string> Pipeline::camera_ids() const {
  std::vector<std::string> ids;
  if (parts_->fleet) {
    for (const auto& camera : parts_->fleet->control().list()) ids.push_back(camera.id);
  } else if (parts_->cameras) {
    for (const auto& camera : parts_->cameras->list()) ids.push_back(camera.id);
  }
  return ids;
}

std::vector<api::ComponentHealth> Pipeline::health() const {
  return parts_->health();
}

}  // namespace tmon::runtime
