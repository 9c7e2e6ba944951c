package catalogtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// auditKey is a fixed test key; n tells keys apart.
func auditKey(t *testing.T, n byte) *sohoa.AuditKey {
	t.Helper()
	secret := make([]byte, sohoa.AuditKeySize)
	for i := range secret {
		secret[i] = n*31 + byte(i)
	}
	k, err := sohoa.NewAuditKey(secret)
	require.NoError(t, err)
	return k
}

// keyedLog is a catalog whose log has two rows from before its key, then
// the audit.key row sealing puts in, then three keyed rows; it returns the
// catalog holding the key.
func (s *suite) keyedLog(t *testing.T) (sohoa.Catalog, *sohoa.AuditKey) {
	t.Helper()
	old := s.newCatalog(t)
	s.appendN(t, old, 2)
	key := auditKey(t, 1)
	c := s.tamper.Reopen(t, old, key)
	require.NoError(t, c.SealAuditHead(t.Context(), key))
	s.appendN(t, c, 3)
	return c, key
}

func (s *suite) allEntries(t *testing.T, c sohoa.Catalog) []*sohoa.AuditEntry {
	t.Helper()
	es, err := c.FindAuditEntries(t.Context(), sohoa.AuditFilter{Limit: sohoa.MaxPageSize})
	require.NoError(t, err)
	return es
}

func (s *suite) testAuditKeyed(t *testing.T) {
	ctx := t.Context()
	old := s.newCatalog(t)
	s.appendN(t, old, 2)
	key, other := auditKey(t, 1), auditKey(t, 2)
	c := s.tamper.Reopen(t, old, key)

	// A key is put in service by sealing the head first: until then the
	// keyed catalog refuses to append (the head could have been reset).
	err := c.AppendAudit(ctx, &sohoa.AuditEntry{Actor: "a", Action: "b"})
	assert.ErrorIs(t, err, sohoa.ErrAuditHeadInvalid)
	require.NoError(t, c.SealAuditHead(ctx, key))
	require.NoError(t, c.SealAuditHead(ctx, key), "sealing again with the same key changes nothing")
	head, err := c.ReadAuditHead(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(3), head.Seq, "sealing appended the first keyed row")
	assert.Equal(t, key.ID(), head.KeyID)
	assert.NoError(t, head.CheckKey(key))
	got := s.allEntries(t, c)
	require.Len(t, got, 3)
	assert.Equal(t, sohoa.AuditKeyInService, got[2].Action)
	assert.Equal(t, key.ID(), got[2].KeyID)
	assert.Equal(t, got[1].Hash, got[2].PrevHash, "it seals the unkeyed rows")
	assert.JSONEq(t, `{"key_id":"`+key.ID()+`","unkeyed_rows":2}`, string(got[2].Details))

	es := s.appendN(t, c, 3)
	assert.Equal(t, key.ID(), es[0].KeyID)
	assert.Equal(t, es[0].ComputeHash(key), es[0].Hash)
	got = s.allEntries(t, c)
	require.Len(t, got, 6)
	assert.Empty(t, got[1].KeyID)
	assert.Equal(t, es[2], got[5], "the key ID is stored with the row")

	res, err := c.VerifyAuditChain(ctx)
	require.NoError(t, err)
	assert.True(t, res.OK, "%+v", res)
	assert.Equal(t, int64(6), res.Entries)
	assert.Equal(t, int64(3), res.FirstKeyedSeq)
	assert.Equal(t, key.ID(), res.KeyID)

	// Without the key: no append, no verification.
	nokey := s.tamper.Reopen(t, c, nil)
	assert.ErrorIs(t, nokey.AppendAudit(ctx, &sohoa.AuditEntry{Actor: "a", Action: "b"}), sohoa.ErrAuditKeyRequired)
	_, err = nokey.VerifyAuditChain(ctx)
	assert.ErrorIs(t, err, sohoa.ErrAuditKeyRequired)
	_, err = nokey.VerifyAudit(ctx)
	assert.ErrorIs(t, err, sohoa.ErrAuditKeyRequired)

	// Another key: refused, and it cannot take the log over.
	wrong := s.tamper.Reopen(t, c, other)
	assert.ErrorIs(t, wrong.AppendAudit(ctx, &sohoa.AuditEntry{Actor: "a", Action: "b"}), sohoa.ErrAuditKeyMismatch)
	assert.ErrorIs(t, wrong.SealAuditHead(ctx, other), sohoa.ErrAuditKeyMismatch)
	res, err = wrong.VerifyAuditChain(ctx)
	require.NoError(t, err)
	assert.False(t, res.OK)

	head2, err := c.ReadAuditHead(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(6), head2.Seq, "nothing was appended by the refused calls")

	// A keyed row in a transaction that rolls back leaves the head as it was.
	errBoom := fmt.Errorf("boom")
	assert.ErrorIs(t, c.WithTx(ctx, func(tx sohoa.Catalog) error {
		require.NoError(t, tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: "a", Action: "b"}))
		return errBoom
	}), errBoom)
	res, err = c.VerifyAuditChain(ctx)
	require.NoError(t, err)
	assert.True(t, res.OK, "%+v", res)
	assert.Equal(t, int64(6), res.Entries)
}

