#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <string>
#include <string_view>

namespace tmon::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;
using Status = beast_http::status;
using Verb = beast_http::verb;

// A response with a JSON body and the right content type.
Response json_response(Status status, std::string body);
// The uniform error body for 4xx/5xx: {"code":<status>,"msg":<message>,"error":<code>}.
Response error_response(Status status, std::string_view error_code, std::string_view message);

// The token of an "Authorization: Bearer <token>" header; empty when there is none.
std::string bearer_token(const Request& request);

// Decodes %XX and "+" in a query component; malformed escapes are kept as they are.
std::string url_decode(std::string_view text);

}  // namespace tmon::http
