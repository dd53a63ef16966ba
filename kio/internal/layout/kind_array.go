package layout

// Arrays ([]T): a count, then the elements, each laid out as Value.Elem. They default
// to empty (not nil), "null" being the only default literal, and share the slice rules
// of kind_bytes.go in memory.

func impliedArrayDefault(*Value) Default { return Default{Set: true} }
