#include "common/secrets.h"

#include <gtest/gtest.h>

namespace tmon {
namespace {

TEST(MaskSecretTest, ShowsOnlyLastFourOfLongSecrets) {
  EXPECT_EQ(mask_secret("sk-0123456789abcdef"), "***cdef");
}

TEST(MaskSecretTest, HidesShortSecretsEntirely) {
  EXPECT_EQ(mask_secret("short-key"), "***");
}

TEST(MaskSecretTest, EmptyIsVisiblyEmpty) {
  EXPECT_EQ(mask_secret(""), "(empty)");
}

TEST(RedactUrlPasswordTest, HidesOnlyThePassword) {
  EXPECT_EQ(redact_url_password("redis://:s3cret@host:6379/0"), "redis://:***@host:6379/0");
  EXPECT_EQ(redact_url_password("redis://user:pw@host/1"), "redis://user:***@host/1");
  EXPECT_EQ(redact_url_password("redis://host:6379/0"), "redis://host:6379/0");
  EXPECT_EQ(redact_url_password("http://host/a@b"), "http://host/a@b");
}

}  // namespace
}  // namespace tmon
