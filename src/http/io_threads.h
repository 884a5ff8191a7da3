#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <string>
#include <thread>
#include <vector>

namespace tmon::http {

// An io_context run by a fixed set of threads until stop(). Owners that hand
// its executor to others (an HTTP client's pooled sockets, a dispatcher's
// coroutines) declare it first, so it is destroyed last: sockets and
// suspended coroutines must die before the context they belong to.
class IoThreads {
 public:
  explicit IoThreads(int threads = 1);
  ~IoThreads();
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;

  boost::asio::io_context& context() { return io_; }
  // Stops running handlers and joins the threads; suspended coroutines stay
  // suspended (and are destroyed with the context). Idempotent.
  void stop();

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

}  // namespace tmon::http
