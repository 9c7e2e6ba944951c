package sqlcat

// KeySize is a blob key and the size of its content.
type KeySize struct {
	Key  string
	Size int64
}

// BlobKeyBatch is how many keys ForEachBlobKey reads per query; no
// connection is held while fn runs.
const BlobKeyBatch = 1000

// ForEachBlobKey calls fn for every blob key, in key order, reading them
// with batch: up to n keys after the key given.
func ForEachBlobKey(batch func(after string, n int) ([]KeySize, error), fn func(key string, size int64) error) error {
	after := ""
	for {
		keys, err := batch(after, BlobKeyBatch)
		if err != nil {
			return err
		}
		for _, x := range keys {
			if err := fn(x.Key, x.Size); err != nil {
				return err
			}
		}
		if len(keys) < BlobKeyBatch {
			return nil
		}
		after = keys[len(keys)-1].Key
	}
}

// Latest maps each of documentIDs that has a record to its latest, read
// with read (not called when there are no IDs); documentID is a record's
// document.
func Latest[T any](documentIDs []int64, read func() ([]*T, error), documentID func(*T) int64) (map[int64]*T, error) {
	out := make(map[int64]*T, len(documentIDs))
	if len(documentIDs) == 0 {
		return out, nil
	}
	xs, err := read()
	if err != nil {
		return nil, err
	}
	for _, x := range xs {
		out[documentID(x)] = x
	}
	return out, nil
}
