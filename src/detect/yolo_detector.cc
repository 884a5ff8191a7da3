#include "detect/yolo_detector.h"

#include <filesystem>
#include <map>
#include <opencv2/imgproc.hpp>

#include "messages/coco.h"

namespace tmon::detect {

Letterbox letterbox(const cv::Mat& frame, int input_size) {
  Letterbox box;
  box.scale = std::min(static_cast<double>(input_size) / frame.cols,
                       static_cast<double>(input_size) / frame.rows);
  const int width = static_cast<int>(std::round(frame.cols * box.scale));
  const int height = static_cast<int>(std::round(frame.rows * box.scale));
  box.pad = {(input_size - width) / 2.0, (input_size - height) / 2.0};
  cv::Mat resized;
  cv::resize(frame, resized, {width, height}, 0, 0, cv::INTER_LINEAR);
  // Grey 114 is what the YOLO exporters pad with.
  box.image = cv::Mat(input_size, input_size, frame.type(), cv::Scalar(114, 114, 114));
  resized.copyTo(
      box.image(cv::Rect(static_cast<int>(box.pad.x), static_cast<int>(box.pad.y), width, height)));
  return box;
}

std::vector<Detection> decode_yolo_output(const cv::Mat& output, const Letterbox& geometry,
                                          const cv::Size& frame_size, const YoloOptions& options) {
  if (output.dims != 3 || output.size[0] != 1) return {};
  const int classes = static_cast<int>(messages::coco_names().size());
  // Which inner dimension holds the attributes: the one that has 4 + C
  // (YOLOv8, usually first) or 5 + C (YOLOv5, usually last) entries.
  const auto is_attributes = [&](int n) { return n == classes + 4 || n == classes + 5; };
  bool attributes_first;
  if (is_attributes(output.size[1]) && is_attributes(output.size[2])) {
    attributes_first = output.size[1] == classes + 4;
  } else if (is_attributes(output.size[1]) || is_attributes(output.size[2])) {
    attributes_first = is_attributes(output.size[1]);
  } else {
    return {};  // not a COCO YOLO head
  }
  const int attributes = attributes_first ? output.size[1] : output.size[2];
  const int proposals = attributes_first ? output.size[2] : output.size[1];
  const bool objectness = attributes == classes + 5;  // YOLOv5
  cv::Mat rows(proposals, attributes, CV_32F, const_cast<float*>(output.ptr<float>()));
  cv::Mat transposed;
  if (attributes_first) {
    cv::transpose(cv::Mat(attributes, proposals, CV_32F, const_cast<float*>(output.ptr<float>())),
                  transposed);
    rows = transposed;
  }
  std::vector<bool> wanted(static_cast<size_t>(classes), options.classes.empty());
  for (const auto& name : options.classes) {
    if (const int index = messages::coco_index(name); index >= 0) wanted[static_cast<size_t>(index)] = true;
  }

  std::map<int, std::vector<size_t>> by_class;
  std::vector<cv::Rect2d> boxes;
  std::vector<float> scores;
  std::vector<int> class_ids;
  const int first_class = objectness ? 5 : 4;
  for (int i = 0; i < proposals; ++i) {
    const float* row = rows.ptr<float>(i);
    const float object = objectness ? row[4] : 1.0f;
    if (object < options.confidence) continue;
    cv::Point best;
    double best_score = 0;
    cv::minMaxLoc(cv::Mat(1, classes, CV_32F, const_cast<float*>(row + first_class)), nullptr,
                  &best_score, nullptr, &best);
    const float score = static_cast<float>(best_score) * object;
    if (score < options.confidence || !wanted[static_cast<size_t>(best.x)]) continue;
    // (cx, cy, w, h) in letterboxed input pixels -> frame pixels.
    const double x = (row[0] - row[2] / 2 - geometry.pad.x) / geometry.scale;
    const double y = (row[1] - row[3] / 2 - geometry.pad.y) / geometry.scale;
    const cv::Rect2d box = cv::Rect2d(x, y, row[2] / geometry.scale, row[3] / geometry.scale) &
                           cv::Rect2d(0, 0, frame_size.width, frame_size.height);
    if (box.area() <= 0) continue;
    by_class[best.x].push_back(boxes.size());
    boxes.push_back(box);
    scores.push_back(score);
    class_ids.push_back(best.x);
  }

  std::vector<Detection> detections;
  for (const auto& [class_id, members] : by_class) {
    // NMS within a class only: a person on a bicycle keeps both boxes.
    std::vector<cv::Rect> class_boxes;
    std::vector<float> class_scores;
    for (size_t m : members) {
      class_boxes.emplace_back(boxes[m]);
      class_scores.push_back(scores[m]);
    }
    std::vector<int> kept;
    cv::dnn::NMSBoxes(class_boxes, class_scores, options.confidence, options.nms, kept);
    for (int k : kept) {
      const size_t m = members[static_cast<size_t>(k)];
      Detection d;
      d.class_id = class_id;
      d.class_name = messages::coco_names()[static_cast<size_t>(class_id)];
      d.confidence = scores[m];
      d.box = boxes[m];
      detections.push_back(std::move(d));
    }
  }
  return detections;
}

Result<std::shared_ptr<YoloModel>> YoloModel::load(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) {
    return make_error(ErrorCode::kNotFound, "YOLO model " + path + ": no such file");
  }
  std::shared_ptr<YoloModel> model(new YoloModel(path));
  try {
    model->idle_.push_back(cv::dnn::readNetFromONNX(path));
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kInvalidArgument, "YOLO model " + path + ": " + e.msg);
  }
  return model;
}

cv::dnn::Net YoloModel::take() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      cv::dnn::Net net = idle_.back();
      idle_.pop_back();
      return net;
    }
  }
  // All copies are busy on other workers: this worker gets its own.
  return cv::dnn::readNetFromONNX(path_);
}

void YoloModel::give_back(cv::dnn::Net net) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(net));
}

std::vector<Detection> YoloModel::infer(const cv::Mat& frame, const YoloOptions& options) {
  const Letterbox geometry = letterbox(frame, options.input_size);
  const cv::Mat blob =
      cv::dnn::blobFromImage(geometry.image, 1.0 / 255, {}, {}, /*swapRB=*/true, /*crop=*/false);
  cv::dnn::Net net = take();
  net.setInput(blob);
  const cv::Mat output = net.forward();
  give_back(net);
  return decode_yolo_output(output, geometry, frame.size(), options);
}

}  // namespace tmon::detect
