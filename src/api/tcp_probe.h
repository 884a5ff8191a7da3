#pragma once

#include <string>

#include "common/clock.h"
#include "common/result.h"

namespace tmon::api {

// Whether the server of a network camera URL (rtsp://, rtsps://, http://,
// https://; user:password@ allowed) accepts a TCP connection within
// `timeout`: what an API process that pulls no camera can tell of a source.
// kInvalidArgument for a URL that names no network server (a file, sim://);
// kUnavailable, with the reason, when the connection fails.
Status probe_tcp(const std::string& url, Millis timeout);

}  // namespace tmon::api
