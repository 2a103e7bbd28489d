#!/usr/bin/env bash
# Regenerates lib/src/gen from the one .proto with Debian's protoc and
# protoc-gen-es. The output is committed, so a build needs no protoc.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p lib/src/gen
protoc \
  --plugin=protoc-gen-es=node_modules/.bin/protoc-gen-es \
  --es_out=lib/src/gen --es_opt=target=ts,import_extension=js \
  -I lib/proto lib/proto/energy/v1/reading_batch.proto
