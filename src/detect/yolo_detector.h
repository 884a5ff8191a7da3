#pragma once

#include <memory>
#include <mutex>
#include <opencv2/dnn.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "detect/detector.h"

namespace tmon::detect {

struct YoloOptions {
  int input_size = 640;              // the square the model was exported for
  float confidence = 0.25f;          // smallest class score (times objectness, YOLOv5) kept
  float nms = 0.45f;                 // IoU above which a weaker box of the same class is dropped
  std::vector<std::string> classes;  // COCO names to keep; empty: all
};

// Where a frame went in the letterboxed input: scaled by `scale`, then
// shifted by `pad` (grey bars keep the aspect ratio).
struct Letterbox {
  cv::Mat image;  // input_size x input_size
  double scale = 1;
  cv::Point2d pad;
};

Letterbox letterbox(const cv::Mat& frame, int input_size);

// Turns the raw output of a YOLO head into detections in frame pixels. Both
// layouts are understood: YOLOv8's [1, 4+C, N] (no objectness) and YOLOv5's
// [1, N, 5+C] (objectness before the C class scores), told apart by which
// dimension has 4+C or 5+C entries (C = 80 COCO classes). Boxes are
// (cx, cy, w, h) in input pixels.
// Applies the confidence threshold, the class filter, then NMS per class.
std::vector<Detection> decode_yolo_output(const cv::Mat& output, const Letterbox& geometry,
                                          const cv::Size& frame_size, const YoloOptions& options);

// An ONNX YOLO model loaded through OpenCV DNN, shared by the cameras that
// use it. cv::dnn::Net is not safe to use from two threads at once, so the
// model keeps a small pool: each inference takes a net of its own (loading
// another copy when all are busy, up to one per detection worker).
class YoloModel {
 public:
  static Result<std::shared_ptr<YoloModel>> load(const std::string& path);

  // Runs the model on a frame: letterbox, blob, forward, decode.
  std::vector<Detection> infer(const cv::Mat& frame, const YoloOptions& options);
  const std::string& path() const { return path_; }

 private:
  explicit YoloModel(std::string path) : path_(std::move(path)) {}
  cv::dnn::Net take();
  void give_back(cv::dnn::Net net);

  std::string path_;
  std::mutex mu_;
  std::vector<cv::dnn::Net> idle_;
};

class YoloDetector final : public Detector {
 public:
  YoloDetector(std::shared_ptr<YoloModel> model, YoloOptions options)
      : model_(std::move(model)), options_(std::move(options)) {}
  std::vector<Detection> detect(const cv::Mat& frame) override {
    return model_->infer(frame, options_);
  }
  const char* name() const override { return "yolo"; }

 private:
  std::shared_ptr<YoloModel> model_;
  YoloOptions options_;
};

}  // namespace tmon::detect
