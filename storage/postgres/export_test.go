package postgres

// MapErrForTest exposes mapErr to the external tests.
var MapErrForTest = mapErr
