package web

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/sohoa/sohoa"
)

// Audit actions of user and token administration: the same as the CLI's
// `sohoa user` and `sohoa token` commands write.
const (
	auditUserCreate   = "user.create"
	auditUserUpdate   = "user.update"
	auditUserPassword = "user.password"
	auditUserDisable  = "user.disable"
	auditUserEnable   = "user.enable"
	auditTokenCreate  = "token.create"
	auditTokenRevoke  = "token.revoke"
)

// userList is the answer of GET /api/v1/users.
type userList struct {
	Items []*sohoa.User `json:"items"`
}

// tokenList is the answer of GET /api/v1/users/{username}/tokens.
type tokenList struct {
	Items []*sohoa.APIToken `json:"items"`
}

// createUserRequest is the body of POST /api/v1/users.
type createUserRequest struct {
	Username    string       `json:"username"`
	DisplayName string       `json:"display_name"`
	Roles       []sohoa.Role `json:"roles"`
	UnitScopes  []string     `json:"unit_scopes"`
	// Password is optional: without it the user signs in only with API
	// tokens (like `sohoa user add --no-password`).
	Password string `json:"password"`
}

// updateUserRequest is the body of PATCH /api/v1/users/{username}; absent
// fields stay as they are.
type updateUserRequest struct {
	DisplayName *string       `json:"display_name"`
	Roles       *[]sohoa.Role `json:"roles"`
	UnitScopes  *[]string     `json:"unit_scopes"`
	Disabled    *bool         `json:"disabled"`
}

// passwordRequest is the body of POST /api/v1/users/{username}/password.
type passwordRequest struct {
	Password string `json:"password"`
}

// createTokenRequest is the body of POST /api/v1/users/{username}/tokens.
type createTokenRequest struct {
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// createdToken is the answer of POST /api/v1/users/{username}/tokens: the
// plaintext is shown only this once.
type createdToken struct {
	*sohoa.APIToken
	Token string `json:"token"`
}

// audit appends an administrative change by the request's principal.
func auditAdmin(ctx context.Context, tx sohoa.Catalog, action, object string, details any) error {
	e := &sohoa.AuditEntry{Actor: principalFrom(ctx).Actor(), Action: action, Object: object}
	if details != nil {
		b, err := json.Marshal(details)
		if err != nil {
			return err
		}
		e.Details = b
	}
	return tx.AppendAudit(ctx, e)
}

// pathUser is the {username} path value, validated.
func pathUser(r *http.Request) (string, error) {
	name := r.PathValue("username")
	if err := sohoa.ValidateUsername(name); err != nil {
		return "", err
	}
	return name, nil
}

func (s *server) handleListUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.cfg.Catalog.FindUsers(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if us == nil {
		us = []*sohoa.User{}
	}
	writeJSON(w, http.StatusOK, userList{Items: us})
}

func (s *server) handleGetUser(w http.ResponseWriter, r *http.Request) {
	name, err := pathUser(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	u, err := s.cfg.Catalog.FindUserByUsername(r.Context(), name)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// handleCreateUser adds a user, with a password when one is given, and
// audits it as `sohoa user add` does, in one transaction.
func (s *server) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	var req createUserRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	u, err := s.createUser(r.Context(), req)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+url.PathEscape(u.Username))
	writeJSON(w, http.StatusCreated, u)
}

// errNoRole refuses a user without any role.
func errNoRole() error {
	return sohoa.Errorf(sohoa.EINVALID, "give the user at least one role (clerk, auditor, admin or scanner)")
}

// createUser adds a user (with a password when req has one) and its audit
// entry in one transaction, and returns the stored user. The API and the
// administration pages both create users through it.
func (s *server) createUser(ctx context.Context, req createUserRequest) (*sohoa.User, error) {
	u := &sohoa.User{Username: req.Username, DisplayName: req.DisplayName, Roles: req.Roles, UnitScopes: req.UnitScopes}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if len(u.Roles) == 0 {
		return nil, errNoRole()
	}
	if req.Password != "" {
		if err := sohoa.ValidatePassword(req.Password); err != nil {
			return nil, err
		}
	}
	err := s.cfg.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if req.Password != "" {
			if err := tx.SetPassword(ctx, u.Username, req.Password); err != nil {
				return err
			}
		}
		details := map[string]any{"roles": u.Roles, "unit_scopes": u.UnitScopes, "display_name": u.DisplayName, "password": req.Password != ""}
		return auditAdmin(ctx, tx, auditUserCreate, "user:"+u.Username, details)
	})
	if err != nil {
		return nil, err
	}
	return s.cfg.Catalog.FindUserByUsername(ctx, u.Username)
}

