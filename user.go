package sohoa

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Role is what a user may do.
type Role string

const (
	RoleClerk   Role = "clerk"   // receives dossiers and uploads their files
	RoleAuditor Role = "auditor" // reads dossiers, reports and the audit log
	RoleAdmin   Role = "admin"   // manages units, procedures and users; sees every unit
	RoleScanner Role = "scanner" // a scanning station feeding a hot folder or the API
	// RoleHead is the unit's head (lãnh đạo đơn vị), who signs and submits
	// the unit's periodic report: reads the progress figures of the units
	// in scope and makes and submits their reports.
	RoleHead Role = "head"
)

// Valid reports whether r is one of the roles above.
func (r Role) Valid() bool {
	switch r {
	case RoleClerk, RoleAuditor, RoleAdmin, RoleScanner, RoleHead:
		return true
	}
	return false
}

// User is a person or a machine (a scanner) that uses sohoa. UnitScopes
// are the units whose subtrees the user may see.
type User struct {
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Roles       []Role    `json:"roles"`
	UnitScopes  []string  `json:"unit_scopes"`
	CreatedAt   time.Time `json:"created_at"`
	// HasPassword says a password is set (its hash is never read out of
	// the catalog except to check one).
	HasPassword bool `json:"has_password"`
	// DisabledAt is when the user was disabled: a disabled user cannot
	// sign in, by password or API token, until enabled again.
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
}

// Disabled reports whether the user is disabled.
func (u *User) Disabled() bool { return u.DisabledAt != nil }

// HasRole reports whether the user has role r.
func (u *User) HasRole(r Role) bool { return slices.Contains(u.Roles, r) }

// Scope is what the user may see: every unit for admins, else the subtrees
// of UnitScopes (nothing when empty).
func (u *User) Scope() Scope {
	if u.HasRole(RoleAdmin) {
		return AllUnits
	}
	return Scope{Units: slices.Clone(u.UnitScopes)}
}

// ValidateUsername checks a username: 1 to 64 characters from
// [A-Za-z0-9.-_@].
func ValidateUsername(name string) error {
	if name == "" || len(name) > MaxCodeLen {
		return invalidf("username %.70q must be 1 to %d characters", name, MaxCodeLen)
	}
	for i := 0; i < len(name); i++ {
		if !codeByte(name[i]) && name[i] != '@' {
			return invalidf("username %q: character %q not allowed", name, rune(name[i]))
		}
	}
	return nil
}

// Validate checks a user, sorting and de-duplicating roles and scopes.
func (u *User) Validate() error {
	if err := ValidateUsername(u.Username); err != nil {
		return err
	}
	var err error
	if u.DisplayName, err = validateText("display name", u.DisplayName, MaxNameLen, false, false); err != nil {
		return err
	}
	if u.Roles, err = normalizeRoles(u.Roles); err != nil {
		return err
	}
	u.UnitScopes, err = normalizeScopes(u.UnitScopes)
	return err
}

