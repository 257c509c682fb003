#!/usr/bin/env bash
# Proves that a release installs: every released module, fetched alone by a
# consumer outside the repository, resolves and builds.
#
#   bash .ci/consumer.sh [TOOLCHAIN...]   # e.g. local go1.25.14 (default: local)
#
# 1. Clones HEAD into a temporary directory and releases it there with
#    internal/tools/release at STRATA_CI_RELEASE_VERSION (default v0.99.0):
#    the release commit and its tags exist only in that clone.
# 2. Serves the tagged clone as the module's VCS (git rewrites the module's
#    https://github.com/... URL to the clone, through GIT_CONFIG_* variables,
#    never the user's git config) and lets `go mod download` fetch every
#    released module from it, into an empty module cache: the go command
#    itself reads the tags, cuts the module zips and writes the .info, .mod
#    and .zip files, as proxy.golang.org would. Those files, with an @v/list
#    per module, are the GOPROXY=file://... layout.
# 3. For each released module and each TOOLCHAIN whose version its go line
#    allows, a fresh consumer module imports every public package of that
#    module only, `go get`s it through
#    GOPROXY=file://LAYOUT,file://USER-MODCACHE,https://proxy.golang.org (the
#    user's module cache serves the third-party modules without a download;
#    the module's go.sum, copied in, verifies them without a checksum-database
#    lookup each), runs go mod tidy, checks that the root resolves to the
#    released version and builds. The consumers' module cache is a temporary
#    one, so nothing released here reaches the user's. A release whose nested
#    modules still required an unreleased root fails here, at go get.
#
# Takes about 30 s with warm build and module caches (-trimpath keeps the
# builds cacheable across runs); the first run compiles every dependency once
# per toolchain. The modules are listed by `release -list`, so a new nested
# module is checked without editing this.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${STRATA_CI_RELEASE_VERSION:-v0.99.0}"
toolchains=("$@")
[ ${#toolchains[@]} -gt 0 ] || toolchains=(local)

start=$SECONDS

# quiet runs a command, showing its output only when it fails (and then
# failing the script).
quiet() {
	local out
	if ! out=$("$@" 2>&1); then
		printf 'FAIL: %s\n%s\n' "$*" "$out" >&2
		exit 1
	fi
}
usercache=$(go env GOMODCACHE)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/strata-consumer.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Nothing from the caller's workspace or flags may leak into the clone, the
# fetch or the consumers. -modcacherw: the temporary module caches can be
# removed without a chmod over every file.
export GOWORK=off GOFLAGS="-buildvcs=false -modcacherw" GOTOOLCHAIN=local
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=strata-ci GIT_AUTHOR_EMAIL=ci@strata.invalid
export GIT_COMMITTER_NAME=strata-ci GIT_COMMITTER_EMAIL=ci@strata.invalid

echo "== release $version of HEAD $(git rev-parse --short HEAD) in a temporary clone"
git clone -q "$PWD" "$tmp/src"
(cd "$tmp/src" && go build -o "$tmp/release" ./internal/tools/release)
"$tmp/release" -C "$tmp/src" "$version" | sed 's/^/   /'

root=$(awk '$1 == "module" { print $2; exit }' "$tmp/src/go.mod")
# DIR<tab>PATH<tab>GO LINE of each module a release tags.
mapfile -t released < <("$tmp/release" -C "$tmp/src" -list | awk -F'\t' '$4 == "released" { print $1 "\t" $2 "\t" $3 }')

echo "== go mod download from the tagged clone into a GOPROXY layout"
(
	cd "$tmp"
	export GIT_CONFIG_COUNT=1
	export GIT_CONFIG_KEY_0="url.$tmp/src.insteadOf" GIT_CONFIG_VALUE_0="https://$root"
	export GOMODCACHE="$tmp/fetch" GOPROXY=direct GONOSUMDB="$root"
	for entry in "${released[@]}"; do
		IFS=$'\t' read -r _ path _ <<<"$entry"
		quiet go mod download "$path@$version"
	done
)
for info in $(cd "$tmp/fetch/cache/download" && find . -path '*/@v/*.info'); do
	at=$(dirname "$info")
	mkdir -p "$tmp/proxy/$at"
	for ext in info mod zip; do
		cp "$tmp/fetch/cache/download/${info%.info}.$ext" "$tmp/proxy/$at/"
	done
	basename "$info" .info >>"$tmp/proxy/$at/list"
done
(cd "$tmp/proxy" && find . -type f | sed 's|^\./|   |' | sort)
echo "   in $((SECONDS - start)) s"

tested=()
for toolchain in "${toolchains[@]}"; do
	# Resolved once (a toolchain other than local is downloaded into the
	# user's module cache), then run directly so that the consumers' empty
	# module cache does not fetch it again.
	goroot=$(GOTOOLCHAIN=$toolchain go env GOROOT)
	gov=$("$goroot/bin/go" env GOVERSION)
	tested+=("$gov")
	for entry in "${released[@]}"; do
		IFS=$'\t' read -r dir path goline <<<"$entry"
		if [ "$(printf '%s\n%s\n' "go$goline" "$gov" | sort -V | head -1)" != "go$goline" ]; then
			echo "-- $gov: skipped $path: its go.mod says go $goline"
			continue
		fi
		# Every package a user may import: not main, internal or examples.
		mapfile -t pkgs < <(cd "$tmp/src/$dir" &&
			go list -f '{{if ne .Name "main"}}{{.ImportPath}}{{end}}' ./... |
			grep -v -e '/internal\(/\|$\)' -e '/examples\?\(/\|$\)' | grep .)
		c="$tmp/consumer/$gov/${dir//\//_}"
		mkdir -p "$c"
		{
			echo "// Command consumer imports every public package of $path."
			echo "package main"
			echo
			echo "import ("
			printf '\t_ "%s"\n' "${pkgs[@]}"
			echo ")"
			echo
			echo "func main() {}"
		} >"$c/main.go"
		printf 'module example.com/consumer\n\ngo %s\n' "$goline" >"$c/go.mod"
		# The module's own checksums: the third-party modules are verified
		# against them, without a checksum-database lookup each.
		cp "$tmp/src/$dir/go.sum" "$c/go.sum"
		echo "-- $gov: a consumer of $path@$version alone"
		(
			# Not under || or if: set -e must hold in here.
			cd "$c"
			export PATH="$goroot/bin:$PATH" GOMODCACHE="$tmp/modcache" GONOSUMDB="$root"
			export GOPROXY="file://$tmp/proxy,file://$usercache/cache/download,https://proxy.golang.org"
			t=$SECONDS
			quiet go get "$path@$version"
			quiet go mod tidy
			got=$(go list -m -f '{{.Version}}' "$root")
			if [ "$got" != "$version" ]; then
				echo "FAIL: the consumer resolved $root to $got, not $version" >&2
				exit 1
			fi
			t1=$SECONDS
			go build -trimpath -o /dev/null .
			echo "   ok: ${#pkgs[@]} package(s) imported; go get and go mod tidy in $((t1 - t)) s, go build in $((SECONDS - t1)) s"
		)
	done
done
echo "== consumers built with ${tested[*]} in $((SECONDS - start)) s"
