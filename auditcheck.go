package sohoa

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Audit actions whose details VerifyAudit compares with the catalog. The
// pipeline writes them; their details are the AuditDocumentDetails,
// AuditDossierDetails, AuditDigitizationDetails and AuditResultsDetails
// below.
const (
	AuditDossierCreate   = "dossier.create"
	AuditDossierState    = "dossier.digitization"
	AuditDocumentIngest  = "document.ingest"
	AuditDocumentDup     = "document.duplicate"
	AuditDocumentResults = "document.results"
	// AuditKeyInService opens the keyed part of the log (SealAuditHead).
	AuditKeyInService = "audit.key"
)

// AuditDocumentDetails is what document.ingest and document.duplicate
// entries (object "document:<id>") record about the document.
type AuditDocumentDetails struct {
	Dossier   string       `json:"dossier"`
	SHA256    string       `json:"sha256"`
	Size      *int64       `json:"size"`
	FileName  string       `json:"file_name"`
	Role      DocumentRole `json:"role"`
	Component string       `json:"component"`
}

// AuditDossierDetails is what dossier.create entries (object
// "dossier:<code>") record.
type AuditDossierDetails struct {
	Unit       string     `json:"unit"`
	Procedure  string     `json:"procedure"`
	ReceivedAt *time.Time `json:"received_at"`
}

// AuditDigitizationDetails is what dossier.digitization entries record: a
// change of the dossier's digitization state.
type AuditDigitizationDetails struct {
	From DigitizationState `json:"from"`
	To   DigitizationState `json:"to"`
}

// AuditResultsDetails is what document.results entries (object
// "document:<id>") record: the inspection and the verification one job
// stored for the document's bytes (SHA256), either of which may be absent.
type AuditResultsDetails struct {
	SHA256       string             `json:"sha256"`
	Inspection   *AuditInspection   `json:"inspection,omitempty"`
	Verification *AuditVerification `json:"verification,omitempty"`
}

// AuditInspection is an inspection as a document.results entry records it.
type AuditInspection struct {
	ID               int64             `json:"id"`
	Outcome          InspectionOutcome `json:"outcome"`
	PolicyName       string            `json:"policy_name"`
	InspectorVersion string            `json:"inspector_version"`
}

// AuditVerification is a verification as a document.results entry
// records it.
type AuditVerification struct {
	ID                 int64  `json:"id"`
	Indication         string `json:"indication"`
	SubIndication      string `json:"sub_indication"`
	VerifierVersion    string `json:"verifier_version"`
	TrustAnchorsSHA256 string `json:"trust_anchors_sha256"`
}

