package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/sohoa/sohoa"
)

func init() {
	register("unit", "add or list units (đơn vị), their targets, signing keys and policy: sohoa unit add CODE NAME [--parent CODE] | list | target set|list|clear | cert set|show|remove CODE | policy set|list", runUnit)
	register("procedure", "add or list procedures (thủ tục hành chính): sohoa procedure add CODE NAME [--components A;B] | list", runProcedure)
}

// refCommand opens the catalog for a reference-data subcommand and writes
// the change and its audit entry in one transaction.
func refCommand(ctx context.Context, e *env, name, usageLine string, args []string, setup func(fs *flag.FlagSet), act func(ctx context.Context, tx sohoa.Catalog, pos []string) (string, error)) int {
	// The add subcommands append audit entries; list only reads.
	return catalogCmd{name: name, usageLine: usageLine, nargs: -1, appendsAudit: strings.HasSuffix(name, " add"), setup: setup, act: act}.run(ctx, e, args)
}

// cliActor is the audit actor for changes made from the command line.
func cliActor() string { return "system:cli" }

func runUnit(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		return subcommandUsage(e, args, "Usage: sohoa unit add CODE NAME [--parent CODE] | sohoa unit list | sohoa unit target set|list|clear … | sohoa unit cert set|show|remove CODE | sohoa unit policy set|list …\n\nUnits (đơn vị): ministry → department → one-stop shop (Bộ phận Một cửa).\n  add     add a unit; --parent names the unit above it\n  list    list the units\n  target  a unit's targets (chỉ tiêu) for the progress figures (sohoa unit target -h)\n  cert    the unit's signing key for certified copies (sohoa unit cert -h)\n  policy  whether results and reports must be signed under the Government CA (sohoa unit policy -h)")
	}
	var parent *string
	switch args[0] {
	case "target":
		return runUnitTarget(ctx, e, args[1:])
	case "add":
		return refCommand(ctx, e, "unit add", "CODE NAME [--parent CODE]", args[1:], func(fs *flag.FlagSet) {
			parent = fs.String("parent", "", "parent unit code (ministry → department → one-stop shop)")
		}, func(ctx context.Context, tx sohoa.Catalog, pos []string) (string, error) {
			if len(pos) != 2 {
				return "", sohoa.Errorf(sohoa.EINVALID, "want CODE and NAME (quote a name with spaces)")
			}
			u := &sohoa.Unit{Code: pos[0], Name: pos[1], ParentCode: *parent}
			if err := tx.CreateUnit(ctx, u); err != nil {
				return "", err
			}
			if err := tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: cliActor(), Action: "unit.create", Object: "unit:" + u.Code}); err != nil {
				return "", err
			}
			return fmt.Sprintf("unit %s added: %s\n", u.Code, u.Name), nil
		})
	case "cert":
		return runUnitCert(ctx, e, args[1:])
	case "policy":
		return runUnitPolicy(ctx, e, args[1:])
	case "list":
		return refCommand(ctx, e, "unit list", "", args[1:], nil, func(ctx context.Context, tx sohoa.Catalog, _ []string) (string, error) {
			units, err := tx.FindUnits(ctx, sohoa.UnitFilter{Scope: sohoa.AllUnits})
			if err != nil {
				return "", err
			}
			var b strings.Builder
			for _, u := range units {
				fmt.Fprintf(&b, "%-24s %-24s %s\n", u.Code, u.ParentCode, u.Name)
			}
			return b.String(), nil
		})
	}
	fmt.Fprintf(e.stderr, "sohoa unit: unknown subcommand %q (add, list, target, cert, policy)\n", args[0])
	return exitUsage
}

func runProcedure(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		return subcommandUsage(e, args, "Usage: sohoa procedure add CODE NAME [--components \"A;B\"] | sohoa procedure list\n\nProcedures (thủ tục hành chính) and their required components (thành phần hồ sơ).\n  add   add a procedure; --components lists its required components, separated by ';'\n  list  list the procedures")
	}
	var components *string
	switch args[0] {
	case "add":
		return refCommand(ctx, e, "procedure add", "CODE NAME [--components \"A;B\"]", args[1:], func(fs *flag.FlagSet) {
			components = fs.String("components", "", "required dossier components (thành phần hồ sơ), separated by ';'")
		}, func(ctx context.Context, tx sohoa.Catalog, pos []string) (string, error) {
			if len(pos) != 2 {
				return "", sohoa.Errorf(sohoa.EINVALID, "want CODE and NAME (quote a name with spaces)")
			}
			p := &sohoa.Procedure{Code: pos[0], Name: pos[1]}
			for _, c := range strings.Split(*components, ";") {
				if c = strings.TrimSpace(c); c != "" {
					p.RequiredComponents = append(p.RequiredComponents, c)
				}
			}
			if err := tx.CreateProcedure(ctx, p); err != nil {
				return "", err
			}
			if err := tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: cliActor(), Action: "procedure.create", Object: "procedure:" + p.Code}); err != nil {
				return "", err
			}
			return fmt.Sprintf("procedure %s added: %s (%d required components)\n", p.Code, p.Name, len(p.RequiredComponents)), nil
		})
	case "list":
		return refCommand(ctx, e, "procedure list", "", args[1:], nil, func(ctx context.Context, tx sohoa.Catalog, _ []string) (string, error) {
			ps, err := tx.FindProcedures(ctx)
			if err != nil {
				return "", err
			}
			var b strings.Builder
			for _, p := range ps {
				fmt.Fprintf(&b, "%-16s %s [%s]\n", p.Code, p.Name, strings.Join(p.RequiredComponents, "; "))
			}
			return b.String(), nil
		})
	}
	fmt.Fprintf(e.stderr, "sohoa procedure: unknown subcommand %q (add, list)\n", args[0])
	return exitUsage
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// subcommandUsage prints a command-group's usage: on stdout with exit 0
// when asked for (-h), on stderr with the usage exit code when the
// subcommand is missing.
func subcommandUsage(e *env, args []string, text string) int {
	if len(args) > 0 {
		fmt.Fprintln(e.stdout, text)
		return exitOK
	}
	fmt.Fprintln(e.stderr, text)
	return exitUsage
}
