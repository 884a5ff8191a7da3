// The source allow-list as an attacker would probe it: local files, folders
// outside the roots, escapes through ".." and symlinks, internal addresses,
// and whether the answer tells a missing path from a forbidden one.
#include "detect/source_policy.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "temp_dir.h"

namespace tmon::detect {
namespace {

std::string refusal(const SourcePolicy& policy, const std::string& url) {
  const auto checked = policy.check(url);
  return checked ? "allowed" : checked.error().message;
}

TEST(SourcePolicyTest, DefaultsAllowNetworkAndSimButNoFiles) {
  const SourcePolicy policy{config::DetectionConfig{}};
  EXPECT_TRUE(policy.check("rtsp://user:pw@10.0.0.7:554/live"));
  EXPECT_TRUE(policy.check("rtsps://cam.example/live"));
  EXPECT_TRUE(policy.check("http://cam.example/video.mjpg"));
  EXPECT_TRUE(policy.check("sim://?seed=3"));
  const std::string refused(kSourceRefused);
  // Not allowed and does not exist: the same words.
  EXPECT_EQ(refusal(policy, "file:///etc/passwd"), refused);
  EXPECT_EQ(refusal(policy, "/etc/passwd"), refused);
  EXPECT_EQ(refusal(policy, "/no/such/file.mp4"), refused);
  EXPECT_EQ(refusal(policy, "/tmp"), refused);
  EXPECT_EQ(refusal(policy, "gopher://10.0.0.1/"), refused);
  EXPECT_EQ(refusal(policy, "ftp://10.0.0.1/x"), refused);
  EXPECT_EQ(refusal(policy, "rtsp:///nohost"), refused);
}

TEST(SourcePolicyTest, FilesOnlyUnderTheMediaRoots) {
  testing::TempDir root, outside;
  const std::string clip = root.write("clip.mp4", "x");
  std::filesystem::create_directories(root.path() / "frames");
  const std::string secret = outside.write("secret.mp4", "x");
  std::filesystem::create_symlink(secret, root.path() / "link.mp4");
  config::DetectionConfig settings;
  settings.media_roots = {root.str()};
  const SourcePolicy policy{settings};
  EXPECT_TRUE(policy.check(clip));
  EXPECT_TRUE(policy.check("file://" + clip));
  EXPECT_TRUE(policy.check((root.path() / "frames").string()));
  const std::string refused(kSourceRefused);
  EXPECT_EQ(refusal(policy, secret), refused);
  EXPECT_EQ(
      refusal(policy, (root.path() / ".." / outside.path().filename() / "secret.mp4").string()),
      refused);
  EXPECT_EQ(refusal(policy, (root.path() / "link.mp4").string()), refused);  // a symlink out
  EXPECT_EQ(refusal(policy, (root.path() / "missing.mp4").string()), refused);
  // A root is a directory, not a prefix: /x/root-other is not under /x/root.
  EXPECT_EQ(refusal(policy, root.str() + "-other/clip.mp4"), refused);
  // Without "file" among the schemes, not even the roots.
  settings.allowed_sources = {"rtsp"};
  EXPECT_EQ(refusal(SourcePolicy{settings}, clip), refused);
  EXPECT_EQ(refusal(SourcePolicy{settings}, "sim://"), refused);
}

TEST(SourcePolicyTest, HostAllowList) {
  config::DetectionConfig settings;
  settings.allowed_hosts = {"10.0.0.7", "*.cams.example"};
  const SourcePolicy policy{settings};
  EXPECT_TRUE(policy.check("rtsp://admin:pw@10.0.0.7:554/live"));
  EXPECT_TRUE(policy.check("http://north.cams.example/video"));
  const std::string refused(kSourceRefused);
  EXPECT_EQ(refusal(policy, "http://169.254.169.254/latest/meta-data/"), refused);
  EXPECT_EQ(refusal(policy, "http://127.0.0.1:6379/"), refused);
  EXPECT_EQ(refusal(policy, "http://cams.example.evil.net/"), refused);
  // Userinfo that looks like an allowed host does not count.
  EXPECT_EQ(refusal(policy, "http://10.0.0.7@169.254.169.254/"), refused);
  EXPECT_EQ(refusal(policy, "rtsp://u:p/x@169.254.169.254/"), refused);
  EXPECT_EQ(refusal(policy, "http://169.254.169.254/a@10.0.0.7"), refused);
  EXPECT_TRUE(policy.check("sim://?seed=1"));
}

TEST(SourcePolicyTest, UrlHost) {
  EXPECT_EQ(url_host("rtsp://u:p@[::1]:554/x"), "::1");
  EXPECT_EQ(url_host("http://Cam.Example:80/x?y=@z"), "cam.example");
  EXPECT_EQ(url_host("rtsp://u:pa/ss@host/x"), "u");  // where FFmpeg would connect
  EXPECT_EQ(url_host("http://169.254.169.254/a@10.0.0.7"), "169.254.169.254");
  EXPECT_EQ(url_host("/local/path"), "");
}

}  // namespace
}  // namespace tmon::detect
