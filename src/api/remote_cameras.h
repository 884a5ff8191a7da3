#pragma once

#include <memory>
#include <string>

#include "api/camera_control.h"
#include "common/result.h"

namespace tmon::api {

// Cameras of the deployment pulled by another process, watched from this
// one (issue 18's live view): while a watch is held, the process pulling the
// camera publishes its analysed frames, and they arrive here at the
// listeners exactly as a local camera's frames would (with the annotated
// thumbnail, the id in the type the camera was added with). Implemented by
// the preview component (leases and pub/sub in Redis). Thread-safe.
class RemoteCameras {
 public:
  using FrameListener = CameraControl::FrameListener;

  // Held while one local client watches the camera; the last one released
  // ends this process's interest (its lease).
  class Watch {
   public:
    virtual ~Watch() = default;
  };
  using WatchPtr = std::unique_ptr<Watch>;

  virtual ~RemoteCameras() = default;

  // Whether another process of the deployment pulls `camera_id` (may ask
  // Redis: not on a connection's thread).
  virtual bool pulled_elsewhere(const std::string& camera_id) = 0;
  // Starts (or joins) watching a camera. kUnavailable when this process
  // watches as many remote cameras as it may.
  virtual Result<WatchPtr> watch(const std::string& camera_id) = 0;
  // Whether frames of the camera arrived lately: its assessed views then
  // need not be pushed as frames of their own.
  virtual bool streaming(const std::string& camera_id) const = 0;
  // Listeners run on the receiving thread; returns an id for remove_listener.
  virtual int add_listener(FrameListener on_frame) = 0;
  virtual void remove_listener(int id) = 0;
};

}  // namespace tmon::api
