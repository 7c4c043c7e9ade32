#!/bin/sh
# Usage: fetch-verified.sh URL SHA256 DEST BUILD_ARG
# Downloads URL to DEST and fails unless the file's sha256 is exactly SHA256: a pinned binary
# that does not match its pin must stop the image build, never reach the image. BUILD_ARG names
# the Dockerfile build arg that carries the checksum, so an empty one says what to set.
set -eu

url=$1
expected=$2
dest=$3
build_arg=$4

if [ -z "$expected" ]; then
  echo "No sha256 for $url: pass --build-arg $build_arg=<sha256 of that file>." >&2
  exit 1
fi
curl --fail --silent --show-error --location --retry 3 --output "$dest" "$url"
if ! echo "$expected  $dest" | sha256sum --check --quiet -; then
  rm -f "$dest"
  echo "Checksum mismatch for $url: expected $expected ($build_arg)." >&2
  exit 1
fi
