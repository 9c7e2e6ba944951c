package pipeline

import (
	"context"
	"errors"
)

// Pipeline ingests files and runs the jobs that inspect and verify them.
type Pipeline struct {
	cfg Config
}

var errTODO = errors.New("pipeline: not implemented yet")

func newPipeline(cfg Config) (*Pipeline, error)                                  { return &Pipeline{cfg: cfg}, nil }
func (p *Pipeline) ingest(context.Context, IngestRequest) (*IngestResult, error) { return nil, errTODO }
func (p *Pipeline) start(context.Context) error                                  { return errTODO }
func (p *Pipeline) stop(context.Context) error                                   { return nil }
func (p *Pipeline) waitDocuments(context.Context, []int64) error                 { return errTODO }
func (p *Pipeline) status(context.Context, string) (*DossierStatus, error)       { return nil, errTODO }
