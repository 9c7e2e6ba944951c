package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/sohoa/sohoa"
)

func init() {
	register("user", "manage users (người dùng) and their passwords: sohoa user add|passwd|disable|enable|list", runUser)
	register("token", "manage API tokens for machines and other systems: sohoa token add|revoke|list", runToken)
}

const userHelp = `Usage: sohoa user add USERNAME --role ROLE [--role ROLE]... [--unit CODE]... [--name "Display Name"]
       sohoa user passwd USERNAME
       sohoa user disable USERNAME | sohoa user enable USERNAME
       sohoa user list [--json]

Users (người dùng) and what they may do. Roles: clerk (cán bộ một cửa: receives
dossiers, uploads files), auditor (kiểm soát: reads dossiers, reports and the
audit log), admin (quản trị: manages units, procedures, users; sees every unit),
scanner (a scanning station), head (lãnh đạo đơn vị: reads the progress figures
and makes, signs and submits the unit's periodic report). --unit limits a user to
the subtrees of those units.

  add      add a user and set their password
  passwd   set a user's password; their signed-in sessions end
  disable  stop a user signing in, by password or API token; their sessions end
  enable   let a disabled user sign in again (their API tokens work again)
  list     list the users (--json for the full records)

The password of add and passwd comes from, in this order: --generate (a random
one, printed once), --password-stdin (the first line of standard input), the
SOHOA_PASSWORD environment variable, or a prompt on the terminal (not echoed,
asked twice). It must be at least 12 characters; a phrase of a few words, with
or without diacritics, is a good one. add --no-password makes a user who signs in
only with API tokens (a scanner). Only an argon2id hash of it is stored.

Every change is written to the audit log.

Run "sohoa user add -h" (or passwd, disable, enable, list) for the flags.`

const tokenHelp = `Usage: sohoa token add USERNAME NAME [--expires 720h]
       sohoa token revoke ID
       sohoa token list USERNAME [--json]

API tokens (bearer tokens) let machines and other systems, such as a scanning
station or the unit's one-stop-shop software, call the API as a user.

  add     issue a token named NAME (what it is for) for USERNAME; the token is
          printed once and cannot be shown again (only its SHA-256 is stored);
          --expires sets a lifetime (e.g. 720h; default: no expiry)
  revoke  delete a token by its ID (from list); it stops working at once
  list    list a user's tokens (without the secrets)

A disabled user's tokens are refused until the user is enabled again. Every
change is written to the audit log.`

// catalogCmd is a subcommand that changes or lists the catalog in one
// transaction and prints what act returns.
type catalogCmd struct {
	name, usageLine string
	// nargs is the number of positional arguments; -1: act checks them.
	nargs int
	// appendsAudit: the command writes audit entries (and so needs the
	// audit key).
	appendsAudit bool
	setup        func(fs *flag.FlagSet)
	// prepare runs after the flags are parsed and before the catalog is
	// opened: checks, and prompts that must not hold a transaction open.
	prepare func(pos []string) error
	act     func(ctx context.Context, tx sohoa.Catalog, pos []string) (string, error)
	// actWith is act for commands that need the opened stores in their
	// transaction (the audit key, to seal); set act or actWith.
	actWith func(ctx context.Context, st *stores, tx sohoa.Catalog, pos []string) (string, error)
	// existing: the catalog must exist already (a command that only reads
	// or removes has nothing to create).
	existing bool
	// after runs once the transaction has committed; its output follows
	// act's (a generated password is printed only once it is stored).
	after func()
}

