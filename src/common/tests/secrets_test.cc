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

}  // namespace
}  // namespace tmon
