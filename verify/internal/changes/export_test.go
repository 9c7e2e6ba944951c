package changes

// FieldLocked exports fieldLocked to the external tests.
func (p Permissions) FieldLocked(name string) bool { return p.fieldLocked(name) }
