package sqlcat

import (
	"testing"
	"time"

	"github.com/sohoa/sohoa"
)

func TestSealPending(t *testing.T) {
	secret := make([]byte, sohoa.AuditKeySize)
	key, err := sohoa.NewAuditKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	pending := func(id int64, keyID string, forge bool) PendingAudit {
		p := PendingAudit{ID: id, Entry: sohoa.AuditEntry{At: at.Add(time.Duration(id) * time.Second), Actor: "a", Action: "b", Object: "o", Details: []byte(`{}`), KeyID: keyID}}
		if keyID != "" {
			p.MAC = PendingMAC(key, &p.Entry)
		}
		if forge {
			p.Entry.Actor = "mallory" // edited after the MAC
		}
		return p
	}

	// Unkeyed head: unkeyed entries chain; a keyed one is rejected.
	head := &sohoa.AuditHead{Seq: 0, Hash: sohoa.GenesisHash}
	s, err := SealPending(head, nil, []PendingAudit{pending(1, "", false), pending(2, key.ID(), false), pending(3, "", false)})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Entries) != 2 || s.IDs[0] != 1 || s.IDs[1] != 3 || len(s.Rejected) != 1 || s.Rejected[2] == "" {
		t.Fatalf("unkeyed: %+v", s)
	}
	if e := s.Entries[1]; e.Seq != 2 || e.PrevHash != s.Entries[0].Hash || e.Hash != e.ComputeHash(nil) || !e.At.Equal(at.Add(3*time.Second)) {
		t.Errorf("second entry: %+v", e)
	}
	if s.Head.Seq != 2 || s.Head.Hash != s.Entries[1].Hash || s.Head.KeyID != "" {
		t.Errorf("head: %+v", s.Head)
	}

	// Keyed head: entries with a valid MAC chain keyed; unkeyed or edited
	// ones are rejected.
	head = &sohoa.AuditHead{Seq: 2, Hash: s.Head.Hash}
	head.SealWith(key)
	s, err = SealPending(head, key, []PendingAudit{pending(4, key.ID(), false), pending(5, "", false), pending(6, key.ID(), true), pending(7, key.ID(), false)})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Entries) != 2 || s.IDs[0] != 4 || s.IDs[1] != 7 || len(s.Rejected) != 2 {
		t.Fatalf("keyed: %+v", s)
	}
	for _, e := range s.Entries {
		if e.KeyID != key.ID() || e.Hash != e.ComputeHash(key) {
			t.Errorf("keyed entry: %+v", e)
		}
	}
	if s.Head.Seq != 4 || s.Head.CheckKey(key) != nil {
		t.Errorf("head: %+v", s.Head)
	}

	// A head that does not accept the key: nothing is sealed.
	if _, err := SealPending(head, nil, []PendingAudit{pending(8, "", false)}); err == nil {
		t.Error("sealed after a keyed head without the key")
	}
}
