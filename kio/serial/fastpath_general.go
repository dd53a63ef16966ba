//go:build kio_general

package serial

// generalBuild: built with the kio_general tag, fast paths off (see optimize).
const generalBuild = true
