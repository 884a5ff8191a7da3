#include "api/tcp_probe.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <charconv>
#include <map>

namespace tmon::api {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

const std::map<std::string, std::string, std::less<>> kDefaultPorts{
    {"rtsp", "554"}, {"rtsps", "322"}, {"http", "80"}, {"https", "443"}};

struct Server {
  std::string host;
  std::string port;
};

Result<Server> server_of(const std::string& url) {
  const size_t scheme_end = url.find("://");
  const auto port = scheme_end == std::string::npos
                        ? kDefaultPorts.end()
                        : kDefaultPorts.find(std::string_view(url).substr(0, scheme_end));
  if (port == kDefaultPorts.end()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "only rtsp(s):// and http(s):// sources can be probed here");
  }
  std::string_view rest = std::string_view(url).substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  Server server{std::string(rest), port->second};
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return make_error(ErrorCode::kInvalidArgument, "bad host");
    server.host = std::string(rest.substr(1, close - 1));
    if (close + 2 < rest.size() && rest[close + 1] == ':') {
      server.port = std::string(rest.substr(close + 2));
    }
  } else if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    server.host = std::string(rest.substr(0, colon));
    server.port = std::string(rest.substr(colon + 1));
  }
  int number = 0;
  const auto [end, ec] =
      std::from_chars(server.port.data(), server.port.data() + server.port.size(), number);
  if (server.host.empty() || ec != std::errc{} || end != server.port.data() + server.port.size() ||
      number <= 0 || number > 65535) {
    return make_error(ErrorCode::kInvalidArgument, "no host:port in the URL");
  }
  return server;
}

}  // namespace

Status probe_tcp(const std::string& url, Millis timeout) {
  auto server = server_of(url);
  if (!server) return tl::unexpected(server.error());
  asio::io_context io;
  tcp::resolver resolver(io);
  tcp::socket socket(io);
  boost::system::error_code failure = asio::error::timed_out;
  resolver.async_resolve(
      server->host, server->port,
      [&](const boost::system::error_code& ec, const tcp::resolver::results_type& endpoints) {
        if (ec) {
          failure = ec;
          return;
        }
        asio::async_connect(socket, endpoints,
                            [&](const boost::system::error_code& connected, const tcp::endpoint&) {
                              failure = connected;
                            });
      });
  // The timeout is the io_context's: run_for returns when the work is done
  // or the time is up, whichever comes first.
  io.run_for(timeout);
  if (failure) {
    return make_error(ErrorCode::kUnavailable, "cannot connect to " + server->host + ":" +
                                                   server->port + ": " + failure.message());
  }
  return {};
}

}  // namespace tmon::api
