//go:build !kio_general

package serial

// generalBuild: built without the kio_general tag, fast paths on (see optimize).
const generalBuild = false
