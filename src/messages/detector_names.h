#pragma once

#include <array>
#include <string>
#include <string_view>

namespace tmon::messages {

// The detectors tmon has: what a camera's `detector` may name. One list for
// every process: detection makes each of them (detect::DetectorFactory, held
// to exactly this list by its test), the API refuses any other name with a
// 400 without linking detection (OpenCV).
inline constexpr std::array<std::string_view, 3> kDetectorNames{"motion", "yolo", "hog"};

// True for a name of kDetectorNames (case-sensitive; "" is not one).
bool is_detector_name(std::string_view name);

// "motion, yolo or hog": the list as error messages give it.
std::string detector_names_text();

}  // namespace tmon::messages
