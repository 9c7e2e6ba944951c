// Package web owns sohoa's HTTP front end: the server's handler (routes,
// middleware, health, readiness and metrics endpoints) and, as it grows,
// the JSON API under /api/v1 and the server-rendered UI.
//
// One handler per file. Handlers depend on small interfaces declared here
// (Pipeline, Checker), never on storage drivers, so the same handler runs
// over the embedded default and PostgreSQL + S3. The server keeps no state
// of its own beyond metrics: several processes may serve one catalog
// behind a load balancer.
package web