// handleUpdateUser changes a user's display name, roles, scopes and
// disabled state, auditing each change as the CLI does.
func (s *server) handleUpdateUser(w http.ResponseWriter, r *http.Request) {
	name, err := pathUser(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var req updateUserRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	u, err := s.updateUser(r.Context(), name, req)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// updateUser applies req's changes to the user name (ENOTFOUND when there
// is none) with their audit entries in one transaction, and returns the
// stored user. Disabling ends the user's sessions.
func (s *server) updateUser(ctx context.Context, name string, req updateUserRequest) (*sohoa.User, error) {
	if req.Roles != nil && len(*req.Roles) == 0 {
		return nil, errNoRole()
	}
	err := s.cfg.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
		if _, err := tx.FindUserByUsername(ctx, name); err != nil {
			return err
		}
		if req.DisplayName != nil || req.Roles != nil || req.UnitScopes != nil {
			u, err := tx.UpdateUser(ctx, name, sohoa.UserUpdate{DisplayName: req.DisplayName, Roles: req.Roles, UnitScopes: req.UnitScopes})
			if err != nil {
				return err
			}
			details := map[string]any{}
			if req.DisplayName != nil {
				details["display_name"] = u.DisplayName
			}
			if req.Roles != nil {
				details["roles"] = u.Roles
			}
			if req.UnitScopes != nil {
				details["unit_scopes"] = u.UnitScopes
			}
			if err := auditAdmin(ctx, tx, auditUserUpdate, "user:"+name, details); err != nil {
				return err
			}
		}
		switch {
		case req.Disabled == nil:
		case *req.Disabled:
			sessions, err := tx.DeleteUserSessions(ctx, name)
			if err != nil {
				return err
			}
			if err := tx.DisableUser(ctx, name, s.now()); err != nil {
				return err
			}
			return auditAdmin(ctx, tx, auditUserDisable, "user:"+name, map[string]any{"sessions_ended": sessions})
		default:
			if err := tx.EnableUser(ctx, name); err != nil {
				return err
			}
			return auditAdmin(ctx, tx, auditUserEnable, "user:"+name, nil)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.cfg.Catalog.FindUserByUsername(ctx, name)
}

// handleSetPassword sets a user's password (ending their sessions) as
// `sohoa user passwd` does.
func (s *server) handleSetPassword(w http.ResponseWriter, r *http.Request) {
	name, err := pathUser(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var req passwordRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.setUserPassword(r.Context(), name, req.Password); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// setUserPassword sets a user's password (ending their sessions) with
// its audit entry in one transaction.
func (s *server) setUserPassword(ctx context.Context, name, password string) error {
	if err := sohoa.ValidatePassword(password); err != nil {
		return err
	}
	return s.cfg.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
		if err := tx.SetPassword(ctx, name, password); err != nil {
			return err
		}
		return auditAdmin(ctx, tx, auditUserPassword, "user:"+name, nil)
	})
}

func (s *server) handleListTokens(w http.ResponseWriter, r *http.Request) {
	name, err := pathUser(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ctx := r.Context()
	if _, err := s.cfg.Catalog.FindUserByUsername(ctx, name); err != nil {
		s.apiError(w, r, err)
		return
	}
	toks, err := s.cfg.Catalog.FindAPITokens(ctx, name)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if toks == nil {
		toks = []*sohoa.APIToken{}
	}
	writeJSON(w, http.StatusOK, tokenList{Items: toks})
}

// handleCreateToken issues an API token and answers its plaintext, once,
// auditing it as `sohoa token add` does.
func (s *server) handleCreateToken(w http.ResponseWriter, r *http.Request) {
	name, err := pathUser(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var req createTokenRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	tok, plain, err := s.createToken(r.Context(), name, req)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, createdToken{APIToken: tok, Token: plain})
}

// createToken issues an API token for the user name with its audit entry
// in one transaction, and returns it with its plaintext (shown once).
func (s *server) createToken(ctx context.Context, name string, req createTokenRequest) (*sohoa.APIToken, string, error) {
	if req.ExpiresAt != nil && !req.ExpiresAt.After(s.now()) {
		return nil, "", sohoa.Errorf(sohoa.EINVALID, "expires_at is in the past")
	}
	var tok *sohoa.APIToken
	var plain string
	err := s.cfg.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
		if _, err := tx.FindUserByUsername(ctx, name); err != nil {
			return err
		}
		var err error
		tok, plain, err = tx.CreateAPIToken(ctx, name, req.Name, req.ExpiresAt)
		if err != nil {
			return err
		}
		details := map[string]any{"username": tok.Username, "name": tok.Name}
		if tok.ExpiresAt != nil {
			details["expires_at"] = tok.ExpiresAt.Format(time.RFC3339)
		}
		return auditAdmin(ctx, tx, auditTokenCreate, "api_token:"+strconv.FormatInt(tok.ID, 10), details)
	})
	if err != nil {
		return nil, "", err
	}
	return tok, plain, nil
}

// handleRevokeToken deletes an API token as `sohoa token revoke` does.
func (s *server) handleRevokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.apiError(w, r, sohoa.Errorf(sohoa.EINVALID, "token ID %.20q: want a positive number", r.PathValue("id")))
		return
	}
	if err := s.revokeToken(r.Context(), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// revokeToken deletes an API token (ENOTFOUND when there is none) with its
// audit entry in one transaction.
func (s *server) revokeToken(ctx context.Context, id int64) error {
	return s.cfg.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
		if err := tx.RevokeAPIToken(ctx, id); err != nil {
			return err
		}
		return auditAdmin(ctx, tx, auditTokenRevoke, "api_token:"+strconv.FormatInt(id, 10), nil)
	})
}

