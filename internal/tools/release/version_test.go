package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckVersion(t *testing.T) {
	for _, v := range []string{"v0.1.0", "v1.0.0", "v0.99.0", "v10.20.30", "v0.2.0-rc.1", "v0.0.0-ci", "v1.2.3-alpha.0.beta-2", "v2.0.0"} {
		assert.NoError(t, checkVersion(v), v)
	}
	for v, says := range map[string]string{
		"":                                     "no version given",
		"0.1.0":                                "starts with v",
		"v0.1":                                 "want vMAJOR.MINOR.PATCH",
		"v0.1.0.1":                             "want vMAJOR.MINOR.PATCH",
		"v00.1.0":                              "leading zeros",
		"v0.1.0-01":                            "leading zeros",
		"v0.1.0-":                              "want vMAJOR.MINOR.PATCH",
		"v0.1.0-a..b":                          "want vMAJOR.MINOR.PATCH",
		"v0.1.0+meta":                          "build metadata",
		"v1.0.0+incompatible":                  "build metadata",
		"V0.1.0":                               "starts with v",
		"v0.1.0 ":                              "want vMAJOR.MINOR.PATCH",
		"v0.0.0-20260102030405-abcdefabcdef":   "pseudo-version",
		"v1.2.4-0.20260102030405-abcdefabcdef": "pseudo-version",
		"v1.2.3-pre.0.20260102030405-abcdefabcdef": "pseudo-version",
	} {
		err := checkVersion(v)
		require.ErrorIs(t, err, errVersion, "%q", v)
		assert.Contains(t, err.Error(), says, "%q", v)
	}
}

func TestCheckMajor(t *testing.T) {
	assert.NoError(t, checkMajor("v0.3.0", "example.com/lib"))
	assert.NoError(t, checkMajor("v1.3.0", "example.com/lib"))
	assert.NoError(t, checkMajor("v2.1.0", "example.com/lib/v2"))

	err := checkMajor("v2.0.0", "example.com/lib")
	require.ErrorIs(t, err, errVersion)
	assert.Contains(t, err.Error(), "needs the module path to end in /v2 (example.com/lib does not")

	err = checkMajor("v3.0.0", "example.com/lib/v2")
	require.ErrorIs(t, err, errVersion)
	assert.Contains(t, err.Error(), "end in /v3")

	err = checkMajor("v1.0.0", "example.com/lib/v2")
	require.ErrorIs(t, err, errVersion)
	assert.Contains(t, err.Error(), "module example.com/lib/v2 ends in /v2, so its versions are v2.x.y")
}

func TestMajorSuffix(t *testing.T) {
	for path, want := range map[string]string{
		"example.com/lib":        "",
		"example.com/lib/v2":     "/v2",
		"example.com/lib/v10":    "/v10",
		"example.com/lib/v1":     "",
		"example.com/lib/v0":     "",
		"example.com/lib/v02":    "",
		"example.com/lib/vendor": "",
		"example.com/v2/lib":     "",
	} {
		assert.Equal(t, want, majorSuffix(path), path)
	}
}
