// A consumer-group member for the failover test: appends every message value
// it processes to a file (flushed before the offset counts as done), commits
// finished work, and dies however the test kills it.
//
//   bus_test_consumer BOOTSTRAP TOPIC GROUP OUTFILE [DELAY_MS]
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <thread>

#include "bus/consumer.h"

namespace {
std::atomic<bool> stop{false};
}

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: bus_test_consumer BOOTSTRAP TOPIC GROUP OUTFILE [DELAY_MS]\n";
    return 2;
  }
  const int delay_ms = argc > 5 ? std::atoi(argv[5]) : 0;
  signal(SIGTERM, [](int) { stop = true; });

  tmon::config::KafkaConfig kafka;
  kafka.bootstrap_servers = argv[1];
  kafka.consumer.fetch_wait_max_ms = 10;
  kafka.consumer.session_timeout_ms = 6000;
  kafka.consumer.heartbeat_interval_ms = 1000;
  kafka.consumer.commit_interval_ms = 200;
  auto consumer = tmon::bus::Consumer::create(kafka, {argv[3], {argv[2]}, "failover-member"});
  if (!consumer) {
    std::cerr << consumer.error().message << "\n";
    return 1;
  }
  FILE* out = std::fopen(argv[4], "a");
  if (!out) return 1;
  while (!stop) {
    auto message = (*consumer)->poll(tmon::Millis(100));
    if (!message) continue;
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    std::fprintf(out, "%s\n", message->value.c_str());
    std::fflush(out);  // the effect is durable before the offset is completed
    (*consumer)->complete(*message);
  }
  (*consumer)->close();
  std::fclose(out);
  return 0;
}
