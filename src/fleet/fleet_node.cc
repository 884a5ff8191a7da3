#include "fleet/fleet_node.h"

#include <unistd.h>

#include "common/logging.h"

namespace tmon::fleet {
namespace {

std::shared_ptr<spdlog::logger> logger() {
  return get_logger("fleet");
}

Millis seconds(double value) {
  return Millis(static_cast<int64_t>(value * 1000));
}

}  // namespace

std::string default_instance_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
    std::snprintf(host, sizeof host, "detect");
  return std::string(host) + "-" + std::to_string(getpid());
}

Result<std::unique_ptr<FleetNode>> FleetNode::start(const config::KafkaConfig& kafka, Clock& clock,
                                                    FleetNodeOptions options) {
  std::unique_ptr<FleetNode> node(new FleetNode());
  node->instance_id_ = options.instance_id.empty() ? default_instance_id() : options.instance_id;
  node->local_ = options.local;
  static prometheus::Registry unused;  // metrics of a node given no registry (tests)
  node->metrics_ = std::make_unique<FleetMetrics>(options.registry ? *options.registry : unused,
                                                  node->instance_id_);
  const Millis write_timeout(std::max(5'000, kafka.producer.delivery_timeout_ms / 3));
  auto writer = RegistryWriter::create(kafka, "tmon-registry-" + node->instance_id_, write_timeout);
  if (!writer) return tl::unexpected(writer.error());
  node->writer_ = std::move(*writer);
  auto follower =
      RegistryFollower::start(kafka, "tmon-registry-" + node->instance_id_, node->metrics_.get());
  if (!follower) {
    return make_error(follower.error().code, "camera registry " + kafka.fleet.registry_topic +
                                                 ": " + follower.error().message +
                                                 " (create it with `tmon topics init`)");
  }
  node->follower_ = std::move(*follower);
  if (!node->follower_->wait_caught_up(options.catch_up_timeout)) {
    return make_error(ErrorCode::kTimeout, "camera registry " + kafka.fleet.registry_topic +
                                               " not read to its end within " +
                                               std::to_string(options.catch_up_timeout.count()) +
                                               " ms");
  }
  // The config seeds, the registry rules after.
  const auto seeds = cameras_to_seed(options.seed, node->follower_->snapshot(), clock.epoch_ms());
  for (const auto& camera : seeds) {
    auto written = node->writer_->put(camera);
    if (!written) return tl::unexpected(written.error());
    node->follower_->wait_for(written->partition, written->offset, write_timeout);
  }
  if (!seeds.empty()) {
    logger()->info("seeded {} camera(s) of pipeline.yaml into the registry", seeds.size());
  }

  RegistryCameras::Options control;
  control.status_period = seconds(kafka.fleet.status_period_seconds);
  control.write_timeout = write_timeout;
  control.check_source = options.check_source;
  control.probe = options.probe;
  control.classes_of = options.classes_of;
  control.instance_id = options.own_cameras ? node->instance_id_ : "";
  control.ephemeral_grace = seconds(kafka.fleet.ephemeral_grace_seconds);
  control.max_cameras =
      options.max_cameras > 0 ? options.max_cameras : static_cast<size_t>(kafka.fleet.max_cameras);
  node->control_ = std::make_unique<RegistryCameras>(*node->follower_, *node->writer_,
                                                     options.redis, options.local, clock, control);
  if (!options.own_cameras || !options.runner) return node;

  if (options.redis && options.local) {
    StatusPublisher::Options status;
    status.instance_id = node->instance_id_;
    status.period = seconds(kafka.fleet.status_period_seconds);
    status.ttl = seconds(kafka.fleet.status_ttl_seconds);
    api::CameraControl* local = options.local;
    node->status_ = std::make_unique<StatusPublisher>(
        options.redis, [local] { return local->list(); }, clock, status, node->metrics_.get());
    node->frame_listener_ = local->add_listener(
        [publisher = node->status_.get()](const messages::DetectionResult& frame) {
          publisher->on_frame(frame.cameraId, frame.captureTs);
        },
        [](const api::CameraInfo&) {});
    node->status_->start();
  } else {
    logger()->warn("no Redis: camera status is not shared with other processes");
  }
  StatusPublisher* publisher = node->status_.get();
  node->assignment_ =
      std::make_unique<Assignment>(*options.runner, [publisher](const RegistryCamera& camera) {
        if (publisher) publisher->on_started(camera);
      });
  auto ownership =
      Ownership::start(kafka, node->instance_id_, *node->assignment_, node->metrics_.get());
  if (!ownership) return tl::unexpected(ownership.error());
  node->ownership_ = std::move(*ownership);
  return node;
}

FleetNode::~FleetNode() {
  stop();
}

void FleetNode::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (ownership_) ownership_->stop();
  if (local_ && frame_listener_ != 0) local_->remove_listener(frame_listener_);
  if (status_) status_->stop();
  if (control_) control_->stop();
}

api::ComponentHealth FleetNode::health() const {
  auto health = control_->health();
  if (ownership_) {
    health.detail += "; instance " + instance_id_ + " owns " +
                     std::to_string(assignment_->owned().size()) + " cameras in " +
                     std::to_string(assignment_->partitions().size()) + " partitions";
    health.fields["instance"] = instance_id_;
  }
  return health;
}

std::vector<std::string> FleetNode::owned() const {
  return assignment_ ? assignment_->owned() : std::vector<std::string>{};
}

}  // namespace tmon::fleet
