//go:build unix

package train

import "syscall"

// cpuSeconds returns the CPU time (user and system) this process has used
// so far, over all its threads, in seconds: the benchmarks report it
// beside the wall time, which on a busy machine counts the time other
// processes held the cores.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
