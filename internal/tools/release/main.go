// Command release tags a strata release: the root module and every nested
// module at one version, in one commit.
//
//	go run ./internal/tools/release -dry-run v0.2.0   # say what would happen, change nothing
//	go run ./internal/tools/release v0.2.0            # commit and tag, locally
//	go run ./internal/tools/release -check            # the repository rules CI holds
//	go run ./internal/tools/release -list             # the modules, one a line
//
// Given vX.Y.Z it refuses a version that is not a canonical semantic version
// (or that go would read as a pseudo-version), a working tree that is not
// clean, and a version any module is already tagged with. Then it sets every
// require of one repository module by another to vX.Y.Z (a nested module
// keeps its replace of the root: dependents ignore it, and GOWORK=off builds
// and go mod tidy need it), moves CHANGELOG.md's Unreleased entries under a
// heading for the version, commits that as "Release vX.Y.Z", and puts an
// annotated tag on the commit for each released module: vX.Y.Z for the root,
// DIR/vX.Y.Z for the module in DIR, which is where go get looks for it. It
// pushes nothing; it prints the push command.
//
// A module is a go.mod tracked by git outside testdata, vendor and
// directories whose name starts with "." or "_" (which the go command
// skips). Modules under a directory named internal, example or examples are
// kept in step but not tagged: nobody outside the repository imports them.
//
// This is a Go program rather than a shell script like go-redis's
// scripts/release.sh and tag.sh so that the version rules, the changelog
// edit and the refusals have unit tests, the same rules serve the release
// and CI (-check, -list), and it runs wherever Go does. It uses only the
// standard library, git, and go mod edit for the go.mod files.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}
