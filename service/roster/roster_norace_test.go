//go:build !race

package roster

// rosterUnderRace is true under the race detector (see roster_race_test.go).
const rosterUnderRace = false
