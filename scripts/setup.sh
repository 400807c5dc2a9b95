#!/usr/bin/env bash
# setup.sh - installs the Debian 12 packages hues needs to build, run and
# test, and nothing when they are all present. Run as root (or with sudo).
# The Dockerfile's build stage installs the same list: keep them in step.
set -euo pipefail

# Build: compiler, CMake, pkg-config and the libraries of the README's
# dependency table. Test: cmocka, and the command-line tools the shell tests
# drive (nngcat, protoc, openssl). python3 prints the benchmark tables.
HUES_PACKAGES=(
	gcc g++ make cmake pkg-config
	libnng-dev libmbedtls-dev
	libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libprotobuf-dev
	liblmdb-dev
	libjwt-dev libjansson-dev libssl-dev
	libcmocka-dev
	nng-utils openssl python3 ca-certificates
)

missing=()
for p in "${HUES_PACKAGES[@]}"; do
	# dpkg-query says "install ok installed" only for a package in place.
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done
if [ "${#missing[@]}" -eq 0 ]; then
	echo "setup: every package is installed"
	exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "setup: installing ${missing[*]} needs root (or sudo)" >&2
		exit 1
	}
	SUDO=sudo
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
