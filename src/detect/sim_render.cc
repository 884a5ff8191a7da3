// How a SimScene looks: the road, its road users, and what real cameras add
// (shadows, exposure drift, sensor noise).

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "detect/sim_scene.h"

namespace tmon::detect {
namespace {

using namespace sim_geometry;

constexpr double kExposurePeriod = 40;  // seconds of one auto-exposure swing
constexpr double kShadowPeriod = 3.2;   // seconds of one sway of a branch in the wind

}  // namespace

const cv::Mat& SimScene::road() const {
  // The road never changes: drawn once, copied per frame (filling a frame
  // with a three-channel colour costs more than copying one).
  if (!road_.empty()) return road_;
  const int w = options_.width;
  const int h = options_.height;
  road_ = cv::Mat(h, w, CV_8UC3, cv::Scalar(70, 110, 80));  // verge
  const double top = road_top(h);
  const double lane_h = lane_height(h);
  cv::rectangle(road_, cv::Rect(0, static_cast<int>(top), w, static_cast<int>(lane_h * kLanes)),
                cv::Scalar(60, 60, 60), cv::FILLED);
  for (int lane = 1; lane < kLanes; ++lane) {
    const int y = static_cast<int>(top + lane_h * lane);
    for (int x = 0; x < w; x += 40) {
      cv::line(road_, {x, y}, {x + 20, y}, cv::Scalar(230, 230, 230), 2);
    }
  }
  const int cross_x = static_cast<int>(w * 0.5 - 25);
  for (int y = static_cast<int>(top); y < top + lane_h * kLanes; y += 12) {
    cv::rectangle(road_, cv::Rect(cross_x, y, 50, 6), cv::Scalar(200, 200, 200), cv::FILLED);
  }
  return road_;
}

cv::Mat SimScene::render() const {
  cv::Mat frame = road().clone();
  for (const auto& o : objects_) {
    const cv::Rect box(o.box);
    if (o.class_name == "person") {
      // Head and body inside the box, so the box is exactly what is drawn.
      const int head = box.width / 2;
      cv::circle(frame, {box.x + head, box.y + head}, head, cv::Scalar(150, 180, 230), cv::FILLED);
      cv::rectangle(frame,
                    cv::Rect(box.x + 1, box.y + 2 * head, box.width - 2, box.height - 2 * head),
                    cv::Scalar(40, 40, 200), cv::FILLED);
    } else {
      // Every vehicle its own paint, lorries included, as on a real road.
      const cv::Scalar color =
          o.class_name == "truck"
              ? cv::Scalar(20 + (o.id * 29) % 60, 110 + (o.id * 41) % 100, 200 + (o.id * 13) % 55)
              : cv::Scalar(180 - (o.id * 37) % 120, 60 + (o.id * 53) % 150, 200);
      cv::rectangle(frame, box, color, cv::FILLED);
      cv::rectangle(frame, box, cv::Scalar(20, 20, 20), 1);
      const cv::Rect windshield(box.x + box.width / 4, box.y + 4, box.width / 2, box.height - 8);
      cv::rectangle(frame, windshield, cv::Scalar(90, 70, 50), cv::FILLED);
    }
  }
  render_shadows(frame);
  render_sensor(frame);
  return frame;
}

void SimScene::render_shadows(cv::Mat& frame) const {
  if (options_.shadows <= 0) return;
  // A tree beside the road: a cluster of leafy blobs whose shadow falls on
  // the upper verge and the edge of the first lane, swaying in the wind. The
  // blobs sway with different phases, so the shadow's outline flickers.
  const double scale = options_.height / 360.0;
  cv::Mat mask = cv::Mat::zeros(frame.size(), CV_8U);
  for (int tree = 0; tree < options_.shadows; ++tree) {
    const double cx = options_.width * (0.15 + 0.7 * tree / std::max(1, options_.shadows)) +
                      (tree % 2 ? 60 : 0) * scale;
    const double cy = road_top(options_.height) - 6 * scale;
    for (int leaf = 0; leaf < 7; ++leaf) {
      const double phase = leaf * 0.9 + tree * 2.1;
      const double sway = 9 * scale * std::sin(2 * M_PI * time_ / kShadowPeriod + phase);
      const cv::Point center(static_cast<int>(cx + (leaf - 3) * 16 * scale + sway),
                             static_cast<int>(cy + ((leaf * 7) % 5 - 2) * 7 * scale + 0.4 * sway));
      const cv::Size axes(static_cast<int>((14 + leaf % 3 * 4) * scale),
                          static_cast<int>((10 + leaf % 2 * 5) * scale));
      cv::ellipse(mask, center, axes, 20.0 * leaf, 0, 360, 255, cv::FILLED);
    }
  }
  cv::Mat shaded;
  frame.convertTo(shaded, -1, 0.6);
  shaded.copyTo(frame, mask);
}

void SimScene::render_sensor(cv::Mat& frame) const {
  if (options_.exposure > 0) {
    // Auto-exposure hunting: a slow swing of the global gain.
    const double gain = 1 + options_.exposure * std::sin(2 * M_PI * time_ / kExposurePeriod);
    frame.convertTo(frame, -1, gain);
  }
  if (options_.noise > 0) {
    // Fresh noise every frame, but the same for the same seed and time.
    cv::RNG rng(options_.seed * 1'000'003 + static_cast<uint64_t>(std::llround(time_ * 1000)));
    cv::Mat noise(frame.size(), CV_16SC3);
    rng.fill(noise, cv::RNG::NORMAL, 0, options_.noise);
    cv::Mat noisy;
    frame.convertTo(noisy, CV_16SC3);
    noisy += noise;
    noisy.convertTo(frame, CV_8UC3);
  }
}

}  // namespace tmon::detect