func normalizeRoles(in []Role) ([]Role, error) {
	out := slices.Clone(in)
	for _, r := range out {
		if !r.Valid() {
			return nil, invalidf("unknown role %q (want clerk, auditor, admin, scanner or head)", r)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []Role{}
	}
	return out, nil
}

func normalizeScopes(in []string) ([]string, error) {
	out := slices.Clone(in)
	for _, c := range out {
		if err := ValidateCode("scope unit", c); err != nil {
			return nil, err
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// UserUpdate changes a user; nil fields stay as they are.
type UserUpdate struct {
	DisplayName *string
	Roles       *[]Role
	UnitScopes  *[]string
}

// Apply validates upd and applies it to u.
func (upd UserUpdate) Apply(u *User) error {
	if upd.DisplayName != nil {
		u.DisplayName = *upd.DisplayName
	}
	if upd.Roles != nil {
		u.Roles = *upd.Roles
	}
	if upd.UnitScopes != nil {
		u.UnitScopes = *upd.UnitScopes
	}
	return u.Validate()
}

// APIToken is a bearer token for the JSON API. Only the SHA-256 of the
// token is stored; the plaintext is shown once, when it is created.
type APIToken struct {
	ID        int64      `json:"id"`
	Username  string     `json:"username"`
	Name      string     `json:"name"` // what the token is for, e.g. "scanner 3"
	Hash      string     `json:"-"`    // lowercase hex SHA-256 of the plaintext
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// NewAPIToken validates a token's owner, name and expiry and returns the
// token to store (without its hash, which the catalog sets).
func NewAPIToken(username, name string, expiresAt *time.Time) (*APIToken, error) {
	if err := ValidateUsername(username); err != nil {
		return nil, err
	}
	name, err := validateText("token name", name, MaxNameLen, true, false)
	if err != nil {
		return nil, err
	}
	exp, err := normalizeOptionalTime("expires_at", expiresAt)
	if err != nil {
		return nil, err
	}
	return &APIToken{Username: username, Name: name, ExpiresAt: exp}, nil
}

// apiTokenPrefix marks sohoa tokens so secret scanners can spot leaks.
const apiTokenPrefix = "sohoa_"

// NewAPITokenSecret returns a fresh random token and its hash.
func NewAPITokenSecret() (plaintext, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	plaintext = apiTokenPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	return plaintext, HashAPIToken(plaintext)
}

// HashAPIToken is the stored form of a token: lowercase hex SHA-256.
func HashAPIToken(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}

// Sign-in errors. ErrBadCredentials is the one answer to a failed
// password sign-in, whatever failed, so it does not tell which usernames
// exist.
var (
	ErrBadCredentials = &Error{Code: EUNAUTHORIZED, Message: "wrong username or password"}
	ErrUserDisabled   = &Error{Code: EUNAUTHORIZED, Message: "this account is disabled; ask an administrator"}
)

// UserService manages users, their passwords and their API tokens.
type UserService interface {
	// CreateUser adds a user (ECONFLICT if the username is taken, EINVALID
	// for an unknown scope unit) and sets CreatedAt.
	CreateUser(ctx context.Context, u *User) error
	UpdateUser(ctx context.Context, username string, upd UserUpdate) (*User, error)
	FindUserByUsername(ctx context.Context, username string) (*User, error)
	// FindUsers returns every user ordered by username.
	FindUsers(ctx context.Context) ([]*User, error)

	// SetPassword checks a new password (ValidatePassword), stores its
	// HashPassword hash and ends the user's sessions (a password changed
	// because it leaked must not leave a thief signed in; the web layer
	// opens a new session for whoever changed it). ENOTFOUND if there is
	// no such user.
	SetPassword(ctx context.Context, username, plain string) error
	// CheckUserPassword signs a user in by password: the user when plain
	// is their password, else EUNAUTHORIZED with the same message whether
	// the username exists, has no password or the password is wrong, and
	// after the same work (SpendPasswordCheck). A disabled user with the
	// right password is EUNAUTHORIZED too. A hash made with older
	// parameters is replaced by a current one on the way.
	CheckUserPassword(ctx context.Context, username, plain string) (*User, error)
	// DisableUser disables a user at now (an already disabled user keeps
	// the first time) and ends their sessions; their API tokens are kept
	// but refused until EnableUser. ENOTFOUND if there is no such user.
	DisableUser(ctx context.Context, username string, now time.Time) error
	// EnableUser lifts DisableUser. ENOTFOUND if there is no such user.
	EnableUser(ctx context.Context, username string) error

	// CreateAPIToken issues a token for a user and returns it with its
	// plaintext, which is not stored and cannot be shown again.
	CreateAPIToken(ctx context.Context, username, name string, expiresAt *time.Time) (*APIToken, string, error)
	// Authenticate finds the user a token plaintext belongs to. An
	// unknown, revoked or expired (at now) token, and a disabled user's,
	// is EUNAUTHORIZED.
	Authenticate(ctx context.Context, plaintext string, now time.Time) (*User, *APIToken, error)
	// FindAPITokens lists a user's tokens (without plaintexts) by ID.
	FindAPITokens(ctx context.Context, username string) ([]*APIToken, error)
	// RevokeAPIToken deletes a token; ENOTFOUND if there is none.
	RevokeAPIToken(ctx context.Context, id int64) error
}
