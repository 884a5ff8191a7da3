#include "detect/frame_source.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "common/url_redaction.h"

namespace tmon::detect {
namespace {

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.rfind(prefix, 0) == 0;
}

// RTSP, HTTP (MJPEG and friends) and video files, through OpenCV's FFmpeg
// backend. Files play at their own frame rate, like a camera would.
class VideoSource final : public FrameSource {
 public:
  VideoSource(std::string url, bool file, bool loop, Clock& clock)
      : url_(std::move(url)), file_(file), loop_(loop), clock_(clock) {}

  Status open() override {
    capture_.release();
    // Bounded waits, so a dead camera reports an error instead of hanging.
    const std::vector<int> params{cv::CAP_PROP_OPEN_TIMEOUT_MSEC, 5000,
                                  cv::CAP_PROP_READ_TIMEOUT_MSEC, 5000};
    if (!capture_.open(url_, cv::CAP_FFMPEG, params) || !capture_.isOpened()) {
      return make_error(ErrorCode::kUnavailable, "cannot open " + describe());
    }
    const double fps = capture_.get(cv::CAP_PROP_FPS);
    frames_read_ = 0;
    frame_period_ = std::chrono::duration<double>(fps > 0 && fps < 240 ? 1.0 / fps : 0.04);
    next_frame_ = clock_.now();
    return {};
  }

  Result<cv::Mat> read(double) override {
    if (!capture_.isOpened()) return make_error(ErrorCode::kUnavailable, "not open");
    if (file_) {
      // A file decodes as fast as the CPU allows; pace it like a camera.
      InterruptibleSleep(clock_).sleep_until(next_frame_);
      next_frame_ += std::chrono::duration_cast<SteadyTime::duration>(frame_period_);
    }
    cv::Mat frame;
    if (!capture_.read(frame) || frame.empty()) {
      if (file_ && frames_read_ > 0 && !loop_) {
        return make_error(ErrorCode::kNotFound, "end of video " + describe());
      }
      if (file_ && frames_read_ > 0 && ++rewinds_in_a_row_ <= 1) {
        capture_.set(cv::CAP_PROP_POS_FRAMES, 0);
        return read(0);
      }
      return make_error(ErrorCode::kUnavailable, file_ ? "cannot decode a frame of " + describe()
                                                       : "stream ended or stalled: " + describe());
    }
    rewinds_in_a_row_ = 0;
    ++frames_read_;
    return frame;
  }

  bool live() const override { return true; }
  std::string describe() const override { return redact_credentials(url_); }

 private:
  std::string url_;
  bool file_;
  bool loop_;
  Clock& clock_;
  cv::VideoCapture capture_;
  std::chrono::duration<double> frame_period_{0.04};
  SteadyTime next_frame_;
  int rewinds_in_a_row_ = 0;
  int64_t frames_read_ = 0;  // since open: a file that never decoded is broken, not finished
};

// Every image of a directory, in name order, one per sample.
class FolderSource final : public FrameSource {
 public:
  FolderSource(std::string path, bool loop) : path_(std::move(path)), loop_(loop) {}

  Status open() override {
    files_.clear();
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(path_, ec)) {
      std::string extension = entry.path().extension().string();
      std::transform(extension.begin(), extension.end(), extension.begin(), ::tolower);
      if (extension == ".jpg" || extension == ".jpeg" || extension == ".png" ||
          extension == ".bmp") {
        files_.push_back(entry.path().string());
      }
    }
    if (ec) return make_error(ErrorCode::kIo, "cannot list " + path_ + ": " + ec.message());
    if (files_.empty()) return make_error(ErrorCode::kUnavailable, "no images in " + path_);
    std::sort(files_.begin(), files_.end());
    next_ = 0;
    return {};
  }

  Result<cv::Mat> read(double) override {
    if (next_ >= files_.size()) {
      if (files_.empty()) return make_error(ErrorCode::kUnavailable, "not open");
      if (!loop_) return make_error(ErrorCode::kNotFound, "no more images in " + path_);
      next_ = 0;
    }
    const std::string& file = files_[next_++];
    cv::Mat image = cv::imread(file, cv::IMREAD_COLOR);
    if (image.empty()) return make_error(ErrorCode::kParse, "cannot decode " + file);
    return image;
  }

  bool live() const override { return false; }
  std::string describe() const override { return path_; }

 private:
  std::string path_;
  bool loop_;
  std::vector<std::string> files_;
  size_t next_ = 0;
};

}  // namespace

std::string redact_credentials(const std::string& url) {
  return mask_url_credentials(url);
}

SimSource::SimSource(SimOptions options, std::string url) : scene_(options), url_(std::move(url)) {}

Result<cv::Mat> SimSource::read(double elapsed_seconds) {
  scene_.step(elapsed_seconds);
  return scene_.render();
}

Result<FrameSourcePtr> make_source(const std::string& url, const SourceOptions& options) {
  Clock& clock = options.clock ? *options.clock : SystemClock::instance();
  if (starts_with(url, "sim://")) {
    auto sim = SimOptions::parse(url);
    if (!sim) return tl::unexpected(sim.error());
    return FrameSourcePtr(std::make_unique<SimSource>(*sim, url));
  }
  if (starts_with(url, "rtsp://") || starts_with(url, "rtsps://") || starts_with(url, "http://") ||
      starts_with(url, "https://")) {
    return FrameSourcePtr(std::make_unique<VideoSource>(url, false, false, clock));
  }
  const std::string path = starts_with(url, "file://") ? url.substr(7) : url;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return FrameSourcePtr(std::make_unique<FolderSource>(path, options.loop));
  }
  if (std::filesystem::is_regular_file(path, ec)) {
    return FrameSourcePtr(std::make_unique<VideoSource>(path, true, options.loop, clock));
  }
  // The URL is not echoed: whether a path exists is not for callers to learn.
  return make_error(ErrorCode::kInvalidArgument,
                    "unsupported camera URL (sim://, rtsp://, http(s)://, a video file or an "
                    "image folder)");
}

}  // namespace tmon::detect
