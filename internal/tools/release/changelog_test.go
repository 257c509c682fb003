package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReleaseChangelog(t *testing.T) {
	got, err := releaseChangelog("# Changelog\n\nIntro.\n\n## [Unreleased]\n\n### Fixed\n\n- A bug.\n", "v1.0.0", "2026-02-03")
	require.NoError(t, err)
	assert.Equal(t, "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n## [1.0.0] - 2026-02-03\n\n### Fixed\n\n- A bug.\n", got,
		"the last section runs to the end of the file")

	got, err = releaseChangelog("## Unreleased\n### Added\n- X.\n[1.0.0]: https://example.com\n", "v1.1.0", "2026-02-03")
	require.NoError(t, err)
	assert.Equal(t, "## Unreleased\n\n## [1.1.0] - 2026-02-03\n\n### Added\n- X.\n[1.0.0]: https://example.com\n", got,
		"a heading without brackets; the section stops at the link references")

	for _, tc := range []struct{ text, says string }{
		{"# Changelog\n\n## [1.0.0] - 2026-01-01\n\n- X.\n", `no "## [Unreleased]" section`},
		{"## [Unreleased]\n\n\n## [1.0.0] - 2026-01-01\n- X.\n", "the Unreleased section (line 1) is empty: say what v1.1.0 changes"},
		{"## [Unreleased]", "the Unreleased section (line 1) is empty"},
		{"## [Unreleased]\n- Y.\n\n## [1.1.0] - 2026-01-01\n- X.\n", "line 4 already has a section for v1.1.0"},
	} {
		_, err := releaseChangelog(tc.text, "v1.1.0", "2026-02-03")
		require.ErrorIs(t, err, errChangelog, tc.text)
		assert.Contains(t, err.Error(), tc.says, tc.text)
	}
}
