#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "detect/sim_scene.h"

namespace tmon::detect {

// Where a camera's frames come from.
//
// Two kinds: live sources (RTSP, HTTP, video files played at their own
// pace) produce frames whether or not anyone looks, so a grabber thread
// reads them continuously and keeps only the newest; on-demand sources (a
// sim:// scene, a folder of images) produce a frame when asked, at sample
// time. read() is called by one thread at a time.
class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // Connects (or reconnects after an error). The error says why not.
  virtual Status open() = 0;
  // The next frame. Live sources block until it is decoded; on-demand
  // sources produce it now, `elapsed_seconds` after the previous one.
  // kNotFound means the source is finished (a video file or folder that does
  // not loop); any other error means it broke and may be reopened.
  virtual Result<cv::Mat> read(double elapsed_seconds) = 0;
  virtual bool live() const = 0;
  // The URL without credentials, for status and logs.
  virtual std::string describe() const = 0;
};

using FrameSourcePtr = std::unique_ptr<FrameSource>;

struct SourceOptions {
  bool loop = true;        // video files and folders start over at the end
  Clock* clock = nullptr;  // paces video files like a camera; nullptr: the system clock
};

// A source for a camera URL: sim://..., rtsp://..., http(s)://...,
// file:///path or a plain path to a video file, or a directory of images.
// Fails for a malformed sim:// URL or a path that does not exist; a network
// source that cannot be reached fails later, in open().
Result<FrameSourcePtr> make_source(const std::string& url, const SourceOptions& options = {});

// "rtsp://user:secret@host/x?token=t" -> "rtsp://***@host/x?token=***"
// (common/url_redaction.h).
std::string redact_credentials(const std::string& url);

// A sim:// scene as a source; its ground truth stays visible for tests.
class SimSource final : public FrameSource {
 public:
  explicit SimSource(SimOptions options, std::string url);
  Status open() override { return {}; }
  Result<cv::Mat> read(double elapsed_seconds) override;
  bool live() const override { return false; }
  std::string describe() const override { return url_; }
  const SimScene& scene() const { return scene_; }

 private:
  SimScene scene_;
  std::string url_;
};

}  // namespace tmon::detect
