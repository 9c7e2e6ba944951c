package web

import (
	"context"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
)

func init() {
	uiStrings[sohoa.LangVI]["reused_from"] = "Tái sử dụng từ hồ sơ"
	uiStrings[sohoa.LangEN]["reused_from"] = "Reused from dossier"
}

// markReused sets, on the files of groups attached by reuse, the code of
// the dossier the original belongs to (shown "Tái sử dụng từ hồ sơ E").
func (s *server) markReused(ctx context.Context, docs []pipeline.DocumentStatus, groups []groupView) {
	from := map[int64]string{}
	for _, doc := range docs {
		if doc.ReusedFrom == 0 {
			continue
		}
		if orig, err := s.cfg.Catalog.FindDocumentByID(ctx, doc.ReusedFrom); err == nil {
			from[doc.ID] = orig.DossierCode
		}
	}
	if len(from) == 0 {
		return
	}
	for gi := range groups {
		for fi := range groups[gi].Files {
			f := &groups[gi].Files[fi]
			f.ReusedFrom = from[f.ID]
		}
	}
}
