// Package source owns how files outside sohoa become ingestion requests:
// the file-name conventions that say which dossier and component a file
// belongs to, the bulk-import manifest (CSV), the walker that expands the
// paths given to `sohoa ingest`, the journal that lets an interrupted import
// skip the files it already stored, and the hot-folder watcher behind
// `sohoa watch`.
//
// It knows nothing about the command line and does not ingest anything
// itself: callers (cmd/sohoa) turn a Target into a pipeline.IngestRequest.
// Nothing here moves or deletes a file before the caller's handler has
// returned success, which is the caller's promise that the blob and the
// catalog row are durable.
package source
