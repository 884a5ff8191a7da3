// The client over TLS: certificate chain and host name verified, connection
// reused, against a local TLS server with a certificate made for the test.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "http/client.h"

namespace tmon::http {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;

// A self-signed certificate for `host`, written as PEM files.
struct TestCertificate {
  std::string cert_file;
  std::string key_file;

  explicit TestCertificate(const std::string& host) {
    const auto dir = std::filesystem::temp_directory_path();
    cert_file = (dir / ("tmon-tls-" + std::to_string(getpid()) + ".crt")).string();
    key_file = (dir / ("tmon-tls-" + std::to_string(getpid()) + ".key")).string();
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    const std::string san = "DNS:" + host;
    for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, san},
                                     std::pair{NID_basic_constraints, std::string("CA:TRUE")}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
      X509_add_ext(cert, ext, -1);
      X509_EXTENSION_free(ext);
    }
    X509_sign(cert, key, EVP_sha256());
    FILE* out = fopen(cert_file.c_str(), "w");
    PEM_write_X509(out, cert);
    fclose(out);
    out = fopen(key_file.c_str(), "w");
    PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
    fclose(out);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  ~TestCertificate() {
    std::filesystem::remove(cert_file);
    std::filesystem::remove(key_file);
  }
};

// Answers `requests` HTTPS requests on one kept-alive connection at a time.
class TlsServer {
 public:
  TlsServer(const TestCertificate& certificate, int connections)
      : context_(asio::ssl::context::tls_server),
        acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    context_.use_certificate_chain_file(certificate.cert_file);
    context_.use_private_key_file(certificate.key_file, asio::ssl::context::pem);
    thread_ = std::thread([this, connections] {
      for (int c = 0; c < connections; ++c) serve_one_connection();
    });
  }
  ~TlsServer() {
    io_.stop();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    thread_.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }
  int requests() const { return requests_; }

 private:
  void serve_one_connection() {
    boost::system::error_code ec;
    asio::ssl::stream<asio::ip::tcp::socket> stream(io_, context_);
    acceptor_.accept(stream.next_layer(), ec);
    if (ec) return;
    stream.handshake(asio::ssl::stream_base::server, ec);
    if (ec) return;
    beast::flat_buffer buffer;
    while (true) {
      beast::http::request<beast::http::string_body> request;
      beast::http::read(stream, buffer, request, ec);
      if (ec) return;
      ++requests_;
      beast::http::response<beast::http::string_body> response{beast::http::status::ok, 11};
      response.body() = "secure " + std::string(request.target());
      response.keep_alive(true);
      response.prepare_payload();
      beast::http::write(stream, response, ec);
      if (ec) return;
    }
  }

  asio::io_context io_;
  asio::ssl::context context_;
  asio::ip::tcp::acceptor acceptor_;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// A client's pooled connections belong to one io_context: every call uses `io`.
Result<Response> get(asio::io_context& io, Client& client, const std::string& url,
                     const std::string& target) {
  Request request{Verb::get, target, 11};
  auto future = asio::co_spawn(io, client.send(*Url::parse(url), std::move(request), Millis(5000)),
                               asio::use_future);
  io.restart();
  io.run();
  return future.get();
}

TEST(TlsClientTest, VerifiesTheServerAndKeepsTheConnection) {
  TestCertificate certificate("localhost");
  TlsServer server(certificate, 1);
  ClientOptions options;
  options.ca_file = certificate.cert_file;
  asio::io_context io;  // before the client: its pooled sockets belong to `io`
  Client client(options);
  const std::string url = "https://localhost:" + std::to_string(server.port());
  for (int i = 0; i < 3; ++i) {
    auto response = get(io, client, url, "/r" + std::to_string(i));
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->body(), "secure /r" + std::to_string(i));
  }
  EXPECT_EQ(server.requests(), 3);  // one connection served all three
}

TEST(TlsClientTest, RefusesAnUntrustedCertificate) {
  TestCertificate certificate("localhost");
  TlsServer server(certificate, 1);
  asio::io_context io;
  Client client;  // system CAs only: the test certificate is unknown
  auto response = get(io, client, "https://localhost:" + std::to_string(server.port()), "/");
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("TLS"), std::string::npos) << response.error().message;
}

TEST(TlsClientTest, RefusesACertificateForAnotherHost) {
  TestCertificate certificate("example.org");
  TlsServer server(certificate, 1);
  ClientOptions options;
  options.ca_file = certificate.cert_file;
  asio::io_context io;
  Client client(options);
  auto response = get(io, client, "https://localhost:" + std::to_string(server.port()), "/");
  ASSERT_FALSE(response);
  EXPECT_NE(response.error().message.find("TLS"), std::string::npos) << response.error().message;
}

}  // namespace
}  // namespace tmon::http