func (c catalogCmd) run(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, c.name, c.usageLine)
	if c.setup != nil {
		c.setup(fs)
	}
	cfg := addStoreFlags(fs, e)
	pos, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if c.nargs >= 0 && len(pos) != c.nargs {
		fmt.Fprintf(e.stderr, "sohoa %s: want %d argument(s), got %d\n", c.name, c.nargs, len(pos))
		fs.Usage()
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "sohoa %s: %s\n", c.name, sohoa.Message(err))
		if sohoa.Code(err) == sohoa.EINTERNAL {
			e.log.Error(c.name+" failed", "err", err)
		}
		return exitCode(err)
	}
	if c.prepare != nil {
		if err := c.prepare(pos); err != nil {
			return fail(err)
		}
	}
	s, code, ok := cfg.startWith(ctx, e, c.name, openOptions{AppendsAudit: c.appendsAudit, Existing: c.existing})
	if !ok {
		return code
	}
	defer s.Close()
	var msg string
	err := s.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
		var err error
		if c.actWith != nil {
			msg, err = c.actWith(ctx, s, tx, pos)
		} else {
			msg, err = c.act(ctx, tx, pos)
		}
		return err
	})
	if err != nil {
		return fail(err)
	}
	fmt.Fprint(e.stdout, msg)
	if c.after != nil {
		c.after()
	}
	return exitOK
}

// listFlag collects a repeatable flag; each value may also list several,
// separated by commas.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			*l = append(*l, x)
		}
	}
	return nil
}

// passwordSource is where a new password comes from (see userHelp).
type passwordSource struct {
	generate, stdin bool
	generated       string // the --generate password, printed after the change
}

func (p *passwordSource) flags(fs *flag.FlagSet) {
	fs.BoolVar(&p.generate, "generate", false, "generate a random password and print it once")
	fs.BoolVar(&p.stdin, "password-stdin", false, "read the password from the first line of standard input; without this or --generate it comes from env SOHOA_PASSWORD, else a terminal prompt")
}

