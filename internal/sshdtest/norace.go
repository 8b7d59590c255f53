//go:build !race

package sshdtest

// RaceEnabled tells whether this test binary was built with -race; Build
// then builds gssh with it too.
const RaceEnabled = false
