#!/bin/sh
# fetch-cctv.sh — fetches the C2SP CCTV age test vectors (npm package cctv-age) for test_vault_cctv.
#
# usage: tests/fetch-cctv.sh BUILD_DIR
# Writes BUILD_DIR/cctv-age/testdata/<name>, one file per vector, in the CCTV file format (textual
# header, empty line, age file). Vectors marked `compressed: zlib` are written inflated with that
# header line removed, so the C test needs no zlib. Needs npm and node (npm's own runtime); the
# version is pinned so a new upstream release cannot change what CI checks without a commit here.
# Without network the script fails and test_vault_cctv skips (exit 77).
set -eu
version=0.2.0
build=${1:?usage: fetch-cctv.sh BUILD_DIR}
dest="$build/cctv-age"
if [ -f "$dest/testdata/x25519" ] && [ "$(cat "$dest/version" 2>/dev/null)" = "$version" ]; then
    exit 0
fi
rm -rf "$dest"
mkdir -p "$dest/pack"
(cd "$dest/pack" && npm pack --silent "cctv-age@$version" >/dev/null)
tar -xzf "$dest/pack/cctv-age-$version.tgz" -C "$dest/pack"
mkdir -p "$dest/testdata"
node --input-type=module - "$dest/pack/package/index.js" "$dest/testdata" <<'JS'
import { pathToFileURL } from "node:url";
import { writeFileSync } from "node:fs";
import { inflateSync } from "node:zlib";
const [src, out] = process.argv.slice(2);
const vectors = await import(pathToFileURL(src).href);
let n = 0;
for (const [name, bytes] of Object.entries(vectors)) {
  if (name === "default") continue;
  let buf = Buffer.from(bytes);
  const split = buf.indexOf("\n\n");
  const head = buf.subarray(0, split).toString("latin1");
  if (/^compressed: zlib$/m.test(head)) {
    const kept = head.split("\n").filter((l) => l !== "compressed: zlib").join("\n");
    buf = Buffer.concat([Buffer.from(kept + "\n\n", "latin1"), inflateSync(buf.subarray(split + 2))]);
  }
  writeFileSync(`${out}/${name}`, buf);
  n++;
}
console.log(`cctv-age: ${n} vectors`);
JS
echo "$version" > "$dest/version"
