package postgres

// MapErrForTest exposes mapErr to the external tests.
var MapErrForTest = mapErr

// WithoutSealerForTest opens a catalog with no background audit sealer, so
// pending audit entries stay until a reader or another catalog seals them.
func WithoutSealerForTest() Option { return func(o *options) { o.noSealer = true } }
