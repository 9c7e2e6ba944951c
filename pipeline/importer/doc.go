// Package importer runs a bulk import: the files and folders (or the
// manifest) a caller names go into their dossiers through pipeline.Ingest,
// and the run reports what happened to each. It owns the orchestration
// every front end that takes a batch of files shares (`sohoa ingest`
// today, a web batch upload later): the all-or-nothing checks of the
// command-line unit and procedure and of every manifest row before
// anything is stored, walking and planning, storing in parallel with the
// journal that lets a re-run skip what an earlier one stored, stopping at
// once when a store runs out of space, waiting for the workers (and
// explaining a wait that does not move), reading back what inspection and
// verification found, and the summary whose counts add up. Progress goes
// to an Events implementation; wording and layout are the caller's.
//
// It is a package of its own rather than part of pipeline/source: source
// knows files, names, manifests and the journal and never touches the
// pipeline (the hot folder hands it a callback), while an import drives a
// Pipeline end to end. Keeping it apart keeps source free of the pipeline
// and lets the importer depend on both.
package importer
