#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tmon::messages {

// The 80 COCO class names in the order YOLO models number them, spelled as
// COCO spells them ("traffic light", "stop sign": with the spaces the
// original system's lookup lost two classes to).
const std::vector<std::string>& coco_names();

// Index of a COCO name, or -1.
int coco_index(std::string_view name);

// The classes a traffic camera cares about, the default class filter.
const std::vector<std::string>& traffic_classes();

}  // namespace tmon::messages