// rewriteUnkeyed rewrites rows from index i on as an attacker without the
// key can: each linked to the one before and hashed with SHA-256, with
// the key ID cleared (keep: left as it was, and SHA-256 over the keyed
// encoding), then moves the head to the last row, clearing its seal
// unless keepSeal.
func (s *suite) rewriteUnkeyed(t *testing.T, c sohoa.Catalog, es []*sohoa.AuditEntry, i int, keep, keepSeal bool) {
	t.Helper()
	for ; i < len(es); i++ {
		e := es[i]
		if i > 0 {
			e.PrevHash = es[i-1].Hash
		}
		if keep {
			prev, _ := hex.DecodeString(e.PrevHash)
			sum := sha256.Sum256(append(prev, e.CanonicalBytes()...))
			e.Hash = hex.EncodeToString(sum[:])
		} else {
			e.KeyID = ""
			e.Hash = e.ComputeHash(nil)
		}
		s.tamper.Exec(t, c, `UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ?, key_id = ? WHERE seq = ?`, e.Actor, e.PrevHash, e.Hash, e.KeyID, e.Seq)
	}
	last := es[len(es)-1]
	if keepSeal {
		s.tamper.Exec(t, c, `UPDATE audit_head SET seq = ?, hash = ?`, last.Seq, last.Hash)
	} else {
		s.tamper.Exec(t, c, `UPDATE audit_head SET seq = ?, hash = ?, key_id = '', mac = ''`, last.Seq, last.Hash)
	}
}

