//go:build race

package roster

// rosterUnderRace is true under the race detector, which slows the pure-Go
// SQLite driver (C translated to Go) about fifty times.
const rosterUnderRace = true