// NewAuditResults builds the document.results entry for what one job
// recorded for doc (in or v may be nil; they must have their IDs).
func NewAuditResults(actor string, doc *Document, in *Inspection, v *Verification) (*AuditEntry, error) {
	d := AuditResultsDetails{SHA256: doc.BlobKey}
	if in != nil {
		d.Inspection = &AuditInspection{ID: in.ID, Outcome: in.Outcome, PolicyName: in.PolicyName, InspectorVersion: in.InspectorVersion}
	}
	if v != nil {
		d.Verification = &AuditVerification{ID: v.ID, Indication: v.Indication, SubIndication: v.SubIndication,
			VerifierVersion: v.VerifierVersion, TrustAnchorsSHA256: v.TrustAnchorsSHA256}
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return &AuditEntry{Actor: actor, Action: AuditDocumentResults, Object: "document:" + strconv.FormatInt(doc.ID, 10), Details: b}, nil
}

// AuditCrossCheck is what VerifyAudit found comparing the catalog with the
// audit log: how many catalog rows it compared, how many it could not
// (results recorded before the log kept them), and every disagreement.
type AuditCrossCheck struct {
	Documents     int `json:"documents"`
	Dossiers      int `json:"dossiers"`
	Inspections   int `json:"inspections"`
	Verifications int `json:"verifications"`
	// Inspections and verifications older than the first the log records
	// (stored by a sohoa that did not log results) cannot be checked.
	UncheckedInspections   int             `json:"unchecked_inspections,omitempty"`
	UncheckedVerifications int             `json:"unchecked_verifications,omitempty"`
	Mismatches             []AuditMismatch `json:"mismatches"`
}

// AuditMismatch is one disagreement between the catalog and the log.
type AuditMismatch struct {
	Seq     int64  `json:"seq,omitempty"` // the log row saying otherwise; 0 when the log has none
	Object  string `json:"object"`        // document:12, verification:7, inspection:7, dossier:CODE
	Field   string `json:"field"`         // sha256, dossier, indication, …; "row" when one side has no row
	Log     string `json:"log"`           // what the log says
	Catalog string `json:"catalog"`       // what the catalog says
}

// AuditAbsent is what an AuditMismatch says a side holds when it has no
// row.
const AuditAbsent = "(none)"

func (m AuditMismatch) String() string {
	row := "no log row"
	if m.Seq > 0 {
		row = "log row " + strconv.FormatInt(m.Seq, 10)
	}
	return fmt.Sprintf("%s %s: %s: log says %s, catalog says %s", row, m.Object, m.Field, m.Log, m.Catalog)
}

type docFact struct {
	seq int64
	d   AuditDocumentDetails
}

type dossierFacts struct {
	createSeq int64
	create    *AuditDossierDetails
	stateSeq  int64
	state     DigitizationState
	seen      bool
}

type resultFact struct {
	seq      int64
	document int64
	ins      *AuditInspection
	ver      *AuditVerification
	seen     bool
}

// AuditCrossChecker compares catalog rows with what audit entries recorded
// about them. Feed it every entry (AddEntry), then every catalog row
// (Document, Dossier, Inspection, Verification, in any order), then call
// Finish. It keeps what the log says about every document in memory (a
// few hundred bytes each).
type AuditCrossChecker struct {
	docs     map[int64][]docFact
	seenDocs map[int64]bool
	dossiers map[string]*dossierFacts
	ins, ver map[int64]*resultFact
	// The first inspection and verification the log records: rows from
	// then on must each have their entry.
	minIns, minVer int64
	res            AuditCrossCheck
}

// NewAuditCrossChecker starts a comparison.
func NewAuditCrossChecker() *AuditCrossChecker {
	return &AuditCrossChecker{
		docs: map[int64][]docFact{}, seenDocs: map[int64]bool{}, dossiers: map[string]*dossierFacts{},
		ins: map[int64]*resultFact{}, ver: map[int64]*resultFact{},
	}
}

func objectID(object, kind string) (int64, bool) {
	s, ok := strings.CutPrefix(object, kind+":")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

func (c *AuditCrossChecker) dossier(code string) *dossierFacts {
	f := c.dossiers[code]
	if f == nil {
		f = &dossierFacts{}
		c.dossiers[code] = f
	}
	return f
}

// AddEntry takes what e records. Entries of other actions, and entries
// whose details cannot be read, are ignored (the chain check vouches for
// the rows; this compares what they say).
func (c *AuditCrossChecker) AddEntry(e *AuditEntry) {
	switch e.Action {
	case AuditDocumentIngest, AuditDocumentDup, AuditDocumentReuse:
		id, ok := objectID(e.Object, "document")
		var d AuditDocumentDetails
		if ok && json.Unmarshal(e.Details, &d) == nil {
			c.docs[id] = append(c.docs[id], docFact{seq: e.Seq, d: d})
		}
	case AuditDossierCreate:
		code, ok := strings.CutPrefix(e.Object, "dossier:")
		var d AuditDossierDetails
		if ok && json.Unmarshal(e.Details, &d) == nil {
			f := c.dossier(code)
			f.createSeq, f.create = e.Seq, &d
		}
	case AuditDossierState:
		code, ok := strings.CutPrefix(e.Object, "dossier:")
		var d AuditDigitizationDetails
		if ok && json.Unmarshal(e.Details, &d) == nil {
			f := c.dossier(code)
			f.stateSeq, f.state = e.Seq, d.To
		}
	case AuditDocumentResults:
		id, ok := objectID(e.Object, "document")
		var d AuditResultsDetails
		if !ok || json.Unmarshal(e.Details, &d) != nil {
			return
		}
		if in := d.Inspection; in != nil && in.ID > 0 {
			c.ins[in.ID] = &resultFact{seq: e.Seq, document: id, ins: in}
			if c.minIns == 0 || in.ID < c.minIns {
				c.minIns = in.ID
			}
		}
		if v := d.Verification; v != nil && v.ID > 0 {
			c.ver[v.ID] = &resultFact{seq: e.Seq, document: id, ver: v}
			if c.minVer == 0 || v.ID < c.minVer {
				c.minVer = v.ID
			}
		}
	}
}

func (c *AuditCrossChecker) mismatch(seq int64, object, field, log, catalog string) {
	c.res.Mismatches = append(c.res.Mismatches, AuditMismatch{Seq: seq, Object: object, Field: field, Log: log, Catalog: catalog})
}

// compare records a mismatch of one field when the values differ.
func (c *AuditCrossChecker) compare(seq int64, object, field, log, catalog string) {
	if log != catalog {
		c.mismatch(seq, object, field, orEmpty(log), orEmpty(catalog))
	}
}

func orEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

// Document compares a catalog document with its ingest entries.
func (c *AuditCrossChecker) Document(d *Document) {
	c.res.Documents++
	c.seenDocs[d.ID] = true
	obj := "document:" + strconv.FormatInt(d.ID, 10)
	facts := c.docs[d.ID]
	if len(facts) == 0 {
		c.mismatch(0, obj, "row", AuditAbsent, fmt.Sprintf("dossier %s, sha256 %s", d.DossierCode, d.BlobKey))
		return
	}
	for _, f := range facts {
		c.compare(f.seq, obj, "dossier", f.d.Dossier, d.DossierCode)
		c.compare(f.seq, obj, "sha256", f.d.SHA256, d.BlobKey)
		if f.d.Size != nil {
			c.compare(f.seq, obj, "size", strconv.FormatInt(*f.d.Size, 10), strconv.FormatInt(d.Size, 10))
		}
		c.compare(f.seq, obj, "file_name", f.d.FileName, d.FileName)
		c.compare(f.seq, obj, "role", string(f.d.Role), string(d.Role))
		c.compare(f.seq, obj, "component", f.d.Component, d.ComponentName)
	}
}

// Dossier compares a catalog dossier with its creation and digitization
// entries: unit, procedure and reception time as created, and the
// digitization state the last change left (incomplete when the log saw it
// created and never changed). Dossiers the log has no entry for (created
// outside the pipeline) are not compared.
func (c *AuditCrossChecker) Dossier(d *Dossier) {
	f := c.dossiers[d.Code]
	if f == nil {
		return
	}
	c.res.Dossiers++
	f.seen = true
	obj := "dossier:" + d.Code
	if cr := f.create; cr != nil {
		c.compare(f.createSeq, obj, "unit", cr.Unit, d.UnitCode)
		c.compare(f.createSeq, obj, "procedure", cr.Procedure, d.ProcedureCode)
		if cr.ReceivedAt != nil && !cr.ReceivedAt.Equal(d.ReceivedAt) {
			c.mismatch(f.createSeq, obj, "received_at", cr.ReceivedAt.UTC().Format(time.RFC3339Nano), d.ReceivedAt.UTC().Format(time.RFC3339Nano))
		}
	}
	want, seq := f.state, f.stateSeq
	if seq == 0 {
		want, seq = DigitizationIncomplete, f.createSeq
	}
	c.compare(seq, obj, "digitization_state", string(want), string(d.DigitizationState))
}

// Inspection compares a catalog inspection with its document.results
// entry.
func (c *AuditCrossChecker) Inspection(in *Inspection) {
	obj := "inspection:" + strconv.FormatInt(in.ID, 10)
	f := c.ins[in.ID]
	if f == nil {
		if c.minIns == 0 || in.ID < c.minIns {
			c.res.UncheckedInspections++
			return
		}
		c.res.Inspections++
		c.mismatch(0, obj, "row", AuditAbsent, fmt.Sprintf("%s for document:%d", in.Outcome, in.DocumentID))
		return
	}
	c.res.Inspections++
	f.seen = true
	c.compare(f.seq, obj, "document", "document:"+strconv.FormatInt(f.document, 10), "document:"+strconv.FormatInt(in.DocumentID, 10))
	c.compare(f.seq, obj, "outcome", string(f.ins.Outcome), string(in.Outcome))
	c.compare(f.seq, obj, "policy_name", f.ins.PolicyName, in.PolicyName)
	c.compare(f.seq, obj, "inspector_version", f.ins.InspectorVersion, in.InspectorVersion)
}

// Verification compares a catalog verification (its verdict; the report
// is not needed) with its document.results entry.
func (c *AuditCrossChecker) Verification(v *Verification) {
	obj := "verification:" + strconv.FormatInt(v.ID, 10)
	f := c.ver[v.ID]
	if f == nil {
		if c.minVer == 0 || v.ID < c.minVer {
			c.res.UncheckedVerifications++
			return
		}
		c.res.Verifications++
		c.mismatch(0, obj, "row", AuditAbsent, fmt.Sprintf("%s for document:%d", verdict(v.Indication, v.SubIndication), v.DocumentID))
		return
	}
	c.res.Verifications++
	f.seen = true
	c.compare(f.seq, obj, "document", "document:"+strconv.FormatInt(f.document, 10), "document:"+strconv.FormatInt(v.DocumentID, 10))
	c.compare(f.seq, obj, "indication", f.ver.Indication, v.Indication)
	c.compare(f.seq, obj, "sub_indication", f.ver.SubIndication, v.SubIndication)
	c.compare(f.seq, obj, "verifier_version", f.ver.VerifierVersion, v.VerifierVersion)
	c.compare(f.seq, obj, "trust_anchors_sha256", f.ver.TrustAnchorsSHA256, v.TrustAnchorsSHA256)
}

func verdict(ind, sub string) string {
	if sub == "" {
		return ind
	}
	return ind + "/" + sub
}

// Finish reports the rows the log records that the catalog no longer has
// (a deleted verification would let an older verdict show as the latest),
// and returns the result with mismatches in log order.
func (c *AuditCrossChecker) Finish() *AuditCrossCheck {
	for id, facts := range c.docs {
		if !c.seenDocs[id] {
			f := facts[0]
			c.mismatch(f.seq, "document:"+strconv.FormatInt(id, 10), "row", fmt.Sprintf("dossier %s, sha256 %s", f.d.Dossier, f.d.SHA256), AuditAbsent)
		}
	}
	for code, f := range c.dossiers {
		if !f.seen {
			seq := f.createSeq
			if seq == 0 {
				seq = f.stateSeq
			}
			c.mismatch(seq, "dossier:"+code, "row", "dossier "+code, AuditAbsent)
		}
	}
	for id, f := range c.ins {
		if !f.seen {
			c.mismatch(f.seq, "inspection:"+strconv.FormatInt(id, 10), "row", fmt.Sprintf("%s for document:%d", f.ins.Outcome, f.document), AuditAbsent)
		}
	}
	for id, f := range c.ver {
		if !f.seen {
			c.mismatch(f.seq, "verification:"+strconv.FormatInt(id, 10), "row", fmt.Sprintf("%s for document:%d", verdict(f.ver.Indication, f.ver.SubIndication), f.document), AuditAbsent)
		}
	}
	sort.SliceStable(c.res.Mismatches, func(i, j int) bool {
		a, b := c.res.Mismatches[i], c.res.Mismatches[j]
		if a.Seq != b.Seq { // in log order, those without a log row last
			return a.Seq != 0 && (b.Seq == 0 || a.Seq < b.Seq)
		}
		return a.Object < b.Object
	})
	if c.res.Mismatches == nil {
		c.res.Mismatches = []AuditMismatch{}
	}
	return &c.res
}
