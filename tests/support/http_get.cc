#include "http_get.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace tmon::testing {

HttpReply http_request(const std::string& method, int port, const std::string& target,
                       const std::string& body, int timeout_ms) {
  return http_request(method, port, target, body, {}, timeout_ms);
}

HttpReply http_request(const std::string& method, int port, const std::string& target,
                       const std::string& body, const std::map<std::string, std::string>& headers,
                       int timeout_ms) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::milliseconds(timeout_ms));
  boost::system::error_code ec;
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)}, ec);
  if (ec) return {};
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, "127.0.0.1");
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  http::write(stream, request, ec);
  if (ec) return {};
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response, ec);
  if (ec) return {};
  HttpReply reply{static_cast<int>(response.result_int()), response.body()};
  for (const auto& field : response) {
    reply.headers[std::string(field.name_string())] = std::string(field.value());
  }
  return reply;
}

HttpReply http_get(int port, const std::string& target, int timeout_ms) {
  return http_request("GET", port, target, "", timeout_ms);
}

}  // namespace tmon::testing
