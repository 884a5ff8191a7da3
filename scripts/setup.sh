#!/usr/bin/env bash
# Installs the Debian packages tmon needs (only those missing) and builds
# build/tmon (Release). Idempotent: a second run installs nothing and
# rebuilds only what changed. Needs root (or sudo) only when installing.
#
#   scripts/setup.sh                 # packages + Release build of tmon
#   BUILD_DIR=build-asan CMAKE_ARGS="-DTMON_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug" scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
CMAKE_ARGS=${CMAKE_ARGS:-}

PACKAGES=(
  build-essential cmake ninja-build pkg-config ca-certificates
  librdkafka-dev libhiredis-dev redis-server
  libboost1.81-dev libssl-dev nlohmann-json3-dev libyaml-cpp-dev
  libspdlog-dev libfmt-dev libcli11-dev libexpected-dev libopencv-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  kcat
  # Tests only: the YOLO test builds a tiny ONNX model, the HOG test reads
  # darknet's sample picture of a person; a real Prometheus scrapes tmon and
  # promtool checks the alert rules; the deploy tests read YAML; the
  # dashboard's browser test drives headless Chromium with Selenium (and a
  # CJK font, so its screenshots show the Chinese text).
  python3-onnx python3-numpy darknet prometheus python3-yaml
  chromium chromium-driver python3-selenium fonts-wqy-microhei
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: run as root to install packages" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  # shellcheck disable=SC2086  # CMAKE_ARGS is a list of flags
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release $CMAKE_ARGS
fi
cmake --build "$BUILD_DIR" --target tmon
echo "setup: built $BUILD_DIR/tmon"