// read gets the new password and checks it.
func (p *passwordSource) read(e *env) (string, error) {
	var pw string
	switch {
	case p.generate && p.stdin:
		return "", sohoa.Errorf(sohoa.EINVALID, "--generate and --password-stdin exclude each other")
	case p.generate:
		p.generated = sohoa.GeneratePassword()
		return p.generated, nil
	case p.stdin:
		line, err := bufio.NewReader(io.LimitReader(e.stdin, 4*sohoa.MaxPasswordLen+2)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", sohoa.Wrapf(err, sohoa.EINVALID, "read the password from standard input: %v", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	case e.getenv("SOHOA_PASSWORD") != "":
		pw = e.getenv("SOHOA_PASSWORD")
	default:
		first, ok, err := e.promptPassword("New password (at least 12 characters): ")
		if err != nil {
			return "", sohoa.Wrapf(err, sohoa.EINVALID, "read the password: %v", err)
		}
		if !ok {
			return "", sohoa.Errorf(sohoa.EINVALID, "no password: standard input is not a terminal; use --generate, --password-stdin or SOHOA_PASSWORD")
		}
		if err := sohoa.ValidatePassword(first); err != nil {
			return "", err
		}
		again, _, err := e.promptPassword("Type it again: ")
		if err != nil {
			return "", sohoa.Wrapf(err, sohoa.EINVALID, "read the password: %v", err)
		}
		if again != first {
			return "", sohoa.Errorf(sohoa.EINVALID, "the two passwords differ; nothing was changed")
		}
		pw = first
	}
	if pw == "" {
		return "", sohoa.Errorf(sohoa.EINVALID, "the password is empty")
	}
	return pw, sohoa.ValidatePassword(pw)
}

// printGenerated shows a --generate password, once.
func (p *passwordSource) printGenerated(e *env, username string) {
	if p.generated != "" {
		fmt.Fprintf(e.stdout, "password for %s (shown only now; give it to them in person):\n%s\n", username, p.generated)
	}
}

// promptPassword reads a line from the terminal without echo, prompting
// on stderr; ok is false when standard input is not a terminal. Tests set
// env.readPassword instead.
func (e *env) promptPassword(prompt string) (pw string, ok bool, err error) {
	if e.readPassword != nil {
		return e.readPassword(prompt)
	}
	f, isFile := e.stdin.(*os.File)
	if !isFile || !term.IsTerminal(int(f.Fd())) {
		return "", false, nil
	}
	fmt.Fprint(e.stderr, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	return string(b), true, err
}

// auditDetails encodes an audit entry's details.
func auditDetails(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings and numbers always encode
	}
	return b
}

func appendCLIAudit(ctx context.Context, tx sohoa.Catalog, action, object string, details any) error {
	e := &sohoa.AuditEntry{Actor: cliActor(), Action: action, Object: object}
	if details != nil {
		e.Details = auditDetails(details)
	}
	return tx.AppendAudit(ctx, e)
}

func runUser(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		return subcommandUsage(e, args, userHelp)
	}
	var pw passwordSource
	var username, password string
	readPassword := func(pos []string) (err error) {
		username = pos[0]
		password, err = pw.read(e)
		return err
	}
	switch args[0] {
	case "add":
		var roles, units listFlag
		var name *string
		var noPassword *bool
		return catalogCmd{
			name: "user add", usageLine: `USERNAME --role ROLE [--role ROLE]... [--unit CODE]... [--name "Display Name"] [--generate | --password-stdin | --no-password]`,
			nargs: 1, appendsAudit: true,
			setup: func(fs *flag.FlagSet) {
				fs.Var(&roles, "role", "role: clerk, auditor, admin, scanner or head (repeat, or separate with commas)")
				fs.Var(&units, "unit", "unit code whose subtree the user may see (repeat, or separate with commas)")
				name = fs.String("name", "", "display name, e.g. \"Nguyễn Thị Lan\"")
				noPassword = fs.Bool("no-password", false, "set no password: the user signs in only with API tokens")
				pw.flags(fs)
			},
			prepare: func(pos []string) error {
				u := &sohoa.User{Username: pos[0], DisplayName: *name, Roles: toRoles(roles), UnitScopes: units}
				if err := u.Validate(); err != nil { // before asking for a password
					return err
				}
				if len(u.Roles) == 0 {
					return sohoa.Errorf(sohoa.EINVALID, "give the user at least one --role (clerk, auditor, admin, scanner or head)")
				}
				if *noPassword {
					if pw.generate || pw.stdin {
						return sohoa.Errorf(sohoa.EINVALID, "--no-password excludes --generate and --password-stdin")
					}
					username = pos[0]
					return nil
				}
				return readPassword(pos)
			},
			act: func(ctx context.Context, tx sohoa.Catalog, pos []string) (string, error) {
				u := &sohoa.User{Username: pos[0], DisplayName: *name, Roles: toRoles(roles), UnitScopes: units}
				if err := tx.CreateUser(ctx, u); err != nil {
					return "", err
				}
				if password != "" {
					if err := tx.SetPassword(ctx, u.Username, password); err != nil {
						return "", err
					}
				}
				details := map[string]any{"roles": u.Roles, "unit_scopes": u.UnitScopes, "display_name": u.DisplayName, "password": password != ""}
				if err := appendCLIAudit(ctx, tx, "user.create", "user:"+u.Username, details); err != nil {
					return "", err
				}
				how := "with a password"
				if password == "" {
					how = "without a password (API tokens only)"
				}
				return fmt.Sprintf("user %s added %s: %s, %s\n", u.Username, how, joinRoles(u.Roles), scopeText(u)), nil
			},
			after: func() { pw.printGenerated(e, username) },
		}.run(ctx, e, args[1:])
	case "passwd":
		return catalogCmd{
			name: "user passwd", usageLine: "USERNAME [--generate | --password-stdin]", nargs: 1, appendsAudit: true,
			setup:   pw.flags,
			prepare: readPassword,
			act: func(ctx context.Context, tx sohoa.Catalog, pos []string) (string, error) {
				if err := tx.SetPassword(ctx, pos[0], password); err != nil {
					return "", err
				}
				if err := appendCLIAudit(ctx, tx, "user.password", "user:"+pos[0], nil); err != nil {
					return "", err
				}
				return fmt.Sprintf("password of %s set; their sessions were ended\n", pos[0]), nil
			},
			after: func() { pw.printGenerated(e, username) },
		}.run(ctx, e, args[1:])
	case "disable", "enable":
		disable := args[0] == "disable"
		return catalogCmd{
			name: "user " + args[0], usageLine: "USERNAME", nargs: 1, appendsAudit: true,
			act: func(ctx context.Context, tx sohoa.Catalog, pos []string) (string, error) {
				if !disable {
					if err := tx.EnableUser(ctx, pos[0]); err != nil {
						return "", err
					}
					if err := appendCLIAudit(ctx, tx, "user.enable", "user:"+pos[0], nil); err != nil {
						return "", err
					}
					return fmt.Sprintf("user %s enabled\n", pos[0]), nil
				}
				sessions, err := tx.DeleteUserSessions(ctx, pos[0])
				if err != nil {
					return "", err
				}
				if err := tx.DisableUser(ctx, pos[0], time.Now()); err != nil {
					return "", err
				}
				if err := appendCLIAudit(ctx, tx, "user.disable", "user:"+pos[0], map[string]any{"sessions_ended": sessions}); err != nil {
					return "", err
				}
				return fmt.Sprintf("user %s disabled: cannot sign in by password or API token; %d session(s) ended (sohoa user enable %s undoes it)\n",
					pos[0], sessions, pos[0]), nil
			},
		}.run(ctx, e, args[1:])
	case "list":
		var asJSON *bool
		return catalogCmd{
			name: "user list", usageLine: "[--json]", nargs: 0,
			setup: func(fs *flag.FlagSet) { asJSON = fs.Bool("json", false, "print JSON") },
			act: func(ctx context.Context, tx sohoa.Catalog, _ []string) (string, error) {
				users, err := tx.FindUsers(ctx)
				if err != nil {
					return "", err
				}
				var b strings.Builder
				if *asJSON {
					if users == nil {
						users = []*sohoa.User{}
					}
					enc := json.NewEncoder(&b)
					enc.SetIndent("", "  ")
					err := enc.Encode(users)
					return b.String(), err
				}
				fmt.Fprintf(&b, "%-20s %-20s %-24s %-8s %-22s %s\n", "USERNAME", "ROLES", "UNITS", "PASSWORD", "STATUS", "NAME")
				for _, u := range users {
					password, status := "no", "active"
					if u.HasPassword {
						password = "yes"
					}
					if u.Disabled() {
						status = "disabled " + localTime(*u.DisabledAt)
					}
					fmt.Fprintf(&b, "%-20s %-20s %-24s %-8s %-22s %s\n", u.Username, joinRoles(u.Roles), scopeText(u), password, status, u.DisplayName)
				}
				return b.String(), nil
			},
		}.run(ctx, e, args[1:])
	}
	fmt.Fprintf(e.stderr, "sohoa user: unknown subcommand %q (add, passwd, disable, enable, list)\n", args[0])
	return exitUsage
}

