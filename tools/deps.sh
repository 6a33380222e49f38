#!/usr/bin/env bash
# tools/deps.sh - installs, from Debian's packages, what hmap needs to build
# and test.  Installs only what is missing, so a second run costs nothing.
#   tools/deps.sh           build and test dependencies
#   tools/deps.sh --bench   also the benchmark's competitors and gnuplot
set -euo pipefail

packages=(gcc g++ clang meson ninja-build pkg-config check libunwind-dev libdw-dev binutils python3
    cmake man-db)
# 32-bit builds of the core (tools/check-32bit.sh), and qemu-i386 to run
# them where the kernel has no IA32 emulation
if [[ "$(dpkg --print-architecture)" == amd64 ]]; then packages+=(gcc-multilib qemu-user); fi
if [[ "${1:-}" == "--bench" ]]; then
    # libhts-dev only for its header-only htslib/khash.h
    packages+=(libboost1.81-dev libabsl-dev libglib2.0-dev uthash-dev libstb-dev libhts-dev
        gnuplot-nox)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "tools/deps.sh: installing ${missing[*]}"
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
