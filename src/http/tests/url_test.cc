#include "http/url.h"

#include <gtest/gtest.h>

namespace tmon::http {
namespace {

TEST(UrlTest, ParsesDashScopeCompatibleModeBase) {
  auto url = Url::parse("https://dashscope.aliyuncs.com/compatible-mode/v1/");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host, "dashscope.aliyuncs.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->path, "/compatible-mode/v1");
  EXPECT_EQ(url->join("/chat/completions"), "/compatible-mode/v1/chat/completions");
  EXPECT_TRUE(url->tls());
}

TEST(UrlTest, ParsesExplicitPortAndNoPath) {
  auto url = Url::parse("http://127.0.0.1:8080");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->path, "");
  EXPECT_EQ(url->join("v1/x"), "/v1/x");
  EXPECT_EQ(url->origin(), "http://127.0.0.1:8080");
}

TEST(UrlTest, ParsesBracketedIpv6) {
  auto url = Url::parse("http://[::1]:9000/a");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 9000);
}

TEST(UrlTest, RejectsWhatItCannotUse) {
  EXPECT_FALSE(Url::parse("ftp://host/"));
  EXPECT_FALSE(Url::parse("host:80"));
  EXPECT_FALSE(Url::parse("http://:80/"));
  EXPECT_FALSE(Url::parse("http://host:0/"));
  EXPECT_FALSE(Url::parse("http://host:70000/"));
  EXPECT_FALSE(Url::parse("http://host:8x/"));
  EXPECT_FALSE(Url::parse("http://user:pw@host/"));
}

}  // namespace
}  // namespace tmon::http
