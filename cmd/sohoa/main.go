// Command sohoa is the one binary of the sohoa digitization system: it
// verifies signatures, ingests and stores dossiers' files, runs the workers
// that inspect and verify them, and reports what the catalog holds. This
// package only wires the other packages together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"

	"github.com/sohoa/sohoa"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// the module's build information is used.
var version = ""

// env carries what a subcommand needs from the process, so tests can run
// commands in-process with their own streams and environment.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	log    *slog.Logger
	// readPassword, when set, replaces the terminal prompt for a
	// password (tests); ok false means there is no terminal.
	readPassword func(prompt string) (pw string, ok bool, err error)
}

// command is one subcommand. run returns the process exit code.
type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) int
}

var commands = map[string]command{}

// register adds a subcommand; each subcommand's file calls it from init.
func register(name, summary string, run func(ctx context.Context, e *env, args []string) int) {
	if _, dup := commands[name]; dup {
		panic("duplicate command " + name)
	}
	commands[name] = command{summary: summary, run: run}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// Exit codes shared by every subcommand. verify has its own contract
// (0 passed, 1 failed, 2 indeterminate, 3 unreadable), see verify.go.
const (
	exitOK       = 0
	exitFailure  = 1
	exitUsage    = 64 // EX_USAGE; 2 is taken by verify's INDETERMINATE
	exitInternal = 4
)

// exitCode maps an application error code to a process exit code.
func exitCode(err error) int {
	switch sohoa.Code(err) {
	case "":
		return exitOK
	case sohoa.EINVALID, sohoa.ENOTFOUND, sohoa.ECONFLICT, sohoa.EUNAUTHORIZED, sohoa.EFORBIDDEN, sohoa.ETOOMANYREQUESTS:
		return exitFailure
	default:
		return exitInternal
	}
}

func run(ctx context.Context, e *env, args []string) int {
	if e.getenv == nil {
		e.getenv = os.Getenv
	}
	if e.log == nil {
		e.log = newLogger(e.stderr, e.getenv("SOHOA_LOG_LEVEL"))
	}
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				// Asked-for help is the answer: stdout, like usage() below.
				he := *e
				he.stderr = e.stdout
				return c.run(ctx, &he, []string{"-h"})
			}
		}
		usage(e.stdout)
		return exitOK
	case "version", "-version", "--version":
		fmt.Fprintln(e.stdout, "sohoa", buildVersion())
		return exitOK
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(e.stderr, "sohoa: unknown command %q\n\n", name)
		usage(e.stderr)
		return exitUsage
	}
	return c.run(ctx, e, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "sohoa — số hóa: verify signatures, ingest and track digitized dossiers (hồ sơ)")
	fmt.Fprintln(w, "\nUsage: sohoa <command> [flags] [args]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "  %-10s %s\n", "help", "show this help, or a command's: sohoa help <command>")
	fmt.Fprintf(w, "  %-10s %s\n", "version", "print the version")
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil || level == "" {
		l = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// newFlagSet builds a flag set whose errors go to e.stderr and which does
// not exit the process.
func newFlagSet(e *env, name, usageLine string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: sohoa %s %s\n\nFlags:\n", name, usageLine)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, treating -h as success; ok is false when the
// command should return code.
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}

// parseNoArgs is parseFlags for commands that take flags only: a
// positional argument prints the usage and is exit code 64.
func parseNoArgs(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if code, ok := parseFlags(fs, args); !ok {
		return code, false
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return exitUsage, false
	}
	return 0, true
}

// envOr returns the environment variable's value, or def when unset.
func envOr(e *env, key, def string) string {
	if v := e.getenv(key); v != "" {
		return v
	}
	return def
}