// TrustAnchor is one certificate the server verifies signatures against,
// with where it came from (a file or directory, "built-in", …).
type TrustAnchor struct {
	Cert   *x509.Certificate
	Source string
}

// TrustAnchorSource lists the server's trust anchors for
// GET /api/v1/trust-anchors.
type TrustAnchorSource interface {
	TrustAnchors(ctx context.Context) ([]TrustAnchor, error)
}

// StaticTrustAnchors is a fixed list of trust anchors.
type StaticTrustAnchors []TrustAnchor

// TrustAnchors implements TrustAnchorSource.
func (l StaticTrustAnchors) TrustAnchors(context.Context) ([]TrustAnchor, error) { return l, nil }

// TrustAnchorsFrom labels certificates loaded from source (e.g. what
// verify.LoadTrustAnchors(dir) returned, with source dir).
func TrustAnchorsFrom(source string, certs []*x509.Certificate) StaticTrustAnchors {
	out := make(StaticTrustAnchors, len(certs))
	for i, c := range certs {
		out[i] = TrustAnchor{Cert: c, Source: source}
	}
	return out
}

// trustAnchorJSON is one anchor in GET /api/v1/trust-anchors.
type trustAnchorJSON struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	SHA256    string    `json:"sha256"`
	Source    string    `json:"source"`
	// Valid says whether now is within the validity period.
	Valid bool `json:"valid"`
}

type trustAnchorList struct {
	Items []trustAnchorJSON `json:"items"`
}

// handleTrustAnchors lists the anchors the server verifies with.
func (s *server) handleTrustAnchors(w http.ResponseWriter, r *http.Request) {
	items, err := s.trustAnchorItems(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, trustAnchorList{Items: items})
}

// trustAnchorItems describes the configured trust anchors (none without a
// source), for the API and the administration page.
func (s *server) trustAnchorItems(ctx context.Context) ([]trustAnchorJSON, error) {
	items := []trustAnchorJSON{}
	if s.cfg.API.TrustAnchors == nil {
		return items, nil
	}
	as, err := s.cfg.API.TrustAnchors.TrustAnchors(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, a := range as {
		if a.Cert == nil {
			continue
		}
		sum := sha256.Sum256(a.Cert.Raw)
		items = append(items, trustAnchorJSON{
			Subject: a.Cert.Subject.String(), Issuer: a.Cert.Issuer.String(), Serial: a.Cert.SerialNumber.Text(16),
			NotBefore: a.Cert.NotBefore.UTC(), NotAfter: a.Cert.NotAfter.UTC(),
			SHA256: hex.EncodeToString(sum[:]), Source: a.Source,
			Valid: !now.Before(a.Cert.NotBefore) && !now.After(a.Cert.NotAfter),
		})
	}
	return items, nil
}
