// Package race says whether the program was built with the race detector
// (go test -race), so that the heaviest tests can shorten themselves under
// it and go test -race ./... stays within go test's default 10-minute
// timeout per package. A test that shortens itself says so and says what
// still runs.
package race
