// Package sohoa holds the domain of the sohoa digitization system: the types
// every other package shares (units, dossiers, documents, verification
// summaries, periods, users) and the error codes they report. It imports no
// drivers; adapters live under storage/, the verifier under verify/.
package sohoa