func toRoles(xs []string) []sohoa.Role {
	out := make([]sohoa.Role, len(xs))
	for i, x := range xs {
		out[i] = sohoa.Role(strings.ToLower(x))
	}
	return out
}

func joinRoles(rs []sohoa.Role) string {
	ss := make([]string, len(rs))
	for i, r := range rs {
		ss[i] = string(r)
	}
	return strings.Join(ss, ",")
}

// scopeText says which units a user sees.
func scopeText(u *sohoa.User) string {
	switch {
	case u.HasRole(sohoa.RoleAdmin):
		return "(all units)"
	case len(u.UnitScopes) == 0:
		return "(no unit)"
	}
	return strings.Join(u.UnitScopes, ",")
}

func runToken(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		return subcommandUsage(e, args, tokenHelp)
	}
	switch args[0] {
	case "add":
		var expires *time.Duration
		return catalogCmd{
			name: "token add", usageLine: "USERNAME NAME [--expires 720h]", nargs: 2, appendsAudit: true,
			setup: func(fs *flag.FlagSet) {
				expires = fs.Duration("expires", 0, "lifetime of the token, e.g. 720h (30 days); 0 for no expiry")
			},
			prepare: func([]string) error {
				if *expires < 0 {
					return sohoa.Errorf(sohoa.EINVALID, "--expires %s is negative", *expires)
				}
				return nil
			},
			act: func(ctx context.Context, tx sohoa.Catalog, pos []string) (string, error) {
				var exp *time.Time
				if *expires > 0 {
					t := time.Now().Add(*expires)
					exp = &t
				}
				tok, plain, err := tx.CreateAPIToken(ctx, pos[0], pos[1], exp)
				if err != nil {
					return "", err
				}
				details := map[string]any{"username": tok.Username, "name": tok.Name}
				if tok.ExpiresAt != nil {
					details["expires_at"] = tok.ExpiresAt.Format(time.RFC3339)
				}
				if err := appendCLIAudit(ctx, tx, "token.create", "api_token:"+strconv.FormatInt(tok.ID, 10), details); err != nil {
					return "", err
				}
				until := "does not expire"
				if tok.ExpiresAt != nil {
					until = "expires " + localTime(*tok.ExpiresAt)
				}
				return fmt.Sprintf("API token %d for %s (%s), %s. The token, shown only now:\n%s\n", tok.ID, tok.Username, tok.Name, until, plain), nil
			},
		}.run(ctx, e, args[1:])
	case "revoke":
		return catalogCmd{
			name: "token revoke", usageLine: "ID", nargs: 1, appendsAudit: true,
			act: func(ctx context.Context, tx sohoa.Catalog, pos []string) (string, error) {
				id, err := strconv.ParseInt(pos[0], 10, 64)
				if err != nil || id <= 0 {
					return "", sohoa.Errorf(sohoa.EINVALID, "token ID %q: want the number sohoa token list shows", pos[0])
				}
				if err := tx.RevokeAPIToken(ctx, id); err != nil {
					return "", err
				}
				if err := appendCLIAudit(ctx, tx, "token.revoke", "api_token:"+pos[0], nil); err != nil {
					return "", err
				}
				return fmt.Sprintf("API token %d revoked\n", id), nil
			},
		}.run(ctx, e, args[1:])
	case "list":
		var asJSON *bool
		return catalogCmd{
			name: "token list", usageLine: "USERNAME [--json]", nargs: 1,
			setup: func(fs *flag.FlagSet) { asJSON = fs.Bool("json", false, "print JSON") },
			act: func(ctx context.Context, tx sohoa.Catalog, pos []string) (string, error) {
				if _, err := tx.FindUserByUsername(ctx, pos[0]); err != nil {
					return "", err
				}
				toks, err := tx.FindAPITokens(ctx, pos[0])
				if err != nil {
					return "", err
				}
				var b strings.Builder
				if *asJSON {
					if toks == nil {
						toks = []*sohoa.APIToken{}
					}
					enc := json.NewEncoder(&b)
					enc.SetIndent("", "  ")
					err := enc.Encode(toks)
					return b.String(), err
				}
				fmt.Fprintf(&b, "%-6s %-16s %-16s %s\n", "ID", "CREATED", "EXPIRES", "NAME")
				for _, t := range toks {
					exp := "never"
					if t.ExpiresAt != nil {
						exp = localTime(*t.ExpiresAt)
					}
					fmt.Fprintf(&b, "%-6d %-16s %-16s %s\n", t.ID, localTime(t.CreatedAt), exp, t.Name)
				}
				return b.String(), nil
			},
		}.run(ctx, e, args[1:])
	}
	fmt.Fprintf(e.stderr, "sohoa token: unknown subcommand %q (add, revoke, list)\n", args[0])
	return exitUsage
}
