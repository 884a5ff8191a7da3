#include "http/io_threads.h"

namespace tmon::http {

IoThreads::IoThreads(int threads) : work_(boost::asio::make_work_guard(io_)) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { io_.run(); });
}

IoThreads::~IoThreads() {
  stop();
}

void IoThreads::stop() {
  work_.reset();
  io_.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

}  // namespace tmon::http