func (s *suite) testAuditKeyedTampering(t *testing.T) {
	genesis := sohoa.GenesisHash
	for _, tc := range []struct {
		name    string
		tamper  func(t *testing.T, c sohoa.Catalog)
		wantSeq int64 // 0: any
		// keyedLeft: keyed rows remain, so a verifier without the key
		// cannot read the log as intact either.
		keyedLeft bool
		// headHolds: the head's seal still holds (the break is inside
		// the chain), so appends go on; otherwise they are refused.
		headHolds bool
		// resealable: nothing keyed is left and the head is unsealed, so
		// the catalog alone cannot tell the log from one never keyed:
		// SealAuditHead would seal it. The key file is what tells
		// (sohoa seals only with a key it has just made).
		resealable bool
	}{
		{name: "keyed row edited, chain and head recomputed without the key", tamper: func(t *testing.T, c sohoa.Catalog) {
			es := s.allEntries(t, c)
			es[3].Actor = "mallory"
			s.rewriteUnkeyed(t, c, es, 3, false, false)
		}, wantSeq: 4, keyedLeft: true},
		{name: "keyed row edited, rehashed keeping its key ID, head moved keeping the seal", tamper: func(t *testing.T, c sohoa.Catalog) {
			es := s.allEntries(t, c)
			es[3].Actor = "mallory"
			s.rewriteUnkeyed(t, c, es, 3, true, true)
		}, wantSeq: 4, keyedLeft: true},
		{name: "every row rewritten unkeyed, head unsealed", tamper: func(t *testing.T, c sohoa.Catalog) {
			es := s.allEntries(t, c)
			es[0].Actor = "mallory"
			s.rewriteUnkeyed(t, c, es, 0, false, false)
		}, resealable: true},
		{name: "unkeyed row edited, recomputed up to the first keyed row", tamper: func(t *testing.T, c sohoa.Catalog) {
			es := s.allEntries(t, c)
			es[0].Actor = "mallory"
			s.rewriteUnkeyed(t, c, es[:2], 0, false, true)
			s.tamper.Exec(t, c, `UPDATE audit_log SET prev_hash = ? WHERE seq = 3`, es[1].Hash)
			s.tamper.Exec(t, c, `UPDATE audit_head SET seq = 6, hash = ?`, s.allEntries(t, c)[5].Hash)
		}, wantSeq: 3, keyedLeft: true, headHolds: true},
		{name: "tail cut and head moved back", tamper: func(t *testing.T, c sohoa.Catalog) {
			es := s.allEntries(t, c)
			s.tamper.Exec(t, c, `DELETE FROM audit_log WHERE seq > 4`)
			s.tamper.Exec(t, c, `UPDATE audit_head SET seq = ?, hash = ?`, es[3].Seq, es[3].Hash)
		}, wantSeq: 4, keyedLeft: true},
		{name: "tail cut back to the unkeyed rows, head unsealed", tamper: func(t *testing.T, c sohoa.Catalog) {
			es := s.allEntries(t, c)
			s.tamper.Exec(t, c, `DELETE FROM audit_log WHERE seq > 2`)
			s.tamper.Exec(t, c, `UPDATE audit_head SET seq = ?, hash = ?, key_id = '', mac = ''`, es[1].Seq, es[1].Hash)
		}, resealable: true},
		{name: "every row deleted, head reset", tamper: func(t *testing.T, c sohoa.Catalog) {
			s.tamper.Exec(t, c, `DELETE FROM audit_log`)
			s.tamper.Exec(t, c, `UPDATE audit_head SET seq = 0, hash = ?, key_id = '', mac = ''`, genesis)
		}, wantSeq: 1, resealable: true},
		{name: "head unsealed", tamper: func(t *testing.T, c sohoa.Catalog) {
			s.tamper.Exec(t, c, `UPDATE audit_head SET key_id = '', mac = ''`)
		}, keyedLeft: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			c, key := s.keyedLog(t)
			tc.tamper(t, c)
			res, err := c.VerifyAuditChain(ctx)
			require.NoError(t, err)
			assert.False(t, res.OK, "%+v", res)
			if tc.wantSeq != 0 {
				assert.Equal(t, tc.wantSeq, res.FirstBrokenSeq, "%+v", res)
			}
			assert.NotEmpty(t, res.Problem)
			res, err = c.VerifyAudit(ctx)
			require.NoError(t, err)
			assert.False(t, res.OK)

			if tc.keyedLeft {
				res, err := s.tamper.Reopen(t, c, nil).VerifyAuditChain(ctx)
				if err == nil {
					assert.False(t, res.OK, "without the key: %+v", res)
				} else {
					assert.ErrorIs(t, err, sohoa.ErrAuditKeyRequired)
				}
			}

			// Appending does not seal the tampering over: it is refused
			// unless the head holds, and the break stays visible.
			err = c.AppendAudit(ctx, &sohoa.AuditEntry{Actor: "system:pipeline", Action: "test.append"})
			if tc.headHolds {
				require.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, sohoa.ErrAuditHeadInvalid)
			}
			err = c.SealAuditHead(ctx, key)
			if tc.resealable {
				require.NoError(t, err)
				return
			}
			if !tc.headHolds {
				assert.ErrorIs(t, err, sohoa.ErrAuditHeadInvalid, "sealing again is refused")
			}
			res, err = c.VerifyAuditChain(ctx)
			require.NoError(t, err)
			assert.False(t, res.OK, "%+v", res)
		})
	}
}

