package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/dopa-sim/dopa/experiments"
	"github.com/dopa-sim/dopa/experiments/kinds"
	"github.com/dopa-sim/dopa/experiments/live"
	"github.com/dopa-sim/dopa/experiments/runstore"
)

const serveUsage = `Usage: dopa serve [FILE] [flags]

Runs a circuit or experiment file live (default: the built-in XOR
experiment) and serves a page to watch and steer it: the modulator's
traces and the loss as they are made (a spiking circuit's spikes, a
memory's recall, a reward run's δ and V within each episode); run,
pause, single step, reset;
the file's parameters as controls (checked as --set values are; the
running rule's reach it between two updates); parameter sets saved by name
in the run store; a run recorded as dopa run records one.

It listens on 127.0.0.1 only, unless --listen names another address: then
every request needs the token of the URL it prints. docs/live.md has more.

Flags:
`

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address to serve on (host:port; port 0: any free one); off loopback a token is required")
	storePath := fs.String("store", runstore.DefaultStore(), "the run store (SQLite) for parameter sets and recorded runs; off: none")
	out := fs.String("out", "out", "directory under which runs recorded from the page are written")
	rule := fs.String("rule", "", "the rule (label) to run live (default: dopamine if the file has it, else its first); a memory study: RULE/MODE; a reward file: AGENT or AGENT/CONDITION")
	pace := fs.Float64("pace", 200, "learning updates per second at most (0: as fast as it goes)")
	paused := fs.Bool("paused", false, "start paused")
	var sets multi
	fs.Var(&sets, "set", "override a key as dopa run --set does (repeatable)")
	fs.Usage = func() { fmt.Fprint(stderr, serveUsage); fs.PrintDefaults() }
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("one FILE at most, got %q", pos)
	}
	if err := live.CheckPace(*pace); err != nil {
		return usagef("--pace %v", err)
	}
	file := ""
	if len(pos) == 1 {
		file = pos[0]
	}
	src, err := openSource(file)
	if err != nil {
		return usageError{err}
	}
	if !live.Served(src.Kind) {
		// Every kind of the registry runs with dopa run; the live view
		// serves those it can watch one run of.
		var served []string
		for _, k := range kinds.All() {
			if live.Served(k.Name) {
				served = append(served, string(k.Name))
			}
		}
		return usagef("%s is a %s file, which dopa serve does not run: it serves %s files (a %s file runs with dopa run)", src.File, src.Kind, strings.Join(served, ", "), src.Kind)
	}
	data, err := sourceData(src.File)
	if err != nil {
		return usageError{err}
	}
	s, err := live.New(live.Config{File: src.File, Data: data, Overrides: sets, Rule: *rule, Pace: *pace, Paused: *paused, Store: *storePath, OutDir: *out})
	if err != nil {
		return usageError{err}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return usageError{err}
	}
	loopback := live.Loopback(ln.Addr().String()) && live.Loopback(*listen)
	srv, err := live.NewServer(s, loopback)
	if err != nil {
		ln.Close()
		return err
	}
	defer srv.Close()
	go s.Run(ctx)
	addr := ln.Addr().String()
	if host, port, err := net.SplitHostPort(addr); err == nil && net.ParseIP(host).IsUnspecified() {
		// Every interface: name this machine, as the browser will.
		if h, err := os.Hostname(); err == nil {
			addr = net.JoinHostPort(h, port)
		}
	}
	fmt.Fprintf(stdout, "dopa serve: %s live at %s\n", src.File, srv.URL(addr))
	if !loopback {
		fmt.Fprintf(stdout, "dopa serve: listening beyond loopback: every request needs the token of that URL\n")
	}
	fmt.Fprintln(stdout, "dopa serve: interrupt (Ctrl-C) to stop")
	return srv.Serve(ctx, ln)
}

// sourceData returns the bytes of an input file as Open read them.
func sourceData(file string) ([]byte, error) {
	if strings.HasPrefix(file, "builtin:") {
		if b, ok := experiments.BuiltinSource(file); ok {
			return b, nil
		}
		return nil, fmt.Errorf("no built-in %s", file)
	}
	return os.ReadFile(file)
}
