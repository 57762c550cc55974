#!/bin/sh
# comment_paths.sh SOURCE_DIR — every repository path that the sources, scripts and docs name
# (src/..., shaders/..., tests/..., docs/..., tools/..., scripts/..., include/..., cmake/...,
# third_party/..., examples/...) exists, so comments cannot go on pointing at files that were moved
# or renamed. A path counts when it starts a word (not after '/', '$', '}' or a letter: those are
# build-folder, URL or variable paths) and has no pattern characters (<unit>, *, {a,b}, a regex's \.).
# Build outputs named as such (an executable, an install destination) are listed in EXEMPT.
set -eu
cd "$1"
EXEMPT="
tools/make_test_model
include/cjson
include/sodium
"
missing=0
checked=0
paths=$(grep -rnoE '(^|[^A-Za-z0-9_./$}{-])(src|shaders|tests|docs|tools|scripts|include|cmake|third_party|examples)/[A-Za-z0-9_./*<>{}$\\-]*[A-Za-z0-9_*>}]' \
          src include shaders tests scripts docs tools cmake examples README.md CMakeLists.txt .ci/run 2>/dev/null |
        sed -E 's/^([^:]*:[0-9]+:)[^a-z]?/\1/' | grep -vE ':[^:]*[<>{}*$\\]' || true)
old_ifs=$IFS
IFS='
'
for hit in $paths; do
  where=${hit%:*}
  path=${hit##*:}
  case "$EXEMPT" in *"
$path
"*) continue ;; esac
  checked=$((checked + 1))
  if [ ! -e "$path" ]; then
    echo "$where: names $path, which does not exist"
    missing=$((missing + 1))
  fi
done
IFS=$old_ifs
echo "comment paths: $checked checked, $missing missing"
[ "$checked" -gt 50 ] || { echo "comment paths: too few paths found: the scan is broken"; exit 1; }
[ "$missing" = 0 ]
