#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>

namespace tmon::testing {

// The TCP port a child process listens on, learnt from the OS: the
// listening sockets of /proc/net/tcp whose inode is one of the child's open
// file descriptors. For servers we do not own that can bind port 0 but do
// not say which port they got (Prometheus with --web.listen-address=:0).
// Waits up to `timeout` for the child to listen; nullopt if it never does.
std::optional<int> listening_port_of(pid_t pid, std::chrono::milliseconds timeout);

// A loopback port to *try* for a server that cannot bind port 0 at all
// (redis-server, a fixed-port forwarder): random, below the kernel's
// ephemeral range, so servers binding port 0 are never handed it. Nothing
// holds it: the caller starts the server, retries with a new candidate when
// the bind fails, and checks that whoever answers is its own child.
int candidate_port();

}  // namespace tmon::testing
