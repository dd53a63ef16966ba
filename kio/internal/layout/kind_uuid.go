package layout

// UUIDs: 16 bytes, no default literal, the zero UUID ("none") by default. Their rules
// are one line each in the dispatchers (default.go): set and compare with kio.UUID{}.
