package main

import (
	"context"
	"fmt"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/web"
)

// firstAdminName is the administrator serve creates in a catalog with no
// user at all.
const firstAdminName = "admin"

// ensureFirstAdmin gives a catalog without any user an administrator, so
// the web UI can be signed in to at all: "admin" with a generated
// password, printed once to stderr (never logged, never stored in clear)
// and audited. A catalog with any user is left alone, so the password is
// printed on the first start only. Two servers starting together over one
// empty catalog race on the username: the loser finds it taken and says
// nothing.
func ensureFirstAdmin(ctx context.Context, e *env, cat sohoa.Catalog) error {
	users, err := cat.FindUsers(ctx)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return nil
	}
	password := sohoa.GeneratePassword()
	err = cat.WithTx(ctx, func(tx sohoa.Catalog) error {
		u := &sohoa.User{Username: firstAdminName, DisplayName: "Quản trị hệ thống", Roles: []sohoa.Role{sohoa.RoleAdmin}}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.SetPassword(ctx, u.Username, password); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: "system:serve", Action: "user.create", Object: "user:" + u.Username,
			Details: auditDetails(map[string]any{"roles": u.Roles, "first_start": true})})
	})
	if sohoa.Code(err) == sohoa.ECONFLICT {
		return nil // another server made it first
	}
	if err != nil {
		return fmt.Errorf("first start: create the administrator: %w", err)
	}
	fmt.Fprintf(e.stderr, "sohoa serve: first start: created administrator %s with password %s ; sign in at /dang-nhap and change it with: sohoa user passwd %s\n",
		firstAdminName, password, firstAdminName)
	return nil
}

// sweepSessions deletes ended sessions and old failed sign-ins now and
// every interval until ctx ends. Every server may do it: the deletes
// are idempotent.
func sweepSessions(ctx context.Context, e *env, cfg web.Config, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		sessions, failures, err := web.SweepSessions(ctx, cfg)
		switch {
		case err != nil && ctx.Err() == nil:
			e.log.Warn("sweeping ended sessions", "err", err)
		case sessions+failures > 0:
			e.log.Info("swept ended sessions and old failed sign-ins", "sessions", sessions, "failed_sign_ins", failures)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
