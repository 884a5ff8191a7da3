#pragma once

namespace tmon {

// Raises this process's open-file limit to its hard maximum and returns the
// new soft limit. Every LLM call in flight holds a socket: ten thousand calls
// need more than the usual 1024 descriptors.
long raise_file_descriptor_limit();

}  // namespace tmon
