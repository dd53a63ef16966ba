package kafkajson

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"
)

// TestSliceHeader: the encoder reads slices of any element type as sliceHeader; this
// is the layout every Go slice has, which a runtime change would break here first.
func TestSliceHeader(t *testing.T) {
	s := make([]int32, 3, 7)
	h := (*sliceHeader)(unsafe.Pointer(&s))
	if h.data != unsafe.Pointer(&s[0]) || h.len != 3 || h.cap != 7 {
		t.Fatalf("slice header %+v does not match %p len 3 cap 7", *h, &s[0])
	}
}

// TestAppendString: every string, valid UTF-8 or not, is written as JSON that reads
// back as the string with each byte that is not UTF-8 made U+FFFD; the 8-byte fast path
// and the byte-wise path agree at every offset.
func TestAppendString(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	alphabet := []byte("ab\"\\\x00\x1f\x20\x7f\x80\xc3\xa9\xe4\xb8\x96\xf0\x9f\x99\x82\xff\n\t/<>")
	for n := range 5000 {
		b := make([]byte, r.Intn(40))
		for i := range b {
			if n%2 == 0 {
				b[i] = alphabet[r.Intn(len(alphabet))]
			} else {
				b[i] = byte(r.Intn(256))
			}
		}
		s := string(b)
		var want strings.Builder
		for i := 0; i < len(s); {
			c, size := utf8.DecodeRuneInString(s[i:])
			if c == utf8.RuneError && size == 1 {
				c = utf8.RuneError
			}
			want.WriteRune(c)
			i += size
		}
		js := appendString(nil, s)
		var got string
		if err := json.Unmarshal(js, &got); err != nil || got != want.String() {
			t.Fatalf("%q: wrote %s, read %q (%v), want %q", s, js, got, err, want.String())
		}
	}
}