func (s *suite) testAuditKeyedConcurrent(t *testing.T) {
	c := s.newCatalog(t)
	key := auditKey(t, 3)
	c = s.tamper.Reopen(t, c, key)
	require.NoError(t, c.SealAuditHead(t.Context(), key))
	const workers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				errs <- c.WithTx(t.Context(), func(tx sohoa.Catalog) error {
					return tx.AppendAudit(t.Context(), &sohoa.AuditEntry{Actor: fmt.Sprintf("w%d", w), Action: "test.append"})
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	res, err := c.VerifyAudit(t.Context())
	require.NoError(t, err)
	assert.True(t, res.OK, "%+v", res)
	assert.Equal(t, int64(1+workers*each), res.Entries)
	assert.Equal(t, int64(1), res.FirstKeyedSeq)
}

// crossFixture is a catalog whose log records what the pipeline records:
// a dossier created, two documents ingested, their inspections and
// verifications (after one verification from before results were
// logged), and the dossier's digitization state change.
type crossFixture struct {
	c                   sohoa.Catalog
	doc1, doc2          *sohoa.Document
	in1, in2            *sohoa.Inspection
	legacy, ver1, ver2  *sohoa.Verification
	ingest1, results1   int64 // their entries' seqs
	createSeq, stateSeq int64
}

func (s *suite) crossFixture(t *testing.T) *crossFixture {
	t.Helper()
	ctx := t.Context()
	f := &crossFixture{c: s.fixture(t)}
	c := f.c
	appendJSON := func(action, object string, details any) int64 {
		b, err := json.Marshal(details)
		require.NoError(t, err)
		e := &sohoa.AuditEntry{Actor: "clerk1", Action: action, Object: object, Details: b}
		require.NoError(t, c.AppendAudit(ctx, e))
		return e.Seq
	}
	s.dossier(t, c, "D-AUD", "OSS1", base)
	f.createSeq = appendJSON(sohoa.AuditDossierCreate, "dossier:D-AUD", map[string]any{"unit": "OSS1", "procedure": "1.001", "received_at": base, "source": "web"})
	ingest := func(n int) (*sohoa.Document, int64) {
		d := s.document(t, c, "D-AUD", n)
		return d, appendJSON(sohoa.AuditDocumentIngest, "document:"+strconv.FormatInt(d.ID, 10), map[string]any{
			"dossier": d.DossierCode, "sha256": d.BlobKey, "size": d.Size, "file_name": d.FileName, "role": d.Role,
			"source": d.Source, "blob_created": true, "component": d.ComponentName})
	}
	f.doc1, f.ingest1 = ingest(1)
	f.doc2, _ = ingest(2)
	verification := func(doc *sohoa.Document, ind, sub string) *sohoa.Verification {
		v := &sohoa.Verification{DocumentID: doc.ID, Indication: ind, SubIndication: sub, ReportJSON: json.RawMessage(`{}`), VerifierVersion: "1"}
		require.NoError(t, c.CreateVerification(ctx, v))
		return v
	}
	inspection := func(doc *sohoa.Document, o sohoa.InspectionOutcome) *sohoa.Inspection {
		in := &sohoa.Inspection{DocumentID: doc.ID, Outcome: o, PolicyName: "default", InspectorVersion: "1"}
		require.NoError(t, c.CreateInspection(ctx, in))
		return in
	}
	results := func(doc *sohoa.Document, in *sohoa.Inspection, v *sohoa.Verification) int64 {
		e, err := sohoa.NewAuditResults("system:pipeline", doc, in, v)
		require.NoError(t, err)
		require.NoError(t, c.AppendAudit(ctx, e))
		return e.Seq
	}
	f.legacy = verification(f.doc1, sohoa.IndicationIndeterminate, "TRY_LATER") // from before results were logged
	f.in1, f.ver1 = inspection(f.doc1, sohoa.InspectionFail), verification(f.doc1, sohoa.IndicationTotalFailed, "HASH_FAILURE")
	f.results1 = results(f.doc1, f.in1, f.ver1)
	f.in2, f.ver2 = inspection(f.doc2, sohoa.InspectionOK), verification(f.doc2, sohoa.IndicationTotalPassed, "")
	results(f.doc2, f.in2, nil)
	results(f.doc2, nil, f.ver2)
	digitized := sohoa.DigitizationDigitized
	_, err := c.UpdateDossier(ctx, "D-AUD", sohoa.DossierUpdate{DigitizationState: &digitized})
	require.NoError(t, err)
	f.stateSeq = appendJSON(sohoa.AuditDossierState, "dossier:D-AUD", map[string]any{"from": "incomplete", "to": "digitized", "missing": []string{}})
	return f
}

func (s *suite) testAuditCrossCheck(t *testing.T) {
	f := s.crossFixture(t)
	res, err := f.c.VerifyAudit(t.Context())
	require.NoError(t, err)
	require.NotNil(t, res.CrossCheck)
	assert.True(t, res.OK, "%+v", res.CrossCheck)
	assert.Empty(t, res.CrossCheck.Mismatches)
	assert.Equal(t, 2, res.CrossCheck.Documents)
	assert.Equal(t, 1, res.CrossCheck.Dossiers)
	assert.Equal(t, 2, res.CrossCheck.Inspections)
	assert.Equal(t, 2, res.CrossCheck.Verifications)
	assert.Equal(t, 1, res.CrossCheck.UncheckedVerifications, "the verification from before the log kept verdicts")
	chain, err := f.c.VerifyAuditChain(t.Context())
	require.NoError(t, err)
	assert.Nil(t, chain.CrossCheck)

	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, tc := range []struct {
		name   string
		tamper func(t *testing.T, f *crossFixture)
		want   func(f *crossFixture) []sohoa.AuditMismatch
	}{
		{"document pointed at another blob", func(t *testing.T, f *crossFixture) {
			s.tamper.Exec(t, f.c, `UPDATE documents SET blob_key = ? WHERE id = ?`, key(9), f.doc1.ID)
		}, func(f *crossFixture) []sohoa.AuditMismatch {
			return []sohoa.AuditMismatch{{Seq: f.ingest1, Object: "document:" + id(f.doc1.ID), Field: "sha256", Log: key(1), Catalog: key(9)}}
		}},
		{"document moved to another dossier", func(t *testing.T, f *crossFixture) {
			s.dossier(t, f.c, "D-OTHER", "OSS2", base)
			s.tamper.Exec(t, f.c, `UPDATE documents SET dossier_code = 'D-OTHER' WHERE id = ?`, f.doc1.ID)
		}, func(f *crossFixture) []sohoa.AuditMismatch {
			return []sohoa.AuditMismatch{{Seq: f.ingest1, Object: "document:" + id(f.doc1.ID), Field: "dossier", Log: "D-AUD", Catalog: "D-OTHER"}}
		}},
		{"TOTAL_FAILED turned into TOTAL_PASSED", func(t *testing.T, f *crossFixture) {
			s.tamper.Exec(t, f.c, `UPDATE verifications SET indication = 'TOTAL_PASSED', sub_indication = '' WHERE id = ?`, f.ver1.ID)
		}, func(f *crossFixture) []sohoa.AuditMismatch {
			obj := "verification:" + id(f.ver1.ID)
			return []sohoa.AuditMismatch{
				{Seq: f.results1, Object: obj, Field: "indication", Log: "TOTAL_FAILED", Catalog: "TOTAL_PASSED"},
				{Seq: f.results1, Object: obj, Field: "sub_indication", Log: "HASH_FAILURE", Catalog: `""`},
			}
		}},
		{"latest verification deleted", func(t *testing.T, f *crossFixture) {
			s.tamper.Exec(t, f.c, `DELETE FROM verifications WHERE id = ?`, f.ver1.ID)
		}, func(f *crossFixture) []sohoa.AuditMismatch {
			return []sohoa.AuditMismatch{{Seq: f.results1, Object: "verification:" + id(f.ver1.ID), Field: "row",
				Log: "TOTAL_FAILED/HASH_FAILURE for document:" + id(f.doc1.ID), Catalog: sohoa.AuditAbsent}}
		}},
		{"verification added", func(t *testing.T, f *crossFixture) {
			s.tamper.Exec(t, f.c, `INSERT INTO verifications (document_id, indication, sub_indication, report, verifier_version, trust_anchors_sha256, created_at)
				VALUES (?, 'TOTAL_PASSED', '', '{}', '1', '', '2026-01-10T02:00:00.000000Z')`, f.doc1.ID)
		}, func(f *crossFixture) []sohoa.AuditMismatch {
			return []sohoa.AuditMismatch{{Object: "verification:" + id(f.ver2.ID+1), Field: "row", Log: sohoa.AuditAbsent,
				Catalog: "TOTAL_PASSED for document:" + id(f.doc1.ID)}}
		}},
		{"inspection outcome changed", func(t *testing.T, f *crossFixture) {
			s.tamper.Exec(t, f.c, `UPDATE inspections SET outcome = 'ok' WHERE id = ?`, f.in1.ID)
		}, func(f *crossFixture) []sohoa.AuditMismatch {
			return []sohoa.AuditMismatch{{Seq: f.results1, Object: "inspection:" + id(f.in1.ID), Field: "outcome", Log: "fail", Catalog: "ok"}}
		}},
		{"dossier state flipped", func(t *testing.T, f *crossFixture) {
			s.tamper.Exec(t, f.c, `UPDATE dossiers SET digitization_state = 'incomplete' WHERE code = 'D-AUD'`)
		}, func(f *crossFixture) []sohoa.AuditMismatch {
			return []sohoa.AuditMismatch{{Seq: f.stateSeq, Object: "dossier:D-AUD", Field: "digitization_state", Log: "digitized", Catalog: "incomplete"}}
		}},
		{"dossier moved to another unit", func(t *testing.T, f *crossFixture) {
			s.tamper.Exec(t, f.c, `UPDATE dossiers SET unit_code = 'OSS3' WHERE code = 'D-AUD'`)
		}, func(f *crossFixture) []sohoa.AuditMismatch {
			return []sohoa.AuditMismatch{{Seq: f.createSeq, Object: "dossier:D-AUD", Field: "unit", Log: "OSS1", Catalog: "OSS3"}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := s.crossFixture(t)
			tc.tamper(t, f)
			res, err := f.c.VerifyAudit(t.Context())
			require.NoError(t, err)
			assert.False(t, res.OK)
			assert.Empty(t, res.Problem, "the chain itself holds")
			assert.Equal(t, tc.want(f), res.CrossCheck.Mismatches)
			chain, err := f.c.VerifyAuditChain(t.Context())
			require.NoError(t, err)
			assert.True(t, chain.OK, "the chain alone cannot see it")
		})
	}
}
