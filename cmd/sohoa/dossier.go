package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
)

func init() {
	register("dossier", "work on a dossier: sohoa dossier reuse CODE --component NAME --from DOCUMENT-ID", runDossier)
}

const dossierUsage = `Usage: sohoa dossier reuse CODE --component NAME --from DOCUMENT-ID

  reuse   attach, by reference, a digitized document of an earlier dossier of
          the same applicant (tái sử dụng kết quả số hóa) as the component NAME
          of dossier CODE: no new scan, no new file. Both dossiers must name
          the same applicant (applicant_id), the document's dossier must have
          been received earlier, and the document must be digitized (it passed
          inspection and its signatures passed: a certified copy or a signed
          file). The pipeline (sohoa work) inspects and verifies it again.`

func runDossier(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || isHelp(args[0]) || args[0] != "reuse" {
		if len(args) > 0 && !isHelp(args[0]) {
			fmt.Fprintf(e.stderr, "sohoa dossier: unknown subcommand %q\n", args[0])
			fmt.Fprintln(e.stderr, dossierUsage)
			return exitUsage
		}
		return subcommandUsage(e, args, dossierUsage)
	}
	return runDossierReuse(ctx, e, args[1:])
}

func runDossierReuse(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "dossier reuse", "CODE --component NAME --from DOCUMENT-ID")
	component := fs.String("component", "", "the component of the dossier's procedure the document satisfies (required)")
	from := fs.String("from", "", "the ID of the document to reuse, in an earlier dossier of the same applicant (required)")
	cfg := addStoreFlags(fs, e)
	pos, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintln(e.stderr, "sohoa dossier reuse:", statusErrText(err))
		return exitCode(err)
	}
	id, err := strconv.ParseInt(*from, 10, 64)
	if err != nil || id <= 0 {
		return fail(sohoa.Errorf(sohoa.EINVALID, "--from must be a document ID (a positive number), got %q", *from))
	}
	if *component == "" {
		return fail(sohoa.Errorf(sohoa.EINVALID, "--component is required: say which component the document satisfies"))
	}
	st, code, ok := cfg.startWith(ctx, e, "dossier reuse", openOptions{Blobs: true, Existing: true, AppendsAudit: true})
	if !ok {
		return code
	}
	defer st.Close()
	p, err := pipeline.New(pipeline.Config{Catalog: st.Catalog, Blobs: st.Blobs, Logger: e.log})
	if err != nil {
		return fail(err)
	}
	doc, err := p.Reuse(ctx, pipeline.ReuseRequest{
		DossierCode: pos[0], Component: *component, DocumentID: id, Source: sohoa.SourceAPI, Actor: cliActor(),
	})
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(e.stdout, "Reused document %d as document %d, component %q of dossier %s (same file, SHA-256 %s).\n"+
		"It is inspected and verified again by the pipeline (sohoa work); then `sohoa status %s` shows the dossier's state.\n",
		doc.ReusedFrom, doc.ID, doc.ComponentName, doc.DossierCode, doc.BlobKey, doc.DossierCode)
	return exitOK
}
