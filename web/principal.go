package web

import (
	"context"
	"net/http"

	"github.com/sohoa/sohoa"
)

// Principal is who a request acts for: a signed-in user (with their
// session) or a machine with an API token. The authentication middleware
// puts it in the request's context; handlers read it with principalFrom
// and ask it what the user may do.
type Principal struct {
	User *sohoa.User
	// SessionID is the session's stored ID (the hash of the cookie), ""
	// for a bearer token.
	SessionID string
	// CSRF is the session's CSRF secret, "" for a bearer token (tokens
	// are not sent by browsers on their own, so need none).
	CSRF string
	// Token is the API token used, nil for a session.
	Token *sohoa.APIToken
}

type principalKey struct{}

// withPrincipal returns ctx carrying p.
func withPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principalFrom returns the request's principal, nil when anonymous.
func principalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Actor is the principal as the audit log and uploaded_by name it:
// "user:NAME", whether it signed in or sent one of its API tokens (the
// token, when it matters, goes in the entry's details).
func (p *Principal) Actor() string {
	if p == nil || p.User == nil {
		return "anonymous"
	}
	return "user:" + p.User.Username
}

// Scope is what the principal may see.
func (p *Principal) Scope() sohoa.Scope {
	if p == nil || p.User == nil {
		return sohoa.Scope{}
	}
	return p.User.Scope()
}

// Can reports whether the principal has one of roles.
func (p *Principal) Can(roles ...sohoa.Role) bool {
	if p == nil || p.User == nil {
		return false
	}
	for _, r := range roles {
		if p.User.HasRole(r) {
			return true
		}
	}
	return false
}

// requireRole wraps h so that only a principal with one of roles reaches
// it: anonymous requests get 401, others without the role 403.
func (s *server) requireRole(h http.Handler, roles ...sohoa.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principalFrom(r.Context())
		switch {
		case p == nil:
			s.unauthenticated(w, r)
		case !p.Can(roles...):
			s.writeError(w, r, sohoa.Errorf(sohoa.EFORBIDDEN, "your role may not do this"))
		default:
			h.ServeHTTP(w, r)
		}
	})
}
