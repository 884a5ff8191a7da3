#include "messages/coco.h"

#include <algorithm>

namespace tmon::messages {

const std::vector<std::string>& coco_names() {
  static const std::vector<std::string> kNames{"person",        "bicycle",      "car",
                                               "motorcycle",    "airplane",     "bus",
                                               "train",         "truck",        "boat",
                                               "traffic light", "fire hydrant", "stop sign",
                                               "parking meter", "bench",        "bird",
                                               "cat",           "dog",          "horse",
                                               "sheep",         "cow",          "elephant",
                                               "bear",          "zebra",        "giraffe",
                                               "backpack",      "umbrella",     "handbag",
                                               "tie",           "suitcase",     "frisbee",
                                               "skis",          "snowboard",    "sports ball",
                                               "kite",          "baseball bat", "baseball glove",
                                               "skateboard",    "surfboard",    "tennis racket",
                                               "bottle",        "wine glass",   "cup",
                                               "fork",          "knife",        "spoon",
                                               "bowl",          "banana",       "apple",
                                               "sandwich",      "orange",       "broccoli",
                                               "carrot",        "hot dog",      "pizza",
                                               "donut",         "cake",         "chair",
                                               "couch",         "potted plant", "bed",
                                               "dining table",  "toilet",       "tv",
                                               "laptop",        "mouse",        "remote",
                                               "keyboard",      "cell phone",   "microwave",
                                               "oven",          "toaster",      "sink",
                                               "refrigerator",  "book",         "clock",
                                               "vase",          "scissors",     "teddy bear",
                                               "hair drier",    "toothbrush"};
  return kNames;
}

int coco_index(std::string_view name) {
  const auto& names = coco_names();
  const auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

const std::vector<std::string>& traffic_classes() {
  static const std::vector<std::string> kClasses{"person", "bicycle", "car",           "motorcycle",
                                                 "bus",    "truck",   "traffic light", "stop sign"};
  return kClasses;
}

}  // namespace tmon::messages
