package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeBadInput: bad flags, values and files exit 2 with one message
// and serve nothing.
func TestServeBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"serve", "--pace", "-1"}, "--pace must be >= 0"},
		{[]string{"serve", "a", "b"}, "one FILE at most"},
		{[]string{"serve", "--set", "rule.dopamine.learning_rate=-1"}, "rule[dopamine].learning_rate: must be a finite number > 0, got -1"},
		{[]string{"serve", "--rule", "nope"}, `no rule "nope"`},
		{[]string{"serve", "willshaw", "--rule", "nope"}, `no rule "nope" in builtin:willshaw.toml (have: willshaw/one-step)`},
		{[]string{"serve", "cuba", "--set", "duration_ms=-1"}, "duration_ms"},
		{[]string{"serve", "--listen", "nonsense"}, "nonsense"},
		{[]string{"serve", "no/such/file.toml"}, "no such file"},
		{[]string{"serve", "xor_sweep"}, "builtin:xor_sweep.toml is a sweep file, which dopa serve does not run"},
	} {
		code, _, stderr := dopa(t, append(c.args, "--store", "off")...)
		if code != exitUsage || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, code, stderr, c.msg)
		}
	}
}

// TestServeChecksAsRun: a bad --set value of a training, simulation or
// memory file gets the very message dopa run gives it (which, for a value
// that is read but out of range, first lists the overrides).
func TestServeChecksAsRun(t *testing.T) {
	for _, c := range [][]string{
		{"xor", "rule.dopamine.learning_rate=-1"},
		{"xor_spiking", "circuit.population.hidden.tau_m_ms=-2"},
		{"cuba", "duration_ms=-1"},
		{"cuba", "population.exc.v_thresh_mv=nope"},
		{"willshaw", "query.p01=2"},
		{"autoassociation", "activation=module_wta"},
	} {
		_, _, runErr := dopa(t, "run", c[0], "--set", c[1], "--out", t.TempDir(), "--store", "off")
		code, _, serveErr := dopa(t, "serve", c[0], "--set", c[1], "--store", "off")
		want := strings.TrimPrefix(strings.TrimSpace(runErr), "dopa run: ")
		want = afterOverrides.ReplaceAllString(want, "")
		got := strings.TrimPrefix(strings.TrimSpace(serveErr), "dopa serve: ")
		if code != exitUsage || want == "" || got != want {
			t.Errorf("%v: serve exit %d %q, run %q", c, code, got, want)
		}
	}
}

var afterOverrides = regexp.MustCompile(`^after the overrides \[.*?\]: `)

// TestServe starts dopa serve, reads the address it prints, finds the
// page and the traces there, and stops on cancel.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve", "--store", filepath.Join(t.TempDir(), "runs.db"), "--pace", "0"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, pr)
	url := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).FindString(line)
	if url == "" {
		t.Fatalf("no loopback address in %q", line)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "uPlot.iife.min.js") {
		t.Fatalf("page: %d %.200s", resp.StatusCode, body)
	}
	resp, err = http.Get(url + "api/stream")
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(resp.Body)
	deadline := time.Now().Add(10 * time.Second)
	for {
		l, err := r.ReadString('\n')
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("no trace points: %v", err)
		}
		if strings.HasPrefix(l, "event: points") {
			break
		}
	}
	resp.Body.Close()
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d after cancel", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("dopa serve did not stop")
	}
}
